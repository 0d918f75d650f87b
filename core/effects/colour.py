"""Colour and look: brightness, contrast, gamma, saturation, temperature, 3D LUTs (.cube), blur,
sharpen, vignette and film grain, plus a few one-click looks built from them.

Each is a handful of OpenCV calls on the whole frame (a lookup table where the change is per
value), so a 1080p frame costs a few milliseconds: docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.effects import register, setting
from core.errors import MediaError
from core.fileio import describe_os_error, read_regular_file

COLOUR = "Colour"
LEVELS = np.arange(256, dtype=np.float32)


def _lut(frame: np.ndarray, table: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.LUT(frame, np.clip(np.round(table), 0, 255).astype(np.uint8))


def _rgb(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Split off an alpha channel, so colour effects leave a keyed clip's transparency alone."""
    return (frame[..., :3], frame[..., 3:]) if frame.shape[2] == 4 else (frame, None)


def _with_alpha(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    return rgb if alpha is None else np.concatenate([rgb, alpha], axis=2)


@dataclass
class Brightness:
    amount: float = setting(0.0, -1, 1, doc="-1 black, 0 unchanged, 1 white")


@register("brightness", "Brightness", COLOUR, Brightness)
def brightness(frame, t, p: Brightness):
    rgb, alpha = _rgb(frame)
    return _with_alpha(_lut(rgb, LEVELS + 255 * p.amount), alpha)


@dataclass
class Contrast:
    amount: float = setting(1.0, 0, 3, doc="0 flat grey, 1 unchanged, 3 harsh")


@register("contrast", "Contrast", COLOUR, Contrast)
def contrast(frame, t, p: Contrast):
    rgb, alpha = _rgb(frame)
    return _with_alpha(_lut(rgb, (LEVELS - 128) * p.amount + 128), alpha)


@dataclass
class Gamma:
    gamma: float = setting(1.0, 0.05, 20, doc="above 1 brightens the mid-tones, below 1 darkens them")


@register("gamma", "Gamma", COLOUR, Gamma)
def gamma(frame, t, p: Gamma):
    rgb, alpha = _rgb(frame)
    return _with_alpha(_lut(rgb, 255 * (LEVELS / 255) ** (1 / p.gamma)), alpha)


@dataclass
class Saturation:
    amount: float = setting(1.0, 0, 3, doc="0 black and white, 1 unchanged, 2 vivid")


@register("saturation", "Saturation", COLOUR, Saturation)
def saturation(frame, t, p: Saturation):
    import cv2

    rgb, alpha = _rgb(frame)
    grey = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return _with_alpha(cv2.addWeighted(rgb, p.amount, grey, 1 - p.amount, 0), alpha)


@dataclass
class Temperature:
    amount: float = setting(0.0, -1, 1, doc="-1 cool (blue), 1 warm (orange)")


@register("temperature", "Temperature", COLOUR, Temperature)
def temperature(frame, t, p: Temperature):
    shift = 40 * p.amount
    table = np.stack([LEVELS + shift, LEVELS + shift * 0.25, LEVELS - shift], axis=-1).reshape(256, 1, 3)
    rgb, alpha = _rgb(frame)
    return _with_alpha(_lut(rgb, table), alpha)


# --- 3D LUTs ----------------------------------------------------------------------------------

LUT_LEVELS = 64  # the table is resampled to this many levels per channel for a fast lookup


MAX_CUBE_BYTES = 64 * 1024 * 1024  # a 65-point cube, the largest in use, is about 8 MB


def read_cube(path: str | os.PathLike) -> np.ndarray:
    """An Adobe/Resolve ``.cube`` 3D LUT as float32 (N, N, N, 3), indexed [b, g, r] as the
    format stores red fastest; a MediaError saying what is wrong otherwise."""
    p = Path(path)
    try:
        lines = read_regular_file(p, MAX_CUBE_BYTES).decode(errors="replace").splitlines()
    except OSError as exc:
        raise MediaError(f"The LUT '{p.name}' could not be read: {describe_os_error(exc)}.") from exc
    size, rows = None, []
    for line in lines:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "LUT_3D_SIZE" and len(words) == 2 and words[1].isdigit():
            size = int(words[1])
        elif words[0][0] in "0123456789.-" and len(words) == 3:
            try:
                rows.append([float(w) for w in words])
            except ValueError:
                raise MediaError(f"The LUT '{p.name}' has a line that is not three numbers: '{line[:40]}'.") from None
    if size is None or not 2 <= size <= 256:
        raise MediaError(f"'{p.name}' is not a 3D LUT (.cube with LUT_3D_SIZE).")
    if len(rows) != size**3:
        raise MediaError(f"The LUT '{p.name}' is incomplete: {len(rows)} of {size ** 3} entries.")
    return np.asarray(rows, np.float32).reshape(size, size, size, 3)


@functools.lru_cache(maxsize=4)
def _lookup_table(path: str, mtime: float) -> np.ndarray:
    """The LUT resampled (trilinear) to LUT_LEVELS per channel and packed one pixel per uint32
    (r, g, b, 0 in memory order), so a frame is one gather of 32-bit words."""
    from scipy.ndimage import map_coordinates

    cube = read_cube(path)
    size = cube.shape[0]
    axis = np.linspace(0, size - 1, LUT_LEVELS)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    channels = [map_coordinates(cube[..., c], [b, g, r], order=1) for c in range(3)]
    table = np.stack(channels, axis=-1)  # [b, g, r] -> rgb
    packed = np.zeros((LUT_LEVELS**3, 4), np.uint8)
    packed[:, :3] = np.clip(np.round(table * 255), 0, 255).astype(np.uint8).reshape(-1, 3)
    return packed.view(np.uint32).ravel()


@dataclass
class Lut:
    path: str = setting("", doc="where the `.cube` file is (a relative path: from the project file's folder)")
    strength: float = setting(1.0, 0, 1, doc="0 the original, 1 the full look")


@register("lut", "LUT (.cube)", COLOUR, Lut)
def lut(frame, t, p: Lut):
    import cv2

    rgb, alpha = _rgb(frame)
    table = _lookup_table(p.path, os.path.getmtime(p.path) if os.path.exists(p.path) else 0.0)
    shift = int(np.log2(256 // LUT_LEVELS))
    bits = int(np.log2(LUT_LEVELS))
    r, g, b = cv2.split(rgb)
    flat = (b >> shift).astype(np.int32)
    flat <<= bits
    flat |= g >> shift
    flat <<= bits
    flat |= r >> shift
    graded = np.take(table, flat).view(np.uint8).reshape(*rgb.shape[:2], 4)[..., :3]
    if p.strength < 1:
        graded = cv2.addWeighted(graded, p.strength, rgb, 1 - p.strength, 0)
    return _with_alpha(graded, alpha)


# --- blur, sharpen, vignette, grain -------------------------------------------------------------


@dataclass
class Blur:
    radius: float = setting(8.0, 0, 200, doc="pixels at 1080p; scales with the frame")


@register("blur", "Blur", COLOUR, Blur)
def blur(frame, t, p: Blur):
    import cv2

    radius = p.radius * frame.shape[0] / 1080
    if radius < 0.5:
        return frame
    size = max(1, int(radius)) * 2 + 1
    once = cv2.blur(frame, (size, size))  # two box passes look Gaussian and cost the same at any radius
    return cv2.blur(once, (size, size))


@dataclass
class Sharpen:
    amount: float = setting(0.6, 0, 5, doc="0 none, 2 strong")


@register("sharpen", "Sharpen", COLOUR, Sharpen)
def sharpen(frame, t, p: Sharpen):
    import cv2

    rgb, alpha = _rgb(frame)
    soft = cv2.GaussianBlur(rgb, (0, 0), max(0.5, 1.2 * rgb.shape[0] / 1080))  # the same look at any size
    return _with_alpha(cv2.addWeighted(rgb, 1 + p.amount, soft, -p.amount, 0), alpha)


@functools.lru_cache(maxsize=8)
def _vignette_mask(height: int, width: int, radius: float, softness: float, strength: float) -> np.ndarray:
    y, x = np.ogrid[:height, :width]
    # Distance from the centre, 1 at the corners, on an ellipse of the frame's shape.
    d = np.sqrt(((x - width / 2) / (width / 2)) ** 2 + ((y - height / 2) / (height / 2)) ** 2) / np.sqrt(2)
    edge = np.clip((d - radius) / max(softness, 1e-3), 0, 1)
    mask = 1 - strength * edge * edge * (3 - 2 * edge)
    return np.repeat((mask * 255).astype(np.uint8)[..., None], 3, axis=2)


@dataclass
class Vignette:
    strength: float = setting(0.5, 0, 1, doc="how dark the corners get")
    radius: float = setting(0.5, 0, 1, doc="where the darkening starts: 0 the centre, 1 the corner")
    softness: float = setting(0.5, 0, 1, doc="how gradually it darkens")


@register("vignette", "Vignette", COLOUR, Vignette)
def vignette(frame, t, p: Vignette):
    import cv2

    rgb, alpha = _rgb(frame)
    mask = _vignette_mask(rgb.shape[0], rgb.shape[1], round(p.radius, 3), round(p.softness, 3),
                          round(min(1.0, max(0.0, p.strength)), 3))
    return _with_alpha(cv2.multiply(rgb, mask, scale=1 / 255), alpha)


@functools.lru_cache(maxsize=2)
def grain_tiles(width: int, height: int, seed: int, count: int = 4) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Film grain at full strength, drawn once per size (about 50 MB at 1080p, so only the
    sizes in use are kept): per tile the brightening and the darkening part (uint8), so a
    frame needs a scaling and two saturating additions, not a random draw."""
    import cv2

    rng = np.random.default_rng(seed)
    tiles = []
    # The grain is drawn on a 540-line grid whatever the frame's size, so the small preview
    # and the 1080p export show the same grain (two pixels across at 1080p).
    grid = (max(2, round(width * 540 / height)), 540)
    for _ in range(count):
        noise = rng.normal(0, 14, grid[::-1]).astype(np.float32)
        noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
        grey = np.repeat(noise[..., None], 3, axis=2)
        tiles.append((np.clip(grey, 0, 255).astype(np.uint8), np.clip(-grey, 0, 255).astype(np.uint8)))
    return tuple(tiles)


@dataclass
class Grain:
    strength: float = setting(0.4, 0, 1, doc="how visible the grain is")
    seed: int = setting(0, 0, 2**31 - 1, doc="another seed: another grain")


@register("grain", "Film grain", COLOUR, Grain)
def grain(frame, t, p: Grain, fps: float = 24.0):
    import cv2

    rgb, alpha = _rgb(frame)
    if p.strength <= 0:
        return frame
    lighter, darker = grain_tiles(rgb.shape[1], rgb.shape[0], p.seed)[int(t * fps) % 4]
    if p.strength < 1:  # any strength, keyframed too, without drawing new tiles
        lighter = cv2.convertScaleAbs(lighter, alpha=p.strength)
        darker = cv2.convertScaleAbs(darker, alpha=p.strength)
    return _with_alpha(cv2.subtract(cv2.add(rgb, lighter), darker), alpha)


# --- looks ------------------------------------------------------------------------------------

LOOKS: dict[str, list[dict]] = {
    "Warm film": [{"type": "temperature", "params": {"amount": 0.35}}, {"type": "contrast", "params": {"amount": 1.1}},
                  {"type": "grain", "params": {"strength": 0.35}}, {"type": "vignette", "params": {"strength": 0.35}}],
    "Cool night": [{"type": "temperature", "params": {"amount": -0.45}}, {"type": "saturation", "params": {"amount": 0.8}},
                   {"type": "gamma", "params": {"gamma": 0.9}}, {"type": "vignette", "params": {"strength": 0.5}}],
    "Punchy": [{"type": "contrast", "params": {"amount": 1.25}}, {"type": "saturation", "params": {"amount": 1.35}},
               {"type": "sharpen", "params": {"amount": 0.4}}],
    "Black and white": [{"type": "saturation", "params": {"amount": 0.0}}, {"type": "contrast", "params": {"amount": 1.2}},
                        {"type": "grain", "params": {"strength": 0.3}}],
    "Faded": [{"type": "contrast", "params": {"amount": 0.8}}, {"type": "brightness", "params": {"amount": 0.05}},
              {"type": "saturation", "params": {"amount": 0.75}}],
}

"""Training pictures for the backdrop GAN: procedural backdrops, folders of images, video frames.

The shipped model learns from backdrops this module draws itself (nothing is downloaded): colour
fields and gradients, bokeh, light leaks, nebula and plasma noise, aurora bands and soft shapes,
each in a palette picked at random. Creators' own data comes from a folder of images or from
video clips (a frame at each shot's keyframe, or evenly spaced).

Every picture is RGB uint8, square, ``size`` on each side.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report

STYLES = ("gradient", "bokeh", "light-leak", "nebula", "plasma", "aurora", "shapes")

PALETTES: dict[str, list[tuple[int, int, int]]] = {
    "sunset": [(32, 12, 60), (140, 30, 90), (240, 90, 70), (255, 190, 90)],
    "ocean": [(2, 20, 45), (10, 70, 120), (30, 150, 180), (170, 230, 230)],
    "neon": [(10, 0, 30), (120, 0, 200), (0, 200, 255), (255, 40, 180)],
    "forest": [(8, 25, 15), (30, 80, 40), (120, 160, 70), (230, 220, 150)],
    "pastel": [(250, 210, 220), (200, 220, 250), (210, 245, 220), (255, 240, 200)],
    "ember": [(15, 5, 5), (90, 15, 10), (210, 70, 20), (255, 200, 80)],
    "midnight": [(5, 5, 20), (20, 30, 80), (70, 90, 170), (200, 210, 255)],
    "candy": [(255, 120, 170), (255, 200, 90), (120, 220, 255), (190, 130, 255)],
}

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates in 0..1, (y, x)."""
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.meshgrid(axis, axis, indexing="ij")


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Noise with features about size/cells across, in 0..1 (bicubic upscaled random grid)."""
    import cv2

    coarse = rng.random((cells + 3, cells + 3), dtype=np.float32)
    big = cv2.resize(coarse, (size * (cells + 3) // cells,) * 2, interpolation=cv2.INTER_CUBIC)
    offset = size // cells
    return np.clip(big[offset : offset + size, offset : offset + size], 0, 1)


def _fractal(rng: np.random.Generator, size: int, octaves: int = 5, base: int = 2) -> np.ndarray:
    field, weight, total = np.zeros((size, size), np.float32), 1.0, 0.0
    for octave in range(octaves):
        field += weight * _smooth_noise(rng, size, base * 2**octave)
        total += weight
        weight *= 0.55
    field /= total
    return (field - field.min()) / max(1e-6, float(field.max() - field.min()))


def _colourise(field: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Map a 0..1 field through the palette's colours, evenly spaced."""
    stops = np.linspace(0, 1, len(palette))
    return np.stack([np.interp(field, stops, palette[:, c]) for c in range(3)], axis=-1).astype(np.float32)


def _gradient(rng, size, palette):
    y, x = _grid(size)
    angle = rng.uniform(0, 2 * np.pi)
    field = (np.cos(angle) * x + np.sin(angle) * y)
    if rng.random() < 0.5:  # a radial field for half of them
        cy, cx = rng.uniform(0.2, 0.8, 2)
        field = np.hypot(x - cx, y - cy) * rng.uniform(1.0, 1.8)
    field = (field - field.min()) / max(1e-6, float(field.max() - field.min()))
    return _colourise(field + 0.08 * (_smooth_noise(rng, size, 3) - 0.5), palette)


def _bokeh(rng, size, palette):
    y, x = _grid(size)
    picture = _gradient(rng, size, palette[:2]) * 0.6
    for _ in range(rng.integers(6, 22)):
        cy, cx = rng.uniform(-0.1, 1.1, 2)
        radius = rng.uniform(0.03, 0.14)
        softness = rng.uniform(0.005, 0.04)
        disc = np.clip((radius - np.hypot(x - cx, y - cy)) / softness, 0, 1)[..., None]
        colour = palette[rng.integers(1, len(palette))]
        picture = picture + disc * colour * rng.uniform(0.25, 0.6)
    return picture


def _light_leak(rng, size, palette):
    y, x = _grid(size)
    picture = _colourise(np.full((size, size), rng.uniform(0, 0.3), np.float32), palette)
    for _ in range(rng.integers(2, 5)):
        cy, cx = rng.uniform(-0.2, 1.2, 2)
        spread = rng.uniform(0.15, 0.5)
        glow = np.exp(-((x - cx) ** 2 + ((y - cy) * rng.uniform(0.3, 1.0)) ** 2) / spread**2)[..., None]
        picture = picture + glow * palette[rng.integers(2, len(palette))] * rng.uniform(0.3, 0.7)
    return picture


def _nebula(rng, size, palette):
    density = _fractal(rng, size) ** rng.uniform(1.2, 2.5)
    picture = _colourise(density, palette) * (0.3 + 0.9 * density[..., None])
    stars = (rng.random((size, size)) > 0.996)[..., None] * 255.0 * rng.uniform(0.5, 1.0)
    return picture + stars


def _plasma(rng, size, palette):
    y, x = _grid(size)
    field = np.zeros((size, size), np.float32)
    for _ in range(4):
        fx, fy = rng.uniform(-6, 6, 2)
        field += np.sin(2 * np.pi * (fx * x + fy * y) + rng.uniform(0, 2 * np.pi))
    field += 2 * np.sin(2 * np.pi * np.hypot(x - rng.uniform(), y - rng.uniform()) * rng.uniform(2, 6))
    return _colourise((np.sin(field) + 1) / 2, palette)


def _aurora(rng, size, palette):
    y, x = _grid(size)
    picture = _colourise(y * 0.25, palette[:2]) * 0.7
    for _ in range(rng.integers(2, 4)):
        centre = rng.uniform(0.25, 0.7) + 0.08 * np.sin(2 * np.pi * (x * rng.uniform(0.5, 2) + rng.uniform()))
        band = np.exp(-(((y - centre) / rng.uniform(0.04, 0.12)) ** 2))
        streaks = 0.6 + 0.4 * _smooth_noise(rng, size, 12)[0:1, :]
        glow = (band * streaks)[..., None]
        picture = picture + glow * palette[rng.integers(2, len(palette))]
    return picture


def _shapes(rng, size, palette):
    """Flat, crisp shapes over a quiet gradient. They were blurred and half transparent once,
    and a model true to that was haze that no one could tell from the gradient style (#20)."""
    import cv2

    ground, ink = (palette[:2], palette[2:]) if rng.random() < 0.5 else (palette[2:], palette[:2])
    picture = _gradient(rng, size, ground)
    for _ in range(rng.integers(3, 8)):
        layer = np.zeros((size, size), np.float32)
        centre = rng.uniform(0, size, 2)
        extent = rng.uniform(size / 12, size / 3.5)
        kind = rng.integers(0, 4)
        if kind == 0:
            cv2.circle(layer, _point(centre), int(extent), 1.0, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.circle(layer, _point(centre), int(extent), 1.0, max(2, int(extent / 3)), cv2.LINE_AA)
        else:  # a rotated square or a triangle
            corners = 4 if kind == 2 else 3
            angles = rng.uniform(0, 2 * np.pi) + np.arange(corners) * 2 * np.pi / corners
            points = centre + extent * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
            cv2.fillPoly(layer, [np.round(points * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        alpha = layer[..., None] * rng.uniform(0.85, 1.0)
        colour = ink[rng.integers(0, len(ink))] * rng.uniform(0.9, 1.1)
        picture = picture * (1 - alpha) + colour * alpha
    return picture


def _point(centre: np.ndarray) -> tuple[int, int]:
    return int(round(centre[0])), int(round(centre[1]))


_DRAWERS: dict[str, Callable] = {
    "gradient": _gradient, "bokeh": _bokeh, "light-leak": _light_leak, "nebula": _nebula,
    "plasma": _plasma, "aurora": _aurora, "shapes": _shapes,
}


def procedural_backdrop(style: str, seed: int, size: int = 128) -> np.ndarray:
    """One procedural backdrop, the same for the same style, seed and size."""
    if style not in _DRAWERS:
        raise ValueError(f"Unknown backdrop style '{style}'. Known styles: {', '.join(STYLES)}.")
    rng = np.random.default_rng([seed, STYLES.index(style)])
    palette = np.array(list(PALETTES.values())[rng.integers(0, len(PALETTES))], np.float32)
    if rng.random() < 0.5:
        palette = palette[::-1]
    return np.clip(_DRAWERS[style](rng, size, palette), 0, 255).astype(np.uint8)


def procedural_dataset(count: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` backdrops cycling through the styles: (pictures (N, size, size, 3), style labels (N,))."""
    labels = np.arange(count) % len(STYLES)
    pictures = np.stack([procedural_backdrop(STYLES[label], seed * 1_000_003 + i, size)
                         for i, label in enumerate(labels)])
    return pictures, labels


def _square(picture: np.ndarray, size: int) -> np.ndarray:
    """The centre square of a picture, resized to ``size``."""
    import cv2

    height, width = picture.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return cv2.resize(picture[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA)


def user_dataset(
    sources: list[str | os.PathLike],
    size: int = 128,
    *,
    per_video: int = 24,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Training pictures from folders of images, image files and videos. Videos give a frame
    at each shot's keyframe, topped up with evenly spaced frames to ``per_video``. Unreadable
    files are skipped; no usable picture at all is a MediaError."""
    from core.media import MediaInfo, frame_at, probe_cached, read_image

    files = []
    for source in map(Path, sources):
        if source.is_dir():
            files += sorted(p for p in source.rglob("*") if p.is_file())
        elif source.exists():
            files.append(source)
        else:
            raise MediaError(f"'{source}' does not exist.")
    pictures, skipped = [], []
    for i, path in enumerate(files):
        check_cancel(cancel)
        report(progress, i / max(1, len(files)), f"Reading {path.name}")
        try:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                pictures.append(_square(read_image(path), size))
                continue
            info: MediaInfo = probe_cached(str(path))
            if info.kind != "video":
                skipped.append(path.name)
                continue
            for t in _video_times(info, per_video, cancel):
                pictures.append(_square(frame_at(info, t), size))
        except MediaError:
            skipped.append(path.name)
    if not pictures:
        raise MediaError("None of these files gave a picture to learn from"
                         + (f" (skipped: {', '.join(skipped[:5])})." if skipped else "."))
    report(progress, 1.0, f"{len(pictures)} pictures")
    return np.stack(pictures)


def _video_times(info, wanted: int, cancel: CancelToken | None) -> list[float]:
    """Seconds into a video: its shots' keyframes, then evenly spaced ones up to ``wanted``."""
    from core.scenes import detect_scenes

    times = [float(info.frame_times[k]) for k in detect_scenes(info, cancel=cancel).keyframes][:wanted]
    extra = wanted - len(times)
    if extra > 0:
        times += list(np.linspace(0, info.duration, extra + 2)[1:-1])
    return sorted(times)

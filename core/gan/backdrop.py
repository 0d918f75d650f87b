"""Animated backdrops: a looping walk through the GAN's latent space, rendered at any size.

The walk is a sum of circles, z(t) = sum_j w_j (a_j cos(2 pi k_j t / T) + b_j sin(2 pi k_j t / T)),
with a_j and b_j drawn from N(0, I), whole numbers of turns k_j and weights whose squares add up
to one. Every z(t) is then itself N(0, I), the distribution the generator was trained on (a
straight line between two samples is not: its middle is too short), and z(T) = z(0), so the clip
loops without a seam. The generator has no noise inputs and its BatchNorm is frozen, so frames
that are close in time are close in picture: nothing shimmers.

Even steps along the walk are not even steps in picture: the generator's pictures change fast
in some stretches and barely in others. So the walk is re-timed by arc length in image space:
the picture's change is measured at PACE_SAMPLES points of one period, and frames are spread so
that each covers the same amount of change (``retimed``).

The 128-pixel picture is cropped to the canvas's shape and upscaled with bicubic filtering,
which stays smooth; film grain, when asked for, is the grain effect (core.effects.colour).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import MediaError, ModelError
from core.jobs import CancelToken, Progress, check_cancel, made_ahead, report

log = logging.getLogger(__name__)

LOOP_SECONDS_AT_SPEED_1 = 8.0  # how long one turn of the main circle takes at speed 1
BATCH = 8  # frames generated at a time
PACE_SAMPLES = 64  # points per period of the walk where the picture's change is measured
REUSE_FRAMES = 2400  # at most this many of a turn's 128 px pictures are kept to show again (118 MB)


@dataclass
class BackdropSettings:
    seconds: float = 10.0
    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    seed: int = 0
    style: str | None = None  # None: the model's own ("custom") or its first style
    speed: float = 1.0  # how fast the picture drifts; the clip loops whatever the speed
    grain: float = 0.0  # film grain strength, 0..1
    match: str | None = None  # a clip or picture whose colours the backdrop takes on
    model: str | None = None  # a model file; None: the shipped one
    device: str | None = None  # None: CUDA when available

    def validate(self) -> None:
        if not 0.2 <= self.seconds <= 600:
            raise ModelError("A backdrop lasts from 0.2 seconds to 10 minutes.")
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320):
            raise ModelError(f"{self.width}x{self.height} is not a size a backdrop can have (16x16 to 7680x4320).")
        if self.width % 2 or self.height % 2:
            raise ModelError("A video's width and height must be even numbers.")
        if not 1 <= self.fps <= 120:
            raise ModelError("The frame rate must be between 1 and 120.")
        if not 0 < self.speed <= 10:
            raise ModelError("The speed must be above 0 and at most 10.")
        if not 0 <= self.grain <= 1:
            raise ModelError("The grain strength runs from 0 to 1.")

    @property
    def frame_count(self) -> int:
        return max(1, int(round(self.seconds * self.fps)))


class BackdropRenderer:
    """Renders the frames of one backdrop; cheap to ask for any frame, in any order."""

    def __init__(self, settings: BackdropSettings):
        from core.gan import shipped_model
        from core.gan.train import load_model_file

        settings.validate()
        self.settings = settings
        model_file = Path(settings.model or shipped_model())
        by_twin = _twin_generator(model_file, settings.device)
        data = None if by_twin else load_model_file(model_file)
        self.styles: list[str] = list(by_twin.styles if by_twin else data["styles"])
        self.z_dim: int = by_twin.z_dim if by_twin else data["z_dim"]
        style = settings.style or ("custom" if "custom" in self.styles else self.styles[0])
        if style not in self.styles:
            raise ModelError(f"This model has no style '{style}'. Its styles: {', '.join(self.styles)}.")
        self.style_index = self.styles.index(style)
        self._pictures = by_twin or _torch_generator(data, settings.device)
        rng = np.random.default_rng(settings.seed)
        turns = max(1, round(settings.seconds * settings.speed / LOOP_SECONDS_AT_SPEED_1))
        self.turns = np.array([turns, 2 * turns, 3 * turns], dtype=np.float64)
        weights = np.array([0.85, 0.45, 0.28])
        self.weights = weights / np.linalg.norm(weights)  # squares add up to one: z stays N(0, I)
        self.circles = rng.standard_normal((2, 3, self.z_dim))
        self.colour_target: tuple[np.ndarray, np.ndarray] | None = None  # Lab mean and spread
        # The pace depends on the model, seed and style only (the sample points are fixed phases
        # of the circles), so previews of one backdrop measure it once.
        pace_key = (str(model_file), model_file.stat().st_mtime_ns, settings.seed, style)
        if pace_key not in _PACES:
            _PACES[pace_key] = self._even_pace()
        self._arc = _PACES[pace_key]

    def moments(self, count: int) -> np.ndarray:
        """``count`` frame indices spread over one turn of the walk: the clip repeats every
        turn, so moments spread over the whole clip could all be the same picture."""
        turn = self.settings.frame_count / int(self.turns[0])
        return (np.arange(count) * turn / count).astype(int)

    def latent(self, frames: np.ndarray) -> np.ndarray:
        """z (N, z_dim) float32 for frame indices (any numbers: the walk wraps around at the
        clip's length)."""
        phase = 2 * np.pi * np.asarray(frames, dtype=np.float64) / self.settings.frame_count
        angle = phase[:, None] * self.turns[None, :]  # (frames, circles)
        a, b = self.circles
        z = (self.weights * np.cos(angle))[..., None] * a + (self.weights * np.sin(angle))[..., None] * b
        return z.sum(axis=1).astype(np.float32)

    @property
    def _period(self) -> float:
        """Frames after which the walk repeats (its main circle's turn)."""
        return self.settings.frame_count / int(self.turns[0])

    def _even_pace(self) -> np.ndarray:
        """How far along one period of the walk the picture has changed, at PACE_SAMPLES even
        steps (0 to 1): the walk is then re-timed by it (``retimed``), so the picture changes at
        an even pace. Even steps in latent space are not: where the generator's pictures change
        fast the backdrop surged, where they barely change it crawled (8x apart along one loop)."""
        import cv2

        positions = np.arange(PACE_SAMPLES) * self._period / PACE_SAMPLES
        pictures = self._generate(positions)
        grey = np.stack([cv2.resize(cv2.cvtColor(p, cv2.COLOR_RGB2GRAY), (32, 32), interpolation=cv2.INTER_AREA)
                         for p in pictures]).astype(np.float32)
        steps = np.abs(np.diff(np.concatenate([grey, grey[:1]]), axis=0)).mean(axis=(1, 2)) + 1e-3
        arc = np.concatenate([[0.0], np.cumsum(steps)])
        return arc / arc[-1]

    def retimed(self, frames: np.ndarray) -> np.ndarray:
        """Where along the walk (in frames, fractional) each frame index is shown: equal arcs of
        picture change per frame, the same in every period, so the loop still closes."""
        frames = np.asarray(frames, dtype=np.float64)
        period = self._period
        turn, within = np.divmod(frames, period)
        even = np.interp(within / period, self._arc, np.linspace(0.0, 1.0, len(self._arc)))
        return (turn + even) * period

    def _generate(self, positions: np.ndarray) -> np.ndarray:
        """The generator's pictures (N, 128, 128, 3) uint8 at walk positions (in frames), BATCH
        at a time: bigger batches run slower on the CPU (180 at once took 2.4x as long)."""
        out = []
        for start in range(0, len(positions), BATCH):
            pictures = self._pictures(self.latent(positions[start : start + BATCH]), self.style_index)
            out.append(((np.clip(pictures, -1, 1) + 1) * 127.5).round().astype(np.uint8).transpose(0, 2, 3, 1))
        return np.concatenate(out)

    def small_frames(self, frames: np.ndarray) -> np.ndarray:
        """The generator's own pictures (N, 128, 128, 3) uint8 for frame indices, evenly paced
        and colour-matched."""
        pictures = self._generate(self.retimed(frames))
        if self.colour_target is not None:
            pictures = self._transfer_colours(pictures)
        return pictures

    def finish(self, small: np.ndarray, index: int, width: int | None = None, height: int | None = None,
               i420: bool = False) -> np.ndarray:
        """One small picture cropped to the canvas's shape, upscaled smoothly, grain added: RGB,
        or the I420 planes an encoder takes (``i420``). A file without grain is upscaled by the
        encoder instead (``frames(full_size=False)``)."""
        import cv2

        width, height = width or self.settings.width, height or self.settings.height
        frame = _upscaled(self.cropped(small, width, height), width, height)
        if self.settings.grain > 0:
            from core.effects.colour import Grain, grain

            fps = self.settings.fps
            frame = grain(frame, index / fps, Grain(self.settings.grain, self.settings.seed), fps=fps)
        return cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420) if i420 else frame

    def cropped(self, small: np.ndarray, width: int | None = None, height: int | None = None) -> np.ndarray:
        """The middle of a small picture in the canvas's shape, of even sides (I420 halves both)."""
        width, height = width or self.settings.width, height or self.settings.height
        side = small.shape[0]
        if width >= height:
            rows = max(2, 2 * round(side * height / width / 2))
            return small[(side - rows) // 2 :][:rows]
        columns = max(2, 2 * round(side * width / height / 2))
        return small[:, (side - columns) // 2 :][:, :columns]

    def frames(self, cancel: CancelToken | None = None, progress: Progress | None = None,
               i420: bool = False, full_size: bool = True) -> Iterator[np.ndarray]:
        """Every frame in order: RGB or I420 planes (``i420``), at the canvas's size, or
        (``full_size=False``, without grain) cropped to its shape at the generator's size, for
        an encoder that upscales them itself."""
        if not full_size and self.settings.grain > 0:
            raise ValueError("Grain is added at the canvas's size: its frames are made full size.")
        total = self.settings.frame_count
        cycle = self._repeats_every()
        made: dict[int, np.ndarray] = {}  # the first turn's pictures, shown again in every later turn
        for start in range(0, total, BATCH):
            check_cancel(cancel)
            indices = np.arange(start, min(total, start + BATCH))
            if cycle and start >= cycle:
                smalls = [made[int(i) % cycle] for i in indices]
            else:
                smalls = list(self.small_frames(indices))
                if cycle:
                    made.update((int(i), small) for i, small in zip(indices, smalls, strict=True) if i < cycle)
            for index, small in zip(indices, smalls, strict=True):
                yield self.finish(small, int(index), i420=i420) if full_size else self._small_frame(small, i420)
            report(progress, min(total, start + BATCH) / total, "Generating the backdrop")

    def _small_frame(self, small: np.ndarray, i420: bool) -> np.ndarray:
        import cv2

        crop = self.cropped(small)
        return cv2.cvtColor(crop, cv2.COLOR_RGB2YUV_I420) if i420 else crop

    def _repeats_every(self) -> int | None:
        """Frames after which the pictures repeat exactly, when the clip holds more than one
        turn of the walk in whole frames: a 60 s backdrop is eight 7.5 s turns, and generating
        each anew was most of its cost. None when nothing repeats, or when one turn's pictures
        would take more memory than they save time (REUSE_FRAMES)."""
        period = self._period
        if int(self.turns[0]) < 2 or not period.is_integer() or period > REUSE_FRAMES:
            return None
        return int(period)

    def match_colours(self, reference: str | os.PathLike) -> None:
        """Take on the colours of a clip or picture, frame by frame: each frame's mean and spread
        in Lab are moved to the reference's (Reinhard's colour transfer). One lookup table for
        the whole loop was not enough: the generator's colours change with the walk (a 26 s loop
        went blue, green, orange and near black, its mean lightness over a range of 174 of 255),
        and a table maps each of those to a different colour. Frames close in time have close
        statistics, so the transfer does not flicker, and the loop still closes."""
        import cv2

        lab = cv2.cvtColor(_reference_pictures(reference), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
        self.colour_target = (lab.mean(axis=0), lab.std(axis=0))

    def _transfer_colours(self, pictures: np.ndarray) -> np.ndarray:
        import cv2

        mean, spread = self.colour_target
        out = np.empty_like(pictures)
        for i, picture in enumerate(pictures):
            lab = cv2.cvtColor(picture, cv2.COLOR_RGB2LAB).astype(np.float32)
            own_mean, own_spread = lab.reshape(-1, 3).mean(axis=0), lab.reshape(-1, 3).std(axis=0)
            # a plain frame is not blown up into noise, nor a busy one flattened to a wash
            gain = np.clip(spread / np.maximum(own_spread, 1e-3), 1 / SPREAD_LIMIT, SPREAD_LIMIT)
            moved = (lab - own_mean) * gain + mean
            out[i] = cv2.cvtColor(np.clip(moved, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)
        return out


SPREAD_LIMIT = 3.0  # the most a frame's colour spread is scaled either way to match


def _upscaled(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bicubic to a quarter of the size, then bilinear the rest of the way: as smooth as bicubic
    all the way for pictures this soft, at a fraction of the cost at 1080p."""
    import cv2

    quarter = (max(picture.shape[1], width // 4), max(picture.shape[0], height // 4))
    return cv2.resize(cv2.resize(picture, quarter, interpolation=cv2.INTER_CUBIC), (width, height),
                      interpolation=cv2.INTER_LINEAR)


_PACES: dict[tuple, np.ndarray] = {}  # measured paces by (model file, its mtime, seed, style)


def _reference_pictures(path: str | os.PathLike) -> np.ndarray:
    """A few frames of a clip (or the picture itself), small, stacked into one picture."""
    import cv2

    from core.media import frame_at, probe_cached

    info = probe_cached(str(path))
    if not info.has_video:
        raise MediaError(f"'{info.name}' has no picture to take colours from.")
    times = [0.0] if info.kind != "video" else list(np.linspace(0, info.duration, 6)[1:-1])
    frames = [cv2.resize(frame_at(info, t), (160, 90), interpolation=cv2.INTER_AREA) for t in times]
    return np.concatenate(frames, axis=0)


def render_backdrop(
    settings: BackdropSettings,
    out: str | os.PathLike,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Render a backdrop to an MP4 (H.264, no sound) at ``out``, atomically; returns the path."""
    from core.media import encode_video

    out = Path(out)
    renderer = BackdropRenderer(settings)
    if settings.match:
        renderer.match_colours(settings.match)
    report(progress, 0.0, "Generating the backdrop")
    # An intermediate clip, re-encoded when the project is exported: the fastest x264 preset at
    # a generous quality keeps up with the generator (a slower preset halves the frame rate),
    # and handing ffmpeg I420 planes spares its single-threaded colour conversion. Without
    # grain the planes go at the generator's size and ffmpeg's scaler upscales them: it costs
    # less than upscaling here, and the pipe carries 1/200 of the bytes (docs/benchmarks.md).
    # Frames are made on a thread of their own.
    size = (settings.width, settings.height)
    full_size = settings.grain > 0
    frames = renderer.frames(cancel, progress, i420=True, full_size=full_size)
    first = next(frames)
    planes_size = size if full_size else (first.shape[1], first.shape[0] * 2 // 3)
    with closing(made_ahead(itertools.chain([first], frames))) as planes:  # a failed encode stops the maker at once
        encode_video(out, planes, planes_size, settings.fps, cancel=cancel, preset="ultrafast", crf=16,
                     frame_format="yuv420p", scale_to=None if full_size else size)
    report(progress, 1.0, "Backdrop ready")
    return out


def _twin_generator(model_file: Path, device: str | None):
    """The model's torch-free twin, ready to run (core.gan.twin), where torch would run on the
    CPU anyway; None where there is none for this file, or it cannot be read (torch renders
    then, only slower)."""
    from core.gan.twin import TwinGenerator, cuda_may_be_present, twin_of

    if device not in ("cpu", None) or (device is None and cuda_may_be_present()):
        return None
    twin = twin_of(model_file)
    try:
        return TwinGenerator(twin) if twin else None
    except ModelError:
        log.warning("Rendering with torch: the model's twin could not be read", exc_info=True)
        return None


def _torch_generator(data: dict, device: str | None):
    """Latent vectors (N, z_dim) and a style to pictures in -1..1 (N, 3, size, size), by torch."""
    import torch

    from core.gan.model import pick_device
    from core.gan.train import build_generator

    where = pick_device(device)
    generator = build_generator(data).to(where)

    def pictures(z: np.ndarray, style_index: int) -> np.ndarray:
        with torch.inference_mode():
            style = torch.full((len(z),), style_index, dtype=torch.long, device=where)
            return generator(torch.from_numpy(z).to(where), style).float().cpu().numpy()

    return pictures

"""Small pictures for the bin: a frame for video and stills, a waveform for sound."""

from __future__ import annotations

import logging
import os

import numpy as np

from core.media.audio import read_audio
from core.media.decode import frame_at
from core.media.info import AUDIO, MediaInfo, even, fit_size
from core.media.probe import media_info

log = logging.getLogger(__name__)


def thumbnail(source: MediaInfo | str | os.PathLike, width: int = 320, t: float | None = None) -> np.ndarray:
    """A small RGB picture for the bin: a frame for video and stills, a waveform for audio."""
    info = media_info(source)
    if info.kind == AUDIO:
        return _waveform_picture(read_audio(info, sample_rate=8000, channels=1), width)
    size = fit_size(info.width, info.height, width)
    when = info.duration * 0.1 if t is None and info.duration else (t or 0.0)
    return frame_at(info, when, size)


def _waveform_picture(samples: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    height = height or even(width * 9 / 16)
    picture = np.full((height, width, 3), (24, 28, 36), dtype=np.uint8)
    mono = samples[:, 0] if samples.ndim == 2 else samples
    if mono.size == 0:
        return picture
    columns = np.array_split(np.abs(mono), width)
    peaks = np.array([c.max() if c.size else 0.0 for c in columns])
    peaks = peaks / max(float(peaks.max()), 1e-6)
    mid = height // 2
    for x, peak in enumerate(peaks):
        half = max(1, int(peak * (height // 2 - 2)))
        picture[mid - half : mid + half, x] = (90, 200, 160)
    return picture

"""Small pictures for the bin (a frame for video and stills, a waveform for sound), and the
film strips along the timeline's video clips."""

from __future__ import annotations

import logging
import os

import numpy as np

from core.errors import MediaError
from core.media.analysis import pictures_at
from core.media.decode import frame_at
from core.media.info import AUDIO, VIDEO, MediaInfo, even, fit_size
from core.media.probe import media_info

log = logging.getLogger(__name__)


def thumbnail(source: MediaInfo | str | os.PathLike, width: int = 320, t: float | None = None) -> np.ndarray:
    """A small RGB picture for the bin: a frame for video and stills, a waveform for audio."""
    info = media_info(source)
    if info.kind == AUDIO:
        from core.audio.waveform import waveform

        return waveform_picture(waveform(info.path), width)  # the timeline's peaks: the sound is read once
    size = fit_size(info.width, info.height, width)
    when = info.duration * 0.1 if t is None and info.duration else (t or 0.0)
    return frame_at(info, when, size)


STRIP_PICTURES = 32  # along a video, at most: one a second for shorter ones
STRIP_BUDGET = 1920 * 1080 * 120  # pixels decoded for a strip of exact frames: about a second of CPU


def film_strip(source: MediaInfo | str | os.PathLike, width: int = 96) -> tuple[np.ndarray, list[np.ndarray]]:
    """Pictures along a video for its clips on the timeline: (their times in seconds, RGB
    pictures ``width`` across), spread evenly over the file. Each is decoded from the keyframe
    before it; where that would decode too much (long stretches between keyframes in a big
    picture), the keyframes nearest those points stand in: a clip cut at a change of shot still
    shows its own shot, as encoders put a keyframe at one."""
    info = media_info(source)
    if info.kind != VIDEO or info.frame_times is None or not info.duration:
        raise MediaError(f"'{info.name}' is not a video.")
    count = int(np.clip(round(info.duration), 2, STRIP_PICTURES))
    wanted = (np.arange(count) + 0.5) * info.duration / count
    keys = info.keyframe_times if info.keyframe_times is not None and len(info.keyframe_times) else info.frame_times[:1]
    key_frames = np.array([info.frame_index_at(k) for k in keys])
    exact = np.array(sorted({info.frame_index_at(t) for t in wanted}))
    decoded = exact - key_frames[np.clip(np.searchsorted(key_frames, exact, side="right") - 1, 0, None)] + 1
    if decoded.sum() * info.width * info.height <= STRIP_BUDGET:
        indices = [int(i) for i in exact]
    else:
        indices = sorted({int(key_frames[np.abs(keys - t).argmin()]) for t in wanted})
    return info.frame_times[indices], pictures_at(info, indices, width)


def waveform_picture(peaks: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    """The (min, max) peaks of core.audio.waveform drawn ``width`` across: the bin's picture
    of a sound file."""
    height = height or even(width * 9 / 16)
    picture = np.full((height, width, 3), (24, 28, 36), dtype=np.uint8)
    if peaks.size == 0:
        return picture
    columns = np.array_split(np.abs(peaks).max(axis=1), width)
    loudest = np.array([c.max() if c.size else 0.0 for c in columns])
    loudest = loudest / max(float(loudest.max()), 1e-6)
    mid = height // 2
    for x, peak in enumerate(loudest):
        half = max(1, int(peak * (height // 2 - 2)))
        picture[mid - half : mid + half, x] = (90, 200, 160)
    return picture

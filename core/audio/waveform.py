"""Waveforms for the timeline: the loudest and quietest sample of every 1/100 s of a file's sound,
computed once and cached on disk (keyed on the file's path, size and time), so a long song is
read once, not every time a project opens."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report

PEAKS_PER_SECOND = 100
READ_RATE = 8000  # enough to see the shape of the sound


def waveform(source: str | os.PathLike, *, progress: Progress | None = None,
             cancel: CancelToken | None = None) -> np.ndarray:
    """(N, 2) float32 of (min, max) per 1/PEAKS_PER_SECOND s, mono, from the cache if it can."""
    from core.media import probe_cached, read_audio
    from core.paths import cache_file

    path = Path(source)
    if not path.is_file():
        raise MediaError(f"'{path.name}' is missing.")
    cached = cache_file("waveforms", path, ".npy")
    if cached.exists():
        try:
            return np.load(cached)
        except (OSError, ValueError):
            cached.unlink(missing_ok=True)  # a damaged cache entry is simply made again
    info = probe_cached(str(path))
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound.")
    check_cancel(cancel)
    samples = read_audio(info.path, sample_rate=READ_RATE).mean(axis=1)
    check_cancel(cancel)
    width = READ_RATE // PEAKS_PER_SECOND
    count = -(-len(samples) // width)
    padded = np.pad(samples, (0, count * width - len(samples)))
    pieces = padded.reshape(count, width)
    peaks = np.stack([pieces.min(axis=1), pieces.max(axis=1)], axis=1).astype(np.float32)
    try:
        np.save(cached, peaks)
    except OSError:
        pass  # a full disk costs only the cache
    report(progress, 1.0, "Waveform ready")
    return peaks

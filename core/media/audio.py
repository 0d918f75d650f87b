"""Sound as numpy: whole files, or a long-lived reader at the project's rate and speed."""

from __future__ import annotations

import logging
import os
import subprocess

import numpy as np

from core.errors import MediaError
from core.ffmpeg import ffmpeg_command, run_ffmpeg
from core.media.decode import ProcessReader
from core.media.info import MediaInfo
from core.media.probe import ffmpeg_reason, media_info

log = logging.getLogger(__name__)


def read_audio(
    source: MediaInfo | str | os.PathLike,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    start: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Audio as float32 samples of shape (n, channels), resampled to ``sample_rate``.

    A file with no audio gives silence of the file's length, so callers mixing tracks need
    no special case.
    """
    info = media_info(source)
    length = duration if duration is not None else max(0.0, (info.duration or 0.0) - start)
    if not info.has_audio:
        return np.zeros((int(round(length * sample_rate)), channels), dtype=np.float32)
    args = ["-ss", f"{start:.6f}"] if start > 0 else []
    args += ["-i", info.path, "-map", "0:a:0", "-vn"]
    if duration is not None:
        args += ["-t", f"{duration:.6f}"]
    if info.channels == 1 and channels == 2:
        args += ["-af", "pan=stereo|c0=c0|c1=c0"]  # mono to both sides at full level, not -3 dB
    else:
        args += ["-ac", str(channels)]
    args += ["-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(sample_rate), "-"]
    result = run_ffmpeg(*args, timeout=600)
    if result.returncode != 0 and not result.stdout:
        reason = ffmpeg_reason(result.stderr.decode("utf-8", "replace"))
        raise MediaError(f"The audio of '{info.name}' could not be read: {reason}.")
    usable = len(result.stdout) // (4 * channels) * 4 * channels
    return np.frombuffer(result.stdout[:usable], dtype=np.float32).reshape(-1, channels).copy()


def _atempo_chain(speed: float) -> list[str]:
    """atempo filters whose product is ``speed`` (each stage accepts 0.5 to 2)."""
    stages = []
    while speed > 2.0:
        stages.append(2.0)
        speed /= 2.0
    while speed < 0.5:
        stages.append(0.5)
        speed /= 0.5
    stages.append(speed)
    return [f"atempo={s:.6f}" for s in stages]


class AudioReader(ProcessReader):
    """Streams one file's sound at a given rate and speed with a long-lived ffmpeg process.

    ``read(source_time, count)`` returns ``count`` stereo float32 samples starting at
    ``source_time`` seconds into the media. Consecutive reads continue the same process; a
    jump restarts it. Before the start and after the end there is silence. Speed changes
    keep the pitch (ffmpeg's atempo).
    """

    def __init__(self, info: MediaInfo, sample_rate: int, speed: float = 1.0):
        self.info, self.sample_rate, self.speed = info, sample_rate, speed
        self._proc: subprocess.Popen | None = None
        self._position: float | None = None  # source time of the next sample the process gives

    def close(self) -> None:
        if getattr(self, "_proc", None) is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.close()
            self._proc = None

    def read(self, source_time: float, count: int) -> np.ndarray:
        out = np.zeros((count, 2), np.float32)
        if not self.info.has_audio or count <= 0:
            return out
        step = self.speed / self.sample_rate  # source seconds per output sample
        lead = min(count, max(0, int(round(-source_time / step))))  # silence before the start
        if lead >= count:
            return out
        start = source_time + lead * step
        if self._proc is None or self._position is None or abs(self._position - start) > step:
            self._restart(start)
        wanted = count - lead
        data = self._proc.stdout.read(wanted * 8)
        got = len(data) // 8
        if got:
            out[lead : lead + got] = np.frombuffer(data[: got * 8], np.float32).reshape(-1, 2)
        self._position = start + wanted * step
        return out

    def _restart(self, start: float) -> None:
        self.close()
        filters = (["pan=stereo|c0=c0|c1=c0"] if self.info.channels == 1 else []) + (
            _atempo_chain(self.speed) if abs(self.speed - 1.0) > 1e-6 else [])
        args = ["-ss", f"{start:.6f}", "-i", self.info.path, "-map", "0:a:0", "-vn"]
        args += ["-af", ",".join(filters)] if filters else []
        args += ["-ac", "2", "-ar", str(self.sample_rate), "-f", "f32le", "-acodec", "pcm_f32le", "-"]
        self._proc = subprocess.Popen(
            ffmpeg_command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._position = start

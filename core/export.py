"""Export: the compositor's frames and mix, through moviepy, to an H.264/AAC MP4.

The output is written to a temporary file beside the target and renamed at the end, so a
cancelled or failed export leaves nothing behind: no partial MP4, no temporary audio, no
ffmpeg process. The sound is mixed to a temporary WAV first and handed to moviepy as a file:
moviepy's own audio writer has no context manager and leaves its ffmpeg running when a chunk
raises, which a cancel would do.
"""

from __future__ import annotations

import copy
import errno
import logging
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.compositor import Compositor
from core.errors import ExportError, MediaError
from core.fileio import (
    OWNER_LOCK,
    describe_os_error,
    hold_lock,
    os_error_in,
    output_problem,
    release_lock,
    remove_abandoned,
)
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.timeline import CANVASES, Project, all_clips

log = logging.getLogger(__name__)

FRAME_RATES = (24, 25, 30, 60)
# quality -> (x264 preset, CRF)
QUALITIES = {"draft": ("ultrafast", 28), "good": ("veryfast", 21), "best": ("medium", 17)}
AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"
# The mix is limited under -1 dBTP with room to spare: AAC encoding overshoots peaks by a few
# tenths of a dB, and the file, not the mix, must stay under -1 dBTP.
PEAK_CEILING_DB = -1.5
# Below this much free space an export is refused up front.
MIN_FREE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ExportSettings:
    width: int
    height: int
    fps: float
    quality: str = "good"
    loudness: float | None = -14.0  # integrated LUFS the sound is brought to; None: as mixed

    @property
    def label(self) -> str:
        return f"{self.width}x{self.height} {self.fps:g} fps, {self.quality}"


def preset(name: str, fps: float = 30, quality: str = "good") -> ExportSettings:
    """Settings for a named canvas ("1080p", "vertical", "square", "720p"), fps and quality."""
    if name not in CANVASES:
        raise ExportError(f"Unknown preset '{name}'; choose one of {', '.join(CANVASES)}.")
    if fps not in FRAME_RATES:
        raise ExportError(f"Frame rate {fps:g} is not offered; choose one of {', '.join(map(str, FRAME_RATES))}.")
    if quality not in QUALITIES:
        raise ExportError(f"Unknown quality '{quality}'; choose one of {', '.join(QUALITIES)}.")
    width, height, _ = CANVASES[name]
    return ExportSettings(width, height, fps, quality)


def project_settings(project: Project, quality: str = "good", fps: float | None = None) -> ExportSettings:
    """Export at the project's own canvas (and frame rate, unless ``fps`` is given)."""
    return ExportSettings(project.width, project.height, fps or project.fps, quality)


@dataclass
class ExportResult:
    path: Path
    frames: int
    duration: float
    seconds: float  # wall time taken


def export_project(
    project: Project,
    target: str | os.PathLike,
    settings: ExportSettings | None = None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``project`` to ``target`` (an .mp4). Raises ExportError with a clear reason."""
    started = time.monotonic()
    settings = settings or project_settings(project)
    target = Path(target).absolute()
    _check_target(project, target, overwrite)
    render = _for_export(project, settings)
    frames = int(math.floor(project.duration_frames / project.fps * settings.fps + 1e-6))
    if frames < 1:
        raise ExportError("The timeline is empty: add a clip before exporting.")
    duration = frames / settings.fps
    remove_abandoned(target.parent, ".*.export")  # what killed exports left here
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.stem}.", suffix=".export", dir=target.parent))
    owner = hold_lock(scratch / OWNER_LOCK)
    try:
        with Compositor(render) as compositor:
            audio = _write_mix(compositor, scratch / "mix.wav", duration, settings.loudness, progress, cancel)
            video = scratch / f"{target.stem}.mp4"
            _encode(compositor, project.fps, video, audio, settings, frames, progress, cancel)
        _verify(video, settings, has_audio=audio is not None)
        if not overwrite and target.exists():
            raise ExportError(f"'{target.name}' appeared while exporting; nothing was overwritten.")
        os.replace(video, target)
    except OSError as exc:
        raise ExportError(f"The export to {target} failed: {describe_os_error(exc)}.") from exc
    finally:
        release_lock(owner)
        shutil.rmtree(scratch, ignore_errors=True)
    report(progress, 1.0, "Export finished")
    return ExportResult(target, frames, duration, time.monotonic() - started)


# ---------------------------------------------------------------------------------------------


def _check_target(project: Project, target: Path, overwrite: bool) -> None:
    if target.suffix.lower() != ".mp4":
        raise ExportError(f"'{target.name}' must end in .mp4.")
    problem = output_problem(target, [m.path for m in project.media.values()], overwrite=overwrite,
                             inputs_are="one of the project's own media files")
    if problem:
        raise ExportError(problem[0].upper() + problem[1:] + ".")
    if shutil.disk_usage(target.parent).free < MIN_FREE_BYTES:
        raise ExportError(f"The disk holding {target.parent} is full.")
    offline = sorted({Path(m.path).name for m in project.media.values() if m.offline and _used(project, m.id)})
    if offline:
        raise ExportError(f"Some media are offline: {', '.join(offline)}. Relink or remove them first.")


def _used(project: Project, media_id: str) -> bool:
    return any(c.media_id == media_id for _, c in all_clips(project))


def _for_export(project: Project, settings: ExportSettings) -> Project:
    """A copy of the project rendered at the export's canvas (frame timing stays the project's)."""
    render = copy.deepcopy(project)
    render.width, render.height, render.sample_rate = settings.width, settings.height, AUDIO_RATE
    return render


def _has_sound(project: Project) -> bool:
    return any(not t.muted and project.media[c.media_id].has_audio for t, c in all_clips(project))


def _write_mix(compositor: Compositor, path: Path, duration: float, loudness: float | None,
               progress: Progress | None, cancel: CancelToken | None) -> Path | None:
    """The whole mix as 16-bit WAV (10% of the progress bar), brought to ``loudness`` LUFS with
    its true peaks limited to -1 dBTP, or None for a silent timeline."""
    from core.audio.loudness import limit, normalise
    from core.media import write_wav

    if not _has_sound(compositor.project):
        return None
    chunk, pieces, t = 2.0, [], 0.0
    while t < duration:
        check_cancel(cancel)
        end = min(duration, t + chunk)
        pieces.append(compositor.audio_between(t, end))
        report(progress, 0.08 * end / duration, "Mixing sound")
        t = end
    mix = np.concatenate(pieces) if pieces else np.zeros((0, 2), np.float32)
    check_cancel(cancel)
    report(progress, 0.09, "Levelling the sound")
    mix = (normalise(mix, AUDIO_RATE, loudness, PEAK_CEILING_DB)[0] if loudness is not None
           else limit(mix, AUDIO_RATE, PEAK_CEILING_DB))
    write_wav(path, mix, AUDIO_RATE)
    return path


def _encode(compositor: Compositor, timeline_fps: float, path: Path, audio: Path | None,
            settings: ExportSettings, frames: int, progress: Progress | None,
            cancel: CancelToken | None) -> None:
    from core.media import write_mp4

    def picture(index: int) -> np.ndarray:  # export frame -> the timeline frame on screen then
        return compositor.frame_at(int(math.floor(index / settings.fps * timeline_fps + 1e-6)))

    x264_preset, crf = QUALITIES[settings.quality]
    try:
        write_mp4(path, picture, frames, settings.fps, audio, x264_preset, crf, AUDIO_BITRATE, AUDIO_RATE,
                  progress=sub_progress(progress, 0.1, 1.0), cancel=cancel)
    except OSError as exc:
        raise _encoder_error(exc) from exc


def _encoder_error(exc: OSError) -> Exception:
    text = str(exc)
    known = os_error_in(text) or (exc if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None)
    if known is not None:
        return ExportError(f"The export stopped: {describe_os_error(known)}.")
    log.error("encoder failed: %s", text)
    return ExportError("The video encoder stopped unexpectedly; details are in the log.")


def _verify(path: Path, settings: ExportSettings, has_audio: bool) -> None:
    """Read the file back: what plays everywhere is H.264 in yuv420p with AAC sound."""
    from core.media import probe

    try:
        info = probe(path)
    except MediaError as exc:
        raise ExportError(f"The exported file could not be read back: {exc}") from exc
    problems = []
    if info.codec != "h264" or info.pix_fmt != "yuv420p":
        problems.append(f"video is {info.codec}/{info.pix_fmt}, expected h264/yuv420p")
    if (info.width, info.height) != (settings.width, settings.height):
        problems.append(f"size is {info.width}x{info.height}")
    if has_audio and info.audio_codec != "aac":
        problems.append(f"sound is {info.audio_codec}, expected aac")
    if problems:
        raise ExportError("The exported file is not as intended: " + "; ".join(problems) + ".")


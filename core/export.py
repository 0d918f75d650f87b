"""Export: the compositor's frames and mix to an H.264/AAC MP4, at the speed of ffmpeg.

The output is written to a temporary file beside the target and renamed at the end, so a
cancelled or failed export leaves nothing behind: no partial MP4, no temporary audio, no
ffmpeg process.

Three things run at once: the compositor makes the pictures as I420 planes on a thread of its
own (``Compositor.planes_at``), x264 encodes them (a video-only file), and the sound is mixed
and levelled on another thread; the sound is then put beside the pictures without encoding
them again. The pictures go to ffmpeg through the one pipe writer (``encode_video``), not
moviepy's: moviepy 2.x's writer always takes RGB and then asks for yuva420p (upstream issue
#2539), two conversions on ffmpeg's single thread that cost a third of the export's time.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.compositor import Compositor
from core.errors import ExportError, MediaError
from core.fileio import (
    OWNER_LOCK,
    describe_os_error,
    hold_lock,
    output_problem,
    release_lock,
    remove_abandoned,
)
from core.jobs import CancelToken, Progress, check_cancel, made_ahead, report, sub_progress
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
        video = scratch / f"{target.stem}.mp4"
        audio = _encode_with_sound(render, project.fps, scratch, video, settings, frames, progress, cancel)
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
               cancel: CancelToken | None) -> Path | None:
    """The whole mix as 16-bit WAV, brought to ``loudness`` LUFS with its true peaks limited to
    -1 dBTP, or None for a silent timeline."""
    from core.audio.loudness import limit, normalise
    from core.media import write_wav

    if not _has_sound(compositor.project):
        return None
    chunk, pieces, t = 2.0, [], 0.0
    while t < duration:
        check_cancel(cancel)
        end = min(duration, t + chunk)
        pieces.append(compositor.audio_between(t, end))
        t = end
    mix = np.concatenate(pieces) if pieces else np.zeros((0, 2), np.float32)
    check_cancel(cancel)
    mix = (normalise(mix, AUDIO_RATE, loudness, PEAK_CEILING_DB)[0] if loudness is not None
           else limit(mix, AUDIO_RATE, PEAK_CEILING_DB))
    write_wav(path, mix, AUDIO_RATE)
    return path


class _Mixing(threading.Thread):
    """The mix, made and encoded to AAC (``path``, an .m4a) while the pictures are encoded. Its
    own cancel token (a child of the export's) stops it when the pictures fail, so an error
    never waits on the sound."""

    def __init__(self, project: Project, path: Path, duration: float, loudness: float | None,
                 cancel: CancelToken | None):
        super().__init__(daemon=True, name="export-mix")
        self.project, self.path, self.duration, self.loudness = project, path, duration, loudness
        self.stop = CancelToken(parent=cancel)
        self.result: Path | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from core.media import encode_sound

        try:
            with Compositor(self.project) as compositor:
                wav = _write_mix(compositor, self.path.with_suffix(".wav"), self.duration, self.loudness, self.stop)
            if wav is not None:
                self.stop.check()
                encode_sound(wav, self.path, AUDIO_BITRATE, AUDIO_RATE, ExportError)
                self.result = self.path
        except BaseException as exc:  # noqa: BLE001 - raised again on the export's thread
            self.error = exc

    def wait(self) -> Path | None:
        self.join()
        if self.error is not None:
            raise self.error
        return self.result


def _encode_with_sound(render: Project, timeline_fps: float, scratch: Path, video: Path,
                       settings: ExportSettings, frames: int, progress: Progress | None,
                       cancel: CancelToken | None) -> Path | None:
    """Encode the pictures to ``video`` while the sound is mixed, then put the sound in;
    returns the sound's file (None for a silent timeline)."""
    from core.media import encode_video, mux_sound

    mixing = _Mixing(render, scratch / "sound.m4a", frames / settings.fps, settings.loudness, cancel)
    mixing.start()
    pictures = scratch / "pictures" / video.name  # errors name the file the creator asked for
    pictures.parent.mkdir()
    x264_preset, crf = QUALITIES[settings.quality]
    try:
        def planes(index: int) -> np.ndarray:  # export frame -> the timeline frame on screen then
            return compositor.planes_at(int(math.floor(index / settings.fps * timeline_fps + 1e-6)))

        # The maker thread is stopped (closing) before the compositor's readers are.
        with Compositor(render) as compositor, closing(made_ahead(planes(i) for i in range(frames))) as ahead:
            encode_video(pictures, ahead, (settings.width, settings.height),
                         settings.fps, total=frames, progress=sub_progress(progress, 0.0, 0.97), cancel=cancel,
                         preset=x264_preset, crf=crf, frame_format="yuv420p", error=ExportError,
                         keyframe_seconds=None)
        if mixing.is_alive():  # said, so the bar standing at 97% is not taken for a hang
            report(progress, 0.97, "Finishing the sound")
        audio = mixing.wait()
    except BaseException:
        mixing.stop.cancel()
        mixing.join()
        raise
    report(progress, 0.98, "Adding the sound")
    mux_sound(pictures, audio, video, error=ExportError)
    return audio


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


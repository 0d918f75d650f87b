"""Every file Reelsmith writes from pixels or samples goes through here: pictures, WAV, MP4s
piped straight to the bundled ffmpeg (samples, backdrops), and export's MP4 through moviepy."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.ffmpeg import ffmpeg_command
from core.fileio import atomic_path, describe_os_error, os_error_in
from core.jobs import CancelToken, Progress, check_cancel, report

log = logging.getLogger(__name__)


def write_image(path: str | os.PathLike, picture: np.ndarray) -> None:
    """Save RGB uint8 as an image (format from the suffix), atomically."""
    import cv2

    from core.fileio import atomic_write_bytes

    p = Path(path)
    ok, data = cv2.imencode(p.suffix or ".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(f"'{p.name}': cannot write pictures of this type.")
    atomic_write_bytes(p, data.tobytes())


SAMPLE_RATE = 48000  # of the sound encode_video takes


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """16-bit PCM WAV, mono or stereo, written atomically."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())


def _encoder_failure(stderr: str) -> str:
    """What a creator can act on, from ffmpeg's account of why it stopped writing."""
    if (error := os_error_in(stderr)) is not None:
        return describe_os_error(error)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f"the encoder stopped ({lines[-1][:160] if lines else 'no reason given'})"


def encode_video(path: Path, frames: Iterator[np.ndarray], size: tuple[int, int], fps: float,
                 audio: np.ndarray | None = None, total: int | None = None,
                 progress: Progress | None = None, cancel: CancelToken | None = None,
                 preset: str = "veryfast", crf: int = 20, frame_format: str = "rgb24") -> None:
    """Encode frames (RGB, or I420 planes with ``frame_format="yuv420p"``) and optional float
    audio at SAMPLE_RATE to an H.264/AAC MP4, atomically."""
    width, height = size
    with tempfile.TemporaryDirectory() as scratch, atomic_path(path) as tmp:
        args = ["-y", "-f", "rawvideo", "-pix_fmt", frame_format, "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]
        if audio is not None:
            wav = Path(scratch) / "audio.wav"
            write_wav(wav, audio)
            args += ["-i", str(wav), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "160k", "-shortest"]
        args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
                 "-g", str(int(fps * 2)), "-movflags", "+faststart", "-f", "mp4", str(tmp)]
        proc = subprocess.Popen(ffmpeg_command(*args), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            try:
                for i, frame in enumerate(frames):
                    check_cancel(cancel)
                    proc.stdin.write(np.ascontiguousarray(frame).tobytes())
                    if total:
                        report(progress, (i + 1) / total, f"Encoding {path.name}")
                proc.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early; its own words below say why
            stderr = proc.stderr.read().decode(errors="replace")
            if proc.wait() != 0:
                raise MediaError(f"Could not write {path.name}: {_encoder_failure(stderr)}.")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def write_mp4(path: Path, picture: Callable[[int], np.ndarray], frames: int, fps: float, audio: Path | None,
              preset: str, crf: int, audio_bitrate: str, audio_rate: int, *, progress: Progress | None = None,
              cancel: CancelToken | None = None) -> None:
    """``frames`` pictures (``picture(i)``, RGB) and an optional WAV to an H.264 (yuv420p, high
    profile, fast start) and AAC MP4 through moviepy, as export needs. Not atomic: the caller
    writes into a folder of its own. A failed write raises OSError with ffmpeg's words."""
    import proglog
    from moviepy import VideoClip

    class FrameCounter(proglog.ProgressBarLogger):  # moviepy's frame counter: progress, and a cancel check
        def bars_callback(self, bar, attr, value, old_value=None):
            if bar == "frame_index" and attr == "index":
                check_cancel(cancel)
                report(progress, (value + 1) / frames, "Encoding video")

    def frame_function(t: float) -> np.ndarray:
        check_cancel(cancel)
        return picture(int(round(t * fps)))

    # moviepy renders int(duration * fps) frames: half a frame more keeps rounding from losing one.
    clip = VideoClip(frame_function=frame_function, duration=(frames + 0.5) / fps)
    params = ["-crf", str(crf), "-pix_fmt", "yuv420p", "-profile:v", "high", "-movflags", "+faststart"]
    if audio is not None:
        params += ["-b:a", audio_bitrate, "-ar", str(audio_rate)]
    try:
        clip.write_videofile(str(path), fps=fps, codec="libx264", preset=preset,
                             audio=str(audio) if audio is not None else False, audio_codec="aac",
                             ffmpeg_params=params, logger=FrameCounter())
    finally:
        clip.close()

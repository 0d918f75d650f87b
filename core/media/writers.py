"""Every file Reelsmith writes from pixels or samples goes through here: pictures, WAV, and
MP4s piped straight to the bundled ffmpeg (samples, backdrops, export)."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.errors import MediaError, ReelsmithError
from core.ffmpeg import ffmpeg_command, widen_pipe
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
                 preset: str = "veryfast", crf: int = 20, frame_format: str = "rgb24",
                 error: type[ReelsmithError] = MediaError, keyframe_seconds: float | None = 2.0,
                 scale_to: tuple[int, int] | None = None) -> None:
    """Encode frames (RGB, or I420 planes with ``frame_format="yuv420p"``) of ``size`` and
    optional float audio at SAMPLE_RATE to an H.264 (high profile)/AAC MP4, atomically. A
    failure is ``error``. ``keyframe_seconds``: the most between keyframes (quick seeks in media
    we make to edit with); None leaves it to x264, as for a finished video. ``scale_to``: the
    video's size when the frames are smaller, upscaled (bicubic) by ffmpeg's own scaler."""
    width, height = size
    with tempfile.TemporaryDirectory() as scratch, atomic_path(path) as tmp:
        args = ["-y", "-f", "rawvideo", "-pix_fmt", frame_format, "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]
        if scale_to is not None:
            args += ["-vf", f"scale={scale_to[0]}:{scale_to[1]}:flags=bicubic"]
        if audio is not None:
            wav = Path(scratch) / "audio.wav"
            write_wav(wav, audio)
            args += ["-i", str(wav), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "160k", "-shortest"]
        args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-profile:v", "high",
                 *(["-g", str(int(fps * keyframe_seconds))] if keyframe_seconds else []), "-movflags", "+faststart", "-f", "mp4", str(tmp)]
        proc = subprocess.Popen(ffmpeg_command(*args), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        widen_pipe(proc.stdin)
        try:
            try:
                for i, frame in enumerate(frames):
                    check_cancel(cancel)
                    proc.stdin.write(np.ascontiguousarray(frame).data)
                    if total:
                        report(progress, (i + 1) / total, f"Encoding {path.name}")
                proc.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early; its own words below say why
            stderr = proc.stderr.read().decode(errors="replace")
            if proc.wait() != 0:
                raise error(f"Could not write {path.name}: {_encoder_failure(stderr)}.")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def encode_sound(wav: Path, path: Path, bitrate: str, rate: int, error: type[ReelsmithError] = MediaError) -> None:
    """A WAV to AAC in an MP4 (.m4a) at ``path``, atomically."""
    _run_ffmpeg(path, ["-i", str(wav), "-c:a", "aac", "-b:a", bitrate, "-ar", str(rate)], error)


def mux_sound(pictures: Path, sound: Path | None, path: Path, error: type[ReelsmithError] = MediaError) -> None:
    """An MP4 of ``pictures`` and ``sound`` (an .m4a), both copied, not encoded again, at
    ``path``, atomically; without sound, the pictures' file is moved there."""
    if sound is None:
        os.replace(pictures, path)
        return
    _run_ffmpeg(path, ["-i", str(pictures), "-i", str(sound), "-map", "0:v", "-map", "1:a", "-c", "copy",
                       "-movflags", "+faststart"], error)


def _run_ffmpeg(path: Path, args: list[str], error: type[ReelsmithError]) -> None:
    with atomic_path(path) as tmp:
        done = subprocess.run(ffmpeg_command("-y", *args, "-f", "mp4", str(tmp)), stdin=subprocess.DEVNULL,
                              capture_output=True)
        if done.returncode != 0:
            raise error(f"Could not write {path.name}: {_encoder_failure(done.stderr.decode(errors='replace'))}.")

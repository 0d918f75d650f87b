"""The ffmpeg that imageio-ffmpeg bundles: the one binary every media operation goes through."""

from __future__ import annotations

import functools
import subprocess

from core.errors import MediaError


@functools.cache
def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # broken install: say what to do, not how it broke
        raise MediaError(
            "Reelsmith's bundled ffmpeg is missing; reinstall Reelsmith (imageio-ffmpeg)."
        ) from exc


def ffmpeg_command(*args: str, loglevel: str = "error") -> list[str]:
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", loglevel, *args]


def run_ffmpeg(*args: str, loglevel: str = "error", timeout: float | None = None):
    """Run ffmpeg to completion; returns the CompletedProcess with bytes stdout/stderr."""
    return subprocess.run(
        ffmpeg_command(*args, loglevel=loglevel),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )

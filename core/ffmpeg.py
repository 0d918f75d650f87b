"""The ffmpeg that imageio-ffmpeg bundles: the one binary every media operation goes through.

The probe reads this ffmpeg's description of a file (its log text) and its packet listing, so
the build is pinned: pyproject pins imageio-ffmpeg exactly, and tests/core/test_media.py fails
loudly when the ffmpeg found is not PARSED_BUILD. Moving to another build means running the
probe tests and bench/probe.py on it and updating both pins (docs/architecture.md says why
the log is parsed rather than read through PyAV).
"""

from __future__ import annotations

import functools
import subprocess

from core.errors import MediaError

# The ffmpeg build (imageio-ffmpeg 0.8.1's, for Linux x86-64) whose output the probe parses.
PARSED_BUILD = "n9.0.2-17-g2a571b6068-20260930"


@functools.cache
def ffmpeg_build() -> str:
    """The version string of the bundled ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_version()


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


# Pictures cross a pipe a few megabytes a frame. Linux pipes hold 64 KiB unless asked, so each
# frame would take some fifty wake-ups of both processes; 1 MiB (the default most an unprivileged
# process may ask for) takes a second of CPU off every thousand 1080p frames.
PICTURE_PIPE_BYTES = 1 << 20


def widen_pipe(pipe) -> None:
    """Ask for a larger pipe buffer where the system has them (Linux); elsewhere, or when
    refused, the pipe stays as it was: only speed depends on it."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PICTURE_PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def run_ffmpeg(*args: str, loglevel: str = "error", timeout: float | None = None):
    """Run ffmpeg to completion; returns the CompletedProcess with bytes stdout/stderr."""
    return subprocess.run(
        ffmpeg_command(*args, loglevel=loglevel),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )

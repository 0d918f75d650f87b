"""Inputs that are not regular files: a pipe blocks a reader forever, a device never ends.

Every reader of a creator's files refuses them at once with a message, instead of hanging or
reading until memory runs out. Each case runs under a timeout thread: a hang fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from core.errors import MediaError, ProjectError


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def _zero(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.symlink_to("/dev/zero")
    return path


def _refused_promptly(read, path: Path, error: type[Exception], match: str) -> None:
    """``read(path)`` raises ``error`` quickly (a hang would fail the test, not the suite)."""
    outcome: list = []

    def attempt() -> None:
        try:
            read(path)
            outcome.append(None)
        except Exception as exc:  # looked at below
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock a reader stuck on the pipe, then fail
        with open(path, "wb") if path.is_fifo() else open(os.devnull, "wb"):
            pass
        pytest.fail(f"reading {path.name} hung")
    assert outcome and isinstance(outcome[0], error), outcome
    assert match in str(outcome[0])


@pytest.mark.parametrize("make", [_fifo, _zero], ids=["pipe", "device"])
def test_a_project_that_is_a_pipe_or_a_device_is_refused(tmp_path, make):
    from core.project_io import load_project

    _refused_promptly(load_project, make(tmp_path, "p.reelsmith"), ProjectError, "not a regular file")


@pytest.mark.parametrize("make", [_fifo, _zero], ids=["pipe", "device"])
def test_a_lut_subtitles_or_image_that_is_a_pipe_or_a_device_is_refused(tmp_path, make):
    from core.effects.colour import read_cube
    from core.effects.srt import read_srt
    from core.media import read_image

    for read, name in ((read_cube, "look.cube"), (read_srt, "talk.srt"), (read_image, "still.png")):
        _refused_promptly(read, make(tmp_path, name), MediaError, "not a regular file")


@pytest.mark.parametrize("make", [_fifo, _zero], ids=["pipe", "device"])
def test_media_that_is_a_pipe_or_a_device_is_refused(tmp_path, make):
    from core.media import probe

    _refused_promptly(probe, make(tmp_path, "clip.mp4"), MediaError, "not a regular file")


def test_a_file_longer_than_it_says_is_judged_by_what_is_read(tmp_path):
    from core.fileio import read_regular_file

    path = tmp_path / "big.cube"
    path.write_bytes(b"x" * 2048)
    assert read_regular_file(path, 2048) == b"x" * 2048
    with pytest.raises(OSError, match="too large"):
        read_regular_file(path, 2047)

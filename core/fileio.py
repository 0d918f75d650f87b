"""Atomic file writing: a file is either the old one or the complete new one, never half."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def describe_os_error(exc: OSError) -> str:
    """A creator-readable reason for a failed write."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full (free some space and try again)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (is the folder read-only?)"
    if exc.errno == errno.ENOENT:
        return "the folder does not exist"
    if exc.errno == errno.EISDIR:
        return "a folder with that name is in the way"
    return exc.strerror or str(exc)


# How tools that report in words (ffmpeg) say what describe_os_error words for a creator.
_ERROR_WORDS = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
                "Permission denied": errno.EACCES, "Read-only file system": errno.EROFS}


def os_error_in(text: str) -> OSError | None:
    """The write error a tool's message names, if any, for ``describe_os_error``."""
    for words, code in _ERROR_WORDS.items():
        if words in text:
            return OSError(code, words)
    return None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The temporary file lives in the target's folder so the final rename is atomic. On any
    exception it is removed and ``target`` is left untouched. Raises OSError as is.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=(suffix or target.suffix) + ".part", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)

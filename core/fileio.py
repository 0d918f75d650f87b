"""Atomic file writing: a file is either the old one or the complete new one, never half."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
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


NOT_REGULAR = "it is not a regular file (a folder, a device or a pipe)"


def _open_regular(path: str | os.PathLike) -> int:
    """A descriptor of ``path`` opened for reading, or OSError when it is not a regular file.
    Opened without blocking: a pipe with no writer would block the open itself."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, NOT_REGULAR)
    os.set_blocking(fd, True)
    return fd


def check_regular_file(path: str | os.PathLike) -> None:
    """OSError unless ``path`` is a regular file that can be opened for reading: what is handed
    on to a library (ffmpeg, torch) must not be a pipe that blocks or a device that never ends."""
    os.close(_open_regular(path))


def read_regular_file(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. The size is judged by what is
    read, not by what the file system reports (which says 0 for /dev/zero). OSError otherwise."""
    with os.fdopen(_open_regular(path), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"it is larger than {limit // 1_000_000 or 1} MB, too large for what it should be")
    return data


# How tools that report in words (ffmpeg) say what describe_os_error words for a creator.
_ERROR_WORDS = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
                "Permission denied": errno.EACCES, "Read-only file system": errno.EROFS}


def os_error_in(text: str) -> OSError | None:
    """The write error a tool's message names, if any, for ``describe_os_error``."""
    for words, code in _ERROR_WORDS.items():
        if words in text:
            return OSError(code, words)
    return None


def _same_or_inside(out: Path, source: str | os.PathLike) -> bool:
    """Whether writing ``out`` would replace ``source`` (a file), or a file in ``source`` (a folder)."""
    source = Path(source)
    with contextlib.suppress(OSError):
        if out.exists() and source.exists() and os.path.samefile(out, source):  # links included
            return True
        if source.is_dir():
            return out.exists() and Path(os.path.realpath(source)) in Path(os.path.realpath(out)).parents
    return os.path.realpath(out) == os.path.realpath(source)


def output_problem(out: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), *, overwrite: bool = False,
                   inputs_are: str = "one of the inputs", overwrite_hint: str = "allow overwriting") -> str | None:
    """Why ``out`` cannot be written, or None. Every writer asks this first: an output never
    replaces one of its own inputs, whatever ``overwrite`` says, nor an existing file without it."""
    out = Path(out)
    if len(os.fsencode(out.name)) > 255:  # before anything asks the file system about it
        return f"the name '{out.name[:40]}…' is too long (at most 255 bytes)"
    if out.is_dir():
        return f"'{out.name}' is a folder; give the name of a file to write"
    if not out.parent.is_dir():
        return f"the folder {out.parent} does not exist"
    if any(_same_or_inside(out, source) for source in inputs if source):
        return f"'{out.name}' is {inputs_are}; choose another name (nothing was written)"
    if out.exists() and not overwrite:
        return f"'{out.name}' already exists; choose another name or {overwrite_hint}"
    if not os.access(out.parent, os.W_OK):
        return f"the folder {out.parent} is not writable"
    return None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


try:
    import fcntl
except ImportError:  # Windows: a file in use cannot be removed there anyway
    fcntl = None

OWNER_LOCK = ".owner"  # in a scratch folder: held locked by the process working in it
STALE_SECONDS = 60  # leftovers younger than this are never touched (their owner may be starting)


def hold_lock(path: str | os.PathLike) -> int | None:
    """An open descriptor holding an exclusive lock on ``path`` (created if need be): the mark
    of a live owner. The lock goes with the process, however it ends (kill -9 included)."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def release_lock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def _abandoned(lock: Path) -> bool:
    """Whether ``lock`` exists, is old enough, and no live process holds it."""
    try:
        if time.time() - lock.stat().st_mtime < STALE_SECONDS:
            return False
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_abandoned(folder: str | os.PathLike, pattern: str) -> list[Path]:
    """Remove what interrupted runs left in ``folder`` (names matching ``pattern``): a file that
    is its own lock, or a folder holding an OWNER_LOCK, once no live process holds the lock.
    Anything else of that name is not ours and is left alone."""
    if fcntl is None:
        return []
    removed = []
    for path in Path(folder).glob(pattern):
        lock = path / OWNER_LOCK if path.is_dir() else path
        if _abandoned(lock):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
            removed.append(path)
    return removed


def _new_file_mode(target: Path) -> int:
    """The mode a replaced file keeps, or a new one gets (0666 less the umask)."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(target.stat().st_mode)
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    return 0o644


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, keeping the
    replaced file's permissions.

    The temporary file lives in the target's folder so the final rename is atomic. On any
    exception it is removed and ``target`` is left untouched. It stays locked while in use, so
    one that a killed process left behind is removed by the next write to the same name.
    Raises OSError as is.
    """
    target = Path(target)
    suffix = (suffix or target.suffix) + ".part"
    remove_abandoned(target.parent, f".{glob.escape(target.stem)}.*{glob.escape(suffix)}")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix, dir=target.parent)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        os.close(fd)


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)

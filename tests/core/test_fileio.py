"""Writing files: what a killed process leaves behind is cleaned up by the next run, and only
that; a replaced file keeps its permissions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core.fileio import (
    OWNER_LOCK,
    STALE_SECONDS,
    atomic_write_bytes,
    hold_lock,
    release_lock,
    remove_abandoned,
)

ROOT = Path(__file__).resolve().parents[2]


def _killed_midway(code: str) -> None:
    """Run ``code`` in a child that kills itself with SIGKILL where it says ``die()``."""
    script = "import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert done.returncode == -9


def _age(path: Path) -> None:
    old = time.time() - STALE_SECONDS - 5
    os.utime(path, (old, old))


def test_a_killed_write_leaves_a_part_file_that_the_next_write_removes(tmp_path):
    target = tmp_path / "vlog.reelsmith"
    target.write_bytes(b"the project as last saved")
    _killed_midway(f"""
        from core.fileio import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_bytes(b"half a proj")
            die()
    """)
    (leftover,) = tmp_path.glob(".vlog.*.part")
    assert target.read_bytes() == b"the project as last saved"
    atomic_write_bytes(target, b"saved again")  # too recent to be sure its owner is gone
    assert leftover.exists()
    _age(leftover)
    atomic_write_bytes(target, b"saved once more")
    assert not leftover.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["vlog.reelsmith"]
    assert target.read_bytes() == b"saved once more"


def test_only_abandoned_scratch_folders_of_ours_are_removed(tmp_path):
    _killed_midway(f"""
        from pathlib import Path
        from core.fileio import OWNER_LOCK, hold_lock
        scratch = Path({str(tmp_path)!r}) / ".clip.abc.export"
        scratch.mkdir()
        hold_lock(scratch / OWNER_LOCK)
        (scratch / "clip.mp4").write_bytes(b"x" * 1000)
        die()
    """)
    killed = tmp_path / ".clip.abc.export"
    live = tmp_path / ".other.def.export"
    live.mkdir()
    held = hold_lock(live / OWNER_LOCK)  # an export running in this process right now
    foreign = tmp_path / ".notes.export"  # the same shape of name, not made by us
    foreign.mkdir()
    for path in (killed / OWNER_LOCK, live / OWNER_LOCK):
        _age(path)
    try:
        assert remove_abandoned(tmp_path, ".*.export") == [killed]
        assert live.exists() and foreign.exists() and not killed.exists()
    finally:
        release_lock(held)


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "shared.reelsmith"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    fresh = tmp_path / "new.reelsmith"
    atomic_write_bytes(fresh, b"first")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044 == 0o044 & ~_umask()  # readable as umask allows


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

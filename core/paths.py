"""Where Reelsmith keeps the user's data: caches, logs, recovery files, trained models.

``REELSMITH_DATA_DIR`` overrides the platform default, which tests use to stay hermetic.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("REELSMITH_DATA_DIR")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Reelsmith"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "Reelsmith"
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        base = Path(xdg) / "reelsmith"
    base.mkdir(parents=True, exist_ok=True)
    return base


def data_subdir(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_file(kind: str, source: Path, suffix: str) -> Path:
    """Where an analysis of ``source`` is kept (waveforms, speech): keyed on the file's path,
    size and time, so an edited or replaced file is analysed again."""
    stat = source.stat()
    key = hashlib.sha1(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:20]
    return data_subdir(kind) / f"{key}{suffix}"


def log_file() -> Path:
    return data_subdir("logs") / "reelsmith.log"


RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """A file shipped with the app (models, fonts, icons): beside the code in a checkout, or
    where the installer put them (REELSMITH_RESOURCES, set by its launcher)."""
    base = os.environ.get("REELSMITH_RESOURCES")
    return (Path(base) if base else RESOURCES).joinpath(*parts)

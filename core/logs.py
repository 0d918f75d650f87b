"""One log file in the user's data folder, for the details a user never has to read."""

from __future__ import annotations

import logging
import logging.handlers

from core.paths import log_file

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_reelsmith", False) for h in root.handlers):
        return
    try:
        handler = logging.handlers.RotatingFileHandler(
            log_file(), maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return  # an unwritable data folder must not stop the app from starting
    handler._reelsmith = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)

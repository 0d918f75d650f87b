"""Still images read as RGB."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from core.errors import MediaError

log = logging.getLogger(__name__)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """A still image as RGB uint8, EXIF orientation applied."""
    import cv2

    p = Path(path)
    try:
        data = np.fromfile(p, dtype=np.uint8)  # np.fromfile copes with any path encoding
    except OSError as exc:
        raise MediaError(f"'{p.name}' could not be read: {exc.strerror}.") from exc
    picture = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if picture is None:
        raise MediaError(f"'{p.name}' could not be read: the image is damaged or unsupported.")
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)

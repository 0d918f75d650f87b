"""Still images read as RGB."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.fileio import describe_os_error, read_regular_file

log = logging.getLogger(__name__)


MAX_IMAGE_BYTES = 512 * 1024 * 1024  # a 100-megapixel TIFF is about 300 MB


def read_image(path: str | os.PathLike) -> np.ndarray:
    """A still image as RGB uint8, EXIF orientation applied."""
    import cv2

    p = Path(path)
    try:
        data = np.frombuffer(read_regular_file(p, MAX_IMAGE_BYTES), dtype=np.uint8)
    except OSError as exc:
        raise MediaError(f"'{p.name}' could not be read: {describe_os_error(exc)}.") from exc
    picture = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if picture is None:
        raise MediaError(f"'{p.name}' could not be read: the image is damaged or unsupported.")
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)

"""Faces, for scoring shots and following the subject when reframing: BlazeFace
(core.vision.faces). Without its model file (a damaged install) the assistant carries on
without faces, saying so once in the log: motion and sound still find the moments."""

from __future__ import annotations

import logging

import numpy as np

from core.errors import ModelError

log = logging.getLogger(__name__)
_warned = False


def find_faces(picture: np.ndarray) -> list:
    """core.vision.faces.Face boxes in an RGB picture, largest first; none without the model."""
    global _warned
    from core.vision.faces import detect_faces

    try:
        return sorted(detect_faces(picture), key=lambda f: -f.area)
    except ModelError as exc:
        if not _warned:
            log.warning("faces are not looked for: %s", exc)
            _warned = True
        return []


def count_faces(picture: np.ndarray) -> int:
    return len(find_faces(picture))

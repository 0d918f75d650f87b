"""Faces, for scoring shots and following the subject when reframing."""

from __future__ import annotations

import functools

import numpy as np

_FACE_CASCADE = "haarcascade_frontalface_default.xml"


@functools.cache
def face_detector():
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + _FACE_CASCADE)


def count_faces(picture: np.ndarray) -> int:
    """Frontal faces in an RGB picture, by OpenCV's bundled Haar cascade."""
    import cv2

    detector = face_detector()
    if detector.empty():
        return 0
    grey = cv2.equalizeHist(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY))
    faces = detector.detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
    return len(faces)

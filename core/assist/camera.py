"""How the camera moved between two pictures: a similarity (pan, zoom, a little roll) fitted
with RANSAC to corners tracked from one to the other. The background's many corners agree;
a moving subject's few are outliers."""

from __future__ import annotations

import numpy as np


def camera_move(previous: np.ndarray, grey: np.ndarray) -> np.ndarray | None:
    """The 2x3 transform taking ``previous`` onto ``grey`` (uint8 grey pictures of one size),
    or None where too few corners can be followed to tell."""
    import cv2

    corners = cv2.goodFeaturesToTrack(previous, maxCorners=200, qualityLevel=0.01, minDistance=6)
    if corners is None or len(corners) < 12:
        return None
    moved, found, _ = cv2.calcOpticalFlowPyrLK(previous, grey, corners, None, winSize=(21, 21), maxLevel=3)
    good = found.ravel() == 1
    if good.sum() < 12:
        return None
    camera, _ = cv2.estimateAffinePartial2D(corners[good], moved[good], method=cv2.RANSAC, ransacReprojThreshold=2.0)
    return camera


def largest_shift(camera: np.ndarray, size: tuple[int, int]) -> float:
    """How far (pixels) the transform moves the picture's corners: 0 for a still camera."""
    width, height = size
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    return float(np.abs(corners @ camera.T - corners[:, :2]).max())

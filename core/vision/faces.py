"""Faces by BlazeFace (MediaPipe's face detectors, run with LiteRT).

Two models: short range (128x128 input, faces within about 2 m: selfies, talking heads) and
full range (192x192, faces up to about 5 m, smaller in the picture). Both are single-shot
detectors: each anchor of a fixed grid gives a score and a box relative to itself. MediaPipe's
own graph (anchors, decoding, weighted non-maximum suppression) comes with the mediapipe
package, which this project does not depend on, so those few steps are written here, with
the settings of MediaPipe's graphs (face_detection_short_range.pbtxt and
face_detection_full_range.pbtxt, v0.10.14).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.vision.litert import model


@dataclass(frozen=True)
class Face:
    """A face's box as fractions of the picture (x, y: its top-left corner) and how sure."""

    x: float
    y: float
    width: float
    height: float
    score: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    @property
    def area(self) -> float:
        return self.width * self.height


@dataclass(frozen=True)
class _Detector:
    file: str
    size: int
    strides: tuple[int, ...]
    anchors_per_cell: int  # per layer of a stride; layers of the same stride share a grid
    min_score: float


SHORT_RANGE = _Detector("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = _Detector("face_detection_full_range_sparse.tflite", 192, (4,), 1, 0.6)
NMS_OVERLAP = 0.3


@functools.cache
def _anchors(detector: _Detector) -> np.ndarray:
    """Anchor centres (x, y) as fractions of the input, in the model's output order."""
    centres = []
    i = 0
    while i < len(detector.strides):
        stride, layers = detector.strides[i], 0
        while i < len(detector.strides) and detector.strides[i] == stride:
            layers, i = layers + 1, i + 1
        cells = int(np.ceil(detector.size / stride))
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, layers * detector.anchors_per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def detect_faces(picture: np.ndarray, detector: _Detector | None = None) -> list[Face]:
    """Faces in an RGB picture, most certain first. Without a ``detector``: the short-range
    model, then, where it finds none, the full-range one for faces further away."""
    if detector is None:
        return detect_faces(picture, SHORT_RANGE) or detect_faces(picture, FULL_RANGE)
    import cv2

    height, width = picture.shape[:2]
    side = max(height, width)  # letterboxed to a square, as MediaPipe does: faces keep their shape
    scale = detector.size / side
    inner = (max(1, round(width * scale)), max(1, round(height * scale)))
    square = np.zeros((detector.size, detector.size, 3), np.float32)
    left, top = (detector.size - inner[0]) // 2, (detector.size - inner[1]) // 2
    square[top : top + inner[1], left : left + inner[0]] = cv2.resize(
        np.ascontiguousarray(picture[..., :3]), inner, interpolation=cv2.INTER_AREA)
    outputs = model(detector.file).run((square / 127.5 - 1.0)[None])
    boxes = next(o for o in outputs if o.shape[-1] == 16)[0]
    logits = next(o for o in outputs if o.shape[-1] == 1)[0, :, 0].astype(np.float64)
    scores = 1 / (1 + np.exp(-np.clip(logits, -100, 100)))  # MediaPipe clips scores at 100 too
    keep = scores >= detector.min_score
    if not keep.any():
        return []
    anchors = _anchors(detector)[keep]
    raw = boxes[keep, :4] / detector.size
    centre = raw[:, :2] + anchors
    found = np.concatenate([centre - raw[:, 2:4] / 2, centre + raw[:, 2:4] / 2], axis=1)  # x0 y0 x1 y1
    # from the letterboxed square back to the picture's own fractions
    found[:, [0, 2]] = (found[:, [0, 2]] * detector.size - left) / inner[0]
    found[:, [1, 3]] = (found[:, [1, 3]] * detector.size - top) / inner[1]
    return [Face(float(x0), float(y0), float(x1 - x0), float(y1 - y0), float(s))
            for (x0, y0, x1, y1), s in _weighted_nms(found, scores[keep])]


def _weighted_nms(boxes: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted suppression: each cluster of overlapping boxes becomes their
    score-weighted mean, which steadies the box from frame to frame."""
    order = np.argsort(-scores)
    left = list(order)
    out = []
    while left:
        best = left[0]
        overlap = _iou(boxes[best], boxes[left])
        cluster = [left[j] for j in np.nonzero(overlap > NMS_OVERLAP)[0]]
        weights = scores[cluster][:, None]
        out.append(((boxes[cluster] * weights).sum(axis=0) / weights.sum(), float(scores[best])))
        left = [i for i in left if i not in cluster]
    return out


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)

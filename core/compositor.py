"""The one place a timeline becomes pixels: ``Compositor.frame_at(frame)``.

Preview and export both call it, so what a creator sees is what they export. Tracks are
composited in project order, the first track at the bottom. Readers stay open between calls,
so playing forward decodes sequentially instead of seeking for every frame.
"""

from __future__ import annotations

import logging

import numpy as np

from core.errors import MediaError
from core.media import IMAGE, MediaInfo, VideoReader, probe, read_image
from core.timeline import AUDIO_TRACK, Clip, MediaRef, Project

log = logging.getLogger(__name__)

OFFLINE_COLOUR = (120, 30, 40)


def fitted_size(src: tuple[int, int], canvas: tuple[int, int], fit: str) -> tuple[int, int]:
    """The size a source is scaled to on the canvas, before any crop (even numbers)."""
    (sw, sh), (cw, ch) = src, canvas
    if fit == "stretch":
        return cw, ch
    scale = min(cw / sw, ch / sh) if fit == "fit" else max(cw / sw, ch / sh)
    return max(2, int(round(sw * scale / 2)) * 2), max(2, int(round(sh * scale / 2)) * 2)


def _paste(canvas: np.ndarray, picture: np.ndarray, opacity: float) -> None:
    """Centre ``picture`` on ``canvas`` (cropping what overhangs), blended by ``opacity``."""
    ch, cw = canvas.shape[:2]
    ph, pw = picture.shape[:2]
    top, left = (ch - ph) // 2, (cw - pw) // 2
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(ch, top + ph), min(cw, left + pw)
    region = picture[y0 - top : y1 - top, x0 - left : x1 - left]
    if opacity >= 1.0:
        canvas[y0:y1, x0:x1] = region
    else:
        under = canvas[y0:y1, x0:x1].astype(np.float32)
        canvas[y0:y1, x0:x1] = (under + (region.astype(np.float32) - under) * opacity).astype(np.uint8)


class Compositor:
    def __init__(self, project: Project):
        self.project = project
        self._infos: dict[str, MediaInfo | None] = {}
        self._readers: dict[tuple[str, tuple[int, int]], VideoReader] = {}
        self._stills: dict[tuple[str, tuple[int, int]], np.ndarray] = {}

    def __enter__(self) -> Compositor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    @property
    def canvas_size(self) -> tuple[int, int]:
        return self.project.width, self.project.height

    def frame_at(self, frame: int) -> np.ndarray:
        """The picture at timeline ``frame``: RGB uint8 of shape (height, width, 3)."""
        canvas = np.zeros((self.project.height, self.project.width, 3), np.uint8)
        for track in self.project.tracks:
            if track.kind == AUDIO_TRACK or track.hidden:
                continue
            clip = next((c for c in track.clips if c.position <= frame < c.end), None)
            if clip is not None:
                _paste(canvas, self._clip_picture(clip, frame), clip.opacity)
        return canvas

    def _clip_picture(self, clip: Clip, frame: int) -> np.ndarray:
        media = self.project.media[clip.media_id]
        info = self._info(media)
        if info is None:
            return np.full((self.project.height, self.project.width, 3), OFFLINE_COLOUR, np.uint8)
        size = fitted_size((info.width, info.height), self.canvas_size, clip.fit)
        if info.kind == IMAGE:
            return self._still(media, info, size)
        key = (media.id, size)
        if key not in self._readers:
            self._readers[key] = VideoReader(info, size)
        return self._readers[key].frame_at(clip.source_time(frame, self.project.fps))

    def _info(self, media: MediaRef) -> MediaInfo | None:
        if media.id not in self._infos:
            try:
                self._infos[media.id] = None if media.offline else probe(media.path)
            except MediaError as exc:
                log.warning("media %s unavailable: %s", media.path, exc)
                self._infos[media.id] = None
        return self._infos[media.id]

    def _still(self, media: MediaRef, info: MediaInfo, size: tuple[int, int]) -> np.ndarray:
        import cv2

        key = (media.id, size)
        if key not in self._stills:
            self._stills[key] = cv2.resize(read_image(info.path), size, interpolation=cv2.INTER_AREA)
        return self._stills[key]


def frame_at(project: Project, frame: int) -> np.ndarray:
    """One frame of the timeline (opens and closes its readers: use a Compositor to play)."""
    with Compositor(project) as compositor:
        return compositor.frame_at(frame)

"""Person mattes without a green screen: where a person is in each frame, 0..1.

MediaPipe's selfie segmentation (LiteRT) gives a coarse mask per frame (256x144 for landscape
pictures, 256x256 for others). Two things make it usable on video:

- Temporal stability: a motion-adaptive running average. Where the picture does not change, a
  frame's mask counts for STILL_WEIGHT of the result, which averages out the network's
  frame-to-frame noise (flicker at still edges); where the picture changes, the new mask is
  taken whole, so the matte never lags a moving person.
- Edges against the picture: at render time the mask is refined with a guided filter (He et
  al.), guided by the frame's own brightness at full size, so hair and shoulders follow the
  picture's edges rather than the network's blocky 256-pixel grid. OpenCV's guided filter is in
  the contrib wheel, which would replace the headless one; the filter is a handful of box
  filters, written here on purpose.

Masks are analysed per source file in chunks of CHUNK frames, each started WARMUP frames early
so that the running average has settled by the chunk's first frame: any frame's mask is the
same whichever order frames are asked for in (preview seeks, export runs forward), and chunks
join without a seam. Chunks are cached on disk beside the other analyses.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import IMAGE, MediaInfo, media_info, read_image
from core.paths import cache_file
from core.vision.litert import model

PORTRAIT_MODEL = "selfie_segmentation.tflite"  # 256x256: square and portrait pictures
LANDSCAPE_MODEL = "selfie_segmentation_landscape.tflite"  # 144x256
CHUNK = 32
WARMUP = 8
STILL_WEIGHT = 0.45  # the newest mask's share where nothing moves
MOTION_FULL = 12.0  # grey levels of change (0..255) at which the newest mask is taken whole
CACHE_VERSION = 1


def model_for(width: int, height: int) -> str:
    return LANDSCAPE_MODEL if width >= 1.3 * height else PORTRAIT_MODEL


def raw_mask(picture: np.ndarray, name: str | None = None) -> np.ndarray:
    """The network's person probability (float32, its own size) for one RGB picture."""
    import cv2

    net = model(name or model_for(picture.shape[1], picture.shape[0]))
    _, height, width, _ = net.input_shape
    small = cv2.resize(picture[..., :3], (width, height), interpolation=cv2.INTER_AREA)
    (out,) = net.run((small.astype(np.float32) / 255.0)[None])
    return np.clip(out[0, ..., 0], 0.0, 1.0)


class _Settler:
    """The motion-adaptive running average over consecutive masks."""

    def __init__(self):
        self.mask: np.ndarray | None = None
        self.grey: np.ndarray | None = None

    def add(self, mask: np.ndarray, picture: np.ndarray) -> np.ndarray:
        import cv2

        grey = cv2.cvtColor(cv2.resize(picture, mask.shape[::-1], interpolation=cv2.INTER_AREA),
                            cv2.COLOR_RGB2GRAY).astype(np.float32)
        if self.mask is not None:
            change = cv2.GaussianBlur(np.abs(grey - self.grey), (5, 5), 0)
            weight = np.clip(STILL_WEIGHT + (1 - STILL_WEIGHT) * change / MOTION_FULL, STILL_WEIGHT, 1.0)
            mask = self.mask + weight * (mask - self.mask)
        self.mask, self.grey = mask, grey
        return mask


class PersonMattes:
    """The settled masks of one video (or still), by source frame index, uint8 0..255."""

    def __init__(self, source: MediaInfo | str | os.PathLike):
        self.info = media_info(source)
        self.name = model_for(self.info.width, self.info.height)
        self._chunks: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def frame_count(self) -> int:
        return 1 if self.info.kind == IMAGE else self.info.frame_count

    def at_time(self, t: float) -> np.ndarray:
        index = 0 if self.info.kind == IMAGE else self.info.frame_index_at(t)
        return self.mask(index)

    def mask(self, index: int) -> np.ndarray:
        chunk = min(max(index, 0), self.frame_count - 1) // CHUNK
        with self._lock:
            masks = self._chunk(chunk)
        return masks[index - chunk * CHUNK]

    def analyse(self, progress: Progress | None = None, cancel: CancelToken | None = None) -> None:
        """Every chunk, so that preview never waits on one (a job runs this when the effect is added)."""
        chunks = (self.frame_count + CHUNK - 1) // CHUNK
        for chunk in range(chunks):
            check_cancel(cancel)
            with self._lock:
                self._chunk(chunk)
            report(progress, (chunk + 1) / chunks, "Finding the person")

    def _chunk(self, chunk: int) -> np.ndarray:
        if chunk in self._chunks:
            self._chunks.move_to_end(chunk)
            return self._chunks[chunk]
        path = cache_file("matte", Path(self.info.path), f".v{CACHE_VERSION}.{chunk}.npz")
        try:
            masks = np.load(path)["masks"]
        except (OSError, ValueError, KeyError, EOFError):
            masks = self._compute(chunk)
            _save(path, masks)
        self._chunks[chunk] = masks
        while len(self._chunks) > 8:  # a few seconds of masks in memory; the rest on disk
            self._chunks.popitem(last=False)
        return masks

    def _compute(self, chunk: int) -> np.ndarray:
        if self.info.kind == IMAGE:
            return mask_bytes(raw_mask(read_image(self.info.path), self.name))[None]
        from core.media import VideoReader

        first, end = chunk * CHUNK, min(self.frame_count, (chunk + 1) * CHUNK)
        settler, masks = _Settler(), []
        _, height, width, _ = model(self.name).input_shape
        with VideoReader(self.info, (width, height)) as reader:  # the network's size: no resize after
            for index in range(max(0, first - WARMUP), end):
                picture = reader.frame(index)
                settled = settler.add(raw_mask(picture, self.name), picture)
                if index >= first:
                    masks.append(mask_bytes(settled))
        return np.stack(masks)


def mask_bytes(mask: np.ndarray) -> np.ndarray:
    """A 0..1 mask as uint8 0..255, as masks are kept."""
    return np.round(mask * 255).astype(np.uint8)


def _save(path, masks: np.ndarray) -> None:
    partial = path.with_name(path.name + ".partial.npz")
    try:
        np.savez_compressed(partial, masks=masks)
        os.replace(partial, path)
    except OSError:  # a full disk: the masks are still used, only not kept
        partial.unlink(missing_ok=True)


_open: OrderedDict[str, PersonMattes] = OrderedDict()
_open_lock = threading.Lock()


def mattes_for(path: str) -> PersonMattes:
    """The one PersonMattes of a file for this process (preview and export share its chunks)."""
    with _open_lock:
        if path not in _open:
            _open[path] = PersonMattes(path)
            while len(_open) > 4:
                _open.popitem(last=False)
        _open.move_to_end(path)
        return _open[path]


# --- at render time -------------------------------------------------------------------------


def guided_filter(guide: np.ndarray, mask: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """The fast guided filter: ``mask`` (float32 0..1, any size) refined along the edges of
    ``guide`` (float32 grey 0..1, the output's size); the coefficients are solved at the
    mask's size and upsampled, which costs little and keeps edges as sharp as the guide's."""
    import cv2

    small_size = mask.shape[::-1]
    small = cv2.resize(guide, small_size, interpolation=cv2.INTER_AREA)
    box: Callable[[np.ndarray], np.ndarray] = lambda x: cv2.boxFilter(x, -1, (2 * radius + 1,) * 2)  # noqa: E731
    mean_i, mean_p = box(small), box(mask)
    var_i = box(small * small) - mean_i * mean_i
    cov_ip = box(small * mask) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    size = guide.shape[::-1]
    a_full = cv2.resize(box(a), size, interpolation=cv2.INTER_LINEAR)
    b_full = cv2.resize(box(b), size, interpolation=cv2.INTER_LINEAR)
    return cv2.add(cv2.multiply(a_full, guide), b_full)


FINE_SIDE = 540  # the refined edge is solved with the picture at most this size on its shorter side


def refined_alpha(picture: np.ndarray, mask: np.ndarray, softness: float, edge: float) -> np.ndarray:
    """The matte at the picture's size (uint8), its edges following the picture.

    ``softness`` 0..1 widens the ramp from background to person; ``edge`` -1..1 keeps less
    (negative) or more (positive) of the person's outline. The guided filter runs on the
    picture at most FINE_SIDE pixels on its shorter side (a 1080p edge is then placed to two
    pixels, finer than the softest ramp) and the alpha is scaled up from there: the
    full-size float arithmetic cost 60 ms a 1080p frame."""
    import cv2

    height, width = picture.shape[:2]
    shrink = min(1.0, FINE_SIDE / min(height, width))
    fine = (max(2, round(width * shrink)), max(2, round(height * shrink)))
    grey = cv2.cvtColor(np.ascontiguousarray(picture[..., :3]), cv2.COLOR_RGB2GRAY)
    if fine != (width, height):
        grey = cv2.resize(grey, fine, interpolation=cv2.INTER_AREA)
    guide = grey.astype(np.float32) / 255
    work = mask.astype(np.float32) / 255
    refined = guided_filter(guide, work, radius=3, eps=1e-3)
    alpha = cv2.LUT(np.clip(refined * 255, 0, 255).astype(np.uint8), _ramp(round(softness, 3), round(edge, 3)))
    return alpha if fine == (width, height) else cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)


_RAMPS: dict[tuple[float, float], np.ndarray] = {}


def _ramp(softness: float, edge: float) -> np.ndarray:
    if (softness, edge) not in _RAMPS:
        centre, width = 0.5 - 0.35 * edge, 0.08 + 0.9 * softness
        x = np.arange(256) / 255
        _RAMPS[(softness, edge)] = np.round(np.clip((x - centre) / width + 0.5, 0, 1) * 255).astype(np.uint8)
    return _RAMPS[(softness, edge)]

"""Auto-reframe: fill another canvas shape and follow the subject (the largest face, else
what moves once the camera's own move is taken out)."""

from __future__ import annotations

import numpy as np

from core.assist.camera import camera_move
from core.assist.faces import find_faces
from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import MediaInfo, media_info

REFRAME_STEP = 0.2  # seconds between looks at the picture
MOVED_LEVEL = 25  # grey levels a pixel must change by to count as moving (noise stays under)
REFRAME_MAX_SPEED = 0.35  # how far (in picture widths per second) the framing may travel


def _subject(picture: np.ndarray, previous: np.ndarray | None) -> tuple[float | None, float | None]:
    """Where the subject is across the picture (0..1): the largest face, else what moves; and
    how far down the face is (0..1), when there is one."""
    faces = find_faces(picture)
    if faces:
        return faces[0].centre
    return _moving_x(picture, previous), None


def _moving_x(picture: np.ndarray, previous: np.ndarray | None) -> float | None:
    import cv2

    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    if previous is None:
        return None
    steadied, valid = _follow_camera(previous, grey)
    moved = (np.abs(grey.astype(np.float32) - steadied) > MOVED_LEVEL) & valid
    share = moved.mean()
    if share < 0.002:  # too little movement to follow (compression noise stays under the level)
        return None
    if share > 0.6:  # a flash or a cut: everything changed, nothing to follow
        return None
    columns = moved.sum(axis=0)
    return float((columns * np.arange(len(columns))).sum() / columns.sum() / len(columns))


def _follow_camera(previous: np.ndarray, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The previous picture moved the way the camera moved (core.assist.camera), and where
    that picture is valid. What is left of the difference is what moves in the scene, not the
    whole scene sliding past a moving camera."""
    import cv2

    before = previous.astype(np.float32)
    everywhere = np.ones(grey.shape, bool)
    camera = camera_move(previous, grey)
    if camera is None:
        return before, everywhere
    size = grey.shape[::-1]
    valid = cv2.warpAffine(np.ones(grey.shape, np.uint8), camera, size, borderMode=cv2.BORDER_CONSTANT)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8)) > 0  # what came into view is not motion
    return cv2.warpAffine(before, camera, size, borderMode=cv2.BORDER_REPLICATE), valid


def smooth_path(xs: list[float], step: float) -> list[float]:
    """Steady the framing: median against glitches, a moving average against jitter, and a
    speed limit so the crop glides instead of jumping."""
    values = np.asarray(xs, dtype=float)
    if len(values) >= 5:
        padded = np.pad(values, 2, mode="edge")
        values = np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)
    if len(values) >= 7:
        values = np.convolve(np.pad(values, 3, mode="edge"), np.ones(7) / 7, mode="valid")
    limit = REFRAME_MAX_SPEED * step
    steady = [float(values[0])]
    for x in values[1:]:
        steady.append(steady[-1] + float(np.clip(x - steady[-1], -limit, limit)))
    return steady


def auto_reframe(
    source: MediaInfo | str,
    start: float = 0.0,
    end: float | None = None,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[tuple[float, float]]:
    """Reframe keys (source seconds, x) that follow the faces or the moving subject; none when
    there is no subject to follow anywhere in the clip."""
    return follow_subject(source, start, end, progress=progress, cancel=cancel)[0]


FACE_SHARE = 0.5  # of the looks that must find a face for the clip to be framed as a talking head


def follow_subject(source: MediaInfo | str, start: float = 0.0, end: float | None = None, *,
                   progress: Progress | None = None, cancel: CancelToken | None = None,
                   ) -> tuple[list[tuple[float, float]], float | None]:
    """``auto_reframe``'s keys, and how far down the picture the face is (the median, 0..1)
    when a face is seen in most of the clip: a talking head, for ``recipes.headroom``."""
    import cv2

    from core.media import VideoReader, fit_size

    info = media_info(source)
    if info.kind != "video":
        raise MediaError(f"'{info.name}' is not a video, so there is nothing to reframe.")
    end = min(end if end is not None else info.duration, info.duration)
    times = list(np.arange(start, end, REFRAME_STEP)) or [start]
    found, heights, previous = [], [], None
    with VideoReader(info, fit_size(info.width, info.height, 320)) as reader:
        for i, t in enumerate(times):
            check_cancel(cancel)
            picture = reader.frame_at(float(t))
            x, y = _subject(picture, previous)
            found.append(x)
            heights += [y] if y is not None else []
            previous = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
            report(progress, (i + 1) / len(times), "Following the subject")
    known = [x for x in found if x is not None]
    if not known:
        return [], None
    face_y = float(np.median(heights)) if len(heights) >= FACE_SHARE * len(times) else None
    filled, last = [], known[0]
    for x in found:  # hold the last known place where nothing can be seen
        last = x if x is not None else last
        filled.append(last)
    keys = [(round(float(t), 3), round(x, 4)) for t, x in zip(times, smooth_path(filled, REFRAME_STEP), strict=True)]
    return keys, face_y


def reframe_clips(clips: list[tuple[str, str, float, float]], *, progress: Progress | None = None,
                  cancel: CancelToken | None = None) -> tuple[dict[str, list[tuple[float, float]]], dict[str, float]]:
    """Reframe keys for several clips, (clip id, path, source in, source out) each: clip id ->
    keys, and clip id -> face height for the talking heads, ready for
    ``core.recipes.apply_reframe``."""
    from core.jobs import sub_progress

    keys, faces = {}, {}
    for i, (clip_id, path, start, end) in enumerate(clips):
        keys[clip_id], face_y = follow_subject(path, start, end, cancel=cancel,
                                               progress=sub_progress(progress, i / len(clips), (i + 1) / len(clips)))
        if face_y is not None:
            faces[clip_id] = face_y
    return keys, faces

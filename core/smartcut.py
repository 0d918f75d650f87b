"""Dead air: stretches worth cutting, from the sound (silence) and the picture (frozen, black).

Silence is judged against the clip's own loudness, not a fixed level, so a quiet recording
and a loud one are treated alike. As in auto-editor, the keep/cut decision per 10 ms is then
smoothed: a margin of sound is kept around speech, very short sounds inside a pause do not
break it up, and pauses too short to be worth a cut are left alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import MediaInfo, probe, read_audio
from core.scenes import SceneReport

ANALYSIS_RATE = 16000
STEP = 0.01  # seconds per loudness measurement


@dataclass(frozen=True)
class DeadAirSettings:
    threshold_db: float = 26.0  # quieter than the clip's loud level by this much: silence
    margin: float = 0.15  # seconds of sound kept either side of what is heard
    min_clip: float = 0.2  # a sound shorter than this inside a pause does not break it
    min_cut: float = 0.6  # a pause shorter than this is not worth a cut


@dataclass(frozen=True)
class DeadAir:
    start: float  # seconds into the media
    end: float
    reason: str  # "silence" | "frozen" | "black"

    @property
    def duration(self) -> float:
        return self.end - self.start


def loudness_db(samples: np.ndarray, rate: int = ANALYSIS_RATE) -> np.ndarray:
    """RMS level in dB (0 dB = full scale) of each STEP-long piece of mono ``samples``."""
    width = int(rate * STEP)
    usable = len(samples) // width * width
    pieces = samples[:usable].reshape(-1, width)
    rms = np.sqrt(np.mean(pieces.astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index ranges where ``mask`` is True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def smooth_keep(loud: np.ndarray, settings: DeadAirSettings) -> np.ndarray:
    """auto-editor-style smoothing of a per-step 'there is sound' array into 'keep' (True)."""
    keep = loud.copy()
    for start, end in _runs(loud):  # a short blip inside a pause is not speech
        if (end - start) * STEP < settings.min_clip:
            keep[start:end] = False
    margin = int(round(settings.margin / STEP))
    grown = keep.copy()
    for start, end in _runs(keep):  # keep a little air around what is heard
        grown[max(0, start - margin) : end + margin] = True
    for start, end in _runs(~grown):  # a pause too short to be worth cutting stays
        if (end - start) * STEP < settings.min_cut:
            grown[start:end] = True
    return grown


def find_silences(
    source: MediaInfo | str,
    settings: DeadAirSettings = DeadAirSettings(),
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[DeadAir]:
    """Stretches of a clip's sound quiet enough, and long enough, to cut."""
    info = source if isinstance(source, MediaInfo) else probe(source)
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound to look for silence in.")
    check_cancel(cancel)
    report(progress, 0.1, "Reading the sound")
    samples = read_audio(info, sample_rate=ANALYSIS_RATE, channels=1)[:, 0]
    check_cancel(cancel)
    levels = loudness_db(samples)
    if len(levels) == 0:
        return []
    reference = float(np.percentile(levels, 95))  # the clip's own loud level
    loud = levels > reference - settings.threshold_db
    keep = smooth_keep(loud, settings)
    report(progress, 1.0, "Silences found")
    return [DeadAir(round(float(start) * STEP, 3), round(float(end) * STEP, 3), "silence") for start, end in _runs(~keep)]


def find_still_picture(
    source: MediaInfo | str,
    min_seconds: float = 1.0,
    *,
    scenes: SceneReport | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[DeadAir]:
    """Stretches where the picture is black, or frozen (nothing moves), for ``min_seconds`` or
    more. Pass the file's ``scenes`` when they are already found: the same pass over the
    picture measured both, so nothing is decoded again."""
    from core.scenes import detect_scenes

    info = source if isinstance(source, MediaInfo) else probe(source)
    if not info.has_video or info.kind != "video":
        raise MediaError(f"'{info.name}' is not a video.")
    if scenes is None:
        scenes = detect_scenes(info, progress=progress, cancel=cancel)
    times = info.frame_times
    found = []
    for reason, mask in (("black", scenes.black), ("frozen", scenes.frozen & ~scenes.black)):
        for start, end in _runs(mask):
            begin = float(times[start])
            finish = float(times[end]) if end < len(times) else float(info.duration)
            if finish - begin >= min_seconds:
                found.append(DeadAir(round(begin, 3), round(finish, 3), reason))
    report(progress, 1.0, "Still picture found")
    return sorted(found, key=lambda d: d.start)


# ---------------------------------------------------------------------------------------------
# Highlight reel


@dataclass
class ScoredShot:
    path: str
    start: float  # seconds into the media
    end: float
    best: float  # the shot's keyframe, where a piece of it is centred
    motion: float
    sharpness: float
    loudness: float  # mean level in dB
    faces: int
    score: float = 0.0


_FACE_CASCADE = "haarcascade_frontalface_default.xml"


@functools.cache
def _face_detector():
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + _FACE_CASCADE)


def count_faces(picture: np.ndarray) -> int:
    """Frontal faces in an RGB picture, by OpenCV's bundled Haar cascade."""
    import cv2

    detector = _face_detector()
    if detector.empty():
        return 0
    grey = cv2.equalizeHist(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY))
    faces = detector.detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
    return len(faces)


def score_shots(info: MediaInfo, cancel: CancelToken | None = None, progress: Progress | None = None) -> list[ScoredShot]:
    """Every shot of a video with what makes it worth watching: motion, sharpness, sound, faces."""
    from core.media import pictures_at
    from core.scenes import detect_scenes

    found = detect_scenes(info, progress=progress, cancel=cancel)
    levels = loudness_db(read_audio(info, sample_rate=ANALYSIS_RATE, channels=1)[:, 0]) if info.has_audio else None
    times = info.frame_times
    pictures = pictures_at(info, found.keyframes, 640)  # for the faces: side by side, not a seek each
    shots = []
    for (first, end), keyframe, picture in zip(found.shots, found.keyframes, pictures, strict=True):
        check_cancel(cancel)
        start_s, end_s = float(times[first]), float(times[end]) if end < len(times) else float(info.duration)
        if end_s - start_s < 0.5:
            continue
        sound = -90.0
        if levels is not None:
            span = levels[int(start_s / STEP) : max(int(start_s / STEP) + 1, int(end_s / STEP))]
            sound = float(10 * np.log10(np.mean(10 ** (span / 10)))) if len(span) else -90.0
        shots.append(ScoredShot(info.path, start_s, end_s, float(times[keyframe]),
                                float(np.mean(found.change[first + 1 : end])) if end - first > 1 else 0.0,
                                float(np.mean(found.sharpness[first:end])), sound, count_faces(picture)))
    return shots


def _rank(shots: list[ScoredShot]) -> None:
    """Score each shot from its features, each scaled to 0..1 across all the shots."""
    def scaled(values):
        values = np.asarray(values, dtype=float)
        spread = values.max() - values.min()
        return (values - values.min()) / spread if spread > 1e-9 else np.full(len(values), 0.5)

    motion, sharp, loud = (scaled([getattr(s, name) for s in shots]) for name in ("motion", "sharpness", "loudness"))
    for i, shot in enumerate(shots):
        shot.score = 0.35 * motion[i] + 0.2 * sharp[i] + 0.3 * loud[i] + 0.15 * min(shot.faces, 2) / 2


def pick_pieces(shots: list[ScoredShot], seconds: float, piece: float) -> list[tuple[ScoredShot, float, float]]:
    """The best shots' pieces (shot, start, end) adding up to ``seconds``, in their original order."""
    chosen, total = [], 0.0
    for shot in sorted(shots, key=lambda s: s.score, reverse=True):
        if total >= seconds - 1e-6:
            break
        length = min(piece, shot.end - shot.start, seconds - total)
        start = min(max(shot.start, shot.best - length / 2), shot.end - length)
        chosen.append((shot, start, start + length))
        total += length
    order = {path: i for i, path in enumerate(dict.fromkeys(s.path for s in shots))}
    return sorted(chosen, key=lambda c: (order[c[0].path], c[1]))


def build_highlights(
    paths: list[str],
    seconds: float = 30.0,
    *,
    width: int = 1920,
    height: int = 1080,
    fps: float = 30,
    transition: str = "crossfade",
    transition_frames: int = 10,
    music: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
):
    """A project of about ``seconds`` made of the best moments of ``paths``, in order. With
    ``music``, the music goes under the reel and every cut lands on one of its beats."""
    from core import timeline as tl
    from core.jobs import sub_progress

    infos = [probe(p) for p in paths]
    shots: list[ScoredShot] = []
    for i, info in enumerate(infos):
        if info.kind != "video":
            raise MediaError(f"'{info.name}' is not a video; a highlight reel is made from footage.")
        shots += score_shots(info, cancel, sub_progress(progress, i / len(infos), (i + 1) / len(infos)))
    if not shots:
        raise MediaError("No shot long enough for a highlight reel was found.")
    _rank(shots)
    pieces = pick_pieces(shots, seconds, piece=max(1.5, min(4.0, seconds / 6)))
    beats = None
    if music is not None:
        from core.audio.beats import beats_of_file

        beats = beats_of_file(music).beats
        pieces = cut_on_beats(pieces, beats)
    project = tl.Project.new("landscape_1080p", fps=fps, name="Highlights")
    project.width, project.height = width, height
    track = project.tracks[0].id
    refs = {}
    for info in infos:
        refs[info.path] = tl.MediaRef.from_info(info)
        tl.add_media(project, refs[info.path])
    previous = None
    for shot, start, end in pieces:
        clip = tl.make_clip(project, refs[shot.path].id, project.track(track).end, start, end)
        tl.add_clip(project, track, clip)
        if previous is not None and min(previous.length, clip.length) >= transition_frames:
            tl.add_transition(project, previous.id, clip.id, transition, transition_frames)
        previous = clip
    if music is not None:
        bed = tl.MediaRef.from_info(probe(music))
        tl.add_media(project, bed)
        audio = project.tracks_of_kind(tl.AUDIO_TRACK)[0].id
        length = project.duration_frames / fps
        tl.add_clip(project, audio, tl.make_clip(project, bed.id, 0, 0, min(bed.duration, length)))
    report(progress, 1.0, "Highlight reel ready")
    return project


def cut_on_beats(pieces: list[tuple[ScoredShot, float, float]], beats: list[float],
                 shortest: float = 1.0) -> list[tuple[ScoredShot, float, float]]:
    """Lengthen or shorten each piece (within its shot) so the reel's cuts fall on beats."""
    grid = np.asarray(beats)
    timed, cursor = [], 0.0
    for shot, start, end in pieces:
        wanted = cursor + (end - start)
        usable = grid[(grid - cursor >= shortest) & (grid - cursor <= shot.end - start)]
        if len(usable):
            beat = float(usable[np.argmin(np.abs(usable - wanted))])
            end = start + (beat - cursor)
        timed.append((shot, start, end))
        cursor += end - start
    return timed


# ---------------------------------------------------------------------------------------------
# Auto-reframe


REFRAME_STEP = 0.2  # seconds between looks at the picture
MOVED_LEVEL = 25  # grey levels a pixel must change by to count as moving (noise stays under)
REFRAME_MAX_SPEED = 0.35  # how far (in picture widths per second) the framing may travel


def _subject_x(picture: np.ndarray, previous: np.ndarray | None) -> float | None:
    """Where the subject is across the picture (0..1): the largest face, else what moves."""
    import cv2

    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    # Strict: a face must be found at several scales and be a sizeable part of the picture, or
    # foliage and noise texture pass for faces and drag the framing along with the background.
    side = max(20, grey.shape[0] // 8)
    faces = _face_detector().detectMultiScale(cv2.equalizeHist(grey), 1.15, 8, minSize=(side, side))
    if len(faces):
        x, _y, w, _h = max(faces, key=lambda f: f[2] * f[3])
        return (x + w / 2) / grey.shape[1]
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
    """The previous picture moved the way the camera moved, and where that picture is valid.

    The camera's move (pan, zoom, a little roll) is a similarity fitted with RANSAC to corners
    tracked between the two pictures: the background's many corners agree, the subject's few
    are outliers. What is left of the difference is what moves in the scene, not the whole
    scene sliding past a moving camera."""
    import cv2

    before = previous.astype(np.float32)
    everywhere = np.ones(grey.shape, bool)
    corners = cv2.goodFeaturesToTrack(previous, maxCorners=200, qualityLevel=0.01, minDistance=6)
    if corners is None or len(corners) < 12:
        return before, everywhere
    moved, found, _ = cv2.calcOpticalFlowPyrLK(previous, grey, corners, None, winSize=(21, 21), maxLevel=3)
    good = found.ravel() == 1
    if good.sum() < 12:
        return before, everywhere
    camera, _ = cv2.estimateAffinePartial2D(corners[good], moved[good], method=cv2.RANSAC, ransacReprojThreshold=2.0)
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
    """Reframe keys (source seconds, x) that follow the faces or the moving subject."""
    import cv2

    from core.media import VideoReader, fit_size

    info = source if isinstance(source, MediaInfo) else probe(source)
    if info.kind != "video":
        raise MediaError(f"'{info.name}' is not a video, so there is nothing to reframe.")
    end = min(end if end is not None else info.duration, info.duration)
    times = list(np.arange(start, end, REFRAME_STEP)) or [start]
    found, previous = [], None
    with VideoReader(info, fit_size(info.width, info.height, 320)) as reader:
        for i, t in enumerate(times):
            check_cancel(cancel)
            picture = reader.frame_at(float(t))
            found.append(_subject_x(picture, previous))
            previous = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
            report(progress, (i + 1) / len(times), "Following the subject")
    known = [x for x in found if x is not None]
    filled, last = [], known[0] if known else 0.5
    for x in found:  # hold the last known place where nothing can be seen
        last = x if x is not None else last
        filled.append(last)
    return [(round(float(t), 3), round(x, 4)) for t, x in zip(times, smooth_path(filled, REFRAME_STEP), strict=True)]

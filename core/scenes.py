"""Shot boundaries: hard cuts to the frame, fades through black and dissolves as intervals.

One streaming pass over a small, cheaply decoded copy of the video (ffmpeg scales it down
inside the decoder and skips the loop filter), so memory stays flat however long it is: per
frame only a few numbers are kept, and the small pictures live in a rolling window.

- A cut is a frame whose colour histogram jumps far above the local level, over most of the
  picture, and does not come back within a few frames: a camera flash, or something passing
  the lens, comes back; a title appearing changes only part of the picture.
- A fade is a run of black frames, stretched to where the brightness started falling
  and stopped rising.
- A dissolve is a stretch where the colours keep changing faster than in the shots around
  it, step after step, and whose two ends look like different shots (the twin-comparison
  idea): a camera move changes as fast inside the shot as around the stretch.
- Motion is told from a change of shot by following it: each frame is predicted from the one
  before by dense optical flow (OpenCV's DIS, at the analysis size), and what the prediction
  leaves unexplained is the picture's "new" change. A fast digital zoom, a whip pan or a
  jolted camera moves the same content; a cut or a blend of two shots cannot be predicted.
  So a cut needs a large unexplained change, and a dissolve steps that motion does not
  explain.
"""

from __future__ import annotations

import statistics
from collections import deque
from contextlib import closing
from dataclasses import asdict, dataclass, field

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import VIDEO, MediaInfo, analysis_frames, media_info

ANALYSIS_WIDTH = 96
HIST_BINS = [16, 4, 4]  # hue, saturation, value
HIST_SIZE = int(np.prod(HIST_BINS))
BLACK_LEVEL = 0.1  # a frame is black when even its brighter parts stay under this (0..1)
BLANK_SPREAD = 0.012  # a frame is blank, one flat field of any level, when its brightness varies less (0..1)
CONTENT_LEVEL = 0.05  # darker pixels are left out of colour comparisons: letterbox bars, black
DISSOLVE_LENGTHS = (4, 6, 10, 14, 20, 28, 40, 56)  # frames
BACK, AHEAD = 6, 5  # frames compared before and after a candidate cut (a hand over the lens: a few frames)
WINDOW = max(DISSOLVE_LENGTHS) + BACK + AHEAD + 4  # small pictures kept at a time
LOCAL = 15  # frames either side that set the local level of change
MIN_STRUCTURE_CHANGE = 0.02  # a cut changes the picture, not just its brightness
# A cut leaves at least this much of the picture unexplained by motion: the mean change over
# the picture's content, in units of its own contrast (the spread of its brightness), so dark
# or flat footage is held to its own scale. Real cuts measured left 0.95 to 2.2; a fast zoom's
# steps 0.38 at most.
MIN_NEW_CHANGE = 0.6
STRONG_NEW_CHANGE = 1.0  # plainly a new picture
# What motion leaves unexplained of a dissolve, the mean of its steps' share and its ends'
# (_Analysis._ends_unexplained): 0.9 and up for dissolves measured, 0.66 to 0.72 for zooms.
MIN_UNEXPLAINED_DISSOLVE = 0.8


@dataclass
class ShotBoundary:
    kind: str  # "cut" | "fade" | "dissolve"
    frame: int  # first frame of the new shot
    start: int  # first frame of the transition (== frame for a cut)
    end: int  # last frame of the transition (== frame for a cut)
    time: float = 0.0  # seconds at ``frame``


@dataclass
class SceneReport:
    fps: float
    frames: int
    boundaries: list[ShotBoundary] = field(default_factory=list)
    keyframes: list[int] = field(default_factory=list)
    # Per frame, for scoring shots (not part of the JSON): colour change and sharpness.
    change: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    sharpness: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    # Per frame, for dead air (core.assist.dead_air.find_still_picture): black, blank, frozen.
    black: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)
    frozen: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)
    blank: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)

    def to_json(self) -> dict:
        return {"fps": self.fps, "frames": self.frames,
                "transitions": [asdict(t) for t in self.boundaries], "keyframes": self.keyframes}

    @property
    def shots(self) -> list[tuple[int, int]]:
        """(first frame, one past the last) of each shot, with transitions left out."""
        bounds, start = [], 0
        for t in self.boundaries:
            if t.start > start:
                bounds.append((start, t.start))
            start = t.frame if t.kind == "cut" else t.end + 1
        if start < self.frames:
            bounds.append((start, self.frames))
        return bounds


@dataclass(frozen=True)
class Thresholds:
    """What the one sensitivity setting (0: only the obvious, 1: everything) controls."""

    cut: float  # histogram distance a cut must reach (0..1)
    contrast: float  # how many times the local level of change it must be
    keeps_apart: float  # share of a cut's jump its two sides must stay apart (flashes come back)
    area: float  # share of the picture a cut changes (a title appearing changes a part)
    dissolve: float  # distance between the two ends of a dissolve
    plateau: float  # how many times the surrounding change a dissolve's steps must be

    @classmethod
    def for_sensitivity(cls, sensitivity: float) -> Thresholds:
        s = min(1.0, max(0.0, sensitivity))
        return cls(cut=0.25 - 0.15 * s, contrast=4.0 - 2.0 * s, keeps_apart=0.6 - 0.2 * s, area=0.4 - 0.2 * s,
                   dissolve=0.2 - 0.1 * s, plateau=2.2 - 0.8 * s)


def _histogram(hsv: np.ndarray) -> np.ndarray:
    """Colour histogram of the picture's content. Near-black pixels are left out, so the bars
    around letterboxed or pillarboxed footage do not dilute every change; a frame with
    almost no content (black) has an empty histogram."""
    import cv2

    content = (hsv[..., 2] >= int(CONTENT_LEVEL * 255)).astype(np.uint8)
    hist = cv2.calcHist([hsv], [0, 1, 2], content, HIST_BINS, [0, 180, 0, 256, 0, 256]).ravel()
    return hist / max(float(hist.sum()), 0.02 * content.size)


def is_black(luma: np.ndarray) -> bool:
    """Black means even the brighter parts are dark: a night shot or letterboxed footage has
    a low mean brightness but bright highlights."""
    return np.count_nonzero(luma >= BLACK_LEVEL) < 0.02 * luma.size  # the 98th percentile is dark


def _content_mean(values: np.ndarray, content: np.ndarray) -> float:
    """The mean of ``values`` over the picture's content (bars and black left out)."""
    count = np.count_nonzero(content)
    return float(values[content].mean()) if count else 0.0


def _changed_share(a: np.ndarray, b: np.ndarray, difference: np.ndarray) -> float:
    """Share of the picture's content (not its black bars) that changed between two frames."""
    content = (a >= CONTENT_LEVEL) | (b >= CONTENT_LEVEL)
    return np.count_nonzero(content & (np.abs(difference) > 0.08)) / max(1, np.count_nonzero(content))


@dataclass
class _Frame:
    index: int
    luma: np.ndarray  # small grey picture, float32 in 0..1
    hist: np.ndarray


def _small_frames(info: MediaInfo, cancel: CancelToken | None):
    """Small frames straight from the decoder, one at a time (the cheapest decode we can ask)."""
    import cv2

    with closing(analysis_frames(info, ANALYSIS_WIDTH)) as pictures:
        for index, rgb in enumerate(pictures):
            if index % 32 == 0:
                check_cancel(cancel)
            luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
            yield _Frame(index, luma, _histogram(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)))


class _Analysis:
    """Per-frame measurements, gathered while the frames stream past."""

    def __init__(self, limits: Thresholds):
        self.limits = limits
        self.window: deque[_Frame] = deque(maxlen=WINDOW)
        # The window's histograms in a ring, newest at ``self._ring_next - 1``, so each new frame
        # is compared with all of them in one array operation.
        self._ring = np.zeros((WINDOW, HIST_SIZE), np.float32)
        self._ring_next = 0
        # Per frame in the window: its histogram distance to each earlier frame, newest first.
        self.looking_back: deque[np.ndarray] = deque(maxlen=WINDOW)
        self.change: list[float] = []  # histogram distance to the previous frame
        self.structure: list[float] = []  # picture change to the previous frame, brightness aside
        self.raw: list[float] = []  # mean picture change to the previous frame
        self.new: list[float] = []  # what of it the previous frame, moved by the flow, does not explain
        self.contrast: list[float] = []  # the two frames' spread of brightness (content only)
        self._flow = None
        self.area: list[float] = []  # share of the picture that changed since the previous frame
        self.comes_back: list[float] = []  # smallest distance across a candidate cut, see _cut_gap
        self.brightness: list[float] = []
        self.black: list[bool] = []
        self.blank: list[bool] = []
        self.frozen: list[bool] = []
        self._still_anchor: np.ndarray | None = None  # first frame of the current still stretch
        self.sharpness: list[float] = []
        # Candidate dissolves, (the frame before, the frame after), whose ends look apart: judged
        # once LOCAL frames after them are known, with the small pictures of their ends kept
        # until then (optical flow, the dear part, only for those the other signs leave in).
        self._pending: deque[tuple[int, int]] = deque()
        self._lumas: deque[np.ndarray] = deque(maxlen=max(DISSOLVE_LENGTHS) + 2 + LOCAL)
        self.dissolves: list[tuple] = []  # ranked, see _judge_dissolve

    def add(self, frame: _Frame) -> None:
        import cv2

        brightness = float(frame.luma.mean())
        if self.window:
            newest_first = (self._ring_next - 1 - np.arange(len(self.window))) % WINDOW
            back = 0.5 * np.abs(self._ring[newest_first] - frame.hist).sum(axis=1)
            previous = self.window[-1].luma
            difference = frame.luma - previous
            self.change.append(float(back[0]))
            self.structure.append(_structure_change(difference, brightness - self.brightness[-1]))
            self.area.append(_changed_share(frame.luma, previous, difference))
            content = (frame.luma >= CONTENT_LEVEL) | (previous >= CONTENT_LEVEL)
            self.raw.append(_content_mean(np.abs(difference), content))
            self.new.append(self._unexplained(previous, frame.luma, content))
            self.contrast.append(0.5 * (float(frame.luma[content].std()) + float(previous[content].std()))
                                 if content.any() else 0.0)
        else:
            back = np.zeros(0)
            self.change.append(0.0)
            self.structure.append(0.0)
            self.area.append(0.0)
            self.raw.append(0.0)
            self.new.append(0.0)
            self.contrast.append(0.0)
        self.brightness.append(brightness)
        self.black.append(is_black(frame.luma))
        self.blank.append(float(frame.luma.std()) < BLANK_SPREAD)  # a grey field, a fade's middle: nothing to see
        # Compared with the first frame of the still stretch, not the previous one: a
        # re-encoded keyframe inside a freeze differs a little from its neighbours.
        anchor = self._still_anchor
        still = anchor is not None and _largest_local_change(frame.luma, anchor) < FROZEN_CHANGE
        self.frozen.append(still)
        if not still:
            self._still_anchor = frame.luma
        self.sharpness.append(float(cv2.meanStdDev(cv2.Laplacian(frame.luma, cv2.CV_32F))[1][0, 0] ** 2))
        self.window.append(frame)
        self._lumas.append(frame.luma)
        self._ring[self._ring_next] = frame.hist
        self._ring_next = (self._ring_next + 1) % WINDOW
        self.looking_back.append(back)
        self.comes_back.append(np.inf)
        if len(self.window) > BACK + AHEAD:
            self.comes_back[frame.index - AHEAD] = self._cut_gap(len(self.window) - 1 - AHEAD)
        self._find_dissolves(back)
        self._judge_dissolves(frame.index - LOCAL)

    def _unexplained(self, previous: np.ndarray, luma: np.ndarray, content: np.ndarray) -> float:
        """Mean change (0..1) over the picture's ``content`` left when ``previous`` is moved onto
        ``luma`` by their optical flow."""
        import cv2

        if self._flow is None:  # DIS at its fastest preset: 0.05 ms a pair at the analysis size
            self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
            height, width = luma.shape
            self._grid = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        before, now = (np.clip(x * 255, 0, 255).astype(np.uint8) for x in (previous, luma))
        flow = self._flow.calc(now, before, None)  # where each pixel of ``now`` was before
        moved = cv2.remap(before, self._grid[0] + flow[..., 0], self._grid[1] + flow[..., 1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        return _content_mean(cv2.absdiff(moved, now), content) / 255.0

    def finish(self) -> None:
        self._judge_dissolves(len(self.change))
        for position in range(max(BACK, len(self.window) - AHEAD), len(self.window)):
            self.comes_back[self.window[position].index] = self._cut_gap(position)

    def _cut_gap(self, k: int) -> float:
        """How close any frame just before window position ``k`` is to any from ``k`` on.

        A real cut keeps the two sides apart; a flash or a passing object does not."""
        gaps = [self.looking_back[j][j - k : j - k + min(BACK, k)]
                for j in range(k, min(len(self.window), k + AHEAD + 1))]
        return min((float(g.min()) for g in gaps if len(g)), default=np.inf)

    def _find_dissolves(self, back: np.ndarray) -> None:
        """Every candidate dissolve ending at the newest frame whose two ends look apart."""
        ends = self.window[-1].index
        for length in DISSOLVE_LENGTHS:
            begins = ends - length - 1
            if begins < 0:
                return
            if not (self.black[begins] or self.black[ends]) and back[length] >= self.limits.dissolve:
                self._pending.append((begins, ends))

    def _judge_dissolves(self, until: int) -> None:
        """Judge the pending candidates that end at frame ``until`` or before."""
        while self._pending and self._pending[0][1] <= until:
            before, after = self._pending.popleft()
            if (ranked := self._judge_dissolve(before, after)) is not None:
                self.dissolves.append(ranked)

    def _judge_dissolve(self, before: int, after: int) -> tuple | None:
        """A sustained plateau of change from frame ``before`` to frame ``after`` (the last of
        one shot and the first of the next), ranked for _dissolves, or None. The cheap signs
        go first: most candidates are motion, and fail them."""
        # Python's own lists and median: at a few dozen numbers, numpy's overhead is the cost.
        inside = self.change[before + 1 : after + 1]
        # One step carrying most of the change is a cut (or a flash), not a dissolve; a short
        # dissolve between very different colours still takes big steps, but many of them.
        if max(inside) > 0.5 * sum(inside):
            return None
        around = self.change[max(1, before - LOCAL) : before + 1] + self.change[after + 1 : after + 1 + LOCAL]
        if len(around) < LOCAL // 2:
            return None
        level = max(statistics.median(around), 0.01)
        strength = statistics.median(inside) / level
        # A whole blend's curve is the surer sign, and the longest window that follows it
        # is the whole dissolve (a long one's pieces make plateaus of their own).
        spread = self.contrast[before : after + 2]
        blend = len(spread) == after - before + 2 and _blend_dip(spread)
        if not (blend or (strength >= self.limits.plateau and min(inside) >= 1.2 * level)):
            return None
        # A zoom or a pan changes the colours step after step too, but motion explains part of
        # each step and part of the way from one end to the other; in a blend of two shots it
        # explains neither.
        steps = sum(self.new[before + 1 : after + 1]) / max(sum(self.raw[before + 1 : after + 1]), 1e-9)
        if 0.5 * (self._ends_unexplained(before, after) + steps) < MIN_UNEXPLAINED_DISSOLVE:
            return None
        length = after - before - 1
        return (blend, length if blend else 0, strength, before + 1, after - 1, level)

    def _ends_unexplained(self, before: int, after: int) -> float:
        """How much of the difference between a candidate dissolve's two ends motion cannot
        explain (0..1): near 1 for a dissolve, whose ends are different shots; low for a zoom
        or a pan, whose ends are the same content moved."""
        newest = len(self.change) - 1
        first, last = self._lumas[before - newest - 1], self._lumas[after - newest - 1]
        content = (first >= CONTENT_LEVEL) | (last >= CONTENT_LEVEL)
        return self._unexplained(first, last, content) / max(_content_mean(np.abs(last - first), content), 1e-6)


FROZEN_CHANGE = 0.02  # change (0..1) in every part of the picture under which nothing moves


def _largest_local_change(a: np.ndarray, b: np.ndarray, grid: int = 8) -> float:
    """The mean change of the most changed cell of a grid: a ticking clock or someone typing
    changes one small part, which a mean over the whole picture would not notice."""
    import cv2

    height, width = a.shape
    cells = cv2.absdiff(a, b)[: height // grid * grid, : width // grid * grid]
    return float(cv2.resize(cells, (grid, grid), interpolation=cv2.INTER_AREA).max())  # exact cell means


def _structure_change(difference: np.ndarray, brightening: float) -> float:
    """How much the picture changed apart from its overall brightness. A flat field fading
    from one shade to the next jumps between histogram bins; this stays near zero."""
    return float(np.abs(difference - brightening).mean())


def _local_level(change: np.ndarray) -> np.ndarray:
    """The median change over LOCAL frames either side of each frame, itself left out. The
    first frame has nothing to change from: its zero would stand, repeated, for the frames
    before the file, and make the first second's motion look like spikes. The ends are
    mirrored instead."""
    change = np.asarray(change, dtype=float)
    if len(change) > 1:
        change = np.concatenate([change[1:2], change[1:]])
    padded = np.pad(change, LOCAL, mode="reflect" if len(change) > 1 else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * LOCAL + 1)
    others = np.delete(windows, [LOCAL - 1, LOCAL, LOCAL + 1], axis=1)
    return np.median(others, axis=1)


def _cuts(analysis: _Analysis) -> list[ShotBoundary]:
    limits = analysis.limits
    change = np.asarray(analysis.change)
    level = _local_level(change)
    comes_back = np.asarray(analysis.comes_back)
    area = np.asarray(analysis.area)  # a fast pan changes much of the picture every frame
    new = np.asarray(analysis.new) / np.maximum(np.asarray(analysis.contrast), 0.02)
    unexplained = new >= MIN_NEW_CHANGE  # not a zoom, a pan or a jolt
    # A picture changed through and through needs less colour change: two shots in one
    # palette (night, film stock) differ in their shapes more than in their colours.
    colour_enough = (change >= limits.cut) | ((new >= STRONG_NEW_CHANGE) & (change >= 0.5 * limits.cut))
    found = np.flatnonzero(colour_enough & (change >= limits.contrast * np.maximum(level, 0.02))
                           & (comes_back >= np.maximum(0.05, limits.keeps_apart * change))
                           & (np.asarray(analysis.structure) >= MIN_STRUCTURE_CHANGE)
                           & (area >= limits.area) & unexplained)
    # A frame with no frames before it to compare (the second) cannot be told from the start.
    return [ShotBoundary("cut", int(k), int(k), int(k)) for k in found if k > 1]


def _fades(brightness: np.ndarray, dark: np.ndarray, fps: float) -> list[ShotBoundary]:
    """Runs of black frames between two shots, widened to the whole fade out and in (at most
    two seconds each way: dark footage drifts in brightness too)."""
    longest = int(round(2 * fps))
    fades, k, n = [], 0, len(brightness)
    while k < n:
        if not dark[k]:
            k += 1
            continue
        run_start = k
        while k < n and dark[k]:
            k += 1
        run_end = k - 1
        if run_start == 0 or run_end == n - 1:
            continue  # the video starts or ends in black: not between two shots
        start, end = run_start, run_end
        while start > 0 and brightness[start - 1] > brightness[start] + 0.002 and run_start - start < longest:
            start -= 1  # the light was still falling
        while end < n - 1 and brightness[end + 1] > brightness[end] + 0.002 and end - run_end < longest:
            end += 1  # the light was still rising
        fades.append(ShotBoundary("fade", (run_start + run_end + 1) // 2, start, end))
    return fades


def _dissolves(analysis: _Analysis, taken: list[ShotBoundary]) -> list[ShotBoundary]:
    """Sustained plateaus of change between two different-looking ends, best first, apart
    from each other and from the cuts and fades."""
    change = np.asarray(analysis.change)
    chosen: list[ShotBoundary] = []
    for *_rank, start, end, level in sorted(analysis.dissolves, reverse=True):
        start, end = _widen(change, start, end, 1.5 * level)
        if not any(start <= t.end + 2 and t.start - 2 <= end for t in [*taken, *chosen]):
            chosen.append(ShotBoundary("dissolve", (start + end + 1) // 2, start, end))
    return chosen


# A blend of two unrelated pictures has less contrast than either: at weight w its spread is
# sqrt((1-w)^2 a^2 + w^2 b^2), 0.71 of theirs half way (the variance dip of dissolves, Alattar).
# Motion inside a shot moves the picture about but keeps its spread, so between moving shots,
# where the steps of a dissolve are no faster than the motion around them, the dip still shows.
BLEND_DIP = 0.85  # the lowest spread inside, as a share of the lower end's
BLEND_FIT = 0.08  # mean distance from the blend's curve, as a share of the curve


def _blend_dip(spread: list[float]) -> bool:
    """Whether the picture's spread of brightness (``_Analysis.contrast``) from the last step
    of one shot to the first of the next follows the curve of a blend of the two."""
    if len(spread) < 9:  # short dissolves show as plateaus
        return False
    a, b = spread[0], spread[-1]
    inside = np.asarray(spread[1:-1])
    weights = np.arange(1, len(inside) + 1) / (len(inside) + 1)
    curve = np.sqrt((1 - weights) ** 2 * a * a + weights**2 * b * b)
    fit = float(np.mean(np.abs(inside - curve))) / max(float(np.mean(curve)), 1e-6)
    return min(a, b) > 0.02 and float(inside.min()) <= BLEND_DIP * min(a, b) and fit <= BLEND_FIT


def _widen(change: np.ndarray, start: int, end: int, raised: float) -> tuple[int, int]:
    """Grow a dissolve to cover every neighbouring step that is still changing faster than
    the shots around it: the best-scoring candidate is often its core, not all of it."""
    limit = max(DISSOLVE_LENGTHS)
    while start > 1 and change[start] >= raised and end - start < limit:
        start -= 1
    while end + 2 < len(change) and change[end + 2] >= raised and end - start < limit:
        end += 1
    return start, end


def detect_scenes(
    source: MediaInfo | str,
    sensitivity: float = 0.5,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> SceneReport:
    """Find the shot boundaries of a video. Raises MediaError for anything that is not one."""
    info = media_info(source)
    if info.kind != VIDEO:
        raise MediaError(f"'{info.name}' is not a video, so it has no shots to find.")
    analysis = _Analysis(Thresholds.for_sensitivity(sensitivity))
    for frame in _small_frames(info, cancel):
        analysis.add(frame)
        if frame.index % 50 == 0:
            report(progress, frame.index / max(1, info.frame_count), "Finding shots")
    if not analysis.change:
        raise MediaError(f"'{info.name}' could not be decoded: no frames.")
    analysis.finish()
    fades = _fades(np.asarray(analysis.brightness), np.asarray(analysis.black), info.fps)
    cuts = [c for c in _cuts(analysis) if not any(f.start - 1 <= c.frame <= f.end + 1 for f in fades)]
    boundaries = sorted([*cuts, *fades, *_dissolves(analysis, [*cuts, *fades])], key=lambda t: t.start)
    times = info.frame_times
    for t in boundaries:
        t.time = round(float(times[min(t.frame, len(times) - 1)]), 4)
    result = SceneReport(info.fps, len(analysis.change), boundaries,
                         change=np.asarray(analysis.change), sharpness=np.asarray(analysis.sharpness),
                         black=np.asarray(analysis.black, bool), frozen=np.asarray(analysis.frozen, bool),
                         blank=np.asarray(analysis.blank, bool))
    result.keyframes = _keyframes(result.shots, np.asarray(analysis.sharpness), np.asarray(analysis.brightness))
    report(progress, 1.0, "Shots found")
    return result


# A keyframe darker than this (mean grey level, 0..1) is part of a fade, not the shot's
# picture; one brighter than KEYFRAME_MAX_BRIGHTNESS is a flash or a white-out.
KEYFRAME_MIN_BRIGHTNESS = 0.08
KEYFRAME_MAX_BRIGHTNESS = 0.84


def _keyframes(shots: list[tuple[int, int]], sharpness: np.ndarray, brightness: np.ndarray) -> list[int]:
    """The sharpest frame of the middle 80% of each shot, away from its transitions, among the
    well-exposed frames (a fade from black or a flash must not become the shot's thumbnail;
    a shot that is all dark or all bright keeps its own)."""
    keyframes = []
    for first, end in shots:
        margin = (end - first) // 10
        lo, hi = first + margin, max(first + margin + 1, end - margin)
        shot, middle = brightness[first:end], brightness[lo:hi]
        exposed = ((middle >= min(KEYFRAME_MIN_BRIGHTNESS, shot.max()))
                   & (middle <= max(KEYFRAME_MAX_BRIGHTNESS, shot.min())))
        keyframes.append(int(lo + np.argmax(np.where(exposed, sharpness[lo:hi], -1.0))))
    return keyframes

"""The timeline model and its edit operations.

Positions and lengths on the timeline are whole frames at the project's frame rate; source
in-points are seconds into the media. A clip always spans a whole number of frames, so
splitting and trimming never drift.

Every edit is a function ``op(project, ...) -> Edit``. It works on copies of the tracks it
touches, validates them, and only then installs them: a rejected edit raises EditError and
leaves the project exactly as it was. The returned Edit holds before/after snapshots of those
tracks, so undo and redo restore exact states (the desktop wraps each Edit in a QUndoCommand).
"""

from __future__ import annotations

import copy
import itertools
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from core.errors import EditError

VIDEO_TRACK, OVERLAY_TRACK, AUDIO_TRACK = "video", "overlay", "audio"
TRACK_KINDS = (VIDEO_TRACK, OVERLAY_TRACK, AUDIO_TRACK)

TRANSITION_KINDS = ("crossfade", "fade_black", "wipe")
# "blur": the whole picture fitted, over a blurred copy of itself that fills the canvas (how a
# small or landscape clip goes on a vertical canvas without bars or a blown-up crop).
FIT_MODES = ("fit", "fill", "stretch", "blur")

# The canvases offered for new projects and exports: name -> (width, height, label).
CANVASES: dict[str, tuple[int, int, str]] = {
    "1080p": (1920, 1080, "1920x1080 16:9 (YouTube)"),
    "vertical": (1080, 1920, "1080x1920 9:16 (TikTok, Reels, Shorts)"),
    "square": (1080, 1080, "1080x1080 1:1"),
    "720p": (1280, 720, "1280x720 16:9"),
}

# What the platforms take (4K is the most any of them plays; 120 fps the fastest), so that a
# project the loader accepts can always be rendered in bounded time and memory.
MIN_SIDE, MAX_SIDE, MAX_PIXELS = 16, 4096, 4096 * 2160
MIN_FPS, MAX_FPS = 1, 120

# Half a frame of slack when checking a clip's source range against its media's length.
_SLACK_FRAMES = 0.5


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class MediaRef:
    """A media file used by the project. ``offline`` is set when the file cannot be found."""

    id: str
    path: str
    kind: str  # "video" | "audio" | "image"
    duration: float | None  # None for stills: they can be any length
    has_video: bool = True
    has_audio: bool = False
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    offline: bool = False

    @classmethod
    def from_info(cls, info, media_id: str | None = None) -> MediaRef:
        """Build from a :class:`core.media.MediaInfo`."""
        return cls(
            id=media_id or new_id(), path=info.path, kind=info.kind, duration=info.duration,
            has_video=info.has_video, has_audio=info.has_audio, width=info.width,
            height=info.height, fps=info.fps,
        )


@dataclass
class Clip:
    id: str
    media_id: str
    position: int  # first timeline frame
    length: int  # timeline frames
    source_in: float = 0.0  # seconds into the media
    speed: float = 1.0
    volume: float = 1.0
    opacity: float = 1.0
    fit: str = "fit"
    # Framing on the canvas, after fit: a zoom factor, the centre's offset as a fraction of
    # the canvas size, and a crop of the source (fractions cut from left, top, right, bottom).
    scale: float = 1.0
    pan_x: float = 0.0
    pan_y: float = 0.0
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    # Auto-reframe: (source seconds, x) keys; x (0..1) is the point of the source picture kept
    # in the middle of the canvas, between keys linearly. Empty: the static framing above.
    reframe: list[tuple[float, float]] = field(default_factory=list)
    audio_fade_in: float = 0.0  # seconds
    audio_fade_out: float = 0.0
    effects: list[dict] = field(default_factory=list)
    freeze: bool = False  # a held frame: shows source_in throughout, silent
    balance: float = 0.0  # sound: -1 left .. 1 right
    # (seconds into the clip, gain): when present, the level over time instead of ``volume``.
    volume_keys: list[tuple[float, float]] = field(default_factory=list)
    # Seconds into the media where Smart cut found a change of shot: kept with the clip, so
    # they move, split, go and come back with it through every edit and undo.
    markers: list[float] = field(default_factory=list)

    @property
    def end(self) -> int:
        """One past the last timeline frame."""
        return self.position + self.length

    def marker_frames(self, fps: float) -> list[int]:
        """The timeline frames inside the clip that show one of its markers."""
        if self.freeze:
            return []
        return [f for f in (self.frame_of(t, fps) for t in self.markers) if self.position < f < self.end]

    def source_out(self, fps: float) -> float:
        return self.source_in + self.length * self.speed / fps

    def frame_of(self, seconds: float, fps: float) -> int:
        """The timeline frame showing ``seconds`` of the media (the inverse of source_time)."""
        return self.position + int(round((seconds - self.source_in) * fps / self.speed))

    def source_time(self, frame: int, fps: float) -> float:
        """The media time shown at timeline ``frame``."""
        if self.freeze:
            return self.source_in
        return self.source_in + (frame - self.position) * self.speed / fps


@dataclass
class Transition:
    """A transition centred on the cut between two touching clips of one track."""

    id: str
    from_clip: str
    to_clip: str
    kind: str = "crossfade"
    length: int = 12  # frames


@dataclass
class Track:
    id: str
    kind: str
    name: str = ""
    clips: list[Clip] = field(default_factory=list)  # kept sorted by position
    transitions: list[Transition] = field(default_factory=list)
    muted: bool = False
    hidden: bool = False
    # Applied to the whole picture so far (this track and those below) after this track is
    # drawn, in timeline seconds: an adjustment layer for everything underneath.
    effects: list[dict] = field(default_factory=list)
    solo: bool = False  # when any track is soloed, only soloed tracks are heard
    duck: float = 0.0  # dB this track's sound drops under the others' (0: no ducking)

    def clip(self, clip_id: str) -> Clip | None:
        return next((c for c in self.clips if c.id == clip_id), None)

    @property
    def end(self) -> int:
        return max((c.end for c in self.clips), default=0)


UNTITLED = "Untitled"  # a project's name until the creator gives it one


@dataclass
class Project:
    name: str = UNTITLED
    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    sample_rate: int = 48000
    tracks: list[Track] = field(default_factory=list)
    media: dict[str, MediaRef] = field(default_factory=dict)

    @property
    def untitled(self) -> bool:
        return self.name in ("", UNTITLED)

    @property
    def file_name(self) -> str:
        """What files made from the project (an export, a timeline) are called: its name, or for
        an untitled one the file of its first clip, so edits of different footage are not all
        exported as 'Untitled'."""
        if not self.untitled:
            return self.name
        videos = [(index, clip) for index, track in enumerate(self.tracks) if track.kind == VIDEO_TRACK
                  for clip in track.clips]
        clips = videos or [(0, clip) for _, clip in all_clips(self)]
        if not clips:
            return UNTITLED
        # The first picture the viewer sees: of clips side by side, the one on top, so footage
        # over a generated backdrop names the edit, not the backdrop.
        _, first = min(clips, key=lambda placed: (placed[1].position, -placed[0]))
        return f"{PurePath(self.media[first.media_id].path).stem} edit"

    @classmethod
    def new(cls, preset: str = "1080p", fps: float = 30.0, name: str = UNTITLED) -> Project:
        if preset not in CANVASES:
            raise EditError(f"Unknown canvas '{preset}'; choose one of {', '.join(CANVASES)}.")
        width, height, _ = CANVASES[preset]
        project = cls(name=name, width=width, height=height, fps=fps)
        project.tracks = [
            Track(new_id(), VIDEO_TRACK, "Video 1"),
            Track(new_id(), OVERLAY_TRACK, "Overlay 1"),
            Track(new_id(), AUDIO_TRACK, "Audio 1"),
        ]
        return project

    def track(self, track_id: str) -> Track:
        for track in self.tracks:
            if track.id == track_id:
                return track
        raise EditError(f"There is no track '{track_id}'.")

    def find_clip(self, clip_id: str) -> tuple[Track, Clip]:
        for track in self.tracks:
            if clip := track.clip(clip_id):
                return track, clip
        raise EditError(f"There is no clip '{clip_id}'.")

    def tracks_of_kind(self, kind: str) -> list[Track]:
        return [t for t in self.tracks if t.kind == kind]

    @property
    def markers(self) -> list[int]:
        """Timeline frames where a picture shows a change of shot (Clip.markers)."""
        return sorted({f for t in self.tracks if t.kind != AUDIO_TRACK for c in t.clips for f in c.marker_frames(self.fps)})

    def attach_markers(self, frames: list[int]) -> None:
        """Markers given as timeline frames (a timeline from another editor, a project saved
        before they lived on clips) joined to the lowest picture clip showing each."""
        pictures = [c for t in self.tracks if t.kind != AUDIO_TRACK for c in t.clips if not c.freeze]
        for frame in frames:
            holder = next((c for c in pictures if c.position < frame < c.end), None)
            if holder is not None and frame not in holder.marker_frames(self.fps):
                holder.markers = sorted({*holder.markers, holder.source_time(frame, self.fps)})

    @property
    def duration_frames(self) -> int:
        return max((t.end for t in self.tracks), default=0)

    def frames_for(self, seconds: float, speed: float = 1.0) -> int:
        """Whole timeline frames that ``seconds`` of media fill at ``speed`` (rounded down)."""
        return int(math.floor(seconds * self.fps / speed + 1e-6))


# ---------------------------------------------------------------------------------------------
# Validation


def validate_track(project: Project, track: Track) -> None:
    """Raise EditError naming the first broken rule on ``track``."""
    if track.kind not in TRACK_KINDS:
        raise EditError(f"Track '{track.name or track.id}' has unknown kind '{track.kind}'.")
    previous: Clip | None = None
    for clip in track.clips:
        _validate_clip(project, track, clip)
        if previous is not None and clip.position < previous.end:
            raise EditError(
                f"Clips overlap on {_track_label(track)} at frame {clip.position}: "
                "move or trim one of them first."
            )
        previous = clip
    for transition in track.transitions:
        _validate_transition(track, transition)


def _track_label(track: Track) -> str:
    return f"track '{track.name}'" if track.name else "a track"


def _validate_clip(project: Project, track: Track, clip: Clip) -> None:
    media = project.media.get(clip.media_id)
    if media is None:
        raise EditError(f"Clip '{clip.id}' refers to media that is not in the project.")
    if track.kind == AUDIO_TRACK and not media.has_audio:
        raise EditError(f"'{_basename(media.path)}' has no sound, so it cannot go on an audio track.")
    if track.kind != AUDIO_TRACK and not media.has_video:
        raise EditError(f"'{_basename(media.path)}' has no picture; put it on an audio track.")
    if clip.position < 0:
        raise EditError("A clip cannot start before the beginning of the timeline.")
    if clip.length < 1:
        raise EditError("A clip must be at least one frame long.")
    if not (0.01 <= clip.speed <= 100) or not math.isfinite(clip.speed):
        raise EditError(f"Speed {clip.speed} is out of range (0.01x to 100x).")
    if not (0 <= clip.volume <= 4) or not (0 <= clip.opacity <= 1):
        raise EditError("Volume must be between 0 and 4 and opacity between 0 and 1.")
    if clip.fit not in FIT_MODES:
        raise EditError(f"Unknown fit mode '{clip.fit}'.")
    if not (0.05 <= clip.scale <= 20) or not (-2 <= clip.pan_x <= 2) or not (-2 <= clip.pan_y <= 2):
        raise EditError("Scale must be between 5% and 2000%, and the position within the canvas area.")
    left, top, right, bottom = clip.crop
    if min(clip.crop) < 0 or left + right > 0.95 or top + bottom > 0.95:
        raise EditError("The crop must leave at least 5% of the picture in each direction.")
    if any(not (0 <= x <= 1) or t < 0 for t, x in clip.reframe):
        raise EditError("Reframe keys must be at or after the start of the media, within the picture.")
    seconds = clip.length / project.fps
    if not (0 <= clip.audio_fade_in <= seconds and 0 <= clip.audio_fade_out <= seconds):
        raise EditError("Audio fades must fit inside the clip.")
    if clip.source_in < -1e-9:
        raise EditError("A clip cannot start before the beginning of its media.")
    if media.duration is not None and media.kind != "image":
        slack = _SLACK_FRAMES * clip.speed / project.fps
        if clip.source_out(project.fps) > media.duration + slack:
            raise EditError(
                f"The clip runs past the end of '{_basename(media.path)}' "
                f"({media.duration:.2f} s long)."
            )


def _validate_transition(track: Track, transition: Transition) -> None:
    first, second = track.clip(transition.from_clip), track.clip(transition.to_clip)
    if first is None or second is None or first.end != second.position:
        raise EditError("A transition needs two clips that touch on the same track.")
    if transition.kind not in TRANSITION_KINDS:
        raise EditError(f"Unknown transition '{transition.kind}'.")
    if not 1 <= transition.length <= min(first.length, second.length):
        raise EditError("A transition cannot be longer than either of its clips.")


def validate_project(project: Project) -> None:
    width, height = project.width, project.height
    if not (MIN_SIDE <= min(width, height) and max(width, height) <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise EditError(f"Canvas {width}x{height} is out of range: each side {MIN_SIDE} to {MAX_SIDE} pixels, "
                        "and at most 4096x2160 in all (4K).")
    if not (MIN_FPS <= project.fps <= MAX_FPS):
        raise EditError(f"Frame rate {project.fps} is out of range ({MIN_FPS} to {MAX_FPS}).")
    if not (8000 <= project.sample_rate <= 192000):
        raise EditError(f"Sample rate {project.sample_rate} is out of range.")
    ids = [c.id for _, c in all_clips(project)] + [t.id for t in project.tracks]
    if len(ids) != len(set(ids)):
        raise EditError("Two clips or tracks share an id.")
    for track in project.tracks:
        validate_track(project, track)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------
# Edits and undo


@dataclass
class _State:
    """Copies of the parts of a project an edit touched."""

    track_order: list[str]
    tracks: dict[str, Track]
    media: dict[str, MediaRef] | None
    canvas: tuple[int, int] | None = None  # (width, height), kept by edits that change it
    name: str | None = None  # the project's name, kept by edits that rename it


@dataclass(frozen=True)
class Change:
    """What an edit changed, for views that redraw only that: the tracks whose clips,
    transitions or settings differ, whether tracks were added, removed or reordered, and
    whether the media list changed."""

    track_ids: frozenset[str] = frozenset()
    track_order: bool = False
    media: bool = False
    canvas: bool = False  # the picture's size: everything drawn must be drawn again

    def __or__(self, other: Change) -> Change:
        return Change(self.track_ids | other.track_ids, self.track_order or other.track_order,
                      self.media or other.media, self.canvas or other.canvas)


@dataclass
class Edit:
    label: str
    before: _State
    after: _State

    def undo(self, project: Project) -> None:
        _install(project, self.before)

    def redo(self, project: Project) -> None:
        _install(project, self.after)

    @property
    def change(self) -> Change:
        return Change(frozenset(self.before.tracks) | frozenset(self.after.tracks),
                      self.before.track_order != self.after.track_order,
                      self.after.media is not None, self.after.canvas is not None)


def _install(project: Project, state: _State) -> None:
    # Tracks keep their identity across edits, so views holding a Track stay current.
    current = {t.id: t for t in project.tracks}
    for tid, snapshot in state.tracks.items():
        restored = copy.deepcopy(snapshot)
        if tid in current:
            vars(current[tid]).update(vars(restored))
        else:
            current[tid] = restored
    project.tracks = [current[tid] for tid in state.track_order]
    if state.media is not None:
        project.media = copy.deepcopy(state.media)
    if state.canvas is not None:
        project.width, project.height = state.canvas
    if state.name is not None:
        project.name = state.name


def _snapshot(project: Project, track_ids: Iterable[str], with_media: bool) -> _State:
    by_id = {t.id: t for t in project.tracks}
    return _State(
        track_order=[t.id for t in project.tracks],
        tracks={tid: copy.deepcopy(by_id[tid]) for tid in track_ids if tid in by_id},
        media=copy.deepcopy(project.media) if with_media else None,
    )


def _apply(
    project: Project,
    label: str,
    track_ids: Iterable[str],
    change: Callable[[Project], None],
    with_media: bool = False,
) -> Edit:
    """Run ``change`` on a scratch copy of the touched parts, validate, then commit."""
    track_ids = list(dict.fromkeys(track_ids))
    before = _snapshot(project, track_ids, with_media)
    scratch = Project(
        project.name, project.width, project.height, project.fps, project.sample_rate,
        tracks=[copy.deepcopy(t) if t.id in track_ids else t for t in project.tracks],
        media=copy.deepcopy(project.media) if with_media else project.media,
    )
    change(scratch)
    touched = set(track_ids) | {t.id for t in scratch.tracks} - {t.id for t in project.tracks}
    for track in scratch.tracks:
        if track.id in touched:  # untouched tracks are the project's own objects: hands off
            track.clips.sort(key=lambda c: c.position)
            _drop_broken_transitions(track)
            validate_track(scratch, track)
    after = _snapshot(scratch, touched, with_media)
    edit = Edit(label, before, after)
    edit.redo(project)
    return edit


def combine(project: Project, label: str, steps: Callable[[Project], None]) -> Edit:
    """Several edits as one: ``steps`` makes ordinary edits to a scratch copy of the project.
    If any step is refused (EditError), the project is left exactly as it was; otherwise one
    Edit takes it from before to after, so one undo reverts the lot."""
    scratch = copy.deepcopy(project)
    steps(scratch)
    old = {t.id: t for t in project.tracks}
    touched = [t.id for t in scratch.tracks if old.get(t.id) != t]
    touched += [tid for tid in old if tid not in {t.id for t in scratch.tracks}]
    with_media = scratch.media != project.media
    before, after = _snapshot(project, touched, with_media), _snapshot(scratch, touched, with_media)
    if (scratch.width, scratch.height) != (project.width, project.height):
        before.canvas, after.canvas = (project.width, project.height), (scratch.width, scratch.height)
    if scratch.name != project.name:
        before.name, after.name = project.name, scratch.name
    edit = Edit(label, before, after)
    edit.redo(project)
    return edit


def set_canvas(project: Project, name: str) -> Edit:
    """Change the picture's shape to one of CANVASES (clips keep their framing settings, so a
    16:9 edit becomes a 9:16 one that Auto-reframe can then fill)."""
    if name not in CANVASES:
        raise EditError(f"Unknown canvas '{name}'; choose one of {', '.join(CANVASES)}.")
    width, height, label = CANVASES[name]
    if (width, height) == (project.width, project.height):
        raise EditError(f"The canvas is already {label}.")
    before, after = _snapshot(project, [], False), _snapshot(project, [], False)
    before.canvas, after.canvas = (project.width, project.height), (width, height)
    edit = Edit(f"Canvas {width}x{height}", before, after)
    edit.redo(project)
    return edit


def _drop_broken_transitions(track: Track) -> None:
    """An edit that separates two clips removes the transition between them."""

    def still_fits(tr: Transition) -> bool:
        a, b = track.clip(tr.from_clip), track.clip(tr.to_clip)
        return a is not None and b is not None and a.end == b.position

    track.transitions = [tr for tr in track.transitions if still_fits(tr)]
    for tr in track.transitions:
        a, b = track.clip(tr.from_clip), track.clip(tr.to_clip)
        tr.length = min(tr.length, a.length, b.length)


# --- media ------------------------------------------------------------------------------------


def add_media(project: Project, media: MediaRef) -> Edit:
    def change(p: Project) -> None:
        p.media[media.id] = copy.deepcopy(media)

    return _apply(project, f"Import {_basename(media.path)}", [], change, with_media=True)


def remove_media(project: Project, media_id: str) -> Edit:
    if any(c.media_id == media_id for _, c in all_clips(project)):
        raise EditError("This media is used on the timeline; delete its clips first.")

    def change(p: Project) -> None:
        p.media.pop(media_id, None)

    return _apply(project, "Remove media", [], change, with_media=True)


# --- tracks -----------------------------------------------------------------------------------


def add_track(project: Project, kind: str, name: str = "", index: int | None = None) -> Edit:
    if kind not in TRACK_KINDS:
        raise EditError(f"Unknown track kind '{kind}'.")
    track = Track(new_id(), kind, name or f"{kind.title()} {len(project.tracks_of_kind(kind)) + 1}")

    def change(p: Project) -> None:
        p.tracks.insert(len(p.tracks) if index is None else index, track)

    return _apply(project, "Add track", [], change)


def remove_track(project: Project, track_id: str) -> Edit:
    project.track(track_id)

    def change(p: Project) -> None:
        p.tracks = [t for t in p.tracks if t.id != track_id]

    return _apply(project, "Remove track", [track_id], change)


# --- clips ------------------------------------------------------------------------------------


def make_clip(
    project: Project, media_id: str, position: int, source_in: float = 0.0,
    source_out: float | None = None, speed: float = 1.0,
) -> Clip:
    """A clip of ``media_id`` from ``source_in`` to ``source_out`` (default: the media's end)."""
    media = project.media.get(media_id)
    if media is None:
        raise EditError("That media is not in the project; import it first.")
    if source_out is None:
        source_out = media.duration if media.duration else source_in + 5.0
    length = project.frames_for(source_out - source_in, speed)
    if length < 1:
        raise EditError("The selected range is shorter than one frame.")
    return Clip(new_id(), media_id, position, length, source_in, speed)


def add_clip(project: Project, track_id: str, clip: Clip) -> Edit:
    project.track(track_id)

    def change(p: Project) -> None:
        p.track(track_id).clips.append(copy.deepcopy(clip))

    return _apply(project, "Add clip", [track_id], change)


def move_clip(project: Project, clip_id: str, position: int, track_id: str | None = None) -> Edit:
    return move_clips(project, {clip_id: (position, track_id)})


def move_clips(project: Project, moves: dict[str, tuple[int, str | None]]) -> Edit:
    """Move several clips at once (one undo step): clip id -> (new position, new track or None)."""
    touched = []
    for clip_id, (_, track_id) in moves.items():
        source, _ = project.find_clip(clip_id)
        touched += [source.id, track_id or source.id]
        project.track(track_id or source.id)

    def change(p: Project) -> None:
        for clip_id, (position, track_id) in moves.items():
            from_track, clip = p.find_clip(clip_id)
            from_track.clips.remove(clip)
            clip.position = position
            p.track(track_id or from_track.id).clips.append(clip)

    return _apply(project, "Move clip" if len(moves) == 1 else "Move clips", touched, change)


def trim_start(project: Project, clip_id: str, new_position: int) -> Edit:
    """Move the clip's left edge to ``new_position``, keeping its right edge in place."""
    track, _ = project.find_clip(clip_id)

    def change(p: Project) -> None:
        _, clip = p.find_clip(clip_id)
        delta = new_position - clip.position
        if delta >= clip.length:
            raise EditError("Trimming would leave nothing of the clip.")
        clip.source_in += delta * clip.speed / p.fps
        clip.position, clip.length = new_position, clip.length - delta

    return _apply(project, "Trim clip start", [track.id], change)


def trim_end(project: Project, clip_id: str, new_end: int) -> Edit:
    """Move the clip's right edge to ``new_end`` (one past its last frame)."""
    track, _ = project.find_clip(clip_id)

    def change(p: Project) -> None:
        _, clip = p.find_clip(clip_id)
        if new_end <= clip.position:
            raise EditError("Trimming would leave nothing of the clip.")
        clip.length = new_end - clip.position

    return _apply(project, "Trim clip end", [track.id], change)


def split_clip(project: Project, clip_id: str, frame: int) -> Edit:
    """Cut a clip in two at timeline ``frame``; the right part gets a new id."""
    track, clip = project.find_clip(clip_id)
    if not clip.position < frame < clip.end:
        raise EditError("Put the playhead inside the clip to split it.")
    right_id = new_id()

    def change(p: Project) -> None:
        t, left = p.find_clip(clip_id)
        right = copy.deepcopy(left)
        right.id = right_id
        right.source_in = left.source_time(frame, p.fps)
        right.position, right.length = frame, left.end - frame
        left.length = frame - left.position
        t.clips.append(right)
        for tr in t.transitions:  # a transition out of the old clip now leaves its right part
            if tr.from_clip == clip_id:
                tr.from_clip = right_id

    return _apply(project, "Split clip", [track.id], change)


def delete_clips(project: Project, clip_ids: Iterable[str], ripple: bool = False) -> Edit:
    """Remove clips; with ``ripple`` the later clips on each track close the gaps."""
    clip_ids = set(clip_ids)
    track_ids = [project.find_clip(cid)[0].id for cid in clip_ids]

    def change(p: Project) -> None:
        for track in (p.track(tid) for tid in set(track_ids)):
            removed = sorted((c for c in track.clips if c.id in clip_ids), key=lambda c: c.position)
            track.clips = [c for c in track.clips if c.id not in clip_ids]
            if ripple:
                _close_gaps(track, removed)

    return _apply(project, "Ripple delete" if ripple else "Delete", track_ids, change)


def _close_gaps(track: Track, removed: list[Clip]) -> None:
    for clip in track.clips:
        clip.position -= sum(r.length for r in removed if r.position < clip.position)


def ripple_delete(project: Project, clip_ids: Iterable[str]) -> Edit:
    return delete_clips(project, clip_ids, ripple=True)


_CLIP_PROPERTIES = {
    "speed", "volume", "opacity", "fit", "effects", "source_in", "length",
    "scale", "pan_x", "pan_y", "crop", "audio_fade_in", "audio_fade_out", "reframe", "balance", "volume_keys",
}


def set_clip_properties(project: Project, clip_id: str, **changes) -> Edit:
    """Change clip properties. A speed change keeps the source range, so the length follows."""
    unknown = set(changes) - _CLIP_PROPERTIES
    if unknown:
        raise EditError(f"Clips have no property {', '.join(sorted(unknown))}.")
    if "effects" in changes:
        from core.effects import validate_effect

        for effect in changes["effects"]:
            validate_effect(effect)
    track, _ = project.find_clip(clip_id)

    def change(p: Project) -> None:
        _, clip = p.find_clip(clip_id)
        if "speed" in changes and "length" not in changes:
            span = clip.length * clip.speed
            clip.length = max(1, int(math.floor(span / changes["speed"] + 1e-6)))
        for name, value in changes.items():
            if name == "reframe":
                value = sorted((float(t), float(x)) for t, x in value)
            setattr(clip, name, tuple(value) if name == "crop" else copy.deepcopy(value))

    return _apply(project, "Change clip", [track.id], change)


def mark_shots(project: Project, found: dict[str, list[float]]) -> Edit:
    """Set the changes of shot (seconds into the media) found in each clip: one undo step."""
    track_ids = [project.find_clip(clip_id)[0].id for clip_id in found]

    def change(p: Project) -> None:
        for clip_id, seconds in found.items():
            p.find_clip(clip_id)[1].markers = sorted({float(t) for t in seconds})

    return _apply(project, "Mark changes of shot", track_ids, change)


# --- transitions ------------------------------------------------------------------------------


def add_transition(
    project: Project, from_clip: str, to_clip: str, kind: str = "crossfade", length: int = 12
) -> Edit:
    track, _ = project.find_clip(from_clip)
    transition = Transition(new_id(), from_clip, to_clip, kind, length)

    def change(p: Project) -> None:
        t = p.track(track.id)
        t.transitions = [tr for tr in t.transitions if tr.from_clip != from_clip]
        t.transitions.append(transition)
        _validate_transition(t, transition)  # before the quiet clean-up could drop it

    return _apply(project, "Add transition", [track.id], change)


# ---------------------------------------------------------------------------------------------
# History for the CLI and tests (the desktop app uses a QUndoStack of the same Edits)


class History:
    def __init__(self, project: Project):
        self.project = project
        self._done: list[Edit] = []
        self._undone: list[Edit] = []

    def do(self, op: Callable[..., Edit], *args, **kwargs) -> Edit:
        edit = op(self.project, *args, **kwargs)
        self._done.append(edit)
        self._undone.clear()
        return edit

    def undo(self) -> bool:
        if not self._done:
            return False
        edit = self._done.pop()
        edit.undo(self.project)
        self._undone.append(edit)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        edit = self._undone.pop()
        edit.redo(self.project)
        self._done.append(edit)
        return True


def append_media_clips(project: Project, track_id: str, media_ids: Iterable[str]) -> list[Edit]:
    """Place whole media end to end after the last clip of a track (a quick timeline)."""
    edits = []
    for media_id in media_ids:
        clip = make_clip(project, media_id, project.track(track_id).end)
        edits.append(add_clip(project, track_id, clip))
    return edits


def all_clips(project: Project) -> Iterable[tuple[Track, Clip]]:
    return itertools.chain.from_iterable(((t, c) for c in t.clips) for t in project.tracks)


# --- effects ----------------------------------------------------------------------------------


def add_effect(project: Project, clip_id: str, effect: dict, index: int | None = None) -> Edit:
    """Put an effect on a clip's stack (at the end, or at ``index``)."""
    _, clip = project.find_clip(clip_id)
    stack = copy.deepcopy(clip.effects)
    stack.insert(len(stack) if index is None else index, effect)
    edit = set_clip_properties(project, clip_id, effects=stack)
    edit.label = f"Add {effect.get('type', 'effect')}"
    return edit


def remove_effect(project: Project, clip_id: str, index: int) -> Edit:
    _, clip = project.find_clip(clip_id)
    if not 0 <= index < len(clip.effects):
        raise EditError("That clip has no such effect.")
    stack = [e for i, e in enumerate(clip.effects) if i != index]
    return set_clip_properties(project, clip_id, effects=stack)


def set_effect_params(project: Project, clip_id: str, index: int, **params) -> Edit:
    """Change some of one effect's settings (a value, or {"keys": [...]} to animate it)."""
    _, clip = project.find_clip(clip_id)
    if not 0 <= index < len(clip.effects):
        raise EditError("That clip has no such effect.")
    stack = copy.deepcopy(clip.effects)
    stack[index]["params"] = {**stack[index].get("params", {}), **params}
    return set_clip_properties(project, clip_id, effects=stack)


def freeze_frame(project: Project, clip_id: str, frame: int, seconds: float = 2.0) -> Edit:
    """Hold the picture at timeline ``frame`` for ``seconds``: the clip is split there, a frozen
    copy of that frame is put in, and the rest of the track moves right to make room."""
    track, clip = project.find_clip(clip_id)
    if not clip.position <= frame < clip.end:
        raise EditError("Put the playhead on the clip to freeze a frame of it.")
    if project.media[clip.media_id].kind != "video":
        raise EditError("Only a video has frames to freeze.")
    hold = max(1, int(round(seconds * project.fps)))
    held, right_id = new_id(), new_id()

    def change(p: Project) -> None:
        t, left = p.find_clip(clip_id)
        still = copy.deepcopy(left)
        still.id, still.freeze, still.speed = held, True, 1.0
        still.source_in, still.position, still.length = left.source_time(frame, p.fps), frame, hold
        still.reframe = []
        for later in t.clips:
            if later.position >= frame and later.id != clip_id:
                later.position += hold
        if frame > left.position:
            right = copy.deepcopy(left)
            right.id = right_id
            right.source_in = left.source_time(frame, p.fps)
            right.position, right.length = frame + hold, left.end - frame
            left.length = frame - left.position
            t.clips.append(right)
            for tr in t.transitions:
                if tr.from_clip == clip_id:
                    tr.from_clip = right_id
        else:  # frozen at the clip's first frame: the hold goes before it
            left.position += hold
        t.clips.append(still)

    return _apply(project, "Freeze frame", [track.id], change)


def set_track_effects(project: Project, track_id: str, effects: list[dict]) -> Edit:
    """Replace a picture track's effect stack (what it applies to everything below it)."""
    from core.effects import validate_effect

    track = project.track(track_id)
    if track.kind == AUDIO_TRACK:
        raise EditError("Sound tracks have no picture to put effects on.")
    for effect in effects:
        validate_effect(effect)

    def change(p: Project) -> None:
        p.track(track_id).effects = copy.deepcopy(effects)

    return _apply(project, "Track effects", [track_id], change)


_TRACK_SOUND = {"muted", "solo", "duck"}


def set_track_sound(project: Project, track_id: str, **changes) -> Edit:
    """Mute, solo or duck a track (duck: dB under the other tracks' sound, 0 for none)."""
    unknown = set(changes) - _TRACK_SOUND
    if unknown:
        raise EditError(f"Tracks have no sound setting {', '.join(sorted(unknown))}.")
    if not -60 <= changes.get("duck", 0.0) <= 0:
        raise EditError("Ducking lowers a track by 0 to 60 dB.")
    project.track(track_id)

    def change(p: Project) -> None:
        for name, value in changes.items():
            setattr(p.track(track_id), name, value)

    return _apply(project, "Track sound", [track_id], change)

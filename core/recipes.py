"""Edits made of several steps, each one operation returning one Edit.

A recipe (import these files here, remove these stretches on the beat, append a highlight
reel, add a music bed) runs ordinary ``core.timeline`` edits inside ``timeline.combine``: it is
validated step by step on a scratch copy and applied whole or refused whole, so one undo
reverts it and a refused step never leaves half a recipe behind. Dialogs gather the choices
and call these; nothing here knows about Qt.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from core import timeline as tl
from core.errors import EditError

BACKDROP_TRACK = "Backdrop"
MUSIC_TRACK = "Music"
VOICE_OVER_TRACK = "Voice-over"
REEL_MUSIC_TRACK = "Reel music"


@dataclass(frozen=True)
class BeatGrid:
    """Beats as timeline frames, and the frames between two beats."""

    frames: tuple[int, ...]
    period: float

    @classmethod
    def of_clip(cls, project: tl.Project, clip: tl.Clip, beats: Iterable[float], bpm: float) -> BeatGrid | None:
        """The beats (seconds into the music) where ``clip`` plays them on the timeline."""
        if bpm <= 0:
            return None
        frames = (clip.frame_of(b, project.fps) for b in beats)
        return cls(tuple(f for f in frames if clip.position <= f < clip.end), 60 / bpm * project.fps)

    def snap(self, first: int, last: int) -> tuple[int, int]:
        """The stretch shrunk to start on a beat and last whole beats (empty when none fits),
        so everything after a cut stays on the grid."""
        start = next((b for b in self.frames if first <= b < last), None)
        if start is None or self.period <= 0:
            return first, first
        whole = int((last - start) // self.period)
        return start, start + int(round(whole * self.period))


# --- media and effects --------------------------------------------------------------------------


def track_for(project: tl.Project, media: tl.MediaRef, wanted: str | None = None) -> str:
    """The track ``wanted`` if it takes this media, else the first track that does."""

    def fits(track: tl.Track) -> bool:
        return media.has_video if track.kind != tl.AUDIO_TRACK else media.has_audio and not media.has_video

    chosen = next((t for t in project.tracks if t.id == wanted and fits(t)), None)
    chosen = chosen or next((t for t in project.tracks if fits(t)), None)
    if chosen is None:
        raise EditError("There is no track for this media; add one first.")
    return chosen.id


def import_media(project: tl.Project, refs: Sequence[tl.MediaRef], place: tuple[int, str] | None = None) -> tl.Edit:
    """Add media to the project; with ``place`` = (frame, track id), also end to end on the
    timeline from there (each on the dropped-on track if it fits, else the first that does).
    A file already in the bin is not added again: its media is used."""
    known = {os.path.realpath(m.path): m.id for m in project.media.values()}
    new = [ref for ref in refs if os.path.realpath(ref.path) not in known]
    if not new and place is None:
        names = ", ".join(Path(ref.path).name for ref in refs)
        raise EditError(f"{names} {'is' if len(refs) == 1 else 'are'} already in the bin.")

    def steps(p: tl.Project) -> None:
        for ref in new:
            tl.add_media(p, ref)
        if place is not None:
            _end_to_end(p, [known.get(os.path.realpath(ref.path), ref.id) for ref in refs], place)

    return tl.combine(project, "Import media", steps)


def _check_usable(project: tl.Project, media_ids: Sequence[str]) -> None:
    if not media_ids:
        raise EditError("Choose some media in the bin first.")
    if any(m not in project.media for m in media_ids):
        raise EditError("That media is no longer in the project.")
    offline = [Path(project.media[m].path).name for m in media_ids if project.media[m].offline]
    if offline:
        raise EditError(f"{', '.join(offline)} cannot be found; relink it before using it.")


def place_media(project: tl.Project, media_ids: Sequence[str], place: tuple[int, str]) -> tl.Edit:
    """Media already in the bin onto the timeline, end to end from ``place`` = (frame, track id)."""
    _check_usable(project, media_ids)
    return tl.combine(project, "Add to timeline", lambda p: _end_to_end(p, media_ids, place))


def insert_media(project: tl.Project, media_ids: Sequence[str], frame: int) -> tl.Edit:
    """Media from the bin at ``frame`` on the first track that takes it, the clip there split
    and the rest of that track moved right to make room (an editor's Insert, not Overwrite)."""
    _check_usable(project, media_ids)

    def steps(p: tl.Project) -> None:
        track = p.track(track_for(p, p.media[media_ids[0]]))
        under = next((c for c in track.clips if c.position < frame < c.end), None)
        if under is not None:
            tl.split_clip(p, under.id, frame)
        room = sum(tl.make_clip(p, m, 0).length for m in media_ids if track_for(p, p.media[m], track.id) == track.id)
        later = {c.id: (c.position + room, None) for c in track.clips if c.position >= frame}
        if later:
            tl.move_clips(p, later)
        _end_to_end(p, media_ids, (frame, track.id))

    return tl.combine(project, "Insert at playhead", steps)


def append_media(project: tl.Project, media_ids: Sequence[str]) -> tl.Edit:
    """Media from the bin at the end of the first track that takes each (double-click, Enter, A)."""
    _check_usable(project, media_ids)

    def steps(p: tl.Project) -> None:
        for media_id in media_ids:
            track = p.track(track_for(p, p.media[media_id]))
            _end_to_end(p, [media_id], (track.end, track.id))

    return tl.combine(project, "Add to timeline", steps)


def _end_to_end(project: tl.Project, media_ids: Sequence[str], place: tuple[int, str]) -> None:
    """End to end from ``place`` on each track: pictures one after another on theirs, and sound
    files from the same frame on theirs, under the pictures (music or a voice-over for the
    footage, as ``core.quick.project_from_media`` lays them out), not after them."""
    frame, wanted = place
    next_free: dict[str, int] = {}
    for media_id in media_ids:
        track_id = track_for(project, project.media[media_id], wanted)
        clip = tl.make_clip(project, media_id, next_free.get(track_id, frame))
        tl.add_clip(project, track_id, clip)
        next_free[track_id] = clip.end


def fitted_effect(effect: dict, seconds: float) -> dict:
    """A fresh effect's defaults made to fit its clip: a title lasts as long as the clip."""
    effect = copy.deepcopy(effect)
    if effect["type"] == "title":
        effect["params"] = {"text": "Your title", **effect.get("params", {}), "end": round(seconds, 3)}
    return effect


def add_effects(project: tl.Project, clip_ids: Sequence[str], effects: Sequence[dict], label: str = "Add effect") -> tl.Edit:
    """Put ``effects`` (an effect, or every effect of a look) at the end of each clip's stack."""
    if not clip_ids:
        raise EditError("Select a clip first, or drag the effect onto one.")

    def steps(p: tl.Project) -> None:
        for clip_id in clip_ids:
            _, clip = p.find_clip(clip_id)
            for effect in effects:
                tl.add_effect(p, clip_id, fitted_effect(effect, clip.length / p.fps))

    return tl.combine(project, label, steps)


def add_track_effects(project: tl.Project, track_id: str, effects: Sequence[dict]) -> tl.Edit:
    """Add to a track's own stack (over everything below it), fitted to the whole timeline."""
    seconds = project.duration_frames / project.fps
    track = project.track(track_id)
    return tl.set_track_effects(project, track_id, [*track.effects, *(fitted_effect(e, seconds) for e in effects)])


# --- cutting ------------------------------------------------------------------------------------


def split_clips(project: tl.Project, clip_ids: Iterable[str], frame: int) -> tl.Edit:
    """Split each clip that ``frame`` falls inside; the others are left alone."""
    inside = [cid for cid in clip_ids if (clip := project.find_clip(cid)[1]).position < frame < clip.end]
    if not inside:
        raise EditError("Put the playhead inside a clip to split it.")

    def steps(p: tl.Project) -> None:
        for clip_id in inside:
            tl.split_clip(p, clip_id, frame)

    return tl.combine(project, "Split clip" if len(inside) == 1 else "Split clips", steps)


def split_at_times(project: tl.Project, cuts: Mapping[str, Iterable[float]]) -> tl.Edit:
    """Split clips where their media changes shot: clip id -> media seconds."""

    def steps(p: tl.Project) -> None:
        for clip_id, times in cuts.items():
            _, clip = p.find_clip(clip_id)
            frames = sorted({clip.frame_of(t, p.fps) for t in times}, reverse=True)  # right to left: the id stays on the left
            for frame in frames:
                if clip.position < frame < clip.end:
                    tl.split_clip(p, clip_id, frame)

    edit = tl.combine(project, "Split at shots", steps)
    if not edit.change.track_ids:
        raise EditError("No change of shot falls inside these clips.")
    return edit


def remove_ranges(project: tl.Project, ranges: Mapping[str, Iterable[tuple[float, float]]],
                  snap_to: BeatGrid | None = None) -> tl.Edit:
    """Cut stretches (media seconds) out of clips and close the gaps: clip id -> [(start, end)].

    Overlapping stretches (a silence over a black picture) merge: the later one is gone before
    the earlier one is cut. With ``snap_to``, each cut starts on a beat and removes whole
    beats, so what follows stays on the music's grid.
    """

    def steps(p: tl.Project) -> None:
        for clip_id, stretches in ranges.items():
            track, _ = p.find_clip(clip_id)
            for start, end in sorted(stretches, reverse=True):  # later ones first: the id stays on the left
                _, clip = p.find_clip(clip_id)
                first = max(clip.position, clip.frame_of(start, p.fps))
                last = min(clip.end, clip.frame_of(end, p.fps))
                if snap_to is not None:
                    first, last = snap_to.snap(first, last)
                if last - first < 1:
                    continue
                if last < clip.end:
                    tl.split_clip(p, clip_id, last)
                if first > clip.position:
                    tl.split_clip(p, clip_id, first)
                cut = next(c for c in track.clips if c.position == first)
                tl.ripple_delete(p, [cut.id])

    edit = tl.combine(project, "Remove dead air", steps)
    if not edit.change.track_ids:
        raise EditError("Nothing is left to remove: every stretch is shorter than a frame or a beat.")
    return edit


# Filling the canvas may enlarge a picture up to this much; more (a 640x272 clip on 1080x1920
# would be 7x) is blur with no subject, so such a clip is shown whole over its own blur instead.
MAX_FILL_ENLARGEMENT = 3.0


def reframe_fit(project: tl.Project, clip: tl.Clip, keys: list[tuple[float, float]]) -> str:
    """"fill" to follow the subject; where there is no subject to follow or filling would blow
    the picture up too far, the whole picture over the generated backdrop under it ("fit"),
    else over a blurred copy of itself ("blur")."""
    media = project.media[clip.media_id]
    enlargement = max(project.width / media.width, project.height / media.height) if media.width and media.height else 0
    if keys and 0 < enlargement <= MAX_FILL_ENLARGEMENT:
        return "fill"
    backdrop = next((t for t in project.tracks if t.name == BACKDROP_TRACK), None)
    under = backdrop is not None and any(b.position < clip.end and clip.position < b.end for b in backdrop.clips)
    return "fit" if under else "blur"  # the whole picture over the generated backdrop if there is one


HEADROOM_LINE = 0.3  # where a talking head's face centre goes on a tall canvas: in the upper third, with room to move


def headroom(face_y: float, enlargement: float) -> tuple[float, float]:
    """(scale, pan_y) that put a face ``face_y`` down the picture (0..1) on the upper third of
    a tall canvas the picture fills at full height, as creators frame a talking head: the least
    zoom that leaves room to move the picture up, within MAX_FILL_ENLARGEMENT in all, and the
    picture always covering the canvas."""
    needed = (1 - HEADROOM_LINE) / max(1e-6, 1 - face_y)
    scale = min(max(needed, 1.0), max(1.0, MAX_FILL_ENLARGEMENT / max(enlargement, 1e-6)))
    pan_y = HEADROOM_LINE - 0.5 - (face_y - 0.5) * scale
    return round(scale, 4), round(min(max(pan_y, (1 - scale) / 2), (scale - 1) / 2), 4)


def apply_reframe(project: tl.Project, keys_by_clip: Mapping[str, list[tuple[float, float]]],
                  faces_by_clip: Mapping[str, float] | None = None) -> tl.Edit:
    """Make each clip fill the canvas: following the subject along its reframe keys, or shown
    whole over its own blur where that would not work (``reframe_fit``). On a tall canvas a
    talking head (a face height in ``faces_by_clip``) gets headroom: its face on the upper third."""
    faces_by_clip = faces_by_clip or {}

    def steps(p: tl.Project) -> None:
        for clip_id, keys in keys_by_clip.items():
            clip = p.find_clip(clip_id)[1]
            fit = reframe_fit(p, clip, keys)
            framing = {"scale": 1.0, "pan_y": 0.0}
            media = p.media[clip.media_id]
            if fit == "fill" and clip_id in faces_by_clip and p.height > p.width and media.width and media.height:
                enlargement = max(p.width / media.width, p.height / media.height)
                if media.width / media.height > p.width / p.height:  # filled at full height: room to move up
                    framing = dict(zip(("scale", "pan_y"), headroom(faces_by_clip[clip_id], enlargement), strict=True))
            tl.set_clip_properties(p, clip_id, fit=fit, pan_x=0.0, reframe=keys if fit == "fill" else [], **framing)

    return tl.combine(project, "Auto-reframe", steps)


# --- assembling ---------------------------------------------------------------------------------


def replace_with_reel(project: tl.Project, reel: tl.Project, clip_ids: Sequence[str]) -> tl.Edit:
    """The highlight reel (a project of its own) becomes the edit: the clips it was made from
    leave the timeline (they stay in the bin), the reel goes where the first of them was, and
    whatever came after on that track moves to follow it. Each piece keeps the framing its
    file had there (fill and follow, or whole over its blur), and the reel's music, if any,
    starts with it on a sound track of its own."""
    if not reel.tracks or not reel.tracks[0].clips:
        raise EditError("The highlight reel is empty.")
    sources = [(t, c) for t, c in tl.all_clips(project) if c.id in set(clip_ids)]
    if not sources:
        raise EditError("The clips the reel was made from are no longer on the timeline.")
    track_id, start = min(((t.id, c.position) for t, c in sources), key=lambda place: place[1])
    framing = {c.media_id: c for _, c in sorted(sources, key=lambda s: s[1].position, reverse=True)}
    length = reel.duration_frames

    def steps(p: tl.Project) -> None:
        tl.ripple_delete(p, [c.id for _, c in sources])
        later = {c.id: (c.position + length, None) for c in p.track(track_id).clips if c.position >= start}
        if later:
            tl.move_clips(p, later)
        ids = _merge_media(p, reel, {c.media_id for _, c in tl.all_clips(reel)})
        placed = {}
        for clip in reel.tracks[0].clips:
            placed[clip.id] = _place(p, track_id, clip, ids, start)
            original = framing.get(ids[clip.media_id])
            if original is not None and (original.fit, original.reframe) != ("fit", []):
                tl.set_clip_properties(p, placed[clip.id], fit=original.fit, reframe=list(original.reframe))
        for tr in reel.tracks[0].transitions:
            tl.add_transition(p, placed[tr.from_clip], placed[tr.to_clip], tr.kind, tr.length)
        music = [c for t in reel.tracks_of_kind(tl.AUDIO_TRACK) for c in t.clips]
        if music:
            tl.add_track(p, tl.AUDIO_TRACK, REEL_MUSIC_TRACK)
            for clip in music:
                _place(p, p.tracks[-1].id, clip, ids, start)

    return tl.combine(project, "Highlight reel", steps)


def use_short(project: tl.Project, short: tl.Project, rename: bool = False) -> tl.Edit:
    """A made short (core.assist.short) becomes the timeline: its shape, its tracks; the bin
    keeps everything it had and gains the short's generated media. With ``rename`` the project
    takes the short's name too (its title, what Export offers to save it as). One undo brings
    the old timeline back, and the old name with it."""
    if not short.duration_frames:
        raise EditError("The short is empty.")

    def steps(p: tl.Project) -> None:
        ids = _merge_media(p, short, short.media)
        tracks = copy.deepcopy(short.tracks)
        for track in tracks:
            for clip in track.clips:
                clip.media_id = ids[clip.media_id]
        p.width, p.height, p.tracks = short.width, short.height, tracks
        if rename and short.name:
            p.name = short.name

    return tl.combine(project, "Make a short", steps)


def _merge_media(project: tl.Project, other: tl.Project, media_ids: Iterable[str]) -> dict[str, str]:
    """Bring ``other``'s media into ``project`` (reusing media of the same file): old id -> id."""
    by_path = {m.path: m.id for m in project.media.values()}
    ids = {}
    for media_id in media_ids:
        ref = other.media[media_id]
        if ref.path not in by_path:
            copied = tl.MediaRef(**{**vars(ref), "id": tl.new_id()})
            tl.add_media(project, copied)
            by_path[ref.path] = copied.id
        ids[media_id] = by_path[ref.path]
    return ids


def _place(project: tl.Project, track_id: str, clip: tl.Clip, media_ids: dict[str, str], offset: int) -> str:
    piece = tl.Clip(tl.new_id(), media_ids[clip.media_id], offset + clip.position, clip.length,
                    clip.source_in, clip.speed)
    tl.add_clip(project, track_id, piece)
    return piece.id


MUSIC_FADE_OUT = 1.0  # seconds: music cut to the edit's end fades out instead of stopping dead


def add_music_bed(project: tl.Project, media: tl.MediaRef, duck_db: float = 0.0, name: str = MUSIC_TRACK,
                  source_in: float = 0.0) -> tl.Edit:
    """Music (or a voice-over: ``name``) on a sound track of its own from the start, from
    ``source_in`` seconds into it, ducked under the other tracks' sound by ``duck_db`` (0: not
    ducked). It ends with the edit (fading out) rather than making the edit longer; on an empty
    timeline it plays to its end."""
    edit_seconds = project.duration_frames / project.fps

    def steps(p: tl.Project) -> None:
        tl.add_media(p, media)
        tl.add_track(p, tl.AUDIO_TRACK, name)
        track = p.tracks[-1]
        if edit_seconds and media.duration and media.duration - source_in > edit_seconds:
            clip = tl.make_clip(p, media.id, 0, source_in, source_in + edit_seconds)
            clip.audio_fade_out = min(MUSIC_FADE_OUT, edit_seconds / 2)
        else:
            clip = tl.make_clip(p, media.id, 0, source_in)
        tl.add_clip(p, track.id, clip)
        if duck_db:
            tl.set_track_sound(p, track.id, duck=duck_db)

    return tl.combine(project, "Add music", steps)


BACKGROUND_TRACK = "Background"


def background_refusal(project: tl.Project, clip_id: str) -> str | None:
    """Why the clip's background cannot be replaced, or None (asked before the slow work)."""
    track, clip = project.find_clip(clip_id)
    if track.kind == tl.AUDIO_TRACK or not project.media[clip.media_id].has_video:
        return "Only a picture has a background to replace."
    if any(e["type"] == "background" for e in clip.effects):
        return "This clip's background is already replaced: change it in the clip's effects."
    return None


def replace_background(project: tl.Project, clip_id: str, backdrop: tl.MediaRef | None) -> tl.Edit:
    """The clip's background made transparent (the person matte), with ``backdrop`` (when
    given) under it for its whole length, on a Background track made right below the clip's
    own track. The backdrop clip is cut to the clip's length; one undo step."""
    from core.effects import make_effect

    refusal = background_refusal(project, clip_id)
    if refusal:
        raise EditError(refusal)
    track, clip = project.find_clip(clip_id)

    def steps(p: tl.Project) -> None:
        tl.add_effect(p, clip_id, make_effect("background", mode="replace"))
        if backdrop is None:
            return
        tl.add_media(p, backdrop)
        tl.add_track(p, tl.VIDEO_TRACK, BACKGROUND_TRACK, p.tracks.index(p.track(track.id)))
        under = p.tracks[p.tracks.index(p.track(track.id)) - 1]
        seconds = min(backdrop.duration or clip.length / p.fps, clip.length / p.fps)
        tl.add_clip(p, under.id, tl.make_clip(p, backdrop.id, clip.position, 0.0, seconds))

    return tl.combine(project, "Replace background", steps)


def add_backdrop(project: tl.Project, media: tl.MediaRef, at: int) -> tl.Edit:
    """A backdrop clip at frame ``at`` (the dialog gives 0: under the edit from its start) on
    the Backdrop track (made at the bottom, under everything, if there is none); after the
    last backdrop when ``at`` is taken."""

    def steps(p: tl.Project) -> None:
        tl.add_media(p, media)
        track = next((t for t in p.tracks if t.name == BACKDROP_TRACK), None)
        if track is None:
            tl.add_track(p, tl.VIDEO_TRACK, BACKDROP_TRACK, 0)
            track = p.tracks[0]
        clip = tl.make_clip(p, media.id, at)
        if any(c.position < clip.end and clip.position < c.end for c in track.clips):
            clip.position = track.end
        tl.add_clip(p, track.id, clip)
        for _, shown in tl.all_clips(p):  # the whole picture now goes over the backdrop, not its own blur
            if shown.fit == "blur" and shown.position < clip.end and clip.position < shown.end:
                tl.set_clip_properties(p, shown.id, fit="fit")

    return tl.combine(project, "Add backdrop", steps)

"""Timelines to and from other editors, through OpenTimelineIO.

A project leaves as ``.otio`` (everything), ``.fcpxml`` (Final Cut Pro X) or ``.edl`` (CMX
3600: one video track) and comes back from ``.otio`` or ``.edl``. What the other editors read
is OTIO's own: tracks, clips with their source ranges, gaps, speed (LinearTimeWarp, FreezeFrame),
transitions, markers, file references. What only Reelsmith knows (framing, volume, effects,
titles, ids) rides in each object's ``metadata["reelsmith"]`` as the project file stores it, so a
round trip gives the same timeline; on the way back OTIO's own fields win over the metadata,
so a clip moved or trimmed in another editor comes back where that editor put it.

Loading goes through project_io's validation: an interchange file gets the same checks, and
the same messages, as a project file.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ProjectError
from core.fileio import atomic_write_bytes, describe_os_error, read_regular_file
from core.jobs import CancelToken, Progress, check_cancel, report
from core.timeline import (
    AUDIO_TRACK,
    OVERLAY_TRACK,
    UNTITLED,
    VIDEO_TRACK,
    MediaRef,
    Project,
    all_clips,
    new_id,
)

log = logging.getLogger(__name__)

# Suffix -> the OTIO adapter that writes it, and whether Reelsmith reads it back.
WRITERS = {".otio": "otio_json", ".fcpxml": "fcpx_xml", ".edl": "cmx_3600"}
READERS = {".otio": "otio_json", ".edl": "cmx_3600"}
MAX_FILE_BYTES = 64 * 1024 * 1024

_KEY = "reelsmith"
_DISSOLVE = "SMPTE_Dissolve"
SHOT_MARKER = "Shot change"


@dataclass
class Interchange:
    """The result of a conversion: the project (on import) and what the format could not hold."""

    project: Project | None = None
    left_out: list[str] = field(default_factory=list)


def _otio():
    try:
        import opentimelineio
    except ImportError as exc:  # a broken install: say so rather than trace back
        raise ProjectError("Timeline interchange needs the 'opentimelineio' package; run the setup command again.") from exc
    return opentimelineio


def _suffix(path: str | os.PathLike, table: dict[str, str], doing: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in table:
        raise ProjectError(f"Reelsmith can {doing} {', '.join(table)} timelines, not '{suffix or Path(path).name}'.")
    return suffix


# ---------------------------------------------------------------------------------------------
# Export


def export_timeline(project: Project, path: str | os.PathLike) -> Interchange:
    """Write ``project`` to ``path`` in the format its suffix names, atomically. Returns what
    the format could not hold, in words for the creator."""
    otio = _otio()
    path = Path(path)
    suffix = _suffix(path, WRITERS, "export")
    timeline = to_otio(project, path.parent, _rate_for(suffix, project.fps))
    left_out = _fit_to_format(otio, timeline, suffix)
    try:
        text = otio.adapters.write_to_string(timeline, WRITERS[suffix])
    except (otio.exceptions.OTIOError, ValueError) as exc:
        log.info("writing %s failed", path, exc_info=True)
        raise ProjectError(f"The timeline cannot be written as {suffix}: {exc}") from exc
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise ProjectError(f"The timeline could not be saved to {path}: {describe_os_error(exc)}.") from exc
    return Interchange(left_out=left_out)


def _rate_for(suffix: str, fps: float) -> float:
    """The rate to label times with. An EDL at 29.97 goes non-drop-frame (labelled 30, the same
    frames), as the CMX reader cannot read its own drop-frame speed lines."""
    if suffix == ".fcpxml":
        return _fcpx_rate(fps)
    if suffix == ".edl" and abs(fps - round(fps)) > 1e-6 and abs(fps * 1.001 - round(fps)) < 0.01:
        return float(round(fps))
    return fps


def _fcpx_rate(fps: float) -> float:
    """The rate as the FCP X XML writer spells it (it knows eight, 29.97 not 30000/1001)."""
    from otio_fcpx_xml_adapter.fcpx_xml import FRAMERATE_FRAMEDURATION

    for rate in FRAMERATE_FRAMEDURATION:
        if abs(rate - fps) < 0.01:
            return float(rate)
    raise ProjectError(f"FCP X XML takes {', '.join(str(r) for r in FRAMERATE_FRAMEDURATION)} fps; "
                       f"this project runs at {fps:g}. Export .otio instead, or change the project's rate.")


def to_otio(project: Project, base_dir: str | os.PathLike, rate: float | None = None):
    """The project as an OTIO timeline, its times counted at ``rate`` (the project's frame rate,
    or another name for it); media paths in the metadata are relative to ``base_dir``."""
    rate = rate or project.fps
    from core.project_io import project_to_dict

    otio = _otio()
    document = project_to_dict(project, base_dir)["project"]
    media = {entry["id"]: entry for entry in document["media"]}
    timeline = otio.schema.Timeline(name=project.name)
    timeline.global_start_time = _time(otio, 0, rate)
    used = {clip.media_id for _, clip in all_clips(project)}
    timeline.metadata[_KEY] = {**{key: document[key] for key in ("canvas", "fps", "sample_rate")},
                               "bin": [m for m in document["media"] if m["id"] not in used]}  # media no clip uses
    made: dict[str, object] = {}  # clip id -> its OTIO clip
    for track, stored in zip(project.tracks, document["tracks"], strict=True):
        timeline.tracks.append(_track_to_otio(otio, track, stored, media, rate, project.fps, made))
    sound = [_sound_of(otio, t) for t in timeline.tracks if t.metadata[_KEY]["track"]["kind"] != AUDIO_TRACK]
    timeline.tracks.extend(t for t in sound if t is not None)
    titles = _titles_track(otio, project, rate)
    if titles is not None:
        timeline.tracks.append(titles)
    _add_markers(otio, project, made, rate)
    return timeline


def _time(otio, frames: float, fps: float):
    return otio.opentime.RationalTime(frames, fps)


def _range(otio, start: float, frames: float, fps: float):
    return otio.opentime.TimeRange(_time(otio, start, fps), _time(otio, frames, fps))


def _track_to_otio(otio, track, stored: dict, media: dict[str, dict], fps: float, true_fps: float, made: dict):
    kind = otio.schema.TrackKind.Audio if track.kind == AUDIO_TRACK else otio.schema.TrackKind.Video
    out = otio.schema.Track(name=track.name, kind=kind)
    out.enabled = not (track.muted if track.kind == AUDIO_TRACK else track.hidden)
    out.metadata[_KEY] = {"track": {k: v for k, v in stored.items() if k not in ("clips", "transitions")}}
    clip_dicts = {c["id"]: c for c in stored["clips"]}
    after = {t.from_clip: t for t in track.transitions}
    cursor = 0
    for clip in track.clips:
        if clip.position > cursor:
            out.append(otio.schema.Gap(source_range=_range(otio, 0, clip.position - cursor, fps)))
        made[clip.id] = _clip_to_otio(otio, clip, clip_dicts[clip.id], media[clip.media_id], fps, true_fps)
        out.append(made[clip.id])
        cursor = clip.end
        if clip.id in after:
            out.append(_transition_to_otio(otio, after[clip.id], fps))
    return out


_NATIVE_CLIP_KEYS = ("position", "source_in", "source_out", "media")  # speed stays: a freeze keeps it


def _clip_to_otio(otio, clip, stored: dict, media: dict, fps: float, true_fps: float):
    """The clip, its source in-point counted in frames of the project's true rate (``fps`` may
    be another label for it, as 30 for 29.97 in a non-drop-frame EDL)."""
    start = clip.source_in * true_fps
    out = otio.schema.Clip(name=Path(media["absolute_path"]).name,
                           source_range=_range(otio, start, clip.length, fps))
    out.media_reference = _reference(otio, media, fps, start + clip.length)
    if clip.freeze:
        out.effects.append(otio.schema.FreezeFrame())
    elif clip.speed != 1.0:
        out.effects.append(otio.schema.LinearTimeWarp(time_scalar=clip.speed))
    out.metadata[_KEY] = {"clip": {k: v for k, v in stored.items() if k not in _NATIVE_CLIP_KEYS}}
    return out


def _reference(otio, media: dict, fps: float, used_frames: float):
    """The file, and how much of it there is: a still lasts as long as its clip asks."""
    if media["kind"] != "image" and media.get("duration"):
        rate = media.get("fps") or fps
        available = _range(otio, 0, media["duration"] * rate, rate)
    else:
        available = _range(otio, 0, used_frames, fps)
    reference = otio.schema.ExternalReference(target_url=Path(media["absolute_path"]).as_uri(),
                                              available_range=available)
    reference.metadata[_KEY] = {"media": media}
    return reference


def _transition_to_otio(otio, transition, fps: float):
    # Reelsmith centres a transition of L frames on the cut, starting L // 2 frames before it.
    before = transition.length // 2
    kind = _DISSOLVE if transition.kind == "crossfade" else otio.schema.TransitionTypes.Custom
    out = otio.schema.Transition(name=transition.kind, transition_type=kind,
                                 in_offset=_time(otio, before, fps),
                                 out_offset=_time(otio, transition.length - before, fps))
    out.metadata[_KEY] = {"transition": {"id": transition.id, "kind": transition.kind}}
    return out


def _sound_of(otio, video):
    """The sound of a picture track's clips, on an audio track of its own, as other editors
    expect a clip's sound to come (Reelsmith plays it from the picture's clip: it skips this
    track on the way back)."""
    if not video.enabled:
        return None
    sound = otio.schema.Track(name=f"{video.name} sound", kind=otio.schema.TrackKind.Audio)
    sound.metadata[_KEY] = {"derived": "sound"}
    heard = False
    for item in video:
        audible = isinstance(item, otio.schema.Clip) and item.media_reference.metadata[_KEY]["media"]["has_audio"]
        if audible or isinstance(item, otio.schema.Transition):
            sound.append(item.deepcopy())
        else:
            sound.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=item.duration())))
        heard |= audible
    _drop_loose_transitions(otio, sound)
    return sound if heard else None


def _drop_loose_transitions(otio, track) -> None:
    """OTIO wants a transition between two clips; a clip replaced by a gap leaves one loose."""
    for index in reversed(range(len(track))):
        item = track[index]
        if isinstance(item, otio.schema.Transition):
            neighbours = track[index - 1:index] + track[index + 1:index + 2]
            if len(neighbours) < 2 or not all(isinstance(n, otio.schema.Clip) for n in neighbours):
                del track[index]


def _titles_track(otio, project: Project, rate: float):
    """Each title as a text generator clip over the picture, for editors that make their own
    titles from it (Reelsmith keeps the title on its clip and skips this track on the way back)."""
    from core.effects import effect_type, params_at

    fps, titles, kind = project.fps, [], effect_type("title")
    for track in project.tracks:
        for clip in track.clips:
            for effect in (e for e in clip.effects if e["type"] == "title" and e.get("enabled", True)):
                p = params_at(kind, effect.get("params", {}), 0.0)  # with the effect's own defaults
                start = clip.position + round(p.start * fps)
                end = clip.end if p.end < 0 else min(clip.end, clip.position + round(p.end * fps))  # < 0: to the clip's end
                if end > start:
                    titles.append((start, end, str(p.text)))
    if not titles:
        return None
    out = otio.schema.Track(name="Titles", kind=otio.schema.TrackKind.Video)
    out.metadata[_KEY] = {"derived": "titles"}
    cursor = 0
    for start, end, text in sorted(titles):
        start = max(start, cursor)  # titles that overlap share the track one after the other
        if end <= start:
            continue
        if start > cursor:
            out.append(otio.schema.Gap(source_range=_range(otio, 0, start - cursor, rate)))
        generator = otio.schema.GeneratorReference(generator_kind="Text", parameters={"text": text})
        out.append(otio.schema.Clip(name=text[:60] or "Title", media_reference=generator,
                                    source_range=_range(otio, 0, end - start, rate)))
        cursor = end
    return out


def _add_markers(otio, project: Project, made: dict, fps: float) -> None:
    """Smart cut's changes of shot, on the clips that show them (EDL and FCP XML carry
    markers on clips only)."""
    for holder in (c for t in project.tracks if t.kind != AUDIO_TRACK for c in t.clips if c.id in made):
        clip = made[holder.id]
        for frame in holder.marker_frames(fps):
            marker = otio.schema.Marker(name=SHOT_MARKER, color=otio.schema.MarkerColor.RED)
            marker.metadata[_KEY] = {"marker": "shot"}
            marker.marked_range = otio.opentime.TimeRange(
                clip.source_range.start_time + _time(otio, frame - holder.position, fps), _time(otio, 0, fps))
            clip.markers.append(marker)


def _start_within_media(transition, incoming) -> None:
    """An EDL has no time before a file's start: where the incoming clip begins less than half
    the transition into its media, the dissolve starts that much nearer the cut (Reelsmith
    holds the first frame there instead)."""
    handle = incoming.source_range.start_time
    if transition.in_offset > handle:
        length = transition.in_offset + transition.out_offset
        transition.in_offset = handle.rescaled_to(length.rate)
        transition.out_offset = length - transition.in_offset


def _fit_to_format(otio, timeline, suffix: str) -> list[str]:
    """Remove what ``suffix`` cannot hold; say what went."""
    if suffix == ".otio":
        return []
    left_out = []
    generated = [t for t in timeline.tracks if t.metadata.get(_KEY, {}).get("derived") == "titles"]
    for track in generated:
        timeline.tracks.remove(track)
    if generated:
        left_out.append("titles as separate clips (they stay in each clip's notes)")
    if suffix == ".fcpxml":
        if any(isinstance(i, otio.schema.Transition) for t in timeline.tracks for i in t):
            left_out.append("transitions (the FCP XML writer has none)")
        return left_out
    videos = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    main = next((t for t in videos if t.enabled), None) or otio.schema.Track(kind=otio.schema.TrackKind.Video)
    rate = timeline.global_start_time.rate
    others = [t for t in timeline.tracks if t is not main and t.find_clips()]  # empty ones lose nothing
    dropped = [t.name for t in others if not t.metadata.get(_KEY, {}).get("derived")]
    if len(others) > len(dropped):
        left_out.append("the clips' own sound (the EDL holds the pictures of one track)")
    for track in list(timeline.tracks):
        if track is not main:
            timeline.tracks.remove(track)
    if not len(main):
        main.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=_time(otio, 1, rate))))
    for index, transition in enumerate(main):
        if not isinstance(transition, otio.schema.Transition):
            continue
        if transition.transition_type != _DISSOLVE:
            transition.transition_type = _DISSOLVE
            left_out.append(f"the {transition.name.replace('_', ' ')} transition's look (an EDL dissolve stands in)")
        _start_within_media(transition, main[index + 1])
        outgoing = main[index - 1]
        if len(outgoing.markers):
            # The CMX writer repeats them in the dissolve's event, and readers put them on the
            # incoming clip: dropped, and said, rather than shown at the wrong moment.
            left_out.append(f"{len(outgoing.markers)} marker(s) on '{outgoing.name}', which dissolves into the next clip")
            outgoing.markers.clear()
    if dropped:
        left_out.append(f"tracks {', '.join(repr(n) for n in dropped)} (an EDL holds one video track)")
    return left_out


# ---------------------------------------------------------------------------------------------
# Convert


def convert_timeline(source: str | os.PathLike, target: str | os.PathLike, *, overwrite: bool = False,
                     fps: float | None = None) -> Interchange:
    """A Reelsmith project or interchange timeline at ``source`` written as ``target`` (a
    project or timeline, by suffix). Nothing is replaced without ``overwrite``, and never the
    source itself."""
    from core.fileio import output_problem
    from core.project_io import EXTENSION, load_project, save_project

    source, target = Path(source), Path(target)
    _suffix(target, {EXTENSION: "", **WRITERS}, "convert to")
    problem = output_problem(target, [source], overwrite=overwrite, inputs_are="the timeline being converted",
                             overwrite_hint="pass --overwrite")
    if problem:
        raise ProjectError(f"Cannot write {target.name}: {problem}.")
    if source.suffix.lower() == EXTENSION:
        read = Interchange(load_project(source))
    else:
        _suffix(source, {EXTENSION: "", **READERS}, "convert from")
        read = import_timeline(source, fps)
    if target.suffix.lower() == EXTENSION:
        save_project(read.project, target)
        return read
    written = export_timeline(read.project, target)
    return Interchange(read.project, read.left_out + written.left_out)


# ---------------------------------------------------------------------------------------------
# Import


def import_timeline(path: str | os.PathLike, fps: float | None = None, *, progress: Progress | None = None,
                    cancel: CancelToken | None = None) -> Interchange:
    """A new project from the ``.otio`` or ``.edl`` timeline at ``path``, its media relinked by
    path (as written, relative to the file, then by name beside it). Media not found come in
    offline. An EDL does not say its frame rate: ``fps``, else its first file's, else 30.
    Returns the project and what could not come in."""
    otio = _otio()
    path = Path(path)
    suffix = _suffix(path, READERS, "import")
    if fps is not None and abs(_standard_rate(fps) - fps) < 0.01:
        fps = _standard_rate(fps)  # 29.97 as timecode knows it, 30000/1001
    text = _read_text(path)
    guess = fps or (30000 / 1001 if ";" in text[:4096] else 30.0)  # drop-frame timecodes: 29.97
    timeline = _parse(otio, text, path.name, suffix, guess)
    if suffix == ".edl" and fps is None:  # an EDL does not say its rate: its first file does
        found = _first_media_rate(otio, timeline, path.parent)
        if found and abs(found - guess) > 1e-6:
            timeline = _parse(otio, text, path.name, suffix, found)
    project, left_out = from_otio(timeline, path.parent, fps if suffix == ".edl" else None,
                                  edl_speeds=suffix == ".edl", progress=progress, cancel=cancel)
    if project.untitled or suffix == ".edl":
        project.name = timeline.name or path.stem
    return Interchange(project, left_out)


def _first_media_rate(otio, timeline, base_dir: Path) -> float | None:
    from core.errors import MediaError
    from core.media import probe_cached

    for clip in timeline.find_clips():
        url = getattr(clip.media_reference, "target_url", None)
        path = _local_path(url, base_dir) if url else None
        if path and os.path.isfile(path):
            try:
                rate = probe_cached(path).fps
            except MediaError:
                continue
            return _standard_rate(rate) if rate else None
    return None


def _standard_rate(rate: float) -> float:
    """The timecode rate nearest ``rate`` (a VFR file's average lands between them)."""
    rates = (24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60)
    return float(min(rates, key=lambda r: abs(r - rate)))


def _local_path(url: str, base_dir: Path) -> str:
    parsed = urllib.parse.urlparse(url)
    written = urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else url
    return written if os.path.isabs(written) else str(base_dir / written)


def _read_text(path: Path) -> str:
    """The file's text, read once, as a regular file only (a pipe would block)."""
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError as exc:
        raise ProjectError(f"The timeline '{path.name}' could not be found at {path}.") from exc
    except OSError as exc:
        raise ProjectError(f"The timeline '{path.name}' could not be read: {describe_os_error(exc)}.") from exc
    if not raw.strip():
        raise ProjectError(f"'{path.name}' is empty: it holds no timeline.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"'{path.name}' is not a timeline (it is not text).") from exc


def _parse(otio, text: str, name: str, suffix: str, rate: float):
    try:
        options = {"rate": rate} if suffix == ".edl" else {}
        timeline = otio.adapters.read_from_string(text, READERS[suffix], **options)
    except Exception as exc:  # the adapters raise anything from ValueError to their own errors
        log.info("reading %s failed", name, exc_info=True)
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ProjectError(f"'{name}' is damaged or not a {suffix} timeline: {reason}") from exc
    if not isinstance(timeline, otio.schema.Timeline):
        raise ProjectError(f"'{name}' holds a {type(timeline).__name__}, not a timeline.")
    return timeline


def from_otio(timeline, base_dir: str | os.PathLike, fps: float | None = None, edl_speeds: bool = False,
              progress: Progress | None = None, cancel: CancelToken | None = None) -> tuple[Project, list[str]]:
    """The project an OTIO timeline describes (at ``fps``, else its own rate), checked as a
    project file is. ``edl_speeds``: speeds were read from an EDL's M2 lines, which give them
    in frames per second of the timecode's whole rate (30 for 29.97)."""
    from core.project_io import FORMAT_NAME, FORMAT_VERSION, checked_project

    otio = _otio()
    reader = _Reader(otio, Path(base_dir), fps or _fps_of(otio, timeline), progress, cancel)
    reader.files = len({getattr(c.media_reference, "target_url", None) for c in timeline.find_clips()})
    if edl_speeds:
        reader.speed_scale = reader.fps / round(reader.fps)
    body = reader.project(timeline)
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "project": body}
    return checked_project(document, base_dir, f"'{timeline.name}'"), reader.left_out


def _fps_of(otio, timeline) -> float:
    stored = timeline.metadata.get(_KEY, {}).get("fps")
    if isinstance(stored, (int, float)) and stored > 0:
        return float(stored)
    for item in timeline.find_clips():
        return float(item.source_range.duration.rate if item.source_range else item.duration().rate)
    return float(timeline.duration().rate or 30.0)


def _plain(value):
    """OTIO's metadata containers (AnyDictionary, AnyVector) as plain dicts and lists."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__iter__") and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in value]
    return value


def _ours(obj, key: str) -> dict:
    """What Reelsmith stored under ``key`` in ``obj``'s metadata ({} when nothing or not a dict)."""
    stored = _plain(obj.metadata.get(_KEY, {}))
    found = stored.get(key, {}) if isinstance(stored, dict) else {}
    return found if isinstance(found, dict) else {}


class _Reader:
    """Builds a project document (as project_io stores it) from an OTIO timeline."""

    def __init__(self, otio, base_dir: Path, fps: float, progress: Progress | None = None,
                 cancel: CancelToken | None = None):
        self.otio, self.base_dir, self.fps = otio, base_dir, fps
        self.progress, self.cancel, self.files = progress, cancel, 1
        self.media: dict[str, dict] = {}  # resolved path -> media entry
        self.ids: set[str] = set()
        self.markers: list[int] = []
        self.left_out: list[str] = []
        self.speed_scale = 1.0

    def project(self, timeline) -> dict:
        stored = _plain(timeline.metadata.get(_KEY, {}))
        stored = stored if isinstance(stored, dict) else {}
        tracks, pictures = [], 0
        for track in timeline.tracks:
            if not isinstance(track, self.otio.schema.Track):
                self.left_out.append(f"nested stack '{track.name}'")
                continue
            if _plain(track.metadata.get(_KEY, {})).get("derived"):
                continue
            picture = track.kind == self.otio.schema.TrackKind.Video
            tracks.append(self.track(track, VIDEO_TRACK if picture and pictures == 0 else OVERLAY_TRACK if picture else AUDIO_TRACK))
            pictures += picture
        if not stored:  # another editor's: the tracks a Reelsmith project starts with, for titles and music
            self._standard_tracks(tracks)
        self.markers += [self._frame(m.marked_range.start_time) for m in timeline.tracks.markers]
        for entry in (m for m in stored.get("bin", []) if isinstance(m, dict) and m.get("absolute_path")):
            path = self._relink(str(entry.get("absolute_path", "")), entry, "")
            self.media.setdefault(path, self._media_entry(path, entry, None, VIDEO_TRACK))
        canvas = stored.get("canvas") if isinstance(stored.get("canvas"), dict) else {"width": 1920, "height": 1080}
        return {"name": timeline.name or UNTITLED, "canvas": canvas, "fps": self.fps,
                "sample_rate": stored.get("sample_rate", 48000), "media": list(self.media.values()),
                "tracks": tracks, "markers": sorted({m for m in self.markers if m >= 0})}

    def _standard_tracks(self, tracks: list[dict]) -> None:
        kinds = [t["kind"] for t in tracks]
        if OVERLAY_TRACK not in kinds:
            above = max((i + 1 for i, k in enumerate(kinds) if k != AUDIO_TRACK), default=0)
            tracks.insert(above, self._empty_track(OVERLAY_TRACK, "Overlay 1"))
        if AUDIO_TRACK not in kinds:
            tracks.append(self._empty_track(AUDIO_TRACK, "Audio 1"))

    def _empty_track(self, kind: str, name: str) -> dict:
        return {"id": self._unique(None), "kind": kind, "name": name, "clips": [], "transitions": []}

    def _frame(self, time) -> int:
        return round(time.rescaled_to(self.fps).value)

    def _unique(self, wanted) -> str:
        ident = wanted if isinstance(wanted, str) and wanted and wanted not in self.ids else new_id()
        self.ids.add(ident)
        return ident

    def track(self, track, kind: str) -> dict:
        stored = _ours(track, "track")
        entry = {"kind": kind, "name": track.name, "muted": False, "hidden": False, **stored}
        entry["id"] = self._unique(stored.get("id"))
        if not track.enabled:
            entry["muted" if entry["kind"] == AUDIO_TRACK else "hidden"] = True
        clips, transitions, cursor, previous = [], [], 0, None
        pending = None  # a transition waiting for the clip after it
        for item in track:
            if isinstance(item, self.otio.schema.Transition):
                pending = (item, previous)
                continue
            length = self._frame(item.duration())
            clip = self.clip(item, cursor, length, entry["kind"]) if isinstance(item, self.otio.schema.Clip) else None
            if clip is not None:
                clips.append(clip)
            if pending is not None and pending[1] is not None and clip is not None:  # clip, transition, clip
                transitions.append(self.transition(pending[0], pending[1], clip))
            elif pending is not None:
                self.left_out.append(f"a transition not between two clips on '{track.name}'")
            pending, previous, cursor = None, clip, cursor + length
        entry.update(clips=clips, transitions=transitions)
        return entry

    def _move_cut(self, first: dict, second: dict, frames: int) -> None:
        """Move the cut between touching clips ``frames`` later; each keeps its speed, and the
        second its end. Not past either clip's ends, nor before the second's media starts."""
        end = second["position"] + self._length(second)
        source_in = second["source_in"] if second.get("freeze") else second["source_in"] + frames * second["speed"] / self.fps
        first_out = first["source_out"] + frames * first["speed"] / self.fps
        if not (0 < self._length(first) + frames and 0 < end - second["position"] - frames and source_in >= 0
                and self._within_media(first, first_out)):
            return
        first["source_out"] = first_out
        second["position"] += frames
        second["source_in"] = source_in
        second["source_out"] = source_in + (end - second["position"]) * second["speed"] / self.fps

    def _within_media(self, clip: dict, source_out: float) -> bool:
        media = next(m for m in self.media.values() if m["id"] == clip["media"])
        duration = media.get("duration")
        return clip.get("freeze") or media["kind"] == "image" or not duration or source_out <= duration + 0.5 / self.fps

    def _length(self, clip: dict) -> int:
        return round((clip["source_out"] - clip["source_in"]) * self.fps / clip["speed"])

    def clip(self, item, position: int, length: int, track_kind: str) -> dict | None:
        media_id = self.media_of(item, track_kind)
        if media_id is None:
            return None
        stored = _ours(item, "clip")
        speed, freeze = self._timing(item, stored)
        start = item.source_range.start_time if item.source_range else self.otio.opentime.RationalTime(0, self.fps)
        source_in = max(0.0, start.to_seconds())
        for marker in item.markers:
            self.markers.append(position + self._frame(marker.marked_range.start_time - start))
        # OTIO's markers win over the stored ones, as its other fields do (self.markers).
        return {**stored, "markers": [], "id": self._unique(stored.get("id")), "media": media_id, "position": position,
                "source_in": source_in, "source_out": source_in + length * speed / self.fps,
                "speed": speed, **({"freeze": True} if freeze else {"freeze": False})}

    def _timing(self, item, stored: dict) -> tuple[float, bool]:
        freeze = any(isinstance(e, self.otio.schema.FreezeFrame) for e in item.effects)
        warps = [e for e in item.effects if isinstance(e, self.otio.schema.LinearTimeWarp)
                 and not isinstance(e, self.otio.schema.FreezeFrame)]
        if freeze:
            return float(stored.get("speed", 1.0)) if isinstance(stored.get("speed"), (int, float)) else 1.0, True
        speed = 1.0
        for warp in warps:
            speed *= warp.time_scalar * self.speed_scale
        speed = round(speed, 9)  # 60 / 29.97 * 29.97 / 30 is 2 within the last bit
        if speed <= 0:  # a reverse or hold: Reelsmith plays clips forward
            self.left_out.append(f"the reverse speed of '{item.name}'")
            speed = 1.0
        return speed, False

    def media_of(self, item, track_kind: str) -> str | None:
        reference = item.media_reference
        if not isinstance(reference, self.otio.schema.ExternalReference) or not reference.target_url:
            self.left_out.append(f"clip '{item.name}' (no media file: {type(reference).__name__})")
            return None
        stored = _ours(reference, "media")
        path = self._relink(reference.target_url, stored, item.name)
        if path not in self.media:
            check_cancel(self.cancel)
            report(self.progress, len(self.media) / max(self.files, 1), f"Finding {Path(path).name}")
            self.media[path] = self._media_entry(path, stored, reference, track_kind)
        return self.media[path]["id"]

    def _relink(self, url: str, stored: dict, name: str) -> str:
        """Where the file is: as written, relative to the timeline, then by name beside it."""
        written = _local_path(url, self.base_dir)
        candidates = [written]
        if isinstance(stored.get("path"), str):
            candidates.append(str(self.base_dir / stored["path"]))
        candidates += [str(self.base_dir / Path(written).name), str(self.base_dir / name)]
        for candidate in candidates:
            try:
                if os.path.isfile(candidate):
                    return os.path.abspath(candidate)
            except (OSError, ValueError):
                continue
        return os.path.abspath(candidates[0])

    def _media_entry(self, path: str, stored: dict, reference, track_kind: str) -> dict:
        entry = dict(stored) or None
        if entry is None and os.path.isfile(path):
            entry = self._probed(path)
        if entry is None:  # offline, and nothing stored: what the timeline says of it
            picture = track_kind != AUDIO_TRACK
            available = reference.available_range
            entry = {"kind": "video" if picture else "audio", "has_video": picture, "has_audio": not picture,
                     "duration": available.duration.to_seconds() if available else None}
        entry.update(id=self._unique(entry.get("id")), path=path, absolute_path=path)
        return entry

    def _probed(self, path: str) -> dict | None:
        from core.errors import MediaError
        from core.media import probe_cached

        try:
            info = probe_cached(path)
        except MediaError as exc:
            self.left_out.append(f"'{Path(path).name}' as it is ({exc})")
            return None
        return dataclasses.asdict(MediaRef.from_info(info))

    def transition(self, item, first: dict, second: dict) -> dict:
        """A Reelsmith transition is centred on its cut; OTIO's runs from ``in_offset`` before
        the two clips meet to ``out_offset`` after (an EDL starts it at the meeting). The cut
        moves so that the transition covers the same frames."""
        stored = _ours(item, "transition")
        kind = stored.get("kind", "crossfade")  # another editor's dissolve or wipe: a crossfade
        before = self._frame(item.in_offset)
        length = max(1, before + self._frame(item.out_offset))
        self._move_cut(first, second, length // 2 - before)
        length = min(length, self._length(first), self._length(second))
        return {"id": self._unique(stored.get("id")),
                "from": first["id"], "to": second["id"], "kind": kind, "length": length}

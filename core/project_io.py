"""Project files: versioned JSON, strict validation, atomic saves, relocatable media paths.

The format is documented in docs/project-format.md. Loading never trusts the file: anything
malformed becomes a ProjectError that names the offending field, and nothing else escapes.
"""

from __future__ import annotations

import errno
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.effects import is_number, validate_effect
from core.errors import EditError, ProjectError
from core.fileio import atomic_write_bytes, describe_os_error, read_regular_file
from core.timeline import (
    FIT_MODES,
    TRACK_KINDS,
    TRANSITION_KINDS,
    UNTITLED,
    Clip,
    MediaRef,
    Project,
    Track,
    Transition,
    all_clips,
    validate_project,
)

FORMAT_NAME = "reelsmith-project"
FORMAT_VERSION = 3
EXTENSION = ".reelsmith"
MAX_FILE_BYTES = 64 * 1024 * 1024


def _rename_pan_audio_to_balance(document: dict) -> dict:
    """Version 1 called a clip's sound balance "pan_audio", beside "pan" (the picture's position).
    Malformed parts are left for validation to name."""
    project = document.get("project")
    tracks = project.get("tracks") if isinstance(project, dict) else None
    for track in tracks if isinstance(tracks, list) else []:
        clips = track.get("clips") if isinstance(track, dict) else None
        for clip in clips if isinstance(clips, list) else []:
            if isinstance(clip, dict) and "pan_audio" in clip:
                clip["balance"] = clip.pop("pan_audio")
    return document


def _nothing_to_change(document: dict) -> dict:
    """Version 3 lets a caption cue carry its words' times; every version 2 cue is still valid.
    The version changed so that a Reelsmith reading only version 2 refuses such a file clearly
    instead of calling its captions malformed."""
    return document


# version -> function upgrading a document of that version to version + 1
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _rename_pan_audio_to_balance, 2: _nothing_to_change}

_MEDIA_KINDS = ("video", "audio", "image")
_REQUIRED = object()


# ---------------------------------------------------------------------------------------------
# Saving


def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write ``project`` to ``path`` atomically: a crash leaves the old file intact."""
    path = Path(path)
    document = project_to_dict(project, path.parent)
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ProjectError(f"The project could not be saved to {path}: {describe_os_error(exc)}.") from exc


def project_to_dict(project: Project, base_dir: str | os.PathLike) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "project": {
            "name": project.name,
            "canvas": {"width": project.width, "height": project.height},
            "fps": project.fps,
            "sample_rate": project.sample_rate,
            "media": [_media_to_dict(m, Path(base_dir)) for m in project.media.values()],
            "tracks": [_track_to_dict(t, project.fps, Path(base_dir)) for t in project.tracks],
        },
    }


def _media_to_dict(media: MediaRef, base_dir: Path) -> dict:
    absolute = os.path.abspath(media.path)
    return {
        "id": media.id,
        "path": _relative_if_possible(absolute, base_dir),
        "absolute_path": absolute,
        "kind": media.kind,
        "duration": media.duration,
        "has_video": media.has_video,
        "has_audio": media.has_audio,
        "width": media.width,
        "height": media.height,
        "fps": media.fps,
    }


def _relative_if_possible(absolute: str, base_dir: Path) -> str:
    try:
        return Path(os.path.relpath(absolute, os.path.abspath(base_dir))).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return absolute


def _track_to_dict(track: Track, fps: float, base_dir: Path) -> dict:
    return {
        "id": track.id,
        "kind": track.kind,
        "name": track.name,
        "muted": track.muted,
        "hidden": track.hidden,
        **({"effects": _stack_to_save(track.effects, base_dir)} if track.effects else {}),
        **({"solo": True} if track.solo else {}),
        **({"duck": track.duck} if track.duck else {}),
        "clips": [
            {
                "id": c.id,
                "media": c.media_id,
                "position": c.position,
                "source_in": c.source_in,
                "source_out": c.source_out(fps),
                "speed": c.speed,
                "volume": c.volume,
                "opacity": c.opacity,
                "fit": c.fit,
                "scale": c.scale,
                "pan": [c.pan_x, c.pan_y],
                "crop": list(c.crop),
                "reframe": [[t, x] for t, x in c.reframe],
                "audio_fade_in": c.audio_fade_in,
                "audio_fade_out": c.audio_fade_out,
                "effects": _stack_to_save(c.effects, base_dir),
                **({"freeze": True} if c.freeze else {}),
                **({"balance": c.balance} if c.balance else {}),
                **({"volume_keys": [[t, g] for t, g in c.volume_keys]} if c.volume_keys else {}),
                **({"markers": list(c.markers)} if c.markers else {}),
            }
            for c in track.clips
        ],
        "transitions": [
            {"id": t.id, "from": t.from_clip, "to": t.to_clip, "kind": t.kind, "length": t.length}
            for t in track.transitions
        ],
    }


# ---------------------------------------------------------------------------------------------
# Loading


def load_project(path: str | os.PathLike) -> Project:
    """Read and validate a project file. Media that cannot be found are marked offline."""
    path = Path(path)
    name = path.name
    try:
        if path.is_dir():
            raise ProjectError(f"'{name}' is a folder, not a Reelsmith project.")
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError as exc:
        raise ProjectError(f"The project '{name}' could not be found at {path}.") from exc
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise ProjectError(f"'{name}' is too large to be a Reelsmith project.") from exc
        raise ProjectError(f"The project '{name}' could not be read: {describe_os_error(exc)}.") from exc
    return project_from_bytes(raw, path.parent, name)


def project_from_bytes(raw: bytes, base_dir: str | os.PathLike, name: str = "project") -> Project:
    if not raw.strip():
        raise ProjectError(f"'{name}' is empty: it is not a Reelsmith project.")
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ProjectError(f"'{name}' is not a Reelsmith project (it is not text).") from exc
    except json.JSONDecodeError as exc:
        raise ProjectError(
            f"'{name}' is damaged: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ProjectError(f"'{name}' is damaged: {exc}.") from exc
    return checked_project(document, base_dir, f"'{name}'")


def checked_project(document: Any, base_dir: str | os.PathLike, name: str) -> Project:
    """``project_from_dict``, its refusals as ProjectError naming the file (``name``)."""
    try:
        return project_from_dict(document, base_dir)
    except _Invalid as exc:
        raise ProjectError(f"{name} is not a valid Reelsmith project: {exc}.") from None
    except EditError as exc:
        raise ProjectError(f"{name} has an impossible timeline: {exc}") from None


def _reject_constant(token: str) -> Any:
    raise ValueError(f"'{token}' is not an allowed number")


class _Invalid(Exception):
    """A field failed validation; the message is 'where: what'."""


def project_from_dict(document: Any, base_dir: str | os.PathLike) -> Project:
    _expect(isinstance(document, dict), "", "the file must contain a JSON object")
    _expect(document.get("format") == FORMAT_NAME, "format", f"must be \"{FORMAT_NAME}\"")
    document = _migrate(document)
    body = _get(document, "project", "", dict)
    canvas = _get(body, "canvas", "project", dict)
    project = Project(
        name=_get(body, "name", "project", str, default=UNTITLED),
        width=_get(canvas, "width", "project.canvas", int, check=_positive),
        height=_get(canvas, "height", "project.canvas", int, check=_positive),
        fps=float(_get(body, "fps", "project", float, check=_positive)),
        sample_rate=_get(body, "sample_rate", "project", int, default=48000, check=_positive),
    )
    media_list = _get(body, "media", "project", list, default=[])
    for i, entry in enumerate(media_list):
        media = _media_from_dict(entry, f"media[{i}]", Path(base_dir))
        _expect(media.id not in project.media, f"media[{i}].id", "is used twice")
        project.media[media.id] = media
    for i, entry in enumerate(_get(body, "tracks", "project", list)):
        project.tracks.append(_track_from_dict(entry, f"tracks[{i}]", project))
    project.attach_markers(_markers(body))  # as saved before markers lived on clips, or by interchange
    validate_project(project)
    _anchor_lut_paths(project, Path(base_dir))
    return project


def _stack_to_save(effects: list[dict], base_dir: Path) -> list[dict]:
    """An effect stack as stored: a LUT beside the project (or below it) by a relative path,
    so the folder can move with it."""
    stored = []
    for effect in effects:
        path = effect.get("params", {}).get("path") if effect["type"] == "lut" else None
        if path:
            effect = {**effect, "params": {**effect["params"], "path": _relative_if_possible(os.path.abspath(path), base_dir)}}
        stored.append(effect)
    return stored


def _anchor_lut_paths(project: Project, base_dir: Path) -> None:
    """A LUT named by a relative path is beside the project file, wherever Reelsmith was
    started from: such paths become absolute on loading."""
    stacks = [track.effects for track in project.tracks] + [clip.effects for _, clip in all_clips(project)]
    for effect in (e for stack in stacks for e in stack if e["type"] == "lut"):
        path = effect.get("params", {}).get("path")
        if path and not os.path.isabs(path):
            effect["params"]["path"] = str(base_dir / path)


def _migrate(document: dict) -> dict:
    version = _get(document, "version", "", int, check=_positive)
    if version > FORMAT_VERSION:
        raise _Invalid(
            f"it was made by a newer Reelsmith (format version {version}); update Reelsmith to open it"
        )
    while version < FORMAT_VERSION:
        if version not in MIGRATIONS:
            raise _Invalid(f"format version {version} is no longer supported")
        document = MIGRATIONS[version](document)
        version += 1
    return document


def _media_from_dict(entry: Any, where: str, base_dir: Path) -> MediaRef:
    _expect(isinstance(entry, dict), where, "must be an object")
    stored = _get(entry, "path", where, str, check=_non_empty)
    absolute = _get(entry, "absolute_path", where, str, default=None)
    kind = _get(entry, "kind", where, str, check=_one_of(_MEDIA_KINDS))
    found = _locate(stored, absolute, base_dir)
    return MediaRef(
        id=_get(entry, "id", where, str, check=_non_empty),
        path=found or str(base_dir / stored if not os.path.isabs(stored) else stored),
        kind=kind,
        duration=_get(entry, "duration", where, float, default=None, check=_positive),
        has_video=_get(entry, "has_video", where, bool, default=kind != "audio"),
        has_audio=_get(entry, "has_audio", where, bool, default=kind == "audio"),
        width=_get(entry, "width", where, int, default=None, check=_positive),
        height=_get(entry, "height", where, int, default=None, check=_positive),
        fps=_get(entry, "fps", where, float, default=None, check=_positive),
        offline=found is None,
    )


def _locate(stored: str, absolute: str | None, base_dir: Path) -> str | None:
    """The first of the stored locations where the file still is, as an absolute path."""
    candidates = [stored if os.path.isabs(stored) else os.path.join(base_dir, stored)]
    if absolute:
        candidates.append(absolute)
    for candidate in candidates:
        try:
            if os.path.isfile(candidate):
                return os.path.abspath(candidate)
        except (OSError, ValueError):  # embedded NUL, over-long names
            continue
    return None


def _duck_range(value: float) -> str | None:
    return None if -60 <= value <= 0 else "must be between -60 and 0 (dB)"


def _balance_range(value: float) -> str | None:
    return None if -1 <= value <= 1 else "must be between -1 (left) and 1 (right)"


def _pairs(entry: dict, key: str, where: str) -> list[tuple[float, float]]:
    pairs = _get(entry, key, where, list, default=[])
    for i, pair in enumerate(pairs):
        _expect(isinstance(pair, list) and len(pair) == 2 and all(_is_kind(v, float) for v in pair)
                and pair[1] >= 0, f"{where}.{key}[{i}]", "must be [seconds, gain] with gain at least 0")
    return [(float(a), float(b)) for a, b in pairs]


def _effects(entry: dict, where: str) -> list[dict]:
    effects = _get(entry, "effects", where, list, default=[])
    for i, effect in enumerate(effects):
        _expect(isinstance(effect, dict) and isinstance(effect.get("type"), str)
                and isinstance(effect.get("params", {}), dict),
                f"{where}.effects[{i}]", 'must be {"type": name, "params": {...}}')
        try:
            validate_effect(effect)
        except EditError as exc:
            _expect(False, f"{where}.effects[{i}]", str(exc).rstrip("."))
    return effects


def _track_from_dict(entry: Any, where: str, project: Project) -> Track:
    _expect(isinstance(entry, dict), where, "must be an object")
    track = Track(
        id=_get(entry, "id", where, str, check=_non_empty),
        kind=_get(entry, "kind", where, str, check=_one_of(TRACK_KINDS)),
        name=_get(entry, "name", where, str, default=""),
        muted=_get(entry, "muted", where, bool, default=False),
        hidden=_get(entry, "hidden", where, bool, default=False),
        solo=_get(entry, "solo", where, bool, default=False),
        duck=_get(entry, "duck", where, float, default=0.0, check=_duck_range),
    )
    track.effects = _effects(entry, where)
    for i, clip in enumerate(_get(entry, "clips", where, list, default=[])):
        track.clips.append(_clip_from_dict(clip, f"{where}.clips[{i}]", project))
    track.clips.sort(key=lambda c: c.position)
    for i, tr in enumerate(_get(entry, "transitions", where, list, default=[])):
        track.transitions.append(_transition_from_dict(tr, f"{where}.transitions[{i}]"))
    return track


def _clip_from_dict(entry: Any, where: str, project: Project) -> Clip:
    _expect(isinstance(entry, dict), where, "must be an object")
    media_id = _get(entry, "media", where, str)
    _expect(media_id in project.media, f"{where}.media", "refers to media that is not listed")
    source_in = _get(entry, "source_in", where, float, check=_not_negative)
    source_out = _get(entry, "source_out", where, float, check=_not_negative)
    speed = _get(entry, "speed", where, float, default=1.0, check=_positive)
    frames = (source_out - source_in) * project.fps / speed
    _expect(math.isfinite(frames), f"{where}.speed", "gives a clip of endless length")
    length = round(frames)
    _expect(length >= 1, f"{where}.source_out", "must be at least one frame after source_in")
    effects = _effects(entry, where)
    pan = _numbers(entry, "pan", where, 2, (0.0, 0.0))
    crop = _numbers(entry, "crop", where, 4, (0.0, 0.0, 0.0, 0.0))
    return Clip(
        id=_get(entry, "id", where, str, check=_non_empty),
        media_id=media_id,
        position=_get(entry, "position", where, int, check=_not_negative),
        length=length,
        source_in=source_in,
        speed=speed,
        volume=_get(entry, "volume", where, float, default=1.0, check=_not_negative),
        opacity=_get(entry, "opacity", where, float, default=1.0, check=_not_negative),
        fit=_get(entry, "fit", where, str, default="fit", check=_one_of(FIT_MODES)),
        scale=_get(entry, "scale", where, float, default=1.0, check=_positive),
        pan_x=pan[0],
        pan_y=pan[1],
        crop=crop,
        reframe=_reframe(entry, where),
        audio_fade_in=_get(entry, "audio_fade_in", where, float, default=0.0, check=_not_negative),
        audio_fade_out=_get(entry, "audio_fade_out", where, float, default=0.0, check=_not_negative),
        freeze=_get(entry, "freeze", where, bool, default=False),
        balance=_get(entry, "balance", where, float, default=0.0, check=_balance_range),
        volume_keys=_pairs(entry, "volume_keys", where),
        effects=effects,
        markers=_marker_times(entry, where),
    )


def _marker_times(entry: dict, where: str) -> list[float]:
    markers = _get(entry, "markers", where, list, default=[])
    _expect(all(_is_kind(t, float) and math.isfinite(t) and t >= 0 for t in markers), f"{where}.markers",
            "must be a list of times in seconds (0 or more)")
    return sorted({float(t) for t in markers})


def _markers(body: dict) -> list[int]:
    markers = _get(body, "markers", "project", list, default=[])
    _expect(all(_is_kind(m, int) and m >= 0 for m in markers), "project.markers",
            "must be a list of frames (whole numbers, 0 or more)")
    return sorted(set(markers))


def _numbers(entry: dict, key: str, where: str, count: int, default: tuple) -> tuple:
    values = _get(entry, key, where, list, default=list(default))
    _expect(len(values) == count and all(_is_kind(v, float) for v in values),
            f"{where}.{key}", f"must be a list of {count} numbers")
    return tuple(float(v) for v in values)


def _reframe(entry: dict, where: str) -> list[tuple[float, float]]:
    keys = _get(entry, "reframe", where, list, default=[])
    for i, key in enumerate(keys):
        _expect(isinstance(key, list) and len(key) == 2 and all(_is_kind(v, float) for v in key),
                f"{where}.reframe[{i}]", "must be [seconds, x]")
    return sorted((float(t), float(x)) for t, x in keys)


def _transition_from_dict(entry: Any, where: str) -> Transition:
    _expect(isinstance(entry, dict), where, "must be an object")
    return Transition(
        id=_get(entry, "id", where, str, check=_non_empty),
        from_clip=_get(entry, "from", where, str),
        to_clip=_get(entry, "to", where, str),
        kind=_get(entry, "kind", where, str, default="crossfade", check=_one_of(TRANSITION_KINDS)),
        length=_get(entry, "length", where, int, check=_positive),
    )


# --- field checks -----------------------------------------------------------------------------

_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "an object"}


def _expect(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise _Invalid(f"{where} {problem}".strip())


def _get(obj: dict, key: str, where: str, kind: type, default: Any = _REQUIRED,
         check: Callable[[Any], str | None] | None = None) -> Any:
    path = f"{where}.{key}" if where else key
    if key not in obj or (obj[key] is None and default is not _REQUIRED):
        _expect(default is not _REQUIRED, path, "is missing")
        return default
    value = obj[key]
    _expect(_is_kind(value, kind), path, f"must be {_TYPE_NAMES[kind]} (found {_show(value)})")
    if check is not None and (problem := check(value)):
        raise _Invalid(f"{path} {problem} (found {_show(value)})")
    return value


def _is_kind(value: Any, kind: type) -> bool:
    if kind is float:
        return is_number(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) < 40 else text[:37] + "..."


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than zero"


def _not_negative(value: Any) -> str | None:
    return None if value >= 0 else "cannot be negative"


def _non_empty(value: str) -> str | None:
    return None if value.strip() else "cannot be empty"


def _one_of(options: tuple[str, ...]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}"

    return check


# ---------------------------------------------------------------------------------------------
# Autosave and crash recovery


def recovery_folder() -> Path:
    from core.paths import data_subdir

    return data_subdir("recovery")


def write_recovery(project: Project, session: str, original: str | os.PathLike | None) -> Path:
    """Autosave ``project`` for this app ``session``; one file per session, replaced each time."""
    path = recovery_folder() / f"{session}{EXTENSION}"
    document = project_to_dict(project, path.parent)
    document["recovery_of"] = str(original) if original else None
    try:
        atomic_write_bytes(path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except OSError as exc:
        raise ProjectError(f"Autosave failed: {describe_os_error(exc)}.") from exc
    return path


def pending_recoveries(exclude_session: str | None = None) -> list[tuple[Path, str | None]]:
    """Autosaves left by sessions that did not close cleanly: (file, original project path)."""
    found = []
    for path in sorted(recovery_folder().glob(f"*{EXTENSION}"), key=lambda p: p.stat().st_mtime, reverse=True):
        if path.stem == exclude_session:
            continue
        try:
            original = json.loads(read_regular_file(path, MAX_FILE_BYTES).decode("utf-8")).get("recovery_of")
        except (OSError, ValueError, AttributeError):  # not ours, or damaged: offered without a name
            original = None
        found.append((path, original if isinstance(original, str) else None))
    return found


def discard_recovery(path: str | os.PathLike) -> None:
    Path(path).unlink(missing_ok=True)

"""The highlight reel: every shot scored by motion, sharpness, sound and faces; the best
pieces kept in filmed order, cut on the music's beats when there is music."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.assist.dead_air import find_silences, find_still_picture, sound_levels, true_runs
from core.assist.faces import count_faces
from core.audio.mix import STEP
from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import MediaInfo, media_info


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


MIN_PIECE = 1.0  # seconds: a shorter piece reads as a glitch, not a moment


def score_shots(info: MediaInfo, cancel: CancelToken | None = None, progress: Progress | None = None) -> list[ScoredShot]:
    """Every shot of a video with what makes it worth watching: motion, sharpness, sound, faces."""
    from core.media import pictures_at
    from core.scenes import detect_scenes

    found = detect_scenes(info, progress=progress, cancel=cancel)
    levels = sound_levels(info) if info.has_audio else None
    times = info.frame_times
    pictures = pictures_at(info, found.keyframes, 640)  # for the faces: side by side, not a seek each
    shots = []
    # What smart cut lists as dead air is never a highlight: black, frozen, and (unless the
    # whole file is quiet) silent stretches.
    dead = find_still_picture(info, scenes=found)
    silent = find_silences(info, levels=levels, cancel=cancel) if info.has_audio else []
    if sum(s.duration for s in silent) < 0.8 * info.duration:
        dead += silent
    live = np.ones(len(times), bool)
    for stretch in dead:
        live[(times >= stretch.start - 1e-6) & (times < stretch.end - 1e-6)] = False
    for (shot_first, shot_end), keyframe, picture in zip(found.shots, found.keyframes, pictures, strict=True):
        check_cancel(cancel)
        runs = true_runs(live[shot_first:shot_end])
        if not runs:
            continue
        first, end = (shot_first + int(i) for i in max(runs, key=lambda r: r[1] - r[0]))
        start_s, end_s = float(times[first]), float(times[end]) if end < len(times) else float(info.duration)
        if end_s - start_s < 0.5:
            continue
        keyframe = keyframe if first <= keyframe < end else (first + end) // 2
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


def _lengthen(chosen: list[tuple[ScoredShot, float, float]], missing: float) -> list[tuple[ScoredShot, float, float]]:
    """Too few shots for the length asked: the best pieces grow, within their shots, until the
    reel is as long as asked (or every piece is its whole shot)."""
    grown = []
    for shot, start, end in chosen:  # best first
        length = end - start
        extra = min(max(0.0, missing), (shot.end - shot.start) - length)
        start = max(shot.start, min(start - extra / 2, shot.end - length - extra))
        grown.append((shot, start, start + length + extra))
        missing -= extra
    return grown


def piece_length(seconds: float) -> float:
    """How long a reel of ``seconds`` likes its pieces: a few to a dozen of them."""
    return max(1.5, min(4.0, seconds / 6))


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
    chosen = _lengthen(chosen, seconds - total)
    order = {path: i for i, path in enumerate(dict.fromkeys(s.path for s in shots))}
    return sorted(chosen, key=lambda c: (order[c[0].path], c[1]))


def best_pieces(infos: list[MediaInfo], seconds: float, beats: list[float] | None = None, *,
                progress: Progress | None = None, cancel: CancelToken | None = None
                ) -> list[tuple[ScoredShot, float, float]]:
    """The best moments of the videos ``infos``, about ``seconds`` in all, in filmed order:
    one piece per shot (never two of a shot back to back), none in dead air, none shorter than
    MIN_PIECE; with ``beats``, every cut lands on one."""
    from core.jobs import sub_progress

    shots: list[ScoredShot] = []
    for i, info in enumerate(infos):
        if info.kind != "video":
            raise MediaError(f"'{info.name}' is not a video; a highlight reel is made from footage.")
        shots += score_shots(info, cancel, sub_progress(progress, i / len(infos), (i + 1) / len(infos)))
    shots = [s for s in shots if s.end - s.start >= MIN_PIECE]
    if not shots:
        raise MediaError("No shot long enough for a highlight reel was found.")
    _rank(shots)
    pieces = pick_pieces(shots, seconds, piece=piece_length(seconds))
    return cut_on_beats(pieces, beats, shortest=MIN_PIECE) if beats is not None else pieces


def reel_project(pieces: list[tuple[ScoredShot, float, float]], infos: list[MediaInfo], width: int, height: int,
                 fps: float, transition: str | None = "crossfade", transition_frames: int = 10):
    """A project with ``pieces`` end to end on its first track, joined by ``transition`` (None:
    hard cuts)."""
    from core import timeline as tl

    project = tl.Project.new("1080p", fps=fps, name="Highlights")
    project.width, project.height = width, height
    track = project.tracks[0].id
    refs = {}
    for info in infos:
        refs[info.path] = tl.MediaRef.from_info(info)
        tl.add_media(project, refs[info.path])
    previous, elapsed = None, 0.0
    for shot, start, end in pieces:
        # Each cut on the frame nearest its time from the start: rounding each piece's length
        # instead would drift, and cuts meant for beats would wander off them.
        first, elapsed = round(elapsed * fps), elapsed + (end - start)
        frames = round(elapsed * fps) - first
        duration = refs[shot.path].duration
        if duration:  # rounded up to whole frames, a piece ending at its file's end would run past it
            start = max(0.0, min(start, duration - frames / fps))
        clip = tl.make_clip(project, refs[shot.path].id, first, start, start + frames / fps)
        tl.add_clip(project, track, clip)
        if transition and previous is not None and min(previous.length, clip.length) >= transition_frames:
            tl.add_transition(project, previous.id, clip.id, transition, transition_frames)
        previous = clip
    return project


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

    infos = [media_info(p) for p in paths]
    beats = None
    if music is not None:
        from core.audio.beats import beats_of_file

        beats = beats_of_file(music).beats
    pieces = best_pieces(infos, seconds, beats, progress=progress, cancel=cancel)
    project = reel_project(pieces, infos, width, height, fps, transition, transition_frames)
    if music is not None:
        bed = tl.MediaRef.from_info(media_info(music))
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

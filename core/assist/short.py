"""Make a short: raw clips in, a finished project out, in one call.

Each step is an existing part, in the order a good editor would take them:

1. the best moments of the videos (core.assist.highlights: one piece per shot, never dead
   air, none under a second), stills in between them for STILL_SECONDS each, in the order given;
2. music in a mood chosen from the footage's pace (or a file, or none); with music, every cut
   lands on a beat, and fast music gets hard cuts, slow music short crossfades. A file that
   is a voice-over (mostly speech, quiet between phrases) is not music: the short lasts as
   long as it speaks (up to a second past the length asked, else ending at a pause within
   it), the footage's own sound dips under it, and a quiet bed of generated music in the
   footage's mood plays under the narration (``ShortSettings.music_under_voice``);
3. every piece reframed to the canvas, following its subject; a piece that cannot fill the
   frame is shown whole over a generated backdrop colour-matched to the footage (or over its
   own blur when there is no backdrop);
4. the music under it all, dipping where someone speaks (volume keys, not a side chain on
   any sound: wind or traffic must not push the music down) and ending with the edit;
5. a title over the first seconds when one is given;
6. with a script, captions of its words as the short says them, word by word (the script is
   placed on the short's own speech; its words the short cut out are left out).

The result is an ordinary project (every step an undoable kind of edit), so the creator can
keep editing it; ``core.cli short`` exports it at -14 LUFS as every export is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core import recipes
from core import timeline as tl
from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.media import MediaInfo, media_info

ASPECTS = {"9:16": "vertical", "16:9": "1080p", "1:1": "square"}
STILL_SECONDS = 2.5
TITLE_SECONDS = 3.0
MUSIC_DUCK_DB = -12.0
FOOTAGE_DUCK_DB = -15.0  # the footage's own sound under a voice-over
# A sound file is a voice-over when at least this share of it is speech and its gaps are this
# much quieter than its speech: a song with singing has its band playing between the lines.
VOICE_SHARE = 0.5
VOICE_GAP_DB = 10.0
VOICE_TAIL = 0.6  # seconds of picture after a voice-over's last word
VOICE_OVERRUN = 1.0  # seconds past the length asked that a voice-over may run to finish
VOICE_LEAD = 0.3  # seconds of a voice-over's quiet kept before its first word
# Music under a voice-over: this far under the narration's loudness where it pauses, and
# further down under its words (20 LU under in all, where a voice-over's bed usually sits).
VOICE_BED_DB = -8.0
VOICE_BED_DUCK_DB = -12.0
VOICE_BED_GAIN_DB = (-30.0, 6.0)  # the most the bed is turned down or up to sit there
FAST_BPM = 110  # from this tempo up, cuts are hard; slower music gets crossfades
CROSSFADE_FRAMES = 8
# The footage's pace (mean picture change of the chosen shots) -> the music's mood.
PACE_MOODS = ((0.035, "chill"), (0.06, "upbeat"), (np.inf, "energetic"))


@dataclass(frozen=True)
class Plan:
    """What the short will be, known before the slow steps (reframing, the backdrop): a
    picture of each piece, in order, and the music; for a storyboard while it is made."""

    pictures: list[np.ndarray]  # RGB, PLAN_WIDTH wide
    seconds: list[float]  # each piece's length
    music: str  # "upbeat, 120 BPM", a file's name, or "no music"
    title: str | None


PLAN_WIDTH = 120


@dataclass
class ShortSettings:
    seconds: float = 30.0
    aspect: str = "9:16"
    title: str | None = None
    music: str | None = "auto"  # "auto", a mood (core.audio.music.MOODS), a sound file, or None
    backdrop: str | None = "auto"  # "auto" (the model's own style), a style name, or None
    seed: int = 0
    fps: float = 30.0
    script: str | None = None  # the words said, for captions timed to the speech (English)
    music_under_voice: bool = True  # a quiet generated bed under a voice-over (``music``)

    def validate(self) -> None:
        if self.aspect not in ASPECTS:
            raise MediaError(f"Unknown shape '{self.aspect}'; choose one of {', '.join(ASPECTS)}.")
        if not 3 <= self.seconds <= 600:
            raise MediaError("A short lasts from 3 seconds to 10 minutes.")


def make_short(paths: Sequence[str | os.PathLike], settings: ShortSettings, media_folder: str | os.PathLike, *,
               on_plan: Callable[[Plan], None] | None = None, progress: Progress | None = None,
               cancel: CancelToken | None = None) -> tl.Project:
    """The short as a project; generated music and backdrop are written into ``media_folder``.
    ``on_plan`` hears the plan as soon as the pieces and the music are chosen."""
    settings.validate()
    infos = [media_info(p) for p in paths]
    videos = [i for i in infos if i.kind == "video"]
    stills = [i for i in infos if i.kind == "image"]
    if not videos and not stills:
        raise MediaError("A short needs at least one video or picture.")
    folder = Path(media_folder)
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    try:
        return _make(videos, stills, settings, folder, on_plan, progress, cancel)
    except BaseException:  # cancelled or failed: what this run wrote goes again
        for made in set(folder.iterdir()) - before:
            made.unlink(missing_ok=True)
        raise


def _make(videos: list[MediaInfo], stills: list[MediaInfo], settings: ShortSettings, folder: Path,
          on_plan: Callable[[Plan], None] | None, progress: Progress | None, cancel: CancelToken | None) -> tl.Project:
    width, height, _ = tl.CANVASES[ASPECTS[settings.aspect]]
    voice, lead_in = _from_first_word(_voice_over(settings.music, cancel))
    seconds = _voice_length(voice, settings.seconds) if voice is not None else settings.seconds
    picture_seconds = seconds - STILL_SECONDS * len(stills)

    report(progress, 0.0, "Finding the best moments")
    pieces = []
    if videos and picture_seconds >= 1:
        from core.assist.highlights import best_pieces

        pieces = best_pieces(videos, picture_seconds, progress=sub_progress(progress, 0.0, 0.4), cancel=cancel)
        if voice is not None:
            pieces, picture_seconds = _fit_to_voice(pieces, voice, picture_seconds, seconds - picture_seconds)
    music, beats = _music(settings, pieces, folder, cancel, voice is None)
    bed = None
    if voice is not None and settings.music_under_voice:
        bed = _generated_music(_mood(pieces), seconds + 2, settings.seed, folder)[0]
    bpm = 60 / float(np.median(np.diff(beats))) if len(beats) > 1 else 0.0
    if music is not None and pieces and len(beats) > 1:
        from core.assist.highlights import cut_on_beats

        pieces = cut_on_beats(pieces, beats)
    pieces, speech = _between_words(pieces, 60 / bpm if bpm else None, cancel)
    if pieces:  # on the beat with music; in small steps without (a voice-over, no music)
        pieces = _whole_beats_to_length(pieces, picture_seconds, 60 / bpm if bpm else STEP,
                                        lambda shot, t: not _in_word(speech[shot.path], t))
    project = _assemble(pieces, videos, stills, width, height, settings, bpm)
    pictures = project.tracks[0]  # the pieces' track; a backdrop track may go under it later
    if on_plan is not None:
        on_plan(_plan(project, music, bpm, settings.title, bed))
    check_cancel(cancel)
    _reframe(project, sub_progress(progress, 0.4, 0.7), cancel)
    if settings.backdrop is not None and any(c.fit == "blur" for _, c in tl.all_clips(project)):
        _backdrop(project, settings, videos or stills, folder, sub_progress(progress, 0.7, 0.95), cancel)
    if voice is not None:
        recipes.add_music_bed(project, tl.MediaRef.from_info(music), name=recipes.VOICE_OVER_TRACK,
                              source_in=lead_in)
        _duck_footage_under(project, pictures, voice)
        if bed is not None:
            recipes.add_music_bed(project, tl.MediaRef.from_info(bed))
            _bed_under_voice(project, voice, _bed_level(music, bed))
    elif music is not None:
        recipes.add_music_bed(project, tl.MediaRef.from_info(music))
        _duck_under_speech(project, pictures, speech)
    if settings.script and voice is not None:
        _narration_captions(project, pictures, settings.script, music, lead_in, sub_progress(progress, 0.95, 1.0), cancel)
    elif settings.script:
        _captions(project, pictures, settings.script, sub_progress(progress, 0.95, 1.0), cancel)
    if settings.title:
        first = min(pictures.clips, key=lambda c: c.position)
        title = {"type": "title", "params": {"text": settings.title, "y": 0.2,
                                             "end": min(TITLE_SECONDS, first.length / project.fps)}}
        recipes.add_effects(project, [first.id], [title], "Add title")
    project.name = settings.title or "Short"
    report(progress, 1.0, "The short is ready")
    return project


def _whole_beats_to_length(pieces, seconds: float, beat: float, allowed_cut):
    """Moving cuts onto beats (and off words) shortens pieces: give the time back whole beats
    at a time, to the latest pieces whose shots have room after them (else before them) and
    whose new end (or start) is ``allowed_cut(shot, t)``. A piece grown by whole beats at
    either end keeps every cut after it on a beat."""
    pieces = list(pieces)
    total = sum(end - start for _, start, end in pieces)
    grown = True
    while total + beat <= seconds + beat / 2 and grown:
        grown = False
        for i in reversed(range(len(pieces))):
            shot, start, end = pieces[i]
            fits = [k for k in range(1, 5) if total + k * beat <= seconds + beat / 2]
            later = next((k for k in fits if end + k * beat <= shot.end and allowed_cut(shot, end + k * beat)), None)
            earlier = next((k for k in fits if start - k * beat >= shot.start and allowed_cut(shot, start - k * beat)), None)
            if later is not None:
                pieces[i], total, grown = (shot, start, end + later * beat), total + later * beat, True
            elif earlier is not None:
                pieces[i], total, grown = (shot, start - earlier * beat, end), total + earlier * beat, True
    return pieces


WORD_SLIDE = 1.5  # seconds a piece may slide within its shot to start between words
STEP = 0.04  # seconds: the slide's step, and an end's step without a beat to keep to


def _between_words(pieces, beat: float | None, cancel: CancelToken | None) -> tuple[list, dict[str, np.ndarray]]:
    """Each piece moved the least it must so that it neither starts nor ends while a word is
    being said: its start slides within the shot, then its end moves by whole beats (so the
    cuts after it stay on the beats), or by small steps without music. Where the voice
    detector hears no gap near, the recogniser's word boundaries are the places to cut. A
    piece with no such place near is left as it is. Also returns each file's speech spans."""
    from core.speech.voice import find_speech
    from core.speech.words import BREATHS, word_edges

    speech: dict[str, np.ndarray] = {}
    moved = []
    for shot, start, end in pieces:
        check_cancel(cancel)
        if shot.path not in speech:
            info = media_info(shot.path)
            spans = find_speech(info, BREATHS, cancel=cancel) if info.has_audio else []
            speech[shot.path] = np.array([(s.start, s.end) for s in spans]).reshape(-1, 2)
        spans = speech[shot.path]
        choice = _cut_between(shot, start, end, beat, lambda t, spans=spans: not _in_word(spans, t))
        if choice is None and len(spans):
            edges = np.array(word_edges(shot.path, max(shot.start, start - WORD_SLIDE), min(shot.end, end + WORD_SLIDE)))
            choice = _cut_between(shot, start, end, beat, lambda t, spans=spans, edges=edges: not _in_word(spans, t)
                                  or (len(edges) > 0 and np.abs(edges - t).min() <= EDGE_TOLERANCE))
        moved.append((shot, *(choice or (start, end))))
    return moved, speech


EDGE_TOLERANCE = 0.02  # seconds from a word boundary that still count as on it


def _cut_between(shot, start: float, end: float, beat: float | None, allowed) -> tuple[float, float] | None:
    """The nearest (start, end) for a piece, its start slid and its end moved by whole beats
    (small steps without a beat), whose two ends are ``allowed``; None when there is none."""
    from core.assist.highlights import MIN_PIECE

    length = end - start
    slides = sorted(np.arange(-WORD_SLIDE, WORD_SLIDE + 1e-9, STEP), key=abs)
    starts = [start + o for o in slides if shot.start <= start + o < shot.end and allowed(start + o)]
    changes = sorted((k * (beat or STEP) for k in range(-8 if beat else -25, 9 if beat else 26)), key=abs)
    return next(((a, a + length + e) for a in starts for e in changes
                 if a + length + e <= shot.end and length + e >= MIN_PIECE and allowed(a + length + e)), None)


def _in_word(spans: np.ndarray, t: float) -> bool:
    return bool(((spans[:, 0] < t) & (t < spans[:, 1])).any())


def _plan(project: tl.Project, music: MediaInfo | None, bpm: float, title: str | None,
          bed: MediaInfo | None = None) -> Plan:
    """A small picture from the middle of each piece, decoded side by side per file."""
    from core.media import fit_size, pictures_at, read_image

    clips = sorted(project.tracks[0].clips, key=lambda c: c.position)
    pictures: dict[str, np.ndarray] = {}
    by_file: dict[str, list[tl.Clip]] = {}
    for clip in clips:
        by_file.setdefault(clip.media_id, []).append(clip)
    for media_id, group in by_file.items():
        media = project.media[media_id]
        if media.kind == "image":
            import cv2

            still = read_image(media.path)
            size = fit_size(still.shape[1], still.shape[0], PLAN_WIDTH)
            pictures.update({c.id: cv2.resize(still, size, interpolation=cv2.INTER_AREA) for c in group})
            continue
        info = media_info(media.path)
        middles = [(c.source_in + c.source_out(project.fps)) / 2 for c in group]
        frames = [min(int(np.searchsorted(info.frame_times, m)), info.frame_count - 1) for m in middles]
        pictures.update(zip([c.id for c in group], pictures_at(info, frames, PLAN_WIDTH), strict=True))
    name = "no music" if music is None else f"{music.name}, {bpm:.0f} BPM" if bpm else f"{music.name} (voice-over)"
    if bed is not None:
        name += ", quiet music under it"
    return Plan([pictures[c.id] for c in clips], [c.length / project.fps for c in clips], name, title)


def _mood(pieces) -> str:
    pace = float(np.mean([shot.motion for shot, _, _ in pieces])) if pieces else 0.0
    return next(mood for limit, mood in PACE_MOODS if pace < limit)


def _music(settings: ShortSettings, pieces, folder: Path, cancel, with_beats: bool = True) -> tuple[MediaInfo | None, list[float]]:
    """The music file's info and its beats (seconds): generated in the asked (or the
    footage's) mood, or a file of the creator's (without beats for a voice-over); (None, [])
    for none."""
    from core.audio.music import MOODS

    if settings.music is None:
        return None, []
    check_cancel(cancel)
    if settings.music == "auto" or settings.music in MOODS:
        mood = _mood(pieces) if settings.music == "auto" else settings.music
        return _generated_music(mood, settings.seconds + 2, settings.seed, folder)
    from core.audio.beats import beats_of_file

    info = media_info(settings.music)
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound to use as music.")
    return info, list(beats_of_file(info.path).beats) if with_beats else []


def _generated_music(mood: str, seconds: float, seed: int, folder: Path) -> tuple[MediaInfo, list[float]]:
    """Music generated in ``mood`` into ``folder``: its info and its beats (seconds)."""
    from core.audio.music import MOODS, MusicSettings, write_music

    bed = MusicSettings(mood=mood, bpm=MOODS[mood].bpm, seconds=seconds, seed=seed)
    path = write_music(bed, folder / f"music-{mood}-{int(bed.bpm)}bpm-seed{seed}.wav")
    return media_info(path), list(np.arange(0, bed.seconds, 60 / bed.bpm))  # it is made on this grid


def _voice_over(music: str | None, cancel: CancelToken | None) -> list | None:
    """The speech of the chosen sound file, phrase by phrase, when it is a voice-over
    (mostly speech, quiet between phrases); None for music, a mood or no sound."""
    from core.audio.music import MOODS

    if music in (None, "auto") or music in MOODS:
        return None
    from core.assist.dead_air import sound_levels
    from core.audio.mix import STEP as LEVEL_STEP
    from core.speech.voice import find_speech

    info = media_info(music)
    if info.kind != "audio" or not info.has_audio or not info.duration:
        return None
    spans = find_speech(info, cancel=cancel)  # pauses of a third of a second: between phrases, not breaths
    if sum(s.duration for s in spans) < VOICE_SHARE * info.duration:
        return None
    levels = sound_levels(info)
    said = np.zeros(len(levels), bool)
    for span in spans:
        said[int(span.start / LEVEL_STEP) : int(np.ceil(span.end / LEVEL_STEP))] = True
    if said.all() or np.median(levels[~said]) <= np.median(levels[said]) - VOICE_GAP_DB:
        return spans
    return None


def _from_first_word(voice: list | None) -> tuple[list | None, float]:
    """A voice-over's speech timed from where the short starts playing it, a breath before its
    first word (a recording's lead-in silence would open the short with nobody speaking),
    and the seconds of the recording skipped."""
    if voice is None:
        return None, 0.0
    skip = max(0.0, voice[0].start - VOICE_LEAD)
    return [replace(s, start=s.start - skip, end=s.end - skip) for s in voice], skip


def _voice_length(spans, asked: float, overrun: float = VOICE_OVERRUN) -> float:
    """How long a short over a voice-over lasts: until its last word and a breath after (up to
    VOICE_OVERRUN past the length asked: a narration that ends just past it is not cut in half),
    or, when it says more than that, until the last pause within the length asked."""
    whole = spans[-1].end + VOICE_TAIL
    if whole <= asked + overrun:
        return min(asked + overrun, max(3.0, whole))
    ends = [s.end for s in spans if s.end + VOICE_TAIL <= asked]
    return min(asked, max(3.0, ends[-1] + VOICE_TAIL)) if ends else asked


def _assemble(pieces, videos: list[MediaInfo], stills: list[MediaInfo], width: int, height: int,
              settings: ShortSettings, bpm: float) -> tl.Project:
    """The pieces end to end, the stills after the footage they came with (in the order given)."""
    from core.assist.highlights import reel_project

    fast = bpm >= FAST_BPM or not bpm
    project = reel_project(pieces, videos, width, height, settings.fps,
                           None if fast else "crossfade", CROSSFADE_FRAMES)
    track = project.tracks[0]
    for info in stills:
        ref = tl.MediaRef.from_info(info)
        tl.add_media(project, ref)
        tl.add_clip(project, track.id, tl.make_clip(project, ref.id, track.end, 0.0, STILL_SECONDS))
    return project


def _reframe(project: tl.Project, progress: Progress | None, cancel: CancelToken | None) -> None:
    from core.assist.reframe import reframe_clips

    videos = [(c.id, project.media[c.media_id].path, c.source_in, c.source_out(project.fps))
              for _, c in tl.all_clips(project) if project.media[c.media_id].kind == "video"]
    keys, faces = reframe_clips(videos, progress=progress, cancel=cancel) if videos else ({}, {})
    keys.update({c.id: [] for _, c in tl.all_clips(project) if project.media[c.media_id].kind == "image"})
    recipes.apply_reframe(project, keys, faces)


def _on_timeline(clip: tl.Clip, source_time: float, fps: float) -> float:
    """Where a moment of a clip's source plays on the timeline (seconds), kept within the clip."""
    at = clip.position / fps + (source_time - clip.source_in) / clip.speed
    return min(clip.position / fps + clip.length / fps, max(clip.position / fps, at))


def _duck_under_speech(project: tl.Project, pictures: tl.Track, speech: dict[str, np.ndarray]) -> None:
    """Volume keys on the music that dip it under the short's speech (the pieces' speech spans
    from the source files, placed where each piece plays)."""
    from core.audio.mix import duck_keys

    fps, said = project.fps, []
    for clip in pictures.clips:
        spans = speech.get(project.media[clip.media_id].path, np.empty((0, 2)))
        first, last = clip.source_in, clip.source_out(fps)
        said += [(_on_timeline(clip, start, fps), _on_timeline(clip, end, fps))
                 for start, end in spans if end > first and start < last]
    music = next(t for t in project.tracks if t.name == recipes.MUSIC_TRACK).clips[0]
    if said:
        keys = [(t - music.position / fps, g) for t, g in duck_keys(said, MUSIC_DUCK_DB)]
        tl.set_clip_properties(project, music.id, volume_keys=keys)


def _bed_level(narration: MediaInfo, bed: MediaInfo) -> float:
    """The bed's gain where the narration pauses: VOICE_BED_DB under the narration's loudness
    (gated, so its speech), whatever either was recorded at. A fixed gain left a quiet reading's
    music nearly as loud as the words once the export levelled the whole mix."""
    from core.audio.loudness import integrated_loudness
    from core.media.audio import read_audio

    rate = 16000
    voice, music = (integrated_loudness(read_audio(info, sample_rate=rate, channels=1), rate) for info in (narration, bed))
    if not np.isfinite(voice) or not np.isfinite(music):
        return 10 ** (VOICE_BED_DB / 20)
    low, high = VOICE_BED_GAIN_DB
    return 10 ** (float(np.clip(voice + VOICE_BED_DB - music, low, high)) / 20)


def _bed_under_voice(project: tl.Project, voice, level: float) -> None:
    """Volume keys that keep the music at ``level`` under a voice-over, lower still under its
    words (the voice-over and the music both play from the start, so its speech times are the
    music's)."""
    from core.audio.mix import duck_keys

    music = next(t for t in project.tracks if t.name == recipes.MUSIC_TRACK).clips[0]
    keys = duck_keys([(s.start, s.end) for s in voice], VOICE_BED_DUCK_DB)
    tl.set_clip_properties(project, music.id, volume_keys=[(t, round(g * level, 4)) for t, g in keys])


def _fit_to_voice(pieces, voice, picture_seconds: float, still_seconds: float) -> tuple[list, float]:
    """Footage with less to show than the voice-over says: the short ends at the last pause
    the footage reaches instead, with the best of it (every shot is among the pieces then).
    Returns the pieces and the seconds of footage."""
    from core.assist.highlights import pick_pieces, piece_length

    shown = sum(end - start for _, start, end in pieces)
    if shown >= picture_seconds - STEP:
        return pieces, picture_seconds
    seconds = _voice_length(voice, shown + still_seconds, overrun=0.0) - still_seconds
    return pick_pieces([shot for shot, _, _ in pieces], seconds, piece_length(seconds)), seconds


def _duck_footage_under(project: tl.Project, pictures: tl.Track, voice) -> None:
    """Volume keys on the footage that dip its own sound where the voice-over speaks (the
    voice-over plays from the start, so its speech times are the timeline's)."""
    from core.audio.mix import duck_keys, keyed_gain

    fps, keys = project.fps, duck_keys([(s.start, s.end) for s in voice], FOOTAGE_DUCK_DB)
    for clip in pictures.clips:
        if not project.media[clip.media_id].has_audio:
            continue
        start, end = clip.position / fps, (clip.position + clip.length) / fps
        inside = [(t - start, g) for t, g in keys if start < t < end]
        edges = [(0.0, start), (end - start, end)]
        bounds = [(at, round(float(keyed_gain(keys, np.array([t]))[0]), 4)) for at, t in edges]
        if inside or bounds[0][1] < 1:  # a clip the voice-over is silent through keeps its sound
            tl.set_clip_properties(project, clip.id, volume_keys=[bounds[0], *inside, bounds[1]])


# A creator's script for a short holds lines the short cut; a third of it heard will do.
SHORT_SCRIPT_SHARE = 0.3


def _captions(project: tl.Project, pictures: tl.Track, script: str, progress: Progress | None,
              cancel: CancelToken | None) -> None:
    """Captions of the script on the pieces' track, word by word as the short says them.

    The script is placed on each whole file in turn (the files say it in the order given; a
    piece alone is too short to place it on), and each piece keeps the words it plays."""
    from core.errors import SpeechError
    from core.speech.cues import build_cues, line_characters
    from core.speech.words import align, script_tokens

    tokens = script_tokens(script)
    files = list(dict.fromkeys(project.media[c.media_id].path for c in sorted(pictures.clips, key=lambda c: c.position)
                               if project.media[c.media_id].kind == "video" and project.media[c.media_id].has_audio))
    heard: dict[str, list] = {}
    next_word = 0
    for i, path in enumerate(files):
        words = align(path, script, least_share=0.0, first_word=next_word, cancel=cancel,
                      progress=sub_progress(progress, i / len(files), (i + 1) / len(files)))
        heard[path] = [w for w in words if w.placed]
        placed = [k for k, w in enumerate(words) if w.placed]
        next_word = placed[-1] + 1 if placed else next_word
    if sum(len(w) for w in heard.values()) < SHORT_SCRIPT_SHARE * len(tokens):
        raise SpeechError("The script does not match what is said in these clips: check the text.")
    cues: list[list] = []
    for clip in sorted(pictures.clips, key=lambda c: c.position):  # a cut starts a new caption
        path = project.media[clip.media_id].path
        start, end = clip.source_in, clip.source_out(project.fps)

        def placed(t: float, clip=clip) -> float:
            return round(_on_timeline(clip, t, project.fps), 3)

        said = [replace(w, start=placed(w.start), end=placed(w.end))
                for w in heard.get(path, []) if start - 0.02 <= w.start and w.end <= end + 0.02]
        for cue in build_cues(said, line_characters(project.width, project.height)):
            if cues and cues[-1][1] > cue[0]:  # never over the next
                cues[-1][1] = max(cues[-1][0] + 0.05, cue[0])
            cues.append(cue)
    if cues:
        recipes.add_track_effects(project, pictures.id, [{"type": "captions", "params": {"cues": cues}}])


def _narration_captions(project: tl.Project, pictures: tl.Track, script: str, narration: MediaInfo, lead_in: float,
                        progress: Progress | None, cancel: CancelToken | None) -> None:
    """Captions of the script as the voice-over says it: the words are the narration's, so the
    script is placed on it (the part the short plays, the whole script may be given), not on
    the footage."""
    from core.speech.cues import build_cues, line_characters
    from core.speech.words import align

    seconds = project.duration_frames / project.fps
    words = align(narration, script, within=(lead_in, lead_in + seconds), progress=progress, cancel=cancel)
    played = [replace(w, start=round(max(0.0, w.start - lead_in), 3), end=round(min(seconds, w.end - lead_in), 3))
              for w in words if w.start - lead_in < seconds - 0.1]  # the short ends after its last word
    cues = build_cues(played, line_characters(project.width, project.height))
    if cues:
        recipes.add_track_effects(project, pictures.id, [{"type": "captions", "params": {"cues": cues}}])


def _backdrop(project: tl.Project, settings: ShortSettings, sources: list[MediaInfo], folder: Path,
              progress: Progress | None, cancel: CancelToken | None) -> None:
    """A generated backdrop under the whole edit, in the colours of the footage it shows behind
    most (the pieces too small to fill the frame)."""
    from core.gan.backdrop import BackdropSettings, render_backdrop

    style = None if settings.backdrop == "auto" else settings.backdrop
    shown_over: dict[str, int] = {}  # the files the backdrop shows behind, by frames
    for _, clip in tl.all_clips(project):
        if clip.fit == "blur":
            path = project.media[clip.media_id].path
            shown_over[path] = shown_over.get(path, 0) + clip.length
    match = max(shown_over, key=shown_over.get) if shown_over else sources[0].path
    # At half the canvas: the generator's pictures are 128 px (a 9:16 frame crops 72 of them
    # across), so full size only upscales further, and encoding (then decoding at export) four
    # times the pixels was half of a short's making. The compositor scales it to fill.
    backdrop = BackdropSettings(seconds=project.duration_frames / project.fps, width=project.width // 4 * 2,
                                height=project.height // 4 * 2, fps=project.fps, seed=settings.seed, style=style,
                                match=match)
    out = render_backdrop(backdrop, folder / f"backdrop-seed{settings.seed}.mp4", progress=progress, cancel=cancel)
    recipes.add_backdrop(project, tl.MediaRef.from_info(media_info(out)), 0)

"""Dead air: stretches worth cutting, from the sound (pauses, silence) and the picture (frozen,
black).

In a clip where someone talks, a pause is where nobody speaks (silero-vad, core.speech),
whatever music or room noise plays under it. Elsewhere silence is judged against the clip's
own loudness, not a fixed level, so a quiet recording and a loud one are treated alike. As in auto-editor, the keep/cut decision per 10 ms is then
smoothed: a margin of sound is kept around speech, very short sounds inside a pause do not
break it up, and pauses too short to be worth a cut are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.audio.mix import STEP, envelope_db
from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.media import MediaInfo, media_info, read_audio
from core.scenes import SceneReport
from core.speech.voice import Speech, find_speech

ANALYSIS_RATE = 16000


@dataclass(frozen=True)
class DeadAirSettings:
    threshold_db: float = 26.0  # quieter than the clip's loud level by this much: silence
    margin: float = 0.15  # seconds kept either side of what is heard (the padding around speech)
    min_clip: float = 0.2  # a sound shorter than this inside a pause does not break it
    min_cut: float = 0.6  # a pause shorter than this is not worth a cut


@dataclass(frozen=True)
class DeadAir:
    start: float  # seconds into the media
    end: float
    reason: str  # "pause" (nobody speaks) | "silence" | "frozen" | "black" | "blank" (one flat field)

    @property
    def duration(self) -> float:
        return self.end - self.start


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index ranges where ``mask`` is True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def smooth_keep(loud: np.ndarray, settings: DeadAirSettings) -> np.ndarray:
    """auto-editor-style smoothing of a per-step 'there is sound' array into 'keep' (True)."""
    keep = loud.copy()
    for start, end in true_runs(loud):  # a short blip inside a pause is not speech
        if (end - start) * STEP < settings.min_clip:
            keep[start:end] = False
    margin = int(round(settings.margin / STEP))
    grown = keep.copy()
    for start, end in true_runs(keep):  # keep a little air around what is heard
        grown[max(0, start - margin) : end + margin] = True
    for start, end in true_runs(~grown):  # a pause too short to be worth cutting stays
        if (end - start) * STEP < settings.min_cut:
            grown[start:end] = True
    return grown


# A clip is talk when someone speaks for this share of it; in other footage (sport, scenery,
# music) the voice detector's "nobody speaks" would call everything dead air.
TALK_SHARE = 0.2


def is_talk(speech: list[Speech], duration: float) -> bool:
    return duration > 0 and sum(s.duration for s in speech) >= TALK_SHARE * duration


def pauses(speech: list[Speech], duration: float, settings: DeadAirSettings = DeadAirSettings()) -> list[DeadAir]:
    """Where nobody speaks, with ``settings.margin`` of padding kept around the speech: the
    cuts of a jump-cut edit."""
    heard = np.zeros(int(np.ceil(duration / STEP)), bool)
    for span in speech:
        heard[int(span.start / STEP) : int(np.ceil(span.end / STEP))] = True
    return _cuttable(heard, settings, "pause")


def _cuttable(heard: np.ndarray, settings: DeadAirSettings, reason: str) -> list[DeadAir]:
    keep = smooth_keep(heard, settings)
    return [DeadAir(round(float(start) * STEP, 3), round(float(end) * STEP, 3), reason) for start, end in true_runs(~keep)]


def find_silences(
    source: MediaInfo | str,
    settings: DeadAirSettings = DeadAirSettings(),
    *,
    speech: list[Speech] | None = None,
    levels: np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[DeadAir]:
    """Stretches of a clip's sound worth cutting: the pauses between speech when the clip is
    talk (pass its ``speech`` when it is already found), else its quiet stretches (pass its
    ``levels`` from sound_levels when they are already read)."""
    info = media_info(source)
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound to look for silence in.")
    check_cancel(cancel)
    if speech is None:
        speech = find_speech(info, progress=sub_progress(progress, 0.0, 0.6), cancel=cancel)
    if is_talk(speech, float(info.duration or 0)):
        return pauses(speech, float(info.duration), settings)
    report(progress, 0.7, "Reading the sound")
    found = quiet_stretches(info, settings, levels)
    report(progress, 1.0, "Silences found")
    return found


def sound_levels(info: MediaInfo) -> np.ndarray:
    """The level of a clip's sound in dB, one value every envelope step."""
    return envelope_db(read_audio(info, sample_rate=ANALYSIS_RATE, channels=1)[:, 0], ANALYSIS_RATE)


def quiet_stretches(info: MediaInfo, settings: DeadAirSettings = DeadAirSettings(),
                    levels: np.ndarray | None = None) -> list[DeadAir]:
    """Where the sound is quiet, judged against the clip's own loud level."""
    levels = sound_levels(info) if levels is None else levels
    if len(levels) == 0:
        return []
    reference = float(np.percentile(levels, 95))  # the clip's own loud level
    return _cuttable(levels > reference - settings.threshold_db, settings, "silence")


# A held picture's camera moves under this many pixels (at CAMERA_CHECK_WIDTH) from the hold's
# first frame to its last; a slow push-in or pan over soft scenery moves more, though at the
# small size shots are found at it can look frozen.
CAMERA_STILL_PIXELS = 1.0
CAMERA_CHECK_WIDTH = 480


def _camera_still(info: MediaInfo, first: int, last: int) -> bool:
    """Whether the camera holds still from frame ``first`` to ``last``, checked at a size where
    a slow move shows (a held frame's codec noise does not move any corner)."""
    import cv2

    from core.assist.camera import camera_move, largest_shift
    from core.media import pictures_at

    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pictures_at(info, [max(0, first), last], CAMERA_CHECK_WIDTH))
    camera = camera_move(a, b)
    return camera is None or largest_shift(camera, a.shape[::-1]) < CAMERA_STILL_PIXELS


def find_still_picture(
    source: MediaInfo | str,
    min_seconds: float = 1.0,
    *,
    scenes: SceneReport | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[DeadAir]:
    """Stretches where the picture is black, blank (one flat field of any colour: a grey card,
    the middle of a fade to white), or frozen (nothing moves), for ``min_seconds`` or more. Pass the file's ``scenes`` when they are already found: the same pass over the
    picture measured both, so nothing is decoded again."""
    from core.scenes import detect_scenes

    info = media_info(source)
    if not info.has_video or info.kind != "video":
        raise MediaError(f"'{info.name}' is not a video.")
    if scenes is None:
        scenes = detect_scenes(info, progress=progress, cancel=cancel)
    times = info.frame_times
    found = []
    blank = scenes.blank & ~scenes.black
    for reason, mask in (("black", scenes.black), ("blank", blank), ("frozen", scenes.frozen & ~scenes.black & ~blank)):
        for start, end in true_runs(mask):
            begin = float(times[start])
            finish = float(times[end]) if end < len(times) else float(info.duration)
            if finish - begin >= min_seconds and (reason != "frozen" or _camera_still(info, start - 1, end - 1)):
                found.append(DeadAir(round(begin, 3), round(finish, 3), reason))
    report(progress, 1.0, "Still picture found")
    return sorted(found, key=lambda d: d.start)

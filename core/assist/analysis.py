"""What smart cut proposes for each file, in one job: its changes of shot, a keyframe picture
per shot (the storyboard), where someone speaks, and its dead air (pauses in talk, silence,
black or frozen picture)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.assist.dead_air import DeadAir, find_silences, find_still_picture
from core.jobs import CancelToken, Progress, sub_progress
from core.media import pictures_at, probe_cached
from core.scenes import KEYFRAME_MAX_BRIGHTNESS, KEYFRAME_MIN_BRIGHTNESS, SceneReport, detect_scenes
from core.speech.voice import Speech, find_speech

STORYBOARD_WIDTH = 160


@dataclass(frozen=True)
class Keyframe:
    seconds: float  # into the media
    picture: np.ndarray  # RGB, STORYBOARD_WIDTH wide


@dataclass
class MediaAnalysis:
    path: str
    scenes: SceneReport
    keyframes: list[Keyframe]  # one per shot
    dead_air: list[DeadAir]  # sorted by start
    speech: list[Speech]  # where someone speaks (empty without sound)

    @property
    def poster(self) -> Keyframe | None:
        """The picture that stands for the file: the first shot's keyframe that is well exposed
        (a black lead-in or a white flash must not become the file's thumbnail), else the
        one nearest mid-grey."""
        if not self.keyframes:
            return None
        exposed = [k for k in self.keyframes
                   if KEYFRAME_MIN_BRIGHTNESS <= k.picture.mean() / 255 <= KEYFRAME_MAX_BRIGHTNESS]
        return exposed[0] if exposed else min(self.keyframes, key=lambda k: abs(k.picture.mean() - 128))

    @property
    def cut_times(self) -> list[float]:
        """Media seconds where a new shot starts."""
        return [b.time for b in self.scenes.boundaries]


def analyse_media(paths: Sequence[str], *, progress: Progress | None = None,
                  cancel: CancelToken | None = None) -> dict[str, MediaAnalysis]:
    """Path -> its analysis. Shots, still picture and keyframes come from one pass over the
    picture; the keyframe pictures are decoded side by side, not one seek at a time."""
    found = {}
    for i, path in enumerate(paths):
        share = sub_progress(progress, i / len(paths), (i + 1) / len(paths))
        info = probe_cached(path)
        scenes = detect_scenes(info, progress=sub_progress(share, 0.0, 0.8), cancel=cancel)
        pictures = pictures_at(info, scenes.keyframes, STORYBOARD_WIDTH)
        keyframes = [Keyframe(float(info.frame_times[k]), picture)
                     for k, picture in zip(scenes.keyframes, pictures, strict=True)]
        dead_air = find_still_picture(info, scenes=scenes)
        speech = find_speech(info, progress=sub_progress(share, 0.8, 0.95), cancel=cancel) if info.has_audio else []
        if info.has_audio:
            dead_air += find_silences(info, speech=speech, cancel=cancel)
        found[path] = MediaAnalysis(path, scenes, keyframes, sorted(dead_air, key=lambda d: d.start), speech)
    return found

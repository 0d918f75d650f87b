"""Dead air from the sound: relative to the clip's own loudness, smoothed like auto-editor."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import MediaError
from core.samples import speech_like, write_wav
from core.smartcut import STEP, DeadAirSettings, find_silences, smooth_keep


def test_the_declared_pause_is_found(samples):
    (pause,) = [d for d in find_silences(str(samples.path("studio-talk.mp4"))) if d.duration > 1.0]
    assert pause.reason == "silence"
    assert pause.start <= 2.5 + 0.2 and pause.end >= 4.0 - 0.2  # the pause, less the kept margin
    assert pause.start >= 1.5 and pause.end <= 4.1  # and not the speech around it


def test_music_has_no_dead_air(samples):
    assert find_silences(str(samples.path("music-bed.wav"))) == []


def test_threshold_is_relative_to_the_clip(tmp_path):
    voice = speech_like(6.0, 11, silences=[(2.0, 3.5)])
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    write_wav(loud, voice)
    write_wav(quiet, voice * 0.05)  # the same talk recorded 26 dB quieter
    found_loud = [(d.start, d.end) for d in find_silences(str(loud))]
    found_quiet = [(d.start, d.end) for d in find_silences(str(quiet))]
    assert found_loud and len(found_loud) == len(found_quiet)
    for (a, b), (c, d) in zip(found_loud, found_quiet, strict=True):
        assert abs(a - c) < 0.05 and abs(b - d) < 0.05


def steps(pattern: str) -> np.ndarray:
    """'#' = sound, '.' = silence, one character per 10 ms step, repeated x10 (100 ms)."""
    return np.array([c == "#" for c in pattern for _ in range(10)])


def test_smoothing_rules():
    settings = DeadAirSettings(margin=0.1, min_clip=0.2, min_cut=0.5)
    keep = smooth_keep(steps("#####" + "." * 20 + "#" + "." * 20 + "#####"), settings)
    # the 100 ms blip is dropped, so the 4.1 s pause (less 100 ms margins) is one cut
    assert keep[:60].all() and not keep[60:450].any() and keep[450:].all()
    short_pause = smooth_keep(steps("#####" + "...." + "#####"), settings)
    assert short_pause.all()  # 400 ms: not worth a cut
    assert STEP == 0.01


def test_no_sound_is_a_clear_error(shared_media):
    with pytest.raises(MediaError, match="no sound"):
        find_silences(str(shared_media / "counter.mp4"))

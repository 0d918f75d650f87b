"""Generated music and beats: deterministic, loopable, levelled; tempo found to within 2 BPM."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.audio.beats import detect_beats
from core.audio.loudness import db, integrated_loudness, true_peak
from core.audio.music import MOODS, MusicSettings, generate_music, parse_key
from core.errors import MediaError

RATE = 48000


def test_music_is_deterministic_levelled_and_a_whole_number_of_bars():
    first = generate_music(MusicSettings("upbeat", bpm=120, seconds=8, seed=4))
    assert first.shape == (8 * RATE, 2)  # 4 bars of 2 s at 120 BPM
    assert np.array_equal(first, generate_music(MusicSettings("upbeat", bpm=120, seconds=8, seed=4)))
    assert not np.array_equal(first, generate_music(MusicSettings("upbeat", bpm=120, seconds=8, seed=5)))
    assert integrated_loudness(first, RATE) == pytest.approx(-16, abs=1)
    assert db(true_peak(first)) <= -0.9


def test_music_loops_without_a_seam():
    music = generate_music(MusicSettings("chill", bpm=90, seconds=8, seed=1))
    looped = np.concatenate([music, music])
    seam = len(music)
    jump = np.abs(np.diff(looped[seam - 2 : seam + 2], axis=0)).max()
    typical = np.percentile(np.abs(np.diff(music, axis=0)), 99.9)
    assert jump <= typical  # the join is no bigger a step than the music takes anyway


def test_moods_keys_and_bad_settings():
    assert parse_key("F#m") == (6, True) and parse_key("Bb major") == (10, False) and parse_key("C") == (0, None)
    e_major = generate_music(MusicSettings("upbeat", bpm=120, seconds=4, key="E"))
    c_major = generate_music(MusicSettings("upbeat", bpm=120, seconds=4, key="C"))
    assert not np.array_equal(e_major, c_major)
    for settings, message in ((MusicSettings("polka"), "Unknown mood"), (MusicSettings(bpm=300), "tempo"),
                              (MusicSettings(key="H"), "not a key"), (MusicSettings(seconds=1), "seconds")):
        with pytest.raises(MediaError, match=message):
            generate_music(settings)
    assert len(MOODS) >= 5


@pytest.mark.parametrize(("mood", "bpm"), [("upbeat", 120), ("upbeat", 150), ("energetic", 128), ("lofi", 93),
                                           ("dreamy", 104), ("chill", 100), ("cinematic", 90), ("energetic", 170)])
def test_tempo_of_generated_music_within_2_bpm(mood, bpm):
    report = detect_beats(generate_music(MusicSettings(mood, bpm=bpm, seconds=20, seed=5)), RATE)
    assert report.bpm == pytest.approx(bpm, abs=2)
    gaps = np.diff(report.beats)
    assert np.median(gaps) == pytest.approx(60 / bpm, abs=0.02)
    assert len(report.beats) == pytest.approx(20 * bpm / 60, abs=3)


def test_beats_fall_on_the_kick():
    music = generate_music(MusicSettings("energetic", bpm=128, seconds=15, seed=2))  # kick on every beat
    beats = np.array(detect_beats(music, RATE).beats)
    period = 60 / 128
    phase = np.mod(beats, period) / period
    off = np.minimum(phase, 1 - phase)
    assert np.median(off) < 0.08  # within a few percent of a beat of the grid that starts at 0


def test_short_music_has_no_beats():
    with pytest.raises(MediaError, match="too short"):
        detect_beats(np.zeros(RATE), RATE)


def test_music_and_beats_cli(tmp_path):
    from tests.core.test_cli import run_cli

    out = tmp_path / "bed.wav"
    made = run_cli("music", "--mood", "upbeat", "--bpm", "124", "--seconds", "10", "--out", str(out), "--seed", "3")
    assert made.returncode == 0, made.stderr
    beats = run_cli("beats", str(out), "--json")
    assert beats.returncode == 0, beats.stderr
    assert json.loads(beats.stdout)["bpm"] == pytest.approx(124, abs=2)
    again = run_cli("music", "--out", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = run_cli("music", "--mood", "upbeat", "--key", "Q", "--out", str(tmp_path / "x.wav"))
    assert bad.returncode == 2 and "not a key" in bad.stderr


def test_highlight_reel_cuts_on_the_beat(samples, tmp_path):
    from core.assist.highlights import build_highlights
    from core.audio.music import write_music

    music = write_music(MusicSettings("upbeat", bpm=120, seconds=16, seed=1), tmp_path / "bed.wav")
    beats = detect_beats(generate_music(MusicSettings("upbeat", bpm=120, seconds=16, seed=1)), RATE).beats
    project = build_highlights([str(p) for p in samples.clips], 8.0, width=320, height=180, music=str(music))
    clips = project.tracks[0].clips
    cuts = [c.position / project.fps for c in clips[1:]]
    assert cuts and all(min(abs(b - t) for b in beats) <= 1.5 / project.fps for t in cuts)
    bed = project.tracks_of_kind("audio")[0].clips
    assert len(bed) == 1 and project.media[bed[0].media_id].path == str(music)


def test_music_onto_a_full_disk_is_a_users_problem_not_a_crash(small_disk):
    from tests.core.test_cli import run_cli

    result = run_cli("music", "--seconds", "30", "--out", str(small_disk / "bed.wav"))
    assert result.returncode == 2 and "disk is full" in result.stderr, result.stderr
    assert list(small_disk.iterdir()) == []  # no half-written file, no temporary left

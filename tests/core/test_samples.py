"""The generated demo media: deterministic, and its ground truth is really in the pictures."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import MediaError
from core.jobs import Cancelled, CancelToken
from core.media import VideoReader, probe, read_audio
from core.samples import _assemble, _plans, ensure_samples, music_like, speech_like


def _frame_difference(frames, i):
    return float(np.abs(frames[i].astype(np.int16) - frames[i - 1].astype(np.int16)).mean())


@pytest.fixture(scope="module")
def city(samples):
    info = probe(samples.path("city-walk.mp4"))
    with VideoReader(info) as reader:
        return [reader.frame(i).copy() for i in range(info.frame_count)]


def test_hard_cut_is_where_the_manifest_says(samples, city):
    cut = samples.manifest["clips"]["city-walk.mp4"]["cuts"][0]
    jumps = [_frame_difference(city, i) for i in range(1, len(city))]
    assert int(np.argmax(jumps)) + 1 == cut
    assert _frame_difference(city, cut) > 3 * np.median(jumps)


def test_fade_reaches_black(samples, city):
    start, end = samples.manifest["clips"]["city-walk.mp4"]["fades"][0]
    middle = (start + end + 1) // 2
    assert city[middle - 1].mean() < 12 and city[start - 5].mean() > 40 and city[end + 5].mean() > 40


def test_flash_is_one_bright_frame(samples):
    info = probe(samples.path("studio-talk.mp4"))
    flash = samples.manifest["clips"]["studio-talk.mp4"]["flashes"][0]
    with VideoReader(info) as reader:
        before, during, after = (reader.frame(i).mean() for i in (flash - 1, flash, flash + 1))
    assert during > before + 60 and during > after + 60


def test_generation_is_deterministic():
    plan = _plans(30)[1]
    first, _, truth = _assemble(plan, (96, 54))
    second, _, _ = _assemble(plan, (96, 54))
    a = [next(first) for _ in range(20)]
    b = [next(second) for _ in range(20)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert truth["dissolves"] == [[75, 89]]
    assert np.array_equal(speech_like(2.0, 5), speech_like(2.0, 5))
    assert np.array_equal(music_like(1.0, 100, 5), music_like(1.0, 100, 5))


def test_music_has_a_beat_at_its_tempo():
    music = music_like(8.0, 120, 3, sample_rate=8000)[:, 0]
    envelope = np.abs(music).reshape(-1, 80).max(axis=1)  # 10 ms frames
    spectrum = np.abs(np.fft.rfft(envelope - envelope.mean()))
    freqs = np.fft.rfftfreq(len(envelope), d=0.01)
    peak = freqs[1:][np.argmax(spectrum[1:])]
    assert peak == pytest.approx(2.0, abs=0.1) or peak == pytest.approx(4.0, abs=0.1)  # 120 BPM beats or off-beats


def test_samples_are_cached(samples):
    before = samples.path("city-walk.mp4").stat().st_mtime_ns
    again = ensure_samples((320, 180))
    assert again.path("city-walk.mp4").stat().st_mtime_ns == before
    assert read_audio(again.path("music-bed.wav"), sample_rate=8000).shape[0] == 160000


def test_cancelled_generation_leaves_no_partial_files(tmp_path, monkeypatch):
    monkeypatch.setenv("REELSMITH_DATA_DIR", str(tmp_path))
    token = CancelToken()
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        if fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        ensure_samples((96, 54), progress=progress, cancel=token)
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(name.endswith(".part") or name.endswith(".mp4") for name in leftovers), leftovers
    assert calls and max(calls) < 0.5
    with pytest.raises(MediaError):
        probe(tmp_path / "samples" / "city-walk.mp4")

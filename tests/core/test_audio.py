"""Mix arithmetic: loudness as the standard measures it, peaks, the limiter, ducking, pan, solo."""

from __future__ import annotations

import numpy as np
import pytest

from core import timeline as tl
from core.audio.loudness import db, integrated_loudness, limit, normalise, true_peak
from core.audio.mix import duck_gain, envelope_db, keyed_gain, pan_gains

RATE = 48000


def sine(freq: float, seconds: float, amplitude: float, rate: int = RATE, phase: float = 0.0) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate + phase)).astype(np.float32)


def test_loudness_matches_the_standard():
    # BS.1770: a 1 kHz sine at -20 dBFS in one channel reads -23.0 LUFS, at any sample rate.
    assert integrated_loudness(sine(1000, 5, 0.1), RATE) == pytest.approx(-23.0, abs=0.05)
    assert integrated_loudness(sine(1000, 5, 0.1, 44100), 44100) == pytest.approx(-23.0, abs=0.05)
    stereo = np.stack([sine(1000, 5, 0.1)] * 2, axis=1)
    assert integrated_loudness(stereo, RATE) == pytest.approx(-20.0, abs=0.05)  # two channels add
    assert integrated_loudness(np.zeros(RATE * 2), RATE) == -np.inf
    assert integrated_loudness(sine(1000, 0.2, 0.5), RATE) == -np.inf  # shorter than one block
    # Gating: a long silence does not drag the reading down.
    gapped = np.concatenate([sine(1000, 3, 0.1), np.zeros(RATE * 10, np.float32)])
    assert -23.5 < integrated_loudness(gapped, RATE) < -22.9  # ungated it would read -28.6


def test_true_peak_sees_between_the_samples():
    tricky = sine(RATE / 4, 1, 1.0, phase=np.pi / 4)  # every sample lands at +-0.707
    assert np.abs(tricky).max() == pytest.approx(0.707, abs=0.01)
    assert true_peak(tricky) == pytest.approx(1.0, abs=0.02)


def test_normalise_reaches_the_target_without_a_peak_over_the_ceiling():
    from core.samples import music_like

    quiet = music_like(8, 120, seed=1) * 0.05
    out, report = normalise(quiet, RATE, target_lufs=-14.0, ceiling_db=-1.0)
    assert report.before_lufs < -30 and report.gain_db > 15
    assert report.after_lufs == pytest.approx(-14.0, abs=0.1)  # limiting's loss is made up
    assert integrated_loudness(out, RATE) == pytest.approx(-14.0, abs=0.1)
    punchy = music_like(8, 120, seed=2)
    punchy[:: RATE // 4] = 1.0  # clicks: the limiter has a lot to do
    assert normalise(punchy, RATE)[1].after_lufs == pytest.approx(-14.0, abs=0.1)
    assert db(true_peak(out)) <= -0.9 and np.abs(out).max() <= 10 ** (-1 / 20) + 1e-6
    silence, silent_report = normalise(np.zeros((RATE, 2), np.float32), RATE)
    assert not silence.any() and silent_report.gain_db == 0


def test_limiter_leaves_quiet_sound_alone_and_tames_peaks():
    gentle = sine(440, 1, 0.3)
    assert np.allclose(limit(gentle, RATE, -1.0), gentle, atol=1e-6)
    loud = sine(440, 1, 0.3)
    loud[RATE // 2 : RATE // 2 + 100] *= 4  # a sudden peak
    out = limit(loud, RATE, -1.0)
    assert np.abs(out).max() <= 10 ** (-1 / 20) + 1e-6
    assert np.abs(out[: RATE // 4]).max() == pytest.approx(0.3, abs=0.01)  # far from the peak: untouched


def test_ducking_lowers_music_while_speech_plays_and_recovers():
    from core.samples import speech_like

    speech = np.concatenate([np.zeros(RATE * 2), speech_like(3, seed=2) * 0 + sine(200, 3, 0.3), np.zeros(RATE * 3)])
    gain, _ = duck_gain(speech, RATE, amount_db=-12, attack=0.05, release=0.3, hold=0.25)
    level = 20 * np.log10(gain)
    assert level[int(1.5 * RATE)] == pytest.approx(0, abs=0.1)  # before the voice
    assert level[int(3.5 * RATE)] == pytest.approx(-12, abs=0.3)  # under the voice
    assert level[int(7.5 * RATE)] == pytest.approx(0, abs=0.3)  # recovered
    assert level[int(2.04 * RATE)] > -12  # it eases down, no jump
    # In chunks, carrying the state, the gain is the same as all at once.
    half = len(speech) // 2 // 480 * 480
    first, state = duck_gain(speech[:half], RATE, -12, attack=0.05, release=0.3, hold=0.25)
    second, _ = duck_gain(speech[half:], RATE, -12, attack=0.05, release=0.3, hold=0.25, state=state)
    assert np.abs(np.concatenate([first, second]) - gain).max() < 0.02


def test_pan_volume_keys_and_envelope():
    assert pan_gains(0) == (1.0, 1.0) and pan_gains(-1) == (1.0, 0.0) and pan_gains(0.5) == (0.5, 1.0)
    assert keyed_gain([(0, 0.0), (2, 1.0)], np.array([-1, 1, 3])).tolist() == [0.0, 0.5, 1.0]
    assert envelope_db(sine(100, 1, 1.0), RATE).mean() == pytest.approx(-3.0, abs=0.2)


def _music_project(samples, duck: float = 0.0):
    from core.media import probe

    project = tl.Project.new("720p", fps=30)
    talk = tl.MediaRef.from_info(probe(samples.path("studio-talk.mp4")))
    music = tl.MediaRef.from_info(probe(samples.path("music-bed.wav")))
    for ref in (talk, music):
        tl.add_media(project, ref)
    tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, talk.id, 0))
    tl.add_clip(project, project.tracks[2].id, tl.make_clip(project, music.id, 0, 0, 6))
    if duck:
        tl.set_track_sound(project, project.tracks[2].id, duck=duck)
    return project


def test_duck_keys_dip_under_each_stretch_of_speech_and_bridge_the_gaps_between_words():
    from core.audio.mix import duck_keys, keyed_gain

    keys = duck_keys([(0.0, 1.0), (1.3, 2.0), (6.0, 7.0)], amount_db=-12.0)
    gain = lambda t: float(keyed_gain(keys, np.array([t]))[0])  # noqa: E731
    assert gain(0.0) == pytest.approx(0.2512, abs=1e-3)  # speech from the very start: down already
    assert gain(1.15) == pytest.approx(0.2512, abs=1e-3)  # a 0.3 s gap between words: held down
    assert gain(4.0) == 1.0 and gain(5.97) < gain(5.9) == 1.0  # back up between stretches, down on time
    assert gain(7.5) < 0.3 and gain(9.0) == 1.0
    assert duck_keys([]) == []


def test_music_ducks_under_the_footage_in_the_mix(samples):
    from core.compositor import Compositor

    def music_level(project, t0, t1):
        """The music's level in the mix from t0 to t1, played from the start as a viewer would."""
        project.tracks[2].muted = True
        with Compositor(project) as compositor:
            voice = compositor.audio_between(0, t1)
        project.tracks[2].muted = False
        with Compositor(project) as compositor:
            mixed = np.concatenate([compositor.audio_between(a, a + 0.5) for a in np.arange(0, t1, 0.5)])
        music = (mixed[: len(voice)] - voice)[int(t0 * 48000):]
        return 20 * np.log10(np.sqrt(np.mean(music**2)) + 1e-9)

    plain, ducked = _music_project(samples), _music_project(samples, duck=-12)
    during_speech = music_level(ducked, 1.0, 2.0) - music_level(plain, 1.0, 2.0)
    during_pause = music_level(ducked, 3.6, 4.0) - music_level(plain, 3.6, 4.0)  # studio-talk pauses 2.5-4.0 s
    assert during_speech == pytest.approx(-12, abs=1.5)
    assert during_pause > during_speech + 5  # held through short gaps, back up in a real pause


def test_solo_and_balance(samples):
    from core.compositor import Compositor

    project = _music_project(samples)
    tl.set_track_sound(project, project.tracks[2].id, solo=True)
    _, music_clip = project.find_clip(project.tracks[2].clips[0].id)
    with Compositor(project) as compositor:
        solo = compositor.audio_between(1.0, 1.5)
    tl.set_clip_properties(project, music_clip.id, balance=-1.0)
    with Compositor(project) as compositor:
        panned = compositor.audio_between(1.0, 1.5)
    assert np.abs(panned[:, 1]).max() == 0 and np.allclose(panned[:, 0], solo[:, 0], atol=1e-4)
    with pytest.raises(tl.EditError, match="0 to 60 dB"):
        tl.set_track_sound(project, project.tracks[2].id, duck=-90)


def test_waveform_peaks_are_cached_and_bad_files_explained(samples, tmp_path):
    from core.audio.waveform import waveform
    from core.errors import MediaError
    from core.paths import cache_file

    path = samples.path("music-bed.wav")
    peaks = waveform(path)
    assert peaks.dtype == np.float32 and (peaks[:, 0] <= peaks[:, 1]).all()
    cache = cache_file("waveforms", path, ".npy")
    assert cache.exists()
    cache.write_bytes(b"damaged")
    assert np.array_equal(waveform(path), peaks)  # remade, not trusted
    with pytest.raises(MediaError, match="missing"):
        waveform(tmp_path / "gone.wav")
    with pytest.raises(MediaError, match="no sound"):
        waveform(samples.path("title-card.png"))


@pytest.mark.parametrize("suffix", ["mp3", "flac", "m4a"])
def test_music_in_common_formats_mixes_like_the_wav(samples, tmp_path, suffix):
    import subprocess

    from core.compositor import Compositor
    from core.ffmpeg import ffmpeg_command
    from core.media import probe

    source = samples.path("music-bed.wav")
    converted = tmp_path / f"bed.{suffix}"
    subprocess.run(ffmpeg_command("-y", "-i", str(source), str(converted)), check=True)
    levels = []
    for path in (source, converted):
        project = tl.Project.new("720p", fps=30)
        ref = tl.MediaRef.from_info(probe(path))
        tl.add_media(project, ref)
        tl.add_clip(project, project.tracks[2].id, tl.make_clip(project, ref.id, 0, 0, 4))
        with Compositor(project) as compositor:
            levels.append(integrated_loudness(compositor.audio_between(0.5, 3.5), RATE))
    assert levels[1] == pytest.approx(levels[0], abs=1.0)  # lossy MP3 and AAC cut the highest hats a little

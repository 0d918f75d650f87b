"""Preview sound: the mix reaches the device in order; without a device the app says so once."""

from __future__ import annotations

import sys
import threading
import types

import numpy as np

from core import timeline as tl
from core.compositor import Compositor
from core.media import probe
from desktop.audio_output import CHUNK_SECONDS, AudioPlayer


class _FakeStream:
    written: list[np.ndarray] = []
    enough = threading.Event()

    def __init__(self, samplerate, channels, dtype):
        self.samplerate = samplerate

    def start(self):
        pass

    def write(self, chunk):
        _FakeStream.written.append(chunk.copy())
        if len(_FakeStream.written) >= 5:
            _FakeStream.enough.set()
        threading.Event().wait(0.001)

    def stop(self):
        pass

    def close(self):
        pass


def music_project(samples):
    project = tl.Project.new("720p", fps=30)
    ref = tl.MediaRef.from_info(probe(samples.path("music-bed.wav")))
    tl.add_media(project, ref)
    tl.add_clip(project, project.tracks[2].id, tl.make_clip(project, ref.id, 0))
    return project


def test_the_mix_is_streamed_from_the_playhead(samples, monkeypatch):
    fake = types.SimpleNamespace(OutputStream=_FakeStream)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    _FakeStream.written.clear()
    _FakeStream.enough.clear()
    project = music_project(samples)
    player = AudioPlayer()
    assert player.start(project, 2.0)
    assert _FakeStream.enough.wait(10)
    player.stop()
    streamed = np.concatenate(_FakeStream.written[:5])
    with Compositor(project) as compositor:
        expected = compositor.audio_between(2.0, 2.0 + 5 * CHUNK_SECONDS)
    assert streamed.shape == expected.shape
    assert np.abs(streamed - expected).max() < 1e-4


def test_missing_portaudio_is_reported_once_and_playback_goes_on(qtbot, samples, monkeypatch):
    from desktop.panels.preview import PreviewPanel

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if PortAudio were not installed
    panel = PreviewPanel()
    qtbot.addWidget(panel)
    panel.set_project(music_project(samples))
    with qtbot.waitSignal(panel.sound_unavailable, timeout=2000) as blocker:
        panel.play()
    assert "No sound" in blocker.args[0]
    assert panel.playing  # the picture plays on, silently
    panel.pause()
    with qtbot.assertNotEmitted(panel.sound_unavailable):
        panel.play()
    panel.pause()
    panel.shutdown()


class _LatentStream(_FakeStream):
    latency = 0.05


def test_the_audio_clock_is_what_has_been_heard(samples, monkeypatch):
    fake = types.SimpleNamespace(OutputStream=_LatentStream)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    _FakeStream.written.clear()
    _FakeStream.enough.clear()
    player = AudioPlayer()
    assert player.position() is None  # nothing heard yet
    assert player.start(music_project(samples), 2.0)
    assert _FakeStream.enough.wait(10)
    heard = player.position()
    written = sum(len(c) for c in _FakeStream.written) / 48000
    assert heard is not None and 2.0 <= heard <= 2.0 + written - 0.05 + CHUNK_SECONDS
    player.stop()
    assert player.position() is None


def test_scrubbing_plays_a_short_faded_burst(samples, monkeypatch):
    fake = types.SimpleNamespace(OutputStream=_FakeStream)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    _FakeStream.written.clear()
    done = threading.Event()
    real_write = _FakeStream.write

    def write(self, chunk):
        real_write(self, chunk)
        done.set()

    monkeypatch.setattr(_FakeStream, "write", write)
    player = AudioPlayer()
    player.scrub(music_project(samples), 3.0)
    player.scrub(music_project(samples), 3.01)  # within 50 ms: ignored
    assert done.wait(10)
    burst = _FakeStream.written[0]
    assert len(_FakeStream.written) == 1 and len(burst) == int(0.08 * 48000)
    assert abs(burst[0]).max() == 0 and np.abs(burst).max() > 0.01  # faded in from silence

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
    project = tl.Project.new("landscape_720p", fps=30)
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

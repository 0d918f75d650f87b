"""Sound from a creator's seat: generate music under the footage, duck and solo tracks, mark beats."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def window(demo_window):
    return demo_window


def test_generated_music_goes_on_a_ducked_track_in_one_step(qtbot, window):
    tracks = len(window.project.tracks)
    dialog = window.open_music_dialog()
    dialog.mood.setCurrentText("upbeat")
    dialog.seconds.setValue(8)
    with qtbot.waitSignal(dialog.added, timeout=60000) as added:
        dialog.generate_button.click()
    music = window.project.tracks[-1]
    assert len(window.project.tracks) == tracks + 1 and music.kind == "audio" and music.duck == -12.0
    assert window.project.media[music.clips[0].media_id].path == added.args[0]
    assert "Music track" in window.statusBar().currentMessage()  # the dialog closed; the window says
    window.undo_stack.undo()
    assert len(window.project.tracks) == tracks


def test_track_sound_settings_and_beat_markers(qtbot, window):
    music = window.project.tracks[2]  # the demo's music bed (120 BPM)
    window.timeline.track_sound_requested.emit(music.id, {"solo": True})
    assert window.project.tracks[2].solo
    window.timeline.track_sound_requested.emit(music.id, {"duck": -12.0})
    assert window.project.tracks[2].duck == -12.0
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert not window.project.tracks[2].solo and window.project.tracks[2].duck == 0
    with qtbot.waitSignal(window.beats_marked, timeout=60000) as marked:
        window.timeline.beats_requested.emit(music.clips[0].id)
    assert marked.args[0] == pytest.approx(120, abs=2)
    gaps = {b - a for a, b in zip(window.timeline.beat_markers, window.timeline.beat_markers[1:], strict=False)}
    assert gaps <= {14, 15, 16}  # half a second at 30 fps, give or take a frame


def test_waveform_is_computed_once_and_drawn(qtbot, window, samples):
    from core.audio.waveform import waveform

    music = window.project.tracks[2].clips[0]
    qtbot.waitUntil(lambda: music.media_id in window.timeline.waveforms, timeout=30000)
    peaks = window.timeline.waveforms[music.media_id]
    assert not window.timeline.thumbnails[music.media_id].isNull()  # the bin's picture, drawn from the same peaks
    assert peaks.shape[1] == 2 and len(peaks) >= 100 * 19  # 100 a second over the bed
    assert (peaks[:, 1] >= peaks[:, 0]).all() and peaks[:, 1].max() > 0.1
    assert waveform(samples.path("music-bed.wav")) is not None  # the second time comes from the cache
    window.timeline.resize(1400, 400)
    image = window.timeline.grab().toImage()
    row = next(r for t, r in window.timeline._track_rows() if t.id == window.project.tracks[2].id)
    column = [image.pixelColor(400, int(y)).lightness() for y in range(int(row.top()) + 20, int(row.bottom()) - 4)]
    assert max(column) - min(column) > 40  # the waveform's lines show on the clip


def test_a_video_clips_own_sound_is_drawn_under_its_pictures(qtbot, window):
    """A talking clip shows where its pauses are: its waveform runs along the clip's foot."""
    track = window.project.tracks[0]
    clip = next(c for c in track.clips if window.project.media[c.media_id].has_audio)
    qtbot.waitUntil(lambda: clip.media_id in window.timeline.waveforms, timeout=30000)
    window.timeline.resize(1400, 400)
    image = window.timeline.grab().toImage()
    row = next(r for t, r in window.timeline._track_rows() if t.id == track.id)
    x = int(window.timeline.x_of(clip.position + clip.length // 2))
    band = [image.pixelColor(x + dx, int(y)).lightness() for dx in range(-20, 20)
            for y in range(int(row.bottom() - row.height() * 0.3), int(row.bottom()) - 6)]
    assert max(band) - min(band) > 100  # white lines of sound over a darkened band


def test_balance_in_the_inspector_and_no_picture_settings_for_a_sound(qtbot, window):
    clip = window.project.tracks[2].clips[0]
    window.timeline.selected = [clip.id]
    window._selection_changed([clip.id])
    window.inspector.balance.setValue(-50)
    assert window.project.tracks[2].clips[0].balance == pytest.approx(-0.5)
    window.undo_stack.undo()
    assert window.project.tracks[2].clips[0].balance == 0
    assert not window.inspector.opacity.isVisibleTo(window.inspector)  # a sound has no picture to place
    picture = window.project.tracks[0].clips[0]
    window.timeline.selected = [picture.id]
    window._selection_changed([picture.id])
    assert window.inspector.opacity.isVisibleTo(window.inspector) and window.inspector.fit.isVisibleTo(window.inspector)


def test_highlight_reel_cut_to_the_beat_of_the_music(qtbot, window):
    video = window.project.tracks[0]
    end, start = video.end, video.clips[0].position
    dialog = window.open_smart_cut()
    dialog.reel_seconds.setValue(6)
    dialog.beat_source.setCurrentIndex(1)  # the demo's 120 BPM music bed
    with qtbot.waitSignal(dialog.reel_added, timeout=90000):
        dialog.reel_button.click()
    cuts = [c.position for c in video.clips if c.position > start]
    assert cuts and all((c - start) % 15 in (0, 1, 14) for c in cuts)  # on the half-second beat grid
    music = window.project.tracks[-1]
    assert music.name == "Reel music" and music.clips[0].position == start  # under the reel, which is the edit
    window.undo_stack.undo()
    assert video.end == end and window.project.tracks[-1].name != "Reel music"


def test_volume_keyframes_from_the_inspector(qtbot, window):
    from core.compositor import Compositor

    clip = window.project.tracks[2].clips[0]
    window.timeline.selected = [clip.id]
    window._selection_changed([clip.id])
    inspector = window.inspector
    window.preview.seek(clip.position)
    level = clip.volume  # the demo's bed sits at 35 %
    inspector.volume_key.click()  # animate: a key at the clip's start at today's level
    window.preview.seek(clip.position + 60)  # two seconds in
    inspector.volume.setValue(0)  # ... down to silence there
    assert window.project.tracks[2].clips[0].volume_keys == [(0.0, level), (2.0, 0.0)]
    window.preview.seek(clip.position + 30)
    assert inspector.volume.value() == pytest.approx(level * 50, abs=1)  # halfway (whole percents), as heard
    for track in window.project.tracks[:2]:
        track.muted = True
    with Compositor(window.project) as compositor:
        early, late = compositor.audio_between(0.1, 0.3), compositor.audio_between(1.9, 2.5)
    assert np.abs(early).max() > 0.02 and np.abs(late[-4800:]).max() < 1e-4
    # The keys show as a yellow line with a dark edge over the clip: full height at the
    # clip's level, at the bottom at silence (seen in the timeline, over the waveform).
    image = window.timeline.grab().toImage()
    row = window.timeline._track_rows()[2][1]
    yellow = [y for y in range(int(row.top()), int(row.bottom()))
              if _near(image.pixelColor(int(window.timeline.x_of(clip.position + 75)), y), (255, 209, 102))]
    assert yellow and min(yellow) > row.center().y()  # silence: the line along the bottom
    inspector.volume_key.click()  # stop animating
    assert window.project.tracks[2].clips[0].volume_keys == []


def _near(colour, rgb) -> bool:
    return all(abs(a - b) < 40 for a, b in zip((colour.red(), colour.green(), colour.blue()), rgb, strict=True))


def test_dead_air_removal_cut_to_the_beat(qtbot, window):
    video = window.project.tracks[0]
    studio = video.clips[2]  # studio-talk: a pause of 1.5 s in the middle
    window.timeline.selected = [studio.id]
    dialog = window.open_smart_cut()
    with qtbot.waitSignal(dialog.analysed, timeout=60000):
        dialog.analyse_button.click()
    end = video.end
    dialog.beat_source.setCurrentIndex(1)  # the 120 BPM bed: a beat every 15 frames
    with qtbot.waitSignal(window.undo_stack.indexChanged, timeout=60000):
        dialog.dead_air_button.click()
    removed = end - video.end
    assert removed > 0 and removed % 15 == 0  # whole beats
    cut = next(c.position for c in video.clips if c.position > studio.position)
    assert cut % 15 == 0  # the cut lands on a beat


def test_generated_media_goes_beside_a_saved_project(qtbot, window, tmp_path):
    assert window.save_to(tmp_path / "Trip.reelsmith")
    dialog = window.open_music_dialog()
    dialog.seconds.setValue(4)
    with qtbot.waitSignal(dialog.added, timeout=60000) as added:
        dialog.generate_button.click()
    assert added.args[0].startswith(str(tmp_path / "Trip media"))
    short = window.open_short_dialog()  # music made for this is what the creator expects to hear
    assert short.settings().music == added.args[0]
    short.reject()


def test_waveforms_are_drawn_by_level_so_quiet_speech_shows():
    from desktop.panels.timeline_view import _loudness_scale

    assert _loudness_scale(10 ** (-30 / 20)) > 0.4  # speech at -30 dB: nearly half the height, not a tenth
    assert _loudness_scale(-1.0) == -1.0 and _loudness_scale(1e-4) == 0.0  # full scale; a hiss is a flat line

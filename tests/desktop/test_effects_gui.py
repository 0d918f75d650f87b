"""Effects from a creator's seat: browse, drop on a clip, tweak and animate, edit captions, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from core import recipes
from core import timeline as tl
from desktop.panels.effects_browser import EFFECT_MIME, LOOK_PREFIX


@pytest.fixture
def window(demo_window):
    return demo_window


def first_clip(window):
    return window.project.tracks[0].clips[0]


def browser_item(window, name):
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    iterator = QTreeWidgetItemIterator(window.effects_browser)
    while iterator.value():
        if iterator.value().data(0, Qt.UserRole) == name:
            return iterator.value()
        iterator += 1
    raise AssertionError(name)


def test_double_click_adds_to_the_selected_clip_and_undoes(qtbot, window):
    clip = first_clip(window)
    window.timeline.selected = [clip.id]
    window.effects_browser.itemDoubleClicked.emit(browser_item(window, "vignette"), 0)
    assert [e["type"] for e in first_clip(window).effects] == ["vignette"]
    assert window.inspector.effects.list.count() == 1  # shown in the inspector
    window.undo_stack.undo()
    assert first_clip(window).effects == []


def test_a_new_title_is_shown_where_it_is_fully_in(qtbot, window):
    clip = first_clip(window)
    window.preview.seek(clip.position)  # the clip's first frame: a title fading in is invisible there
    fully_in = clip.position + 15  # 0.5 s in: the fade is over
    with qtbot.waitSignal(window.preview.frame_shown, timeout=20000, check_params_cb=lambda f: f == fully_in):
        window.add_effect([clip.id], "title")
    assert window.preview.playhead == fully_in
    text = window.inspector.effects.editors["text"]  # its words, ready to type over
    assert text.text() == "Your title" and text.hasSelectedText() and text.selectedText() == "Your title"
    window.preview.seek(clip.position + 40)
    window.add_effect([clip.id], "vignette")
    assert window.preview.playhead == clip.position + 40  # already past: the playhead stays


def test_a_look_is_several_effects_in_one_step(qtbot, window):
    clip = first_clip(window)
    window.add_effect([clip.id], LOOK_PREFIX + "Warm film")
    assert [e["type"] for e in first_clip(window).effects] == ["temperature", "contrast", "grain", "vignette"]
    window.undo_stack.undo()
    assert first_clip(window).effects == []


def test_the_background_effect_from_the_effects_tab_finds_the_person_at_once(qtbot, window):
    from core.vision.matte import CHUNK, mattes_for

    clip = first_clip(window)
    assert browser_item(window, "background") is not None  # offered in the Effects tab
    started = []
    window.runner.job_started.connect(started.append)
    window.add_effect([clip.id], "background")
    assert first_clip(window).effects[-1]["type"] == "background"
    (job,) = [j for j in started if j.title == "Finding the person"]
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    mattes = mattes_for(window.project.media[clip.media_id].path)
    assert len(mattes._chunks) == min(8, -(-mattes.frame_count // CHUNK))  # every chunk made (the last few kept in memory)


def test_dropping_an_effect_on_a_clip(qtbot, window):
    clip = first_clip(window)
    timeline = window.timeline
    row = next(r for t, r in timeline._track_rows() if t.id == window.project.tracks[0].id)
    x = 160 + (clip.position + clip.length / 2) * timeline.pixels_per_frame
    data = QMimeData()
    data.setData(EFFECT_MIME, b"title")
    event = QDropEvent(QPointF(x, row.center().y()), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    timeline.dropEvent(event)
    effect = first_clip(window).effects[0]
    assert effect["type"] == "title"
    assert effect["params"]["end"] == pytest.approx(clip.length / window.project.fps)  # lasts as long as the clip
    empty = QDropEvent(QPointF(x, 2), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)  # on the ruler
    timeline.dropEvent(empty)
    assert len(first_clip(window).effects) == 1


def test_inspector_edits_and_keyframes_an_effect(qtbot, window):
    clip = first_clip(window)
    window.timeline.selected = [clip.id]
    window.add_effect([clip.id], "vignette")
    editor = window.inspector.effects
    editor.editors["strength"].setValue(0.9)
    assert first_clip(window).effects[0]["params"]["strength"] == pytest.approx(0.9)
    window.preview.seek(clip.position + 30)  # one second into the clip
    editor._keyframe(0, "strength", 0.2, True)
    strength = first_clip(window).effects[0]["params"]["strength"]
    assert strength == {"keys": [[1.0, 0.2, "ease"]]}
    window.preview.seek(clip.position)
    editor.editors["strength"].setValue(0.7)  # animated: sets a key at this playhead too
    assert first_clip(window).effects[0]["params"]["strength"]["keys"] == [[0.0, 0.7, "ease"], [1.0, 0.2, "ease"]]
    editor.list.item(0).setCheckState(Qt.Unchecked)
    assert first_clip(window).effects[0]["enabled"] is False
    for _ in range(4):
        window.undo_stack.undo()
    assert first_clip(window).effects[0]["params"] == {}


def test_captions_editor_imports_checks_and_applies(qtbot, window, tmp_path):
    clip = first_clip(window)
    window.add_effect([clip.id], "captions")
    dialog = window.open_captions_editor(clip.id, 0)
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,500\nhello there\n\n2\n00:00:02,000 --> 00:00:02,800\nsecond one\n")
    assert dialog.import_srt(str(srt)) and dialog.table.rowCount() == 2
    broken = tmp_path / "broken.srt"
    broken.write_text("1\nnot a time\nhello\n")
    with qtbot.waitSignal(dialog.failed) as failed:
        assert not dialog.import_srt(str(broken))
    assert "line 2" in failed.args[0] and dialog.table.rowCount() == 2  # the table is kept
    out = tmp_path / "out.srt"
    assert dialog.export_srt(str(out)) and "hello there" in out.read_text()
    dialog.table.item(1, 1).setText("1.0")  # ends before it starts
    with qtbot.waitSignal(dialog.failed):
        dialog.apply()
    dialog.table.item(1, 1).setText("2.8")
    with qtbot.waitSignal(dialog.applied):
        dialog.apply()
    assert first_clip(window).effects[0]["params"]["cues"] == [[0.5, 1.5, "hello there"], [2.0, 2.8, "second one"]]
    from core.compositor import Compositor

    for track in window.project.tracks[1:]:  # the demo's title card sits above the start
        track.hidden = True
    with Compositor(window.project) as compositor:
        captioned = compositor.frame_at(clip.position + 30)  # 1.0 s into the clip: "hello there"
    window.undo_stack.undo()
    with Compositor(window.project) as compositor:
        plain = compositor.frame_at(clip.position + 30)
    band = slice(int(0.75 * plain.shape[0]), int(0.95 * plain.shape[0]))
    assert (abs(captioned[band].astype(int) - plain[band]).max(axis=2) > 60).sum() > 200


def test_freeze_frame_at_the_playhead(qtbot, window):
    video = window.project.tracks[0]
    clip = video.clips[1]
    count, end = len(video.clips), video.end
    window.timeline.selected = [clip.id]
    window.preview.seek(clip.position + 20)
    window.actions_by_name["freeze"].trigger()
    assert len(video.clips) == count + 2 and video.end == end + 60
    held = next(c for c in video.clips if c.freeze)
    assert held.position == clip.position + 20 and held.length == 60
    window.undo_stack.undo()
    assert len(video.clips) == count and video.end == end


def test_lower_third_preset_is_a_boxed_title_for_the_clip(qtbot, window):
    from desktop.panels.effects_browser import PRESET_PREFIX

    clip = first_clip(window)
    window.effects_browser.itemDoubleClicked.emit(browser_item(window, PRESET_PREFIX + "Lower third"), 0)
    assert first_clip(window).effects == []  # nothing selected: nothing added, and the status bar says why
    assert "Select a clip" in window.statusBar().currentMessage()
    window.add_effect([clip.id], PRESET_PREFIX + "Lower third")
    params = first_clip(window).effects[0]["params"]
    assert first_clip(window).effects[0]["type"] == "title"
    assert params["box"] > 0 and params["y"] > 0.8 and params["end"] == pytest.approx(clip.length / window.project.fps)


def test_an_effect_on_a_track_header_adjusts_the_track(qtbot, window):
    timeline = window.timeline
    video = window.project.tracks[0]
    row = next(r for t, r in timeline._track_rows() if t.id == video.id)
    data = QMimeData()
    data.setData(EFFECT_MIME, b"look:Black and white")
    timeline.dropEvent(QDropEvent(QPointF(40, row.center().y()), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))
    assert [e["type"] for e in video.effects] == ["saturation", "contrast", "grain"]
    assert window.inspector.track_id == video.id and window.inspector.effects.list.count() == 3
    window.inspector.effects.list.setCurrentRow(0)
    window.inspector.effects.editors["amount"].setValue(0.5)
    assert video.effects[0]["params"]["amount"] == pytest.approx(0.5)
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert video.effects == []


def test_turning_one_effect_setting_is_one_undo_step(qtbot, window):
    clip = first_clip(window)
    window.timeline.selected = [clip.id]
    window.add_effect([clip.id], "vignette")
    steps = window.undo_stack.count()
    editor = window.inspector.effects
    for value in (0.6, 0.7, 0.8):  # arrow-key steps on the strength box
        editor.editors["strength"].setValue(value)
    editor.editors["radius"].setValue(0.3)  # another setting: a step of its own
    assert window.undo_stack.count() == steps + 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert first_clip(window).effects[0]["params"] == {}


def _talking_window(window, talking_clip):
    from core.media import probe

    project = tl.Project.new("vertical", name="Talk")
    media = tl.MediaRef.from_info(probe(str(talking_clip[0])))
    tl.add_media(project, media)
    recipes.place_media(project, [media.id], (0, project.tracks[0].id))
    window.set_project(project, None)
    clip = project.tracks[0].clips[0]
    window.add_effect([clip.id], "captions")
    return clip


def test_captions_from_speech_and_from_a_script_land_as_one_undo_step(qtbot, window, talking_clip):
    path, spans, readings = talking_clip
    clip = _talking_window(window, talking_clip)
    dialog = window.open_captions_editor(clip.id, 0)
    with qtbot.waitSignal(dialog.heard, timeout=120_000):
        dialog.caption_from_speech()
    drafted = dialog.cues()
    assert drafted and all(len(c) == 4 for c in drafted)  # every cue carries its heard word times
    assert drafted[0][0] == pytest.approx(spans[0][0] + 0.2, abs=0.3)  # each reading opens with 0.2 s of quiet
    assert all(len(c[2]) <= 2 * 22 + 1 for c in drafted)  # a 9:16 canvas: short lines
    with qtbot.waitSignal(dialog.heard, timeout=120_000):
        dialog.caption_from_speech(" ".join(readings))
    placed = dialog.cues()
    assert " ".join(c[2] for c in placed).split() == " ".join(readings).split()
    first_row_words = placed[0][3]
    dialog.table.item(0, 2).setText(placed[0][2].replace("mister", "Mister"))  # the creator corrects a word
    assert dialog.cues()[0][3] == first_row_words  # the heard times stay
    before = window.undo_stack.count()
    with qtbot.waitSignal(dialog.applied):
        dialog.apply()
    assert window.undo_stack.count() == before + 1
    cues = window.project.find_clip(clip.id)[1].effects[0]["params"]["cues"]
    assert cues[0][2].startswith("and Mister") and cues[0][3] == first_row_words


def test_captions_from_speech_explain_what_they_cannot_do(qtbot, window, talking_clip):
    title = window.project.tracks[1].clips[0]  # the demo's title card: a picture, no sound
    window.add_effect([title.id], "captions")
    dialog = window.open_captions_editor(title.id, 0)
    with qtbot.waitSignal(dialog.failed) as failed:
        dialog.caption_from_speech()
    assert "no sound" in failed.args[0] and dialog.speech_button.isEnabled()
    clip = _talking_window(window, talking_clip)
    dialog = window.open_captions_editor(clip.id, 0)
    with qtbot.waitSignal(dialog.failed, timeout=60_000) as failed:
        dialog.caption_from_speech("der Hund ist gross und die Katze ist klein aber sehr schnell")
    assert "English" in failed.args[0] or "does not match" in failed.args[0]
    assert dialog.table.rowCount() == 0 and dialog.script_button.isEnabled()
    dialog.caption_from_speech()
    with qtbot.waitSignal(dialog.job.cancelled, timeout=60_000):
        dialog.job.cancel()
    assert dialog.speech_button.isEnabled() and dialog.table.rowCount() == 0


def test_captions_from_speech_is_one_menu_command(qtbot, window, talking_clip):
    _, spans, readings = talking_clip
    clip = _talking_window(window, talking_clip)
    window.perform(tl.remove_effect, clip.id, 0)
    fps = window.project.fps
    window.perform(tl.trim_start, clip.id, round((spans[1][0] - 0.3) * fps))  # the clip keeps the second reading
    window.perform(tl.trim_end, clip.id, round((spans[1][1] + 0.3) * fps))
    window.timeline.selected = []
    assert window.actions_by_name["captions"].shortcut().toString() == "Ctrl+Shift+C"
    dialog = window.caption_speech()  # what the menu item and Ctrl+Shift+C do
    with qtbot.waitSignal(dialog.heard, timeout=120_000):
        pass  # listening started at once
    with qtbot.waitSignal(dialog.applied):
        dialog.apply()
    clip = window.project.find_clip(clip.id)[1]
    effect = clip.effects[0]
    heard = " ".join(c[2] for c in effect["params"]["cues"]).split()
    assert effect["type"] == "captions" and heard  # the clip's own words: not the other readings'
    assert len(heard) <= len(readings[1].split()) + 3
    assert all(0 <= c[0] < c[1] <= clip.length / fps + 0.05 for c in effect["params"]["cues"])


def test_captions_from_speech_hear_the_voice_over_when_there_is_one(qtbot, window, samples, talking_clip):
    """In a voice-over short the words are the narration's, not the footage's: Ctrl+Shift+C
    captions the voice-over's clip, whose captions show over the pictures."""
    from core.media import probe

    project = tl.Project.new("vertical", name="Narrated")
    footage, voice = (tl.MediaRef.from_info(probe(str(p))) for p in (samples.path("studio-talk.mp4"),
                                                                     talking_clip[0].parent / "talk.wav"))
    for media in (footage, voice):
        tl.add_media(project, media)
    recipes.place_media(project, [footage.id], (0, project.tracks[0].id))
    recipes.add_music_bed(project, voice, name=recipes.VOICE_OVER_TRACK)
    window.set_project(project, None)
    narration = project.tracks[-1].clips[0]
    window.timeline.selected = []
    dialog = window.caption_speech()
    assert dialog.clip_id == narration.id and window.project.find_clip(narration.id)[1].effects[0]["type"] == "captions"
    with qtbot.waitSignal(dialog.job.cancelled, timeout=60_000):
        dialog.job.cancel()
    dialog.reject()  # cancelled: the empty captions the command added go again
    assert window.project.find_clip(narration.id)[1].effects == []
    window.timeline.selected = [project.tracks[0].clips[0].id]  # chosen by the creator: the footage's own words
    dialog = window.caption_speech()
    assert dialog.clip_id == project.tracks[0].clips[0].id
    with qtbot.waitSignal(dialog.job.cancelled, timeout=60_000):
        dialog.job.cancel()

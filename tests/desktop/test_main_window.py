"""The main window driven as a creator would: open, look, edit, undo, import, close."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QDialog

from core import recipes
from core import timeline as tl
from core.demo import demo_project
from core.media import probe
from core.project_io import load_project, save_project
from core.quick import project_from_media
from desktop.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_file(tmp_path, samples) -> Path:
    path = tmp_path / "small.reelsmith"
    save_project(demo_project(samples), path)
    return path


@pytest.fixture
def window(qtbot, monkeypatch):
    window = MainWindow()  # not qtbot.addWidget: its teardown would close before setClean below
    window.resize(1200, 800)
    window.show()
    yield window
    window.undo_stack.setClean()  # no unsaved-changes prompt while tearing down
    window.recovered_unsaved = False
    window.runner.shutdown()  # no job left for close() to ask about: a modal question would wait for ever
    window.close()
    window.deleteLater()


def open_and_show(qtbot, window, path):
    with qtbot.waitSignals([window.project_opened, window.preview.frame_shown], timeout=30000):
        assert window.open_project(path)


def test_opens_a_project_and_shows_its_first_frame(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    assert window.bin.count() == 5
    assert [len(t.clips) for t in window.project.tracks] == [3, 1, 1]
    assert window.preview.view.image is not None
    assert window.windowTitle().startswith("small")
    qtbot.waitUntil(lambda: all(window.bin.has_thumbnail(m) for m in window.project.media), timeout=20000)


def test_split_and_undo_restore_the_exact_state(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    original = [(c.id, c.position, c.length) for c in video.clips]
    window.preview.seek(45)
    window.actions_by_name["split"].trigger()
    assert len(video.clips) == 4
    assert window.windowTitle() == "small • — Reelsmith"  # unsaved changes show in the title
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert [(c.id, c.position, c.length) for c in video.clips] == original
    assert window.windowTitle() == "small — Reelsmith"


def test_delete_and_ripple_delete_through_the_timeline(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    first, second = video.clips[0].id, video.clips[1].id
    window.timeline.selected = [first]
    window.actions_by_name["ripple"].trigger()
    assert video.clips[0].id == second and video.clips[0].position == 0
    window.undo_stack.undo()
    assert video.clips[0].id == first


def test_refused_edit_is_explained_not_applied(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    with qtbot.waitSignal(window.error_shown, timeout=2000) as blocker:
        window.perform(tl.move_clip, video.clips[1].id, 0)
    assert "overlap" in blocker.args[0]
    assert window.undo_stack.count() == 0


def test_import_reports_bad_files_and_keeps_good_ones(qtbot, window, project_file, bad_media, samples, tmp_path):
    import shutil

    open_and_show(qtbot, window, project_file)
    good = shutil.copy(samples.path("studio-talk.mp4"), tmp_path / "another-take.mp4")  # not in the bin yet
    files = [str(good), str(bad_media["text"]), str(bad_media["empty"])]
    with qtbot.waitSignal(window.error_shown, timeout=20000) as blocker:
        window.import_files(files)
    assert "notes.mp4" in blocker.args[0] and "empty.mp4" in blocker.args[0]
    assert "Traceback" not in blocker.args[0]
    qtbot.waitUntil(lambda: window.bin.count() == 6, timeout=10000)


def test_dropping_a_folder_on_the_bin_imports_its_media(qtbot, window, project_file, samples, tmp_path):
    open_and_show(qtbot, window, project_file)
    import shutil

    folder = tmp_path / "new footage"
    shutil.copytree(samples.folder, folder)  # the same five files, at new paths: new media
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    drop = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.bin.dropEvent(drop)
    qtbot.waitUntil(lambda: window.bin.count() == 10, timeout=20000)
    with qtbot.waitSignal(window.error_shown, timeout=20000) as blocker:
        window.bin.dropEvent(drop)  # the same folder again: nothing is added twice
    assert "already in the bin" in blocker.args[0] and window.bin.count() == 10


def test_a_damaged_project_does_not_replace_the_open_one(qtbot, window, project_file, tmp_path):
    open_and_show(qtbot, window, project_file)
    broken = tmp_path / "broken.reelsmith"
    broken.write_text('{"format": "reelsmith-project", "version": 1, "project": {"tracks": 3}}')
    with qtbot.waitSignal(window.error_shown, timeout=2000) as blocker:
        assert not window.open_project(broken)
    assert "broken.reelsmith" in blocker.args[0]
    assert window.project_path == project_file


def test_save_writes_a_project_that_loads(qtbot, window, project_file, tmp_path):
    open_and_show(qtbot, window, project_file)
    window.preview.seek(20)
    window.actions_by_name["split"].trigger()
    target = tmp_path / "saved.reelsmith"
    assert window.save_to(target)
    assert window.undo_stack.isClean()
    assert len(load_project(target).tracks[0].clips) == 4
    assert load_project(target).name == "saved"  # a project saved under a name takes it


def test_closing_cancels_running_jobs(qtbot, project_file, endless_job):
    endless, started = endless_job
    window = MainWindow()
    qtbot.addWidget(window)
    job = window.runner.submit("Endless", endless)
    qtbot.waitUntil(started.is_set, timeout=5000)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        assert window.close()
    assert window.runner.jobs == [] or not job.running


def test_demo_project_opens_with_no_arguments(qtbot, window):
    with qtbot.waitSignals([window.project_opened, window.preview.frame_shown], timeout=180000):
        window.open_demo()
    assert window.project.name == "Demo"
    assert {m.kind for m in window.project.media.values()} == {"video", "audio", "image"}


def test_screenshot_of_the_window(tmp_path, project_file):
    out = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(out), "--size", "1280x800", str(project_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    centre = image.pixelColor(640, 250)
    assert centre.lightness() > 5  # the preview shows footage, not an empty black box


def test_export_through_the_dialog(qtbot, window, project_file, tmp_path):
    from core.media import probe

    open_and_show(qtbot, window, project_file)
    dialog = window.open_export_dialog()
    assert dialog.path.text() == str(tmp_path / "small.mp4")
    dialog.canvas.setCurrentIndex(dialog.canvas.findData("project"))
    dialog.quality.setCurrentIndex(dialog.quality.findData("draft"))
    dialog.path.setText(str(tmp_path / "from dialog.mp4"))
    with qtbot.waitSignal(dialog.exported, timeout=120000) as blocker:
        dialog.export_button.click()
    info = probe(blocker.args[0])
    assert (info.width, info.height) == (window.project.width, window.project.height)
    assert dialog.show_button.isEnabled() and "Exported" in dialog.status.text()


def test_cancelling_an_export_in_the_dialog(qtbot, window, project_file, tmp_path):
    open_and_show(qtbot, window, project_file)
    dialog = window.open_export_dialog()
    dialog.path.setText(str(tmp_path / "never.mp4"))
    dialog.export_button.click()
    assert dialog.cancel_button.isEnabled() and not dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.export_cancelled, timeout=30000):
        dialog.cancel_button.click()
    assert not (tmp_path / "never.mp4").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["small.reelsmith"]
    assert "cancelled" in dialog.status.text()


def test_closing_the_export_dialog_lets_the_export_finish(qtbot, window, project_file, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    open_and_show(qtbot, window, project_file)
    dialog = window.open_export_dialog()
    dialog.quality.setCurrentIndex(dialog.quality.findData("draft"))
    dialog.path.setText(str(tmp_path / "background.mp4"))
    dialog.export_button.click()
    dialog.reject()  # the window's close button
    assert [job.title for job in window.runner.precious_jobs] == ["Exporting"]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    assert not window.close()  # quitting now would lose the export: asked, and "No" stays
    assert window.isVisible() and "exporting" in asked[0]
    with qtbot.waitSignal(window.export_finished, timeout=120000) as blocker:
        pass
    assert Path(blocker.args[0]) == tmp_path / "background.mp4" and (tmp_path / "background.mp4").stat().st_size > 0
    qtbot.waitUntil(lambda: window.runner.precious_jobs == [], timeout=5000)  # it ends just after succeeding


def test_export_errors_show_in_the_dialog(qtbot, window, project_file, tmp_path):
    open_and_show(qtbot, window, project_file)
    dialog = window.open_export_dialog()
    dialog.path.setText(str(tmp_path / "no such folder" / "x.mp4"))
    with qtbot.waitSignal(dialog.export_failed, timeout=10000) as blocker:
        dialog.export_button.click()
    assert "does not exist" in blocker.args[0] and "Traceback" not in dialog.status.text()
    assert dialog.export_button.isEnabled()


def test_autosave_recovers_unsaved_work_after_a_crash(qtbot, window, project_file, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from core.project_io import pending_recoveries

    open_and_show(qtbot, window, project_file)
    window.preview.seek(40)
    window.actions_by_name["split"].trigger()
    window.autosave()
    assert pending_recoveries() and len(load_project(project_file).tracks[0].clips) == 3  # file untouched
    # The app "crashes": the window is never closed; a new session starts.
    survivor = MainWindow()
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.Yes)
    try:
        with qtbot.waitSignal(survivor.project_opened, timeout=10000):
            assert survivor.offer_recovery()
        assert len(survivor.project.tracks[0].clips) == 4
        assert survivor.project_path == project_file and survivor.has_unsaved_changes
        assert survivor.windowTitle().startswith("small •")
        assert [p for p, _ in pending_recoveries()] == [survivor._recovery_path()]
    finally:
        survivor.recovered_unsaved = False
        survivor.close()
    assert pending_recoveries(exclude_session=window.session) == []


def test_clean_close_and_save_leave_no_recovery_file(qtbot, window, project_file, tmp_path):
    from core.project_io import pending_recoveries

    open_and_show(qtbot, window, project_file)
    window.preview.seek(40)
    window.actions_by_name["split"].trigger()
    window.autosave()
    assert window._recovery_path().exists()
    assert window.save_to(tmp_path / "saved.reelsmith")
    assert not window._recovery_path().exists() and pending_recoveries() == []


def test_inspector_edits_are_undoable(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    clip_id = video.clips[0].id
    window.timeline.selected = [clip_id]
    window.timeline.selection_changed.emit([clip_id])
    assert window.inspector.speed.isEnabled()
    window.inspector.volume.setValue(50)
    window.inspector.fit.setCurrentIndex(window.inspector.fit.findData("fill"))
    clip = video.clip(clip_id)
    assert (clip.volume, clip.fit) == (0.5, "fill")
    assert window.undo_stack.count() == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    clip = video.clip(clip_id)
    assert (clip.volume, clip.fit) == (1.0, "fit")
    assert window.inspector.volume.value() == 100  # the inspector follows undo


def test_spin_box_steps_merge_into_one_undo_step(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    first, second = video.clips[0].id, video.clips[1].id
    window.timeline.selected = [first]
    window.timeline.selection_changed.emit([first])
    for percent in (90, 80, 70, 60):  # arrow-key steps of one spin box
        window.inspector.volume.setValue(percent)
    assert video.clip(first).volume == pytest.approx(0.6)
    assert window.undo_stack.count() == 1
    window.inspector.opacity.setValue(50)  # another field: a step of its own
    window.timeline.selected = [second]
    window.timeline.selection_changed.emit([second])
    window.inspector.volume.setValue(40)  # another clip: a step of its own
    assert window.undo_stack.count() == 3
    for _ in range(3):
        window.undo_stack.undo()
    assert (video.clip(first).volume, video.clip(first).opacity, video.clip(second).volume) == (1.0, 1.0, 1.0)


def test_ctrl_z_right_after_typing_in_a_number_field_undoes_it(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    first = window.project.tracks[0].clips[0].id
    window.timeline.selected = [first]
    window.timeline.selection_changed.emit([first])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    field = window.inspector.volume
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "50")  # typed, not yet entered
    qtbot.keyClick(field, Qt.Key_Z, Qt.ControlModifier)  # the window's Undo, not the field's text undo
    assert window.project.find_clip(first)[1].volume == 1.0 and field.value() == 100
    assert window.undo_stack.canRedo()  # the typing was an edit: Ctrl+Shift+Z brings it back
    qtbot.keyClick(field, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.project.find_clip(first)[1].volume == pytest.approx(0.5)


def test_an_edit_tells_the_views_only_what_changed(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video, overlay = window.project.tracks[0], window.project.tracks[1]
    with qtbot.waitSignal(window.document.changed, timeout=2000) as changed:
        assert window.perform(tl.split_clip, video.clips[0].id, 30)
    assert changed.args[0] == tl.Change(frozenset({video.id}))
    # the preview's own copy got the new track; its copy of the others is the one it had
    renderer_project = window.preview._renderer._compositor.project
    qtbot.waitUntil(lambda: len(next(t for t in renderer_project.tracks if t.id == video.id).clips) == len(video.clips))
    assert next(t for t in renderer_project.tracks if t.id == overlay.id) is not overlay


def test_a_refused_recipe_leaves_the_project_as_it_was(qtbot, window, project_file):
    from core import recipes
    from core.project_io import project_to_dict

    open_and_show(qtbot, window, project_file)
    before, steps = project_to_dict(window.project, "/"), window.undo_stack.count()
    ids = [c.id for c in window.project.tracks[0].clips]
    with qtbot.waitSignal(window.error_shown, timeout=2000):
        assert not window.perform(recipes.add_effects, ids, [{"type": "vignette", "params": {}},
                                                               {"type": "no-such-effect", "params": {}}])
    assert project_to_dict(window.project, "/") == before
    assert window.undo_stack.count() == steps


def test_inspector_refuses_an_overlapping_position(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    second = window.project.tracks[0].clips[1]
    window.timeline.selection_changed.emit([second.id])
    with qtbot.waitSignal(window.error_shown, timeout=2000):
        window.inspector.position.setValue(0.0)
    assert window.project.tracks[0].clip(second.id).position == second.position
    assert window.inspector.position.value() == pytest.approx(second.position / 30, abs=0.01)


def test_recent_projects_and_new_project(qtbot, window, project_file, tmp_path):
    open_and_show(qtbot, window, project_file)
    assert window.recent_projects()[0] == str(project_file)
    window.save_to(tmp_path / "second.reelsmith")
    assert window.recent_projects()[:2] == [str(tmp_path / "second.reelsmith"), str(project_file)]
    window.actions_by_name["new"].trigger()
    dialog = window.findChild(QDialog, "")
    assert dialog.isVisible() and window.project.duration_frames > 0  # nothing replaced yet
    dialog.buttons["vertical"].click()  # the shape is the first thing asked: one click
    assert window.project.duration_frames == 0 and window.project_path is None
    assert (window.project.width, window.project.height) == (1080, 1920)
    assert window.canvas_box.currentData() == "vertical"
    view = window.preview.view
    assert view.aspect == pytest.approx(1080 / 1920) and view.empty  # a tall frame with a hint
    assert view.canvas_rect().height() > view.canvas_rect().width()


def test_jkl_shuttle(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    window.preview.seek(100)
    window.actions_by_name["shuttle_forward"].trigger()
    assert window.preview.playing and window.preview.rate == 1.0
    window.actions_by_name["shuttle_forward"].trigger()
    assert window.preview.rate == 2.0
    window.actions_by_name["shuttle_back"].trigger()
    assert window.preview.rate == -1.0
    qtbot.waitUntil(lambda: window.preview.playhead < 95, timeout=5000)
    window.actions_by_name["shuttle_stop"].trigger()
    assert not window.preview.playing


def _clip_point(view, clip, y_track, where="middle"):
    from PySide6.QtCore import QPoint

    x = {"middle": view.x_of(clip.position + clip.length / 2), "start": view.x_of(clip.position) + 2,
         "end": view.x_of(clip.end) - 2}[where]
    row = next(r for t, r in view._track_rows() if t.id == y_track)
    return QPoint(int(x), int(row.center().y()))


def _drag(qtbot, view, start, end):
    qtbot.mousePress(view, Qt.LeftButton, pos=start)
    for step in range(1, 6):  # a few moves, as a hand would
        point = start + (end - start) * step / 5
        event_pos = QPointF(point)
        from PySide6.QtGui import QMouseEvent

        view.mouseMoveEvent(QMouseEvent(QMouseEvent.MouseMove, event_pos, event_pos, Qt.LeftButton,
                                        Qt.LeftButton, Qt.NoModifier))
    qtbot.mouseRelease(view, Qt.LeftButton, pos=end)


def test_drag_moves_a_clip_across_tracks_and_undo(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    view = window.timeline
    view.resize(1200, 300)
    video, overlay, _ = window.project.tracks
    title = overlay.clips[0]
    start = _clip_point(view, title, overlay.id)
    target_row = next(r for t, r in view._track_rows() if t.id == video.id)
    end = start.__class__(start.x() + int(view.x_of(600) - view.x_of(0)), int(target_row.center().y()))
    _drag(qtbot, view, start, end)
    track, clip = window.project.find_clip(title.id)
    assert track.id == video.id and abs(clip.position - 600) <= 1  # after the last video clip
    window.undo_stack.undo()
    track, clip = window.project.find_clip(title.id)
    assert (track.id, clip.position) == (overlay.id, title.position)


def test_drag_an_edge_trims_and_snaps_to_the_playhead(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    view = window.timeline
    view.resize(1200, 300)
    video = window.project.tracks[0]
    first = video.clips[0]
    window.preview.seek(first.end - 40)
    start = _clip_point(view, first, video.id, "end")
    end = start.__class__(int(view.x_of(first.end - 40) + 3), start.y())  # near, not on, the playhead
    _drag(qtbot, view, start, end)
    assert video.clip(first.id).end == first.end - 40  # snapped exactly to the playhead
    window.undo_stack.undo()
    assert video.clip(first.id).end == first.end


def test_dropping_files_on_the_timeline_places_them_in_order(qtbot, window, project_file, samples, bad_media):
    open_and_show(qtbot, window, project_file)
    view = window.timeline
    view.resize(1200, 300)
    _, overlay, audio = window.project.tracks
    mime = QMimeData()
    files = [samples.path("studio-talk.mp4"), bad_media["text"], samples.path("title-card.png")]
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    row = next(r for t, r in view._track_rows() if t.id == overlay.id)
    drop = QDropEvent(QPointF(view.x_of(300), row.center().y()), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(window.error_shown, timeout=20000) as blocker:
        view.dropEvent(drop)
    assert "notes.mp4" in blocker.args[0]
    placed = [(window.project.media[c.media_id].path.rsplit("/", 1)[-1], c.position) for c in overlay.clips]
    assert placed[1:] == [("studio-talk.mp4", 300), ("title-card.png", 300 + 180)]
    window.undo_stack.undo()  # the whole drop is one step
    assert len(overlay.clips) == 1 and window.bin.count() == 5


def test_save_and_reopen_round_trip(qtbot, window, project_file, tmp_path):
    from core.project_io import project_to_dict

    open_and_show(qtbot, window, project_file)
    window.preview.seek(50)
    window.actions_by_name["split"].trigger()
    window.timeline.selection_changed.emit([window.project.tracks[0].clips[0].id])
    window.inspector.speed.setValue(1.5)
    target = tmp_path / "round trip.reelsmith"
    assert window.save_to(target)
    edited = project_to_dict(window.project, tmp_path)  # named after its file now
    window.new_project()
    with qtbot.waitSignal(window.project_opened, timeout=10000):
        assert window.open_project(target)
    assert project_to_dict(window.project, tmp_path) == edited
    assert not window.has_unsaved_changes


def test_status_bar_cancel_button_stops_its_job(qtbot, window, endless_job):
    from desktop.panels.jobs_panel import JobsPanel

    endless, started = endless_job
    panel = window.statusBar().findChild(JobsPanel)
    job = window.runner.submit("Endless", endless)
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert [row.job for row in panel.rows] == [job]
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        panel.rows[0].cancel_button.click()
    qtbot.waitUntil(lambda: panel.rows == [], timeout=5000)


def test_timeline_with_hundreds_of_clips_paints(qtbot, window, samples):
    from core.media import probe

    project = tl.Project.new()
    ref = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, ref)
    for index in range(400):
        tl.add_clip(project, project.tracks[index % 2].id, tl.make_clip(project, ref.id, index * 15, 0, 0.5))
    window.set_project(project, None)
    window.timeline.resize(1400, 300)
    image = window.timeline.grab().toImage()
    row = window.timeline._track_rows()[1][1]  # Video 1
    assert image.pixelColor(200, int(row.center().y())) != image.pixelColor(200, 5)  # clips were drawn


def test_each_piece_of_a_split_clip_shows_its_own_moment_on_the_timeline(qtbot, window, samples):
    """One picture tiled along every clip made the pieces of a clip split at its shots look
    alike; each tile now shows the moment under it."""
    from PySide6.QtGui import QPixmap

    project = tl.Project.new()
    ref = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, ref)
    clip = tl.make_clip(project, ref.id, 0, 0, 8)
    tl.add_clip(project, project.tracks[0].id, clip)
    tl.split_clip(project, clip.id, 120)  # at 4 s

    def solid(colour) -> QPixmap:
        picture = QPixmap(96, 54)
        picture.fill(colour)
        return picture

    # Pictures already made: the first half of the file red, the second green.
    window.document.thumbnails[ref.id] = solid(Qt.gray)
    window.document.strips[ref.id] = (np.array([0.0, 4.0]), [solid(Qt.red), solid(Qt.green)])
    window.set_project(project, None)
    window.timeline.resize(1400, 300)
    image = window.timeline.grab().toImage()
    y = int(window.timeline._track_rows()[1][1].bottom()) - 6  # in the strip, under the clip's name
    first, second = (image.pixelColor(int(window.timeline.x_of(frame)), y) for frame in (60, 180))
    assert first.red() > first.green() + 60 and second.green() > second.red() + 60
    window.document.thumbnails[ref.id] = QPixmap()  # the bin's thumbnail failed: the strip still shows
    image = window.timeline.grab().toImage()
    assert image.pixelColor(int(window.timeline.x_of(180)), y).green() > 150


def test_smart_cut_splits_at_shots_and_removes_dead_air(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    city = video.clips[0]  # city-walk: a cut at 3 s, a fade later
    window.timeline.selected = [city.id]
    dialog = window.open_smart_cut()
    assert dialog.clip_ids == [city.id]
    with qtbot.waitSignal(dialog.analysed, timeout=60000):
        dialog.analyse_button.click()
    assert 90 in window.timeline.markers  # the cut, shown on the ruler
    # A storyboard picture per shot (before the cut, between cut and fade, after the fade),
    # each a different picture; clicking one moves the playhead into its shot.
    shots = [dialog.storyboard.item(i) for i in range(dialog.storyboard.count())]
    assert len(shots) == 3
    assert len({item.icon().pixmap(160, 90).toImage().pixelColor(80, 45).name() for item in shots}) == 3
    frames = [item.data(Qt.UserRole) for item in shots]
    assert frames[0] < 90 <= frames[1] < 150 <= 210 <= frames[2] < city.end
    dialog.storyboard.itemClicked.emit(shots[1])
    assert window.preview.playhead == frames[1] and window.timeline.playhead == frames[1]
    # The bin now shows the clip by its first shot's keyframe.
    first_shot = shots[0].icon().pixmap(160, 90).toImage().pixelColor(80, 45).name()
    assert window.bin._icons[city.media_id].pixmap(160, 90).toImage().pixelColor(80, 45).name() == first_shot
    before = [(c.position, c.length) for c in video.clips]
    dialog.split_button.click()
    assert any(c.position == 90 for c in video.clips)
    assert len(video.clips) >= len(before) + 1
    assert 90 not in window.timeline.markers  # the change of shot is a cut between clips now
    window.undo_stack.undo()  # the whole split is one step
    assert [(c.position, c.length) for c in video.clips] == before
    assert 90 in window.timeline.markers  # and back with the clip it belongs to


def test_smart_cut_removes_dead_air_as_one_step(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    studio = video.clips[2]  # studio-talk: a long pause in the middle
    window.timeline.selected = [studio.id]
    dialog = window.open_smart_cut()
    with qtbot.waitSignal(dialog.analysed, timeout=60000):
        dialog.analyse_button.click()
    length_before = window.project.tracks[0].end
    dialog.dead_air_button.click()
    assert window.project.tracks[0].end <= length_before - 30  # at least a second of silence gone
    window.undo_stack.undo()
    assert window.project.tracks[0].end == length_before


def test_smart_cut_proposes_frozen_and_black_stretches_and_keeps_unticked_ones(qtbot, window, tmp_path):
    from core.media import encode_video
    from core.samples import Shot, shot_frames

    moving = list(shot_frames(Shot("city", 3, 60, pan=0.5), (160, 90)))
    frames = moving[:30] + [moving[30]] * 45 + [np.zeros_like(moving[0])] * 45 + moving[30:]
    path = tmp_path / "still.mp4"
    encode_video(path, iter(frames), (160, 90), 30, None, len(frames))
    window.set_project(project_from_media([path], 1280, 720, 30), None)
    dialog = window.open_smart_cut()
    with qtbot.waitSignal(dialog.analysed, timeout=60000):
        dialog.analyse_button.click()
    proposals = [dialog.found.item(i) for i in range(dialog.found.count())]
    assert [item.text().split(":")[0] for item in proposals] == ["frozen", "black"]
    proposals[0].setCheckState(Qt.Unchecked)  # keep the frozen picture, cut only the black
    dialog.dead_air_button.click()
    assert window.project.tracks[0].end == len(frames) - 45
    assert [c.length for c in window.project.tracks[0].clips] == [75, 30]


def test_smart_cut_makes_the_highlight_reel_the_edit_as_one_step(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    end, originals = video.end, {c.id for c in video.clips}
    dialog = window.open_smart_cut()
    dialog.reel_seconds.setValue(6)
    with qtbot.waitSignal(dialog.reel_added, timeout=60000):
        dialog.reel_button.click()
    assert video.end == 6 * 30  # the reel replaced the clips it was made from
    assert not originals & {c.id for c in video.clips} and len(window.project.media) == 5  # same files
    assert set(dialog.clip_ids) == {c.id for c in video.clips}  # reframing now acts on the reel
    assert window.document.markers == []  # the shot changes of the clips that left
    window.undo_stack.undo()
    assert (video.end, {c.id for c in video.clips}) == (end, originals)


def test_smart_cut_reframes_for_a_vertical_canvas(qtbot, window, samples, tmp_path):
    window.set_project(project_from_media([samples.path("studio-talk.mp4")], 180, 320, 30), None)
    talk = window.project.tracks[0].clips[0].id
    backdrop = tl.MediaRef.from_info(probe(samples.path("beach-drone.mp4")))
    window.perform(recipes.add_backdrop, backdrop, 0)
    dialog = window.open_smart_cut()
    assert dialog.clip_ids == [talk]  # the backdrop is not footage to analyse
    hint = dialog.beat_source.model().item(1)
    assert "add music first" in hint.text() and not hint.isEnabled()  # the option is there, and how
    with qtbot.waitSignal(dialog.reframed, timeout=60000):
        dialog.reframe_button.click()
    clip = window.project.find_clip(talk)[1]
    assert clip.fit == "fill" and len(clip.reframe) == 30
    window.undo_stack.undo()
    assert window.project.find_clip(talk)[1].reframe == []
    window.perform(tl.set_canvas, "vertical")  # 1080x1920: the small sample would be blown up
    with qtbot.waitSignal(dialog.reframed, timeout=60000):
        dialog.reframe_button.click()
    # shown whole over the generated backdrop under it (over its own blur when there is none)
    assert window.project.find_clip(talk)[1].fit == "fit" and "shown whole" in dialog.summary.text()


def test_about_names_the_version_and_the_window_has_the_icon(qtbot, window):
    from core import __version__
    from desktop.app import create_app

    assert not create_app().windowIcon().isNull()
    box = window.show_about()
    assert __version__ in box.text() and "nothing is sent" in box.text()
    box.close()
    assert "about" in window.actions_by_name


def test_double_clicking_a_bin_item_adds_it_at_the_end_of_its_track(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    video = window.project.tracks[0]
    end, clips = video.end, len(video.clips)
    item = next(window.bin.item(r) for r in range(window.bin.count())
                if window.project.media[window.bin.item(r).data(Qt.UserRole)].path.endswith("beach-drone.mp4"))
    item.setSelected(True)
    window.bin.itemActivated.emit(item)
    assert len(video.clips) == clips + 1 and video.clips[-1].position == end
    assert window.undo_stack.undoText() == "Add to timeline"


def test_the_bin_menu_adds_media_at_the_playhead(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    window.preview.seek(0)
    window.bin.clearSelection()
    assert window.bin.context_menu() is None  # nothing chosen: no menu
    window.bin.item(0).setSelected(True)
    menu = window.bin.context_menu()
    texts = [action.text() for action in menu.actions()]
    assert texts == ["Add to the end of the timeline", "Insert at the playhead"]
    window.preview.seek(15)
    refusals = []
    window.error_shown.connect(refusals.append)
    menu.actions()[1].trigger()
    assert refusals == []
    media_id = window.bin.item(0).data(Qt.UserRole)
    placed = [c for _, c in tl.all_clips(window.project) if c.media_id == media_id and c.position == 15]
    assert placed and window.undo_stack.undoText() == "Insert at playhead"
    window.actions_by_name["append"].trigger()  # A: the same media at the end, as Shotcut's Append
    assert window.undo_stack.undoText() == "Add to timeline"
    window.bin.clearSelection()
    window.actions_by_name["insert"].trigger()  # V with nothing chosen: said, not done
    assert "Choose some media" in refusals[-1]


def test_help_explains_the_way_to_a_short_and_the_shortcuts(qtbot, window):
    titles = [a.text() for a in window.menuBar().actions()[-1].menu().actions() if a.text()]
    assert titles == ["&Getting started", "&Keyboard shortcuts", "Open the &log folder", "&About Reelsmith"]
    guide = window.show_getting_started()
    assert "New project" in guide.text() and "Export" in guide.text()
    guide.close()
    shortcuts = window.show_shortcuts()
    assert "Ctrl+E" in shortcuts.text() and "Split at playhead" in shortcuts.text()
    shortcuts.close()


def test_scrolling_over_the_inspector_does_not_change_a_value(qtbot, window, project_file):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    open_and_show(qtbot, window, project_file)
    clip = window.project.tracks[0].clips[0]
    window.timeline.selected = [clip.id]
    window.timeline.selection_changed.emit([clip.id])
    box = window.inspector.scale
    start = box.value()

    def wheel() -> None:
        centre = QPointF(box.width() / 2, box.height() / 2)
        event = QWheelEvent(centre, box.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120 * 3), Qt.NoButton,
                            Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(box, event)

    wheel()  # scrolling the panel past the field
    assert box.value() == start and window.undo_stack.count() == 0
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    wheel()  # clicked into first: the wheel is the creator's choice
    assert box.value() < start


def test_the_canvas_chooser_turns_the_edit_vertical_in_one_undoable_step(qtbot, window, project_file):
    open_and_show(qtbot, window, project_file)
    box = window.canvas_box
    assert box.currentData() == "1080p"
    with qtbot.waitSignal(window.preview.frame_shown, timeout=20000):
        box.activated.emit(box.findData("vertical"))
    assert (window.project.width, window.project.height) == (1080, 1920)
    image = window.preview.view.image
    assert image.height() > image.width()  # the preview shows the new shape
    window.undo_stack.undo()
    assert (window.project.width, window.project.height) == (1920, 1080) and box.currentData() == "1080p"


def test_an_edit_that_changes_the_timelines_length_redraws_every_row(qtbot, window, project_file, monkeypatch):
    """Zoomed to fit, a longer timeline draws every clip at a new scale, not just the edited row."""
    from core import recipes

    open_and_show(qtbot, window, project_file)
    scale = window.timeline.pixels_per_frame
    asked = []
    monkeypatch.setattr(window.timeline, "update", lambda *area: asked.append(area))
    video = window.project.tracks[0]
    assert window.perform(recipes.append_media, [video.clips[0].media_id])
    assert window.timeline.pixels_per_frame < scale
    assert () in asked  # the whole widget, not only the video row and the ruler


def test_make_a_short_in_one_dialog_lands_as_one_undo_step(qtbot, window, samples):
    window.set_project(project_from_media([samples.path("city-walk.mp4"), samples.path("beach-drone.mp4")],
                                          1920, 1080, 30), None)
    window.project.attach_markers([90])  # found on the timeline the short replaces
    window.document.set_beats([15, 30])
    before = window.project.duration_frames
    dialog = window.open_short_dialog()
    assert dialog.aspect.currentData() == "9:16"  # a short is vertical unless asked otherwise
    dialog.seconds.setValue(5)
    dialog.title.setText("Weekend")
    dialog.music.setCurrentIndex(dialog.music.findData("upbeat"))
    shown = []
    dialog.planned.connect(lambda: shown.append((dialog.storyboard.count(), dialog.status.text())))
    with qtbot.waitSignals([dialog.planned, dialog.made], timeout=180000, order="strict"):
        dialog.make_button.click()  # the storyboard shows the plan before the short is made
    project = window.project
    video = next(t for t in project.tracks if t.name == "Video 1")
    assert shown[0][0] == len(video.clips) and "upbeat" in shown[0][1] and "Weekend" in shown[0][1]
    assert (project.width, project.height) == (1080, 1920) and abs(project.duration_frames - 150) <= 30
    assert any(t.name == "Music" for t in project.tracks) and "Export" in window.statusBar().currentMessage()
    assert window._default_export_path().name == "Weekend.mp4"  # not Untitled.mp4
    assert window.windowTitle().startswith("Weekend")  # not the first clip's name it had before
    assert window.undo_stack.undoText() == "Make a short"
    assert window.document.markers == [] and window.document.beat_markers == []  # no stale marks on the ruler
    window.undo_stack.undo()
    assert (window.project.width, window.project.duration_frames) == (1920, before)
    assert window.project.name != "Weekend" and not window.windowTitle().startswith("Weekend")  # the old name back
    window.undo_stack.redo()
    assert window.windowTitle().startswith("Weekend •")


def test_a_script_typed_in_the_short_dialog_becomes_word_timed_captions(qtbot, window, talking_clip):
    path, _, readings = talking_clip
    window.set_project(project_from_media([path], 1920, 1080, 30), None)
    dialog = window.open_short_dialog()
    assert dialog.settings().script is None  # the box left empty: no captions asked
    dialog.seconds.setValue(6)
    dialog.music.setCurrentIndex(dialog.music.findData(None))
    dialog.script.setPlainText("  " + "\n".join(readings) + "\n")
    assert dialog.settings().script == "\n".join(readings)
    with qtbot.waitSignal(dialog.made, timeout=180000):
        dialog.make_button.click()
    pictures = next(t for t in window.project.tracks if t.name == "Video 1")
    (captions,) = [e for e in pictures.effects if e["type"] == "captions"]
    cues = captions["params"]["cues"]
    assert cues and all(len(c) == 4 and c[3] for c in cues)  # each cue with its words' times
    assert window.undo_stack.undoText() == "Make a short"


def test_make_a_short_cancelled_leaves_nothing(qtbot, window, samples, tmp_path):
    song = samples.path("music-bed.wav")
    window.set_project(project_from_media([samples.path("city-walk.mp4"), song], 1920, 1080, 30), None)
    assert window._default_export_path().name == "city-walk edit.mp4"  # an edit from files, not Untitled.mp4
    folder = window.document.generated_media_folder("shorts")
    before = set(folder.iterdir())
    dialog = window.open_short_dialog()
    assert dialog.settings().music == str(song)  # the sound the creator brought, not a made bed
    assert "voice-over" in dialog.status.text()  # a song or a narration: not known until it is heard
    dialog.music.setCurrentIndex(dialog.music.findData(None))
    assert "beat" not in dialog.status.text()
    dialog.music.setCurrentIndex(dialog.music.findData(str(song)))
    dialog.make_button.click()
    with qtbot.waitSignal(dialog.job.cancelled, timeout=60000):
        dialog.cancel_button.click()
    assert "Cancelled" in dialog.status.text() and window.undo_stack.count() == 0
    assert set(folder.iterdir()) == before
    dialog.reject()
    assert window.save_to(tmp_path / "trip.reelsmith")
    dialog = window.open_short_dialog()
    assert dialog.settings().music == str(song)
    assert not (tmp_path / "trip media").exists()  # opening the dialog made no folder beside the project
    dialog.reject()


def test_a_bin_item_can_be_grabbed_by_its_picture_before_the_thumbnail_is_made(qtbot):
    """Seen in CI: a drag begun before the thumbnails landed drew a rubber band, because an item
    without an icon is only its caption."""
    from desktop.panels.bin import MediaBin
    bin_ = MediaBin()
    qtbot.addWidget(bin_)
    bin_.resize(320, 300)
    project = tl.Project(media={"m1": tl.MediaRef(id="m1", path="/clips/a.mp4", kind="video", duration=4.0)})
    bin_.set_project(project)
    bin_.show()
    qtbot.waitExposed(bin_)
    assert not bin_.has_thumbnail("m1")
    picture = bin_.visualItemRect(bin_.item(0))
    assert picture.height() >= bin_.iconSize().height()
    assert bin_.indexAt(picture.center()).row() == 0


def test_smart_cut_removes_the_pauses_of_talk_with_the_padding_chosen(qtbot, window, talking_clip):
    path, spans, _ = talking_clip
    window.set_project(project_from_media([path], 1080, 1920, 30), None)
    dialog = window.open_smart_cut()
    assert not dialog.talk_row.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.analysed, timeout=120_000):
        dialog.analyse_button.click()
    assert dialog.talk_row.isVisibleTo(dialog) and dialog.pauses_button.isEnabled()
    dialog.padding.setValue(0.05)
    tight = sum(e - s for ranges in dialog.accepted_dead_air({"pause"}).values() for s, e in ranges)
    dialog.padding.setValue(0.4)
    calm = sum(e - s for ranges in dialog.accepted_dead_air({"pause"}).values() for s, e in ranges)
    assert tight > calm + 2.0  # 4 pauses, 0.35 s more kept either side of 3 phrases
    length = window.project.tracks[0].end
    said = sum(b - a for a, b in spans)
    dialog.pauses_button.click()
    remaining = window.project.tracks[0].end / 30
    assert said - 0.6 < remaining < length / 30 - 3.0  # the pauses went, the speech stayed
    assert window.undo_stack.undoText() and len(window.project.tracks[0].clips) >= 3  # jump cuts


def test_a_clips_menu_offers_what_can_be_done_to_it(qtbot, window, samples):
    """Right-click a clip: it is selected (the actions act on the selection), and its menu has
    captions where someone may speak, split and freeze at the playhead, and delete."""
    window.set_project(project_from_media([samples.path("studio-talk.mp4"), samples.path("music-bed.wav")],
                                          320, 180, 30), None)
    timeline = window.timeline
    talk, music = (t.clips[0] for t in window.project.tracks if t.clips)
    window.document.seek(40)
    qtbot.waitUntil(lambda: timeline.playhead == 40, timeout=5000)

    def menu_at(clip):
        row = next(r for t, r in timeline._track_rows() if t.id == window.project.find_clip(clip.id)[0].id)
        menu = timeline.context_menu(QPointF(timeline.x_of(clip.position + 10), row.center().y()).toPoint())
        return {a.text().replace("&", ""): a for a in menu.actions() if a.text()}

    offered = menu_at(music)
    assert timeline.selected == [music.id]
    assert "Captions from speech" not in offered and "Freeze frame" not in offered  # sound only
    offered = menu_at(talk)
    assert timeline.selected == [talk.id]  # the music is no longer what the actions act on
    assert {"Captions from speech", "Replace background", "Split at playhead", "Freeze frame", "Delete",
            "Ripple delete"} <= set(offered)
    offered["Split at playhead"].trigger()
    assert [c.length for c in window.project.tracks[0].clips] == [40, talk.length - 40]
    assert window.project.tracks[-1].clips[0].length == music.length  # the unselected music stayed whole
    window.document.seek(0)
    qtbot.waitUntil(lambda: timeline.playhead == 0, timeout=5000)
    assert "Split at playhead" not in menu_at(window.project.tracks[0].clips[1])  # the playhead is not on it


def test_replace_background_from_a_clips_menu_in_one_click(qtbot, window, samples, monkeypatch):
    window.set_project(project_from_media([samples.path("studio-talk.mp4"), samples.path("music-bed.wav")],
                                          320, 180, 30), None)
    video = window.project.tracks[0]
    clip = video.clips[0]
    timeline = window.timeline
    row = next(r for t, r in timeline._track_rows() if t.id == video.id)
    menu = timeline.context_menu(QPointF(timeline.x_of(clip.position + 10), row.center().y()).toPoint())
    offered = {action.text(): action for action in menu.actions()}
    assert "Replace background" in offered
    with qtbot.waitSignal(window.background_replaced, timeout=120000):
        offered["Replace background"].trigger()  # the one click: the person found, a backdrop made
    assert window.undo_stack.undoText() == "Replace background"
    below = window.project.tracks[window.project.tracks.index(window.project.track(video.id)) - 1]
    assert below.name == "Background" and below.clips[0].position == clip.position
    assert window.project.find_clip(clip.id)[1].effects[-1]["type"] == "background"
    window.undo_stack.undo()
    assert all(t.name != "Background" for t in window.project.tracks)
    music = next(t for t in window.project.tracks if t.kind == tl.AUDIO_TRACK).clips[0]
    timeline.selected = [music.id]
    errors = []
    monkeypatch.setattr(window, "show_error", lambda title, message: errors.append(message))
    job = window.replace_background()  # from the Assistant menu with only sound selected: the picture at the playhead
    assert job is not None and not errors
    assert window.replace_background() is None  # asked again while it runs: refused, not a second backdrop
    assert "being replaced already" in errors[-1]
    assert [j.title for j in window.runner.jobs].count("Replace background") == 1
    with qtbot.waitSignal(job.ended, timeout=120000):
        job.token.cancel()
    assert window.replace_background() is not None  # free again once that job has ended
    window.runner.shutdown()


def test_export_and_import_a_timeline_for_other_editors(qtbot, demo_window, tmp_path, monkeypatch):
    """File > Export timeline… as FCP X XML (the suffix comes from the chosen format), then
    File > Import timeline… of an .otio: a new project with the same clips, and Smart cut's
    markers with it; a damaged file leaves the open project as it was."""
    from PySide6.QtWidgets import QFileDialog

    window = demo_window
    window.project.attach_markers([30, 300])
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: offered.append(a[2]) or (str(tmp_path / "cut"), "Final Cut Pro X XML (*.fcpxml)"))
    with qtbot.waitSignal(window.error_shown, timeout=5000) as told:  # it has transitions: said, not hidden
        window.actions_by_name["export_timeline"].trigger()
    assert Path(offered[0]).name == "Demo"  # no suffix offered: the chosen format decides it
    assert (tmp_path / "cut.fcpxml").read_text().startswith("<?xml") and "transitions" in told.args[0]

    assert window.export_timeline_to(tmp_path / "cut.otio")
    want = [(c.position, c.length) for t in window.project.tracks for c in t.clips]
    (tmp_path / "broken.otio").write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ')
    with qtbot.waitSignal(window.error_shown, timeout=20000) as told:
        window.import_timeline_from(tmp_path / "broken.otio")
    assert "broken.otio" in told.args[0] and window.document.markers == [30, 300]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "cut.otio"), ""))
    with qtbot.waitSignal(window.project_opened, timeout=20000):
        window.actions_by_name["import_timeline"].trigger()
    assert [(c.position, c.length) for t in window.project.tracks for c in t.clips] == want
    assert window.document.markers == [30, 300] and window.timeline.markers == [30, 300]
    assert window.project_path is None  # a new project: saving asks where
    assert window._dialog_folder() == tmp_path  # beside the timeline it came from, not the home folder


def test_a_portrait_clip_s_tiles_show_its_middle_square_not_a_sliver(qapp):
    from PySide6.QtGui import QPixmap

    from desktop.panels.timeline_view import _tile

    width, part = _tile(QPixmap(54, 96), 40)  # a phone clip's picture
    assert width == 40 and (part.width(), part.height(), part.top()) == (54, 54, 21)
    width, part = _tile(QPixmap(96, 54), 27)  # a landscape one keeps its whole frame
    assert width == 48 and (part.width(), part.height()) == (96, 54)


def _wheel(view, x: float, y: float, notches: int, modifiers=Qt.NoModifier) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    at = QPointF(x, y)
    QApplication.sendEvent(view, QWheelEvent(at, view.mapToGlobal(at), QPoint(), QPoint(0, 120 * notches), Qt.NoButton,
                                             modifiers, Qt.NoScrollPhase, False))


def test_the_timeline_scrolls_to_tracks_below_and_along_a_zoomed_in_edit(qtbot, window, samples):
    """A short has six tracks, and at the window's size its Music track was below the view with
    no way to reach it; zoomed in, the edit past the view could not be reached either."""
    from desktop.panels.timeline_view import RULER_HEIGHT

    project = tl.Project.new()
    ref = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, ref)
    for index in range(20):  # 20 clips of 3 s along Video 1
        tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, ref.id, index * 90, 0, 3))
    for name in ("Voice-over", "Backdrop music", "Music"):
        tl.add_track(project, tl.AUDIO_TRACK, name)
    music = tl.make_clip(project, ref.id, 0, 0, 3)
    tl.add_clip(project, project.tracks[-1].id, music)
    window.set_project(project, None)
    view = window.timeline
    view.resize(1000, 200)

    def row_of(track):
        return next(row for t, row in view._track_rows() if t is track)

    last = project.tracks[-1]
    assert not view.vbar.isHidden() and row_of(last).top() > view.height()
    _wheel(view, 500, 120, -10)  # down, as far as it goes
    middle = row_of(last).center().y()
    assert RULER_HEIGHT < middle < view.height() and view.track_at(middle) is last
    assert view.clip_at(view.x_of(45), middle) == music.id  # what is drawn there is what a click takes
    assert view.track_at(RULER_HEIGHT - 2) is None  # rows scrolled up are under the ruler, not hit through it

    scale, under = view.pixels_per_frame, view.frame_of(600)
    _wheel(view, 600, 120, 6, Qt.ControlModifier)  # zoom in around the pointer
    assert view.pixels_per_frame > 3 * scale and not view.hbar.isHidden() and abs(view.frame_of(600) - under) <= 1
    first = view.first_frame
    _wheel(view, 600, 120, -3, Qt.ShiftModifier)  # along the edit
    assert view.first_frame > first and view.frame_of(view.x_of(1000)) == 1000
    view.set_playhead(project.duration_frames - 10)  # a jump past the view: the view follows
    assert 110 <= view.x_of(view.playhead) <= view.width() - view.vbar.width()
    _wheel(view, 500, 120, 10)  # back up to Video 1
    row = row_of(project.tracks[0])
    assert view.top == 0 and view.track_at(row.center().y()) is project.tracks[0]
    image = view.grab().toImage()  # the clips of the end of the edit are drawn, not the start's
    assert image.pixelColor(int(view.x_of(project.duration_frames - 45)), int(row.center().y())) != \
        image.pixelColor(int(view.x_of(project.duration_frames + 60)), int(row.center().y()))
    _wheel(view, 600, 120, -40, Qt.ControlModifier)  # all the way out: the whole edit fits again
    assert view.hbar.isHidden() and view.first_frame == 0 and view.x_of(project.duration_frames) < view.width()


def test_a_clip_held_at_the_timeline_s_edge_carries_on_past_the_view(qtbot, window, samples):
    """Zoomed in, a clip could only be dragged as far as the view's edge, and a click on a
    scrolled view took the clip that would be there unscrolled."""
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    project = tl.Project.new()
    ref = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, ref)
    clips = [tl.make_clip(project, ref.id, index * 90, 0, 3) for index in range(10)]
    for clip in clips:
        tl.add_clip(project, project.tracks[0].id, clip)
    window.set_project(project, None)
    view = window.timeline
    view.resize(1000, 300)
    QApplication.processEvents()  # the window's layout settles the view's size first
    _wheel(view, 200, 60, 8, Qt.ControlModifier)
    view.hbar.setValue(200)  # scrolled along: frames 200 onwards are at the left
    row = next(r for t, r in view._track_rows() if t is project.tracks[0])
    y = row.center().y()
    assert view.clip_at(view.x_of(280), y) == clips[3].id  # what is drawn there, not frame 280 - 200
    assert view.clip_at(60, y) is None  # a header, not the clip scrolled off under it
    grabbed = clips[3]
    qtbot.mousePress(view, Qt.LeftButton, pos=QPointF(view.x_of(280), y).toPoint())
    free = next(r for t, r in view._track_rows() if t.kind != tl.AUDIO_TRACK and not t.clips)  # nothing to overlap
    edge = QPointF(view.width() - view.vbar.width() * (not view.vbar.isHidden()) - 4, free.center().y())
    view.mouseMoveEvent(QMouseEvent(QMouseEvent.MouseMove, edge, edge, Qt.LeftButton, Qt.LeftButton, Qt.NoModifier))
    reach = view.frame_of(edge.x()) - 280  # as far as the pointer went on screen
    for _ in range(8):  # held there, the view scrolls on, carrying the clip
        with qtbot.waitSignal(view.hbar.valueChanged, timeout=2000):
            pass
    carried = view.frame_of(edge.x()) - 280
    assert carried > reach + 20
    qtbot.mouseRelease(view, Qt.LeftButton, pos=edge.toPoint())
    assert not view._edge_timer.isActive()
    moved = window.project.find_clip(grabbed.id)[1].position - 270
    assert abs(moved - carried) <= 3  # it lands where the pointer is on the scrolled edit


def test_footage_dragged_from_the_bin_to_the_timeline_s_edge_scrolls_it_until_it_leaves(qtbot, window, samples):
    from PySide6.QtCore import QMimeData, QPoint
    from PySide6.QtGui import QDragLeaveEvent, QDragMoveEvent
    from PySide6.QtWidgets import QApplication

    from desktop.panels.bin import MEDIA_MIME

    project = tl.Project.new()
    ref = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, ref)
    for index in range(10):
        tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, ref.id, index * 90, 0, 3))
    window.set_project(project, None)
    view = window.timeline
    QApplication.processEvents()
    _wheel(view, 200, 60, 8, Qt.ControlModifier)
    data = QMimeData()
    data.setData(MEDIA_MIME, ref.id.encode())
    at = QPoint(view.width() - view.vbar.width() * (not view.vbar.isHidden()) - 4, 60)
    view.dragMoveEvent(QDragMoveEvent(at, Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))  # Qt drops one without an enter
    with qtbot.waitSignal(view.hbar.valueChanged, timeout=2000):  # held at the edge: the view moves on
        pass
    assert view.first_frame > 0 and view._edge_timer.isActive()
    view.dragLeaveEvent(QDragLeaveEvent())
    assert not view._edge_timer.isActive()  # dragged away: it stops

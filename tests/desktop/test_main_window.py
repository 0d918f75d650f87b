"""The main window driven as a creator would: open, look, edit, undo, import, close."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage

from core import timeline as tl
from core.demo import demo_project
from core.project_io import load_project, save_project
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


def test_import_reports_bad_files_and_keeps_good_ones(qtbot, window, project_file, bad_media, samples):
    open_and_show(qtbot, window, project_file)
    files = [str(samples.path("studio-talk.mp4")), str(bad_media["text"]), str(bad_media["empty"])]
    with qtbot.waitSignal(window.error_shown, timeout=20000) as blocker:
        window.import_files(files)
    assert "notes.mp4" in blocker.args[0] and "empty.mp4" in blocker.args[0]
    assert "Traceback" not in blocker.args[0]
    qtbot.waitUntil(lambda: window.bin.count() == 6, timeout=10000)


def test_dropping_a_folder_on_the_bin_imports_its_media(qtbot, window, project_file, samples, tmp_path):
    open_and_show(qtbot, window, project_file)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(samples.folder))])
    drop = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.bin.dropEvent(drop)
    qtbot.waitUntil(lambda: window.bin.count() == 10, timeout=20000)  # 5 files, imported again


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


def test_closing_cancels_running_jobs(qtbot, project_file):
    import threading

    window = MainWindow()
    qtbot.addWidget(window)
    started = threading.Event()

    def endless(*, progress=None, cancel=None):
        while True:
            started.set()
            cancel.check()
            threading.Event().wait(0.01)

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
    window.inspector.fit.setCurrentText("fill")
    clip = video.clip(clip_id)
    assert (clip.volume, clip.fit) == (0.5, "fill")
    assert window.undo_stack.count() == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    clip = video.clip(clip_id)
    assert (clip.volume, clip.fit) == (1.0, "fit")
    assert window.inspector.volume.value() == 100  # the inspector follows undo


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
    assert window.project.duration_frames == 0 and window.project_path is None


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

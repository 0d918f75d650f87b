"""Generate backdrop and Train model, driven as a creator would (on the CPU, tiny models)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from core import timeline as tl

pytest.importorskip("torch")


@pytest.fixture
def window(demo_window):
    return demo_window


def _backdrop_dialog(qtbot, window, model):
    dialog = window.open_backdrop_dialog()
    assert dialog.isVisible() and "Reading the model" in dialog.status.text()  # open at once; the model loads
    dialog.model.setCurrentIndex(dialog.model.findData(str(model)))
    qtbot.waitUntil(lambda: dialog.style.findData("aurora") >= 0, timeout=30000)
    with qtbot.waitSignal(dialog.previewed, timeout=60000):
        dialog.style.setCurrentIndex(dialog.style.findData("aurora"))
    return dialog


def test_backdrop_preview_then_added_under_the_footage_as_one_step(qtbot, window, tiny_model):
    dialog = _backdrop_dialog(qtbot, window, tiny_model)
    pictures = [label.pixmap().toImage() for label in dialog.frames]
    assert all(not p.isNull() for p in pictures)
    assert pictures[0] != pictures[1] != pictures[2]  # four moments, not one picture
    with qtbot.waitSignal(dialog.previewed, timeout=30000):  # seen in a real window: a big seed drew nothing
        dialog.seed.setValue(768286)
    assert dialog.frames[0].pixmap().toImage() != pictures[0]
    assert dialog.cancel_button.text() == "Close"
    tracks_before, media_before = len(window.project.tracks), len(window.project.media)
    assert dialog.seconds.value() == window.project.duration_frames / window.project.fps  # the edit's length
    window.preview.seek(45)  # the playhead elsewhere: the backdrop still starts with the edit
    dialog.seconds.setValue(1)
    with qtbot.waitSignal(dialog.generated, timeout=120000) as generated:
        dialog.generate_button.click()
    bottom = window.project.tracks[0]
    assert bottom.name == "Backdrop" and bottom.kind == tl.VIDEO_TRACK
    assert [(c.position, c.length) for c in bottom.clips] == [(0, 30)]  # 1 s at the project's 30 fps, from 0
    assert "Backdrop track" in window.statusBar().currentMessage()  # done: the dialog closed, the window says
    media = window.project.media[bottom.clips[0].media_id]
    assert media.path == generated.args[0] and (media.width, media.height) == (window.project.width, window.project.height)
    window.undo_stack.undo()
    assert (len(window.project.tracks), len(window.project.media)) == (tracks_before, media_before)


def test_generate_clicked_while_the_model_is_read_starts_when_it_is(qtbot, window):
    dialog = window.open_backdrop_dialog()
    dialog.seconds.setValue(0.5)
    dialog.generate_button.click()  # at once, before the model is read
    assert "starts right after" in dialog.status.text()
    with qtbot.waitSignal(dialog.generated, timeout=120000):
        pass
    assert window.project.tracks[0].name == "Backdrop"


def test_cancelled_backdrop_adds_nothing(qtbot, window, tiny_model):
    from core.paths import data_subdir

    dialog = _backdrop_dialog(qtbot, window, tiny_model)
    dialog.seconds.setValue(300)
    before = set(data_subdir("backdrops").iterdir())
    dialog.generate_button.click()
    assert dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60000)
    with qtbot.waitSignal(dialog.render_job.cancelled, timeout=30000):
        dialog.cancel_button.click()
    assert "Cancelled" in dialog.status.text()
    assert all(t.name != "Backdrop" for t in window.project.tracks)
    assert set(data_subdir("backdrops").iterdir()) == before


@pytest.mark.filterwarnings("ignore:libpyside. Failed to disconnect")  # waitSignal on a deleted object's destroyed
def test_a_dialog_closed_while_its_render_ends_is_left_alone(qtbot, window, tiny_model, monkeypatch):
    """The job's last progress and its end arrive after the dialog is deleted: nothing may reach
    the dialog's widgets then (a lambda on them raised 'Internal C++ object already deleted')."""
    import threading

    import core.gan.backdrop as backdrop

    released = threading.Event()

    def held_render(settings, out, progress, cancel):
        released.wait(60)
        progress(0.5, "")
        cancel.check()

    monkeypatch.setattr(backdrop, "render_backdrop", held_render)
    dialog = _backdrop_dialog(qtbot, window, tiny_model)
    dialog.generate_button.click()
    job = dialog.render_job
    with qtbot.waitSignal(dialog.destroyed, timeout=10000):
        dialog.close()  # cancels the render; the job ends after the dialog is gone
    with qtbot.waitSignal(job.ended, timeout=60000):
        released.set()
    assert job.token.cancelled and all(t.name != "Backdrop" for t in window.project.tracks)


def test_a_damaged_model_is_explained(qtbot, window, tiny_model):
    from core.gan import user_models_dir

    damaged = user_models_dir() / "damaged.pt"
    damaged.write_bytes(b"not a model")
    try:
        dialog = window.open_backdrop_dialog()
        dialog.model.setCurrentIndex(dialog.model.findData(str(tiny_model)))
        qtbot.waitUntil(dialog.generate_button.isEnabled, timeout=30000)
        with qtbot.waitSignal(dialog.failed, timeout=10000) as failed:
            dialog.model.setCurrentIndex(dialog.model.findData(str(damaged)))
        assert "damaged" in failed.args[0]
        assert not dialog.generate_button.isEnabled()
        dialog.reject()
    finally:
        damaged.unlink()


def test_train_shows_progress_pauses_and_resumes(qtbot, window, picture_folder, monkeypatch):
    import core.gan.train as gan_train
    import desktop.dialogs.train_dialog as train_dialog
    from core.gan.train import load_model_file

    monkeypatch.setattr(train_dialog, "PREVIEW_EVERY", 3)  # the first grid sooner: a step is seconds here
    # The dialog's machinery, not the model, is tested: a batch of 8 steps in a quarter of the time.
    monkeypatch.setattr(gan_train, "TrainSettings", functools.partial(gan_train.TrainSettings, batch=8))
    dialog = window.open_train_dialog()
    dialog.sources.clear()
    dialog.sources.addItem(str(picture_folder))
    dialog.fine_tune.setChecked(False)
    dialog.name.setText("bokeh look")
    dialog.steps.setValue(400)
    with qtbot.waitSignal(dialog.sampled, timeout=120000):
        dialog.start_button.click()
    with qtbot.waitSignal(dialog.paused, timeout=60000):
        dialog.pause_button.click()
    saved = load_model_file(dialog.model_path())["trained_steps"]
    assert saved >= 3 and dialog.resume_button.isEnabled()
    assert dialog.grid.pixmap() is not None and len(dialog.curve.points) >= 1
    dialog.steps.setValue(saved + 3)
    with qtbot.waitSignal(dialog.trained, timeout=120000) as trained:
        dialog.resume_button.click()
    assert load_model_file(trained.args[0])["trained_steps"] == saved + 3
    assert dialog.model_path().stem == "bokeh look"
    image = dialog.curve.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 4) for y in range(24, image.height(), 4)}
    assert len(colours) > 2  # the curves were drawn
    dialog.reject()
    backdrop = window.open_backdrop_dialog()
    assert backdrop.model.findText("bokeh look") >= 0  # the new model is offered for backdrops
    backdrop.reject()


def test_train_without_usable_pictures_says_so(qtbot, window, tmp_path):
    dialog = window.open_train_dialog()
    dialog.sources.clear()
    with qtbot.waitSignal(dialog.failed, timeout=5000) as nothing:
        dialog.start_button.click()
    assert "Add at least" in nothing.args[0]
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.png").write_bytes(np.random.default_rng(1).bytes(500))
    dialog.sources.addItem(str(junk))
    with qtbot.waitSignal(dialog.failed, timeout=30000) as failed:
        dialog.start_button.click()
    assert "None of these files" in failed.args[0]
    assert dialog.start_button.isEnabled()
    dialog.reject()

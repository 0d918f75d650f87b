"""Generate backdrop: pick a model, a style and a seed, watch a few frames, add it under the footage.

The preview renders four small frames across the loop as a job whenever a setting changes (the
previous preview is cancelled). Generating renders the full clip at the project's size and frame
rate as another job, then adds it on a backdrop track under the footage as one undo step.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from core import recipes
from core import timeline as tl
from core.gan import available_models
from core.jobs import check_cancel
from core.media import fit_size
from desktop.widgets import seed_field, to_qimage

PREVIEW_FRAMES = 4
PREVIEW_SIDE = 192  # the longer side of each preview frame, drawn in the project's shape


def preview_size(width: int, height: int) -> tuple[int, int]:
    return fit_size(width, height, PREVIEW_SIDE) if width >= height else fit_size(height, width, PREVIEW_SIDE)[::-1]


def preview_frames(settings, *, progress=None, cancel=None) -> list[np.ndarray]:
    """A few small frames spread over the loop, for the dialog's preview."""
    from core.gan.backdrop import BackdropRenderer

    renderer = BackdropRenderer(settings)
    check_cancel(cancel)
    if settings.match:
        renderer.match_colours(settings.match)
    check_cancel(cancel)
    indices = renderer.moments(PREVIEW_FRAMES)
    size = preview_size(settings.width, settings.height)
    return [renderer.finish(small, int(i), *size) for i, small in zip(indices, renderer.small_frames(indices), strict=True)]


def model_styles(path: str, *, progress=None, cancel=None) -> list[str]:
    """The styles a model file offers (a job: reading it needs torch, which takes a while)."""
    from core.gan.train import load_model_file

    return list(load_model_file(path)["styles"])


class BackdropDialog(QDialog):
    previewed = Signal()
    styles_ready = Signal()  # the chosen model's styles are listed
    generated = Signal(str)  # the clip's file
    failed = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Generate backdrop")
        self.setMinimumWidth(560)
        self.document = document
        self.preview_job = self.render_job = self.styles_job = None
        self._generate_when_ready = False  # Generate was clicked while the model was being read
        self.model = QComboBox()
        for name, path in available_models().items():
            self.model.addItem(name, str(path))
        self.style = QComboBox()
        self.seed, seed_row = seed_field("Another seed: a different backdrop in the same style")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(1, 600)
        project = document.project
        length = project.duration_frames / project.fps if project else 0
        self.seconds.setValue(length or 10)  # under the whole edit, as the music is
        self.seconds.setToolTip("As long as the timeline; it loops without a seam if you need more")
        self.seconds.setSuffix(" s")
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.1, 5)
        self.speed.setSingleStep(0.25)
        self.speed.setValue(1)
        self.speed.setToolTip("How fast it drifts; the clip loops at any speed")
        self.grain = QDoubleSpinBox()
        self.grain.setRange(0, 1)
        self.grain.setSingleStep(0.1)
        self.match = QComboBox()
        self.match.addItem("Its own colours", None)
        for media in document.project.media.values():
            if media.has_video and not media.offline:
                self.match.addItem(f"Match {Path(media.path).name}", media.path)
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Style", self.style)
        form.addRow("Seed", seed_row)
        form.addRow("Length", self.seconds)
        form.addRow("Speed", self.speed)
        form.addRow("Film grain", self.grain)
        form.addRow("Colours", self.match)
        self.frames = [QLabel() for _ in range(PREVIEW_FRAMES)]
        strip = QHBoxLayout()
        for label in self.frames:
            label.setFixedSize(*preview_size(document.project.width, document.project.height))
            label.setAlignment(Qt.AlignCenter)
            label.setStyleSheet("background: #111; color: #888;")
            strip.addWidget(label)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.generate_button = QPushButton("Generate and add to timeline")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Close")  # "Cancel" only while there is something to cancel
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Preview (across the loop)"))
        layout.addLayout(strip)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh_preview)
        self.model.currentIndexChanged.connect(self._model_changed)
        for signal in (self.style.currentIndexChanged, self.seed.valueChanged, self.speed.valueChanged,
                       self.grain.valueChanged, self.match.currentIndexChanged, self.seconds.valueChanged):
            # Not start itself: handed the new value, QTimer.start(msec) waited that many
            # milliseconds, so a "Surprise me" seed of 768286 redrew the preview 13 minutes later.
            signal.connect(lambda *_: self._debounce.start())
        if self.model.count() == 0:
            self._show_problem("No backdrop model is installed. Reinstall Reelsmith, or train one with Train model.")
        else:
            self._model_changed()

    # --- settings --------------------------------------------------------------------------------

    def _model_changed(self) -> None:
        """Read the model's styles off the GUI thread, so the dialog opens at once."""
        self.style.blockSignals(True)
        self.style.clear()
        self.style.blockSignals(False)
        self.generate_button.setEnabled(True)  # a click now starts as soon as the model is read
        self.status.setText("Reading the model…")
        job = self.document.runner.submit("Reading the model", model_styles, self.model.currentData())
        # Bound methods, not lambdas: Qt drops the connection when the dialog is deleted.
        job.succeeded.connect(self._styles_read)
        job.failed.connect(self._styles_failed)
        self.styles_job = job

    def _styles_read(self, styles: list[str]) -> None:
        if self.sender() is self.styles_job:  # a model chosen since then counts, not this one
            self._show_styles(styles)

    def _styles_failed(self, message: str) -> None:
        if self.sender() is self.styles_job:
            self._show_problem(message)

    def _show_styles(self, styles: list[str]) -> None:
        self.style.blockSignals(True)
        for name in styles:
            self.style.addItem(name.replace("-", " ").capitalize(), name)
        self.style.setCurrentIndex(styles.index("custom") if "custom" in styles else 0)
        self.style.blockSignals(False)
        self.generate_button.setEnabled(True)
        self.styles_ready.emit()
        if self._generate_when_ready:
            self._generate_when_ready = False
            self.generate()
        self.refresh_preview()

    def settings(self, preview: bool = False):
        from core.gan.backdrop import BackdropSettings

        project = self.document.project
        return BackdropSettings(
            seconds=self.seconds.value(), width=project.width, height=project.height, fps=project.fps,
            seed=self.seed.value(), style=self.style.currentData(), speed=self.speed.value(),
            grain=0.0 if preview else self.grain.value(), match=self.match.currentData(),
            model=self.model.currentData())

    def _show_problem(self, message: str) -> None:
        self._generate_when_ready = False
        self.status.setText(message)
        self.generate_button.setEnabled(False)
        self.failed.emit(message)

    # --- preview ---------------------------------------------------------------------------------

    def refresh_preview(self) -> None:
        if self.style.count() == 0:  # the model is still being read (or could not be)
            return
        if self.preview_job is not None:
            self.preview_job.cancel()
        self.status.setText("Drawing the preview…")
        job = self.document.runner.submit("Backdrop preview", preview_frames, self.settings(preview=True))
        job.succeeded.connect(self._preview_drawn)
        job.failed.connect(self._preview_failed)
        self.preview_job = job

    def _preview_drawn(self, frames: list[np.ndarray]) -> None:
        if self.sender() is self.preview_job:  # only the newest preview counts: an older one may finish after it
            self._show_preview(frames)

    def _preview_failed(self, message: str) -> None:
        if self.sender() is self.preview_job:
            self._show_problem(message)

    def _show_preview(self, frames: list[np.ndarray]) -> None:
        for label, frame in zip(self.frames, frames, strict=True):
            label.setPixmap(QPixmap.fromImage(to_qimage(frame)))
        self.status.setText("Four moments of the loop. Change the seed for another backdrop.")
        self.previewed.emit()

    # --- generate --------------------------------------------------------------------------------

    def generate(self) -> None:
        from core.gan.backdrop import render_backdrop

        if self.style.count() == 0:  # still reading the model: go as soon as it is read
            self._generate_when_ready = True
            self.generate_button.setEnabled(False)
            self.status.setText("Reading the model; the backdrop starts right after…")
            return
        settings = self.settings()
        name = f"backdrop-{settings.style}-seed{settings.seed}-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
        out = self.document.generated_media_folder("backdrops") / name
        self.generate_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.status.setText(f"Generating {settings.seconds:g} s at {settings.width}x{settings.height}…")
        self.render_job = self.document.runner.submit("Generate backdrop", render_backdrop, settings, out,
                                                     on_result=self._add_to_timeline, on_error=self._render_failed,
                                                     ask_before_quit=True)
        self.cancel_button.setText("Cancel")
        self.render_job.progress.connect(self._render_progress)
        self.render_job.ended.connect(self._render_ended)
        self.render_job.cancelled.connect(self._render_cancelled)

    def _render_progress(self, fraction: float, _message: str) -> None:
        self.progress.setValue(int(fraction * 100))

    def _render_ended(self) -> None:
        self.cancel_button.setText("Close")

    def _render_failed(self, message: str) -> None:
        self.render_job = None
        self.progress.setVisible(False)
        self.generate_button.setEnabled(True)
        self.status.setText(message)
        self.failed.emit(message)

    def _render_cancelled(self) -> None:
        self.render_job = None
        self.progress.setVisible(False)
        self.generate_button.setEnabled(True)
        self.status.setText("Cancelled; nothing was added.")

    def _add_to_timeline(self, path) -> None:
        """The clip on the backdrop track (made at the bottom if there is none), at the playhead:
        one undo step."""
        from core.media import probe

        self.render_job = None
        media = tl.MediaRef.from_info(probe(path))
        if not self.document.perform(recipes.add_backdrop, media, 0):  # under the edit from its start
            self.progress.setVisible(False)
            self.generate_button.setEnabled(True)
            self.status.setText(f"The backdrop was saved as {path} but could not be added to the timeline.")
            return
        self.generated.emit(str(path))
        self.accept()  # done: the window says where it went

    def _cancel_or_close(self) -> None:
        if self.render_job is not None:
            self.render_job.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:
        for job in (self.preview_job, self.render_job, self.styles_job):
            if job is not None:
                job.cancel()
        self.preview_job = self.styles_job = None  # one finishing after this is ignored
        super().done(result)

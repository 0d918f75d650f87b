"""Train model: teach the backdrop GAN a creator's own look from their pictures or footage.

Training runs as a job. Every few steps the job sends the losses and a grid of samples, which
the dialog draws as a live loss curve and picture. Pause stops the job after saving a checkpoint;
Resume carries on from it. The model lands in the data folder's models folder, where the
Generate backdrop dialog finds it.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.gan import shipped_model, user_models_dir
from desktop.widgets import to_qimage

PREVIEW_EVERY = 10  # steps between preview grids: each settles statistics first, about 5% of a run


def train_from_sources(sources: list[str], out: str, steps: int, fine_tune: bool, resume: bool,
                       on_update=None, *, progress=None, cancel=None):
    """The job: read the pictures, then train (or carry on training) the model at ``out``."""
    from core.gan.data import user_dataset
    from core.gan.train import TrainSettings, train
    from core.jobs import sub_progress

    pictures = user_dataset(sources, progress=sub_progress(progress, 0.0, 0.1), cancel=cancel)
    base = shipped_model() if fine_tune and shipped_model().exists() else None
    return train(pictures, out, TrainSettings(steps=steps, sample_every=PREVIEW_EVERY), base_model=base, resume=resume,
                 description=f"Trained on {len(pictures)} pictures", on_update=on_update,
                 progress=sub_progress(progress, 0.1, 1.0), cancel=cancel)


class _UpdateRelay(QObject):
    """Carries training updates from the worker thread to the GUI thread (a queued signal)."""

    update = Signal(object)


class LossCurve(QWidget):
    """The discriminator's and the generator's loss over the steps so far."""

    def __init__(self):
        super().__init__()
        self.points: list[tuple[int, float, float]] = []
        self.setMinimumSize(300, 160)

    def add(self, step: int, d_loss: float, g_loss: float) -> None:
        self.points.append((step, d_loss, g_loss))
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#15171c"))
        painter.setPen(QColor("#8a8f98"))
        painter.drawText(8, 16, "Loss: discriminator (orange), generator (blue)")
        if len(self.points) < 2:
            return
        steps = [p[0] for p in self.points]
        values = [v for p in self.points for v in p[1:]]
        low, high = min(values), max(values)
        span, width, height = max(high - low, 1e-6), self.width() - 16, self.height() - 32

        def at(step: float, value: float) -> QPointF:
            x = 8 + width * (step - steps[0]) / max(1, steps[-1] - steps[0])
            return QPointF(x, 24 + height * (1 - (value - low) / span))

        painter.setRenderHint(QPainter.Antialiasing)
        for column, colour in ((1, "#f0a040"), (2, "#4aa3ff")):
            painter.setPen(QPen(QColor(colour), 2))
            line = [at(p[0], p[column]) for p in self.points]
            for a, b in zip(line, line[1:], strict=False):
                painter.drawLine(a, b)


class TrainDialog(QDialog):
    trained = Signal(str)  # the model file
    paused = Signal()
    failed = Signal(str)
    sampled = Signal(int)  # the step of the newest sample grid

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Train backdrop model")
        self.setMinimumSize(760, 560)
        self.document = document
        self.job = None
        self.relay = _UpdateRelay()
        self.relay.update.connect(self._show_update)
        self.sources = QListWidget()
        self.sources.setToolTip("Folders of pictures, pictures or video clips to learn from")
        self.sources.setMaximumHeight(120)
        for media in document.project.media.values() if document.project else []:
            if media.has_video and not media.offline:
                self.sources.addItem(media.path)
        add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self._add_folder)
        add_files = QPushButton("Add files…")
        add_files.clicked.connect(self._add_files)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: [self.sources.takeItem(self.sources.row(i)) for i in self.sources.selectedItems()])
        source_buttons = QHBoxLayout()
        for button in (add_folder, add_files, remove):
            source_buttons.addWidget(button)
        source_buttons.addStretch(1)
        self.name = QLineEdit("my-look")
        self.steps = QSpinBox()
        self.steps.setRange(1, 100_000)
        self.steps.setValue(600)
        self.steps.setSingleStep(100)
        self.fine_tune = QCheckBox("Start from the Reelsmith model (faster, needs fewer pictures)")
        self.fine_tune.setChecked(shipped_model().exists())
        self.fine_tune.setEnabled(shipped_model().exists())
        form = QFormLayout()
        form.addRow("Model name", self.name)
        form.addRow("Steps", self.steps)
        form.addRow("", self.fine_tune)
        self.curve = LossCurve()
        self.grid = QLabel("Samples appear here as it learns")
        self.grid.setAlignment(Qt.AlignCenter)
        self.grid.setMinimumSize(256, 128)
        self.grid.setStyleSheet("background: #111; color: #888;")
        live = QHBoxLayout()
        live.addWidget(self.curve, 1)
        live.addWidget(self.grid, 1)
        self.status = QLabel("Add pictures or clips in the look you want, then Start.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Stop for now; the work so far is saved and Resume carries on")
        self.pause_button.clicked.connect(self.pause)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.resume_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.pause_button.setEnabled(False)
        self.resume_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Learn from"))
        layout.addWidget(self.sources)
        layout.addLayout(source_buttons)
        layout.addLayout(form)
        layout.addLayout(live, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of pictures")
        if folder:
            self.sources.addItem(folder)

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Pictures or clips")
        for path in files:
            self.sources.addItem(path)

    def model_path(self) -> Path:
        name = re.sub(r"[^\w\- ]+", "", self.name.text()).strip() or "my-look"
        return user_models_dir() / f"{name}.pt"

    def start(self, resume: bool) -> None:
        from core.gan.train import checkpoint_path

        sources = [self.sources.item(i).text() for i in range(self.sources.count())]
        if not sources:
            self._failed("Add at least a folder of pictures or a clip to learn from.")
            return
        out = self.model_path()
        if not resume and (out.exists() or checkpoint_path(out).exists()):
            self._failed(f"A model called '{out.stem}' exists already: choose another name, or Resume it.")
            self.resume_button.setEnabled(True)
            return
        if not resume:
            self.curve.points.clear()
        self._running(True)
        self.status.setText("Reading the pictures…" if not resume else "Carrying on…")
        self.job = self.document.runner.submit(
            "Train backdrop model", train_from_sources, sources, str(out), self.steps.value(),
            self.fine_tune.isChecked(), resume, self.relay.update.emit,
            on_result=self._finished, on_error=self._failed, ask_before_quit=True)
        self.job.progress.connect(self._progressed)  # a method: gone with the dialog, unlike a lambda
        self.job.cancelled.connect(self._paused)

    def _progressed(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.status.setText(message)

    def _running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.resume_button.setEnabled(False)
        for widget in (self.name, self.steps, self.fine_tune):
            widget.setEnabled(not running)

    def pause(self) -> None:
        if self.job is not None:
            self.status.setText("Pausing after this step…")
            self.job.cancel()

    def _paused(self) -> None:
        self.job = None
        self._running(False)
        self.resume_button.setEnabled(True)
        self.status.setText(f"Paused. The model so far is saved as '{self.model_path().stem}'; Resume carries on.")
        self.paused.emit()

    def _show_update(self, update) -> None:
        self.curve.add(update.step, update.d_loss, update.g_loss)
        if update.grid is not None:
            self.grid.setPixmap(QPixmap.fromImage(to_qimage(update.grid)).scaled(
                self.grid.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))
        self.sampled.emit(update.step)

    def _finished(self, result) -> None:
        self.job = None
        self._running(False)
        self.status.setText(f"Done: '{result.model.stem}' learned for {result.steps} steps in {result.seconds:.0f} s. "
                            "It is in Generate backdrop's list of models.")
        self.trained.emit(str(result.model))

    def _failed(self, message: str) -> None:
        self.job = None
        self._running(False)
        self.status.setText(message)
        self.failed.emit(message)

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()  # closing pauses: the checkpoint is kept
        super().done(result)

"""The export dialog: preset, output path, progress, cancel, and "show in folder" when done."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from core.export import FRAME_RATES, QUALITIES, ExportSettings, export_project
from core.timeline import CANVASES, Project
from desktop.jobs import Job, JobRunner
from desktop.widgets import show_in_folder

PROJECT_CANVAS = "project"


class ExportDialog(QDialog):
    exported = Signal(str)  # the written file
    export_failed = Signal(str)
    export_cancelled = Signal()
    backgrounded = Signal(object)  # closed while exporting: the Job goes on in the status bar

    def __init__(self, project: Project, runner: JobRunner, default_path: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.setMinimumWidth(520)
        self.project, self.runner = project, runner
        self.job: Job | None = None
        self.written: Path | None = None

        self.canvas = QComboBox()
        self.canvas.addItem(f"Project canvas ({project.width}x{project.height})", PROJECT_CANVAS)
        for name, (_, _, label) in CANVASES.items():
            self.canvas.addItem(label, name)
        self.fps = QComboBox()
        for rate in sorted({*FRAME_RATES, project.fps}):
            self.fps.addItem(f"{rate:g} fps", rate)
        self.fps.setCurrentIndex(self.fps.findData(project.fps))
        self.quality = QComboBox()
        for name, label in (("draft", "Draft (fast, larger)"), ("good", "Good"), ("best", "Best (slow)")):
            self.quality.addItem(label, name)
        self.quality.setCurrentIndex(1)
        self.path = QLineEdit(str(default_path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)

        form = QFormLayout()
        form.addRow("Canvas", self.canvas)
        form.addRow("Frame rate", self.fps)
        form.addRow("Quality", self.quality)
        form.addRow("Save as", where)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.show_button = QPushButton("Show in folder")
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self.show_in_folder)
        close = QPushButton("Close")
        close.setToolTip("An export that is running goes on; its progress is at the bottom right")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def settings(self) -> ExportSettings:
        name, fps, quality = self.canvas.currentData(), self.fps.currentData(), self.quality.currentData()
        width, height = (self.project.width, self.project.height) if name == PROJECT_CANVAS else CANVASES[name][:2]
        assert quality in QUALITIES
        return ExportSettings(width, height, fps, quality)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video as", self.path.text(), "MP4 video (*.mp4)")
        if path:
            self.path.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def start(self, overwrite: bool | None = None) -> None:
        """Start the export job; asks before replacing an existing file."""
        target = Path(self.path.text()).expanduser()
        if overwrite is None:
            overwrite = False
            if target.exists():
                answer = QMessageBox.question(self, "Replace file?", f"'{target.name}' already exists. Replace it?")
                if answer != QMessageBox.Yes:
                    return
                overwrite = True
        self._set_running(True)
        self.status.setText("Exporting…")
        snapshot = copy.deepcopy(self.project)  # the user may go on editing while this runs
        self.job = self.runner.submit("Exporting", export_project, snapshot, target, self.settings(),
                                      overwrite=overwrite, ask_before_quit=True)
        self.job.progress.connect(self._progress)
        self.job.succeeded.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Cancelling…")

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(f"{message}… {fraction * 100:.0f}%")

    def _done(self, result) -> None:
        self._set_running(False)
        self.written = result.path
        self.progress.setValue(1000)
        speed = result.duration / result.seconds if result.seconds else 0
        self.status.setText(f"Exported {result.path.name}: {result.duration:.1f} s of video in "
                            f"{result.seconds:.1f} s ({speed:.1f}x real time).")
        self.show_button.setEnabled(True)
        self.exported.emit(str(result.path))

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText(f"<span style='color:#ff8a80'>{message}</span>")
        self.export_failed.emit(message)

    def _cancelled(self) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.status.setText("Export cancelled; nothing was written.")
        self.export_cancelled.emit()

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.canvas, self.fps, self.quality, self.path):
            widget.setEnabled(not running)
        if running:
            self.show_button.setEnabled(False)

    def show_in_folder(self) -> None:
        if self.written is not None:
            show_in_folder(self.written)

    def reject(self) -> None:
        """Closing never throws an export away: it goes on in the status bar's jobs, which
        has its own cancel button, and the window says when it is done."""
        if self.job is not None and self.job.running:
            self.backgrounded.emit(self.job)
        super().reject()

"""Running jobs in the status bar: a title, a progress bar and a cancel button each."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from desktop.jobs import Job, JobRunner


class _JobRow(QWidget):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job
        self.label = QLabel(job.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(text="✕")
        self.cancel_button.setToolTip(f"Cancel {job.title.lower()}")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        job.progress.connect(self._progress)

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        if message:
            self.label.setText(f"{self.job.title}: {message}")

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(f"{self.job.title}: cancelling…")


class JobsPanel(QWidget):
    def __init__(self, runner: JobRunner, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._rows: dict[int, _JobRow] = {}
        runner.job_started.connect(self._add)
        runner.job_ended.connect(self._remove)

    def _add(self, job: Job) -> None:
        row = _JobRow(job)
        self._rows[id(job)] = row
        self._layout.addWidget(row)

    def _remove(self, job: Job) -> None:
        row = self._rows.pop(id(job), None)
        if row is not None:
            row.deleteLater()

    @property
    def rows(self) -> list[_JobRow]:
        return list(self._rows.values())

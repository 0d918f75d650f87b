"""Make a short: one dialog asks only the length, the shape, a title, the music and (if wanted)
the words said, for captions; the short (core.assist.short) is made as a job and lands on the
timeline as one undo step."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from core import recipes
from core import timeline as tl
from core.assist.short import ASPECTS, PLAN_WIDTH, Plan, ShortSettings, make_short
from desktop.widgets import DoubleSpinBox, storyboard_strip, to_qimage

MOOD_CHOICES = ("auto", "chill", "upbeat", "cinematic", "dreamy", "energetic", "lofi")


class _PlanRelay(QObject):
    """Carries the plan from the worker thread to the GUI thread (a queued signal)."""

    planned = Signal(object)


class ShortDialog(QDialog):
    made = Signal()
    failed = Signal(str)
    planned = Signal()  # the storyboard shows the plan

    def __init__(self, document, media_ids: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Make a short")
        self.setMinimumWidth(460)
        self.document, self.media_ids = document, media_ids
        self.job = None
        project = document.project
        footage = sum((project.media[m].duration or 2.5) for m in media_ids)
        self.seconds = DoubleSpinBox()
        self.seconds.setRange(3, 600)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(min(30.0, max(3.0, round(footage * 0.6))))
        self.aspect = QComboBox()
        for ratio, canvas in ASPECTS.items():
            self.aspect.addItem(tl.CANVASES[canvas][2], ratio)
        square = tl.CANVASES[ASPECTS["1:1"]][:2] == (project.width, project.height)
        self.aspect.setCurrentIndex(self.aspect.findData("1:1" if square else "9:16"))  # shorts are vertical
        self.title = QLineEdit()
        self.title.setPlaceholderText("No title")
        self.music = QComboBox()
        for mood in MOOD_CHOICES:
            self.music.addItem("Chosen from the footage's pace" if mood == "auto" else mood.capitalize(), mood)
        self.music.addItem("No music", None)
        self._offer_own_sound(project)
        self.music.setToolTip("<p>Generated music, a song of yours, or a voice-over: a recording of you talking "
                              "sets the short's length, the clips' own sound dips while you speak, and quiet music plays "
                              "under your voice (delete its clip on the Music track if you want none).</p>")  # <p>: wrapped
        form = QFormLayout()
        form.addRow("Length", self.seconds)
        form.addRow("Shape", self.aspect)
        form.addRow("Title", self.title)
        form.addRow("Music", self.music)
        self.script = QPlainTextEdit()
        self.script.setPlaceholderText("Optional: paste the words said, for captions that follow the voice (English)")
        self.script.setTabChangesFocus(True)
        self.script.setFixedHeight(64)
        form.addRow("Script", self.script)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.music.currentIndexChanged.connect(self._promise)
        self._promise()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.storyboard = storyboard_strip(QSize(PLAN_WIDTH, PLAN_WIDTH * 9 // 16))  # the plan, while it is made
        self.storyboard.setVisible(False)
        self.relay = _PlanRelay()
        self.relay.planned.connect(self._show_plan)
        self.make_button = QPushButton("Make the short")
        self.make_button.setDefault(True)
        self.make_button.clicked.connect(self.make)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.make_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.storyboard)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self.title.setFocus()  # the one thing to type; Enter then makes the short

    def _offer_own_sound(self, project: tl.Project) -> None:
        """The bin's sound files go on the list, and the last the creator brought or made with
        Generate music is chosen: a song or a voice-over imported for this is what they expect
        to hear, not a made bed. Music an earlier short made is offered but not chosen."""
        own = [m for m in project.media.values() if m.kind == "audio" and not m.offline]
        for ref in own:
            self.music.addItem(f"{Path(ref.path).name} (from the bin)", ref.path)
        brought = next((m for m in reversed(own) if not self.document.is_generated(m.path, "shorts")), None)
        if brought is not None:
            self.music.setCurrentIndex(self.music.findData(brought.path))

    def _promise(self) -> None:
        """What the short will be, as far as the choices made so far tell: whether a sound file
        is a voice-over is heard only when the short is made."""
        music = self.music.currentData()
        cut = {None: "", **dict.fromkeys(MOOD_CHOICES, ", on the beat")}.get(
            music, ", on its beat (or, for a voice-over, as long as it speaks)")
        self.status.setText(f"From {len(self.media_ids)} file(s) in the bin: the best moments, reframed{cut}.")

    def settings(self) -> ShortSettings:
        return ShortSettings(seconds=self.seconds.value(), aspect=self.aspect.currentData(),
                             title=self.title.text().strip() or None, music=self.music.currentData(),
                             fps=self.document.project.fps, script=self.script.toPlainText().strip() or None)

    def make(self) -> None:
        project = self.document.project
        paths = [project.media[m].path for m in self.media_ids]
        self.make_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.progress.setVisible(True)
        self.job = self.document.runner.submit(
            "Make a short", make_short, paths, self.settings(), self.document.generated_media_folder("shorts"),
            on_plan=self.relay.planned.emit, on_result=self._use, on_error=self._failed, ask_before_quit=True)
        self.job.progress.connect(self._progress)
        self.job.cancelled.connect(self._cancelled)

    def _show_plan(self, plan: Plan) -> None:
        self.storyboard.clear()
        for picture, seconds in zip(plan.pictures, plan.seconds, strict=True):
            self.storyboard.addItem(QListWidgetItem(QIcon(QPixmap.fromImage(to_qimage(picture))), f"{seconds:.1f} s"))
        self.storyboard.setVisible(True)
        self.status.setText(f"{len(plan.pictures)} pieces on {plan.music}" + (f", titled “{plan.title}”" if plan.title else "")
                            + ". Now framing them…")
        self.planned.emit()

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        if message and not self.storyboard.isVisible():  # once planned, the plan stays in view
            self.status.setText(f"{message}…")

    def _idle(self) -> None:
        self.job = None
        self.make_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress.setVisible(False)

    def _use(self, short: tl.Project) -> None:
        self._idle()
        titled = self.document.path is None and bool(self.title.text().strip())  # a saved project keeps its name
        if self.document.perform(recipes.use_short, short, rename=titled):
            self.document.set_beats([])  # found in the music of the old timeline
            self.document.seek(round(0.5 * short.fps) if self.title.text().strip() else 0)  # the title in view
            self.made.emit()
            self.accept()

    def _failed(self, message: str) -> None:
        self._idle()
        self.status.setText(message)
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._idle()
        self.status.setText("Cancelled; the timeline is as it was.")

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
        super().done(result)

"""Generate music: a royalty-free bed in the mood, key and tempo asked for, added on a sound
track under everything (ducked under the voice if wanted) as one undo step."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from core import recipes
from core import timeline as tl
from core.audio.music import MOODS, NOTE_NAMES, MusicSettings, write_music
from desktop.widgets import seed_field


class MusicDialog(QDialog):
    added = Signal(str)  # the music file
    failed = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Generate music")
        self.document = document
        self.job = None
        self.mood = QComboBox()
        self.mood.addItems(list(MOODS))
        self.bpm = QSpinBox()
        self.bpm.setRange(40, 220)
        self.bpm.setSuffix(" BPM")
        self.mood.currentTextChanged.connect(lambda m: self.bpm.setValue(MOODS[m].bpm))
        self.bpm.setValue(MOODS[self.mood.currentText()].bpm)
        self.key = QComboBox()
        self.key.addItems([*NOTE_NAMES, *(f"{n}m" for n in NOTE_NAMES)])
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(2, 600)
        self.seconds.setSuffix(" s")
        project = document.project
        length = project.duration_frames / project.fps if project else 0.0
        self.seconds.setValue(max(2.0, length) if length else 30.0)  # under the whole edit, no longer
        self.seconds.setToolTip("As long as the timeline; on the timeline it ends, fading, with the edit")
        self.seed, seed_row = seed_field("Another seed: different music in the same mood")
        self.duck = QCheckBox("Duck it under the voice and the footage's sound")
        self.duck.setChecked(True)
        form = QFormLayout()
        form.addRow("Mood", self.mood)
        form.addRow("Tempo", self.bpm)
        form.addRow("Key", self.key)
        form.addRow("Length", self.seconds)
        form.addRow("Seed", seed_row)
        form.addRow("", self.duck)
        self.status = QLabel("Rounded to whole bars, so it loops without a seam. Yours to use anywhere.")
        self.status.setWordWrap(True)
        self.generate_button = QPushButton("Generate and add")
        self.generate_button.clicked.connect(self.generate)
        self.generate_button.setDefault(True)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def settings(self) -> MusicSettings:
        return MusicSettings(mood=self.mood.currentText(), bpm=self.bpm.value(), key=self.key.currentText(),
                             seconds=self.seconds.value(), seed=self.seed.value())

    def generate(self) -> None:
        settings = self.settings()
        name = f"music-{settings.mood}-{settings.key}-{int(settings.bpm)}bpm-seed{settings.seed}-{time.strftime('%H%M%S')}.wav"
        self.generate_button.setEnabled(False)
        self.status.setText("Composing…")
        self.job = self.document.runner.submit("Generate music", _make, settings, str(self.document.generated_media_folder("music") / name),
                                              on_result=self._add, on_error=self._failed, ask_before_quit=True)

    def _failed(self, message: str) -> None:
        self.job = None
        self.generate_button.setEnabled(True)
        self.status.setText(message)
        self.failed.emit(message)

    def _add(self, path: str) -> None:
        """On a sound track of its own at the start, ducked if asked: one undo step."""
        from core.media import probe

        self.job = None
        media = tl.MediaRef.from_info(probe(path))
        if not self.document.perform(recipes.add_music_bed, media, duck_db=-12.0 if self.duck.isChecked() else 0.0):
            self.generate_button.setEnabled(True)
            self.status.setText(f"The music was saved as {path} but could not be added to the timeline.")
            return
        self.added.emit(path)
        self.accept()  # done: the window says where it went

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
        super().done(result)


def _make(settings: MusicSettings, path: str, *, progress=None, cancel=None) -> str:
    from core.jobs import check_cancel

    check_cancel(cancel)
    return str(write_music(settings, path))

"""The captions editor: a table of cues (start, end, text) for a clip's captions effect, filled
from the clip's speech (transcribed, or the creator's script placed on it), from SRT, or by
hand; SRT export. Words heard with little confidence are marked for checking. Editing a
cue's text keeps the heard times of the words kept. OK applies the whole table as one
undoable edit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core import timeline as tl
from core.errors import ReelsmithError
from core.speech.cues import build_cues, line_characters, retime_words, shift_cues
from core.speech.words import LOW_CONFIDENCE

TO_CHECK = QColor("#5a4a1a")  # a cue holding a word heard with little confidence


class CaptionsDialog(QDialog):
    applied = Signal()
    failed = Signal(str)
    heard = Signal()  # captions from speech are in the table

    def __init__(self, document, clip_id: str, index: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Captions")
        self.setMinimumSize(620, 420)
        self.document, self.clip_id, self.index = document, clip_id, index
        _, clip = document.project.find_clip(clip_id)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Start (s)", "End (s)", "Text"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.set_cues(clip.effects[index].get("params", {}).get("cues", []))
        self.status = QLabel("Times are seconds from the start of the clip. Each word lights up as it is said. "
                             "From speech and From my script understand English only, for now.")
        self.status.setWordWrap(True)
        self.speech_button, self.script_button = QPushButton("From speech"), QPushButton("From my script…")
        self.speech_button.setToolTip("Transcribe what is said in this clip: a draft to correct (English)")
        self.script_button.setToolTip("Paste the words that are said: each is placed where it is heard (English)")
        self.speech_button.clicked.connect(self.caption_from_speech)
        self.script_button.clicked.connect(self._ask_for_script)
        self.job = None
        add, remove = QPushButton("Add"), QPushButton("Remove")
        import_button, export_button = QPushButton("Import SRT…"), QPushButton("Export SRT…")
        add.clicked.connect(self._add_row)
        remove.clicked.connect(lambda: [self.table.removeRow(r) for r in sorted({i.row() for i in self.table.selectedItems()}, reverse=True)])
        import_button.clicked.connect(self._choose_srt)
        export_button.clicked.connect(self._save_srt)
        row = QHBoxLayout()
        for button in (self.speech_button, self.script_button, add, remove, import_button, export_button):
            row.addWidget(button)
        row.addStretch(1)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.apply)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(box)

    def set_cues(self, cues: list) -> None:
        self.table.setRowCount(0)
        for cue in cues:
            self._add_row(*cue)

    def _add_row(self, start: float | None = None, end: float | None = None, text: str = "",
                 words: list | None = None) -> None:
        if start is None:
            last = self.cues(check=False)
            start = last[-1][1] if last else 0.0
            end = start + 2.0
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate((f"{start:.3f}", f"{end:.3f}", text)):
            self.table.setItem(row, column, QTableWidgetItem(value))
        if words:
            cell = self.table.item(row, 2)
            cell.setData(Qt.UserRole, (text, words))  # the heard times, for the text as heard
            unsure = [w for w, (_, _, confidence) in zip(text.split(), words, strict=True) if confidence < LOW_CONFIDENCE]
            if unsure:
                cell.setBackground(TO_CHECK)
                cell.setToolTip("Check: " + ", ".join(unsure) + " (not heard clearly)")

    def cues(self, check: bool = True) -> list[list]:
        """The table as cues, sorted; with ``check``, a ReelsmithError naming a bad row."""
        cues = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c).text().strip() if self.table.item(row, c) else "" for c in range(3)]
            try:
                start, end = float(cells[0]), float(cells[1])
            except ValueError:
                if check:
                    raise ReelsmithError(f"Row {row + 1}: the start and end must be numbers of seconds.") from None
                continue
            if check and end <= start:
                raise ReelsmithError(f"Row {row + 1}: the caption must end after it starts.")
            cues.append([start, end, cells[2], *self._word_times(row, cells[2], start, end)])
        return sorted(cues, key=lambda c: c[0])

    def _word_times(self, row: int, text: str, start: float, end: float) -> list:
        """The row's heard word times, fitted to its text as edited (none when it has none)."""
        heard = self.table.item(row, 2).data(Qt.UserRole) if self.table.item(row, 2) else None
        if not heard:
            return []
        words = retime_words(heard[0], heard[1], text, start, end)
        return [words] if words else []

    # --- from speech ----------------------------------------------------------------------

    def _media(self):
        _, clip = self.document.project.find_clip(self.clip_id)
        return clip, self.document.project.media[clip.media_id]

    def caption_from_speech(self, script: str | None = None) -> None:
        """Fill the table from the clip's speech, as a job: transcribed, or ``script`` placed."""
        from core.speech.words import align, transcribe

        clip, media = self._media()
        if media.offline or not media.has_audio:
            self._failed(f"'{Path(media.path).name}' has no sound to caption: put the captions on "
                         "the clip where someone speaks.")
            return
        self._busy(True)
        self.status.setText("Placing your script on the speech…" if script else "Listening to the speech…")
        title = "Captions from script" if script else "Captions from speech"
        args = (align, media.path, script) if script else (transcribe, media.path)
        self._listened_clip = clip  # the clip as it was heard: its trim places the words
        within = (clip.source_in, clip.source_out(self.document.project.fps))  # not all of a long recording
        # Bound methods, not lambdas: Qt drops the connection when the dialog is deleted.
        self.job = self.document.runner.submit(title, *args, within=within, on_result=self._heard,
                                               on_error=self._speech_failed)
        self.job.cancelled.connect(self._speech_stopped)

    def _speech_stopped(self) -> None:
        self._busy(False)
        self.status.setText("Stopped.")

    def _ask_for_script(self) -> None:
        text, ok = QInputDialog.getMultiLineText(self, "From my script", "Paste the words said in this clip, or the "
                                                 "whole recording's script (English). Each is placed where it is heard:")
        if ok:
            self.caption_from_speech(text)

    def _busy(self, busy: bool) -> None:
        self.speech_button.setEnabled(not busy)
        self.script_button.setEnabled(not busy)

    def _speech_failed(self, message: str) -> None:
        self._busy(False)
        self._failed(message)

    def _heard(self, words: list) -> None:
        clip = self._listened_clip
        self._busy(False)
        project = self.document.project
        cues = build_cues(words, line_characters(project.width, project.height))
        self.set_cues(shift_cues(cues, clip.source_in, clip.speed, clip.length / project.fps))
        unsure = sum(1 for w in words if w.confidence < LOW_CONFIDENCE)
        self.status.setText(f"{self.table.rowCount()} captions from {len(words)} words"
                            + (f"; {unsure} not heard clearly are marked: check them." if unsure else ".")
                            + " Press OK to put them on the clip.")
        self.heard.emit()

    def _choose_srt(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import captions", "", "SubRip captions (*.srt);;All files (*)")
        if path:
            self.import_srt(path)

    def import_srt(self, path: str) -> bool:
        from core.effects.srt import read_srt

        try:
            self.set_cues(read_srt(path))
        except ReelsmithError as exc:
            self._failed(str(exc))
            return False
        self.status.setText(f"Imported {self.table.rowCount()} captions.")
        return True

    def _save_srt(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export captions", "captions.srt", "SubRip captions (*.srt)")
        if path:
            self.export_srt(path)

    def export_srt(self, path: str) -> bool:
        from core.effects.srt import write_srt

        try:
            write_srt(self.cues(), path)
        except ReelsmithError as exc:
            self._failed(str(exc))
            return False
        self.status.setText(f"Saved {path}.")
        return True

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.failed.emit(message)

    def apply(self) -> None:
        try:
            cues = self.cues()
        except ReelsmithError as exc:
            self._failed(str(exc))
            return
        if self.document.perform(tl.set_effect_params, self.clip_id, self.index, cues=cues):
            self.applied.emit()
            self.accept()

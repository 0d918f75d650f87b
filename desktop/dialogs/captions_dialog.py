"""The captions editor: a table of cues (start, end, text) for a clip's captions effect, with
SRT import and export. OK applies the whole table as one undoable edit."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core import timeline as tl
from core.errors import ReelsmithError


class CaptionsDialog(QDialog):
    applied = Signal()
    failed = Signal(str)

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
        self.status = QLabel("Times are seconds from the start of the clip. Each word lights up as it is said.")
        self.status.setWordWrap(True)
        add, remove = QPushButton("Add"), QPushButton("Remove")
        import_button, export_button = QPushButton("Import SRT…"), QPushButton("Export SRT…")
        add.clicked.connect(self._add_row)
        remove.clicked.connect(lambda: [self.table.removeRow(r) for r in sorted({i.row() for i in self.table.selectedItems()}, reverse=True)])
        import_button.clicked.connect(self._choose_srt)
        export_button.clicked.connect(self._save_srt)
        row = QHBoxLayout()
        for button in (add, remove, import_button, export_button):
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
        for start, end, text in cues:
            self._add_row(start, end, text)

    def _add_row(self, start: float | None = None, end: float | None = None, text: str = "") -> None:
        if start is None:
            last = self.cues(check=False)
            start = last[-1][1] if last else 0.0
            end = start + 2.0
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate((f"{start:.3f}", f"{end:.3f}", text)):
            self.table.setItem(row, column, QTableWidgetItem(value))

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
            cues.append([start, end, cells[2]])
        return sorted(cues, key=lambda c: c[0])

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

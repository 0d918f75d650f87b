"""A clip's effect stack in the inspector: order, on/off, remove, and each effect's settings,
with keyframes at the playhead. Every change goes out as the whole new stack, which the main
window applies as one undoable edit."""

from __future__ import annotations

import copy
import dataclasses
import typing

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.effects import effect_type, value_at, with_key
from desktop.widgets import ComboBox, DoubleSpinBox, SpinBox

# Text settings offered as a list besides their declared choices (a key colour may also be #rrggbb).
SUGGESTIONS = {"colour": ("green", "blue")}


def _is_colour(field: dataclasses.Field) -> bool:
    return "tuple" in str(field.type)


class EffectEditor(QWidget):
    stack_changed = Signal(list)  # the clip's new effect stack
    captions_requested = Signal(int)  # index of a captions effect to edit

    def __init__(self, parent=None):
        super().__init__(parent)
        self.stack: list[dict] = []
        self.time = 0.0  # seconds into the clip at the playhead
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.currentRowChanged.connect(self._show_params)
        self.list.itemChanged.connect(self._toggled)
        up, down, remove = QToolButton(), QToolButton(), QToolButton()
        up.setText("▲")
        up.setToolTip("Earlier in the stack")
        down.setText("▼")
        down.setToolTip("Later in the stack")
        remove.setText("✕")
        remove.setToolTip("Remove this effect")
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        for button in (up, down, remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.form_host)
        self.editors: dict[str, QWidget] = {}

    # --- the stack ---------------------------------------------------------------------------------

    def set_stack(self, stack: list[dict], time: float) -> None:
        row = self.list.currentRow()
        self.stack, self.time = copy.deepcopy(stack), time
        self.list.blockSignals(True)
        self.list.clear()
        for effect in self.stack:
            item = QListWidgetItem(effect_type(effect["type"]).label)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if effect.get("enabled", True) else Qt.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(min(max(row, 0), len(self.stack) - 1) if self.stack else -1)
        self._show_params(self.list.currentRow())

    def focus_effect(self, row: int) -> QWidget | None:
        """Show effect ``row``'s settings with its text ready to type over (a new title says
        "Your title" until the creator writes theirs); returns the settings' widget."""
        self.list.setCurrentRow(row)
        text = self.editors.get("text")
        if isinstance(text, QLineEdit):
            text.setFocus()
            text.selectAll()
        return self.form_host

    def _emit(self) -> None:
        self.stack_changed.emit(copy.deepcopy(self.stack))

    def _toggled(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        self.stack[row]["enabled"] = item.checkState() == Qt.Checked
        self._emit()

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        other = row + step
        if row < 0 or not 0 <= other < len(self.stack):
            return
        self.stack[row], self.stack[other] = self.stack[other], self.stack[row]
        self.list.setCurrentRow(other)
        self._emit()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            del self.stack[row]
            self._emit()

    # --- one effect's settings ------------------------------------------------------------------------

    def _show_params(self, row: int) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        if not 0 <= row < len(self.stack):
            return
        effect = self.stack[row]
        kind = effect_type(effect["type"])
        defaults = kind.params()
        hints = typing.get_type_hints(kind.params)
        for field in dataclasses.fields(kind.params):
            raw = effect.get("params", {}).get(field.name, getattr(defaults, field.name))
            value = value_at(raw, self.time)
            editor = self._editor(row, field, hints.get(field.name), value, raw)
            if editor is not None:
                self.form.addRow(field.name.replace("_", " ").capitalize(), editor)
        if effect["type"] == "captions":
            edit = QPushButton("Edit captions…")
            edit.clicked.connect(lambda: self.captions_requested.emit(row))
            self.form.addRow("", edit)

    def _editor(self, row: int, field, hint, value, raw) -> QWidget | None:
        name = field.name
        if name == "cues":
            return None  # the captions editor's job
        choices = field.metadata.get("choices") or SUGGESTIONS.get(name)
        if choices and isinstance(value, str):
            box = ComboBox()
            box.addItems(list(dict.fromkeys([*choices, value])))
            box.setCurrentText(value)
            box.currentTextChanged.connect(lambda text: self._set(row, name, text))
            return box
        if hint is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(lambda on: self._set(row, name, on))
            return box
        if hint is str:
            line = QLineEdit(str(value))
            line.editingFinished.connect(lambda: self._set(row, name, line.text()))
            self.editors[name] = line
            return line
        if _is_colour(field):
            button = QPushButton()
            button.setStyleSheet(f"background: rgb({int(value[0])}, {int(value[1])}, {int(value[2])});")
            button.clicked.connect(lambda: self._pick_colour(row, name, value))
            return button
        box = SpinBox() if hint is int else DoubleSpinBox()
        low, high = field.metadata.get("low"), field.metadata.get("high")
        box.setRange(-100000 if low is None else low, 100000 if high is None else high)  # the declared range
        if isinstance(box, DoubleSpinBox):
            box.setDecimals(3)
            box.setSingleStep(0.05)
        box.setValue(value)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(lambda v: self._set(row, name, v))
        self.editors[name] = box
        key = QToolButton()
        key.setText("◆")
        key.setCheckable(True)
        key.setChecked(isinstance(raw, dict))
        key.setToolTip("Animate: add a keyframe here at the playhead (click again to stop animating)")
        key.clicked.connect(lambda on: self._keyframe(row, name, box.value(), on))
        line = QWidget()
        layout = QHBoxLayout(line)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box, 1)
        layout.addWidget(key)
        return line

    def _pick_colour(self, row: int, name: str, value) -> None:
        colour = QColorDialog.getColor(QColor(*[int(v) for v in value]), self, "Colour")
        if colour.isValid():
            self._set(row, name, [colour.red(), colour.green(), colour.blue()])

    def _set(self, row: int, name: str, value) -> None:
        """A new value; on an animated setting it becomes (or replaces) the key at the playhead."""
        params = self.stack[row].setdefault("params", {})
        raw = params.get(name)
        if isinstance(raw, dict) and "keys" in raw:
            params[name] = {"keys": with_key(raw["keys"], [round(self.time, 3), value, "ease"])}
        else:
            params[name] = value
        self._emit()

    def _keyframe(self, row: int, name: str, value, animate: bool) -> None:
        params = self.stack[row].setdefault("params", {})
        raw = params.get(name)
        if animate:
            keys = raw["keys"] if isinstance(raw, dict) else []
            params[name] = {"keys": with_key(keys, [round(self.time, 3), value, "ease"])}
        else:
            params[name] = value  # stop animating: keep the value shown now
        self._emit()

"""Small widgets and picture helpers that more than one panel or dialog uses."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QListView,
    QListWidget,
    QPushButton,
    QSpinBox,
)


def show_in_folder(path: Path) -> None:
    """Open the system's file manager on the folder holding ``path``."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


class _WheelOnlyWhenFocused:
    """Scrolling a panel must not change the value under the pointer: the wheel goes to the
    panel until the field is clicked (as in Kdenlive and Shotcut)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.StrongFocus)

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # on to the scroll area behind


class _UndoIsTheEditors:
    """Ctrl+Z in a number field undoes the last edit, as everywhere else in the window (the
    field's own text undo silently ate the keys). A value typed but not yet entered is entered
    first, so Ctrl+Z takes back exactly what was typed, and Ctrl+Shift+Z brings it back."""

    def event(self, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and (event.matches(QKeySequence.Undo)
                                                         or event.matches(QKeySequence.Redo)):
            self.interpretText()  # the typing becomes the edit that Undo then takes back
            event.ignore()  # not overridden: the window's Undo/Redo shortcut takes it
            return False
        return super().event(event)


class SpinBox(_UndoIsTheEditors, _WheelOnlyWhenFocused, QSpinBox):
    pass


class DoubleSpinBox(_UndoIsTheEditors, _WheelOnlyWhenFocused, QDoubleSpinBox):
    pass


class ComboBox(_WheelOnlyWhenFocused, QComboBox):
    pass


def to_qimage(frame: np.ndarray) -> QImage:
    """An RGB uint8 picture as a QImage that owns its pixels."""
    height, width = frame.shape[:2]
    return QImage(frame.data, width, height, 3 * width, QImage.Format_RGB888).copy()


def seed_field(tip: str = "Another seed: something different in the same style") -> tuple[QSpinBox, QHBoxLayout]:
    """A seed box with a "Surprise me" button that picks a random one: (the box, its row)."""
    seed = QSpinBox()
    seed.setRange(0, 999_999)
    dice = QPushButton("Surprise me")
    dice.setToolTip(tip)
    dice.setAutoDefault(False)  # Enter in the dialog means its main button, never a new seed
    dice.clicked.connect(lambda: seed.setValue(random.randrange(1_000_000)))
    row = QHBoxLayout()
    row.addWidget(seed, 1)
    row.addWidget(dice)
    return seed, row


def storyboard_strip(icon: QSize) -> QListWidget:
    """A one-row strip of pictures with a caption each (smart cut's shots, a short's plan)."""
    strip = QListWidget()
    strip.setViewMode(QListView.IconMode)
    strip.setFlow(QListView.LeftToRight)
    strip.setWrapping(False)
    strip.setMovement(QListView.Static)
    strip.setIconSize(icon)
    strip.setFixedHeight(icon.height() + 56)
    return strip

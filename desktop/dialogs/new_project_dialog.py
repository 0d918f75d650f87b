"""New project: the shape of the video is the first thing asked, one click per shape (as
CapCut asks for the aspect ratio first). It can still be changed later from the toolbar."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
)

from core.timeline import CANVASES

ICON = 96


def shape_icon(width: int, height: int) -> QIcon:
    """A filled rectangle in the canvas's proportions, the way the shape reads at a glance."""
    pixmap = QPixmap(ICON, ICON)
    pixmap.fill(Qt.transparent)
    scale = (ICON - 12) / max(width, height)
    w, h = width * scale, height * scale
    with QPainter(pixmap) as painter:
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QColor("#e0e0e0"))
        painter.setBrush(QColor("#3d5afe"))
        painter.drawRoundedRect(QRectF((ICON - w) / 2, (ICON - h) / 2, w, h), 4, 4)
    return QIcon(pixmap)


class NewProjectDialog(QDialog):
    """Click a shape and the project starts; ``chosen`` is the CANVASES name."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.chosen: str | None = None
        self.buttons: dict[str, QToolButton] = {}
        grid = QGridLayout()
        for column, (name, (width, height, label)) in enumerate(CANVASES.items()):
            size, ratio, *platforms = label.split(" ", 2)
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            button.setIcon(shape_icon(width, height))
            button.setIconSize(QSize(ICON, ICON))
            button.setText(f"{ratio}  {size}\n{platforms[0].strip('()') if platforms else ''}".strip())
            button.setMinimumWidth(150)
            button.setToolTip(label)
            button.clicked.connect(lambda _=False, name=name: self._choose(name))
            grid.addWidget(button, 0, column)
            self.buttons[name] = button
        self.setStyleSheet("QToolButton { border: 1px solid transparent; border-radius: 6px; padding: 8px; }"
                           "QToolButton:hover, QToolButton:focus { border-color: #ff8a50; background: #2a2d33; }")
        cancel = QDialogButtonBox(QDialogButtonBox.Cancel)
        cancel.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What shape is the video? (You can change it later in the toolbar.)"))
        layout.addLayout(grid)
        layout.addWidget(cancel)

    def _choose(self, name: str) -> None:
        self.chosen = name
        self.accept()

"""The media bin: every file in the project, with a thumbnail, and a drop target for files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from core.timeline import MediaRef, Project


def dropped_paths(mime) -> list[str]:
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []


class MediaBin(QListWidget):
    files_dropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListWidget.IconMode)
        self.setIconSize(QSize(128, 72))
        self.setGridSize(QSize(146, 112))
        self.setResizeMode(QListWidget.Adjust)
        self.setMovement(QListWidget.Static)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setAcceptDrops(True)
        self._icons: dict[str, QIcon] = {}

    def set_project(self, project: Project | None) -> None:
        self.clear()
        if project is None:
            return
        for media in project.media.values():
            self.addItem(self._item(media))

    def _item(self, media: MediaRef) -> QListWidgetItem:
        name = Path(media.path).name
        detail = "image" if media.duration is None else f"{media.duration:.1f} s"
        item = QListWidgetItem(f"{name}\n{'OFFLINE' if media.offline else detail}")
        item.setData(Qt.UserRole, media.id)
        item.setToolTip(media.path)
        item.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
        if media.id in self._icons:
            item.setIcon(self._icons[media.id])
        return item

    def set_thumbnail(self, media_id: str, pixmap: QPixmap) -> None:
        self._icons[media_id] = QIcon(pixmap)
        for row in range(self.count()):
            if self.item(row).data(Qt.UserRole) == media_id:
                self.item(row).setIcon(self._icons[media_id])

    def has_thumbnail(self, media_id: str) -> bool:
        return media_id in self._icons

    # Drops of files or folders from the file manager.
    def dragEnterEvent(self, event) -> None:
        event.acceptProposedAction() if dropped_paths(event.mimeData()) else event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction() if dropped_paths(event.mimeData()) else event.ignore()

    def dropEvent(self, event) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)

"""The media bin: every file in the project, with a thumbnail, and a drop target for files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QMenu

from core.timeline import MediaRef, Project

MEDIA_MIME = "application/x-reelsmith-media"  # media ids, one a line: bin -> timeline


def dropped_paths(mime) -> list[str]:
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []


class MediaBin(QListWidget):
    files_dropped = Signal(list)
    media_activated = Signal(list)  # media ids double-clicked (or Enter): at the end of the timeline
    media_to_playhead = Signal(list)  # media ids to insert at the playhead (right-click menu)

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
        self.setDragEnabled(True)  # a press on a thumbnail drags it (to the timeline), not a rubber band
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setDefaultDropAction(Qt.CopyAction)
        self.setToolTip("Drag onto the timeline, or double-click to add at the end of the timeline")
        self.itemActivated.connect(lambda _item: self.media_activated.emit(self.selected_media()))
        self._icons: dict[str, QIcon] = {}
        # A blank card the size of a thumbnail until the real one is made: without an icon an
        # item is only its caption, and a press where the picture will be starts a rubber band.
        blank = QPixmap(self.iconSize())
        blank.fill(QColor("#2b2f36"))
        self._blank = QIcon(blank)

    EMPTY_HINT = "Import media (Ctrl+I),\nor drop video, audio\nand pictures here"

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0:  # an empty bin says how to fill it
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#9aa0a6"))
            painter.drawText(self.viewport().rect(), Qt.AlignCenter, self.EMPTY_HINT)

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
        item.setIcon(self._icons.get(media.id, self._blank))
        return item

    def set_thumbnail(self, media_id: str, pixmap: QPixmap) -> None:
        self._icons[media_id] = QIcon(pixmap)
        for row in range(self.count()):
            if self.item(row).data(Qt.UserRole) == media_id:
                self.item(row).setIcon(self._icons[media_id])

    def has_thumbnail(self, media_id: str) -> bool:
        return media_id in self._icons

    def selected_media(self) -> list[str]:
        """The selected media ids, in the bin's order."""
        return [self.item(r).data(Qt.UserRole) for r in range(self.count()) if self.item(r).isSelected()]

    def context_menu(self) -> QMenu | None:
        """What can be done with the selected media; None when nothing is selected."""
        chosen = self.selected_media()
        if not chosen:
            return None
        menu = QMenu(self)
        menu.addAction("Add to the end of the timeline", lambda: self.media_activated.emit(chosen))
        menu.addAction("Insert at the playhead", lambda: self.media_to_playhead.emit(chosen))
        return menu

    def contextMenuEvent(self, event) -> None:
        item = self.itemAt(event.pos())
        if item is not None and not item.isSelected():
            self.setCurrentItem(item)  # right-click acts on what is under the pointer
        menu = self.context_menu()
        if menu is not None:
            menu.setAttribute(Qt.WA_DeleteOnClose)
            menu.popup(event.globalPos())

    def mimeTypes(self) -> list[str]:
        return [MEDIA_MIME, "text/uri-list"]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        rows = sorted(self.row(item) for item in items)
        data.setData(MEDIA_MIME, "\n".join(self.item(r).data(Qt.UserRole) for r in rows).encode())
        return data

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

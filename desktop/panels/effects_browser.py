"""The effects browser: every effect and one-click look, to drag onto a clip (or double-click
to put on the selected clips)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from core.effects import all_effects
from core.effects.colour import LOOKS
from core.effects.text import TEXT_PRESETS

EFFECT_MIME = "application/x-reelsmith-effect"
LOOK_PREFIX = "look:"
PRESET_PREFIX = "preset:"


def effects_for(name: str) -> list[dict]:
    """The effect entries a browser item stands for: one effect, a text preset or a look."""
    import copy

    if name.startswith(LOOK_PREFIX):
        return copy.deepcopy(LOOKS[name[len(LOOK_PREFIX):]])
    if name.startswith(PRESET_PREFIX):
        return [copy.deepcopy(TEXT_PRESETS[name[len(PRESET_PREFIX):]])]
    return [{"type": name, "params": {}}]


class EffectsBrowser(QTreeWidget):
    # an effect name, or "look:" + a look's name
    chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setToolTip("Drag an effect onto a clip, or double-click to add it to the selected clips")
        groups: dict[str, QTreeWidgetItem] = {}
        for kind in all_effects():
            group = groups.get(kind.category)
            if group is None:
                group = groups[kind.category] = QTreeWidgetItem(self, [kind.category])
                group.setFlags(Qt.ItemIsEnabled)
            item = QTreeWidgetItem(group, [kind.label])
            item.setData(0, Qt.UserRole, kind.name)
            if kind.name == "title":
                for preset in TEXT_PRESETS:
                    QTreeWidgetItem(group, [preset]).setData(0, Qt.UserRole, PRESET_PREFIX + preset)
        looks = QTreeWidgetItem(self, ["Looks"])
        looks.setFlags(Qt.ItemIsEnabled)
        for name in LOOKS:
            item = QTreeWidgetItem(looks, [name])
            item.setData(0, Qt.UserRole, LOOK_PREFIX + name)
        self.expandAll()
        self.itemDoubleClicked.connect(self._double_clicked)

    def _double_clicked(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, Qt.UserRole)
        if name:
            self.chosen.emit(name)

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        names = [i.data(0, Qt.UserRole) for i in items if i.data(0, Qt.UserRole)]
        if names:
            data.setData(EFFECT_MIME, names[0].encode())
        return data

    def mimeTypes(self) -> list[str]:
        return [EFFECT_MIME]

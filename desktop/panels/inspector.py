"""Properties of the selected clip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from core.timeline import Project
from desktop.panels.timeline_view import timecode


class Inspector(QWidget):
    FIELDS = ("Media", "Position", "Length", "Source in", "Source out", "Speed", "Volume", "Opacity", "Fit")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(220)
        self._form = QFormLayout(self)
        self._values = {name: QLabel("—") for name in self.FIELDS}
        for name, label in self._values.items():
            label.setWordWrap(True)
            self._form.addRow(name, label)

    def show_clip(self, project: Project | None, clip_id: str | None) -> None:
        try:
            _, clip = project.find_clip(clip_id) if project and clip_id else (None, None)
        except Exception:
            clip = None
        if clip is None:
            for label in self._values.values():
                label.setText("—")
            return
        fps = project.fps
        media = project.media[clip.media_id]
        values = {
            "Media": Path(media.path).name + (" (offline)" if media.offline else ""),
            "Position": timecode(clip.position, fps),
            "Length": f"{clip.length / fps:.2f} s ({clip.length} frames)",
            "Source in": f"{clip.source_in:.3f} s",
            "Source out": f"{clip.source_out(fps):.3f} s",
            "Speed": f"{clip.speed:g}x",
            "Volume": f"{clip.volume * 100:.0f}%",
            "Opacity": f"{clip.opacity * 100:.0f}%",
            "Fit": clip.fit,
        }
        for name, text in values.items():
            self._values[name].setText(text)

"""Properties of the selected clip, editable; every change is one undoable edit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.effects import with_key
from core.timeline import AUDIO_TRACK, FIT_MODES, Change, Clip, Project, all_clips
from desktop.panels.effect_editor import EffectEditor
from desktop.panels.timeline_view import timecode
from desktop.widgets import ComboBox, DoubleSpinBox, SpinBox

FIT_LABELS = {"fit": "Whole picture (bars)", "fill": "Fill (crop)", "stretch": "Stretch",
              "blur": "Whole picture over its blur"}


def _spin(low: float, high: float, step: float, suffix: str, decimals: int = 0):
    box = DoubleSpinBox() if decimals else SpinBox()
    if decimals:
        box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # one edit when typing is done, not one per keystroke
    return box


class Inspector(QWidget):
    # (clip id, {property: value}); "position" is in frames, the rest as in core.timeline.Clip
    edit_requested = Signal(str, dict)
    effects_changed = Signal(str, list)  # clip id, its new effect stack
    captions_requested = Signal(str, int)  # clip id, index of its captions effect
    track_effects_changed = Signal(str, list)  # track id, its new effect stack

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(240)
        self.clip_id: str | None = None
        self.clip_track_id: str | None = None  # the shown clip's track: edits there refresh it
        self.fps = 30.0
        self.media = QLabel("No clip selected")
        self.media.setWordWrap(True)
        self.source = QLabel("—")
        self.length = QLabel("—")
        self.position = _spin(0, 86400, 0.1, " s", decimals=2)
        self.speed = _spin(0.05, 20, 0.25, "x", decimals=2)
        self.volume = _spin(0, 400, 5, " %")
        self.volume_key = QToolButton()
        self.volume_key.setText("◆")
        self.volume_key.setCheckable(True)
        self.volume_key.setToolTip("Animate the volume: a key at the playhead (click again to stop animating)")
        self.volume_key.clicked.connect(self._volume_key_clicked)
        self.volume_keys: list[tuple[float, float]] = []
        volume_row = QWidget()
        row = QHBoxLayout(volume_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.volume, 1)
        row.addWidget(self.volume_key)
        self.balance = _spin(-100, 100, 10, " %")
        self.balance.setToolTip("Sound balance: -100 % only the left, 100 % only the right")
        self.audio_fade_in = _spin(0, 600, 0.25, " s", decimals=2)
        self.audio_fade_out = _spin(0, 600, 0.25, " s", decimals=2)
        self.opacity = _spin(0, 100, 5, " %")
        self.fit = ComboBox()
        for mode in FIT_MODES:
            self.fit.addItem(FIT_LABELS[mode], mode)
        self.fit.setToolTip("How the picture fills a canvas of another shape")
        self.scale = _spin(5, 2000, 5, " %")
        self.pan_x = _spin(-200, 200, 5, " %")
        self.pan_y = _spin(-200, 200, 5, " %")
        self.playhead = 0
        self.clip_position = 0
        self.effects = EffectEditor()
        self.track_id: str | None = None  # a track's own effects are shown instead of a clip's
        self.effects.stack_changed.connect(self._stack_changed)
        self.effects.captions_requested.connect(lambda i: self.clip_id and self.captions_requested.emit(self.clip_id, i))
        self.effects_title = QLabel("Effects: drag one from the Effects tab onto the clip")
        self.effects_title.setWordWrap(True)
        outer = QVBoxLayout(self)
        form = self.form = QFormLayout()
        outer.addLayout(form)
        outer.addWidget(self.effects_title)
        outer.addWidget(self.effects)
        outer.addStretch(1)
        for label, widget in (("Media", self.media), ("Source", self.source), ("Length", self.length),
                              ("Start", self.position), ("Speed", self.speed), ("Volume", volume_row), ("Balance", self.balance),
                              ("Fade in", self.audio_fade_in), ("Fade out", self.audio_fade_out),
                              ("Opacity", self.opacity), ("Fit", self.fit), ("Scale", self.scale),
                              ("Position X", self.pan_x), ("Position Y", self.pan_y)):
            form.addRow(label, widget)
        self._editors = {
            "position": (self.position, lambda v: int(round(v * self.fps))),
            "speed": (self.speed, float),
            "volume": (self.volume, lambda v: v / 100),
            "balance": (self.balance, lambda v: v / 100),
            "audio_fade_in": (self.audio_fade_in, float),
            "audio_fade_out": (self.audio_fade_out, float),
            "opacity": (self.opacity, lambda v: v / 100),
            "scale": (self.scale, lambda v: v / 100),
            "pan_x": (self.pan_x, lambda v: v / 100),
            "pan_y": (self.pan_y, lambda v: v / 100),
        }
        for name, (box, convert) in self._editors.items():
            if name != "volume":
                box.valueChanged.connect(lambda value, n=name, c=convert: self._request(n, c(value)))
        self.volume.valueChanged.connect(self._volume_changed)
        self.fit.currentIndexChanged.connect(lambda index: self._request("fit", self.fit.itemData(index)))
        self._set_enabled(False)

    def _volume_changed(self, percent: float) -> None:
        """The one volume, or (when animated) the key at the playhead."""
        if not self.volume_keys:
            self._request("volume", percent / 100)
        else:
            self._request("volume_keys", with_key(self.volume_keys, (round(self._clip_time(), 3), percent / 100)))

    def _volume_key_clicked(self, animate: bool) -> None:
        if animate:
            self._request("volume_keys", with_key(self.volume_keys, (round(self._clip_time(), 3), self.volume.value() / 100)))
        else:  # stop animating: the level shown now becomes the one volume
            if self.clip_id is not None:
                self.edit_requested.emit(self.clip_id, {"volume_keys": [], "volume": self.volume.value() / 100})

    def _request(self, name: str, value) -> None:
        if self.clip_id is not None:
            self.edit_requested.emit(self.clip_id, {name: value})

    def _set_enabled(self, enabled: bool) -> None:
        for box, _ in self._editors.values():
            box.setEnabled(enabled)
            box.setSpecialValueText("" if enabled else "—")  # shown at the minimum: blank, not "0"
            if not enabled:
                box.blockSignals(True)
                box.setValue(box.minimum())
                box.blockSignals(False)
        self.fit.setEnabled(enabled)
        self.effects.setEnabled(enabled)
        if not enabled:
            self.effects.set_stack([], 0.0)

    def _stack_changed(self, stack: list) -> None:
        if self.clip_id is not None:
            self.effects_changed.emit(self.clip_id, stack)
        elif self.track_id is not None:
            self.track_effects_changed.emit(self.track_id, stack)

    def show_track(self, project: Project, track_id: str) -> None:
        """A track's effect stack: an adjustment layer over everything below it."""
        self.show_clip(project, None)
        track = next((t for t in project.tracks if t.id == track_id), None)
        if track is None:
            return
        self.track_id, self.fps, self.clip_position = track_id, project.fps, 0
        self.media.setText(f"Track: {track.name or track.kind}")
        self.effects_title.setText("Track effects: they apply to this track and everything below it")
        self.effects.setEnabled(True)
        self.effects.set_stack(track.effects, self._clip_time())

    def project_edited(self, project: Project, change: Change, selected: list[str]) -> None:
        """Show the edit only where it touched what is shown: a spin box being dragged is not
        rebuilt under the mouse by an edit elsewhere."""
        if self.track_id is not None and not selected:
            if self.track_id in change.track_ids:
                self.show_track(project, self.track_id)
            return
        wanted = selected[0] if selected else None
        if wanted != self.clip_id or self.clip_track_id in change.track_ids or change.media:
            self.show_clip(project, wanted)

    def show_clip(self, project: Project | None, clip_id: str | None) -> None:
        self.track_id = None
        self.effects_title.setText("Effects: drag one from the Effects tab onto the clip")
        clip = track = None
        if project is not None and clip_id is not None:
            track, clip = next(((t, c) for t, c in all_clips(project) if c.id == clip_id), (None, None))
        self.clip_id = clip.id if clip else None
        self.clip_track_id = track.id if track else None
        self._set_enabled(clip is not None)
        if clip is None:
            self._show_picture_rows(True)
            self.media.setText("No clip selected")
            self.source.setText("—")
            self.length.setText("—")
            return
        self.fps = project.fps
        media = project.media[clip.media_id]
        self._show_picture_rows(track.kind != AUDIO_TRACK)  # as the compositor draws: audio tracks have no picture
        self.media.setText(Path(media.path).name + (" (offline)" if media.offline else ""))
        self.source.setText(f"{clip.source_in:.2f} s to {clip.source_out(project.fps):.2f} s")
        self.length.setText(f"{clip.length / project.fps:.2f} s ({clip.length} frames), "
                            f"at {timecode(clip.position, project.fps)}")
        self._show_values(clip)
        self.clip_position = clip.position
        self.effects.set_stack(clip.effects, self._clip_time())

    def _show_picture_rows(self, shown: bool) -> None:
        """A sound clip has no picture: its opacity, fit, scale and position would do nothing."""
        for widget in (self.opacity, self.fit, self.scale, self.pan_x, self.pan_y):
            self.form.setRowVisible(widget, shown)

    def _clip_time(self) -> float:
        return max(0.0, (self.playhead - self.clip_position) / self.fps)

    def set_playhead(self, frame: int) -> None:
        """Keyframes are set at the playhead: the settings shown are those of that moment."""
        self.playhead = frame
        if self.clip_id is not None or self.track_id is not None:
            self.effects.set_stack(self.effects.stack, self._clip_time())
            self._show_keyed_volume()

    def _show_values(self, clip: Clip) -> None:
        values = {
            "position": clip.position / self.fps, "speed": clip.speed, "volume": clip.volume * 100,
            "balance": clip.balance * 100,
            "audio_fade_in": clip.audio_fade_in, "audio_fade_out": clip.audio_fade_out,
            "opacity": clip.opacity * 100, "scale": clip.scale * 100,
            "pan_x": clip.pan_x * 100, "pan_y": clip.pan_y * 100,
        }
        for name, value in values.items():
            box = self._editors[name][0]
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self.fit.blockSignals(True)
        self.fit.setCurrentIndex(self.fit.findData(clip.fit))
        self.fit.blockSignals(False)
        self.volume_keys = list(clip.volume_keys)
        self.volume_key.setChecked(bool(self.volume_keys))
        self._show_keyed_volume()

    def _show_keyed_volume(self) -> None:
        if self.volume_keys:
            from core.audio.mix import keyed_gain

            self.volume.blockSignals(True)
            self.volume.setValue(float(keyed_gain(self.volume_keys, np.array([self._clip_time()]))[0]) * 100)
            self.volume.blockSignals(False)


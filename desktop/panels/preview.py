"""The preview player: frames from core.compositor, rendered on a thread of their own.

The GUI thread only asks for "the latest frame wanted"; the render thread works on one at a
time, so a slow frame makes playback drop frames instead of falling behind or freezing.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QRectF, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from core.compositor import Compositor
from core.errors import ReelsmithError
from core.media import even
from core.timeline import Change, MediaRef, Project, Track
from desktop.audio_output import AudioPlayer
from desktop.panels.timeline_view import timecode
from desktop.widgets import to_qimage

log = logging.getLogger(__name__)


@dataclass
class _TrackUpdate:
    """What an edit changed, copied for the render thread."""

    order: list[str]
    tracks: dict[str, Track]
    media: dict[str, MediaRef] | None


class _Renderer(QObject):
    """Lives on the render thread; owns the compositor and its open readers."""

    rendered = Signal(int, QImage)
    failed = Signal(int, str)

    def __init__(self):
        super().__init__()
        self._compositor: Compositor | None = None

    @Slot(object)
    def set_project(self, project: Project | None) -> None:
        if self._compositor is not None:
            self._compositor.close()
        self._compositor = Compositor(project) if project is not None else None

    @Slot(object)
    def update_tracks(self, update: _TrackUpdate) -> None:
        """Install copies of the tracks an edit changed; the open readers stay open."""
        if self._compositor is None:
            return
        project = self._compositor.project
        by_id = {t.id: t for t in project.tracks} | update.tracks
        project.tracks = [by_id[tid] for tid in update.order]
        if update.media is not None:
            project.media = update.media

    @Slot(int)
    def render(self, frame: int) -> None:
        if self._compositor is None:
            return
        try:
            picture = self._compositor.frame_at(frame)
        except ReelsmithError as exc:
            self.failed.emit(frame, str(exc))
            return
        except Exception as exc:  # keep the preview alive; the log has the details
            log.exception("preview frame %d failed", frame)
            self.failed.emit(frame, f"This frame could not be shown ({exc}).")
            return
        self.rendered.emit(frame, to_qimage(picture))

    @Slot()
    def close(self) -> None:
        self.set_project(None)


class FrameView(QWidget):
    """The picture, always drawn in the project's shape: a 9:16 project shows a tall frame
    even before it has any clips, so the creator sees what they are making."""

    EMPTY_HINT = ("Import clips, then Make a short (Ctrl+M)\n"
                  "to have it made in one go, or drag them from the Media bin\n"
                  "onto the timeline (double-click adds at the end).")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.message = ""
        self.aspect = 16 / 9  # width / height of the canvas
        self.empty = False  # an empty timeline: the hint is shown in the frame
        self.setMinimumSize(320, 180)

    def show_image(self, image: QImage) -> None:
        self.image, self.message = image, ""
        self.update()

    def show_message(self, message: str) -> None:
        self.message = message
        self.update()

    def show_canvas(self, width: int, height: int, empty: bool) -> None:
        self.aspect, self.empty = width / height, empty
        self.update()

    def canvas_rect(self) -> QRectF:
        scale = min(self.width() / self.aspect, self.height())
        w, h = self.aspect * scale, scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#0c0d0f"))
        target = self.canvas_rect()
        painter.fillRect(target, QColor("#000000"))
        painter.setPen(QColor("#2c2f36"))
        painter.drawRect(target.adjusted(0, 0, -1, -1))
        if self.image is not None and not self.empty:
            painter.setRenderHint(QPainter.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
        text = self.message or (self.EMPTY_HINT if self.empty else "")
        if text:
            painter.setPen(QColor("#e6e6e6" if self.message else "#9aa0a6"))
            painter.drawText(target.adjusted(16, 16, -16, -16), Qt.AlignCenter | Qt.TextWordWrap, text)


class PreviewPanel(QWidget):
    playhead_moved = Signal(int)
    frame_shown = Signal(int)
    sound_unavailable = Signal(str)  # once, the first time playback finds no sound output
    _no_sound = Signal(str)
    _request = Signal(int)
    _project_changed = Signal(object)
    _tracks_changed = Signal(object)
    _closing = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.playhead = 0
        self._busy = False
        self._wanted: int | None = None
        self._edits = 0  # bumped on every project change: a frame rendered before it is stale
        self._requested_edits = 0
        self._play_origin: tuple[float, int] | None = None
        self.rate = 1.0  # playback speed; negative plays backwards (J)
        self.audio = AudioPlayer(on_unavailable=self._no_sound.emit)  # emitted from its thread

        self.view = FrameView()
        self.play_button = QToolButton(text="▶")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setStyleSheet("font-family: monospace; color: #e6e6e6; padding: 0 8px;")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.valueChanged.connect(self._slider_moved)
        transport = QHBoxLayout()
        transport.addWidget(self.play_button)
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.timecode)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(transport)

        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._thread = QThread(self)
        self._renderer = _Renderer()
        self._renderer.moveToThread(self._thread)
        self._request.connect(self._renderer.render)
        self._project_changed.connect(self._renderer.set_project)
        self._tracks_changed.connect(self._renderer.update_tracks)
        self._closing.connect(self._renderer.close)
        self._renderer.rendered.connect(self._on_rendered)
        self._renderer.failed.connect(self._on_failed)
        self._no_sound.connect(self.sound_unavailable)  # queued onto the GUI thread
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:  # however the app ends, never leave the render thread running
            app.aboutToQuit.connect(self.shutdown)

    # --- project and playhead ----------------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        self.pause()
        self.project = project
        self.project_edited()
        self.seek(0)

    # The preview renders at most this wide: a quarter of 1080p's pixels to decode, composite
    # and paint, which keeps playback smooth and the GUI thread free.
    MAX_PREVIEW_WIDTH = 960

    def _preview_copy(self) -> Project | None:
        if self.project is None:
            return None
        snapshot = copy.deepcopy(self.project)
        scale = min(1.0, self.MAX_PREVIEW_WIDTH / snapshot.width)
        snapshot.width, snapshot.height = even(snapshot.width * scale), even(snapshot.height * scale)
        return snapshot

    def project_edited(self, change: Change | None = None) -> None:
        """The render thread works on its own copy: the GUI thread keeps editing the original.
        After an edit it gets copies of just the tracks that changed (``change``)."""
        self._edits += 1
        if change is None or change.canvas or self.project is None:
            self._project_changed.emit(self._preview_copy())
        else:
            tracks = {t.id: copy.deepcopy(t) for t in self.project.tracks if t.id in change.track_ids}
            media = copy.deepcopy(self.project.media) if change.media else None
            self._tracks_changed.emit(_TrackUpdate([t.id for t in self.project.tracks], tracks, media))
        if self.project is not None:
            self.view.show_canvas(self.project.width, self.project.height, self.project.duration_frames == 0)
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, self.project.duration_frames - 1))
            self.slider.blockSignals(False)
            self._show_timecode()
            self._want(self.playhead)

    def _show_timecode(self) -> None:
        fps = self.project.fps
        self.timecode.setText(f"{timecode(self.playhead, fps)} / {timecode(self.project.duration_frames, fps)}")

    def seek(self, frame: int) -> None:
        if self.project is None:
            return
        frame = min(max(0, frame), max(0, self.project.duration_frames - 1))
        self.playhead = frame
        self._show_timecode()
        self.slider.blockSignals(True)
        self.slider.setValue(frame)
        self.slider.blockSignals(False)
        self.playhead_moved.emit(frame)
        self._want(frame)

    def scrub_to(self, frame: int) -> None:
        """A seek by hand: while paused, a short burst of the sound there is heard."""
        self.seek(frame)
        if not self.playing and self.project is not None:
            self.audio.scrub(copy.deepcopy(self.project), self.playhead / self.project.fps)

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.playhead + frames)

    def _slider_moved(self, value: int) -> None:
        self.scrub_to(value)

    # --- playback --------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def shuttle(self, direction: int) -> None:
        """J/L: play backwards/forwards; pressing again in the same direction doubles the speed."""
        if self.playing and (self.rate > 0) == (direction > 0):
            self.rate = max(-8.0, min(8.0, self.rate * 2))
        else:
            self.rate = float(direction)
        self.play(self.rate)

    def play(self, rate: float = 1.0) -> None:
        if self.project is None:
            return
        self.rate = rate
        if rate > 0 and self.playhead >= self.project.duration_frames - 1:
            self.seek(0)
        self._play_origin = (time.monotonic(), self.playhead)  # until the sound's clock starts
        if rate == 1.0:
            self._start_sound()
        self._timer.start(max(5, int(1000 / self.project.fps / 2)))
        self.play_button.setText("❚❚")

    def _start_sound(self) -> None:
        self.audio.start(copy.deepcopy(self.project), self.playhead / self.project.fps)

    def pause(self) -> None:
        self.audio.stop()
        self._timer.stop()
        self.play_button.setText("▶")

    def _tick(self) -> None:
        """The picture follows the sound being heard when there is sound (so they stay in sync
        whatever the device's buffering), the wall clock otherwise (silence, J/K/L shuttle)."""
        heard = self.audio.position() if self.rate == 1.0 else None
        if heard is not None:
            frame = int(heard * self.project.fps)
        else:
            started, first = self._play_origin
            frame = first + int((time.monotonic() - started) * self.project.fps * self.rate)
        if frame >= self.project.duration_frames or frame < 0:
            self.seek(min(max(frame, 0), self.project.duration_frames - 1))
            self.pause()
        elif frame != self.playhead:
            self.seek(frame)

    # --- rendering -------------------------------------------------------------------------------

    def _want(self, frame: int) -> None:
        self._wanted = frame
        if not self._busy:
            self._busy = True
            self._requested_edits = self._edits
            self._request.emit(frame)

    def _on_rendered(self, frame: int, image: QImage) -> None:
        self.view.show_image(image)
        self._finished(frame)
        self.frame_shown.emit(frame)

    def _on_failed(self, frame: int, message: str) -> None:
        self.view.show_message(message)
        self._finished(frame)

    def _finished(self, frame: int) -> None:
        self._busy = False
        stale = self._requested_edits != self._edits
        if self._wanted is not None and (self._wanted != frame or stale):
            self._want(self._wanted)
        else:
            self._wanted = None

    def shutdown(self) -> None:
        if not self._thread.isRunning():
            return
        self.pause()
        self._closing.emit()
        self._thread.quit()
        self._thread.wait(5000)

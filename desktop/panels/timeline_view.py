"""The multi-track timeline: ruler, tracks, clips, transitions and the playhead."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from core.timeline import AUDIO_TRACK, Project, Track
from desktop.theme import ACCENT, CLIP_COLOURS

HEADER_WIDTH = 110
RULER_HEIGHT = 26
TRACK_HEIGHT = {"video": 54, "overlay": 44, "audio": 40}


def timecode(frame: int, fps: float) -> str:
    """HH:MM:SS:FF at the project's frame rate."""
    whole = max(0, int(frame))
    rate = max(1, int(round(fps)))
    seconds, frames = divmod(whole, rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


class TimelineView(QWidget):
    playhead_moved = Signal(int)
    selection_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.playhead = 0
        self.selected: list[str] = []
        self.pixels_per_frame = 2.0
        self._zoom_to_fit = True
        self.setMinimumHeight(RULER_HEIGHT + 3 * 44)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)

    # --- state -----------------------------------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.selected = []
        self._zoom_to_fit = True
        self.update()

    def refresh(self) -> None:
        if self.project is not None:
            live = {c.id for t in self.project.tracks for c in t.clips}
            kept = [cid for cid in self.selected if cid in live]
            if kept != self.selected:
                self.selected = kept
                self.selection_changed.emit(kept)
        self.update()

    def set_playhead(self, frame: int) -> None:
        self.playhead = max(0, frame)
        self.update()

    def _fit_zoom(self) -> None:
        frames = max(self.project.duration_frames, int(self.project.fps * 10))
        self.pixels_per_frame = max(0.05, (self.width() - HEADER_WIDTH - 20) / frames)

    # --- geometry --------------------------------------------------------------------------------

    def x_of(self, frame: float) -> float:
        return HEADER_WIDTH + frame * self.pixels_per_frame

    def frame_of(self, x: float) -> int:
        return max(0, int(round((x - HEADER_WIDTH) / self.pixels_per_frame)))

    def _track_rows(self) -> list[tuple[Track, QRectF]]:
        rows, y = [], RULER_HEIGHT
        for track in self._display_order():
            height = TRACK_HEIGHT[track.kind]
            rows.append((track, QRectF(0, y, self.width(), height)))
            y += height + 2
        return rows

    def _display_order(self) -> list[Track]:
        """Picture tracks top-down as they stack (topmost first), then audio tracks."""
        tracks = self.project.tracks
        picture = [t for t in tracks if t.kind != AUDIO_TRACK][::-1]
        return picture + [t for t in tracks if t.kind == AUDIO_TRACK]

    def clip_at(self, x: float, y: float) -> str | None:
        frame = (x - HEADER_WIDTH) / self.pixels_per_frame
        for track, row in self._track_rows():
            if row.top() <= y < row.bottom():
                hit = next((c for c in track.clips if c.position <= frame < c.end), None)
                return hit.id if hit else None
        return None

    # --- painting --------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("#16181c"))
        if self.project is None:
            painter.setPen(QColor("#80868f"))
            painter.drawText(self.rect(), Qt.AlignCenter, "Open or import footage to start")
            return
        if self._zoom_to_fit:
            self._fit_zoom()
        self._paint_ruler(painter)
        for track, row in self._track_rows():
            self._paint_track(painter, track, row)
        x = self.x_of(self.playhead)
        painter.setPen(QPen(ACCENT, 2))
        painter.drawLine(int(x), 0, int(x), self.height())

    def _tick_step(self) -> int:
        fps = self.project.fps
        for seconds in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
            if seconds * fps * self.pixels_per_frame >= 70:
                return int(round(seconds * fps))
        return int(round(1200 * fps))

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.fillRect(0, 0, self.width(), RULER_HEIGHT, QColor("#22252b"))
        painter.setFont(QFont(self.font().family(), 8))
        step = self._tick_step()
        first, last = self.frame_of(HEADER_WIDTH), self.frame_of(self.width())
        for frame in range(first - first % step, last + step, step):
            x = self.x_of(frame)
            painter.setPen(QColor("#5a606b"))
            painter.drawLine(int(x), RULER_HEIGHT - 8, int(x), RULER_HEIGHT)
            painter.setPen(QColor("#aeb3bc"))
            painter.drawText(int(x) + 3, RULER_HEIGHT - 10, timecode(frame, self.project.fps)[3:8])

    def _paint_track(self, painter: QPainter, track: Track, row: QRectF) -> None:
        painter.fillRect(row, QColor("#1c1f24"))
        header = QRectF(0, row.top(), HEADER_WIDTH - 4, row.height())
        painter.fillRect(header, QColor("#252932"))
        painter.setPen(QColor("#c8ccd4"))
        painter.drawText(header.adjusted(8, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, track.name or track.kind)
        painter.save()
        painter.setClipRect(QRectF(HEADER_WIDTH, row.top(), self.width() - HEADER_WIDTH, row.height()))
        colour = CLIP_COLOURS[track.kind]
        for clip in track.clips:
            rect = QRectF(self.x_of(clip.position), row.top() + 3, clip.length * self.pixels_per_frame, row.height() - 6)
            media = self.project.media.get(clip.media_id)
            fill = QColor("#7a2d35") if media is None or media.offline else colour
            painter.setBrush(fill.darker(115) if clip.id not in self.selected else fill.lighter(125))
            painter.setPen(QPen(ACCENT, 2) if clip.id in self.selected else QPen(fill.lighter(140), 1))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#f2f2f2"))
            label = media.path.replace("\\", "/").rsplit("/", 1)[-1] if media else "missing"
            if media is not None and media.offline:
                label = f"OFFLINE: {label}"
            painter.drawText(rect.adjusted(6, 2, -4, 0), Qt.AlignTop | Qt.AlignLeft, label)
        for transition in track.transitions:
            clip = track.clip(transition.to_clip)
            if clip is None:
                continue
            half = transition.length * self.pixels_per_frame / 2
            rect = QRectF(self.x_of(clip.position) - half, row.top() + row.height() / 2 - 7, 2 * half, 14)
            painter.setBrush(QColor(255, 255, 255, 70))
            painter.setPen(QPen(QColor("#ffffff"), 1))
            painter.drawRoundedRect(rect, 3, 3)
        painter.restore()

    # --- input -----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if self.project is None:
            return
        pos = event.position()
        clip_id = self.clip_at(pos.x(), pos.y()) if pos.y() > RULER_HEIGHT else None
        if clip_id is None:
            if pos.x() > HEADER_WIDTH:
                self.playhead_moved.emit(self.frame_of(pos.x()))
            if pos.y() > RULER_HEIGHT and self.selected:
                self.selected = []
                self.selection_changed.emit([])
        else:
            if event.modifiers() & (Qt.ControlModifier | Qt.ShiftModifier):
                self.selected = [c for c in self.selected if c != clip_id] if clip_id in self.selected \
                    else [*self.selected, clip_id]
            else:
                self.selected = [clip_id]
            self.selection_changed.emit(list(self.selected))
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton and event.position().y() <= RULER_HEIGHT:
            self.playhead_moved.emit(self.frame_of(event.position().x()))

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier and self.project is not None:
            self._zoom_to_fit = False
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.pixels_per_frame = min(40.0, max(0.02, self.pixels_per_frame * factor))
            self.update()
        else:
            super().wheelEvent(event)

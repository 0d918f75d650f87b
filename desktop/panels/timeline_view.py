"""The multi-track timeline: ruler, tracks, clips, transitions and the playhead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QScrollBar, QWidget

from core.timeline import AUDIO_TRACK, Change, Project, Track, all_clips
from desktop.panels.bin import MEDIA_MIME
from desktop.panels.effects_browser import EFFECT_MIME
from desktop.theme import ACCENT, CLIP_COLOURS

HEADER_WIDTH = 110
RULER_HEIGHT = 26
TRACK_HEIGHT = {"video": 54, "overlay": 44, "audio": 40}
WAVEFORM_SHARE = 0.4  # of a video clip's height: its sound under its pictures
MIN_TILE_ASPECT = 1.0  # a thumbnail tile is never narrower than square
WAVEFORM_FLOOR_DB = -54.0  # the waveform's edge: quieter than this is drawn as a flat line


def _tile(picture: QPixmap, height: float) -> tuple[float, QRectF]:
    """A thumbnail tile's width at ``height`` and the part of the picture it shows: the middle
    of a portrait picture, square, since a phone clip's whole frame is a sliver too narrow to
    tell what it shows."""
    aspect = picture.width() / picture.height()
    if aspect >= MIN_TILE_ASPECT:
        return height * aspect, QRectF(picture.rect())
    kept = picture.width() / MIN_TILE_ASPECT
    return height * MIN_TILE_ASPECT, QRectF(0, (picture.height() - kept) / 2, picture.width(), kept)


def _loudness_scale(samples: np.ndarray) -> np.ndarray:
    """Samples drawn by their level in dB, as editors draw waveforms: speech at -30 dB would be a
    flat line at a tenth of the height, and the pauses between words could not be seen."""
    level = 20 * np.log10(np.maximum(np.abs(samples), 1e-9))
    return np.sign(samples) * np.clip(1 - level / WAVEFORM_FLOOR_DB, 0.0, 1.0)


def _first_tile(left: float, tile: float) -> float:
    """Where to start tiling a clip that starts at ``left``: the first tile that reaches the
    tracks (a long clip, zoomed in and scrolled, starts thousands of tiles off screen)."""
    return left if left >= HEADER_WIDTH else left + (HEADER_WIDTH - left) // tile * tile


def timecode(frame: int, fps: float) -> str:
    """HH:MM:SS:FF at the project's frame rate."""
    whole = max(0, int(frame))
    rate = max(1, int(round(fps)))
    seconds, frames = divmod(whole, rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


SNAP_PIXELS = 10
# A drop from the bin this close to the start lands at 0: a hand aiming for the start of an
# empty timeline misses by more than the usual snap, and a clip at 0.07 s leaves a black frame.
DROP_START_PIXELS = 40
EDGE_PIXELS = 6
TAIL_SECONDS = 5  # room past the edit's end to scroll to, and to drop a clip on, when zoomed in
WHEEL_PIXELS = 48  # how far one notch of the wheel scrolls
# A drag held this close to the tracks' edge scrolls the view, up to EDGE_SCROLL_PIXELS a tick
# at the very edge: a clip can be carried past what is in view, as in any editor.
EDGE_SCROLL_ZONE = 36
EDGE_SCROLL_PIXELS = 24
EDGE_SCROLL_MS = 30


@dataclass
class _Drag:
    """A drag in progress: what was grabbed and where it would land now."""

    mode: str  # "move", "trim_start" or "trim_end"
    clip_id: str
    press_frame: float  # the moment grabbed: the view may scroll under the pointer as it drags
    delta: int = 0  # frames
    track_id: str | None = None  # target track of a move


class TimelineView(QWidget):
    playhead_moved = Signal(int)
    selection_changed = Signal(list)
    # {clip id: (position, track id)} for every dragged clip
    move_requested = Signal(dict)
    # clip id, "start" or "end", the new edge frame
    trim_requested = Signal(str, str, int)
    # paths, frame, track id (or "" when dropped outside the tracks)
    files_dropped = Signal(list, int, str)
    media_dropped = Signal(list, int, str)  # media ids from the bin, frame, track id
    # clip id, effect name (or "look:" + a look's name) dropped on it
    effect_dropped = Signal(str, str)
    # the same dropped on a track's header: the track's own stack, over everything below
    track_effect_dropped = Signal(str, str)
    track_clicked = Signal(str)  # a track's header was clicked: show the track's effects
    track_sound_requested = Signal(str, dict)  # track id, {"muted"/"solo"/"duck": value}
    beats_requested = Signal(str)  # clip id of music whose beats to mark
    background_requested = Signal(str)  # clip id whose background to replace

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.playhead = 0
        self.selected: list[str] = []
        self.pixels_per_frame = 2.0
        self._zoom_to_fit = True
        # Scrolled: the frame at the tracks' left edge, and how many pixels of rows are above
        # the view. The ruler and the headers stay where they are.
        self.first_frame = 0.0
        self.top = 0
        self.hbar, self.vbar = QScrollBar(Qt.Horizontal, self), QScrollBar(Qt.Vertical, self)
        self.hbar.valueChanged.connect(lambda value: self._scroll(first_frame=float(value)))
        self.vbar.valueChanged.connect(lambda value: self._scroll(top=value))
        self.hbar.hide()
        self.vbar.hide()
        self.setMinimumHeight(RULER_HEIGHT + 3 * 44)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self._drag: _Drag | None = None
        self._pointer: QPointF | None = None  # where a drag (of a clip, or from the bin) is held
        self._edge_timer = QTimer(self)
        self._edge_timer.setInterval(EDGE_SCROLL_MS)
        self._edge_timer.timeout.connect(self._scroll_at_edge)
        self.thumbnails: dict[str, QPixmap] = {}  # media id -> picture (a waveform for sound)
        self.strips: dict = {}  # media id -> (times, pictures) along a video (core.media.film_strip)
        self.markers: list[int] = []  # frames the assistant points at (changes of shot)
        self.beat_markers: list[int] = []  # frames of the music's beats
        self.waveforms: dict = {}  # media id -> (N, 2) min/max peaks (core.audio.waveform)
        # The window's actions on the selected clips ("captions", "split", "freeze", "delete",
        # "ripple"), offered on a clip's menu with their shortcuts: one way to do each.
        self.clip_actions: dict = {}

    # --- state -----------------------------------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.selected = []
        self.markers = []
        self._zoom_to_fit = True
        self.first_frame, self.top = 0.0, 0
        self._update_bars()
        self.update()

    def refresh(self, change: Change | None = None) -> None:
        """Redraw after an edit: with ``change``, only the ruler and the rows it touched."""
        if self.project is None:
            self.update()
            return
        live = {c.id for _, c in all_clips(self.project)}
        kept = [cid for cid in self.selected if cid in live]
        if kept != self.selected:
            self.selected = kept
            self.selection_changed.emit(kept)
        scale, bars = self.pixels_per_frame, (self.first_frame, self.top)
        self._update_bars()  # zoomed to fit, a longer or shorter timeline changes the scale of every row
        if change is None or change.track_order or (self.pixels_per_frame, self.first_frame, self.top) != (scale, *bars):
            self.update()
            return
        self.update(0, 0, self.width(), RULER_HEIGHT)
        for track, row in self._track_rows():
            if track.id in change.track_ids:
                self.update(row.toAlignedRect())

    def set_playhead(self, frame: int) -> None:
        """Move the playhead; zoomed in, the view follows it when it leaves (playing, a jump)."""
        self.playhead = max(0, frame)
        x = self.x_of(self.playhead)
        if not self.hbar.isHidden() and not HEADER_WIDTH <= x <= self._tracks_right() - EDGE_PIXELS:
            self.hbar.setValue(int(self.playhead - 0.1 * self._visible_frames()))
        self.update()

    def _fit_zoom(self) -> None:
        self.pixels_per_frame = self._fit_scale()
        self.first_frame = 0.0

    def _shown_frames(self) -> int:
        """The frames the fitted view spans: the edit, and never less than 10 s."""
        return max(self.project.duration_frames, int(self.project.fps * 10))

    def _fit_scale(self) -> float:
        return max(0.05, (self._tracks_right() - HEADER_WIDTH - 20) / self._shown_frames())

    # --- scrolling -------------------------------------------------------------------------------

    def zoom_at(self, x: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the moment under ``x`` where it is; zoomed out as far as
        the whole edit, the view fits it again (and follows its length)."""
        under = self._frame_at(x)
        self.pixels_per_frame = min(40.0, max(0.02, self.pixels_per_frame * factor))
        self._zoom_to_fit = self.pixels_per_frame <= self._fit_scale()
        self.first_frame = max(0.0, under - (x - HEADER_WIDTH) / self.pixels_per_frame)
        self._update_bars()
        self.update()

    def _scroll(self, first_frame: float | None = None, top: int | None = None) -> None:
        self.first_frame = self.first_frame if first_frame is None else first_frame
        self.top = self.top if top is None else top
        self.update()

    def _tracks_right(self) -> int:
        """Where the rows end: the vertical scroll bar takes the edge when it is shown."""
        return self.width() - (self.vbar.width() if not self.vbar.isHidden() else 0)

    def _visible_frames(self) -> float:
        return (self._tracks_right() - HEADER_WIDTH) / self.pixels_per_frame

    def _rows_height(self) -> int:
        return sum(TRACK_HEIGHT[t.kind] + 2 for t in self.project.tracks) if self.project else 0

    def _update_bars(self) -> None:
        """Scroll bars where the rows or the edit do not fit: the bottom tracks of a busy
        project (a short has six) and a zoomed-in edit stay within reach."""
        if self.project is None:
            self.hbar.hide()
            self.vbar.hide()
            return
        thick = self.vbar.sizeHint().width()
        frames = self._shown_frames() + self.project.fps * TAIL_SECONDS
        tall = self._rows_height() > self.height() - RULER_HEIGHT
        wide = not self._zoom_to_fit and frames * self.pixels_per_frame > self.width() - HEADER_WIDTH - thick * tall
        tall = tall or wide and self._rows_height() > self.height() - RULER_HEIGHT - thick
        view_height = self.height() - RULER_HEIGHT - thick * wide
        self.vbar.setGeometry(self.width() - thick, RULER_HEIGHT, thick, view_height)
        self.vbar.setVisible(tall)
        self.vbar.setRange(0, max(0, self._rows_height() - view_height) if tall else 0)
        self.vbar.setPageStep(max(1, view_height))
        self.vbar.setSingleStep(WHEEL_PIXELS // 2)
        self.hbar.setGeometry(HEADER_WIDTH, self.height() - thick, self.width() - HEADER_WIDTH - thick * tall, thick)
        self.hbar.setVisible(wide)
        visible = self._visible_frames()
        self.hbar.setRange(0, int(max(0.0, frames - visible)) if wide else 0)
        self.hbar.setPageStep(max(1, int(visible)))
        self.hbar.setSingleStep(max(1, int(WHEEL_PIXELS / self.pixels_per_frame)))
        if self._zoom_to_fit:
            self._fit_zoom()
        # The range may have shrunk (an edit, a resize), and a zoom moves the view itself.
        self.first_frame = min(self.first_frame, float(self.hbar.maximum()))
        self.top = min(self.top, self.vbar.maximum())
        for bar, value in ((self.hbar, round(self.first_frame)), (self.vbar, self.top)):
            bar.blockSignals(True)
            bar.setValue(int(value))
            bar.blockSignals(False)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_bars()

    # --- geometry --------------------------------------------------------------------------------

    def x_of(self, frame: float) -> float:
        return HEADER_WIDTH + (frame - self.first_frame) * self.pixels_per_frame

    def frame_of(self, x: float) -> int:
        return max(0, int(round(self._frame_at(x))))

    def _track_rows(self) -> list[tuple[Track, QRectF]]:
        rows, y = [], RULER_HEIGHT - self.top
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

    def _frame_at(self, x: float) -> float:
        """The moment under ``x``, fractional: the view's scroll counts."""
        return (x - HEADER_WIDTH) / self.pixels_per_frame + self.first_frame

    def clip_at(self, x: float, y: float) -> str | None:
        if x < HEADER_WIDTH:  # the headers cover the clips scrolled off to the left
            return None
        frame = self._frame_at(x)
        track = self.track_at(y)
        hit = next((c for c in track.clips if c.position <= frame < c.end), None) if track else None
        return hit.id if hit else None

    def track_at(self, y: float) -> Track | None:
        if y < RULER_HEIGHT:  # rows scrolled up are under the ruler
            return None
        return next((track for track, row in self._track_rows() if row.top() <= y < row.bottom()), None)

    def _snap(self, frames: list[int], exclude: set[str]) -> int:
        """The shift (in frames) that puts one of ``frames`` on a clip edge, the playhead or the start."""
        targets = [0, self.playhead] + [e for _, c in all_clips(self.project)
                                     if c.id not in exclude for e in (c.position, c.end)]
        best, limit = 0, SNAP_PIXELS / self.pixels_per_frame
        for frame in frames:
            for target in targets:
                if abs(target - frame) <= limit and (best == 0 or abs(target - frame) < abs(best)):
                    best = target - frame
        return best

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
        for track, row in self._track_rows():
            if row.bottom() > RULER_HEIGHT and row.top() < self.height():
                self._paint_track(painter, track, row)
        self._paint_moving_ghost(painter)
        self._paint_ruler(painter)  # last: over the rows scrolled up under it
        x = self.x_of(self.playhead)
        if x >= HEADER_WIDTH:
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
        painter.save()
        painter.setClipRect(HEADER_WIDTH, 0, self.width() - HEADER_WIDTH, RULER_HEIGHT)
        painter.setFont(QFont(self.font().family(), 8))
        step = self._tick_step()
        first, last = self.frame_of(HEADER_WIDTH), self.frame_of(self.width())
        for frame in range(first - first % step, last + step, step):
            x = self.x_of(frame)
            painter.setPen(QColor("#5a606b"))
            painter.drawLine(int(x), RULER_HEIGHT - 8, int(x), RULER_HEIGHT)
            painter.setPen(QColor("#aeb3bc"))
            painter.drawText(int(x) + 3, RULER_HEIGHT - 10, timecode(frame, self.project.fps)[3:8])
        painter.setPen(QPen(QColor("#ffd166"), 2))
        for frame in self.markers:
            x = int(self.x_of(frame))
            painter.drawLine(x, RULER_HEIGHT - 12, x, RULER_HEIGHT)
        painter.setPen(QPen(QColor("#5ce1a5"), 1))
        for frame in self.beat_markers:
            x = int(self.x_of(frame))
            painter.drawLine(x, RULER_HEIGHT - 5, x, RULER_HEIGHT)
        painter.restore()

    def _paint_track(self, painter: QPainter, track: Track, row: QRectF) -> None:
        painter.fillRect(row, QColor("#1c1f24"))
        header = QRectF(0, row.top(), HEADER_WIDTH - 4, row.height())
        painter.fillRect(header, QColor("#252932"))
        painter.setPen(QColor("#c8ccd4"))
        flags = "".join(f"  {text}" for on, text in ((track.effects, f"fx {len(track.effects)}"), (track.muted, "M"),
                                                      (track.solo, "S"), (track.duck, "duck")) if on)
        painter.drawText(header.adjusted(8, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, (track.name or track.kind) + flags)
        painter.save()
        painter.setClipRect(QRectF(HEADER_WIDTH, row.top(), self.width() - HEADER_WIDTH, row.height()))
        colour = CLIP_COLOURS[track.kind]
        first, last = self.frame_of(HEADER_WIDTH), self.frame_of(self.width()) + 1
        for clip in track.clips:
            position, on_track = self._shown_position(clip, track)
            if not on_track or position > last or position + self._shown_length(clip) < first:
                continue  # off screen: with hundreds of clips, painting stays proportional to the view
            rect = QRectF(self.x_of(position), row.top() + 3, self._shown_length(clip) * self.pixels_per_frame, row.height() - 6)
            media = self.project.media.get(clip.media_id)
            fill = QColor("#7a2d35") if media is None or media.offline else colour
            painter.setBrush(fill.darker(115) if clip.id not in self.selected else fill.lighter(125))
            painter.setPen(QPen(ACCENT, 2) if clip.id in self.selected else QPen(fill.lighter(140), 1))
            painter.drawRoundedRect(rect, 4, 4)
            self._paint_strip(painter, clip, media, rect.adjusted(2, 14, -2, -2))
            if clip.volume_keys:
                self._paint_volume(painter, clip, rect.adjusted(2, 14, -2, -2))
            painter.setPen(QColor("#f2f2f2"))
            label = media.path.replace("\\", "/").rsplit("/", 1)[-1] if media else "missing"
            if media is not None and media.offline:
                label = f"OFFLINE: {label}"
            shown = rect.adjusted(max(0.0, HEADER_WIDTH - rect.left()), 0, 0, 0)  # scrolled: the name stays in view
            painter.drawText(shown.adjusted(6, 2, -4, 0), Qt.AlignTop | Qt.AlignLeft, label)
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

    # --- dragging ------------------------------------------------------------------------------

    def _dragged_ids(self) -> list[str]:
        return self._dragged_ids_for(self._drag) if self._drag is not None else []

    def _dragged_ids_for(self, drag: _Drag) -> list[str]:
        """A move drags the whole selection it grabbed; a trim only the grabbed clip."""
        return list(self.selected) if drag.mode == "move" and drag.clip_id in self.selected else [drag.clip_id]

    def _shown_position(self, clip, track: Track) -> tuple[int, bool]:
        """Where a clip is drawn: its place, or where the drag in progress would put it."""
        drag = self._drag
        if drag is None or drag.delta == 0 and drag.track_id in (None, track.id) or clip.id not in self._dragged_ids():
            return clip.position, True
        if drag.mode == "move":
            if drag.clip_id == clip.id and drag.track_id and drag.track_id != track.id:
                return clip.position, False  # drawn on the target track instead
            return clip.position + drag.delta, True
        return (clip.position + drag.delta, True) if drag.mode == "trim_start" else (clip.position, True)

    def _shown_length(self, clip) -> int:
        drag = self._drag
        if drag is None or drag.clip_id != clip.id or drag.mode == "move":
            return clip.length
        return clip.length - drag.delta if drag.mode == "trim_start" else clip.length + drag.delta

    def _paint_moving_ghost(self, painter: QPainter) -> None:
        drag = self._drag
        if drag is None or drag.mode != "move" or not drag.track_id:
            return
        track, clip = self.project.find_clip(drag.clip_id)
        if drag.track_id == track.id:
            return
        row = next((r for t, r in self._track_rows() if t.id == drag.track_id), None)
        if row is not None:
            rect = QRectF(self.x_of(clip.position + drag.delta), row.top() + 3, clip.length * self.pixels_per_frame, row.height() - 6)
            painter.setBrush(QColor(255, 255, 255, 60))
            painter.setPen(QPen(ACCENT, 2, Qt.DashLine))
            painter.drawRoundedRect(rect, 4, 4)

    def _paint_strip(self, painter: QPainter, clip, media, rect: QRectF) -> None:
        """Thumbnails along a video clip, over its own sound's waveform when it has sound; the
        matching stretch of the waveform on a sound clip."""
        peaks = self.waveforms.get(clip.media_id)
        if peaks is not None and media.kind == "audio":
            self._paint_waveform(painter, clip, peaks, rect)
            return
        if peaks is not None and rect.height() >= 20:  # a video's own sound, in a band along its foot
            band = rect.height() * WAVEFORM_SHARE
            rect, sound = rect.adjusted(0, 0, 0, -band), rect.adjusted(0, rect.height() - band, 0, 0)
            painter.fillRect(sound, QColor(0, 0, 0, 90))
            self._paint_waveform(painter, clip, peaks, sound)
        strip = self.strips.get(clip.media_id) if media.kind == "video" else None
        picture = self.thumbnails.get(clip.media_id)
        if (strip is None and (picture is None or picture.isNull())) or rect.width() < 4 or rect.height() < 6:
            return
        painter.save()
        painter.setClipRect(rect, Qt.IntersectClip)  # within the track's clip: never over the headers
        painter.setOpacity(0.55)
        if strip is not None:  # a strip stands on its own: a failed thumbnail does not hide it
            self._paint_film_strip(painter, clip, *strip, rect)
        elif media.kind == "audio" and media.duration:
            left = picture.width() * clip.source_in / media.duration
            right = picture.width() * clip.source_out(self.project.fps) / media.duration
            painter.drawPixmap(rect, picture, QRectF(left, 0, max(1.0, right - left), picture.height()))
        else:
            tile, part = _tile(picture, rect.height())
            x = _first_tile(rect.left(), tile)
            while x < min(rect.right(), self.width()):
                painter.drawPixmap(QRectF(x, rect.top(), tile, rect.height()), picture, part)
                x += tile
        painter.restore()

    def _paint_film_strip(self, painter: QPainter, clip, times, pictures, rect: QRectF) -> None:
        """Each tile the picture of the moment under it (the latest at or before it), so the
        pieces of a clip split at its shots each show their own shot."""
        tile, part = _tile(pictures[0], rect.height())
        origin, x = self.x_of(clip.position), _first_tile(rect.left(), tile)
        while x < min(rect.right(), self.width()):  # a clip zoomed in can run far past the view
            frame = clip.position + (x + tile / 2 - origin) / self.pixels_per_frame
            shown = pictures[max(0, int(np.searchsorted(times, clip.source_time(frame, self.project.fps), "right")) - 1)]
            painter.drawPixmap(QRectF(x, rect.top(), tile, rect.height()), shown, part)
            x += tile

    def _paint_volume(self, painter: QPainter, clip, rect: QRectF) -> None:
        """The volume keys as a line over the clip (full height: unity gain), as editors draw
        the level: the dips under speech that Make a short puts on the music show where they are."""
        keys = sorted(clip.volume_keys)
        top = max(1.0, max(g for _, g in keys))
        ends = [(0.0, keys[0][1]), *keys, (clip.length / self.project.fps, keys[-1][1])]
        origin = self.x_of(clip.position)
        points = [QPointF(min(rect.right(), max(rect.left(), origin + t * self.project.fps * self.pixels_per_frame)),
                          rect.bottom() - g / top * rect.height()) for t, g in ends]
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 170), 4))  # a dark edge: the line stands out from the white waveform
        painter.drawPolyline(points)
        painter.setPen(QPen(QColor("#ffd166"), 2))
        painter.drawPolyline(points)
        painter.restore()

    def _paint_waveform(self, painter: QPainter, clip, peaks, rect: QRectF) -> None:
        """One vertical line per pixel, spanning the quietest to the loudest sample under it."""
        from core.audio.waveform import PEAKS_PER_SECOND

        fps = self.project.fps
        left = max(rect.left(), float(HEADER_WIDTH))
        right = min(rect.right(), float(self.width()))
        if right - left < 1:
            return
        xs = np.arange(int(left), int(right))
        seconds = clip.source_in + (xs - self.x_of(clip.position)) / self.pixels_per_frame * clip.speed / fps
        index = np.clip((seconds * PEAKS_PER_SECOND).astype(int), 0, len(peaks) - 1)
        span = max(1, int(np.ceil(PEAKS_PER_SECOND * clip.speed / fps / self.pixels_per_frame)))
        # The quietest and loudest peak under each pixel, all pixels at once: this runs on every
        # repaint (the playhead moves thirty times a second).
        under = [np.minimum(index + k, len(peaks) - 1) for k in range(span)]
        low, high = np.min([peaks[i, 0] for i in under], axis=0), np.max([peaks[i, 1] for i in under], axis=0)
        mid, half = rect.center().y(), rect.height() / 2
        tops, bottoms = (mid - _loudness_scale(high) * half).astype(int), (mid - _loudness_scale(low) * half).astype(int)
        painter.save()
        painter.setPen(QPen(QColor(255, 255, 255, 150), 1))
        painter.drawLines([QLineF(x, top, x, bottom) for x, top, bottom in zip(xs.tolist(), tops.tolist(), bottoms.tolist(), strict=True)])
        painter.restore()

    # --- input -----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if self.project is None:
            return
        pos = event.position()
        clip_id = self.clip_at(pos.x(), pos.y()) if pos.y() > RULER_HEIGHT else None
        if clip_id is None:
            header = self.track_at(pos.y()) if pos.x() <= HEADER_WIDTH and pos.y() > RULER_HEIGHT else None
            if header is not None:
                self.track_clicked.emit(header.id)
            if pos.x() > HEADER_WIDTH:
                self.playhead_moved.emit(self.frame_of(pos.x()))
            if pos.y() > RULER_HEIGHT and self.selected:
                self.selected = []
                self.selection_changed.emit([])
            self.update()
            return
        if event.modifiers() & (Qt.ControlModifier | Qt.ShiftModifier):
            self.selected = [c for c in self.selected if c != clip_id] if clip_id in self.selected \
                else [*self.selected, clip_id]
        elif clip_id not in self.selected:
            self.selected = [clip_id]
        self.selection_changed.emit(list(self.selected))
        _, clip = self.project.find_clip(clip_id)
        left, right = self.x_of(clip.position), self.x_of(clip.end)
        mode = "trim_start" if pos.x() - left <= EDGE_PIXELS else "trim_end" if right - pos.x() <= EDGE_PIXELS else "move"
        self._drag = _Drag(mode, clip_id, self._frame_at(pos.x()))
        self.update()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._drag is not None and event.buttons() & Qt.LeftButton:
            self._hold_at(pos)
            self._update_drag(pos.x(), pos.y())
        elif event.buttons() & Qt.LeftButton and pos.y() <= RULER_HEIGHT:
            self.playhead_moved.emit(self.frame_of(pos.x()))
        elif self.project is not None:
            self._update_cursor(pos.x(), pos.y())

    def _update_cursor(self, x: float, y: float) -> None:
        clip_id = self.clip_at(x, y) if y > RULER_HEIGHT else None
        if clip_id is None:
            self.unsetCursor()
            return
        _, clip = self.project.find_clip(clip_id)
        near_edge = min(abs(x - self.x_of(clip.position)), abs(self.x_of(clip.end) - x)) <= EDGE_PIXELS
        self.setCursor(Qt.SizeHorCursor if near_edge else Qt.OpenHandCursor)

    def _update_drag(self, x: float, y: float) -> None:
        drag = self._drag
        raw = int(round(self._frame_at(x) - drag.press_frame))
        moving = self._dragged_ids()
        clips = [self.project.find_clip(cid)[1] for cid in moving]
        if drag.mode == "move":
            edges = [c.position + raw for c in clips] + [c.end + raw for c in clips]
            raw = max(raw + self._snap(edges, set(moving)), -min(c.position for c in clips))
            over = self.track_at(y)
            drag.track_id = over.id if over is not None and len(moving) == 1 else None
        else:
            clip = clips[0]
            edge = (clip.position if drag.mode == "trim_start" else clip.end) + raw
            raw += self._snap([edge], {clip.id})
        drag.delta = raw
        self.update()

    def _hold_at(self, pos: QPointF | None) -> None:
        """Where a drag is held now (None: it ended); near an edge, the view starts scrolling."""
        self._pointer = QPointF(pos) if pos is not None else None
        if pos is not None and self._edge_push(pos) != (0, 0):
            self._edge_timer.start()
        else:
            self._edge_timer.stop()

    def _edge_push(self, pos: QPointF) -> tuple[float, float]:
        """Pixels to scroll along and down this tick, for a drag held at ``pos``: faster the
        nearer the edge (or past it), nothing where there is nothing more to see."""
        def push(at: float, low: float, high: float, zone: float) -> float:
            depth = max(low + zone - at, 0.0) - max(at - (high - zone), 0.0)
            return -EDGE_SCROLL_PIXELS * float(np.clip(depth / zone, -1.0, 1.0))

        along = push(pos.x(), HEADER_WIDTH, self._tracks_right(), EDGE_SCROLL_ZONE) if not self.hbar.isHidden() else 0.0
        bottom = self.height() - (self.hbar.height() if not self.hbar.isHidden() else 0)
        # a narrower band across: a track is barely taller than the band along
        down = push(pos.y(), RULER_HEIGHT, bottom, EDGE_SCROLL_ZONE / 2) if not self.vbar.isHidden() else 0.0
        return along, down

    def _scroll_at_edge(self) -> None:
        if self._pointer is None:
            self._edge_timer.stop()
            return
        along, down = self._edge_push(self._pointer)
        if along:
            frames = int(round(along / self.pixels_per_frame)) or int(np.sign(along))  # zoomed far in: a frame a tick
            self.hbar.setValue(self.hbar.value() + frames)
        if down:
            self.vbar.setValue(self.vbar.value() + int(round(down)))
        if self._drag is not None:  # the clip stays under the pointer as the edit moves past
            self._update_drag(self._pointer.x(), self._pointer.y())

    def mouseReleaseEvent(self, event) -> None:
        self._hold_at(None)
        drag, self._drag = self._drag, None
        if drag is None or (drag.delta == 0 and drag.track_id in (None, self.project.find_clip(drag.clip_id)[0].id)):
            self.update()
            return
        if drag.mode == "move":
            moves = {}
            for cid in self._dragged_ids_for(drag):
                track, clip = self.project.find_clip(cid)
                target = drag.track_id if cid == drag.clip_id and drag.track_id else track.id
                moves[cid] = (clip.position + drag.delta, target)
            self.move_requested.emit(moves)
        else:
            _, clip = self.project.find_clip(drag.clip_id)
            edge = clip.position + drag.delta if drag.mode == "trim_start" else clip.end + drag.delta
            self.trim_requested.emit(drag.clip_id, "start" if drag.mode == "trim_start" else "end", edge)
        self.update()

    def wheelEvent(self, event) -> None:
        """Ctrl zooms around the pointer; Shift (or a sideways wheel) scrolls along the edit; the
        wheel scrolls the tracks when they do not all fit, else along the edit."""
        if self.project is None:
            super().wheelEvent(event)
            return
        delta = event.angleDelta()
        notches = (delta.y() or delta.x()) / 120
        if event.modifiers() & Qt.ControlModifier:
            self.zoom_at(event.position().x(), 1.25 ** notches)
        elif delta.x() or event.modifiers() & Qt.ShiftModifier or self.vbar.isHidden():
            self.hbar.setValue(int(self.hbar.value() - notches * self.hbar.singleStep()))
        else:
            self.vbar.setValue(int(self.vbar.value() - notches * WHEEL_PIXELS))
        event.accept()

    # --- files dropped from the file manager ---------------------------------------------------

    def _accepts(self, event) -> bool:
        data = event.mimeData()
        if data.hasFormat(EFFECT_MIME):  # an effect lands on a clip or a picture track's header
            pos = event.position()
            return self.clip_at(pos.x(), pos.y()) is not None or self._header_track(pos) is not None
        return data.hasUrls() or data.hasFormat(MEDIA_MIME)

    def contextMenuEvent(self, event) -> None:
        menu = self.context_menu(event.pos())
        if menu is not None and not menu.isEmpty():
            menu.exec(event.globalPos())

    def context_menu(self, pos):
        """What a right-click at ``pos`` offers: a track's header its sound; a clip what can be
        done to it (selected first, as a click would, since the actions act on the selection):
        captions where someone may speak, its background replaced, its beats marked, split or
        frozen at the playhead, deleted."""
        from PySide6.QtWidgets import QMenu

        if self.project is None:
            return None
        menu = QMenu(self)
        clip_id = self.clip_at(pos.x(), pos.y())
        track = self.track_at(pos.y())
        if clip_id is not None:
            self._clip_menu(menu, clip_id, track)
        if track is not None and pos.x() <= HEADER_WIDTH:
            for name, label, on, value in (("muted", "Mute", track.muted, not track.muted),
                                           ("solo", "Solo", track.solo, not track.solo),
                                           ("duck", "Duck under the other tracks", bool(track.duck),
                                            0.0 if track.duck else -12.0)):
                action = menu.addAction(label, lambda n=name, v=value: self.track_sound_requested.emit(track.id, {n: v}))
                action.setCheckable(True)
                action.setChecked(bool(on))
        return menu

    def _clip_menu(self, menu, clip_id: str, track: Track) -> None:
        if clip_id not in self.selected:
            self.selected = [clip_id]
            self.selection_changed.emit([clip_id])
            self.update()
        clip = self.project.find_clip(clip_id)[1]
        media = self.project.media[clip.media_id]
        picture = media.has_video and track.kind != AUDIO_TRACK
        under_playhead = clip.position < self.playhead < clip.end
        self._offer(menu, [("captions", media.has_video and media.has_audio)])
        if picture:
            menu.addAction("Replace background", lambda: self.background_requested.emit(clip_id))
        if media.has_audio:
            menu.addAction("Mark the beats", lambda: self.beats_requested.emit(clip_id))
        self._offer(menu, [(None, True), ("split", under_playhead), ("freeze", under_playhead and picture),
                           (None, True), ("delete", True), ("ripple", True)])

    def _offer(self, menu, wanted: list[tuple[str | None, bool]]) -> None:
        """The named clip actions that apply, in order; None is a separator (Qt drops doubles)."""
        for name, applies in wanted:
            if name is None:
                menu.addSeparator()
            elif applies and name in self.clip_actions:
                menu.addAction(self.clip_actions[name])

    def _header_track(self, pos) -> Track | None:
        track = self.track_at(pos.y()) if pos.x() <= HEADER_WIDTH else None
        return track if track is not None and track.kind != AUDIO_TRACK else None

    def dragEnterEvent(self, event) -> None:
        data = event.mimeData()
        event.acceptProposedAction() if data.hasUrls() or data.hasFormat(EFFECT_MIME) or data.hasFormat(MEDIA_MIME) \
            else event.ignore()

    def dragMoveEvent(self, event) -> None:
        self._hold_at(event.position() if self.project is not None else None)
        event.acceptProposedAction() if self._accepts(event) else event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._hold_at(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self._hold_at(None)
        if event.mimeData().hasFormat(EFFECT_MIME):
            pos = event.position()
            name = bytes(event.mimeData().data(EFFECT_MIME)).decode()
            clip_id = self.clip_at(pos.x(), pos.y()) if self.project is not None else None
            track = self._header_track(pos) if self.project is not None else None
            if clip_id is None and track is None:
                event.ignore()
                return
            event.acceptProposedAction()
            if clip_id is not None:
                self.effect_dropped.emit(clip_id, name)
            else:
                self.track_effect_dropped.emit(track.id, name)
            return
        if self.project is None:
            event.ignore()
            return
        pos = event.position()
        track = self.track_at(pos.y())
        frame = self.frame_of(pos.x())
        frame += self._snap([frame], set())  # a drop near the start, the playhead or a clip's edge lands on it
        if frame * self.pixels_per_frame <= DROP_START_PIXELS:
            frame = 0
        if event.mimeData().hasFormat(MEDIA_MIME):
            event.acceptProposedAction()
            ids = bytes(event.mimeData().data(MEDIA_MIME)).decode().split("\n")
            self.media_dropped.emit([i for i in ids if i], frame, track.id if track else "")
            return
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(paths, frame, track.id if track else "")

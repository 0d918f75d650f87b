"""The open project as one object: the project, its undo stack, the job runner and the media
pictures (thumbnails, waveforms), and what the assistant points at on the timeline.

Views and dialogs talk to the document, never to each other. Every edit goes through
``perform`` and becomes one undo step; the document then says what changed (a
``core.timeline.Change``: which tracks, whether the track list or the media did), so each view
redraws only what it shows of that. Continuous gestures (a spin box's steps) pass a
``merge_key`` and become a single undo step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap, QUndoCommand, QUndoStack

from core import timeline as tl
from core.errors import ReelsmithError
from desktop.jobs import JobRunner
from desktop.widgets import to_qimage

log = logging.getLogger(__name__)
THUMBNAIL_WIDTH = 144  # pixels: the bin's pictures

_MERGEABLE = 1  # QUndoCommand.id() of commands that may merge; mergeWith compares the keys


class EditCommand(QUndoCommand):
    """One core Edit on the undo stack; undo and redo replay its snapshots.

    Built by :meth:`Document.perform` after the edit was applied, so a refused edit
    (EditError) never reaches the stack.
    """

    def __init__(self, document: Document, edit: tl.Edit, merge_key=None):
        super().__init__(edit.label)
        self._document, self.edit, self.merge_key = document, edit, merge_key
        self._first = True

    def id(self) -> int:
        return -1 if self.merge_key is None else _MERGEABLE

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Consecutive steps of one gesture (same key, same tracks) become one edit, from the
        first step's before to the last one's after."""
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key:
            return False
        mine, theirs = self.edit, other.edit
        if set(mine.before.tracks) != set(theirs.before.tracks) or (mine.after.media is None) != (theirs.after.media is None):
            return False
        self.edit = tl.Edit(mine.label, mine.before, theirs.after)
        return True

    def redo(self) -> None:
        if self._first:  # the edit is already applied
            self._first = False
        else:
            self.edit.redo(self._document.project)
        self._document.changed.emit(self.edit.change)

    def undo(self) -> None:
        self.edit.undo(self._document.project)
        self._document.changed.emit(self.edit.change)


class Document(QObject):
    opened = Signal()  # another project (views start over)
    changed = Signal(object)  # core.timeline.Change: what an edit, undo or redo touched
    refused = Signal(str)  # an edit was refused: why, in words for the creator
    picture_ready = Signal(str)  # media id: its thumbnail or waveform is in
    markers_changed = Signal()  # the music's beats to show on the timeline
    seek_requested = Signal(int)  # a dialog wants the playhead on this frame

    def __init__(self, runner: JobRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.undo_stack = QUndoStack(self)
        self.project: tl.Project | None = None
        self.path: Path | None = None
        self.playhead = 0  # kept current by the window
        self.thumbnails: dict[str, QPixmap] = {}  # media id -> picture
        self.strips: dict[str, tuple[np.ndarray, list[QPixmap]]] = {}  # media id -> times, pictures along a video
        self.waveforms: dict[str, np.ndarray] = {}  # media id -> (N, 2) min/max peaks
        self.beat_markers: list[int] = []  # frames of the music's beats

    # --- the project -------------------------------------------------------------------------

    def set_project(self, project: tl.Project | None, path: Path | None) -> None:
        self.project, self.path = project, path
        self.undo_stack.clear()
        self.beat_markers = []
        self.opened.emit()
        for media in project.media.values() if project else []:
            self.load_pictures(media)

    def perform(self, op: Callable[..., tl.Edit], *args, merge_key=None, **kwargs) -> bool:
        """Apply a core edit (or recipe) as one undo step. A refused edit changes nothing and
        is explained through ``refused``."""
        try:
            edit = op(self.project, *args, **kwargs)
        except ReelsmithError as exc:
            self.refused.emit(str(exc))
            return False
        self.undo_stack.push(EditCommand(self, edit, merge_key))
        if edit.change.media:
            for media in self.project.media.values():
                self.load_pictures(media)
        return True

    def generated_media_folder(self, kind: str) -> Path:
        """Where generated backdrops and music go: beside a saved project ("NAME media/KIND"),
        so the project and what it uses travel together; the data folder until it is saved.
        A folder for each kind, so that music a short made is not taken for music the creator
        made with Generate music."""
        from core.paths import data_subdir

        folder = self._beside_project(kind)
        if folder is None:
            return data_subdir(kind)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return data_subdir(kind)  # a read-only project folder: still somewhere safe
        return folder

    def is_generated(self, path: str, kind: str) -> bool:
        """Whether ``path`` lies where generated media of ``kind`` goes, asked without making
        that folder (opening a dialog must leave the creator's project folder as it was)."""
        from core.paths import data_subdir

        places = {data_subdir(kind).resolve()}
        if (beside := self._beside_project(kind)) is not None:
            places.add(beside.resolve())
        return Path(path).resolve().parent in places

    def _beside_project(self, kind: str) -> Path | None:
        return None if self.path is None else self.path.parent / f"{self.path.stem} media" / kind

    # --- what the views show beside the project ----------------------------------------------

    def load_pictures(self, media: tl.MediaRef) -> None:
        """A thumbnail of ``media`` (and a film strip for video, a waveform for anything with
        sound: a talking clip's pauses show under its pictures), as jobs, once."""
        if media.offline or media.id in self.thumbnails:
            return
        self.thumbnails[media.id] = QPixmap()  # asked for: not again
        name = Path(media.path).name
        sound_file = media.kind == "audio"  # its bin picture is drawn from its waveform: one decode
        if not sound_file:
            self.runner.submit(f"Thumbnail of {name}", _thumbnail_job, media.path,
                               on_result=lambda picture: self.set_thumbnail(media.id, picture),
                               on_error=lambda m: log.info("no thumbnail: %s", m))
        if media.kind == "video" and media.has_video:
            self.runner.submit(f"Film strip of {name}", _strip_job, media.path,
                               on_result=lambda strip: self._set_strip(media.id, strip),
                               on_error=lambda m: log.info("no film strip: %s", m))
        if sound_file or media.has_audio:
            from core.audio.waveform import waveform

            self.runner.submit(f"Waveform of {name}", waveform, media.path,
                               on_result=lambda peaks: self._set_waveform(media.id, peaks, sound_file),
                               on_error=lambda m: log.info("no waveform: %s", m))

    def set_thumbnail(self, media_id: str, picture: np.ndarray) -> None:
        self.thumbnails[media_id] = QPixmap.fromImage(to_qimage(picture))
        self.picture_ready.emit(media_id)

    def _set_strip(self, media_id: str, strip: tuple[np.ndarray, list[np.ndarray]]) -> None:
        times, pictures = strip
        self.strips[media_id] = (times, [QPixmap.fromImage(to_qimage(p)) for p in pictures])
        self.picture_ready.emit(media_id)

    def _set_waveform(self, media_id: str, peaks: np.ndarray, bin_picture: bool) -> None:
        self.waveforms[media_id] = peaks
        if bin_picture:
            from core.media.thumbnails import waveform_picture

            self.set_thumbnail(media_id, waveform_picture(peaks, THUMBNAIL_WIDTH))  # says the pictures are in
        else:
            self.picture_ready.emit(media_id)

    @property
    def markers(self) -> list[int]:
        """Frames the assistant points at (changes of shot). They live on the clips
        (core.timeline.Clip.markers), so edits and undo carry them."""
        return self.project.markers if self.project else []

    def set_beats(self, beats: list[int]) -> None:
        self.beat_markers = sorted(beats)
        self.markers_changed.emit()

    def seek(self, frame: int) -> None:
        self.seek_requested.emit(frame)


def _strip_job(path: str, *, progress=None, cancel=None) -> tuple[np.ndarray, list[np.ndarray]]:
    from core.media import film_strip, probe_cached

    return film_strip(probe_cached(path))


def _thumbnail_job(path: str, *, progress=None, cancel=None) -> np.ndarray:
    from core.media import probe_cached, thumbnail

    return thumbnail(probe_cached(path), width=THUMBNAIL_WIDTH)

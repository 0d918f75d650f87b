"""The main window: composes the panels and owns the project, its undo stack and the jobs."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core import recipes
from core import timeline as tl
from core.errors import ReelsmithError
from core.media import MEDIA_EXTENSIONS, expand_media_paths, probe
from core.paths import data_dir, log_file
from core.project_io import (
    EXTENSION,
    discard_recovery,
    load_project,
    pending_recoveries,
    save_project,
    write_recovery,
)
from desktop.document import Document
from desktop.jobs import JobRunner
from desktop.panels.bin import MediaBin
from desktop.panels.effects_browser import EffectsBrowser
from desktop.panels.inspector import Inspector
from desktop.panels.jobs_panel import JobsPanel
from desktop.panels.preview import PreviewPanel
from desktop.panels.timeline_view import TimelineView
from desktop.widgets import ComboBox, show_in_folder

log = logging.getLogger(__name__)

GETTING_STARTED = """<h3>From clips to a short</h3><ol>
<li><b>New project</b> (Ctrl+N): pick the shape, 9:16 for TikTok, Reels and Shorts.</li>
<li><b>Import</b> (Ctrl+I) or drag files from your file manager onto the Media bin.</li>
<li><b>Make a short</b> (Ctrl+M): the best moments of your clips, reframed, on the beat of generated
music, with your title, in one go. Then <b>Export</b> (Ctrl+E).</li></ol>
<p>Or step by step:</p><ol>
<li><b>Drag</b> clips from the bin onto the timeline, or <b>double-click</b> them to add them at the end.</li>
<li><b>Smart cut</b> finds the shots and the dead air, and makes a highlight reel or fills the frame.</li>
<li><b>Generate backdrop</b> and <b>Generate music</b> add a moving background and a music bed.</li>
<li>Drag <b>effects and titles</b> from the Effects tab onto a clip; change them in the Inspector.</li>
<li><b>Export</b> (Ctrl+E) writes an MP4 at -14 LUFS, ready to upload.</li></ol>
<p>Every step can be undone (Ctrl+Z); your work is saved every minute in case of a crash.</p>"""


def _titled(text: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    title = QLabel(text)
    title.setObjectName("panelTitle")
    layout.addWidget(title)
    layout.addWidget(widget, 1)
    return box


class _ImportBatch:
    """Collects the outcome of probing several files: places them in order when all are in,
    and reports the failures once."""

    def __init__(self, window: MainWindow, count: int, place: tuple[int, str] | None):
        self.window, self.place = window, place
        self.results: list = [None] * count
        self.pending, self.errors = count, []

    def succeeded(self, index: int, info) -> None:
        self.results[index] = info
        self._one_done()

    def failed(self, message: str) -> None:
        self.errors.append(message)
        self._one_done()

    def cancelled(self) -> None:
        self._one_done()

    def _one_done(self) -> None:
        self.pending -= 1
        if self.pending:
            return
        self.window.imports.remove(self)
        self.window.add_imported([info for info in self.results if info is not None], self.place)
        if self.errors:
            self.window.show_error("Some files were not imported", "\n".join(self.errors))


class MainWindow(QMainWindow):
    AUTOSAVE_MS = 60_000

    project_opened = Signal()
    project_changed = Signal()
    error_shown = Signal(str)
    beats_marked = Signal(float)  # the tempo found
    background_replaced = Signal(str)  # the clip now over a generated backdrop
    export_finished = Signal(str)  # an export that went on after its dialog closed

    def __init__(self):
        super().__init__()
        self.setWindowTitle("Reelsmith")
        self.resize(1440, 900)
        self.imports: list[_ImportBatch] = []
        self.runner = JobRunner(self)
        self._replacing: set[str] = set()  # clips whose background a job is replacing
        self.document = Document(self.runner, self)
        self.undo_stack = self.document.undo_stack
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)  # an edit can rename the project
        self.session = uuid.uuid4().hex[:12]  # names this window's autosave file
        self.recovered_unsaved = False  # opened from an autosave: unsaved until saved
        self._imported_from: Path | None = None  # the folder of the timeline the project came from
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start(self.AUTOSAVE_MS)

        self.bin = MediaBin()
        self.effects_browser = EffectsBrowser()
        self.preview = PreviewPanel()
        self.inspector = Inspector()
        self.timeline = TimelineView()
        self._build_layout()
        self._build_actions()
        self.statusBar().addPermanentWidget(JobsPanel(self.runner))

        self._connect_document()
        self.bin.files_dropped.connect(self.import_files)
        self.bin.media_activated.connect(lambda ids: self.perform(recipes.append_media, ids))
        self.bin.media_to_playhead.connect(
            lambda ids: self.perform(recipes.insert_media, ids, self.document.playhead))
        self.timeline.media_dropped.connect(
            lambda ids, frame, track_id: self.perform(recipes.place_media, ids, (frame, track_id)))
        self.timeline.playhead_moved.connect(self.preview.scrub_to)
        self.preview.playhead_moved.connect(self.timeline.set_playhead)
        self.preview.sound_unavailable.connect(lambda why: self.statusBar().showMessage(why + " Playing silently.", 10000))
        self.timeline.selection_changed.connect(self._selection_changed)
        self.inspector.edit_requested.connect(self._inspector_edit)
        self.timeline.move_requested.connect(self._move_clips)
        self.timeline.trim_requested.connect(self._trim_clip)
        self.timeline.files_dropped.connect(self._drop_on_timeline)
        self.timeline.effect_dropped.connect(lambda clip_id, name: self.add_effect([clip_id], name))
        self.timeline.track_effect_dropped.connect(self.add_track_effect)
        self.timeline.track_sound_requested.connect(
            lambda track_id, change: self.perform(tl.set_track_sound, track_id, merge_key=("duck", track_id), **change))
        self.timeline.beats_requested.connect(self.mark_beats)
        self.timeline.background_requested.connect(self.replace_background)
        self.timeline.track_clicked.connect(lambda track_id: self.inspector.show_track(self.project, track_id))
        self.inspector.track_effects_changed.connect(self._track_effects_edit)
        self.effects_browser.chosen.connect(lambda name: self.add_effect(self.timeline.selected, name))
        self.timeline.playhead_moved.connect(self.inspector.set_playhead)
        self.preview.playhead_moved.connect(self.inspector.set_playhead)
        self.inspector.captions_requested.connect(self.open_captions_editor)
        self.inspector.effects_changed.connect(self._effects_edit)
        self.settings = QSettings(str(data_dir() / "settings.ini"), QSettings.IniFormat)
        self._restore_window_state()

    # --- the document ----------------------------------------------------------------------------

    @property
    def project(self) -> tl.Project | None:
        return self.document.project

    @property
    def project_path(self) -> Path | None:
        return self.document.path

    @project_path.setter
    def project_path(self, path: Path | None) -> None:
        self.document.path = path

    def _connect_document(self) -> None:
        document = self.document
        document.opened.connect(self._project_opened)
        document.changed.connect(self._edited)
        document.refused.connect(self._refused)
        document.picture_ready.connect(self._picture_ready)
        document.markers_changed.connect(self._markers_changed)
        document.seek_requested.connect(self.preview.seek)
        self.timeline.thumbnails, self.timeline.waveforms = document.thumbnails, document.waveforms
        self.timeline.strips = document.strips
        for moved in (self.timeline.playhead_moved, self.preview.playhead_moved):
            moved.connect(lambda frame: setattr(document, "playhead", frame))

    def _canvas_chooser(self) -> ComboBox:
        """The picture's shape, always in view: one click turns the edit vertical (undoable)."""
        self.canvas_box = ComboBox()
        self.canvas_box.setToolTip("The shape of the video: 16:9 for YouTube, 9:16 for TikTok, Reels and Shorts")
        for name, (width, height, label) in tl.CANVASES.items():
            self.canvas_box.addItem(f"{label.split()[1]}  {width}x{height}", name)  # "9:16  1080x1920"
            self.canvas_box.setItemData(self.canvas_box.count() - 1, label, Qt.ToolTipRole)
        self.canvas_box.activated.connect(
            lambda index: self.perform(tl.set_canvas, self.canvas_box.itemData(index)))
        return self.canvas_box

    def _show_canvas(self) -> None:
        """The chooser shows the project's shape (none of them for a custom size)."""
        size = (self.project.width, self.project.height) if self.project else None
        names = [name for name, (w, h, _) in tl.CANVASES.items() if (w, h) == size]
        self.canvas_box.setCurrentIndex(self.canvas_box.findData(names[0]) if names else -1)

    def _project_opened(self) -> None:
        project = self.project
        self.recovered_unsaved = False
        self.bin.set_project(project)
        self.timeline.set_project(project)
        self.preview.set_project(project)
        self.inspector.show_clip(project, None)
        self._markers_changed()
        self._show_canvas()
        self._update_title()

    def _refused(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)
        self.error_shown.emit(message)

    def _picture_ready(self, media_id: str) -> None:
        pixmap = self.document.thumbnails.get(media_id)
        if pixmap is not None and not pixmap.isNull():
            self.bin.set_thumbnail(media_id, pixmap)
        self.timeline.update()

    def _markers_changed(self) -> None:
        self.timeline.markers = self.document.markers
        self.timeline.beat_markers = self.document.beat_markers
        self.timeline.update()

    # --- construction ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        top = QSplitter(Qt.Horizontal)
        library = QTabWidget()
        library.addTab(self.bin, "Media")
        library.addTab(self.effects_browser, "Effects")
        top.addWidget(library)
        top.addWidget(_titled("Preview", self.preview))
        self.inspector_scroll = QScrollArea()
        self.inspector_scroll.setWidget(self.inspector)
        self.inspector_scroll.setWidgetResizable(True)
        top.addWidget(_titled("Inspector", self.inspector_scroll))
        top.setSizes([330, 800, 280])
        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(_titled("Timeline", self.timeline))
        main.setSizes([560, 300])
        self.setCentralWidget(main)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every binding of the platform: Redo is Ctrl+Shift+Z and Ctrl+Y
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text.replace("&", ""))  # "&" marks the menu accelerator
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.actions_by_name = {
            "new": a("&New project", self.ask_new_project, QKeySequence.New),
            "open": a("&Open…", self.choose_project, QKeySequence.Open),
            "save": a("&Save", self.save, QKeySequence.Save),
            "save_as": a("Save &As…", self.choose_save_path, QKeySequence.SaveAs),
            "import": a("&Import media…", self.choose_media, "Ctrl+I", "Import video, audio or images"),
            "import_timeline": a("Import ti&meline…", self.choose_timeline,
                                 tip="Open a timeline from another editor (.otio, .edl) as a new project"),
            "export_timeline": a("Export &timeline…", self.choose_timeline_target,
                                 tip="For DaVinci Resolve, Premiere, Final Cut or Kdenlive: .otio, .fcpxml or .edl"),
            "quit": a("&Quit", self.close, QKeySequence.Quit),
            "append": a("&Append to timeline", lambda: self.bin.media_activated.emit(self.bin.selected_media()), "A",
                        "Add the media selected in the bin at the end of the timeline"),
            "insert": a("&Insert at playhead", lambda: self.bin.media_to_playhead.emit(self.bin.selected_media()), "V",
                        "Insert the media selected in the bin at the playhead, moving the rest right"),
            "split": a("&Split at playhead", self.split_at_playhead, "S"),
            "freeze": a("&Freeze frame", lambda: self.freeze_at_playhead(), "Shift+F", "Hold the frame at the playhead for 2 s"),
            "delete": a("&Delete", lambda: self.delete_selected(False), QKeySequence.Delete),
            "ripple": a("&Ripple delete", lambda: self.delete_selected(True), "Shift+Delete"),
            "play": a("Play / pause", self.preview.toggle_play, "Space"),
            "back": a("Previous frame", lambda: self.preview.step(-1), "Left"),
            "forward": a("Next frame", lambda: self.preview.step(1), "Right"),
            "shuttle_back": a("Play backwards (J)", lambda: self.preview.shuttle(-1), "J"),
            "shuttle_stop": a("Pause (K)", self.preview.pause, "K"),
            "shuttle_forward": a("Play forwards (L)", lambda: self.preview.shuttle(1), "L"),
            "short": a("Make a short", self.open_short_dialog, "Ctrl+M",
                       "The best moments of your clips, reframed, with music and a title, in one go"),
            "smart_cut": a("Smart cut", self.open_smart_cut, tip="Find shots and dead air; split, trim or build a highlight reel"),
            "captions": a("&Captions from speech", self.caption_speech, "Ctrl+Shift+C",
                          "Captions of what is said in the selected clip (or the first that has sound), word by word"),
            "background": a("&Replace background", lambda: self.replace_background(),
                            tip="Put a generated backdrop behind the person in the selected clip: no green screen needed"),
            "backdrop": a("Generate backdrop", self.open_backdrop_dialog,
                          tip="An animated backdrop from the GAN, on a track under the footage"),
            "train": a("Train model", self.open_train_dialog, tip="Teach the backdrop GAN your own look"),
            "music": a("Generate music", self.open_music_dialog, tip="A royalty-free music bed in any mood, key and tempo"),
            "export": a("Export…", self.open_export_dialog, "Ctrl+E", "Export the timeline to an MP4"),
            "getting_started": a("&Getting started", self.show_getting_started, "F1",
                                 "From clips to an exported short, step by step"),
            "shortcuts": a("&Keyboard shortcuts", self.show_shortcuts),
            "logs": a("Open the &log folder", lambda: show_in_folder(log_file()),
                      tip="Where Reelsmith writes what went wrong, to send with a bug report"),
            "about": a("&About Reelsmith", self.show_about),
        }
        # Fixed labels (the toolbar must not jump about); what they would undo is in the tooltip.
        undo = a("&Undo", self.undo_stack.undo, QKeySequence.Undo)
        redo = a("&Redo", self.undo_stack.redo, QKeySequence.Redo)
        for action, can, text in ((undo, self.undo_stack.canUndoChanged, self.undo_stack.undoTextChanged),
                                  (redo, self.undo_stack.canRedoChanged, self.undo_stack.redoTextChanged)):
            action.setEnabled(False)
            can.connect(action.setEnabled)
            text.connect(lambda what, act=action: act.setToolTip(f"{act.text().replace('&', '')} {what}".strip()))
        self.actions_by_name.update(undo=undo, redo=redo)

        names = self.actions_by_name
        self.timeline.clip_actions = {name: names[name] for name in ("captions", "split", "freeze", "delete", "ripple")}
        menus = {
            "&File": ["new", "open", "recent", "save", "save_as", None, "import", "import_timeline", None,
                      "export", "export_timeline", None, "quit"],
            "&Edit": ["undo", "redo", None, "append", "insert", None, "split", "freeze", "delete", "ripple"],
            "&Playback": ["play", "shuttle_back", "shuttle_stop", "shuttle_forward", "back", "forward"],
            "&Assistant": ["short", None, "smart_cut", "captions", "background", "backdrop", "train", "music"],
            "&Help": ["getting_started", "shortcuts", None, "logs", "about"],
        }
        for title, entries in menus.items():
            menu = self.menuBar().addMenu(title)
            for entry in entries:
                if entry == "recent":
                    self.recent_menu = menu.addMenu("Open &recent")
                    self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                elif entry is None:
                    menu.addSeparator()
                else:
                    menu.addAction(names[entry])

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for entry in ["import", "undo", "redo", None, "split", "delete", None]:
            toolbar.addSeparator() if entry is None else toolbar.addAction(names[entry])
        for entry in ["short", "smart_cut", "backdrop", "music", "train"]:
            toolbar.addAction(names[entry])
            toolbar.widgetForAction(names[entry]).setObjectName("primary" if entry == "short" else "assistant")
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self._canvas_chooser())
        toolbar.addAction(names["export"])
        self.addToolBar(toolbar)

    # --- project ---------------------------------------------------------------------------------

    def set_project(self, project: tl.Project, path: Path | None) -> None:
        self.document.set_project(project, path)
        offline = [Path(m.path).name for m in project.media.values() if m.offline]
        if offline:
            self.show_error("Some media could not be found",
                            "These files have moved or been deleted; their clips are shown as offline:\n"
                            + "\n".join(offline))
        self.project_opened.emit()

    def open_project(self, path: str | os.PathLike) -> bool:
        try:
            project = load_project(path)
        except ReelsmithError as exc:
            self.show_error("The project could not be opened", str(exc))
            return False
        self.set_project(project, Path(path))
        self._remember_recent(Path(path))
        return True

    def ask_new_project(self):
        """Ask for the video's shape, then start an empty project in it."""
        from desktop.dialogs.new_project_dialog import NewProjectDialog

        if self.has_unsaved_changes and not self._confirm_discard():
            return None
        dialog = NewProjectDialog(self)
        dialog.accepted.connect(lambda: self.new_project(dialog.chosen))
        return self._open(dialog)

    def open_demo(self) -> None:
        from core.demo import build_demo_project

        self.preview.view.show_message("Preparing the demo project…")
        self.runner.submit("Preparing demo", build_demo_project, on_result=self.open_project,
                           on_error=lambda m: self.show_error("The demo could not be prepared", m))

    def new_project(self, canvas: str = "1080p") -> None:
        self.set_project(tl.Project.new(canvas), None)

    def choose_project(self) -> None:
        if self.has_unsaved_changes and not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(self._dialog_folder()),
                                              f"Reelsmith projects (*{EXTENSION})")
        if path:
            self.open_project(path)

    def save(self) -> bool:
        if self.project_path is None:
            return self.choose_save_path()
        return self.save_to(self.project_path)

    def choose_save_path(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project as",
                                              str(self._dialog_folder() / f"{self.project.file_name}{EXTENSION}"),
                                              f"Reelsmith projects (*{EXTENSION})")
        return self.save_to(Path(path).with_suffix(EXTENSION)) if path else False

    def save_to(self, path: Path) -> bool:
        old_name = self.project.name
        if path != self.project_path:  # saved under a new name: the project takes that name
            self.project.name = path.stem
        try:
            save_project(self.project, path)
        except ReelsmithError as exc:
            self.project.name = old_name
            self.show_error("The project was not saved", str(exc))
            return False
        self.project_path = path
        self._remember_recent(path)
        self.undo_stack.setClean()
        self.recovered_unsaved = False
        discard_recovery(self._recovery_path())
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    @property
    def has_unsaved_changes(self) -> bool:
        return self.project is not None and (not self.undo_stack.isClean() or self.recovered_unsaved)

    def _update_title(self) -> None:
        name = self.project_path.stem if self.project_path else (self.project.file_name if self.project else "")
        dirty = " •" if self.has_unsaved_changes else ""
        self.setWindowTitle(f"{name}{dirty} — Reelsmith" if name else "Reelsmith")

    # --- other editors' timelines ----------------------------------------------------------------

    TIMELINE_FORMATS = {"OpenTimelineIO (*.otio)": ".otio", "Final Cut Pro X XML (*.fcpxml)": ".fcpxml",
                        "CMX 3600 EDL (*.edl)": ".edl"}

    def choose_timeline_target(self) -> None:
        # The name is offered without a suffix, so the format chosen below it decides (a
        # typed .otio, .fcpxml or .edl still wins).
        path, chosen = QFileDialog.getSaveFileName(self, "Export timeline", str(self._dialog_folder() / self.project.file_name),
                                                   ";;".join(self.TIMELINE_FORMATS))
        if path:
            suffix = Path(path).suffix.lower()
            self.export_timeline_to(Path(path) if suffix in self.TIMELINE_FORMATS.values()
                                    else Path(path + self.TIMELINE_FORMATS.get(chosen, ".otio")))

    def export_timeline_to(self, path: Path) -> bool:
        from core.interchange import export_timeline

        try:
            result = export_timeline(self.project, path)
        except ReelsmithError as exc:
            self.show_error("The timeline was not exported", str(exc))
            return False
        self.statusBar().showMessage(f"Exported the timeline to {path.name}", 6000)
        if result.left_out:
            self.show_error(f"{path.suffix} could not hold everything",
                            f"{path.name} was written without:\n• " + "\n• ".join(result.left_out))
        return True

    def choose_timeline(self) -> None:
        if self.has_unsaved_changes and not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import timeline", str(self._dialog_folder()),
                                              "Timelines (*.otio *.edl)")
        if path:
            self.import_timeline_from(Path(path))

    def import_timeline_from(self, path: Path):
        """Open another editor's timeline as a new, unsaved project (a job: its files are probed)."""
        from core.interchange import import_timeline

        return self.runner.submit(f"Import {path.name}", import_timeline, path,
                                  on_result=lambda result: self._timeline_imported(result, path.parent),
                                  on_error=lambda m: self.show_error("The timeline could not be imported", m))

    def _timeline_imported(self, result, folder: Path) -> None:
        self.set_project(result.project, None)
        self._imported_from = folder  # saving it, or the next import, starts beside the timeline
        self.statusBar().showMessage(f"Imported {result.project.name}: save it to keep it as a Reelsmith project", 8000)
        if result.left_out:
            self.show_error("Some of the timeline could not come in", "Left out:\n• " + "\n• ".join(result.left_out))

    # --- import ----------------------------------------------------------------------------------

    def choose_media(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(MEDIA_EXTENSIONS))
        paths, _ = QFileDialog.getOpenFileNames(self, "Import media", str(self._dialog_folder()),
                                                f"Video, audio and pictures ({patterns});;All files (*)")
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[str], place: tuple[int, str] | None = None) -> None:
        """Probe files (and folders' media) as jobs; add them to the bin, and to the timeline
        at ``place`` = (frame, track id) when they were dropped there."""
        if self.project is None:
            self.new_project()
        files = expand_media_paths(paths)
        if not files:
            self.show_error("Nothing to import", "No video, audio or image files were found there.")
            return
        batch = _ImportBatch(self, len(files), place)
        self.imports.append(batch)  # signals hold their slots weakly: keep the batch alive
        for index, path in enumerate(files):
            job = self.runner.submit(f"Reading {Path(path).name}", probe, path,
                                     on_result=lambda info, i=index: batch.succeeded(i, info),
                                     on_error=batch.failed)
            job.cancelled.connect(batch.cancelled)

    def add_imported(self, infos: list, place: tuple[int, str] | None) -> None:
        """Add probed media to the bin (and end to end on the timeline): one undo step. Media
        that does not fit where it was dropped still goes into the bin."""
        if not infos:
            return
        refs = [tl.MediaRef.from_info(info) for info in infos]
        if not self.perform(recipes.import_media, refs, place) and place is not None:
            self.perform(recipes.import_media, refs)

    def _drop_on_timeline(self, paths: list[str], frame: int, track_id: str) -> None:
        self.import_files(paths, (frame, track_id))

    def _move_clips(self, moves: dict) -> None:
        self.perform(tl.move_clips, moves)

    def _trim_clip(self, clip_id: str, edge: str, frame: int) -> None:
        self.perform(tl.trim_start if edge == "start" else tl.trim_end, clip_id, frame)

    # --- edits -----------------------------------------------------------------------------------

    def perform(self, op, *args, **kwargs) -> bool:
        """Apply a core edit through the document; an invalid edit is explained, not applied."""
        return self.document.perform(op, *args, **kwargs)

    def _edited(self, change: tl.Change) -> None:
        """Each view redraws what it shows of the change, and only that."""
        if change.media:
            self.bin.set_project(self.project)
        if change.canvas:
            self._show_canvas()
        if self.document.markers != self.timeline.markers:  # an edit moved, split or removed marked clips
            self._markers_changed()
        self.timeline.refresh(change)
        self.preview.project_edited(change)
        self.inspector.project_edited(self.project, change, self.timeline.selected)
        self.project_changed.emit()

    def add_effect(self, clip_ids: list[str], name: str) -> None:
        """Put an effect (or every effect of a look) on clips: one undo step."""
        from desktop.panels.effects_browser import effects_for

        if not self.perform(recipes.add_effects, list(clip_ids), effects_for(name), f"Add {name.split(':')[-1]}"):
            return
        self.timeline.selected = list(clip_ids)
        self._selection_changed(list(clip_ids))
        self._show_effect(clip_ids[0])
        settings = self.inspector.effects.focus_effect(len(self.project.find_clip(clip_ids[0])[1].effects) - 1)
        self.inspector_scroll.ensureWidgetVisible(settings)
        if name == "captions" and len(clip_ids) == 1:  # captions start empty: write or import them now
            _, clip = self.project.find_clip(clip_ids[0])
            self.open_captions_editor(clip.id, len(clip.effects) - 1)
        if name == "background":
            self._find_people(clip_ids)

    def _find_people(self, clip_ids: list[str]):
        """Find the person in every frame of the clips' files now, as a job, so that preview
        plays the background effect without waiting on each second it reaches."""
        from core.vision.matte import mattes_for

        paths = {self.project.media[self.project.find_clip(c)[1].media_id].path for c in clip_ids}
        return [self.runner.submit("Finding the person", mattes_for(path).analyse,
                                   on_error=lambda m: self.show_error("The person could not be found", m))
                for path in sorted(paths)]

    def _show_effect(self, clip_id: str) -> None:
        """Move the playhead to where the effect just added is fully in (a title fading in is
        invisible on its clip's first frame), unless it is already on the clip past that."""
        from core.effects import effect_type, params_at

        _, clip = self.project.find_clip(clip_id)
        effect = clip.effects[-1]
        params = params_at(effect_type(effect["type"]), effect.get("params", {}), 0.0)
        seconds = getattr(params, "start", 0.0) + getattr(params, "transition", 0.0)
        shown = clip.position + round(seconds * self.project.fps)
        if not shown <= self.document.playhead < clip.end:
            self.document.seek(min(shown, clip.end - 1))

    def split_at_playhead(self) -> None:
        """Split the selected clips (or every clip) under the playhead: one undo step."""
        if self.project is None:
            return
        targets = self.timeline.selected or [c.id for _, c in tl.all_clips(self.project)]
        self.perform(recipes.split_clips, targets, self.preview.playhead)

    def add_track_effect(self, track_id: str, name: str) -> None:
        """Add to a track's own stack (over everything below it): one undo step."""
        from desktop.panels.effects_browser import effects_for

        if self.perform(recipes.add_track_effects, track_id, effects_for(name)):
            self.inspector.show_track(self.project, track_id)

    def freeze_at_playhead(self, seconds: float = 2.0) -> None:
        """Hold the frame under the playhead of the selected clip (or the top video clip there)."""
        if self.project is None:
            return
        frame = self.preview.playhead
        under = [c for t, c in reversed(list(tl.all_clips(self.project)))
                 if t.kind != tl.AUDIO_TRACK and c.position <= frame < c.end]
        chosen = [c for c in under if c.id in self.timeline.selected] or under[:1]
        if not chosen:
            self.statusBar().showMessage("Put the playhead on a video clip to freeze a frame of it.", 5000)
            return
        self.perform(tl.freeze_frame, chosen[0].id, frame, seconds)

    def delete_selected(self, ripple: bool) -> None:
        if self.project is not None and self.timeline.selected:
            self.perform(tl.delete_clips, list(self.timeline.selected), ripple=ripple)

    def _selection_changed(self, clip_ids: list[str]) -> None:
        self.inspector.show_clip(self.project, clip_ids[0] if clip_ids else None)

    def _inspector_edit(self, clip_id: str, changes: dict) -> None:
        """A spin box's steps on one field of one clip merge into one undo step."""
        merge_key = ("clip", clip_id, tuple(sorted(changes)))
        if "position" in changes:
            done = self.perform(tl.move_clip, clip_id, changes["position"], merge_key=merge_key)
        else:
            done = self.perform(tl.set_clip_properties, clip_id, merge_key=merge_key, **changes)
        if not done:  # put the field back to what the clip really has
            self.inspector.show_clip(self.project, clip_id)

    def _effects_edit(self, clip_id: str, stack: list[dict]) -> None:
        """The effect editor's new stack for a clip: steps on one setting merge into one undo step."""
        _, clip = self.project.find_clip(clip_id)
        setting = _changed_setting(clip.effects, stack)
        self.perform(tl.set_clip_properties, clip_id, effects=stack,
                     merge_key=("effect", clip_id, setting) if setting else None)

    def _track_effects_edit(self, track_id: str, stack: list[dict]) -> None:
        setting = _changed_setting(self.project.track(track_id).effects, stack)
        self.perform(tl.set_track_effects, track_id, stack,
                     merge_key=("track effect", track_id, setting) if setting else None)

    # --- settings ----------------------------------------------------------------------------------

    RECENT_LIMIT = 8

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: Path) -> None:
        entries = [str(path)] + [p for p in self.recent_projects() if p != str(path)]
        self.settings.setValue("recent", entries[: self.RECENT_LIMIT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_projects():
            action = self.recent_menu.addAction(Path(path).name)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not self.has_unsaved_changes or self._confirm_discard():
            self.open_project(path)

    def _restore_window_state(self) -> None:
        geometry, state = self.settings.value("geometry"), self.settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def _save_window_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()

    # --- autosave and recovery -------------------------------------------------------------------

    def _recovery_path(self) -> Path:
        from core.project_io import recovery_folder

        return recovery_folder() / f"{self.session}{EXTENSION}"

    def autosave(self) -> None:
        """Write unsaved changes to this session's recovery file (never to the project itself)."""
        if not self.has_unsaved_changes:
            return
        try:
            write_recovery(self.project, self.session, self.project_path)
        except ReelsmithError as exc:
            self.statusBar().showMessage(str(exc), 6000)

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave left behind. True if one was opened."""
        pending = pending_recoveries(exclude_session=self.session)
        if not pending:
            return False
        path, original = pending[0]
        name = Path(original).name if original else "an unsaved project"
        answer = QMessageBox.question(
            self, "Recover unsaved work?",
            f"Reelsmith did not close properly last time. Recover the autosaved changes to {name}?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer != QMessageBox.Yes:
            for stale, _ in pending:
                discard_recovery(stale)
            return False
        try:
            project = load_project(path)
        except ReelsmithError as exc:
            self.show_error("The autosave could not be opened", str(exc))
            return False
        self.set_project(project, Path(original) if original else None)
        self.recovered_unsaved = True
        self._update_title()
        for stale, _ in pending:
            discard_recovery(stale)
        self.autosave()  # the recovered state is this session's to protect now
        return True

    # --- assistant ---------------------------------------------------------------------------------

    def open_smart_cut(self):
        from desktop.dialogs.smart_cut_dialog import SmartCutDialog

        if self.project is None:
            return None
        media = self.project.media
        picture = {c.id for t, c in tl.all_clips(self.project)  # footage: not a generated backdrop
                   if t.kind != tl.AUDIO_TRACK and t.name != recipes.BACKDROP_TRACK
                   and media[c.media_id].kind == "video" and not media[c.media_id].offline}
        targets = [c for c in self.timeline.selected if c in picture] or sorted(picture)
        if not targets:
            self.show_error("Nothing to analyse", "Put some video clips on the timeline first: drag them from the Media bin onto it, or "
                            "double-click them there.")
            return None
        dialog = self._open(SmartCutDialog(self.document, targets, self))
        dialog.analyse()  # what the creator came for: no extra click to start it
        return dialog

    def open_short_dialog(self):
        """Make a short of the bin's selection, or of all its footage and pictures."""
        from desktop.dialogs.short_dialog import ShortDialog

        if self.project is None:
            return None
        generated = {c.media_id for t, c in tl.all_clips(self.project) if t.name == recipes.BACKDROP_TRACK}
        usable = [m for m in self.bin.selected_media() or list(self.project.media)
                  if self.project.media[m].kind in ("video", "image") and not self.project.media[m].offline
                  and m not in generated]
        if not usable:
            self.show_error("Nothing to make a short of", "Import some clips first: drop them on the Media bin, "
                            "or use Import media (Ctrl+I).")
            return None
        dialog = ShortDialog(self.document, usable, self)
        dialog.made.connect(self._short_made)
        return self._open(dialog)

    def _short_made(self) -> None:
        self.statusBar().showMessage(
            "Your short is on the timeline: Export (Ctrl+E) is set for its shape. Ctrl+Z brings the old timeline back.",
            15000)

    # --- export ----------------------------------------------------------------------------------

    def open_backdrop_dialog(self):
        from desktop.dialogs.backdrop_dialog import BackdropDialog

        if self.project is None:
            return None
        dialog = BackdropDialog(self.document, self)
        dialog.generated.connect(lambda path: self.statusBar().showMessage(
            f"Added {Path(path).name} on the {recipes.BACKDROP_TRACK} track, under the footage. "
            "Ctrl+Z takes it back; Generate backdrop again for another.", 10000))
        return self._open(dialog)

    def open_music_dialog(self):
        from desktop.dialogs.music_dialog import MusicDialog

        if self.project is None:
            return None
        dialog = MusicDialog(self.document, self)
        dialog.added.connect(lambda path: self.statusBar().showMessage(
            f"Added {Path(path).name} on a new {recipes.MUSIC_TRACK} track. Right-click it to mark its beats; "
            "Ctrl+Z takes it back.", 10000))
        return self._open(dialog)

    def mark_beats(self, clip_id: str) -> None:
        """Find the beats of a music clip (a job) and show them on the ruler."""
        from core.audio.beats import beats_of_file


        _, clip = self.project.find_clip(clip_id)
        path = self.project.media[clip.media_id].path

        def show(report) -> None:
            grid = recipes.BeatGrid.of_clip(self.project, clip, report.beats, report.bpm)
            self.document.set_beats(list(grid.frames) if grid else [])
            self.statusBar().showMessage(f"{report.bpm:.0f} BPM: {len(self.document.beat_markers)} beats marked.", 8000)
            self.beats_marked.emit(report.bpm)

        self.runner.submit("Find the beats", beats_of_file, path, on_result=show,
                           on_error=lambda m: self.show_error("No beat found", m))

    def replace_background(self, clip_id: str | None = None):
        """The person in a clip over a generated backdrop in the clip's colours, in one step:
        a job finds the person in every frame and renders the backdrop, then both land as one
        undo step. Without ``clip_id``: the selected clip, else the one under the playhead."""
        from core.assist.background import prepare_background
        from core.media import probe

        clip_id = clip_id or self._picture_clip_for_action()
        if clip_id is None:
            self.show_error("No clip to work on", "Select the clip with the person in it first.")
            return None
        refusal = recipes.background_refusal(self.project, clip_id)
        if clip_id in self._replacing:  # a second job would make a backdrop only to be refused
            refusal = "This clip's background is being replaced already: see its job at the bottom of the window."
        if refusal:
            self.show_error("Replace background", refusal)
            return None
        _, clip = self.project.find_clip(clip_id)
        media = self.project.media[clip.media_id]

        def land(path) -> None:
            if self.perform(recipes.replace_background, clip_id, tl.MediaRef.from_info(probe(path))):
                self.statusBar().showMessage("Background replaced: change its look in the clip's Effects.", 8000)
                self.background_replaced.emit(clip_id)

        job = self.runner.submit("Replace background", prepare_background, media.path, clip.length / self.project.fps,
                                 (self.project.width, self.project.height), self.project.fps,
                                 self.document.generated_media_folder("backdrops"), on_result=land,
                                 on_error=lambda m: self.show_error("The background could not be replaced", m))
        self._replacing.add(clip_id)
        job.ended.connect(lambda: self._replacing.discard(clip_id))
        return job

    def _picture_clip_for_action(self) -> str | None:
        picked = [c for c in self.timeline.selected if self.project.find_clip(c)[0].kind != tl.AUDIO_TRACK]
        if picked:
            return picked[0]
        for track in reversed(self.project.tracks):  # the top picture at the playhead: what the viewer sees
            clip = next((c for c in track.clips if c.position <= self.document.playhead < c.end), None)
            if track.kind != tl.AUDIO_TRACK and not track.hidden and clip is not None:
                return clip.id
        return None

    def open_train_dialog(self):
        from desktop.dialogs.train_dialog import TrainDialog

        return self._open(TrainDialog(self.document, self))

    def _open(self, dialog):
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        # Keys go to the main window again once the dialog is gone (Ctrl+E after Make a short):
        # a window manager usually sees to that, but not every one does.
        dialog.finished.connect(self.activateWindow)
        dialog.open()
        return dialog

    def caption_speech(self):
        """Captions on the selected clip (else the voice-over's, else the first video on the
        timeline with sound), its editor open and listening: the captions editor's From speech
        in one step. A sound clip's captions show over every picture while it plays."""
        if self.project is None:
            return None
        media = self.project.media
        clips = [(t, c) for t, c in sorted(tl.all_clips(self.project), key=lambda tc: tc[1].position)
                 if c.media_id in media and media[c.media_id].has_audio]
        chosen = ([c for _, c in clips if c.id in self.timeline.selected]
                  or [c for t, c in clips if t.name == recipes.VOICE_OVER_TRACK]
                  or [c for _, c in clips if media[c.media_id].has_video])
        if not chosen:
            self.show_error("Nothing to caption", "Put a video or a recording in which someone speaks on the timeline first.")
            return None
        clip = chosen[0]
        index = next((i for i, e in enumerate(clip.effects) if e.get("type") == "captions"), None)
        added = index is None
        if added:
            if not self.perform(recipes.add_effects, [clip.id], [{"type": "captions", "params": {}}], "Add captions"):
                return None
            index = len(self.project.find_clip(clip.id)[1].effects) - 1
        dialog = self.open_captions_editor(clip.id, index)
        if added:  # cancelled: the empty captions this command put on the clip go again
            dialog.rejected.connect(self._undo_unused_captions)
        dialog.caption_from_speech()
        return dialog

    def _undo_unused_captions(self) -> None:
        if self.undo_stack.undoText() == "Add captions":
            self.undo_stack.undo()

    def open_captions_editor(self, clip_id: str, index: int):
        from desktop.dialogs.captions_dialog import CaptionsDialog

        return self._open(CaptionsDialog(self.document, clip_id, index, self))

    def open_export_dialog(self):
        from desktop.dialogs.export_dialog import ExportDialog

        if self.project is None or self.project.duration_frames == 0:
            self.show_error("Nothing to export", "Add some clips to the timeline first.")
            return None
        dialog = ExportDialog(self.project, self.runner, self._default_export_path(), self)
        dialog.backgrounded.connect(self._export_in_background)
        return self._open(dialog)

    def _export_in_background(self, job) -> None:
        self.statusBar().showMessage("The export goes on; its progress is at the bottom right.", 6000)
        job.succeeded.connect(lambda result: self._exported(result.path))
        job.failed.connect(lambda message: self.show_error("The export failed", message))
        job.cancelled.connect(lambda: self.statusBar().showMessage("Export cancelled; nothing was written.", 8000))

    def _exported(self, path: Path) -> None:
        box = QMessageBox(QMessageBox.Information, "Export finished", f"{path.name} is ready in {path.parent}.",
                          QMessageBox.Ok, self)
        show = box.addButton("Show in folder", QMessageBox.ActionRole)
        show.clicked.connect(lambda: show_in_folder(path))
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.export_finished.emit(str(path))

    def _dialog_folder(self) -> Path:
        """Where file dialogs open: the project's folder, else the folder of the timeline it was
        imported from, else the home folder (never the folder Reelsmith was started from, which
        is often its install folder)."""
        if self.project_path:
            return self.project_path.parent
        return self._imported_from or Path.home()

    def _default_export_path(self) -> Path:
        folder = self._dialog_folder()
        stem = self.project_path.stem if self.project_path else self.project.file_name
        candidate, n = folder / f"{stem}.mp4", 2
        while candidate.exists():
            candidate, n = folder / f"{stem} ({n}).mp4", n + 1
        return candidate

    # --- messages --------------------------------------------------------------------------------

    def show_getting_started(self) -> QMessageBox:
        return self._inform("Getting started", GETTING_STARTED)

    def show_shortcuts(self) -> QMessageBox:
        rows = "".join(f"<tr><td><b>{action.shortcut().toString(QKeySequence.NativeText)}</b></td>"
                       f"<td>{action.text().replace('&', '')}</td></tr>"
                       for action in self.actions_by_name.values() if not action.shortcut().isEmpty())
        return self._inform("Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>")

    def _inform(self, title: str, html: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.NoIcon, title, html, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        return box

    def show_about(self) -> QMessageBox:
        from core import __version__
        from core.paths import data_dir

        box = QMessageBox(QMessageBox.Information, "About Reelsmith",
                          f"<h3>Reelsmith {__version__}</h3>"
                          "<p>The video-editing assistant for short videos: smart cuts, generated "
                          "backdrops and music, effects and captions, export for every platform.</p>"
                          "<p>Everything runs on this computer; nothing is sent anywhere.</p>"
                          f"<p>Your projects' helpers, models and logs: {data_dir()}</p>", QMessageBox.Ok, self)
        box.setIconPixmap(self.windowIcon().pixmap(96, 96))
        box.open()
        return box

    def show_error(self, title: str, text: str) -> None:
        """Tell the user without blocking the window; details are already in the log."""
        log.info("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.error_shown.emit(f"{title}: {text}")

    # --- shutdown --------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self._confirm_stop_jobs() or (self.has_unsaved_changes and not self._confirm_discard()):
            event.ignore()
            return
        self.autosave_timer.stop()
        discard_recovery(self._recovery_path())  # closed on purpose: nothing to recover
        self._save_window_state()
        self.runner.shutdown()
        self.preview.shutdown()
        event.accept()

    def _confirm_stop_jobs(self) -> bool:
        """Quitting would cancel an export or a generation: say so and let the user stay."""
        titles = sorted({job.title.lower() for job in self.runner.precious_jobs})
        if not titles:
            return True
        answer = QMessageBox.question(
            self, "Work in progress", f"Still {' and '.join(titles)}. Quit anyway and stop it?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self, "Unsaved changes", "Save your changes before closing?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard


def _changed_setting(old: list[dict], new: list[dict]) -> tuple[int, str] | None:
    """(effect index, setting) when two stacks differ in that one setting's value only: one
    control being turned. None for any other change: an effect added, removed, moved or
    switched off, or a setting starting or stopping to be animated."""
    if [(e["type"], e.get("enabled", True)) for e in old] != [(e["type"], e.get("enabled", True)) for e in new]:
        return None
    changed = [(i, name, a.get("params", {}).get(name), b.get("params", {}).get(name))
               for i, (a, b) in enumerate(zip(old, new, strict=True))
               for name in {*a.get("params", {}), *b.get("params", {})}
               if a.get("params", {}).get(name) != b.get("params", {}).get(name)]
    if len(changed) != 1 or isinstance(changed[0][2], dict) != isinstance(changed[0][3], dict):
        return None
    return changed[0][:2]

"""Smart cut: find the shots and the dead air in the selected clips, then act on them.

The analysis runs as one job (core.assist.analysis); every action is one core recipe
(core.recipes), so one undo step that is applied whole or refused whole.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import recipes
from core import timeline as tl
from core.assist.analysis import STORYBOARD_WIDTH, MediaAnalysis, analyse_media
from core.assist.dead_air import DeadAirSettings
from core.assist.highlights import build_highlights
from core.assist.reframe import reframe_clips
from desktop.document import Document
from desktop.widgets import storyboard_strip, to_qimage


class SmartCutDialog(QDialog):
    analysed = Signal()
    failed = Signal(str)
    reel_added = Signal()
    reframed = Signal()

    def __init__(self, document: Document, clip_ids: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Smart cut")
        self.setMinimumSize(720, 520)
        self.document, self.clip_ids = document, clip_ids
        self.results: dict[str, MediaAnalysis] | None = None
        self.summary = QLabel(f"{len(clip_ids)} clip(s) to analyse.")
        self.summary.setWordWrap(True)
        self.storyboard = storyboard_strip(QSize(STORYBOARD_WIDTH, STORYBOARD_WIDTH * 9 // 16))
        self.storyboard.setToolTip("One picture per shot: click one to move the playhead there")
        self.storyboard.itemClicked.connect(self._go_to_shot)
        self.found = QListWidget()
        self.found.setToolTip("Proposed cuts: untick any stretch you want to keep")
        self.analyse_button = QPushButton("Find shots and dead air")
        self.analyse_button.clicked.connect(self.analyse)
        self.split_button = QPushButton("Split at shots")
        self.split_button.clicked.connect(self.split_at_shots)
        self.dead_air_button = QPushButton("Remove dead air")
        self.dead_air_button.clicked.connect(self.remove_dead_air)
        for button in (self.split_button, self.dead_air_button):
            button.setEnabled(False)
        # Talk: the pauses between what is said, cut with a chosen padding (jump cuts)
        self.padding = QDoubleSpinBox()
        self.padding.setRange(0.0, 1.0)
        self.padding.setSingleStep(0.05)
        self.padding.setValue(DeadAirSettings().margin)
        self.padding.setSuffix(" s")
        self.padding.setToolTip("How much of the quiet around each phrase stays: less is snappier, more is calmer")
        self.padding.valueChanged.connect(self._list_proposals)
        self.pauses_button = QPushButton("Remove pauses")
        self.pauses_button.setToolTip("Cut where nobody speaks and close the gaps (jump cuts), in one undo step")
        self.pauses_button.clicked.connect(lambda: self._remove_dead_air(None, reasons={"pause"}))
        self.talk_row = QWidget()
        talk = QHBoxLayout(self.talk_row)
        talk.setContentsMargins(0, 0, 0, 0)
        talk.addWidget(QLabel("Someone talks: keep"))
        talk.addWidget(self.padding)
        talk.addWidget(QLabel("around speech"))
        talk.addWidget(self.pauses_button)
        talk.addStretch(1)
        self.talk_row.setVisible(False)
        self.reel_seconds = QDoubleSpinBox()
        self.reel_seconds.setRange(3, 600)
        footage = sum(c.length for c in self._clips()) / document.project.fps
        self.reel_seconds.setValue(min(15.0, max(3.0, footage)))  # a short: 15 s, or all there is
        self.reel_seconds.setSuffix(" s")
        self.beat_source = QComboBox()
        self.beat_source.addItem("cut freely", None)
        for media in document.project.media.values():
            if media.kind == "audio" and not media.offline:
                self.beat_source.addItem(f"cut to the beat of {Path(media.path).name}", media.path)
        if self.beat_source.count() == 1:  # say the option exists, and how to get it
            self.beat_source.addItem("cut to the beat (add music first: Generate music)")
            self.beat_source.model().item(1).setEnabled(False)
        self.beat_source.setToolTip("Every cut of the reel lands on a beat of this music, which plays under it")
        self.reel_button = QPushButton("Build highlight reel")
        self.reel_button.setToolTip("The best moments of these clips take their place on the timeline (undoable)")
        self.reel_button.clicked.connect(self.build_reel)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.analyse_button, self.split_button, self.dead_air_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.reframe_button = QPushButton("Reframe for this canvas")
        self.reframe_button.setToolTip("Fill the canvas and follow faces or the moving subject")
        self.reframe_button.clicked.connect(self.reframe)
        reel = QHBoxLayout()
        reel.addWidget(QLabel("Highlight reel of"))
        reel.addWidget(self.reel_seconds)
        reel.addWidget(self.beat_source)
        reel.addWidget(self.reel_button)
        reel.addStretch(1)
        reel.addWidget(self.reframe_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Storyboard"))
        layout.addWidget(self.storyboard)
        layout.addWidget(QLabel("Dead air to remove (untick what you want to keep)"))
        layout.addWidget(self.found, 1)
        layout.addWidget(self.talk_row)
        layout.addLayout(reel)
        layout.addLayout(buttons)

    def _clips(self) -> list[tl.Clip]:
        return [c for _, c in tl.all_clips(self.document.project) if c.id in self.clip_ids]

    def _path(self, clip: tl.Clip) -> str:
        return self.document.project.media[clip.media_id].path

    def analyse(self) -> None:
        paths = sorted({self._path(c) for c in self._clips()})
        self.analyse_button.setEnabled(False)
        self.summary.setText("Analysing…")
        job = self.document.runner.submit("Smart cut", analyse_media, paths,
                                          on_result=self._show, on_error=self._failed)
        job.cancelled.connect(self._analysis_cancelled)  # a method: gone with the dialog, unlike a lambda

    def _analysis_cancelled(self) -> None:
        self.analyse_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self.summary.setText(message)
        self.analyse_button.setEnabled(True)
        self.failed.emit(message)

    def _show(self, results: dict[str, MediaAnalysis]) -> None:
        self.results = results
        self.storyboard.clear()
        self.found.clear()
        fps = self.document.project.fps
        clips = sorted(self._clips(), key=lambda c: c.position)
        found_cuts = {c.id: sorted({float(t) for t in results[self._path(c)].cut_times}) for c in clips}
        if any(c.markers != found_cuts[c.id] for c in clips):  # analysing again marks nothing new
            self.document.perform(tl.mark_shots, found_cuts)
        markers = [f for c in self._clips() for f in c.marker_frames(fps)]
        for clip in clips:
            found = results[self._path(clip)]
            name = Path(found.path).name
            for keyframe in found.keyframes:
                frame = clip.frame_of(keyframe.seconds, fps)
                if clip.position <= frame < clip.end:
                    item = QListWidgetItem(QIcon(QPixmap.fromImage(to_qimage(keyframe.picture))),
                                           f"{name}\nat {keyframe.seconds:.1f} s")  # its picture: not a length
                    item.setData(Qt.UserRole, frame)
                    self.storyboard.addItem(item)
        proposals = self._list_proposals()
        self.summary.setText(f"Found {self.storyboard.count()} shot(s), {len(markers)} change(s) of shot "
                             f"and {proposals} stretch(es) of dead air.")
        self.split_button.setEnabled(bool(markers))
        self.analyse_button.setEnabled(True)
        self._keyframe_thumbnails(results)
        self.analysed.emit()

    def _list_proposals(self) -> int:
        """List the dead air of the analysed files, the pauses in talk cut with the chosen
        padding; returns how many stretches there are."""
        from core.assist.dead_air import is_talk, pauses
        from core.media import probe_cached

        self.found.clear()
        padding = DeadAirSettings(margin=self.padding.value())
        proposals, talk = set(), False
        for path in {self._path(c) for c in self._clips()}:
            found = self.results[path]
            duration = float(probe_cached(path).duration or 0.0)
            talk |= is_talk(found.speech, duration)
            stretches = [d for d in found.dead_air if d.reason != "pause"]
            if is_talk(found.speech, duration):
                stretches += pauses(found.speech, duration, padding)
            proposals.update((path, stretch) for stretch in stretches)
        for path, stretch in sorted(proposals, key=lambda p: (p[0], p[1].start, p[1].end)):
            item = QListWidgetItem(f"{stretch.reason}: {stretch.start:.2f}–{stretch.end:.2f} s "
                                   f"({stretch.duration:.1f} s) in {Path(path).name}")
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            item.setData(Qt.UserRole, (path, stretch.start, stretch.end, stretch.reason))
            self.found.addItem(item)
        self.talk_row.setVisible(talk)
        self.pauses_button.setEnabled(any(s.reason == "pause" for _, s in proposals))
        self.dead_air_button.setEnabled(bool(proposals))
        return len(proposals)

    def _keyframe_thumbnails(self, results: dict[str, MediaAnalysis]) -> None:
        """The bin shows each analysed file by its poster keyframe: a sharp, typical, lit
        picture rather than whatever the first second happens to show."""
        for media in self.document.project.media.values():
            found = results.get(media.path)
            if found and found.poster:
                self.document.set_thumbnail(media.id, found.poster.picture)

    def _go_to_shot(self, item: QListWidgetItem) -> None:
        self.document.seek(item.data(Qt.UserRole))

    def accepted_dead_air(self, reasons: set[str] | None = None) -> dict[str, list[tuple[float, float]]]:
        """The proposed stretches still ticked (of these ``reasons``, or all), by file."""
        chosen: dict[str, list[tuple[float, float]]] = {}
        for row in range(self.found.count()):
            item = self.found.item(row)
            path, start, end, reason = item.data(Qt.UserRole)
            if item.checkState() == Qt.Checked and (reasons is None or reason in reasons):
                chosen.setdefault(path, []).append((start, end))
        return chosen

    def split_at_shots(self) -> None:
        """Split every analysed clip where its shots change: one undo step."""
        cuts = {c.id: self.results[self._path(c)].cut_times for c in self._clips()}
        self.document.perform(recipes.split_at_times, cuts)

    def remove_dead_air(self) -> None:
        """Remove the ticked dead air; cut to the beat of the chosen music when there is one
        (its beats are found as a job first)."""
        music = self.beat_source.currentData()
        if music is None:
            self._remove_dead_air(None)
            return
        from core.audio.beats import beats_of_file

        self.dead_air_button.setEnabled(False)
        self._beat_music = music
        self.document.runner.submit("Find the beats", beats_of_file, music, on_result=self._beats_found,
                                    on_error=self._failed)

    def _beats_found(self, report) -> None:  # a method: if the dialog is closed first, Qt drops the call
        self._remove_dead_air(self._beat_grid(self._beat_music, report))

    def _beat_grid(self, music: str, report) -> recipes.BeatGrid | None:
        """The music's beats where its first clip plays them on the timeline."""
        project = self.document.project
        clip = next((c for _, c in tl.all_clips(project) if project.media[c.media_id].path == music), None)
        return None if clip is None else recipes.BeatGrid.of_clip(project, clip, report.beats, report.bpm)

    def _remove_dead_air(self, beats: recipes.BeatGrid | None, reasons: set[str] | None = None) -> None:
        """Cut the ticked stretches (of these ``reasons``, or all) out of the analysed clips and
        close the gaps: one undo step."""
        self.dead_air_button.setEnabled(True)
        chosen = self.accepted_dead_air(reasons)
        ranges = {c.id: chosen[self._path(c)] for c in self._clips() if self._path(c) in chosen}
        self.document.perform(recipes.remove_ranges, ranges, snap_to=beats)

    def build_reel(self) -> None:
        project = self.document.project
        paths = list(dict.fromkeys(self._path(c) for c in sorted(self._clips(), key=lambda c: c.position)))
        self.reel_button.setEnabled(False)
        self.summary.setText("Building the highlight reel…")
        self.document.runner.submit(
            "Highlight reel", build_highlights, paths, self.reel_seconds.value(),
            width=project.width, height=project.height, fps=project.fps, music=self.beat_source.currentData(),
            on_result=self._use_reel, on_error=self._reel_failed)

    def _reel_failed(self, message: str) -> None:
        self.reel_button.setEnabled(True)
        self._failed(message)

    def _use_reel(self, reel: tl.Project) -> None:
        """The reel becomes the edit in place of the analysed clips: one undo step."""
        self.reel_button.setEnabled(True)
        project = self.document.project
        before = {c.id for _, c in tl.all_clips(project)}
        if not self.document.perform(recipes.replace_with_reel, reel, self.clip_ids):
            self.summary.setText("The highlight reel could not be made the edit; the timeline is unchanged.")
            return
        # From now on the dialog acts on the reel's pieces (reframing them, say).
        self.clip_ids = [c.id for t, c in tl.all_clips(project)
                         if c.id not in before and t.kind != tl.AUDIO_TRACK]
        self.summary.setText(f"The timeline is now a {reel.duration_frames / reel.fps:.1f} s highlight reel "
                             "(Ctrl+Z brings the original clips back).")
        self.reel_added.emit()

    def reframe(self) -> None:
        fps = self.document.project.fps
        clips = [(c.id, self._path(c), c.source_in, c.source_out(fps)) for c in self._clips()]
        self.reframe_button.setEnabled(False)
        self.summary.setText("Following the subjects…")
        self.document.runner.submit("Reframe", reframe_clips, clips, on_result=self._apply_reframe,
                                    on_error=self._reframe_failed)

    def _reframe_failed(self, message: str) -> None:
        self.reframe_button.setEnabled(True)
        self._failed(message)

    def _apply_reframe(self, framing: tuple[dict[str, list], dict[str, float]]) -> None:
        """Fill the canvas and follow the subject, for every clip: one undo step."""
        keys_by_clip, faces_by_clip = framing
        self.reframe_button.setEnabled(True)
        if self.document.perform(recipes.apply_reframe, keys_by_clip, faces_by_clip):
            project = self.document.project
            fits = [project.find_clip(clip_id)[1].fit for clip_id in keys_by_clip]
            whole = len(fits) - fits.count("fill")
            text = f"Reframed {len(fits) - whole} clip(s) to follow their subjects."
            if whole:
                under = "the backdrop" if "fit" in fits else "a blurred copy of itself"
                text += (f" {whole} clip(s) had no subject to follow or were too small to fill the frame: "
                         f"shown whole over {under} instead.")
            self.summary.setText(text)
            self.reframed.emit()

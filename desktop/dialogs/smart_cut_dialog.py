"""Smart cut: find the shots and the dead air in the selected clips, then act on them.

The analysis runs as one job; every action is one undo step (a macro of core edits).
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
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from core import timeline as tl
from core.media import pictures_at, probe_cached
from core.scenes import detect_scenes
from core.smartcut import auto_reframe, build_highlights, find_silences, find_still_picture
from desktop.panels.preview import to_qimage

STORYBOARD_WIDTH = 160


def analyse_media(paths: list[str], *, progress=None, cancel=None) -> dict[str, dict]:
    """What smart cut proposes for each file: its changes of shot, a keyframe thumbnail per shot
    for the storyboard, and its dead air (silence, black or frozen picture), as
    {path: {"cuts": [seconds], "kinds": [kind], "keyframes": [(seconds, picture)],
    "dead_air": [(start, end, reason)]}}."""
    from core.jobs import sub_progress

    found = {}
    for i, path in enumerate(paths):
        share = sub_progress(progress, i / len(paths), (i + 1) / len(paths))
        info = probe_cached(path)
        scenes = detect_scenes(info, progress=sub_progress(share, 0.0, 0.8), cancel=cancel)
        pictures = pictures_at(info, scenes.keyframes, STORYBOARD_WIDTH)  # side by side, not one seek at a time
        keyframes = [(float(info.frame_times[k]), picture) for k, picture in zip(scenes.keyframes, pictures, strict=True)]
        dead_air = find_still_picture(info, scenes=scenes)  # from the same pass: no second decode
        if info.has_audio:
            dead_air += find_silences(info, cancel=cancel)
        found[path] = {"cuts": [t.time for t in scenes.transitions],
                       "kinds": [t.kind for t in scenes.transitions],
                       "keyframes": keyframes,
                       "dead_air": [(d.start, d.end, d.reason) for d in sorted(dead_air, key=lambda d: d.start)]}
    return found


def timeline_frame(clip: tl.Clip, seconds: float, fps: float) -> int:
    """The timeline frame showing ``seconds`` of the clip's media."""
    return clip.position + int(round((seconds - clip.source_in) * fps / clip.speed))


class SmartCutDialog(QDialog):
    analysed = Signal()
    failed = Signal(str)
    reel_added = Signal()
    reframed = Signal()

    def __init__(self, window, clip_ids: list[str]):
        super().__init__(window)
        self.setWindowTitle("Smart cut")
        self.setMinimumSize(720, 520)
        self.window_, self.clip_ids = window, clip_ids
        self.results: dict[str, dict] | None = None
        self.summary = QLabel(f"{len(clip_ids)} clip(s) to analyse.")
        self.summary.setWordWrap(True)
        self.storyboard = QListWidget()
        self.storyboard.setViewMode(QListView.IconMode)
        self.storyboard.setFlow(QListView.LeftToRight)
        self.storyboard.setWrapping(False)
        self.storyboard.setIconSize(QSize(STORYBOARD_WIDTH, STORYBOARD_WIDTH * 9 // 16))
        self.storyboard.setFixedHeight(STORYBOARD_WIDTH * 9 // 16 + 56)
        self.storyboard.setMovement(QListView.Static)
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
        self.reel_seconds = QDoubleSpinBox()
        self.reel_seconds.setRange(3, 600)
        self.reel_seconds.setValue(30)
        self.reel_seconds.setSuffix(" s")
        self.beat_source = QComboBox()
        self.beat_source.addItem("cut freely", None)
        for media in window.project.media.values():
            if media.kind == "audio" and not media.offline:
                self.beat_source.addItem(f"cut to the beat of {Path(media.path).name}", media.path)
        self.beat_source.setToolTip("Every cut of the reel lands on a beat of this music, which plays under it")
        self.reel_button = QPushButton("Build highlight reel")
        self.reel_button.setToolTip("The best moments of these clips, appended after the end of the timeline")
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
        layout.addLayout(reel)
        layout.addLayout(buttons)

    def _clips(self) -> list[tl.Clip]:
        project = self.window_.project
        return [c for t in project.tracks for c in t.clips if c.id in self.clip_ids]

    def analyse(self) -> None:
        project = self.window_.project
        paths = sorted({project.media[c.media_id].path for c in self._clips()})
        self.analyse_button.setEnabled(False)
        self.summary.setText("Analysing…")
        job = self.window_.runner.submit("Smart cut", analyse_media, paths,
                                         on_result=self._show, on_error=self._failed)
        job.cancelled.connect(lambda: self.analyse_button.setEnabled(True))

    def _failed(self, message: str) -> None:
        self.summary.setText(message)
        self.analyse_button.setEnabled(True)
        self.failed.emit(message)

    def _show(self, results: dict[str, dict]) -> None:
        self.results = results
        self.storyboard.clear()
        self.found.clear()
        fps = self.window_.project.fps
        markers, proposals = [], set()
        for clip in sorted(self._clips(), key=lambda c: c.position):
            path = self.window_.project.media[clip.media_id].path
            found, name = results[path], Path(path).name
            for seconds in found["cuts"]:
                frame = timeline_frame(clip, seconds, fps)
                if clip.position < frame < clip.end:
                    markers.append(frame)
            for seconds, picture in found["keyframes"]:
                frame = timeline_frame(clip, seconds, fps)
                if clip.position <= frame < clip.end:
                    item = QListWidgetItem(QIcon(QPixmap.fromImage(to_qimage(picture))), f"{name}\n{seconds:.1f} s")
                    item.setData(Qt.UserRole, frame)
                    self.storyboard.addItem(item)
            proposals.update((path, *stretch) for stretch in found["dead_air"])
        for path, start, end, reason in sorted(proposals):
            item = QListWidgetItem(f"{reason}: {start:.2f}–{end:.2f} s ({end - start:.1f} s) in {Path(path).name}")
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            item.setData(Qt.UserRole, (path, start, end))
            self.found.addItem(item)
        self.window_.timeline.markers = sorted(markers)
        self.window_.timeline.update()
        self.summary.setText(f"Found {self.storyboard.count()} shot(s), {len(markers)} change(s) of shot "
                             f"and {len(proposals)} stretch(es) of dead air.")
        self.split_button.setEnabled(bool(markers))
        self.dead_air_button.setEnabled(bool(proposals))
        self.analyse_button.setEnabled(True)
        self._keyframe_thumbnails(results)
        self.analysed.emit()

    def _keyframe_thumbnails(self, results: dict[str, dict]) -> None:
        """The bin shows each analysed file by its first shot's keyframe: a sharp, typical
        picture rather than whatever the first second happens to show."""
        window = self.window_
        for media in window.project.media.values():
            found = results.get(media.path)
            if found and found["keyframes"]:
                pixmap = QPixmap.fromImage(to_qimage(found["keyframes"][0][1]))
                window.bin.set_thumbnail(media.id, pixmap)
                window.timeline.thumbnails[media.id] = pixmap

    def _go_to_shot(self, item: QListWidgetItem) -> None:
        self.window_.preview.seek(item.data(Qt.UserRole))

    def accepted_dead_air(self) -> dict[str, list[tuple[float, float]]]:
        """The proposed stretches still ticked, by file."""
        chosen: dict[str, list[tuple[float, float]]] = {}
        for row in range(self.found.count()):
            item = self.found.item(row)
            if item.checkState() == Qt.Checked:
                path, start, end = item.data(Qt.UserRole)
                chosen.setdefault(path, []).append((start, end))
        return chosen

    def split_at_shots(self) -> None:
        """Split every analysed clip where its shots change: one undo step."""
        window = self.window_
        window.undo_stack.beginMacro("Split at shots")
        try:
            for clip in self._clips():
                found = self.results[window.project.media[clip.media_id].path]
                for seconds in sorted(found["cuts"], reverse=True):  # right to left: ids stay put
                    frame = timeline_frame(clip, seconds, window.project.fps)
                    if clip.position < frame < clip.end:
                        window.perform(tl.split_clip, clip.id, frame)
        finally:
            window.undo_stack.endMacro()

    def remove_dead_air(self) -> None:
        """Remove the ticked dead air; cut to the beat of the chosen music when there is one
        (its beats are found as a job first)."""
        music = self.beat_source.currentData()
        if music is None:
            self._remove_dead_air(None)
            return
        from core.audio.beats import beats_of_file

        self.dead_air_button.setEnabled(False)
        self.window_.runner.submit("Find the beats", beats_of_file, music,
                                   on_result=lambda report: self._remove_dead_air(self._beat_frames(music, report)),
                                   on_error=self._failed)

    def _beat_frames(self, music: str, report) -> tuple[list[int], float] | None:
        """The music's beats as timeline frames (where its first clip plays them) and the period."""
        project = self.window_.project
        clip = next((c for t in project.tracks for c in t.clips if project.media[c.media_id].path == music), None)
        if clip is None or report.bpm <= 0:
            return None
        frames = [timeline_frame(clip, b, project.fps) for b in report.beats]
        return [f for f in frames if clip.position <= f < clip.end], 60 / report.bpm * project.fps

    def _remove_dead_air(self, beats: tuple[list[int], float] | None) -> None:
        """Cut the ticked stretches of dead air out of the analysed clips and close the gaps:
        one undo step. Overlapping stretches (a silence over a black picture) merge naturally:
        the later one is gone before the earlier one is cut. With ``beats``, each cut starts on a
        beat and removes whole beats, so everything after it stays on the music's grid."""
        self.dead_air_button.setEnabled(True)
        window = self.window_
        fps = window.project.fps
        chosen = self.accepted_dead_air()
        window.undo_stack.beginMacro("Remove dead air")
        try:
            for clip in self._clips():
                track, _ = window.project.find_clip(clip.id)
                stretches = chosen.get(window.project.media[clip.media_id].path, [])
                for start, end in sorted(stretches, reverse=True):  # later ones first
                    _, current = window.project.find_clip(clip.id)
                    first = max(current.position, timeline_frame(current, start, fps))
                    last = min(current.end, timeline_frame(current, end, fps))
                    if beats is not None:
                        first, last = _on_the_beat(first, last, *beats)
                    if last - first < 1:
                        continue
                    if last < current.end:
                        window.perform(tl.split_clip, clip.id, last)
                    if first > current.position:
                        window.perform(tl.split_clip, clip.id, first)
                    silent = next(c for c in window.project.track(track.id).clips if c.position == first)
                    window.perform(tl.ripple_delete, [silent.id])
        finally:
            window.undo_stack.endMacro()

    def build_reel(self) -> None:
        project = self.window_.project
        paths = sorted({project.media[c.media_id].path for c in self._clips()})
        self.reel_button.setEnabled(False)
        self.summary.setText("Building the highlight reel…")
        self.window_.runner.submit(
            "Highlight reel", build_highlights, paths, self.reel_seconds.value(),
            width=project.width, height=project.height, fps=project.fps, music=self.beat_source.currentData(),
            on_result=self._append_reel, on_error=self._reel_failed)

    def _reel_failed(self, message: str) -> None:
        self.reel_button.setEnabled(True)
        self._failed(message)

    def _append_reel(self, reel: tl.Project) -> None:
        """Put the reel's clips after the end of the timeline's first video track: one undo step."""
        window, project = self.window_, self.window_.project
        track = project.tracks_of_kind(tl.VIDEO_TRACK)[0]
        by_path = {m.path: m.id for m in project.media.values()}
        offset = track.end
        window.undo_stack.beginMacro("Add highlight reel")
        try:
            placed = {}
            music = [c for t in reel.tracks_of_kind(tl.AUDIO_TRACK) for c in t.clips]
            if music:  # the beat-cut reel's music, starting with it, on a track of its own
                window.perform(tl.add_track, tl.AUDIO_TRACK, "Reel music")
                music_track = window.project.tracks[-1]
            for clip, target in [*((c, track) for c in reel.tracks[0].clips), *((c, music_track) for c in music)]:
                path = reel.media[clip.media_id].path
                if path not in by_path:
                    media = tl.MediaRef(**{**vars(reel.media[clip.media_id]), "id": tl.new_id()})
                    window.perform(tl.add_media, media)
                    by_path[path] = media.id
                piece = tl.Clip(tl.new_id(), by_path[path], offset + clip.position, clip.length, clip.source_in, clip.speed)
                if window.perform(tl.add_clip, target.id, piece):
                    placed[clip.id] = piece.id
            for tr in reel.tracks[0].transitions:
                if tr.from_clip in placed and tr.to_clip in placed:
                    window.perform(tl.add_transition, placed[tr.from_clip], placed[tr.to_clip], tr.kind, tr.length)
        finally:
            window.undo_stack.endMacro()
        self.reel_button.setEnabled(True)
        self.summary.setText(f"Added a {reel.duration_frames / reel.fps:.1f} s highlight reel after the end of the timeline.")
        self.reel_added.emit()

    def reframe(self) -> None:
        clips = [(c.id, self.window_.project.media[c.media_id].path, c.source_in,
                  c.source_out(self.window_.project.fps)) for c in self._clips()]
        self.reframe_button.setEnabled(False)
        self.summary.setText("Following the subjects…")
        self.window_.runner.submit("Reframe", _reframe_all, clips, on_result=self._apply_reframe,
                                   on_error=self._reframe_failed)

    def _reframe_failed(self, message: str) -> None:
        self.reframe_button.setEnabled(True)
        self._failed(message)

    def _apply_reframe(self, keys_by_clip: dict[str, list]) -> None:
        """Fill the canvas and follow the subject, for every clip: one undo step."""
        window = self.window_
        window.undo_stack.beginMacro("Auto-reframe")
        try:
            for clip_id, keys in keys_by_clip.items():
                window.perform(tl.set_clip_properties, clip_id, fit="fill", pan_x=0.0, reframe=keys)
        finally:
            window.undo_stack.endMacro()
        self.reframe_button.setEnabled(True)
        self.summary.setText(f"Reframed {len(keys_by_clip)} clip(s) to follow their subjects.")
        self.reframed.emit()


def _on_the_beat(first: int, last: int, beats: list[int], period: float) -> tuple[int, int]:
    """The stretch shrunk to start on a beat and last whole beats (empty when none fits)."""
    start = next((b for b in beats if first <= b < last), None)
    if start is None or period <= 0:
        return first, first
    whole = int((last - start) // period)
    return start, start + int(round(whole * period))


def _reframe_all(clips: list[tuple[str, str, float, float]], *, progress=None, cancel=None) -> dict[str, list]:
    from core.jobs import sub_progress

    return {clip_id: auto_reframe(path, start, end, cancel=cancel,
                                  progress=sub_progress(progress, i / len(clips), (i + 1) / len(clips)))
            for i, (clip_id, path, start, end) in enumerate(clips)}

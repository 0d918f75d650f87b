from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from core import timeline as tl
from core.errors import EditError
from core.project_io import project_to_dict


def make_project() -> tuple[tl.Project, dict[str, str]]:
    """A 30 fps project with a 10 s video (with sound), a 4 s music file and a still."""
    project = tl.Project.new("720p", fps=30)
    media = {
        "video": tl.MediaRef("m-video", "/footage/a.mp4", "video", 10.0, has_audio=True, width=1280, height=720, fps=30),
        "music": tl.MediaRef("m-music", "/footage/b.wav", "audio", 4.0, has_video=False, has_audio=True),
        "still": tl.MediaRef("m-still", "/footage/c.png", "image", None),
    }
    for ref in media.values():
        tl.add_media(project, ref)
    return project, {k: v.id for k, v in media.items()}


def state(project: tl.Project) -> dict:
    return project_to_dict(project, "/")


def test_canvas_presets():
    assert {name: (w, h) for name, (w, h, _label) in tl.CANVASES.items()} == {
        "1080p": (1920, 1080),
        "vertical": (1080, 1920),
        "square": (1080, 1080),
        "720p": (1280, 720),
    }
    project = tl.Project.new("vertical", fps=25)
    assert (project.width, project.height, project.fps, project.sample_rate) == (1080, 1920, 25, 48000)
    assert [t.kind for t in project.tracks] == ["video", "overlay", "audio"]
    with pytest.raises(EditError, match="Unknown canvas"):
        tl.Project.new("cinema")


def test_make_clip_spans_whole_frames():
    project, m = make_project()
    clip = tl.make_clip(project, m["video"], 0, 0.01, 1.0)
    assert clip.length == 29  # 0.99 s at 30 fps, rounded down to whole frames
    assert clip.source_out(30) == pytest.approx(0.01 + 29 / 30)


def test_shot_markers_ride_on_their_clips_through_edits_undo_and_saving():
    from core.project_io import project_from_dict

    project, m = make_project()
    video = project.tracks[0]
    first, second = tl.make_clip(project, m["video"], 0, 0.0, 2.0), tl.make_clip(project, m["video"], 60, 4.0, 8.0)
    tl.add_clip(project, video.id, first)
    tl.add_clip(project, video.id, second)
    marking = tl.mark_shots(project, {second.id: [5.0, 9.5]})  # 9.5 s is past the clip's out-point
    assert project.markers == [90]
    ripple = tl.ripple_delete(project, [first.id])
    assert project.markers == [30]  # moved with its clip
    ripple.undo(project)
    assert project.markers == [90]
    marking.undo(project)
    assert project.markers == []
    marking.redo(project)
    saved = project_to_dict(project, "/")
    assert project_from_dict(saved, "/").markers == [90]
    tl.split_clip(project, second.id, 90)
    assert project.markers == []  # the change of shot is now a cut between clips
    # A project saved while markers were timeline frames: each joins the clip showing it.
    saved["project"]["tracks"][0]["clips"][1].pop("markers")
    saved["project"]["markers"] = [75, 500]  # 500: no clip there, so nothing to mark
    legacy = project_from_dict(saved, "/")
    assert legacy.markers == [75] and legacy.tracks[0].clips[1].markers == [pytest.approx(4.5)]


def test_add_move_trim_split_delete_and_undo():
    project, m = make_project()
    video = project.tracks[0]
    history = tl.History(project)
    clip = tl.make_clip(project, m["video"], 0, 0.0, 4.0)
    history.do(tl.add_clip, video.id, clip)
    assert [c.length for c in video.clips] == [120]

    history.do(tl.move_clip, clip.id, 30)
    assert video.clips[0].position == 30

    history.do(tl.trim_start, clip.id, 60)  # drop the first second
    assert (video.clips[0].position, video.clips[0].length) == (60, 90)
    assert video.clips[0].source_in == pytest.approx(1.0)

    history.do(tl.trim_end, clip.id, 120)
    assert video.clips[0].end == 120

    history.do(tl.split_clip, clip.id, 90)
    left, right = video.clips
    assert (left.position, left.length, right.position, right.length) == (60, 30, 90, 30)
    assert right.source_in == pytest.approx(2.0)
    assert left.source_out(30) == pytest.approx(right.source_in)

    history.do(tl.ripple_delete, [left.id])
    assert [(c.id, c.position) for c in video.clips] == [(right.id, 60)]

    for _ in range(6):
        assert history.undo()
    assert video.clips == []
    assert not history.undo()
    for _ in range(6):
        assert history.redo()
    assert [(c.id, c.position, c.length) for c in video.clips] == [(right.id, 60, 30)]


def test_an_untitled_project_is_named_after_its_first_clip_for_files():
    project, m = make_project()
    assert project.file_name == "Untitled"  # nothing on it yet
    video, overlay = project.tracks[0].id, project.tracks[1].id
    tl.add_clip(project, overlay, tl.make_clip(project, m["still"], 0, 0, 1))
    assert project.file_name == "c edit"  # the only clip
    tl.add_clip(project, video, tl.make_clip(project, m["video"], 30, 0, 1))
    assert project.file_name == "a edit"  # the footage, not a logo over it
    tl.add_track(project, tl.VIDEO_TRACK, "Backdrop", 0)  # below the footage, as a generated backdrop lies
    below = project.tracks[0].id
    backdrop = tl.MediaRef("m-backdrop", "/footage/backdrop-seed0.mp4", "video", 10.0, width=1280, height=720, fps=30)
    tl.add_media(project, backdrop)
    tl.add_clip(project, below, tl.make_clip(project, backdrop.id, 30, 0, 1))
    assert project.file_name == "a edit"  # of clips side by side, the one on top
    project.name = "Weekend"
    assert project.file_name == "Weekend"


def test_overlaps_are_refused_and_leave_project_untouched():
    project, m = make_project()
    video = project.tracks[0].id
    tl.add_clip(project, video, tl.make_clip(project, m["video"], 0, 0, 2))
    second = tl.make_clip(project, m["video"], 60, 2, 4)
    tl.add_clip(project, video, second)
    before = state(project)
    with pytest.raises(EditError, match="overlap"):
        tl.add_clip(project, video, tl.make_clip(project, m["video"], 30, 0, 1))
    with pytest.raises(EditError, match="overlap"):
        tl.move_clip(project, second.id, 59)
    with pytest.raises(EditError, match="overlap"):
        tl.trim_start(project, second.id, 50)
    assert state(project) == before


def test_source_range_is_checked_against_media():
    project, m = make_project()
    video = project.tracks[0].id
    clip = tl.make_clip(project, m["video"], 0, 8.0, 10.0)
    tl.add_clip(project, video, clip)
    with pytest.raises(EditError, match="past the end"):
        tl.trim_end(project, clip.id, clip.end + 10)
    with pytest.raises(EditError, match="before the beginning of its media"):
        tl.set_clip_properties(project, clip.id, source_in=-1.0)
    with pytest.raises(EditError, match="nothing of the clip"):
        tl.trim_end(project, clip.id, clip.position)
    still = tl.make_clip(project, m["still"], 0, 0.0, 3.0)
    tl.add_clip(project, project.tracks[1].id, still)
    tl.trim_end(project, still.id, 30 * 600)  # stills can be as long as you like


def test_track_kind_rules():
    project, m = make_project()
    video, _, audio = (t.id for t in project.tracks)
    with pytest.raises(EditError, match="no picture"):
        tl.add_clip(project, video, tl.make_clip(project, m["music"], 0))
    with pytest.raises(EditError, match="no sound"):
        tl.add_clip(project, audio, tl.make_clip(project, m["still"], 0, 0, 2))
    tl.add_clip(project, audio, tl.make_clip(project, m["video"], 0))  # a video's sound is fine


def test_move_to_another_track_and_back_by_undo():
    project, m = make_project()
    video, overlay, _ = project.tracks
    clip = tl.make_clip(project, m["video"], 0, 0, 2)
    tl.add_clip(project, video.id, clip)
    edit = tl.move_clip(project, clip.id, 15, overlay.id)
    assert video.clips == [] and overlay.clips[0].position == 15
    edit.undo(project)
    assert overlay.clips == [] and video.clips[0].position == 0


def test_transitions_follow_their_clips():
    project, m = make_project()
    video = project.tracks[0]
    a = tl.make_clip(project, m["video"], 0, 0, 2)
    b = tl.make_clip(project, m["video"], 60, 2, 4)
    tl.add_clip(project, video.id, a)
    tl.add_clip(project, video.id, b)
    tl.add_transition(project, a.id, b.id, "crossfade", 12)
    assert video.transitions[0].length == 12
    with pytest.raises(EditError, match="longer than either"):
        tl.add_transition(project, a.id, b.id, "wipe", 61)
    with pytest.raises(EditError, match="Unknown transition"):
        tl.add_transition(project, a.id, b.id, "spin", 5)
    tl.split_clip(project, b.id, 90)
    assert len(video.transitions) == 1  # the transition into b stays with its left part
    edit = tl.move_clip(project, b.id, 200)
    assert video.transitions == []  # no longer touching: the transition goes
    edit.undo(project)
    assert len(video.transitions) == 1


def test_speed_change_keeps_source_range():
    project, m = make_project()
    video = project.tracks[0]
    clip = tl.make_clip(project, m["video"], 0, 0, 4)
    tl.add_clip(project, video.id, clip)
    tl.set_clip_properties(project, clip.id, speed=2.0)
    assert video.clips[0].length == 60
    assert video.clips[0].source_out(30) == pytest.approx(4.0)
    with pytest.raises(EditError, match="no property"):
        tl.set_clip_properties(project, clip.id, colour="red")


def test_remove_media_in_use_is_refused():
    project, m = make_project()
    tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, m["video"], 0))
    with pytest.raises(EditError, match="used on the timeline"):
        tl.remove_media(project, m["video"])
    edit = tl.remove_media(project, m["music"])
    assert m["music"] not in project.media
    edit.undo(project)
    assert m["music"] in project.media


def test_add_and_remove_track_undo():
    project, _ = make_project()
    before = state(project)
    edit = tl.add_track(project, "overlay", index=2)
    assert [t.kind for t in project.tracks] == ["video", "overlay", "overlay", "audio"]
    edit.undo(project)
    assert state(project) == before
    removed = tl.remove_track(project, project.tracks[1].id)
    assert len(project.tracks) == 2
    removed.undo(project)
    assert state(project) == before


# --- property-based: random edit sequences --------------------------------------------------------


class TimelineMachine(RuleBasedStateMachine):
    """Random edits (valid or not) keep the model valid; undo restores the exact prior state."""

    @initialize()
    def setup(self):
        self.project, self.media = make_project()
        self.edits: list[tuple[tl.Edit, dict, dict]] = []

    def _clip_ids(self):
        return [c.id for _, c in tl.all_clips(self.project)]

    def _try(self, op, *args, **kwargs) -> bool:
        before = state(self.project)
        try:
            edit = op(self.project, *args, **kwargs)
        except EditError:
            assert state(self.project) == before, "a refused edit changed the project"
            return False
        self.edits.append((edit, before, state(self.project)))
        return True

    def _layout(self) -> dict[str, tuple[str, int, int, float]]:
        """clip id -> (track id, position, length, source_in)"""
        return {c.id: (t.id, c.position, c.length, c.source_in) for t, c in tl.all_clips(self.project)}

    @rule(track=st.integers(0, 2), media=st.sampled_from(["video", "music", "still"]),
          position=st.integers(0, 600), start=st.floats(0, 9.5), seconds=st.floats(0.05, 6))
    def add(self, track, media, position, start, seconds):
        try:
            clip = tl.make_clip(self.project, self.media[media], position, start, start + seconds)
        except EditError:
            return
        self._try(tl.add_clip, self.project.tracks[track].id, clip)

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), position=st.integers(-5, 700), track=st.none() | st.integers(0, 2))
    def move(self, pick, position, track):
        ids = self._clip_ids()
        target = None if track is None else self.project.tracks[track].id
        clip_id, before = ids[pick % len(ids)], self._layout()
        if self._try(tl.move_clip, clip_id, position, target):
            after = self._layout()
            assert after[clip_id] == (target or before[clip_id][0], position, *before[clip_id][2:])
            assert {k: v for k, v in after.items() if k != clip_id} == {k: v for k, v in before.items() if k != clip_id}

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), delta=st.integers(-60, 60), left=st.booleans())
    def trim(self, pick, delta, left):
        track, clip = self.project.find_clip(self._clip_ids()[pick % len(self._clip_ids())])
        old_end, old_start, old_in = clip.end, clip.position, clip.source_in
        if left and self._try(tl.trim_start, clip.id, old_start + delta):
            _, trimmed = self.project.find_clip(clip.id)
            assert (trimmed.position, trimmed.end) == (old_start + delta, old_end)
            assert trimmed.source_in == pytest.approx(old_in + delta * clip.speed / 30)
        elif not left and self._try(tl.trim_end, clip.id, old_end + delta):
            _, trimmed = self.project.find_clip(clip.id)
            assert (trimmed.position, trimmed.end, trimmed.source_in) == (old_start, old_end + delta, old_in)

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), offset=st.integers(-2, 200))
    def split(self, pick, offset):
        track, clip = self.project.find_clip(self._clip_ids()[pick % len(self._clip_ids())])
        frame, whole = clip.position + offset, copy.deepcopy(clip)
        if self._try(tl.split_clip, clip.id, frame):
            track = self.project.track(track.id)
            left = track.clip(clip.id)
            right = next(c for c in track.clips if c.position == frame)
            assert (left.position, left.end, right.end) == (whole.position, frame, whole.end)
            assert right.source_out(30) == pytest.approx(whole.source_out(30))

    @precondition(lambda self: self._clip_ids())
    @rule(picks=st.lists(st.integers(0, 1000), min_size=1, max_size=3), ripple=st.booleans())
    def delete(self, picks, ripple):
        ids, before = self._clip_ids(), self._layout()
        doomed = {ids[p % len(ids)] for p in picks}
        if self._try(tl.delete_clips, doomed, ripple=ripple):
            after = self._layout()
            assert set(after) == set(before) - doomed
            for cid, (track, position, length, source_in) in before.items():
                if cid in doomed:
                    continue
                shift = sum(before[d][2] for d in doomed if before[d][0] == track and before[d][1] < position)
                assert after[cid] == (track, position - (shift if ripple else 0), length, source_in)

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), kind=st.sampled_from(tl.TRANSITION_KINDS), length=st.integers(1, 40))
    def transition(self, pick, kind, length):
        track, clip = self.project.find_clip(self._clip_ids()[pick % len(self._clip_ids())])
        follower = next((c for c in track.clips if c.position == clip.end), None)
        if follower is not None:
            self._try(tl.add_transition, clip.id, follower.id, kind, length)

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), speed=st.sampled_from([0.5, 1.0, 1.5, 2.0, 4.0]))
    def speed(self, pick, speed):
        self._try(tl.set_clip_properties, self._clip_ids()[pick % len(self._clip_ids())], speed=speed)

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), stretches=st.lists(st.tuples(st.floats(-1, 11), st.floats(0, 3)), max_size=3),
          on_beat=st.booleans())
    def remove_stretches(self, pick, stretches, on_beat):
        """The dead-air recipe: applied whole or refused whole, and it never lengthens a track."""
        from core.recipes import BeatGrid, remove_ranges

        track, clip = self.project.find_clip(self._clip_ids()[pick % len(self._clip_ids())])
        end_before = track.end
        grid = BeatGrid(tuple(range(0, 900, 15)), 15.0) if on_beat else None
        if self._try(remove_ranges, {clip.id: [(a, a + b) for a, b in stretches]}, snap_to=grid):
            assert self.project.track(track.id).end <= end_before

    @precondition(lambda self: self._clip_ids())
    @rule(pick=st.integers(0, 1000), times=st.lists(st.floats(-1, 11), max_size=4))
    def split_at_shots(self, pick, times):
        from core.recipes import split_at_times

        clip_id = self._clip_ids()[pick % len(self._clip_ids())]
        track, clip = self.project.find_clip(clip_id)
        span = (clip.position, clip.end)
        if self._try(split_at_times, {clip_id: times}):
            pieces = [c for c in self.project.track(track.id).clips if span[0] <= c.position < span[1]]
            assert (pieces[0].position, pieces[-1].end) == span  # the same stretch, now in pieces

    @precondition(lambda self: self.edits)
    @rule()
    def undo_then_redo(self):
        edit, before, after = self.edits.pop()
        edit.undo(self.project)
        assert state(self.project) == before
        edit.redo(self.project)
        assert state(self.project) == after
        edit.undo(self.project)
        assert state(self.project) == before

    @invariant()
    def model_is_valid(self):
        tl.validate_project(self.project)
        for track in self.project.tracks:
            positions = [c.position for c in track.clips]
            assert positions == sorted(positions)

    @invariant()
    def snapshots_are_independent(self):
        # Edits keep private copies: mutating the live project must not change history.
        if self.edits:
            edit, _, after = self.edits[-1]
            probe = copy.deepcopy(self.project)
            edit.redo(probe)
            assert state(probe) == after


TimelineMachine.TestCase.settings = settings(
    max_examples=120, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_random_edit_sequences = TimelineMachine.TestCase


def test_set_canvas_changes_the_shape_and_undoes():
    project, m = make_project()
    before = state(project)
    edit = tl.set_canvas(project, "vertical")
    assert (project.width, project.height) == (1080, 1920)
    assert edit.change == tl.Change(canvas=True)
    edit.undo(project)
    assert state(project) == before
    edit.redo(project)
    with pytest.raises(EditError, match="already"):
        tl.set_canvas(project, "vertical")
    with pytest.raises(EditError, match="Unknown canvas"):
        tl.set_canvas(project, "cinema")

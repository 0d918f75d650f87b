"""Each multi-step recipe is one Edit: applied whole, undone whole, refused whole."""

from __future__ import annotations

import pytest

from core import recipes
from core import timeline as tl
from core.errors import EditError
from tests.core.test_timeline import make_project, state


def _with_clip(seconds: float = 10.0) -> tuple[tl.Project, dict[str, str], tl.Clip]:
    project, m = make_project()
    video = project.tracks_of_kind(tl.VIDEO_TRACK)[0]
    clip = tl.make_clip(project, m["video"], 0, 0.0, seconds)
    tl.add_clip(project, video.id, clip)
    return project, m, clip


def _undo_redo_exact(project: tl.Project, edit: tl.Edit, before: dict) -> None:
    after = state(project)
    edit.undo(project)
    assert state(project) == before
    edit.redo(project)
    assert state(project) == after


def test_combine_refuses_whole_when_a_later_step_is_refused():
    project, m, clip = _with_clip()
    before = state(project)

    def steps(p: tl.Project) -> None:
        tl.split_clip(p, clip.id, 100)  # fine on its own
        tl.trim_end(p, clip.id, 0)  # refused: nothing would be left

    with pytest.raises(EditError, match="nothing of the clip"):
        tl.combine(project, "Two steps", steps)
    assert state(project) == before


def test_combine_reports_what_changed():
    project, m, clip = _with_clip()
    video, overlay, audio = project.tracks
    edit = tl.combine(project, "Split", lambda p: tl.split_clip(p, clip.id, 100))
    assert edit.change == tl.Change(frozenset({video.id}), track_order=False, media=False)
    edit = recipes.add_music_bed(project, tl.MediaRef("m-bed", "/music/bed.wav", "audio", 4.0, has_video=False, has_audio=True))
    assert edit.change.track_order and edit.change.media
    assert overlay.id not in edit.change.track_ids


def test_import_media_places_end_to_end_on_fitting_tracks():
    project = tl.Project.new("720p", fps=30)
    video, _, audio = project.tracks
    refs = [tl.MediaRef("a", "/f/a.mp4", "video", 2.0, has_audio=True),
            tl.MediaRef("b", "/f/b.wav", "audio", 3.0, has_video=False, has_audio=True),
            tl.MediaRef("c", "/f/c.mp4", "video", 1.0)]
    before = state(project)
    edit = recipes.import_media(project, refs, (15, audio.id))
    assert set(project.media) == {"a", "b", "c"}
    # a picture dropped on a sound track goes on the first picture track instead; the sound
    # goes under the pictures from where they were dropped, not after them
    assert [(c.media_id, c.position) for c in video.clips] == [("a", 15), ("c", 75)]
    assert [(c.media_id, c.position) for c in audio.clips] == [("b", 15)]
    _undo_redo_exact(project, edit, before)


def test_import_media_refused_whole_on_overlap():
    project, m, clip = _with_clip()
    before = state(project)
    ref = tl.MediaRef("new", "/f/new.mp4", "video", 2.0)
    with pytest.raises(EditError, match="overlap"):
        recipes.import_media(project, [ref], (30, project.tracks[0].id))
    assert state(project) == before  # not even the media went in
    recipes.import_media(project, [ref])  # into the bin alone: fine
    assert "new" in project.media


def test_add_effects_to_several_clips_fits_titles():
    project, m, clip = _with_clip(4.0)
    tl.split_clip(project, clip.id, 30)
    ids = [c.id for c in project.tracks[0].clips]
    before = state(project)
    edit = recipes.add_effects(project, ids, [{"type": "title", "params": {}}, {"type": "vignette", "params": {}}])
    stacks = [[e["type"] for e in c.effects] for c in project.tracks[0].clips]
    assert stacks == [["title", "vignette"]] * 2
    assert [c.effects[0]["params"]["end"] for c in project.tracks[0].clips] == [1.0, 3.0]
    _undo_redo_exact(project, edit, before)
    with pytest.raises(EditError):  # the second effect is unknown: the first is not added either
        recipes.add_effects(project, ids, [{"type": "vignette", "params": {}}, {"type": "nonsense", "params": {}}])
    assert [len(c.effects) for c in project.tracks[0].clips] == [2, 2]


def test_split_clips_at_the_playhead_is_one_step():
    project, m, clip = _with_clip()
    music = tl.make_clip(project, m["music"], 0)
    tl.add_clip(project, project.tracks[2].id, music)
    edit = recipes.split_clips(project, [clip.id, music.id], 60)
    assert [len(t.clips) for t in project.tracks] == [2, 0, 2]
    assert edit.label == "Split clips"
    with pytest.raises(EditError, match="inside a clip"):
        recipes.split_clips(project, [music.id], 500)  # past the music's end


def test_split_at_times_splits_where_the_shots_change():
    project, m, clip = _with_clip()
    before = state(project)
    edit = recipes.split_at_times(project, {clip.id: [2.0, 5.5, 12.0]})  # 12 s is past the clip
    assert [(c.position, c.length) for c in project.tracks[0].clips] == [(0, 60), (60, 105), (165, 135)]
    _undo_redo_exact(project, edit, before)
    with pytest.raises(EditError, match="No change of shot"):
        recipes.split_at_times(project, {clip.id: [12.0]})


def test_remove_ranges_cuts_and_closes_the_gaps():
    project, m, clip = _with_clip()
    before = state(project)
    edit = recipes.remove_ranges(project, {clip.id: [(1.0, 2.0), (4.0, 5.0), (1.5, 2.5)]})
    kept = [(c.position, c.length, round(c.source_in, 3)) for c in project.tracks[0].clips]
    # overlapping stretches merge: 1.0-2.5 and 4.0-5.0 go, 7.5 s remain with no gap
    assert kept == [(0, 30, 0.0), (30, 45, 2.5), (75, 150, 5.0)]
    assert project.tracks[0].end == 225
    _undo_redo_exact(project, edit, before)


def test_remove_ranges_on_the_beat_keeps_the_grid():
    project, m, clip = _with_clip()
    grid = recipes.BeatGrid(tuple(range(0, 300, 15)), 15.0)  # 120 BPM at 30 fps
    recipes.remove_ranges(project, {clip.id: [(1.1, 2.9)]}, snap_to=grid)
    # 33..87 shrinks to start on the beat at 45 and last whole beats: 45..75
    assert [(c.position, c.length) for c in project.tracks[0].clips] == [(0, 45), (45, 225)]
    with pytest.raises(EditError, match="Nothing is left to remove"):
        recipes.remove_ranges(project, {clip.id: [(0.1, 0.3)]}, snap_to=grid)  # no beat inside


def test_beat_grid_of_a_clip_on_the_timeline():
    project, m = make_project()
    music = tl.make_clip(project, m["music"], 30, 1.0)  # 1 s into the music, at frame 30
    grid = recipes.BeatGrid.of_clip(project, music, [0.5, 1.0, 1.5, 2.0, 3.9], bpm=120)
    assert grid.frames == (30, 45, 60, 117) and grid.period == 15
    assert recipes.BeatGrid.of_clip(project, music, [1.0], bpm=0) is None


def _reel() -> tl.Project:
    reel = tl.Project.new("720p", fps=30)
    shared = tl.MediaRef("r-video", "/footage/a.mp4", "video", 10.0, has_audio=True)  # same file as the project's
    other = tl.MediaRef("r-other", "/footage/z.mp4", "video", 5.0)
    bed = tl.MediaRef("r-bed", "/music/bed.wav", "audio", 60.0, has_video=False, has_audio=True)
    for ref in (shared, other, bed):
        tl.add_media(reel, ref)
    first, second = tl.make_clip(reel, "r-video", 0, 3.0, 5.0), tl.make_clip(reel, "r-other", 60, 1.0, 3.0)
    for c in (first, second):
        tl.add_clip(reel, reel.tracks[0].id, c)
    tl.add_transition(reel, first.id, second.id, "crossfade", 10)
    tl.add_clip(reel, reel.tracks[2].id, tl.make_clip(reel, "r-bed", 0, 0.0, 4.0))
    return reel


def other_id(project: tl.Project) -> str:
    return next(m.id for m in project.media.values() if m.path == "/footage/z.mp4")


def test_the_reel_takes_the_place_of_its_clips_with_music_and_transitions():
    project, m, clip = _with_clip(2.0)  # 60 frames at 0
    video = project.tracks[0]
    after = tl.make_clip(project, m["still"], 60)  # something after the analysed clip: follows the reel
    tl.add_clip(project, video.id, after)
    tl.set_clip_properties(project, clip.id, fit="fill", reframe=[(0.0, 0.3), (9.0, 0.7)])
    before = state(project)
    edit = recipes.replace_with_reel(project, _reel(), [clip.id])
    assert [(c.media_id, c.position) for c in sorted(video.clips, key=lambda c: c.position)] == [
        (m["video"], 0), (other_id(project), 60), (m["still"], 120)]
    assert all(c.id != clip.id for c in video.clips)  # the original left the timeline, not the bin
    reeled = next(c for c in video.clips if c.position == 0)
    assert reeled.media_id == m["video"] and reeled.fit == "fill" and reeled.reframe == [(0.0, 0.3), (9.0, 0.7)]
    assert len(project.media) == 5 and len(video.transitions) == 1
    music = project.tracks[-1]
    assert music.name == recipes.REEL_MUSIC_TRACK and [c.position for c in music.clips] == [0]
    assert edit.label == "Highlight reel"
    _undo_redo_exact(project, edit, before)


def test_the_reel_is_refused_whole():
    project, m, clip = _with_clip(2.0)
    before = state(project)
    with pytest.raises(EditError, match="empty"):
        recipes.replace_with_reel(project, tl.Project.new("720p"), [clip.id])
    with pytest.raises(EditError, match="no longer on the timeline"):
        recipes.replace_with_reel(project, _reel(), ["gone"])
    reel = tl.Project.new("720p", fps=30)
    tl.add_media(reel, tl.MediaRef("r", "/footage/q.mp4", "video", 5.0))
    broken = tl.make_clip(reel, "r", 0, 0.0, 2.0)
    tl.add_clip(reel, reel.tracks[0].id, broken)
    reel.media["r"].duration = 1.0  # the reel's clip now runs past its media: refused on placing
    with pytest.raises(EditError, match="runs past the end"):
        recipes.replace_with_reel(project, reel, [clip.id])
    assert state(project) == before


def test_a_made_short_becomes_the_timeline_in_one_step():
    project, m, clip = _with_clip(2.0)
    short = tl.Project.new("vertical", fps=30)
    same = tl.MediaRef("s-video", "/footage/a.mp4", "video", 10.0, has_audio=True)  # the project's own file
    bed = tl.MediaRef("s-bed", "/gen/music.wav", "audio", 5.0, has_video=False, has_audio=True)
    for ref in (same, bed):
        tl.add_media(short, ref)
    tl.add_clip(short, short.tracks[0].id, tl.make_clip(short, "s-video", 0, 1.0, 3.0))
    tl.add_clip(short, short.tracks[2].id, tl.make_clip(short, "s-bed", 0, 0.0, 2.0))
    before = state(project)
    edit = recipes.use_short(project, short)
    assert (project.width, project.height) == (1080, 1920) and [t.id for t in project.tracks] == [t.id for t in short.tracks]
    assert project.tracks[0].clips[0].media_id == m["video"]  # the bin's own media, not a copy
    assert len(project.media) == 4 and edit.label == "Make a short"
    _undo_redo_exact(project, edit, before)
    edit.undo(project)
    short.name, old_name = "Spy night", project.name
    renamed = recipes.use_short(project, short, rename=True)  # titled: the project takes its name
    assert project.name == "Spy night"
    renamed.undo(project)
    assert project.name == old_name and state(project) == before
    with pytest.raises(EditError, match="empty"):
        recipes.use_short(project, tl.Project.new("vertical"))


def test_add_music_bed_ducked_on_a_new_track():
    project, m, clip = _with_clip()
    bed = tl.MediaRef("bed", "/music/bed.wav", "audio", 4.0, has_video=False, has_audio=True)
    before = state(project)
    edit = recipes.add_music_bed(project, bed, duck_db=-12.0)
    track = project.tracks[-1]
    assert (track.name, track.duck, [c.media_id for c in track.clips]) == (recipes.MUSIC_TRACK, -12.0, ["bed"])
    _undo_redo_exact(project, edit, before)
    edit.undo(project)
    with pytest.raises(EditError, match="0 to 60 dB"):
        recipes.add_music_bed(project, bed, duck_db=-90.0)
    assert state(project) == before  # neither the media nor the track went in


def test_music_longer_than_the_edit_ends_with_it_fading_out():
    project, m, clip = _with_clip(4.0)  # a 4 s edit
    long_bed = tl.MediaRef("bed", "/music/bed.wav", "audio", 5.6, has_video=False, has_audio=True)  # whole bars
    recipes.add_music_bed(project, long_bed)
    music = project.tracks[-1].clips[0]
    assert (music.position, music.end, music.audio_fade_out) == (0, 120, 1.0)
    assert project.duration_frames == 120  # the music did not make the short longer
    empty, _ = make_project()
    recipes.add_music_bed(empty, long_bed)
    assert empty.tracks[-1].clips[0].length == 168  # nothing to end with: it plays whole


def test_add_backdrop_goes_under_everything_and_after_a_taken_spot():
    project, m, clip = _with_clip()
    first = tl.MediaRef("bd1", "/gen/one.mp4", "video", 4.0)
    before = state(project)
    edit = recipes.add_backdrop(project, first, at=30)
    assert project.tracks[0].name == recipes.BACKDROP_TRACK
    assert [(c.media_id, c.position) for c in project.tracks[0].clips] == [("bd1", 30)]
    _undo_redo_exact(project, edit, before)
    recipes.add_backdrop(project, tl.MediaRef("bd2", "/gen/two.mp4", "video", 2.0), at=60)  # taken: after the last
    assert [(c.media_id, c.position) for c in project.tracks[0].clips] == [("bd1", 30), ("bd2", 150)]
    assert len([t for t in project.tracks if t.name == recipes.BACKDROP_TRACK]) == 1


def test_apply_reframe_sets_every_clip_or_none():
    project, m, clip = _with_clip()
    tl.split_clip(project, clip.id, 150)
    left, right = project.tracks[0].clips
    before = state(project)
    edit = recipes.apply_reframe(project, {left.id: [(0.0, 0.3), (2.0, 0.7)], right.id: [(5.0, 0.5)]})
    shown = [(c.fit, c.reframe) for c in project.tracks[0].clips]
    assert shown == [("fill", [(0.0, 0.3), (2.0, 0.7)]), ("fill", [(5.0, 0.5)])]
    _undo_redo_exact(project, edit, before)
    edit.undo(project)
    with pytest.raises(EditError, match="within the picture"):
        recipes.apply_reframe(project, {left.id: [(0.0, 0.5)], right.id: [(5.0, 1.5)]})
    assert state(project) == before


def test_reframe_shows_a_small_or_subjectless_clip_whole_over_its_blur():
    project, m, clip = _with_clip()  # 1280x720 video
    tl.split_clip(project, clip.id, 150)
    left, right = project.tracks[0].clips
    tl.set_canvas(project, "vertical")  # 1080x1920: 1280x720 fills at 2.7x, fine
    recipes.apply_reframe(project, {left.id: [(0.0, 0.3)], right.id: []})  # right: nothing to follow
    assert [(c.fit, c.reframe) for c in project.tracks[0].clips] == [("fill", [(0.0, 0.3)]), ("blur", [])]
    project.media[m["video"]].width, project.media[m["video"]].height = 640, 272  # 7x to fill: blur
    recipes.apply_reframe(project, {left.id: [(0.0, 0.3)]})
    assert project.tracks[0].clips[0].fit == "blur" and project.tracks[0].clips[0].reframe == []
    backdrop = tl.MediaRef("bd", "/gen/backdrop.mp4", "video", 20.0, width=1080, height=1920)
    recipes.add_backdrop(project, backdrop, 0)  # a generated backdrop under them: shown around the picture
    assert [c.fit for c in project.tracks[1].clips] == ["fit", "fit"]
    recipes.apply_reframe(project, {right.id: []})
    assert project.find_clip(right.id)[1].fit == "fit"


def test_place_media_from_the_bin_end_to_end():
    project, m = make_project()
    video, _, audio = project.tracks
    before = state(project)
    edit = recipes.place_media(project, [m["video"], m["music"], m["still"]], (30, video.id))
    assert [(c.media_id, c.position) for c in video.clips] == [(m["video"], 30), (m["still"], 330)]
    assert [(c.media_id, c.position) for c in audio.clips] == [(m["music"], 30)]  # under the pictures
    _undo_redo_exact(project, edit, before)
    with pytest.raises(EditError, match="overlap"):  # refused whole: not even the first goes in
        recipes.place_media(project, [m["music"], m["video"]], (40, video.id))
    assert [(c.media_id, c.position) for c in video.clips] == [(m["video"], 30), (m["still"], 330)]
    with pytest.raises(EditError, match="no longer in the project"):
        recipes.place_media(project, ["gone"], (0, video.id))


def test_insert_media_splits_the_clip_there_and_moves_the_rest_right():
    project, m, clip = _with_clip(4.0)  # 120 frames of video at 0
    video = project.tracks[0]
    still = tl.make_clip(project, m["still"], 200)
    tl.add_clip(project, video.id, still)
    before = state(project)
    edit = recipes.insert_media(project, [m["still"]], 60)  # a 5 s still (150 frames) mid-clip
    spans = sorted((c.media_id, c.position, c.length) for c in video.clips)
    assert sorted(spans) == sorted([(m["video"], 0, 60), (m["still"], 60, 150), (m["video"], 210, 60),
                                    (m["still"], 350, 150)])
    right = next(c for c in video.clips if c.position == 210)
    assert right.source_in == pytest.approx(2.0)  # it carries on where the left part stopped
    assert edit.label == "Insert at playhead"
    _undo_redo_exact(project, edit, before)
    with pytest.raises(EditError, match="Choose some media"):
        recipes.insert_media(project, [], 0)


def test_insert_media_with_a_sound_file_among_the_pictures_makes_room_for_the_pictures_alone():
    project, m, clip = _with_clip(4.0)  # 120 frames of video at 0
    video, _, audio = project.tracks
    recipes.insert_media(project, [m["video"], m["music"], m["still"]], 60)  # 300 + 150 frames of pictures
    spans = sorted((c.media_id, c.position, c.length) for c in video.clips)
    assert spans == sorted([(m["video"], 0, 60), (m["video"], 60, 300), (m["still"], 360, 150), (m["video"], 510, 60)])
    assert [(c.media_id, c.position) for c in audio.clips] == [(m["music"], 60)]  # under them, not after


def test_append_media_goes_at_the_end_of_the_track_that_takes_it():
    project, m, clip = _with_clip(4.0)
    video, _, audio = project.tracks
    recipes.append_media(project, [m["still"], m["music"], m["video"]])
    assert [(c.media_id, c.position) for c in video.clips] == [(m["video"], 0), (m["still"], 120), (m["video"], 270)]
    assert [(c.media_id, c.position) for c in audio.clips] == [(m["music"], 0)]


def test_importing_a_file_already_in_the_bin_uses_it_instead_of_adding_it_again():
    project, m = make_project()
    again = tl.MediaRef("other-id", "/footage/a.mp4", "video", 10.0, has_audio=True)  # the same file
    with pytest.raises(EditError, match="already in the bin"):
        recipes.import_media(project, [again])
    recipes.import_media(project, [again], (0, project.tracks[0].id))  # dropped on the timeline: placed
    assert len(project.media) == 3 and project.tracks[0].clips[0].media_id == m["video"]

"""Timelines to and from other editors (OpenTimelineIO): round trips, OTIO's own readers, and
files that are not what they claim."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import interchange
from core import timeline as tl
from core.errors import ProjectError
from core.interchange import export_timeline, import_timeline
from core.media import probe
from core.project_io import project_to_dict

RATES = [24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 50.0, 60.0]
SPEEDS = [0.5, 1.0, 1.25, 2.0, 3.0]
_FOLDER = Path(tempfile.mkdtemp(prefix="reelsmith-otio-"))  # hypothesis reruns share one folder


def _comparable(project: tl.Project, folder: Path) -> dict:
    """The project as stored, media in id order and times to the nanosecond (an OTIO time is
    frames times a rate, so seconds come back within a rounding of the last bit)."""
    document = project_to_dict(project, folder)["project"]
    document["media"].sort(key=lambda m: m["id"])

    def rounded(value):
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return rounded(document)


@st.composite
def projects(draw) -> tl.Project:
    fps = draw(st.sampled_from(RATES))
    project = tl.Project(name=draw(st.sampled_from(["Trip", "Ünïcode short", "a/b"])), fps=fps,
                         width=draw(st.sampled_from([1920, 1080])), height=1080)
    media = []
    for index in range(draw(st.integers(1, 3))):
        # VFR footage has no single rate; 23.976 and 29.97 files are the usual awkward ones.
        rate = draw(st.sampled_from([None, 24000 / 1001, 30000 / 1001, 25.0]))
        ref = tl.MediaRef(tl.new_id(), str(_FOLDER / f"clip {index}.mp4"), "video", 600.0,
                          has_audio=draw(st.booleans()), width=1280, height=720, fps=rate)
        project.media[ref.id] = ref
        media.append(ref)
    sound = tl.MediaRef(tl.new_id(), str(_FOLDER / "music.wav"), "audio", 600.0, has_video=False, has_audio=True)
    project.media[sound.id] = sound
    for kind in draw(st.lists(st.sampled_from(tl.TRACK_KINDS), min_size=1, max_size=4)):
        track = tl.Track(tl.new_id(), kind, f"{kind} {len(project.tracks)}")
        track.hidden, track.muted = draw(st.booleans()), draw(st.booleans())
        position = 0
        for _ in range(draw(st.integers(0, 4))):
            position += draw(st.sampled_from([0, 0, 1, 37]))
            length = draw(st.integers(2, 200))
            speed = draw(st.sampled_from(SPEEDS))
            source = sound if kind == tl.AUDIO_TRACK else draw(st.sampled_from(media))
            clip = tl.Clip(tl.new_id(), source.id, position, length,
                           source_in=draw(st.floats(0, 100, allow_nan=False)), speed=speed,
                           volume=draw(st.sampled_from([1.0, 0.5])), freeze=draw(st.booleans()) and kind != tl.AUDIO_TRACK)
            if draw(st.booleans()):
                clip.effects = [{"type": "title", "params": {"text": "Hi", "start": 0.0, "end": length / fps}}]
            track.clips.append(clip)
            position += length
        for first, second in zip(track.clips, track.clips[1:], strict=False):
            if first.end == second.position and draw(st.booleans()):
                track.transitions.append(tl.Transition(
                    tl.new_id(), first.id, second.id, draw(st.sampled_from(tl.TRANSITION_KINDS)),
                    draw(st.integers(1, min(first.length, second.length)))))
        project.tracks.append(track)
    ends = project.duration_frames
    project.attach_markers(sorted(set(draw(st.lists(st.integers(0, max(ends, 1)), max_size=4)))))
    tl.validate_project(project)
    return project


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_round_trip_through_otio_gives_the_same_timeline(project):
    path = _FOLDER / "round trip.otio"
    assert export_timeline(project, path).left_out == []
    back = import_timeline(path)
    assert back.left_out == []
    assert _comparable(back.project, _FOLDER) == _comparable(project, _FOLDER)


def _demo(samples) -> tl.Project:
    project = tl.Project.new("1080p", fps=30000 / 1001, name="Walk")
    video, overlay, audio = (t.id for t in project.tracks)
    refs = {name: tl.MediaRef.from_info(probe(samples.path(name)))
            for name in ("city-walk.mp4", "beach-drone.mp4", "music-bed.wav")}
    for ref in refs.values():
        tl.add_media(project, ref)
    a = tl.make_clip(project, refs["city-walk.mp4"].id, 0, 1.0, 4.0)
    b = tl.make_clip(project, refs["beach-drone.mp4"].id, a.length, 0.5, 4.5, speed=2.0)
    tl.add_clip(project, video, a)
    tl.add_clip(project, video, b)
    tl.add_transition(project, a.id, b.id, "crossfade", 12)
    tl.add_clip(project, overlay, tl.make_clip(project, refs["city-walk.mp4"].id, 100, 0.0, 1.0))
    tl.add_clip(project, audio, tl.make_clip(project, refs["music-bed.wav"].id, 0, 0.0, 5.0))
    project.attach_markers([30, b.position + 10])
    return project


def _seconds(rational: str | None) -> float:
    """FCP X XML's "1001/30000s"."""
    return float(Fraction(rational.rstrip("s"))) if rational else 0.0


def _picture_clips(timeline) -> list[tuple[str, float, float, float]]:
    """(name, start, length, source in-point) in seconds of the first video track's clips."""
    track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video and t.name != "Titles")
    out = []
    for clip in track.find_clips():
        where = clip.trimmed_range_in_parent()
        out.append((clip.name, where.start_time.to_seconds(), where.duration.to_seconds(),
                    clip.source_range.start_time.to_seconds()))
    return out


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".fcpxml"])
def test_every_format_reads_back_with_otio_own_readers(samples, tmp_path, suffix):
    project = _demo(samples)
    path = tmp_path / f"walk{suffix}"
    export_timeline(project, path)
    options = {"rate": 30000 / 1001} if suffix == ".edl" else {}
    timeline = otio.adapters.read_from_file(str(path), **options)
    clips = _picture_clips(timeline)
    assert [c[0] for c in clips] == ["city-walk.mp4", "beach-drone.mp4"]
    seconds = [(c.position / project.fps, c.length / project.fps, c.source_in) for c in project.tracks[0].clips]
    if suffix == ".otio":
        assert [c[1:] for c in clips] == [pytest.approx(s, abs=1e-9) for s in seconds]
    if suffix == ".fcpxml":  # its reader counts whole frames of a whole rate (29 for 29.97): read the XML
        spine = ElementTree.parse(path).find(".//spine")
        written = [(_seconds(c.get("offset")), _seconds(c.get("duration")), _seconds(c.get("start")))
                   for c in spine.findall("clip")]
        assert written == [pytest.approx(s, abs=1e-3) for s in seconds]
    markers = [m for clip in timeline.find_clips() for m in clip.markers] + list(timeline.tracks.markers)
    if suffix != ".edl":  # the EDL drops markers of a clip that dissolves into the next
        assert {m.name for m in markers} == {interchange.SHOT_MARKER}
    if suffix == ".otio":  # the speed, the transition and the sound travel too
        track = timeline.tracks[0]
        assert [type(e).__name__ for e in track.find_clips()[1].effects] == ["LinearTimeWarp"]
        assert track.find_clips()[1].effects[0].time_scalar == 2.0
        transition = next(i for i in track if isinstance(i, otio.schema.Transition))
        assert (transition.in_offset.value, transition.out_offset.value) == (6, 6)
        assert any(t.name == "Video 1 sound" and t.kind == otio.schema.TrackKind.Audio for t in timeline.tracks)


def test_edl_round_trip_keeps_the_main_track_frame_exact(samples, tmp_path):
    project = _demo(samples)
    video = project.tracks[0]
    clip = tl.make_clip(project, project.media[video.clips[0].media_id].id, video.end, 0.0, 2.0, speed=2.0)
    tl.add_clip(project, video.id, clip)  # a speed change on a plain cut: the EDL's M2 line
    result = export_timeline(project, tmp_path / "walk.edl")
    assert any("one video track" in note for note in result.left_out)
    assert import_timeline(tmp_path / "walk.edl").project.fps == 30  # an EDL does not say: the files' rate
    back = import_timeline(tmp_path / "walk.edl", fps=project.fps).project
    # An EDL counts whole frames of the source: in-points come back to the frame.
    got = [(c.position, c.length, round(c.source_in * back.fps)) for c in back.tracks[0].clips]
    want = [(c.position, c.length, int(c.source_in * project.fps)) for c in video.clips]
    assert got == want
    assert back.tracks[0].clips[2].speed == 2.0
    assert back.tracks[0].transitions[0].length == 12


def test_titles_also_go_as_generator_clips(samples, tmp_path):
    project = _demo(samples)
    clip = project.tracks[0].clips[0]
    clip.effects = [{"type": "title", "params": {"text": "Day one", "start": 0.5, "end": 2.0}}]
    export_timeline(project, tmp_path / "t.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "t.otio"))
    titles = next(t for t in timeline.tracks if t.name == "Titles")
    generator = titles.find_clips()[0]
    assert generator.media_reference.parameters["text"] == "Day one"
    assert round(titles.range_of_child(generator).start_time.value) == 15
    back = import_timeline(tmp_path / "t.otio").project
    assert len(back.tracks) == 3 and back.tracks[0].clips[0].effects[0]["params"]["text"] == "Day one"
    assert "titles" in " ".join(export_timeline(project, tmp_path / "t.fcpxml").left_out)


def test_a_foreign_timeline_comes_in_with_media_relinked_by_name(samples, tmp_path):
    """Another editor's OTIO: 24 fps, a gap, a clip at double speed, a dissolve; its media
    were on another machine and now sit beside the file."""
    shutil.copy(samples.path("city-walk.mp4"), tmp_path / "city-walk.mp4")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    rt = lambda frames: otio.opentime.RationalTime(frames, 24)  # noqa: E731
    reference = lambda: otio.schema.ExternalReference(target_url="file:///Volumes/Shoot/city-walk.mp4")  # noqa: E731
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(rt(0), rt(12))))
    first = otio.schema.Clip(name="a", media_reference=reference(), source_range=otio.opentime.TimeRange(rt(24), rt(48)))
    second = otio.schema.Clip(name="b", media_reference=reference(), source_range=otio.opentime.TimeRange(rt(0), rt(24)))
    second.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    track.extend([first, otio.schema.Transition(in_offset=rt(4), out_offset=rt(4)), second])
    track.append(otio.schema.Clip(name="lost", media_reference=otio.schema.MissingReference(),
                                  source_range=otio.opentime.TimeRange(rt(0), rt(10))))
    timeline = otio.schema.Timeline(name="Resolve cut", tracks=[track])
    otio.adapters.write_to_file(timeline, str(tmp_path / "cut.otio"))

    result = import_timeline(tmp_path / "cut.otio")
    project = result.project
    assert project.fps == 24 and project.name == "Resolve cut"
    assert [t.kind for t in project.tracks] == ["video", "overlay", "audio"]  # room for titles and music
    clips = project.tracks[0].clips
    assert [(c.position, c.length, c.source_in, c.speed) for c in clips] == [(12, 48, 1.0, 1.0), (60, 24, 0.0, 2.0)]
    assert project.tracks[0].transitions[0].length == 8
    media = project.media[clips[0].media_id]
    assert media.path == str(tmp_path / "city-walk.mp4") and not media.offline
    assert any("'lost'" in note for note in result.left_out)


def test_missing_media_come_in_offline(samples, tmp_path):
    shutil.copy(samples.path("city-walk.mp4"), tmp_path / "walk.mp4")
    project = tl.Project.new("1080p", fps=30)
    ref = tl.MediaRef.from_info(probe(tmp_path / "walk.mp4"))
    tl.add_media(project, ref)
    tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, ref.id, 0, 0.0, 2.0))
    export_timeline(project, tmp_path / "cut.otio")
    (tmp_path / "walk.mp4").unlink()
    back = import_timeline(tmp_path / "cut.otio").project
    assert back.media[ref.id].offline and back.tracks[0].clips[0].length == 60


@pytest.mark.parametrize("content, said", [
    (b"", "empty"),
    (b"\x00\x01\xff\xfe" * 50, "not text"),
    (b"{\"OTIO_SCHEMA\": \"Timeline.1\", \"tracks\": ", "damaged"),
    (b"{\"OTIO_SCHEMA\": \"Gap.1\", \"name\": \"x\"}", "holds a Gap, not a timeline"),
    (json.dumps({"OTIO_SCHEMA": "Timeline.1", "name": "x", "metadata": {"reelsmith": {"fps": 30}},
                 "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video",
                            "metadata": {"reelsmith": {"track": {"kind": "video", "duck": "loud"}}},
                            "children": []}]}}).encode(), "not a valid Reelsmith project"),
])
def test_bad_timeline_files_are_refused_clearly(tmp_path, content, said):
    path = tmp_path / "bad.otio"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=said):
        import_timeline(path)


def test_wrong_kind_missing_and_unknown_files_are_refused(samples, tmp_path):
    shutil.copy(samples.path("city-walk.mp4"), tmp_path / "video.otio")
    with pytest.raises(ProjectError, match="'video.otio' is not a timeline"):
        import_timeline(tmp_path / "video.otio")
    with pytest.raises(ProjectError, match="could not be found"):
        import_timeline(tmp_path / "gone.edl")
    with pytest.raises(ProjectError, match=r"can import \.otio, \.edl timelines, not '\.aaf'"):
        import_timeline(tmp_path / "cut.aaf")
    (tmp_path / "garbage.edl").write_text("TITLE: x\n001  AX V C 00:00:00:00 nonsense\n")
    with pytest.raises(ProjectError, match="garbage.edl"):
        import_timeline(tmp_path / "garbage.edl")


def test_a_full_disk_keeps_the_old_file(samples, tmp_path, monkeypatch):
    project = _demo(samples)
    path = tmp_path / "walk.otio"
    path.write_text("the editor's earlier export")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(interchange, "atomic_write_bytes", full)
    with pytest.raises(ProjectError, match="disk is full"):
        export_timeline(project, path)
    assert path.read_text() == "the editor's earlier export"


def test_convert_command_between_project_and_edl(samples, tmp_path, capsys):
    from core import cli
    from core.project_io import load_project, save_project

    project = _demo(samples)
    project.tracks[0].transitions.clear()
    save_project(project, tmp_path / "walk.reelsmith")
    assert cli.main(["convert", str(tmp_path / "walk.reelsmith"), str(tmp_path / "walk.edl")]) == 0
    assert "left out: tracks 'Overlay 1', 'Audio 1'" in capsys.readouterr().out
    assert cli.main(["convert", str(tmp_path / "walk.reelsmith"), str(tmp_path / "walk.edl")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["convert", str(tmp_path / "walk.edl"), str(tmp_path / "walk.edl"), "--overwrite"]) == 2
    assert "the timeline being converted" in capsys.readouterr().err
    assert cli.main(["convert", str(tmp_path / "walk.edl"), str(tmp_path / "back.reelsmith"), "--fps", "29.97"]) == 0
    back = load_project(tmp_path / "back.reelsmith")
    assert [(c.position, c.length) for c in back.tracks[0].clips] == [(c.position, c.length) for c in project.tracks[0].clips]


def test_an_edl_dissolve_out_of_a_clip_that_used_all_its_media_comes_back_valid(samples, tmp_path):
    """Reelsmith holds the last frame where a centred transition runs past a clip's media; an
    EDL cannot, so its dissolve starts at the cut, and the cut stays where it was on the way back."""
    project = _demo(samples)
    first, second = project.tracks[0].clips
    duration = project.media[first.media_id].duration
    tl.set_clip_properties(project, first.id, source_in=duration - first.length / project.fps)
    tl.set_clip_properties(project, second.id, source_in=0.0)
    export_timeline(project, tmp_path / "walk.edl")
    back = import_timeline(tmp_path / "walk.edl", fps=project.fps).project
    assert [c.position for c in back.tracks[0].clips] == [0, second.position]
    assert back.tracks[0].transitions[0].length == 12


def test_real_vfr_and_rotated_footage_round_trips_frame_exact(shared_media, tmp_path):
    """The film clip at a variable frame rate, the rotated 23.976 phone clip and the 29.97
    carphone clip, cut at odd in-points on a 23.976 timeline with a dissolve: out to OTIO and
    back, every clip on the same frames, every in-point to the nanosecond."""
    project = tl.Project.new("1080p", fps=24000 / 1001, name="Real")
    video = project.tracks[0].id
    refs = [tl.MediaRef.from_info(probe(shared_media / name))
            for name in ("goldeneye-vfr-drop3.mp4", "issue-134-rotate.mp4", "carphone.mp4")]
    position = 0
    for ref, (start, end) in zip(refs, [(1.37, 4.1), (0.52, 3.3), (0.0, 2.9)], strict=True):
        tl.add_media(project, ref)
        clip = tl.make_clip(project, ref.id, position, start, end)
        tl.add_clip(project, video, clip)
        position = clip.end
    first, second, _ = project.tracks[0].clips
    tl.add_transition(project, first.id, second.id, "crossfade", 9)
    project.attach_markers([first.position + 20])
    export_timeline(project, tmp_path / "real.otio")
    back = import_timeline(tmp_path / "real.otio").project
    assert _comparable(back, tmp_path) == _comparable(project, tmp_path)


def test_a_title_without_an_end_lasts_to_its_clip_end(samples, tmp_path):
    """The title effect's end defaults to -1, "until the clip ends"."""
    project = _demo(samples)
    clip = project.tracks[0].clips[0]
    clip.effects = [{"type": "title", "params": {"text": "All along"}}]
    export_timeline(project, tmp_path / "t.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "t.otio"))  # held: its tracks live in it
    titles = next(t for t in timeline.tracks if t.name == "Titles")
    (generator,) = titles.find_clips()
    assert round(titles.range_of_child(generator).duration.value) == clip.length


def test_a_pipe_named_like_a_timeline_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "cut.edl")  # nothing ever writes to it: reading it would block
    with pytest.raises(ProjectError, match="not a regular file"):
        import_timeline(tmp_path / "cut.edl")


def test_importing_stops_when_cancelled(samples, tmp_path):
    from core.jobs import Cancelled, CancelToken

    export_timeline(_demo(samples), tmp_path / "walk.otio")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        import_timeline(tmp_path / "walk.otio", cancel=token)

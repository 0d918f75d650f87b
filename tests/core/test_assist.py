"""Dead air from the sound: relative to the clip's own loudness, smoothed like auto-editor."""

from __future__ import annotations

import numpy as np
import pytest

from core.assist.dead_air import STEP, DeadAirSettings, find_silences, quiet_stretches, smooth_keep
from core.errors import MediaError
from core.media import probe, write_wav
from core.samples import speech_like


def test_the_declared_pause_is_found(samples):
    (pause,) = [d for d in find_silences(str(samples.path("studio-talk.mp4"))) if d.duration > 1.0]
    assert pause.reason == "pause"  # the voice detector hears the generated babble as talk
    assert pause.start <= 2.5 + 0.2 and pause.end >= 4.0 - 0.2  # the pause, less the kept margin
    assert pause.start >= 1.5 and pause.end <= 4.1  # and not the speech around it


def test_music_has_no_dead_air(samples):
    assert find_silences(str(samples.path("music-bed.wav"))) == []


def test_threshold_is_relative_to_the_clip(tmp_path):
    voice = speech_like(6.0, 11, silences=[(2.0, 3.5)])
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    write_wav(loud, voice)
    write_wav(quiet, voice * 0.05)  # the same talk recorded 26 dB quieter
    found_loud = [(d.start, d.end) for d in quiet_stretches(probe(str(loud)))]  # the loudness finder itself
    found_quiet = [(d.start, d.end) for d in quiet_stretches(probe(str(quiet)))]
    assert found_loud and len(found_loud) == len(found_quiet)
    for (a, b), (c, d) in zip(found_loud, found_quiet, strict=True):
        assert abs(a - c) < 0.05 and abs(b - d) < 0.05


def steps(pattern: str) -> np.ndarray:
    """'#' = sound, '.' = silence, one character per 10 ms step, repeated x10 (100 ms)."""
    return np.array([c == "#" for c in pattern for _ in range(10)])


def test_smoothing_rules():
    settings = DeadAirSettings(margin=0.1, min_clip=0.2, min_cut=0.5)
    keep = smooth_keep(steps("#####" + "." * 20 + "#" + "." * 20 + "#####"), settings)
    # the 100 ms blip is dropped, so the 4.1 s pause (less 100 ms margins) is one cut
    assert keep[:60].all() and not keep[60:450].any() and keep[450:].all()
    short_pause = smooth_keep(steps("#####" + "...." + "#####"), settings)
    assert short_pause.all()  # 400 ms: not worth a cut
    assert STEP == 0.01


def test_no_sound_is_a_clear_error(shared_media):
    with pytest.raises(MediaError, match="no sound"):
        find_silences(str(shared_media / "counter.mp4"))


def test_black_blank_and_frozen_stretches_and_no_highlight_in_them(tmp_path):
    from core.assist.dead_air import find_still_picture
    from core.assist.highlights import score_shots
    from core.media import encode_video, media_info
    from core.samples import Shot, shot_frames

    moving = list(shot_frames(Shot("city", 3, 60, pan=0.5), (160, 90)))
    fading_grey = [np.full_like(moving[0], 120 + i) for i in range(45)]  # a grey card brightening: never frozen
    frames = moving[:30] + [moving[30]] * 45 + [np.zeros_like(moving[0])] * 45 + fading_grey + moving[30:]
    path = tmp_path / "still.mp4"
    encode_video(path, iter(frames), (160, 90), 30, None, len(frames))
    found = [(d.reason, d.start, d.end) for d in find_still_picture(str(path))]
    assert [reason for reason, _, _ in found] == ["frozen", "black", "blank"]
    (_, frozen_start, frozen_end), (_, black_start, black_end), (_, blank_start, blank_end) = found
    assert abs(frozen_start - 1.0) < 0.1 and abs(frozen_end - 2.5) < 0.1
    assert abs(black_start - 2.5) < 0.1 and abs(black_end - 4.0) < 0.1
    assert abs(blank_start - 4.0) < 0.1 and abs(blank_end - 5.5) < 0.1
    # ... and a highlight never shows any of them: only the moving picture either side is scored.
    shots = score_shots(media_info(str(path)))
    assert shots and all(s.end <= frozen_start + 0.05 or s.start >= blank_end - 0.05 for s in shots)


def test_real_footage_of_flat_fields_is_blank_and_real_scenes_are_not(shared_media):
    """fades.mp4 is grey fields fading through black and white: nothing a highlight should show."""
    from core.assist.dead_air import find_still_picture

    fades = find_still_picture(str(shared_media / "fades.mp4"))
    assert {d.reason for d in fades} == {"blank"} and sum(d.end - d.start for d in fades) > 7.0
    for name in ("carphone.mp4", "goldeneye-vfr-drop3.mp4", "issue-134-rotate.mp4"):
        assert find_still_picture(str(shared_media / name)) == [], name


def _slow_push_in(tmp_path, still_from: int | None = None):
    """A soft scenic shot slowly zooming in 5% over 4 s (held still from ``still_from`` on)."""
    import cv2

    from core.media import encode_video
    from core.samples import scene_image

    size = (320, 180)
    picture = cv2.GaussianBlur(scene_image("beach", 4, *size), (0, 0), 2)
    frames = []
    for i in range(120):
        zoom = 1 + 0.05 * min(i, still_from or i) / 120
        frames.append(cv2.warpAffine(picture, cv2.getRotationMatrix2D((160, 90), 0, zoom), size))
    path = tmp_path / "push-in.mp4"
    encode_video(path, iter(frames), size, 30, None, len(frames))
    return path


def test_a_slow_scenic_move_is_not_a_freeze_and_the_reel_skips_a_real_one(tmp_path):
    from core.assist.dead_air import find_still_picture
    from core.assist.highlights import score_shots
    from core.media import probe

    assert find_still_picture(str(_slow_push_in(tmp_path))) == []  # flagged 3 s of 4 before
    held = _slow_push_in(tmp_path, still_from=45)  # moves 1.5 s, then holds 2.5 s
    frozen = find_still_picture(str(held))
    assert [d.reason for d in frozen] == ["frozen"] and abs(frozen[0].start - 1.5) <= 0.25
    shots = score_shots(probe(held))
    assert shots and all(shot.end <= frozen[0].start + 0.05 for shot in shots)


def test_a_small_change_is_not_a_freeze(shared_media):
    from core.assist.dead_air import find_still_picture

    # Each frame shows its own number: only the digits change, but they do change.
    assert find_still_picture(str(shared_media / "counter.mp4"), min_seconds=0.5) == []


def test_highlight_reel_is_the_right_length_and_in_order(samples):
    from core import timeline as tl
    from core.assist.highlights import build_highlights

    videos = [str(p) for p in samples.clips]
    project = build_highlights(videos, 8.0, width=320, height=180)
    tl.validate_project(project)
    clips = project.tracks[0].clips
    assert project.duration_frames == 8 * 30
    sources = [project.media[c.media_id].path for c in clips]
    assert len(set(sources)) >= 2  # the best of more than one clip
    order = [(videos.index(p), c.source_in) for p, c in zip(sources, clips, strict=True)]
    assert order == sorted(order)  # in the order they were filmed
    assert len(project.tracks[0].transitions) == len(clips) - 1


def test_keyframes_are_neither_dark_nor_blown_out(samples):
    from core.assist.analysis import analyse_media

    talk = str(samples.path("studio-talk.mp4"))
    keyframe = analyse_media([talk])[talk].keyframes[0]
    assert 40 < keyframe.picture.mean() < 180  # was a 219-grey flash frame: the brightest, not the sharpest


def test_the_reel_leaves_out_the_silence_smart_cut_lists(samples):
    from core.assist.dead_air import find_silences
    from core.assist.highlights import score_shots
    from core.media import probe

    talk = probe(samples.path("studio-talk.mp4"))  # a pause from 2.5 to 4.0 s
    pause = find_silences(talk)[0]
    for shot in score_shots(talk):
        assert shot.end <= pause.start + 0.05 or shot.start >= pause.end - 0.05, (shot.start, shot.end)


def test_too_few_shots_grow_their_pieces_to_the_length_asked():
    from core.assist.highlights import ScoredShot, pick_pieces

    shots = [ScoredShot("a.mp4", 0.0, 5.0, 2.5, 0, 0, 0, 0, score=0.9), ScoredShot("a.mp4", 6.0, 9.0, 7.0, 0, 0, 0, 0, score=0.5)]
    pieces = pick_pieces(shots, 7.0, piece=2.0)  # two 2 s pieces would make only 4 s
    assert sum(end - start for _, start, end in pieces) == pytest.approx(7.0)
    assert all(shot.start <= start < end <= shot.end for shot, start, end in pieces)
    assert [start for _, start, _ in pieces] == sorted(start for _, start, _ in pieces)  # still in order


def test_loud_moving_shots_rank_first(samples):
    from core.assist.highlights import ScoredShot, _rank

    calm = ScoredShot("a", 0, 2, 1, motion=0.01, sharpness=1.0, loudness=-60, faces=0)
    lively = ScoredShot("a", 2, 4, 3, motion=0.2, sharpness=1.0, loudness=-12, faces=1)
    _rank([calm, lively])
    assert lively.score > calm.score


def test_faces_are_counted(samples):
    import cv2

    from core.assist.faces import count_faces

    blank = np.full((240, 320, 3), 128, np.uint8)
    assert count_faces(blank) == 0
    assert cv2.data.haarcascades  # the cascade ships with the OpenCV wheel we pin


def test_highlights_cli_writes_a_project(samples, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from core.project_io import load_project

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "reel.reelsmith"
    args = [sys.executable, "main.py", "highlights", *map(str, samples.clips), "--seconds", "6", "--out", str(out)]
    result = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert load_project(out).duration_frames == 6 * 30
    again = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_auto_reframe_follows_the_presenter_smoothly(samples):
    from core.assist.reframe import REFRAME_MAX_SPEED, REFRAME_STEP, auto_reframe

    keys = auto_reframe(str(samples.path("studio-talk.mp4")))  # the presenter walks to the right
    xs = [x for _, x in keys]
    assert len(keys) == 30 and keys[0][0] == 0.0
    assert np.mean(xs[-8:]) - np.mean(xs[:8]) > 0.12
    steps_taken = np.abs(np.diff(xs))
    assert steps_taken.max() <= REFRAME_MAX_SPEED * REFRAME_STEP + 1e-6  # glides, never jumps


def test_reframe_keys_move_the_picture(samples):
    import cv2

    from core import timeline as tl
    from core.compositor import frame_at
    from core.media import probe, read_image

    project = tl.Project.new("vertical", fps=30)
    project.width, project.height = 90, 160
    ref = tl.MediaRef.from_info(probe(samples.path("title-card.png")))
    tl.add_media(project, ref)
    clip = tl.make_clip(project, ref.id, 0, 0, 1)
    tl.add_clip(project, project.tracks[0].id, clip)
    tl.set_clip_properties(project, clip.id, fit="fill", reframe=[(0.0, 0.0)])
    left = frame_at(project, 0).astype(float)
    full = cv2.resize(read_image(samples.path("title-card.png")), (284, 160), interpolation=cv2.INTER_AREA)
    assert np.abs(left - full[:, :90]).mean() < 3  # the source's left edge, held at the canvas edge
    tl.set_clip_properties(project, clip.id, reframe=[(0.0, 1.0)])
    right = frame_at(project, 0).astype(float)
    assert np.abs(right - full[:, -90:]).mean() < 3


def test_auto_reframe_follows_the_subject_while_the_camera_pans(tmp_path):
    import cv2

    from core.assist.reframe import auto_reframe
    from core.media import encode_video

    rng = np.random.default_rng(0)
    width, height = 320, 180
    world = np.full((height, width * 3, 3), 90, np.uint8)  # a busy set the camera pans across
    for _ in range(400):
        x, y = int(rng.integers(0, width * 3)), int(rng.integers(0, height))
        cv2.rectangle(world, (x, y), (x + int(rng.integers(5, 30)), y + int(rng.integers(5, 30))),
                      tuple(int(v) for v in rng.integers(40, 200, 3)), -1)
    frames = []
    for i in range(90):
        frame = world[:, 4 * i : 4 * i + width].copy()
        cv2.circle(frame, (int(0.15 * width + 0.7 * width * i / 89), 90), 18, (255, 60, 60), -1)
        frames.append(frame)
    path = tmp_path / "pan.mp4"
    encode_video(path, iter(frames), (width, height), 30, None, len(frames))
    xs = [x for _, x in auto_reframe(str(path))]
    # The whole picture slides left all the time; only the subject crosses it left to right.
    assert xs[-1] > 0.65 and xs[-1] - xs[0] > 0.4  # without following the camera: 0.47 to 0.54


def test_a_file_with_a_black_lead_in_is_shown_by_a_lit_picture(shared_media):
    from core.assist.analysis import analyse_media

    found = analyse_media([str(shared_media / "fades.mp4")])[str(shared_media / "fades.mp4")]
    assert all(k.picture.mean() > 20 for k in found.keyframes)  # the first shot is mostly black lead-in
    assert found.poster is found.keyframes[0]  # the bin and timeline show its real picture


def test_reel_cuts_stay_on_their_times_without_drift(samples):
    from core.assist.highlights import ScoredShot, reel_project
    from core.media import probe

    info = probe(samples.path("city-walk.mp4"))
    beat = 60 / 85  # 21.18 frames at 30 fps
    pieces = [(ScoredShot(info.path, 0, 8, 0, 0, 0, 0, 0), i * 0.05, i * 0.05 + beat) for i in range(10)]
    clips = reel_project(pieces, [info], 320, 180, 30, transition=None).tracks[0].clips
    assert [c.position for c in clips] == [round(i * beat * 30) for i in range(10)]  # 21, 42, 64, ...: no drift


def test_a_piece_ending_at_its_files_end_stays_inside_it(samples):
    """Seen in a walk with a voice-over for music: a piece to the very end of a 9.97 s file,
    rounded up to whole frames, ran past it and the whole short was refused."""
    from core.assist.highlights import ScoredShot, reel_project
    from core.media import probe

    info = probe(samples.path("city-walk.mp4"))
    end = info.duration
    pieces = [(ScoredShot(info.path, 0, end, 0, 0, 0, 0, 0), 0.0, 1.35),  # 40.5 frames: the next starts at 40
              (ScoredShot(info.path, 0, end, 0, 0, 0, 0, 0), end - 1.21, end)]  # 36.3 frames, to 77 in all: 37
    project = reel_project(pieces, [info], 320, 180, 30, transition=None)
    last = project.tracks[0].clips[-1]
    assert last.length == 37 and last.source_out(30) <= end + 1e-9 and abs(last.source_in - (end - 1.21)) < 1 / 30

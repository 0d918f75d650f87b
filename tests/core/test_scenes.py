"""Shot boundaries against known answers: generated footage, real footage, and the hard cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import MediaError
from core.jobs import Cancelled, CancelToken
from core.media import encode_video
from core.samples import Shot, shot_frames
from core.scenes import detect_scenes

ROOT = Path(__file__).resolve().parents[2]
SIZE, FPS = (320, 180), 30


def kinds(report):
    return [(t.kind, t.frame) for t in report.boundaries]


def test_generated_cut_and_fade(samples):
    truth = samples.manifest["clips"]["city-walk.mp4"]
    report = detect_scenes(str(samples.path("city-walk.mp4")))
    cut, fade = report.boundaries
    at = truth["cuts"][0]
    assert (cut.kind, cut.frame, cut.start, cut.end) == ("cut", at, at, at)
    start, end = truth["fades"][0]
    assert fade.kind == "fade"
    assert abs(fade.start - start) <= 3 and abs(fade.end - end) <= 3
    assert abs(fade.frame - (start + end + 1) // 2) <= 3
    assert fade.time == pytest.approx(fade.frame / FPS, abs=1e-3)
    assert report.frames == truth["frames"] and report.fps == 30


def test_generated_dissolve(samples):
    start, end = samples.manifest["clips"]["beach-drone.mp4"]["dissolves"][0]
    (dissolve,) = detect_scenes(str(samples.path("beach-drone.mp4"))).boundaries
    assert dissolve.kind == "dissolve"
    assert abs(dissolve.start - start) <= 4 and abs(dissolve.end - end) <= 4


def test_camera_flash_is_not_a_cut(samples):
    assert detect_scenes(str(samples.path("studio-talk.mp4"))).boundaries == []


def test_real_film_cuts_to_the_frame(shared_media):
    report = detect_scenes(str(shared_media / "goldeneye-vfr-drop3.mp4"))
    assert kinds(report) == [("cut", 60), ("cut", 140)]
    assert report.boundaries[1].time == pytest.approx(210 * 1001 / 24000, abs=1e-3)  # VFR: real time


def test_real_fades(shared_media):
    report = detect_scenes(str(shared_media / "fades.mp4"))
    assert [t.kind for t in report.boundaries] == ["fade", "fade"]
    assert all(t.end - t.start > 20 for t in report.boundaries)


def _clip(path: Path, frames):
    frames = list(frames)
    encode_video(path, iter(frames), SIZE, FPS, None, len(frames))
    return path


def test_fast_pan_and_zoom_are_one_shot(tmp_path):
    pan = shot_frames(Shot("city", 5, 90, pan=1.6), SIZE)
    zoom = shot_frames(Shot("beach", 6, 90, pan=0.0, zoom_from=1.0, zoom_to=2.5), SIZE)
    for name, frames in (("pan.mp4", pan), ("zoom.mp4", zoom)):
        assert detect_scenes(str(_clip(tmp_path / name, frames))).boundaries == [], name


def test_title_appearing_is_not_a_cut(tmp_path):
    import cv2

    def titled():
        for i, frame in enumerate(shot_frames(Shot("studio", 7, 90, pan=0.05), SIZE)):
            if i >= 45:
                frame = frame.copy()
                cv2.rectangle(frame, (40, 120), (280, 160), (250, 250, 250), -1)
                cv2.putText(frame, "SUBSCRIBE", (60, 150), cv2.FONT_HERSHEY_DUPLEX, 1.0, (20, 20, 20), 2)
            yield frame

    assert detect_scenes(str(_clip(tmp_path / "title.mp4", titled()))).boundaries == []


def test_something_passing_the_lens_is_not_a_cut(tmp_path):
    def passing():
        for i, frame in enumerate(shot_frames(Shot("beach", 8, 90, pan=0.1), SIZE)):
            if 40 <= i < 43:  # a hand sweeps across the lens for three frames
                frame = frame.copy()
                frame[:, :] = (60, 40, 35)
            yield frame

    assert detect_scenes(str(_clip(tmp_path / "hand.mp4", passing()))).boundaries == []


def test_cut_between_similar_shots_is_found(tmp_path):
    first = shot_frames(Shot("city", 9, 45), SIZE)
    second = shot_frames(Shot("city", 10, 45, pan=-0.3, zoom_to=1.4), SIZE)
    report = detect_scenes(str(_clip(tmp_path / "similar.mp4", [*first, *second])))
    assert kinds(report) == [("cut", 45)]


def test_dark_pillarboxed_footage_cuts_and_is_not_black(tmp_path):
    # Night-time portrait footage in a landscape frame: the black bars cover two thirds of the
    # picture and the mean brightness is very low, yet it is neither black (a fade) nor are
    # its cuts diluted by the bars.
    def dark_portrait(shot):
        for frame in shot_frames(shot, (60, 180)):
            canvas = np.zeros((180, 320, 3), np.uint8)
            canvas[:, 130:190] = (frame * 0.45).astype(np.uint8)
            yield canvas

    frames = [*dark_portrait(Shot("city", 21, 50)), *dark_portrait(Shot("studio", 22, 50))]
    assert np.mean(frames[0]) / 255 < 0.07
    path = tmp_path / "night.mp4"
    encode_video(path, iter(frames), SIZE, FPS, None, len(frames))
    assert kinds(detect_scenes(str(path))) == [("cut", 50)]


def test_black_frames_are_told_from_dark_ones():
    from core.scenes import is_black

    dark = np.full((54, 96), 0.03, np.float32)
    assert is_black(dark)
    dark[10:20, 10:30] = 0.5  # a street lamp at night
    assert not is_black(dark)


def test_sensitivity_orders_the_results(samples):
    path = str(samples.path("city-walk.mp4"))
    strict, loose = detect_scenes(path, 0.0), detect_scenes(path, 1.0)
    assert len(strict.boundaries) <= len(loose.boundaries)


def test_keyframes_are_sharp_and_inside_their_shots(samples):
    report = detect_scenes(str(samples.path("city-walk.mp4")))
    assert len(report.keyframes) == len(report.shots) == 3
    for keyframe, (first, end) in zip(report.keyframes, report.shots, strict=True):
        assert first <= keyframe < end


def test_progress_cancel_and_bad_input(samples, bad_media):
    seen = []
    detect_scenes(str(samples.path("beach-drone.mp4")), progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        detect_scenes(str(samples.path("beach-drone.mp4")), cancel=token)
    with pytest.raises(MediaError, match="not a video"):
        detect_scenes(str(samples.path("music-bed.wav")))
    with pytest.raises(MediaError):
        detect_scenes(str(bad_media["truncated"]))


def test_scenes_cli_json(samples):
    result = subprocess.run([sys.executable, "main.py", "scenes", str(samples.path("city-walk.mp4")), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"fps", "frames", "transitions", "keyframes"}
    assert data["transitions"][0] == {"kind": "cut", "frame": 90, "start": 90, "end": 90, "time": 3.0}
    assert {"kind", "frame", "start", "end", "time"} == set(data["transitions"][1])
    bad = subprocess.run([sys.executable, "main.py", "scenes", str(samples.path("music-bed.wav"))],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_memory_stays_flat(samples):
    """Only numbers per frame are kept: the small pictures live in a fixed-size window."""
    from core.media import probe
    from core.scenes import WINDOW, Thresholds, _Analysis, _small_frames

    analysis = _Analysis(Thresholds.for_sensitivity(0.5))
    for frame in _small_frames(probe(samples.path("city-walk.mp4")), None):
        analysis.add(frame)
    assert len(analysis.window) == WINDOW < len(analysis.change)
    assert np.asarray(analysis.change).dtype == np.float64


@pytest.fixture(scope="module")
def hard_real_footage(shared_media, tmp_path_factory):
    """The held-out hard classes of bench/scenes.py, made from real footage: fast digital zooms,
    whip pans, jolts, a subject filling the frame, footage sped up, and dissolves a few frames
    apart, each joined to other shots by true cuts, with exact answers."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from scenes import hard_real_cases
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return hard_real_cases(tmp_path_factory.mktemp("hard"), shared_media, held_out=True)


def _by_name(truth: dict, name: str) -> tuple[str, dict]:
    return next((path, answers) for path, answers in truth.items() if Path(path).name == name)


def test_fast_zooms_and_fast_action_are_one_shot_and_their_cuts_are_found(hard_real_footage):
    for name in ("held-zoom.mp4", "held-action.mp4"):
        path, answers = _by_name(hard_real_footage, name)
        report = detect_scenes(path)
        cuts = [t.frame for t in report.boundaries if t.kind == "cut"]
        assert cuts == [round(c * FPS) for c in answers["cuts"]], name  # every cut, no other
        gradual = [t for t in report.boundaries if t.kind != "cut"]
        assert len(gradual) == len(answers["gradual"]), name  # the one dissolve, no zoom taken for one
        for t, (start, end) in zip(gradual, answers["gradual"], strict=True):
            assert start * FPS - 2 <= t.frame <= end * FPS + 2


def test_two_dissolves_a_few_frames_apart_are_two(hard_real_footage):
    path, answers = _by_name(hard_real_footage, "held-dissolves.mp4")
    found = [t for t in detect_scenes(path).boundaries if t.kind == "dissolve"]
    first, second = answers["gradual"][:2]  # 8 frames, then 6 frames of the middle shot, then 6
    for start, end in (first, second):
        assert sum(start * FPS - 2 <= t.frame <= end * FPS + 2 for t in found) == 1
    assert not [t for t in detect_scenes(path).boundaries if t.kind == "cut"]


def test_a_whip_pan_from_the_first_frame_is_one_shot(shared_media, tmp_path):
    """The first frame has no change of its own; standing in for the frames before the file,
    its zero made a pan at full speed from the start look like a run of cuts."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from scenes import _real_shots, _whip
    finally:
        sys.path.remove(str(ROOT / "bench"))
    still = _real_shots(shared_media)["issue1"][60]
    for seed, speed in ((4, 0.08), (5, 0.12)):  # the first gave a false cut at frame 2
        path = tmp_path / f"whip{seed}.mp4"
        frames = _whip(still, 40, speed, seed)
        encode_video(path, iter(frames), (frames[0].shape[1], frames[0].shape[0]), FPS, None, len(frames))
        assert detect_scenes(str(path)).boundaries == [], seed


def test_dissolves_between_moving_shots_are_found_whole(hard_real_footage):
    """Their steps change no faster than the motion around them; the dip in contrast that a
    blend of two pictures makes still shows. A 60-frame one is one dissolve, not pieces."""
    path, answers = _by_name(hard_real_footage, "held-dissolves.mp4")
    found = [t for t in detect_scenes(path).boundaries]
    assert [t.kind for t in found] == ["dissolve"] * len(answers["gradual"])
    for t, (start, end) in zip(found, answers["gradual"], strict=True):
        assert start * FPS - 2 <= t.frame <= end * FPS + 2
    longest = found[2]
    assert longest.end - longest.start >= 0.8 * 60

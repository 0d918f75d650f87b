"""Shot-boundary accuracy and speed: Reelsmith against PySceneDetect, same inputs, same run.

Inputs, each with known answers: the generated demo clips (a cut, a fade through black, a
dissolve, a camera flash), generated hard cases (a fast pan, a zoom, a title appearing, a hand
over the lens, a cut between two similar shots) and the real film clip from ../shared/media.
PySceneDetect runs its ContentDetector and AdaptiveDetector with their defaults.

A found cut matches a true one within one frame; a gradual transition counts as found when
a reported boundary of any kind falls inside it (give or take two frames).

Run: .venv/bin/python bench/scenes.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-scenes-"))

import numpy as np  # noqa: E402

from core.media import probe  # noqa: E402
from core.samples import Shot, encode_video, ensure_samples, shot_frames  # noqa: E402
from core.scenes import detect_scenes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZE, FPS = (640, 360), 30


def hard_cases(folder: Path) -> dict[str, dict]:
    import cv2

    def title():
        for i, frame in enumerate(shot_frames(Shot("studio", 7, 120, pan=0.05), SIZE)):
            if i >= 60:
                frame = frame.copy()
                cv2.rectangle(frame, (80, 240), (560, 320), (250, 250, 250), -1)
                cv2.putText(frame, "SUBSCRIBE", (120, 300), cv2.FONT_HERSHEY_DUPLEX, 2.0, (20, 20, 20), 3)
            yield frame

    def hand():
        for i, frame in enumerate(shot_frames(Shot("beach", 8, 120, pan=0.1), SIZE)):
            yield frame if not 50 <= i < 53 else np.full_like(frame, (60, 40, 35))

    cases = {
        "fast-pan.mp4": (shot_frames(Shot("city", 5, 120, pan=1.6), SIZE), []),
        "zoom.mp4": (shot_frames(Shot("beach", 6, 120, pan=0.0, zoom_to=2.5), SIZE), []),
        "title.mp4": (title(), []),
        "hand.mp4": (hand(), []),
        "similar-cut.mp4": ([*shot_frames(Shot("city", 9, 60), SIZE),
                             *shot_frames(Shot("city", 10, 60, pan=-0.3, zoom_to=1.4), SIZE)], [60]),
    }
    truth = {}
    for name, (frames, cuts) in cases.items():
        path = folder / name
        encode_video(path, iter(list(frames)), SIZE, FPS, None, 120)
        truth[str(path)] = {"cuts": [c / FPS for c in cuts], "gradual": [], "frame": 1 / FPS}
    return truth


def dataset() -> dict[str, dict]:
    samples = ensure_samples(SIZE)
    truth = {}
    for name, clip in samples.manifest["clips"].items():
        truth[str(samples.path(name))] = {
            "cuts": [c / FPS for c in clip["cuts"]],
            "gradual": [(a / FPS, b / FPS) for a, b in clip["fades"] + clip["dissolves"]],
            "frame": 1 / FPS,
        }
    film = ROOT.parent / "shared" / "media" / "goldeneye-vfr-drop3.mp4"
    if film.exists():
        times = probe(film).frame_times
        truth[str(film)] = {"cuts": [float(times[60]), float(times[140])], "gradual": [], "frame": 1001 / 24000}
    truth.update(hard_cases(Path(tempfile.mkdtemp())))
    return truth


def ours(path: str) -> tuple[list[float], list[tuple[float, float]]]:
    report = detect_scenes(path)
    fps = report.fps
    cuts = [t.time for t in report.transitions if t.kind == "cut"]
    gradual = [(t.start / fps, t.end / fps) for t in report.transitions if t.kind != "cut"]
    return cuts, gradual


def pyscenedetect(detector_name: str):
    def run(path: str) -> tuple[list[float], list[tuple[float, float]]]:
        import scenedetect

        video = scenedetect.open_video(path)
        manager = scenedetect.SceneManager()
        manager.add_detector(getattr(scenedetect, detector_name)())
        manager.detect_scenes(video)
        return [start.get_seconds() for start, _ in manager.get_scene_list()[1:]], []

    return run


def score(truth: dict, found: tuple[list[float], list[tuple[float, float]]]) -> dict[str, int]:
    cuts, gradual = found
    tolerance = truth["frame"] * 1.01
    boundaries = cuts + [(a + b) / 2 for a, b in gradual]
    hit_cuts = sum(any(abs(c - t) <= tolerance for c in cuts) for t in truth["cuts"])
    hit_gradual = sum(any(a - 2 * tolerance <= x <= b + 2 * tolerance for x in boundaries) for a, b in truth["gradual"])
    explained = [x for x in boundaries
                 if any(abs(x - t) <= tolerance for t in truth["cuts"])
                 or any(a - 2 * tolerance <= x <= b + 2 * tolerance for a, b in truth["gradual"])]
    return {"cuts": hit_cuts, "cuts_total": len(truth["cuts"]), "gradual": hit_gradual,
            "gradual_total": len(truth["gradual"]), "false": len(boundaries) - len(explained)}


def main() -> None:
    import cv2

    assert "headless" in cv2.__file__ or not Path(cv2.__file__).with_name("qt").exists(), "cv2 must be the headless wheel"
    truth = dataset()
    detectors = {"reelsmith": ours, "PySceneDetect ContentDetector": pyscenedetect("ContentDetector"),
                 "PySceneDetect AdaptiveDetector": pyscenedetect("AdaptiveDetector")}
    frames = sum(probe(p).frame_count for p in truth)
    print(f"{len(truth)} clips, {frames} frames")
    for name, detect in detectors.items():
        totals = {"cuts": 0, "cuts_total": 0, "gradual": 0, "gradual_total": 0, "false": 0}
        start = time.perf_counter()
        for path, answers in truth.items():
            result = score(answers, detect(path))
            for key in totals:
                totals[key] += result[key]
            if result["false"] or result["cuts"] < result["cuts_total"] or result["gradual"] < result["gradual_total"]:
                print(f"  {name}: {Path(path).name}: {result}")
        seconds = time.perf_counter() - start
        print(f"{name}: cuts {totals['cuts']}/{totals['cuts_total']}, gradual {totals['gradual']}/"
              f"{totals['gradual_total']}, false boundaries {totals['false']}, {seconds:.2f} s "
              f"({frames / seconds:.0f} frames/s)")


def speed_1080p() -> None:
    """Decoding is the floor of the cost, so the gap shows best on full-HD footage."""
    clips = [str(p) for p in ensure_samples((1920, 1080)).clips]
    frames = sum(probe(p).frame_count for p in clips)
    for name, detect in (("reelsmith", ours), ("PySceneDetect ContentDetector", pyscenedetect("ContentDetector"))):
        start = time.perf_counter()
        for path in clips:
            detect(path)
        seconds = time.perf_counter() - start
        print(f"1080p speed, {name}: {frames} frames in {seconds:.2f} s ({frames / seconds:.0f} frames/s)")


if __name__ == "__main__":
    main()
    speed_1080p()

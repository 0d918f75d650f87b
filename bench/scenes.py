"""Shot-boundary accuracy and speed: Reelsmith against PySceneDetect, same inputs, same run.

Inputs, each with known answers: the generated demo clips (a cut, a fade through black, a
dissolve, a camera flash), generated hard cases (a fast pan, a zoom, a title appearing, a hand
over the lens, a cut between two similar shots) and the real film clip from ../shared/media.
PySceneDetect runs its ContentDetector and AdaptiveDetector with their defaults.

Real footage also comes joined: shots of the film clip and the phone clip from ../shared/media,
joined by cuts, dissolves (5 to 30 frames) and fades through black, with a camera flash and a
title inside shots, so the answers are exact to the frame.

A found cut matches a true one within two frames; a gradual transition counts as found when
a reported boundary of any kind falls inside it (give or take two frames). Precision counts
every reported boundary that matches nothing as false; the traps are clips with no boundary.

Run: .venv/bin/python bench/scenes.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-scenes-"))

import numpy as np  # noqa: E402

from core.media import (
    encode_video,  # noqa: E402
    probe,  # noqa: E402
)
from core.samples import Shot, ensure_samples, shot_frames  # noqa: E402
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


def _letterboxed(picture: np.ndarray) -> np.ndarray:
    """A real frame fitted inside the benchmark canvas (portrait footage gets side bars)."""
    import cv2

    width, height = SIZE
    scale = min(width / picture.shape[1], height / picture.shape[0])
    w, h = int(picture.shape[1] * scale) // 2 * 2, int(picture.shape[0] * scale) // 2 * 2
    canvas = np.zeros((height, width, 3), np.uint8)
    x, y = (width - w) // 2, (height - h) // 2
    canvas[y : y + h, x : x + w] = cv2.resize(picture, (w, h), interpolation=cv2.INTER_AREA)
    return canvas


def _real_shots(media: Path) -> dict[str, list[np.ndarray]]:
    """Single shots of real footage, by name: the film clip's and the phone clip's shots."""
    from core.media import VideoReader

    spans = {"goldeneye-vfr-drop3.mp4": [(0, 60), (60, 140), (140, 160)],
             "issue-134-rotate.mp4": [(0, 90), (90, 210), (210, 240)]}
    shots = {}
    for name, cuts in spans.items():
        with VideoReader(probe(media / name)) as reader:
            frames = [_letterboxed(reader.frame(i)) for i in range(cuts[-1][1])]
        for n, (first, end) in enumerate(cuts):
            shots[f"{name.split('-')[0]}{n}"] = frames[first:end]
    return shots


def _join(pieces: list, joins: list[tuple[str, int]]) -> tuple[list[np.ndarray], list[int], list[tuple[int, int]]]:
    """Pieces joined by ("cut", 0), ("dissolve", frames) or ("fade", frames out and in);
    returns the frames, the first frame of each cut and each gradual transition's frames."""
    frames, cuts, gradual = list(pieces[0]), [], []
    for piece, (kind, length) in zip(pieces[1:], joins, strict=True):
        if kind == "cut":
            cuts.append(len(frames))
            frames += piece
        elif kind == "dissolve":
            tail, start = frames[-length:], len(frames) - length
            frames[start:] = [((1 - w) * a + w * b).astype(np.uint8) for a, b, w in
                              zip(tail, piece[:length], np.linspace(0, 1, length + 2)[1:-1], strict=True)]
            gradual.append((start, len(frames) - 1))
            frames += piece[length:]
        else:  # fade through black
            start = len(frames) - length
            frames[start:] = [(a * (1 - (i + 1) / length)).astype(np.uint8) for i, a in enumerate(frames[start:])]
            frames += [(b * ((i + 1) / length)).astype(np.uint8) for i, b in enumerate(piece[:length])] + piece[length:]
            gradual.append((start, start + 2 * length - 1))
    return frames, cuts, gradual


def _with_flash(frames: list[np.ndarray], at: int) -> list[np.ndarray]:
    flash = [np.clip(f.astype(np.int16) + 150, 0, 255).astype(np.uint8) for f in frames[at : at + 2]]
    return frames[:at] + flash + frames[at + 2 :]


def real_joins(folder: Path, media: Path) -> dict[str, dict]:
    """Real shots joined by cuts, dissolves and fades, with a camera flash and a title inside
    shots: real picture content with exact answers."""
    import cv2

    shot = _real_shots(media)
    titled = [frame.copy() for frame in shot["goldeneye1"]]
    for frame in titled[30:]:
        cv2.putText(frame, "CHAPTER TWO", (150, 200), cv2.FONT_HERSHEY_DUPLEX, 1.6, (255, 255, 255), 3)
    edits = {
        "real-join-1.mp4": ([shot["goldeneye0"], shot["issue0"], shot["goldeneye1"], _with_flash(shot["issue1"], 40)],
                            [("cut", 0), ("dissolve", 20), ("fade", 10)]),
        "real-join-2.mp4": ([shot["issue1"][:70], shot["goldeneye0"], shot["issue2"], titled, shot["issue0"],
                             shot["goldeneye2"]],
                            [("dissolve", 8), ("cut", 0), ("cut", 0), ("fade", 8), ("dissolve", 12)]),
        "real-join-3.mp4": ([shot["goldeneye1"], _with_flash(shot["goldeneye0"], 20), shot["issue2"], shot["issue1"][40:]],
                            [("dissolve", 30), ("dissolve", 5), ("cut", 0)]),
    }
    truth = {}
    for name, (pieces, joins) in edits.items():
        frames, cuts, gradual = _join(pieces, joins)
        path = folder / name
        encode_video(path, iter(frames), SIZE, FPS, None, len(frames))
        truth[str(path)] = {"cuts": [c / FPS for c in cuts], "gradual": [(a / FPS, b / FPS) for a, b in gradual],
                            "frame": 1 / FPS}
    return truth


def long_edit(folder: Path) -> dict[str, dict]:
    """A minute of full-HD footage: twelve shots joined by cuts, dissolves and fades. Real
    footage is this long, and here the cost of starting on each file fades and decoding is
    everything. Made as a stream (a full-HD shot would not fit in memory as a list)."""
    size, length = (1920, 1080), 150
    joins = [("cut", 0), ("dissolve", 15), ("cut", 0), ("fade", 10), ("cut", 0), ("dissolve", 24),
             ("cut", 0), ("cut", 0), ("fade", 12), ("cut", 0), ("dissolve", 8)]
    cuts, gradual = [], []

    def frames():
        held: list[np.ndarray] = []  # the end of the previous shot, to dissolve into this one
        written = 0
        for k in range(len(joins) + 1):
            kind_in, n_in = joins[k - 1] if k else ("none", 0)
            kind_out, n_out = joins[k] if k < len(joins) else ("none", 0)
            if kind_in == "cut":
                cuts.append(written)
            elif kind_in == "dissolve":
                gradual.append((written, written + n_in - 1))
            ending: list[np.ndarray] = []
            shot = shot_frames(Shot(("city", "beach", "studio")[k % 3], 40 + k, length, pan=0.2 + 0.05 * k), size)
            for i, frame in enumerate(shot):
                from_end = length - i  # 1 for the last frame
                if kind_in == "dissolve" and i < n_in:
                    weight = (i + 1) / (n_in + 1)
                    frame = ((1 - weight) * held[i] + weight * frame).astype(np.uint8)
                elif kind_in == "fade" and i < n_in:
                    frame = (frame * ((i + 1) / n_in)).astype(np.uint8)
                if kind_out == "dissolve" and from_end <= n_out:
                    ending.append(frame)
                    continue
                if kind_out == "fade" and from_end <= n_out:
                    if from_end == n_out:
                        gradual.append((written, written + 2 * n_out - 1))
                    frame = (frame * ((from_end - 1) / n_out)).astype(np.uint8)
                written += 1
                yield frame
            held = ending

    path = folder / "long-edit-1080p.mp4"
    total = (len(joins) + 1) * length - sum(n for kind, n in joins if kind == "dissolve")
    encode_video(path, frames(), size, FPS, None, total)
    return {str(path): {"cuts": [c / FPS for c in cuts], "gradual": [(a / FPS, b / FPS) for a, b in gradual],
                        "frame": 1 / FPS}}


TRAPS = ("fast-pan.mp4", "zoom.mp4", "title.mp4", "hand.mp4", "studio-talk.mp4")  # no boundary inside


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
        truth.update(real_joins(Path(tempfile.mkdtemp()), film.parent))
    truth.update(hard_cases(Path(tempfile.mkdtemp())))
    truth.update(long_edit(Path(tempfile.mkdtemp())))
    return truth


def ours(path: str) -> tuple[list[float], list[tuple[float, float]]]:
    report = detect_scenes(path)
    fps = report.fps
    cuts = [t.time for t in report.boundaries if t.kind == "cut"]
    gradual = [(t.start / fps, t.end / fps) for t in report.boundaries if t.kind != "cut"]
    return cuts, gradual


def pyscenedetect(detector_name: str):
    def run(path: str) -> tuple[list[float], list[tuple[float, float]]]:
        import scenedetect

        video = scenedetect.open_video(path)
        manager = scenedetect.SceneManager()
        manager.add_detector(getattr(scenedetect, detector_name)())
        manager.detect_scenes(video)
        return [start.seconds for start, _ in manager.get_scene_list()[1:]], []

    return run


def score(truth: dict, found: tuple[list[float], list[tuple[float, float]]]) -> dict[str, int]:
    cuts, gradual = found
    tolerance = truth["frame"] * 2.01  # a cut matches within two frames
    boundaries = cuts + [(a + b) / 2 for a, b in gradual]
    hit_cuts = sum(any(abs(c - t) <= tolerance for c in cuts) for t in truth["cuts"])
    hit_gradual = sum(any(a - tolerance <= x <= b + tolerance for x in boundaries) for a, b in truth["gradual"])
    explained = [x for x in boundaries
                 if any(abs(x - t) <= tolerance for t in truth["cuts"])
                 or any(a - tolerance <= x <= b + tolerance for a, b in truth["gradual"])]
    return {"cuts": hit_cuts, "cuts_total": len(truth["cuts"]), "gradual": hit_gradual,
            "gradual_total": len(truth["gradual"]), "false": len(boundaries) - len(explained)}


def main() -> dict:
    import cv2

    assert "headless" in cv2.__file__ or not Path(cv2.__file__).with_name("qt").exists(), "cv2 must be the headless wheel"
    truth = dataset()
    detectors = {"reelsmith": ours, "PySceneDetect ContentDetector": pyscenedetect("ContentDetector"),
                 "PySceneDetect AdaptiveDetector": pyscenedetect("AdaptiveDetector")}
    frames = sum(probe(p).frame_count for p in truth)
    print(f"{len(truth)} clips, {frames} frames")
    for name, detect in detectors.items():
        totals = {"cuts": 0, "cuts_total": 0, "gradual": 0, "gradual_total": 0, "false": 0}
        trapped, seconds = 0, 0.0
        for path, answers in truth.items():
            start = time.perf_counter()
            found = detect(path)
            seconds += time.perf_counter() - start
            result = score(answers, found)
            for key in totals:
                totals[key] += result[key]
            trapped += result["false"] if Path(path).name in TRAPS else 0
            if result["false"] or result["cuts"] < result["cuts_total"] or result["gradual"] < result["gradual_total"]:
                print(f"  {name}: {Path(path).name}: {result}")
        hits, wanted = totals["cuts"] + totals["gradual"], totals["cuts_total"] + totals["gradual_total"]
        precision = hits / max(1, hits + totals["false"])
        recall = hits / max(1, wanted)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        print(f"{name}: cuts {totals['cuts']}/{totals['cuts_total']}, gradual {totals['gradual']}/"
              f"{totals['gradual_total']}, false boundaries {totals['false']} ({trapped} on traps), "
              f"precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}, {seconds:.2f} s "
              f"({frames / seconds:.0f} frames/s)")
    return truth


def speed(groups: dict[str, list[str]], repeats: int = 3) -> None:
    """Frames per second on each group of clips, the best of ``repeats`` runs taken in turn
    (shared machines are noisy: the best run is the one least disturbed). Decoding is the
    floor of the cost, so plain ffmpeg's decode-only speed is shown beside."""
    import subprocess

    from core.ffmpeg import ffmpeg_command

    def plain_ffmpeg(path: str) -> None:
        subprocess.run(ffmpeg_command("-i", path, "-an", "-f", "null", "-"), check=True)

    detectors = {"plain ffmpeg, decode only": plain_ffmpeg, "reelsmith": ours,
                 "PySceneDetect ContentDetector": pyscenedetect("ContentDetector")}
    for group, clips in groups.items():
        frames = sum(probe(p).frame_count for p in clips)
        best = dict.fromkeys(detectors, np.inf)
        for _ in range(repeats):
            for name, detect in detectors.items():
                start = time.perf_counter()
                for path in clips:
                    detect(path)
                best[name] = min(best[name], time.perf_counter() - start)
        anchor = frames / best["PySceneDetect ContentDetector"]
        for name, seconds in best.items():
            rate = frames / seconds
            print(f"speed, {group} ({len(clips)} clips, {frames} frames), {name}: {rate:.0f} frames/s, "
                  f"{rate / anchor:.2f}x ContentDetector")


if __name__ == "__main__":
    truth = main()
    speed({"the evaluation set": list(truth),
           "1080p demo clips, 5-8 s each": [str(p) for p in ensure_samples((1920, 1080)).clips],
           "1080p long edit, 60 s": [p for p in truth if Path(p).name == "long-edit-1080p.mp4"]})

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

Run: .venv/bin/python bench/scenes.py [--accuracy-only]
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


def _written(folder: Path, edits: dict[str, tuple[list, list]]) -> dict[str, dict]:
    """Each edit (pieces, joins) joined, encoded into ``folder``, with its exact answers."""
    truth = {}
    for name, (pieces, joins) in edits.items():
        frames, cuts, gradual = _join(pieces, joins)
        path = folder / name
        encode_video(path, iter(frames), SIZE, FPS, None, len(frames))
        truth[str(path)] = {"cuts": [c / FPS for c in cuts], "gradual": [(a / FPS, b / FPS) for a, b in gradual],
                            "frame": 1 / FPS}
    return truth


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
    return _written(folder, edits)


# --- the hard classes of real footage (#20): digital zooms, fast action, close dissolves ------


def _zoomed(frames: list[np.ndarray], start: int, length: int, scale: float,
            centre: tuple[float, float] = (0.5, 0.5)) -> list[np.ndarray]:
    """A digital zoom: from ``start`` the picture is scaled up (down, for a scale under 1, from
    ``scale`` back to 1) over ``length`` frames, eased, then held."""
    import cv2

    height, width = frames[0].shape[:2]
    out = []
    for i, frame in enumerate(frames):
        x = min(1.0, max(0.0, (i - start) / length))
        eased = x * x * (3 - 2 * x)
        s = 1 + (scale - 1) * eased if scale >= 1 else 1 / scale + (1 - 1 / scale) * eased
        w, h = width / s, height / s
        x0 = min(max(0.0, centre[0] * width - w / 2), width - w)
        y0 = min(max(0.0, centre[1] * height - h / 2), height - h)
        matrix = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]], np.float32)
        out.append(cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR))
    return out


def _whip(still: np.ndarray, count: int, speed: float, seed: int) -> list[np.ndarray]:
    """A fast pan across a real picture: a window of the benchmark's shape sweeping back and
    forth at ``speed`` (share of the window's width a frame), blurred by its own motion."""
    import cv2

    width, height = SIZE
    scale = height / still.shape[0] * 1.2
    wide = cv2.resize(still, (int(still.shape[1] * scale), int(still.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    span = wide.shape[1] - width
    rng = np.random.default_rng(seed)
    top = int(rng.integers(0, wide.shape[0] - height + 1))
    position, direction, out = float(rng.uniform(0, span)), 1.0, []
    for _ in range(count):
        samples = []
        for sub in range(4):  # the shutter stays open while the camera swings
            x = int(np.clip(position + direction * speed * width * sub / 4, 0, span))
            samples.append(wide[top : top + height, x : x + width].astype(np.float32))
        out.append((sum(samples) / len(samples)).astype(np.uint8))
        position += direction * speed * width
        if not 0 <= position <= span:
            direction, position = -direction, float(np.clip(position, 0, span))
    return out


def _shaken(frames: list[np.ndarray], amplitude: float, seed: int) -> list[np.ndarray]:
    """Hand-held action: each frame jolted (shift up to ``amplitude`` of the width, a few
    degrees of roll), scaled up so no border shows."""
    import cv2

    height, width = frames[0].shape[:2]
    rng = np.random.default_rng(seed)
    out = []
    for frame in frames:
        angle = float(rng.uniform(-4, 4))
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0 + 2 * amplitude)
        matrix[:, 2] += rng.uniform(-amplitude, amplitude, 2) * width
        out.append(cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REFLECT))
    return out


def _sweeping_subject(background: list[np.ndarray], subject: np.ndarray, speed: float) -> list[np.ndarray]:
    """A big subject (most of the picture's height) crossing the frame fast, back and forth."""
    import cv2

    width, height = SIZE
    size = int(height * 0.9)
    patch = cv2.resize(subject, (int(subject.shape[1] * size / subject.shape[0]), size), interpolation=cv2.INTER_AREA)
    out, x, direction = [], -patch.shape[1] / 2, 1.0
    for frame in background:
        frame = frame.copy()
        left = int(x)
        a, b = max(0, left), min(width, left + patch.shape[1])
        if b > a:
            frame[height - size :, a:b] = patch[:, a - left : b - left]
        out.append(frame)
        x += direction * speed * width
        if not -patch.shape[1] / 2 <= x <= width - patch.shape[1] / 2:
            direction = -direction
    return out


def _long(frames: list[np.ndarray], count: int) -> list[np.ndarray]:
    """A shot made ``count`` frames long by playing it forwards and backwards in turn (a plain
    loop would jump back to its start: a cut)."""
    out: list[np.ndarray] = []
    while len(out) < count:
        out += frames if len(out) // len(frames) % 2 == 0 else frames[::-1]
    return out[:count]


def _carphone(media: Path) -> list[np.ndarray]:
    from core.media import VideoReader

    with VideoReader(probe(media / "carphone.mp4")) as reader:
        return [_letterboxed(reader.frame(i)) for i in range(reader.info.frame_count)]


def hard_real_cases(folder: Path, media: Path, held_out: bool) -> dict[str, dict]:
    """Real footage of the classes that fooled detection: fast digital zooms, fast action in
    one shot (whip pans, jolts, a subject filling the frame, footage sped up), dissolves a few
    frames apart and long ones; each joined to another shot by a true cut too. The tuning set
    and the held-out set use different shots and settings."""
    shot = _real_shots(media)
    if not held_out:
        still = shot["goldeneye0"][30]
        edits = {
            "tune-zoom.mp4": ([_zoomed(shot["goldeneye1"], 20, 15, 1.4), _zoomed(shot["issue0"], 40, 10, 1.6, (0.4, 0.4)),
                               _zoomed(shot["goldeneye0"], 25, 14, 0.7)], [("cut", 0), ("cut", 0)]),
            "tune-action.mp4": ([_whip(still, 60, 0.12, 1), shot["issue1"][::3] + shot["issue1"][1::3],
                                 _shaken(shot["goldeneye1"], 0.08, 2)], [("cut", 0), ("dissolve", 12)]),
            "tune-dissolves.mp4": ([shot["goldeneye0"], shot["issue1"][:26], shot["goldeneye1"], shot["issue0"][::-1]],
                                   [("dissolve", 10), ("dissolve", 10), ("dissolve", 48)]),
        }
    else:
        face = _carphone(media)
        subject = face[60][40:320, 200:440]
        edits = {
            "held-zoom.mp4": ([_zoomed(face, 30, 16, 1.5, (0.5, 0.35)), _zoomed(_long(shot["goldeneye2"], 60), 12, 12, 1.35),
                               _zoomed(_long(shot["issue2"], 90), 20, 15, 0.75)], [("dissolve", 14), ("cut", 0)]),
            "held-action.mp4": ([_sweeping_subject(shot["goldeneye1"], subject, 0.15), _whip(shot["issue2"][10], 50, 0.15, 3),
                                 _shaken(face[::-1], 0.1, 4), _long(face[::4], 90)],
                                [("cut", 0), ("cut", 0), ("dissolve", 8)]),
            "held-dissolves.mp4": ([face, _long(shot["goldeneye2"], 20), _long(shot["issue2"], 120),
                                    face[::-1][:90], shot["goldeneye1"]],
                                   [("dissolve", 8), ("dissolve", 6), ("dissolve", 60), ("dissolve", 10)]),
        }
    return _written(folder, edits)


def fresh_held_out_cases(folder: Path, media: Path) -> dict[str, dict]:
    """A second held-out set of the same classes, made (ninth session) before any further
    tuning: mirrored, reversed and re-timed shots in other orders, other zoom centres and
    speeds, and the weak spot of the first held-out set (long dissolves between moving shots)
    at other lengths. Nothing may be tuned on it; it is measured, and that is all."""
    shot = _real_shots(media)
    face = [np.ascontiguousarray(f[:, ::-1]) for f in _carphone(media)]  # mirrored
    subject = face[30][30:330, 180:460]
    edits = {
        "fresh-zoom.mp4": ([_zoomed(face, 25, 13, 1.45, (0.45, 0.4)), _zoomed(shot["goldeneye0"][::-1], 20, 11, 0.8),
                            _zoomed(_long(shot["issue1"], 80), 35, 9, 1.3, (0.6, 0.5))],
                           [("cut", 0), ("dissolve", 20)]),
        "fresh-action.mp4": ([_whip(shot["issue0"][20], 45, 0.1, 7), _shaken(_long(shot["issue2"], 70), 0.07, 8),
                              _long(shot["goldeneye1"][::2], 70), _sweeping_subject(_long(shot["issue0"], 70), subject, 0.2)],
                             [("cut", 0), ("dissolve", 16), ("cut", 0)]),
        "fresh-dissolves.mp4": ([shot["goldeneye1"][::-1], _long(shot["issue1"], 120), face, _long(shot["goldeneye2"], 50),
                                 shot["issue0"][::2] + shot["issue0"][1::2]],
                                [("dissolve", 40), ("dissolve", 7), ("cut", 0), ("dissolve", 24)]),
    }
    return _written(folder, edits)


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
    for answers in truth.values():
        answers["set"] = "evaluation set"
    if film.exists():
        for held_out, label in ((False, "hard classes, tuned on"), (True, "hard classes, held out")):
            for path, answers in hard_real_cases(Path(tempfile.mkdtemp()), film.parent, held_out).items():
                truth[path] = {**answers, "set": label}
        for path, answers in fresh_held_out_cases(Path(tempfile.mkdtemp()), film.parent).items():
            truth[path] = {**answers, "set": "hard classes, second held-out set"}
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
    for label in dict.fromkeys(answers["set"] for answers in truth.values()):
        clips = {path: answers for path, answers in truth.items() if answers["set"] == label}
        print(f"-- {label}: {len(clips)} clips")
        for name, detect in detectors.items():
            accuracy(name, detect, clips)
    return truth


def accuracy(name: str, detect, truth: dict) -> None:
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
          f"precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}, {seconds:.2f} s")


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
    import sys

    truth = main()
    if "--accuracy-only" in sys.argv:
        raise SystemExit
    speed({"the evaluation set": [p for p, answers in truth.items() if answers["set"] == "evaluation set"],
           "1080p demo clips, 5-8 s each": [str(p) for p in ensure_samples((1920, 1080)).clips],
           "1080p long edit, 60 s": [p for p in truth if Path(p).name == "long-edit-1080p.mp4"]})

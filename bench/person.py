"""Person matte and faces on real footage with a known answer.

Matte: the carphone man (his matte on the clean clip, as the answer) laid over other real
footage: the goldeneye film, the fades clip, and the film tinted towards his suit and hair (a
background close in colour to the person), each with camera noise, once still and once with him
sliding across the frame. Reported: IoU (at 0.5), the mean absolute alpha error, and flicker (the
mean alpha change per frame where neither he nor the background moves). Anchor: OpenCV's MOG2
background subtractor, in the same run on the same frames (it learns the background as it goes,
so its first frames are left out of its scores).

Speed: one 1080p frame's matte (the network and the settling) and the effect (edge refinement
and compositing) in each mode, against the chroma key effect on the same frame.

Faces: BlazeFace against OpenCV's Haar cascade (what reframing used before), on frames with a
face (carphone; the generated presenter; carphone turned in the picture by up to 45 degrees and
squeezed as by a head turned to the side) and without one (fades, counter, the beach sample).

Run: .venv/bin/python bench/person.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from core.media import VideoReader, encode_video, media_info
from core.samples import ensure_samples, person_over
from core.vision.matte import PersonMattes

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
SIZE = (352, 288)
FRAMES = 90
MOG_WARMUP = 30  # frames MOG2 is given to learn the background before it is scored


def _frames(path: Path, count: int, first: int = 0, size=SIZE) -> np.ndarray:
    info = media_info(path)
    with VideoReader(info, size) as reader:
        return np.stack([reader.frame((first + i) % info.frame_count) for i in range(count)])


def _truth() -> tuple[np.ndarray, np.ndarray]:
    import cv2

    clean = PersonMattes(MEDIA / "carphone.mp4")
    people = _frames(MEDIA / "carphone.mp4", FRAMES)
    alphas = np.stack([cv2.resize(clean.mask(i % 120), SIZE, interpolation=cv2.INTER_LINEAR) for i in range(FRAMES)])
    return people, alphas


def _backgrounds(people: np.ndarray, alphas: np.ndarray) -> dict[str, np.ndarray]:
    film = _frames(MEDIA / "goldeneye-vfr-drop3.mp4", FRAMES, 40)
    person = alphas > 200
    mean_person = np.array([people[i][person[i]].mean(axis=0) for i in range(0, FRAMES, 10)]).mean(axis=0)
    tinted = np.clip(film.astype(np.float32) * 0.35 + mean_person * 0.65, 0, 255).astype(np.uint8)
    return {"film": film, "fades": _frames(MEDIA / "fades.mp4", FRAMES, 60), "film tinted like his suit": tinted}


def _slide(frames: np.ndarray, pixels_per_frame: int) -> np.ndarray:
    return np.stack([np.roll(f, (i - FRAMES // 2) * pixels_per_frame, axis=1) for i, f in enumerate(frames)])


def _scores(found: np.ndarray, truth: np.ndarray, composite: np.ndarray, first: int) -> tuple[float, float, float]:
    found, truth = found[first:].astype(np.float32) / 255, truth[first:].astype(np.float32) / 255
    hard_found, hard_truth = found > 0.5, truth > 0.5
    iou = float(((hard_found & hard_truth).sum(axis=(1, 2)) / np.maximum(1, (hard_found | hard_truth).sum(axis=(1, 2)))).mean())
    mae = float(np.abs(found - truth).mean())
    picture = composite[first:].astype(np.float32).mean(axis=3)
    still = (np.abs(np.diff(picture, axis=0)) < 6) & (np.abs(np.diff(truth, axis=0)) < 0.02)
    flicker = float(np.abs(np.diff(found, axis=0))[still].mean())
    return iou, mae, flicker


def matte_quality() -> list[tuple]:
    import cv2

    people, alphas = _truth()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, background in _backgrounds(people, alphas).items():
            for motion in (0, 2):
                faces, truth = (_slide(people, motion), _slide(alphas, motion)) if motion else (people, alphas)
                composite = person_over(faces, truth, background, noise=4.0, seed=len(rows))
                path = Path(scratch) / f"{len(rows)}.mp4"
                encode_video(path, iter(composite), SIZE, 30, crf=14)
                mattes = PersonMattes(path)
                ours = np.stack([cv2.resize(mattes.mask(i), SIZE, interpolation=cv2.INTER_LINEAR) for i in range(FRAMES)])
                mog = cv2.createBackgroundSubtractorMOG2(history=200, detectShadows=True)
                theirs = np.stack([np.where(mog.apply(cv2.cvtColor(f, cv2.COLOR_RGB2BGR)) > 127, 255, 0).astype(np.uint8)
                                   for f in composite])
                rows.append((name, "sliding 2 px/frame" if motion else "still",
                             _scores(ours, truth, composite, MOG_WARMUP), _scores(theirs, truth, composite, MOG_WARMUP)))
    return rows


def speed() -> list[tuple[str, float]]:
    import cv2

    from core.effects import Source, apply_effects, make_effect
    from core.vision.matte import _Settler, raw_mask

    picture = cv2.resize(_frames(MEDIA / "carphone.mp4", 1, 30)[0], (1920, 1080), interpolation=cv2.INTER_CUBIC)
    source = Source(str(MEDIA / "carphone.mp4"), 1.0)

    def timed(work, repeats: int = 40) -> float:
        work()
        start = time.perf_counter()
        for _ in range(repeats):
            work()
        return (time.perf_counter() - start) / repeats * 1000

    settler = _Settler()
    rows = [("matte: network + settling (once per source frame, cached)", timed(lambda: settler.add(raw_mask(picture), picture)))]
    for mode in ("replace", "blur", "colour"):
        effect = [make_effect("background", mode=mode)]
        rows.append((f"background effect, {mode} (edges refined, composited)", timed(lambda e=effect: apply_effects(picture, 0.0, e, source=source))))
    key = [make_effect("chroma_key")]
    rows.append(("chroma key effect (anchor)", timed(lambda: apply_effects(picture, 0.0, key))))
    return rows


def _face_sets() -> dict[str, tuple[list[np.ndarray], bool]]:
    import cv2

    carphone = list(_frames(MEDIA / "carphone.mp4", 40, 0, (352, 288))[::2])
    turned = []
    for i, frame in enumerate(carphone):
        h, w = frame.shape[:2]
        angle = [-45, -30, 30, 45][i % 4]
        turned.append(cv2.warpAffine(frame, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                                     borderMode=cv2.BORDER_REFLECT))
        squeeze = np.float32([[0, 0], [w, h * 0.08], [w, h * 0.92], [0, h]])  # a head turned aside, roughly
        turned.append(cv2.warpPerspective(frame, cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), squeeze), (w, h),
                                          borderMode=cv2.BORDER_REFLECT))
    samples = ensure_samples((640, 360))
    presenter = list(_frames(samples.path("studio-talk.mp4"), 20, 0, (640, 360)))
    without = (list(_frames(MEDIA / "fades.mp4", 20, 0, (480, 320))) + list(_frames(MEDIA / "counter.mp4", 10, 0, (640, 360)))
               + list(_frames(samples.path("beach-drone.mp4"), 20, 0, (640, 360))))
    return {"carphone (talking head)": (carphone, True), "carphone turned 30-45 degrees or aside": (turned, True),
            "generated presenter": (presenter, True), "no face (fades, counter, beach)": (without, False)}


def faces() -> list[tuple]:
    import cv2

    from core.vision.faces import detect_faces

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def haar(picture: np.ndarray) -> int:
        grey = cv2.equalizeHist(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY))
        side = max(20, grey.shape[0] // 8)  # as reframing called it
        return len(cascade.detectMultiScale(grey, 1.15, 8, minSize=(side, side)))

    rows = []
    for name, (pictures, has_face) in _face_sets().items():
        start = time.perf_counter()
        ours = [len(detect_faces(p)) for p in pictures]
        our_ms = (time.perf_counter() - start) / len(pictures) * 1000
        start = time.perf_counter()
        theirs = [haar(p) for p in pictures]
        their_ms = (time.perf_counter() - start) / len(pictures) * 1000
        share = (lambda counts: np.mean([c > 0 for c in counts])) if has_face else (lambda counts: float(sum(counts)))
        rows.append((name, len(pictures), has_face, share(ours), share(theirs), our_ms, their_ms))
    return rows


def main() -> None:
    print("## Matte (IoU / mean alpha error / flicker), Reelsmith against MOG2")
    print("| background | person | Reelsmith | MOG2 (anchor) |")
    print("| --- | --- | --- | --- |")
    for name, motion, ours, theirs in matte_quality():
        print(f"| {name} | {motion} | {ours[0]:.3f} / {ours[1]:.3f} / {ours[2]:.4f} | {theirs[0]:.3f} / {theirs[1]:.3f} / {theirs[2]:.4f} |")
    print("\n## Speed, one 1080p frame (ms)")
    rows = speed()
    anchor = rows[-1][1]
    for name, ms in rows:
        print(f"| {name} | {ms:.1f} | {ms / anchor:.2f}x |")
    print("\n## Faces: share of frames with a face found (false detections on frames without one)")
    print("| frames | count | BlazeFace | Haar (anchor) | ms per frame, BlazeFace / Haar |")
    for name, count, has_face, ours, theirs, our_ms, their_ms in faces():
        shown = (f"{ours:.0%} | {theirs:.0%}" if has_face else f"{ours:.0f} false | {theirs:.0f} false")
        print(f"| {name} | {count} | {shown} | {our_ms:.1f} / {their_ms:.1f} |")


if __name__ == "__main__":
    main()

"""Deterministic demo media, generated locally: footage, speech-like and music-like sound.

The demo project and the tests use these instead of third-party files. Every clip comes with
ground truth (cut frames, fades, dissolves, flashes, silent stretches) in ``manifest.json``,
so the assistant features can be tested against known answers. Generated once per size and
cached in the user's data folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.fileio import atomic_write_bytes
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.media import SAMPLE_RATE, encode_video, write_image, write_wav
from core.paths import data_subdir

SAMPLES_VERSION = 1


# ---------------------------------------------------------------------------------------------
# Pictures


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a coarse random grid blown up smoothly."""
    import cv2

    coarse = rng.random((cells, max(2, cells * width // height))).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _gradient(height: int, width: int, top, bottom) -> np.ndarray:
    mix = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    row = (1 - mix) * np.asarray(top, np.float32) + mix * np.asarray(bottom, np.float32)
    return np.repeat(row, width, axis=1)


def scene_image(kind: str, seed: int, width: int, height: int) -> np.ndarray:
    """A detailed landscape (RGB uint8) for a camera to move over. ``kind``: city, beach, studio."""
    import cv2

    rng = np.random.default_rng(seed)
    palettes = {
        "city": ((40, 60, 120), (250, 150, 90), (30, 30, 45)),
        "beach": ((90, 170, 235), (220, 235, 250), (225, 200, 150)),
        "studio": ((60, 50, 70), (120, 90, 110), (70, 60, 60)),
    }
    sky_top, sky_bottom, ground = palettes[kind]
    picture = _gradient(height, width, sky_top, sky_bottom)
    x = np.arange(width, dtype=np.float32)
    horizon = int(height * (0.62 if kind != "studio" else 0.78))
    if kind == "city":
        for _ in range(60):
            w = int(rng.integers(width // 40, width // 12))
            h = int(rng.integers(height // 8, height // 2))
            left = int(rng.integers(0, width - w))
            shade = rng.uniform(0.1, 0.35) * 255
            picture[horizon - h : horizon, left : left + w] = (shade, shade * 0.9, shade * 1.1)
            lit = rng.random((h // 12, w // 10)) > 0.55  # window grid
            ys, xs = np.nonzero(lit)
            for yy, xx in zip(ys, xs, strict=False):
                y0, x0 = horizon - h + yy * 12 + 3, left + xx * 10 + 3
                picture[y0 : y0 + 5, x0 : x0 + 4] = (250, 220, 140)
    elif kind == "beach":
        cv2.circle(picture, (int(width * 0.7), int(height * 0.25)), height // 12, (255, 245, 200), -1)
        waves = (np.sin(x / 37.0) * 6 + np.sin(x / 11.0) * 2).astype(int)
        for y in range(int(height * 0.5), horizon):
            tone = 0.6 + 0.4 * ((y + waves) % 14 < 3)
            picture[y] = np.stack([20 * tone, 110 * tone, 170 * tone], axis=-1)
    picture[horizon:] = ground
    hills = horizon + (np.sin(x / 180 + seed) * height * 0.03).astype(int)
    rows = np.arange(height)[:, None]
    picture[(rows >= hills[None, :]) & (rows < horizon + height // 40)] *= 0.8
    for _ in range(14 if kind != "studio" else 6):  # soft foreground shapes
        centre = (int(rng.integers(0, width)), int(rng.integers(horizon, height)))
        colour = tuple(float(c) for c in rng.uniform(40, 220, 3))
        cv2.circle(picture, centre, int(rng.integers(height // 40, height // 10)), colour, -1)
    detail = _smooth_noise(rng, height, width, 96)[..., None] * 40 - 20
    grain = rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return np.clip(picture + detail + grain, 0, 255).astype(np.uint8)


def _camera(picture: np.ndarray, cx: float, cy: float, zoom: float, angle: float,
            size: tuple[int, int]) -> np.ndarray:
    """The view of a camera centred on (cx, cy) of ``picture``, ``zoom`` >= 1."""
    import cv2

    width, height = size
    scale = zoom * width / (picture.shape[1] * 0.7)  # the view spans 70% of the scene
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    matrix[:, 2] += (width / 2 - cx, height / 2 - cy)
    return cv2.warpAffine(picture, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _camera_path(frames: int, seed: int, pan: float, zoom_from: float, zoom_to: float):
    """Smooth pan/zoom with a little hand-held shake, as (x, y, zoom, angle) per frame."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, frames)
    shake = [sum(a * np.sin(2 * np.pi * (f * t + rng.random())) for a, f in ((0.004, 3.1), (0.002, 7.3)))
             for _ in range(3)]
    x = 0.5 + pan * (t - 0.5) + shake[0]
    y = 0.5 + 0.03 * np.sin(np.pi * t) + shake[1]
    zoom = zoom_from + (zoom_to - zoom_from) * (3 * t**2 - 2 * t**3)
    return x, y, zoom, shake[2] * 40


@dataclass
class Shot:
    scene: str
    seed: int
    frames: int
    pan: float = 0.3
    zoom_from: float = 1.0
    zoom_to: float = 1.1


def shot_frames(shot: Shot, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """The frames of one camera move over a generated scene."""
    width, height = size
    picture = scene_image(shot.scene, shot.seed, width * 2, height * 2)
    xs, ys, zooms, angles = _camera_path(shot.frames, shot.seed, shot.pan, shot.zoom_from, shot.zoom_to)
    subject_x = np.linspace(0.3, 0.7, shot.frames)
    for i in range(shot.frames):
        frame = _camera(picture, xs[i] * width * 2, ys[i] * height * 2, zooms[i], angles[i], size)
        if shot.scene == "studio":  # a presenter who sways: something for reframing to follow
            _draw_presenter(frame, subject_x[i] + 0.05 * np.sin(i / 9), i)
        yield frame


def _draw_presenter(frame: np.ndarray, x: float, i: int) -> None:
    import cv2

    height, width = frame.shape[:2]
    cx, cy, r = int(x * width), int(height * 0.45), height // 9
    cv2.ellipse(frame, (cx, cy + int(r * 2.6)), (int(r * 1.6), int(r * 1.4)), 0, 180, 360, (40, 70, 140), -1)
    cv2.circle(frame, (cx, cy), r, (205, 160, 130), -1)
    for dx in (-r // 3, r // 3):
        cv2.circle(frame, (cx + dx, cy - r // 6), max(2, r // 10), (30, 30, 30), -1)
    mouth = max(2, int(r / 5 * (1 + np.sin(i * 1.7))))
    cv2.ellipse(frame, (cx, cy + r // 2), (r // 3, mouth // 2 + 1), 0, 0, 360, (120, 40, 40), -1)


# ---------------------------------------------------------------------------------------------
# Sound


_VOWELS = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410)]


def speech_like(seconds: float, seed: int, silences: list[tuple[float, float]] = (),
                sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono voice-like babble: voiced syllables with formants, words, phrases and pauses."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * sample_rate), np.float32)
    t = 0.2
    while t < seconds - 0.5:
        for _ in range(int(rng.integers(2, 6))):  # words in a phrase
            for _ in range(int(rng.integers(1, 4))):  # syllables in a word
                length = float(rng.uniform(0.12, 0.28))
                if not any(a - length < t < b for a, b in silences):
                    _add_syllable(out, t, length, rng, sample_rate)
                t += length + 0.04
            t += float(rng.uniform(0.1, 0.2))
        t += float(rng.uniform(0.35, 0.8))
    return out / max(1e-6, float(np.abs(out).max())) * 0.5


def _add_syllable(out: np.ndarray, start: float, length: float, rng, sample_rate: int) -> None:
    n = int(length * sample_rate)
    begin = int(start * sample_rate)
    n = min(n, len(out) - begin)
    if n <= 0:
        return
    t = np.arange(n) / sample_rate
    f0 = rng.uniform(110, 200) * (1 + 0.08 * np.sin(2 * np.pi * 3 * t)) * np.linspace(1.05, 0.92, n)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    formants = _VOWELS[int(rng.integers(len(_VOWELS)))]
    voice = np.zeros(n)
    mean_f0 = float(f0.mean())
    for k in range(1, int(4000 / mean_f0)):
        gain = sum(1.0 / (1 + ((k * mean_f0 - f) / 90) ** 2) for f in formants) / k**0.3
        voice += gain * np.sin(k * phase)
    envelope = np.minimum(1, t / 0.02) * np.minimum(1, (length - t) / 0.05).clip(0, 1)
    if rng.random() < 0.5:  # a consonant: a short noise burst
        burst = min(n, int(0.03 * sample_rate))
        voice[:burst] += rng.normal(0, 0.6, burst) * np.linspace(1, 0, burst) * voice.std()
    out[begin : begin + n] += (voice * envelope).astype(np.float32)


def music_like(seconds: float, bpm: float, seed: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A stereo pop-style loop: chords, bass, kick on the beat, hats off the beat."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    beat = 60.0 / bpm
    progression = [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)]  # I V vi IV
    root = 220.0 * 2 ** (rng.integers(0, 5) / 12)
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    bar = 4 * beat
    chord_index = (t // bar).astype(int) % len(progression)
    in_bar = (t % bar) / bar
    pad_env = np.minimum(1, in_bar * 8) * (1 - 0.4 * in_bar)
    for voice in range(3):
        semis = np.array([c[voice] for c in progression])[chord_index]
        freq = root * 2 ** (semis / 12)
        phase = 2 * np.pi * np.cumsum(freq) / sample_rate
        tone = (np.sin(phase) + 0.3 * np.sin(2 * phase)) * pad_env * 0.12
        left += tone * (1.1 - 0.2 * voice)
        right += tone * (0.7 + 0.2 * voice)
    since_beat = t % beat
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-since_beat * 30)) * since_beat) * np.exp(-since_beat * 9)
    bass_freq = root / 4 * 2 ** (np.array([c[0] for c in progression])[chord_index] / 12)
    bass = np.sin(2 * np.pi * np.cumsum(bass_freq) / sample_rate) * np.exp(-since_beat * 4) * 0.25
    since_off = (t + beat / 2) % beat
    hats = np.diff(rng.normal(0, 1, n + 1)) * np.exp(-since_off * 60) * 0.06
    mono = (0.5 * kick + bass + hats).astype(np.float32)
    stereo = np.stack([left + mono, right + mono], axis=1)
    return (stereo / max(1e-6, float(np.abs(stereo).max())) * 0.7).astype(np.float32)


def under_a_bed(voices: list[np.ndarray], gap: float, bed: str, snr_db: float, seed: int = 0,
                rate: int = 16000) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Mono recordings of speech one after another with ``gap`` seconds between them, over a
    continuous bed ("music", "noise" or "none") ``snr_db`` below the speech's level: what a
    voice detector is tried on. Returns the sound and where each recording lies."""
    rng = np.random.default_rng(seed)
    pieces, spans, t = [np.zeros(int(gap * rate), np.float32)], [], gap
    for voice in voices:
        pieces += [voice.astype(np.float32), np.zeros(int(gap * rate), np.float32)]
        spans.append((t, t + len(voice) / rate))
        t += len(voice) / rate + gap
    speech = np.concatenate(pieces)
    if bed == "none":
        return speech, spans
    under = (music_like(len(speech) / rate + 0.1, 96, seed, rate)[: len(speech)].mean(axis=1) if bed == "music"
             else rng.normal(0, 1, len(speech)).astype(np.float32))
    spoken = np.concatenate([v for v in voices])
    level = np.sqrt(np.mean(spoken**2)) / 10 ** (snr_db / 20)
    mixed = speech + under / max(1e-9, float(np.sqrt(np.mean(under**2)))) * level
    return (mixed / max(1.0, float(np.abs(mixed).max()) / 0.95)).astype(np.float32), spans


def person_over(people: np.ndarray, alphas: np.ndarray, backgrounds: np.ndarray, noise: float = 0.0,
                seed: int = 0) -> np.ndarray:
    """People (frames, RGB) laid over other footage (the same number of frames, the same size)
    by their alphas (uint8), with camera noise of ``noise`` grey levels on top: footage whose
    right matte is known, for matting tests and benchmarks."""
    rng = np.random.default_rng(seed)
    weight = alphas[..., None].astype(np.float32) / 255
    mixed = people.astype(np.float32) * weight + backgrounds.astype(np.float32) * (1 - weight)
    if noise:
        mixed += rng.normal(0, noise, mixed.shape).astype(np.float32)
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# The sample set


@dataclass
class ClipPlan:
    name: str
    shots: list[Shot]
    joins: list[tuple[str, int]]  # how each shot after the first begins: ("cut"|"dissolve"|"fade", frames)
    audio: Callable[[float], np.ndarray]
    flashes: tuple[int, ...] = ()


def _plans(fps: int) -> list[ClipPlan]:
    s = fps  # one second of frames
    return [
        ClipPlan(
            "city-walk.mp4",
            [Shot("city", 11, 3 * s, pan=0.35), Shot("city", 12, 3 * s, pan=-0.2, zoom_to=1.3),
             Shot("beach", 13, 2 * s, pan=0.1)],
            [("cut", 0), ("fade", s)],
            lambda sec: np.repeat(speech_like(sec, 1)[:, None], 2, axis=1),
        ),
        ClipPlan(
            "beach-drone.mp4",
            [Shot("beach", 21, 3 * s, pan=0.4, zoom_to=1.25), Shot("beach", 22, 3 * s, pan=-0.3)],
            [("dissolve", s // 2)],
            lambda sec: music_like(sec, 120, 2),
        ),
        ClipPlan(
            "studio-talk.mp4",
            [Shot("studio", 31, 6 * s, pan=0.05, zoom_to=1.05)],
            [],
            lambda sec: np.repeat(speech_like(sec, 3, silences=[(2.5, 4.0)])[:, None], 2, axis=1),
            flashes=(4 * s + 5,),
        ),
    ]


@dataclass
class _Placed:
    shot: Shot
    start: int
    fade_in: int = 0  # frames of fade from black at the start
    fade_out: int = 0  # frames of fade to black at the end

    @property
    def end(self) -> int:
        return self.start + self.shot.frames

    def gain(self, i: int) -> float:
        gain = 1.0
        if i < self.start + self.fade_in:
            gain = (i - self.start + 1) / (self.fade_in + 1)
        if i >= self.end - self.fade_out:
            gain = min(gain, (self.end - i) / (self.fade_out + 1))
        return gain


def _assemble(plan: ClipPlan, size: tuple[int, int]) -> tuple[Iterator[np.ndarray], int, dict]:
    """The clip's frames with joins and flashes applied, its length, and its ground truth."""
    truth = {"cuts": [], "fades": [], "dissolves": [], "flashes": list(plan.flashes)}
    placed = [_Placed(plan.shots[0], 0)]
    for shot, (kind, length) in zip(plan.shots[1:], plan.joins, strict=True):
        previous = placed[-1]
        if kind == "dissolve":  # the two shots overlap by `length` frames
            placed.append(_Placed(shot, previous.end - length))
            truth["dissolves"].append([previous.end - length, previous.end - 1])
        elif kind == "fade":
            previous.fade_out = length
            placed.append(_Placed(shot, previous.end, fade_in=length))
            truth["fades"].append([previous.end - length, previous.end + length - 1])
        else:
            placed.append(_Placed(shot, previous.end))
            truth["cuts"].append(previous.end)
    total = placed[-1].end

    def frames() -> Iterator[np.ndarray]:
        sources = [shot_frames(p.shot, size) for p in placed]
        for i in range(total):
            live = [(p, src) for p, src in zip(placed, sources, strict=True) if p.start <= i < p.end]
            pictures = [next(src).astype(np.float32) * p.gain(i) for p, src in live]
            frame = pictures[-1]
            if len(pictures) == 2:  # inside a dissolve
                incoming = live[1][0]
                mix = (i - incoming.start + 1) / (live[0][0].end - incoming.start + 1)
                frame = pictures[0] * (1 - mix) + pictures[1] * mix
            if i in plan.flashes:
                frame = frame * 0.2 + 255 * 0.8
            yield np.clip(frame, 0, 255).astype(np.uint8)

    return frames(), total, truth


@dataclass
class SampleSet:
    folder: Path
    manifest: dict

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def clips(self) -> list[Path]:
        return [self.folder / name for name in self.manifest["clips"]]


def samples_folder(size: tuple[int, int], fps: int) -> Path:
    return data_subdir("samples") / f"v{SAMPLES_VERSION}-{size[0]}x{size[1]}-{fps}"


def ensure_samples(size: tuple[int, int] = (1280, 720), fps: int = 30, *,
                   progress: Progress | None = None, cancel: CancelToken | None = None) -> SampleSet:
    """Generate the demo media once (cached); returns where it is and its ground truth."""
    folder = samples_folder(size, fps)
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all((folder / n).exists() for n in [*manifest["clips"], *manifest["extras"]]):
            return SampleSet(folder, manifest)
    folder.mkdir(parents=True, exist_ok=True)
    plans = _plans(fps)
    manifest = {"version": SAMPLES_VERSION, "fps": fps, "size": list(size), "clips": {}, "extras": {}}
    for index, plan in enumerate(plans):
        frames, total, truth = _assemble(plan, size)
        audio = plan.audio(total / fps)
        step = sub_progress(progress, index / (len(plans) + 1), (index + 1) / (len(plans) + 1))
        encode_video(folder / plan.name, frames, size, fps, audio, total, step, cancel)
        truth["frames"] = total
        truth["silences"] = [[2.5, 4.0]] if plan.name == "studio-talk.mp4" else []
        manifest["clips"][plan.name] = truth
    check_cancel(cancel)
    write_wav(folder / "music-bed.wav", music_like(20.0, 120, 7))
    manifest["extras"]["music-bed.wav"] = {"bpm": 120, "seconds": 20.0}
    write_title_card(folder / "title-card.png", size)
    manifest["extras"]["title-card.png"] = {}
    atomic_write_bytes(manifest_path, json.dumps(manifest, indent=2).encode())
    report(progress, 1.0, "Demo media ready")
    return SampleSet(folder, manifest)


def write_title_card(path: Path, size: tuple[int, int]) -> None:
    import cv2

    width, height = size
    picture = _gradient(height, width, (20, 24, 60), (120, 40, 110)).astype(np.uint8)
    scale = width / 640
    cv2.putText(picture, "Reelsmith", (int(width * 0.27), int(height * 0.55)), cv2.FONT_HERSHEY_DUPLEX,
                2.2 * scale, (255, 255, 255), max(2, int(3 * scale)), cv2.LINE_AA)
    write_image(path, picture)

"""Generated background music: a royalty-free, loopable bed in seconds, the same for the same seed.

A mood picks a chord progression, a drum pattern, which instruments play and how bright they
are. The key and tempo are the creator's. Everything is synthesised here (additive tones with
envelopes, pitch-swept kicks, filtered noise for snares and hats), so nothing is sampled or
downloaded and the music belongs to whoever generated it.

The bed is a whole number of bars long and wraps around: a note or an echo that would run past
the end comes back in at the start, and the reverb is a circular convolution. Playing it on a
loop has no seam. The result is mastered to -16 LUFS with peaks under -1 dBTP, a level that
sits under a voice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import MediaError

RATE = 48000
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class Mood:
    progression: tuple[int, ...]  # scale degrees (0 = the key's root chord), one per bar
    minor: bool
    kick: str  # 16 steps a bar: "x" hit, "." rest
    snare: str
    hats: str
    bpm: int  # a sensible default tempo
    brightness: float  # 0 dark .. 1 bright (harmonics in the tones)
    arpeggio: bool
    swing: float = 0.0  # delay of every second sixteenth, as a share of a sixteenth
    arp_every: int = 2  # sixteenths between arpeggio notes


MOODS: dict[str, Mood] = {
    "chill": Mood((0, 5, 3, 4), False, "x.....x...x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", 85, 0.35, False, 0.25),
    "upbeat": Mood((0, 4, 5, 3), False, "x...x...x...x...", "....x.......x...", "..x...x...x...x.", 120, 0.7, True),
    "cinematic": Mood((0, 5, 2, 6), True, "x.......x.......", "................", "................", 70, 0.3, True,
                      arp_every=4),
    "dreamy": Mood((0, 3, 5, 4), False, "x.........x.....", "........x.......", "....x.......x...", 90, 0.45, True, 0.1),
    "energetic": Mood((0, 5, 6, 4), True, "x...x...x...x...", "....x.......x...", "x.xxx.xxx.xxx.xx", 128, 0.8, True),
    "lofi": Mood((0, 3, 1, 4), True, "x......xx.x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", 80, 0.25, False, 0.3),
}


def parse_key(key: str) -> tuple[int, bool | None]:
    """"A", "F#m", "Bb minor", "C major" -> (semitones above C, minor or None when unsaid)."""
    text = key.strip().replace(" ", "")
    minor = None
    for suffix, is_minor in (("minor", True), ("min", True), ("major", False), ("maj", False), ("m", True)):
        if text.lower().endswith(suffix) and len(text) > len(suffix):
            text, minor = text[: -len(suffix)], is_minor
            break
    text = FLATS.get(text[:1].upper() + text[1:], text[:1].upper() + text[1:])
    if text not in NOTE_NAMES:
        raise MediaError(f"'{key}' is not a key; write it like C, F#m, Bb minor or A major.")
    return NOTE_NAMES.index(text), minor


def _freq(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


class _Track:
    """A circular buffer: what is added past the end wraps to the start (the loop has no seam)."""

    def __init__(self, length: int):
        self.left, self.right = np.zeros(length, np.float32), np.zeros(length, np.float32)

    def add(self, start: int, sound: np.ndarray, pan: float = 0.0) -> None:
        n = len(self.left)
        index = (start + np.arange(len(sound))) % n
        np.add.at(self.left, index, sound * (1 - max(0.0, pan)))
        np.add.at(self.right, index, sound * (1 + min(0.0, pan)))


def _tone(freq: float, seconds: float, brightness: float, attack: float, decay: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    harmonics = sum((brightness**k) / (k + 1) * np.sin(2 * np.pi * freq * (k + 1) * t) for k in range(5))
    envelope = np.minimum(1, t / max(attack, 1e-3)) * np.exp(-t / decay)
    release = np.minimum(1, (t[-1] - t) / 0.05) if len(t) else t  # no click at the note's end
    return (harmonics * envelope * release).astype(np.float32)


def _kick(rate: int, rng) -> np.ndarray:
    t = np.arange(int(0.35 * rate)) / rate
    return (np.sin(2 * np.pi * (45 * t + 90 / 25 * (1 - np.exp(-25 * t)))) * np.exp(-t * 9)).astype(np.float32)


def _noise_hit(rate: int, rng, seconds: float, decay: float, high: bool) -> np.ndarray:
    noise = rng.normal(0, 1, int(seconds * rate))
    if high:
        noise = np.diff(noise, prepend=0.0)  # tilt towards the top: a hat
    t = np.arange(len(noise)) / rate
    return (noise * np.exp(-t / decay) * 0.5).astype(np.float32)


@dataclass
class MusicSettings:
    mood: str = "chill"
    bpm: float | None = None  # None: the mood's own
    key: str = "C"
    seconds: float = 30.0
    seed: int = 0

    def validate(self) -> Mood:
        if self.mood not in MOODS:
            raise MediaError(f"Unknown mood '{self.mood}'. Moods: {', '.join(MOODS)}.")
        if self.bpm is not None and not 40 <= self.bpm <= 220:
            raise MediaError("The tempo must be between 40 and 220 beats a minute.")
        if not 2 <= self.seconds <= 600:
            raise MediaError("Music can be from 2 seconds to 10 minutes long.")
        parse_key(self.key)
        return MOODS[self.mood]


def generate_music(settings: MusicSettings, rate: int = RATE) -> np.ndarray:
    """Stereo float32 (N, 2): a loopable bed, the fewest whole bars that last ``seconds``."""
    from core.audio.loudness import limit, normalise

    mood = settings.validate()
    bpm = settings.bpm or mood.bpm
    root, minor = parse_key(settings.key)
    minor = mood.minor if minor is None else minor
    scale = MINOR if minor else MAJOR
    rng = np.random.default_rng(settings.seed)
    beat = 60.0 / bpm
    bar, step = 4 * beat, beat / 4
    bars = max(2, int(np.ceil(settings.seconds / bar - 1e-6)))  # at least as long as asked: it is cut to the edit
    length = int(round(bars * bar * rate))
    music = _Track(length)
    base = 48 + root  # the chords around C3..C4

    def at(seconds: float) -> int:
        return int(round(seconds * rate))

    progression = list(mood.progression)
    if rng.random() < 0.5:  # a little variety between seeds, same mood
        progression = progression[2:] + progression[:2]
    for b in range(bars):
        degree = progression[b % len(progression)]
        chord = [base + scale[(degree + i) % 7] + 12 * ((degree + i) // 7) for i in (0, 2, 4)]
        start = b * bar
        for note in chord:  # a pad under everything
            pad = _tone(_freq(note), bar * 1.1, mood.brightness * 0.6, 0.25, bar * 1.5, rate) * 0.11
            music.add(at(start), pad, pan=float(rng.uniform(-0.4, 0.4)))
        bass = _tone(_freq(chord[0] - 24), bar * 0.95, 0.5, 0.01, bar * 0.6, rate) * 0.35
        music.add(at(start), bass)
        for s in range(16):
            when = start + s * step + (mood.swing * step if s % 2 else 0)
            velocity = float(rng.uniform(0.8, 1.0))
            if mood.kick[s] == "x":
                music.add(at(when), _kick(rate, rng) * 0.6 * velocity)
            if mood.snare[s] == "x":
                music.add(at(when), _noise_hit(rate, rng, 0.25, 0.07, False) * 0.35 * velocity)
            if mood.hats[s] == "x":
                music.add(at(when), _noise_hit(rate, rng, 0.08, 0.015, True) * 0.12 * velocity,
                          pan=0.3)
            if mood.arpeggio and s % mood.arp_every == 0:
                note = chord[(s // mood.arp_every + int(rng.integers(0, 2))) % 3] + 12
                pluck = _tone(_freq(note), step * 3, mood.brightness, 0.005, step * 1.5, rate) * 0.09 * velocity
                music.add(at(when), pluck, pan=float(np.sin(s)) * 0.5)
    stereo = np.stack([music.left, music.right], axis=1)
    stereo = _circular_reverb(stereo, rate, rng)
    levelled, _ = normalise(stereo, rate, target_lufs=-16.0)
    return limit(levelled, rate, -1.0)


def _circular_reverb(stereo: np.ndarray, rate: int, rng, seconds: float = 1.6, mix: float = 0.22) -> np.ndarray:
    """A room: decaying noise as the impulse response, convolved around the loop (FFT)."""
    n = len(stereo)
    size = min(n, int(seconds * rate))
    out = stereo.copy()
    for channel in range(2):
        response = np.zeros(n)
        t = np.arange(size) / rate
        response[:size] = rng.normal(0, 1, size) * np.exp(-t * 6.9 / seconds)
        response /= np.sqrt((response**2).sum())
        wet = np.fft.irfft(np.fft.rfft(stereo[:, channel]) * np.fft.rfft(response), n)
        out[:, channel] = stereo[:, channel] + mix * wet.astype(np.float32)
    return out


def write_music(settings: MusicSettings, path: str | os.PathLike, rate: int = RATE) -> Path:
    """Generate and save as a 16-bit stereo WAV, atomically; a MediaError if it cannot be written."""
    from core.fileio import describe_os_error
    from core.media import write_wav

    path = Path(path)
    music = generate_music(settings, rate)
    try:
        write_wav(path, music, rate)
    except OSError as exc:
        raise MediaError(f"Could not write {path.name}: {describe_os_error(exc)}.") from exc
    return path

"""Where someone speaks: silero-vad, a neural voice-activity detector whose model ships in its
wheel (MIT), run on the CPU with the torch already here.

A loudness threshold cannot tell a voice from music or room noise under a pause; the network
can. Its speech probability per 32 ms window is computed once per file and kept on disk (keyed
on the file's path, size and time), so changing the settings below costs nothing.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import MediaInfo, media_info, read_audio

RATE = 16000  # the model's rate
WINDOW = 512  # samples per probability at RATE: 32 ms
CHUNK_WINDOWS = 1875  # a minute of sound per model call: progress and cancel between calls


@dataclass(frozen=True)
class VoiceSettings:
    threshold: float = 0.5  # speech probability above which a window is speech (silero's default)
    min_speech: float = 0.25  # seconds: a shorter burst is not speech
    min_pause: float = 0.3  # seconds: a shorter gap does not end the speech around it


@dataclass(frozen=True)
class Speech:
    start: float  # seconds into the media
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


_MODEL = None
_MODEL_LOCK = threading.Lock()  # the model keeps state between windows: one file at a time


def _silero():
    """The silero_vad package. Importing it sets torch to one thread for the whole process (it
    would slow the GAN down ever after): the setting is put back."""
    import torch

    threads = torch.get_num_threads()
    import silero_vad

    torch.set_num_threads(threads)
    return silero_vad


def _model():
    """The shipped model, loaded once."""
    global _MODEL
    if _MODEL is None:
        with warnings.catch_warnings():  # torch.jit.load's deprecation notice, not ours to act on
            warnings.simplefilter("ignore")
            _MODEL = _silero().load_silero_vad()
    return _MODEL


def speech_probabilities(source: MediaInfo | str, *, progress: Progress | None = None,
                         cancel: CancelToken | None = None) -> np.ndarray:
    """The chance that someone speaks in each WINDOW of the file's sound, from the cache if it can."""
    from core.paths import cache_file

    info = media_info(source)
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound to listen to.")
    cached = cache_file("speech", Path(info.path), ".npy")
    if cached.exists():
        try:
            return np.load(cached)
        except (OSError, ValueError):
            cached.unlink(missing_ok=True)  # a damaged cache entry is simply made again
    report(progress, 0.05, "Reading the sound")
    samples = read_audio(info, sample_rate=RATE, channels=1)[:, 0]
    probabilities = _run_model(samples, progress, cancel)
    try:
        np.save(cached, probabilities)
    except OSError:
        pass  # a full disk costs only the cache
    return probabilities


def _run_model(samples: np.ndarray, progress: Progress | None, cancel: CancelToken | None) -> np.ndarray:
    import torch

    windows = -(-len(samples) // WINDOW)
    padded = np.zeros(windows * WINDOW, np.float32)
    padded[: len(samples)] = samples
    found = []
    with _MODEL_LOCK, torch.inference_mode():
        model = _model()
        for first in range(0, windows, CHUNK_WINDOWS):
            check_cancel(cancel)
            chunk = torch.from_numpy(padded[first * WINDOW : (first + CHUNK_WINDOWS) * WINDOW])
            found.append(model.audio_forward(chunk, RATE).flatten().numpy())  # resets its state first
            report(progress, 0.1 + 0.9 * min(1.0, (first + CHUNK_WINDOWS) / max(1, windows)), "Listening for speech")
    return np.concatenate(found).astype(np.float32) if found else np.zeros(0, np.float32)


def speech_in(probabilities: np.ndarray, duration: float, settings: VoiceSettings = VoiceSettings()) -> list[Speech]:
    """Spans of speech from the per-window probabilities, by silero's own rule (a hysteresis:
    speech starts above the threshold and ends once below threshold - 0.15 for min_pause)."""
    spans = _silero().get_speech_timestamps_from_probs(
        list(map(float, probabilities)), sampling_rate=RATE, threshold=settings.threshold,
        min_speech_duration_ms=int(settings.min_speech * 1000), min_silence_duration_ms=int(settings.min_pause * 1000),
        speech_pad_ms=0, audio_length_samples=int(round(duration * RATE)))
    return [Speech(round(s["start"] / RATE, 3), round(min(s["end"] / RATE, duration), 3)) for s in spans]


def find_speech(source: MediaInfo | str, settings: VoiceSettings = VoiceSettings(), *,
                progress: Progress | None = None, cancel: CancelToken | None = None) -> list[Speech]:
    """Where someone speaks in a file, in order."""
    info = media_info(source)
    probabilities = speech_probabilities(info, progress=progress, cancel=cancel)
    found = speech_in(probabilities, float(info.duration or len(probabilities) * WINDOW / RATE), settings)
    report(progress, 1.0, "Speech found")
    return found

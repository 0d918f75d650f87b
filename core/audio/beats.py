"""Tempo and beats of music, and snapping cut points to them.

The onset strength is spectral flux: how much louder each frequency band got since the last
frame (5 ms frames, log-compressed magnitudes, rises only), summed. The tempo is the lag at
which that signal best repeats (its autocorrelation between 60 and 200 BPM, weighted gently
towards 120 so a double or half tempo does not win on a tie), refined between lags with a
parabola. The beats are then placed by dynamic programming (Ellis 2007): each beat sits on
strong onsets while the gaps between beats stay near the tempo's period.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from core.errors import MediaError
from core.jobs import CancelToken, Progress, check_cancel
from core.jobs import report as report_progress

FRAME_RATE = 200  # onset frames a second: 120 BPM is a 100-frame lag, so lags resolve ~1 BPM
ANALYSIS_RATE = 22050
BANDS = 24


@dataclass
class BeatReport:
    bpm: float
    beats: list[float]  # seconds
    confidence: float  # 0..1: how clearly the onsets repeat at that tempo


def onset_strength(samples: np.ndarray, rate: int) -> np.ndarray:
    """Spectral flux per 1/FRAME_RATE s of mono (or stereo, averaged) ``samples``."""
    from scipy.signal import stft

    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    hop = rate // FRAME_RATE
    size = 8 * hop
    freqs, _, spectrum = stft(mono, rate, nperseg=size, noverlap=size - hop, boundary=None, padded=False)
    # Log-spaced bands, each counted once: a kick (a few low bins) weighs as much as a snare
    # (hundreds of high bins), as it does to a listener.
    edges = np.geomspace(30, min(12000, rate / 2), BANDS + 1)
    band = np.clip(np.searchsorted(edges, freqs) - 1, -1, BANDS)
    power = np.abs(spectrum) ** 2
    energy = np.stack([power[band == b].mean(axis=0) if (band == b).any() else np.zeros(power.shape[1])
                       for b in range(BANDS)])
    magnitude = np.log1p(1e4 * np.sqrt(energy))
    flux = np.maximum(0, np.diff(magnitude, axis=1)).sum(axis=0)
    flux = np.concatenate([[0.0], flux])
    local = np.convolve(flux, np.ones(FRAME_RATE // 2) / (FRAME_RATE // 2), mode="same")
    onset = np.maximum(0, flux - local)  # rises above the local level only
    return onset / (onset.std() + 1e-9)


def estimate_tempo(onset: np.ndarray, low: float = 60, high: float = 200) -> tuple[float, float]:
    """(BPM, confidence) from the onset strength's autocorrelation."""
    x = onset - onset.mean()
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    correlation /= correlation[0] + 1e-9
    lags = np.arange(int(FRAME_RATE * 60 / high), min(n - 1, int(FRAME_RATE * 60 / low)) + 1)
    if len(lags) < 3:
        raise MediaError("The music is too short to find its tempo (a few seconds are needed).")
    bpm_at = 60 * FRAME_RATE / lags
    prior = np.exp(-0.5 * (np.log2(bpm_at / 120) / 1.0) ** 2)  # a gentle preference, one octave wide
    score = correlation[lags] * (0.5 + 0.5 * prior)
    best = int(np.argmax(score))
    lag = float(lags[best])
    if 0 < best < len(lags) - 1:  # between lags: the top of a parabola through three
        a, b, c = correlation[lags[best] - 1 : lags[best] + 2]
        denominator = a - 2 * b + c
        if denominator < 0:
            lag += 0.5 * (a - c) / denominator
    return 60 * FRAME_RATE / lag, float(max(0.0, min(1.0, correlation[lags[best]])))


def track_beats(onset: np.ndarray, bpm: float, tightness: float = 100.0) -> np.ndarray:
    """Beat frames by dynamic programming: strong onsets, gaps close to the period."""
    period = FRAME_RATE * 60 / bpm
    n = len(onset)
    score = onset.astype(np.float64).copy()
    back = np.full(n, -1)
    offsets = np.arange(int(round(period / 2)), int(round(2 * period)) + 1)
    penalty = -tightness * np.log(offsets / period) ** 2
    for t in range(offsets[0], n):
        previous = t - offsets
        valid = previous >= 0
        candidates = score[previous[valid]] + penalty[valid]
        best = int(np.argmax(candidates))
        if candidates[best] > 0:
            score[t] += candidates[best]
            back[t] = previous[valid][best]
    # The last beat: the best score in the final period, then follow the chain back.
    tail = max(0, n - int(period))
    beat = tail + int(np.argmax(score[tail:]))
    beats = []
    while beat >= 0:
        beats.append(beat)
        beat = back[beat]
    return np.array(beats[::-1])


def detect_beats(samples: np.ndarray, rate: int) -> BeatReport:
    """Tempo and beat times of music (stereo or mono float samples)."""
    from scipy.signal import resample_poly

    if len(samples) < rate * 3:
        raise MediaError("The music is too short to find its beat (at least 3 seconds are needed).")
    if rate != ANALYSIS_RATE:
        g = np.gcd(rate, ANALYSIS_RATE)
        samples = resample_poly(samples, ANALYSIS_RATE // g, rate // g, axis=0)
        rate = ANALYSIS_RATE
    onset = onset_strength(samples, rate)
    bpm, confidence = estimate_tempo(onset)
    bpm = _settle_octave(onset, bpm)
    frames = track_beats(onset, bpm)
    return BeatReport(round(bpm, 2), [round(f / FRAME_RATE, 4) for f in frames], confidence)


def _settle_octave(onset: np.ndarray, bpm: float, low: float = 55, high: float = 215) -> float:
    """Half or double tempo repeat as well as the tempo itself, so the autocorrelation alone
    cannot tell them apart. Start from the slowest candidate and double it while the points
    halfway between its beats carry onsets nearly as strong as the beats themselves (then they
    are beats too, not off-beat hats)."""
    near = max(1, FRAME_RATE // 50)

    def strength(frames: np.ndarray) -> float:
        return float(np.median([onset[max(0, f - near) : f + near + 1].max() for f in frames]))

    tempo = bpm
    while tempo / 2 >= low:
        tempo /= 2
    while tempo * 2 <= high:
        beats = track_beats(onset, tempo)
        if len(beats) < 4:
            break
        halfway = ((beats[:-1] + beats[1:]) // 2).astype(int)
        if strength(halfway) < 0.45 * strength(beats):
            break
        tempo *= 2
    return tempo


def beats_of_file(path: str | os.PathLike, *, progress: Progress | None = None,
                  cancel: CancelToken | None = None) -> BeatReport:
    """Tempo and beats of a music file (any format ffmpeg reads); runs as a job as it is."""
    from core.media import probe_cached, read_audio

    info = probe_cached(str(path))
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound to find a beat in.")
    check_cancel(cancel)
    report = detect_beats(read_audio(info.path, sample_rate=ANALYSIS_RATE), ANALYSIS_RATE)
    report_progress(progress, 1.0, f"{report.bpm:.0f} BPM")
    return report


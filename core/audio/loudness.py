"""Loudness (ITU-R BS.1770-4 / EBU R128), true peak, a look-ahead limiter and normalisation.

Integrated loudness follows the standard itself: K-weighting (a high shelf for the head and a
high-pass), mean square over 400 ms blocks every 100 ms, an absolute gate at -70 LUFS and a
relative gate 10 LU under the ungated level. The filters are designed for the signal's own rate
(libebur128's formulas), so 44.1 and 48 kHz measure alike. True peak is the largest sample of
the signal oversampled four times, which catches the peaks between samples that a DAC's
reconstruction (or a lossy encoder) produces.

``normalise`` sets the integrated loudness to a target (-14 LUFS, what YouTube, TikTok and
Spotify play at) and then limits, so the gain never drives a peak over the ceiling: the limiter
looks ahead a few milliseconds and lowers the gain smoothly before a peak instead of clipping it.
Limiting lowers the loudness a little where it works; the result is measured again and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHELF = (1681.974450955533, 3.999843853973347, 0.7071752369554196)  # f0 Hz, gain dB, Q
HIGH_PASS = (38.13547087602444, 0.5003270373238773)  # f0 Hz, Q
BLOCK, STEP = 0.4, 0.1  # seconds
ABSOLUTE_GATE = -70.0
SILENCE = -float("inf")


def k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two biquads (b, a) of BS.1770 K-weighting at ``rate``."""
    f0, gain, q = SHELF
    k = np.tan(np.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    f0, q = HIGH_PASS
    k = np.tan(np.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return [shelf, high_pass]


def _as_channels(samples: np.ndarray) -> np.ndarray:
    return samples[:, None] if samples.ndim == 1 else samples


def block_loudness(samples: np.ndarray, rate: int) -> np.ndarray:
    """Loudness (LUFS) of each 400 ms block, every 100 ms."""
    from scipy.signal import lfilter

    x = _as_channels(samples).astype(np.float64)
    for b, a in k_weighting(rate):
        x = lfilter(b, a, x, axis=0)
    size, step = int(round(BLOCK * rate)), int(round(STEP * rate))
    if len(x) < size:
        return np.array([])
    power = np.cumsum(np.concatenate([np.zeros((1, x.shape[1])), x * x]), axis=0)
    starts = np.arange(0, len(x) - size + 1, step)
    mean_square = (power[starts + size] - power[starts]) / size  # per block, per channel
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(mean_square.sum(axis=1))


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS; -inf for silence or anything shorter than a block."""
    blocks = block_loudness(samples, rate)
    above = blocks[blocks > ABSOLUTE_GATE]
    if not len(above):
        return SILENCE
    relative = 10 * np.log10(np.mean(10 ** (above / 10))) - 10
    kept = above[above > relative]
    return float(10 * np.log10(np.mean(10 ** (kept / 10))))


def true_peak(samples: np.ndarray, rate: int = 48000) -> float:
    """The largest absolute value of the signal oversampled 4x (linear, 1.0 = full scale)."""
    peaks = sample_peaks(samples, rate)
    return float(peaks.max()) if len(peaks) else 0.0


def db(value: float) -> float:
    return 20 * np.log10(max(value, 1e-12))


def limit(samples: np.ndarray, rate: int, ceiling_db: float = -1.0, lookahead: float = 0.005,
          release: float = 0.08, peak: np.ndarray | None = None) -> np.ndarray:
    """Keep the true peak at or under ``ceiling_db`` dBTP: the gain falls ahead of each peak
    (over ``lookahead`` seconds) and recovers over ``release`` seconds. ``peak``: the samples'
    ``sample_peaks``, when already known."""
    x = _as_channels(samples).astype(np.float32)
    ceiling = 10 ** (ceiling_db / 20)
    ahead = max(1, int(lookahead * rate))
    peak = sample_peaks(x, rate) if peak is None else peak
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    held = maximum_filter1d(peak, size=2 * ahead + 1)  # the gain is down before the peak arrives
    wanted = np.minimum(1.0, ceiling / np.maximum(held, 1e-9)).astype(np.float32)
    gain = _release(wanted, rate, release)
    gain = np.minimum(uniform_filter1d(gain, size=ahead), wanted)  # smooth the fall, never above what is needed
    out = np.clip(x * gain[:, None], -ceiling, ceiling)  # a last guard: nothing over the ceiling, ever
    return out[:, 0] if samples.ndim == 1 else out


def sample_peaks(samples: np.ndarray, rate: int) -> np.ndarray:
    """Per sample, the largest absolute value around it once oversampled 4x (all channels),
    worked ten seconds at a time so memory stays small. Scaling the samples scales these."""
    x = _as_channels(samples).astype(np.float32)
    if not len(x):
        return np.zeros(0)
    return np.concatenate([_peaks(x[i : i + 10 * rate]) for i in range(0, len(x), 10 * rate)])


def _peaks(x: np.ndarray) -> np.ndarray:
    """Per sample, the largest absolute value around it once oversampled 4x (all channels)."""
    from scipy.signal import resample_poly

    # Channels first and maxima taken element by element: numpy's max along a short last axis
    # (two channels, four phases) cost more than the oversampling itself.
    channels = np.abs(x.T)
    if len(x) < 8:
        return np.maximum.reduce(channels)
    over = np.maximum.reduce(np.abs(resample_poly(x.T, 4, 1, axis=1)))[: len(x) * 4]
    return np.maximum(np.maximum.reduce([over[phase::4] for phase in range(4)]), np.maximum.reduce(channels))


def _release(wanted: np.ndarray, rate: int, release: float) -> np.ndarray:
    """Gain that drops at once to what is wanted and rises back with time constant ``release``
    (worked in 1 ms blocks: a per-sample Python loop would be far too slow)."""
    block = max(1, rate // 1000)
    count = -(-len(wanted) // block)
    padded = np.pad(wanted, (0, count * block - len(wanted)), constant_values=1.0)
    lows = padded.reshape(count, block).min(axis=1)
    rise = 1 - np.exp(-block / (release * rate))
    out, g = np.empty(count, np.float32), 1.0
    for i, low in enumerate(lows):
        g = low if low < g else g + (low - g) * rise
        out[i] = g
    return np.repeat(out, block)[: len(wanted)]


@dataclass
class LoudnessReport:
    before_lufs: float
    after_lufs: float
    gain_db: float


def normalise(samples: np.ndarray, rate: int, target_lufs: float = -14.0, ceiling_db: float = -1.0
              ) -> tuple[np.ndarray, LoudnessReport]:
    """Bring the integrated loudness to ``target_lufs`` and limit the peaks to ``ceiling_db``
    dBTP. Silence stays silence. Returns the new samples and what was measured.

    Limiting lowers the loudness a little (by more for punchy sound), so the gain is raised by
    what was lost and the limiter run again, until within 0.1 LU of the target: a creator who
    reads "-14 LUFS" gets -14, not -15."""
    before = integrated_loudness(samples, rate)
    if before == SILENCE:
        return samples.astype(np.float32), LoudnessReport(before, before, 0.0)
    gain_db, limited, after = target_lufs - before, samples, before
    peak = sample_peaks(samples, rate)  # once: the oversampling is the limiter's main cost
    for _ in range(4):
        gain = np.float32(10 ** (gain_db / 20))
        limited = limit(samples * gain, rate, ceiling_db, peak=peak * gain)
        after = integrated_loudness(limited, rate)
        if abs(after - target_lufs) <= 0.1:
            break
        gain_db += target_lufs - after
    return limited.astype(np.float32), LoudnessReport(before, after, gain_db)

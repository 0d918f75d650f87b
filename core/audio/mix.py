"""Mixing helpers: ducking music under speech, balance (pan), volume keyframes.

Ducking follows a broadcast desk's side-chain compressor: where the side chain (the voice, or
the footage's own sound) is heard, the music's gain moves down by ``amount_db`` over ``attack``
seconds, and comes back over ``release`` seconds once it stops. "Heard" is judged every 10 ms
against a fixed level, with a short hold so the music does not pump between words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEP = 0.01  # seconds per envelope measurement


def envelope_db(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS level (dBFS) of each 10 ms of ``samples`` (mono or stereo)."""
    x = samples if samples.ndim == 1 else samples.mean(axis=1)
    width = max(1, int(rate * STEP))
    count = len(x) // width
    if count == 0:
        return np.full(1, -120.0)
    pieces = x[: count * width].reshape(count, width).astype(np.float64)
    return 20 * np.log10(np.maximum(np.sqrt((pieces**2).mean(axis=1)), 1e-6))


@dataclass
class DuckState:
    """Where a ducker was at the end of the last piece of sound, so the next piece (playback and
    export work in chunks) carries on without a jump."""

    level_db: float = 0.0
    heard_for: int = 0  # envelope steps since the side chain was last heard


def duck_gain(sidechain: np.ndarray, rate: int, amount_db: float = -12.0, threshold_db: float = -45.0,
              attack: float = 0.08, release: float = 0.6, hold: float = 0.8,
              state: DuckState | None = None) -> tuple[np.ndarray, DuckState]:
    """Linear gain (one per sample of ``sidechain``) for the music under it, and the state to
    carry into the next chunk."""
    state = state or DuckState(0.0, 10**9)
    heard = envelope_db(sidechain, rate) > threshold_db
    hold_steps = int(round(hold / STEP))
    down, up = 1 - np.exp(-STEP / max(attack, 1e-3)), 1 - np.exp(-STEP / max(release, 1e-3))
    level, since = state.level_db, state.heard_for
    smoothed = np.empty(len(heard))
    for i, now in enumerate(heard):  # 100 steps a second: cheap in Python
        since = 0 if now else since + 1
        wanted = amount_db if since <= hold_steps else 0.0  # held through the gaps between words
        level += (wanted - level) * (down if wanted < level else up)
        smoothed[i] = level
    per_sample = np.interp(np.arange(len(sidechain)) / rate, (np.arange(len(smoothed)) + 0.5) * STEP, smoothed)
    return (10 ** (per_sample / 20)).astype(np.float32), DuckState(level, since)


def duck_keys(spans: list[tuple[float, float]], amount_db: float = -12.0, attack: float = 0.08,
              release: float = 0.6, hold: float = 0.8) -> list[tuple[float, float]]:
    """Volume keys (seconds, gain) that dip music under the given stretches of speech, as the
    side-chain ducker would, but only where someone speaks: keys rather than a side chain, so
    ambient sound, engines or applause do not push the music down, and the creator sees (and can
    move) every dip. Stretches closer than ``hold`` are one dip, as between words."""
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= hold + attack + release:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    low = 10 ** (amount_db / 20)
    keys: list[tuple[float, float]] = []
    for start, end in merged:
        up = [(start - attack, 1.0)] if start >= attack else []  # speech from the start: down already
        keys += [*up, (start, low), (end + hold, low), (end + hold + release, 1.0)]
    return [(round(float(t), 3), round(float(g), 4)) for t, g in keys]


def pan_gains(pan: float) -> tuple[float, float]:
    """Balance for stereo sound: -1 only the left, 0 both untouched, 1 only the right (the
    side moved away from is turned down; the other stays at unity, so centre is unchanged)."""
    pan = min(1.0, max(-1.0, pan))
    return (1.0 - max(0.0, pan), 1.0 + min(0.0, pan))


def keyed_gain(keys: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    """Gain at clip times ``t`` from (seconds, gain) keys, linear between them, held outside."""
    if not keys:
        return np.ones(t.shape, np.float32)
    times, gains = zip(*sorted(keys), strict=True)
    return np.interp(t, times, gains).astype(np.float32)

"""Particles over the picture: snow, sparkles, confetti and rising bokeh.

Deterministic by seed and stateless: every particle's place at time t is a formula of its
starting place and speed (wrapping around the frame), so any frame can be drawn on its own, in
any order, the same in preview and export. Particles are drawn from small pre-rendered sprites
blended into the frame, so the cost follows the number of particles, not the frame size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.effects import CANVAS_SPACE, register, setting

PARTICLES = "Particles"
KINDS = ("snow", "sparkles", "confetti", "bokeh")
# A typical particle's area (pixels at 1080p and size 1) by kind: drawing costs about amount x
# area x size squared, so the three together are bounded, not just each one.
AREA = {"snow": 30, "sparkles": 130, "confetti": 85, "bokeh": 2100}
AREA_BUDGET = 1_000_000  # four times the default bokeh: under a second a frame at 4K
CONFETTI_COLOURS = ((255, 90, 90), (255, 200, 60), (90, 200, 255), (140, 230, 120), (220, 120, 255))


@dataclass
class Particles:
    kind: str = setting("snow", choices=KINDS, doc="what falls, floats or twinkles")
    amount: int = setting(120, 0, 2000, doc="how many particles")
    size: float = setting(1.0, 0.1, 10, doc="particle size, relative to the usual")
    speed: float = setting(1.0, 0, 10, doc="how fast they move, relative to the usual")
    seed: int = setting(0, 0, 2**31 - 1, doc="another seed: other particles")
    opacity: float = setting(0.9, 0, 1, doc="how opaque they are")

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"'{self.kind}' is not a kind of particle: {', '.join(KINDS)}")
        self.amount = int(max(0, min(2000, self.amount)))
        if self.amount * self.size**2 * AREA[self.kind] > AREA_BUDGET:
            raise ValueError(f"that many {self.kind} particles this large would take minutes a frame; "
                             "lower the amount or the size")


@functools.lru_cache(maxsize=32)
def _sprite(kind: str, radius: int, colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """An RGB patch and its float alpha (0..1) for one particle."""
    import cv2

    side = 2 * radius + 1
    y, x = np.mgrid[:side, :side] - radius
    d = np.hypot(x, y) / max(radius, 1)
    if kind == "snow":
        alpha = np.clip(1.2 - d, 0, 1) ** 1.5
    elif kind == "bokeh":
        alpha = np.clip((1 - d) * 6, 0, 1) * (0.35 + 0.25 * d)  # a soft disc with a brighter rim
    elif kind == "sparkles":
        star = np.exp(-(np.abs(x) * np.abs(y)) / max(1.0, radius / 6)) * np.clip(1 - d, 0, 1)
        alpha = np.clip(star + np.clip(0.6 - d * 2, 0, 1), 0, 1)
    else:  # confetti: a small rectangle
        alpha = np.zeros((side, side), np.float32)
        cv2.rectangle(alpha, (radius // 2, radius - max(1, radius // 3)), (side - radius // 2, radius + max(1, radius // 3)),
                      1.0, -1)
    patch = np.empty((side, side, 3), np.float32)
    patch[:] = colour
    return patch, alpha.astype(np.float32)


def _state(p: Particles, width: int, height: int, t: float):
    """Centres, radii, colours and strengths of the particles at ``t`` seconds."""
    rng = np.random.default_rng([p.seed, KINDS.index(p.kind)])
    n = p.amount
    x0, y0 = rng.random(n) * width, rng.random(n) * height
    depth = rng.uniform(0.4, 1.0, n)  # nearer particles are larger and faster
    scale = height / 1080 * p.size
    if p.kind == "snow":
        vx, vy, radius = rng.normal(0, 15, n), 60 * depth, 2 + 5 * depth
    elif p.kind == "bokeh":
        vx, vy, radius = rng.normal(0, 6, n), -25 * depth, 18 + 40 * depth
    elif p.kind == "confetti":
        vx, vy, radius = rng.normal(0, 30, n), 140 * depth, 5 + 6 * depth
    else:  # sparkles drift slowly and twinkle
        vx, vy, radius = rng.normal(0, 5, n), rng.normal(0, 5, n), 5 + 9 * depth
    sway = 20 * np.sin(t * (0.5 + depth) + rng.random(n) * 6.283) if p.kind in ("snow", "confetti") else 0
    x = (x0 + (vx * t * p.speed) * scale + sway * scale) % width
    y = (y0 + vy * t * p.speed * scale) % height
    strength = np.full(n, p.opacity)
    if p.kind == "sparkles":
        strength = p.opacity * np.clip(np.sin(t * 3 * p.speed + rng.random(n) * 6.283), 0, 1) ** 2
    colours = ([(255, 255, 255)] * n if p.kind == "snow" else
               [CONFETTI_COLOURS[i] for i in rng.integers(0, len(CONFETTI_COLOURS), n)] if p.kind == "confetti" else
               [(255, 240, 200)] * n if p.kind == "sparkles" else
               [tuple(int(v) for v in c) for c in rng.integers(150, 256, (n, 3))])
    return x, y, np.maximum(1, (radius * scale).astype(int)), colours, strength


@register("particles", "Particles", PARTICLES, Particles, space=CANVAS_SPACE)
def particles(frame, t, p: Particles):
    height, width = frame.shape[:2]
    out = frame.copy()
    for x, y, r, colour, strength in zip(*_state(p, width, height, t), strict=True):
        if strength <= 0.01:
            continue
        patch, alpha = _sprite(p.kind, int(r), colour)
        top, left = int(y) - r, int(x) - r
        y0, x0, y1, x1 = max(0, top), max(0, left), min(height, top + 2 * r + 1), min(width, left + 2 * r + 1)
        if y1 <= y0 or x1 <= x0:
            continue
        a = alpha[y0 - top : y1 - top, x0 - left : x1 - left, None] * strength
        region = out[y0:y1, x0:x1, :3].astype(np.float32)
        region += (patch[y0 - top : y1 - top, x0 - left : x1 - left] - region) * a
        out[y0:y1, x0:x1, :3] = region.astype(np.uint8)
    return out

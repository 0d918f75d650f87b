"""Chroma key and picture-in-picture: effects that give a clip transparency (RGBA out).

The key measures how much a pixel's key channel (green for a green screen) exceeds the larger
of the other two, relative to its own brightness: (G - max(R, B)) / G. Being relative, a
shadow on the screen keys like the lit part, and skin, where red leads, is never touched.
Between ``threshold - softness`` and ``threshold`` the pixel is partly transparent, which keeps
hair and motion blur soft. Spill suppression pulls the key channel down to the others where it
is in excess, so a green glow on the subject's edges does not survive the key. Everything is
8-bit OpenCV arithmetic and one lookup table: a few milliseconds for a 1080p frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.effects import register, setting

KEY = "Key and compose"
KEY_COLOURS = {"green": (0, 255, 0), "blue": (0, 0, 255)}


@dataclass
class ChromaKey:
    colour: str = setting("green", doc="`green`, `blue` or `#rrggbb`: its strongest channel is keyed")
    threshold: float = setting(0.4, 0, 1, doc="how far the key channel must lead for a pixel to vanish")
    softness: float = setting(0.2, 0, 1, doc="below the threshold by this much, a pixel is kept whole")
    spill: float = setting(0.8, 0, 1, doc="how much key-coloured glow is removed from what is kept")

    def rgb(self) -> tuple[int, int, int]:
        if self.colour in KEY_COLOURS:
            return KEY_COLOURS[self.colour]
        text = self.colour.lstrip("#")
        if len(text) != 6:
            raise ValueError(f"'{self.colour}' is not a colour: use green, blue or #rrggbb")
        return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))

    def __post_init__(self):
        self.rgb()

    @property
    def channel(self) -> int:
        return int(np.argmax(self.rgb()))


@functools.lru_cache(maxsize=16)
def _alpha_curve(threshold: float, softness: float) -> np.ndarray:
    """Alpha (uint8) for each lead of the key channel, 0..255 standing for 0..1."""
    lead = np.arange(256) / 255
    alpha = np.clip((threshold - lead) / max(softness, 1e-3), 0, 1)
    return np.round(alpha * 255).astype(np.uint8)


@register("chroma_key", "Chroma key", KEY, ChromaKey)
def chroma_key(frame, t, p: ChromaKey):
    import cv2

    rgb = np.ascontiguousarray(frame[..., :3])
    planes = list(cv2.split(rgb))
    key = planes[p.channel]
    others = [planes[c] for c in range(3) if c != p.channel]
    excess = cv2.subtract(key, cv2.max(others[0], others[1]))
    lead = cv2.divide(excess, key, scale=255)  # (key - others) / key, as 0..255
    alpha = cv2.LUT(lead, _alpha_curve(round(p.threshold, 4), round(p.softness, 4)))
    if frame.shape[2] == 4:
        alpha = cv2.multiply(alpha, frame[..., 3], scale=1 / 255)
    if p.spill > 0:
        planes[p.channel] = cv2.subtract(key, cv2.addWeighted(excess, p.spill, excess, 0, 0))
    return cv2.merge([*planes, alpha])


@functools.lru_cache(maxsize=8)
def _rounded_mask(height: int, width: int, radius: int) -> np.ndarray:
    import cv2

    mask = np.zeros((height, width), np.uint8)
    r = max(0, min(radius, height // 2, width // 2))
    cv2.rectangle(mask, (r, 0), (width - 1 - r, height - 1), 255, -1)
    cv2.rectangle(mask, (0, r), (width - 1, height - 1 - r), 255, -1)
    for cx, cy in ((r, r), (width - 1 - r, r), (r, height - 1 - r), (width - 1 - r, height - 1 - r)):
        cv2.circle(mask, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return mask


@dataclass
class PictureInPicture:
    corner_radius: float = setting(0.06, 0, 0.5, doc="of the picture's shorter side")
    border: float = setting(0.012, 0, 0.2, doc="the border's width, of the shorter side")
    border_colour: tuple[int, int, int] = setting((255, 255, 255), 0, 255, doc="the border's colour")

    def __post_init__(self):
        self.border_colour = tuple(int(round(c)) for c in self.border_colour)


@functools.lru_cache(maxsize=8)
def _frame_masks(height: int, width: int, radius: int, border: int) -> tuple[np.ndarray, np.ndarray]:
    """The rounded outline's alpha and the border ring's mask (uint8) for one size."""
    outer = _rounded_mask(height, width, radius)
    inner = np.zeros_like(outer)
    if border > 0 and height > 2 * border and width > 2 * border:
        inner[border : height - border, border : width - border] = _rounded_mask(
            height - 2 * border, width - 2 * border, max(0, radius - border))
    else:
        inner[:] = 255
    return outer, np.where(inner < 128, 255, 0).astype(np.uint8)


@register("pip", "Picture in picture", KEY, PictureInPicture)
def picture_in_picture(frame, t, p: PictureInPicture):
    """Rounded corners and a border: place and size the clip with its scale and position."""
    import cv2

    height, width = frame.shape[:2]
    side = min(height, width)
    outer, ring = _frame_masks(height, width, int(round(p.corner_radius * side)), int(round(p.border * side)))
    rgb = np.ascontiguousarray(frame[..., :3])
    if p.border > 0:
        rgb = rgb.copy()
        rgb[:] = cv2.copyTo(np.full_like(rgb, p.border_colour), ring, rgb)
    alpha = outer if frame.shape[2] == 3 else cv2.multiply(outer, frame[..., 3], scale=1 / 255)
    return cv2.merge([*cv2.split(rgb), alpha])

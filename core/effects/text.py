"""Titles, lower thirds and short-video captions, drawn with the bundled DejaVu Sans font.

Text is rendered once into an RGBA layer (Pillow) and cached, so a frame costs only the blend
of the text's own box. Animations change that blend: fade (opacity), slide (offset), pop
(scale with a little overshoot) and typewriter (how many characters are shown).

Captions are cues in clip time, from speech (core.speech) or SRT (core.effects.srt). The word
being said is highlighted: at the time it was heard when the cue carries word times, else
with the cue's duration shared by the words' lengths. On a vertical
canvas the captions sit in the middle band, clear of the app buttons TikTok, Reels and Shorts
draw over the bottom and the right edge.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.effects import CANVAS_SPACE, is_number, register, setting
from core.paths import resource
from core.speech.words import fill_gaps

TEXT = "Text"
ANIMATIONS = ("none", "fade", "slide", "pop", "typewriter")
FONT = "DejaVuSans-Bold.ttf"


def _colour(value) -> tuple[int, int, int]:
    return tuple(int(round(max(0, min(255, c)))) for c in value)


@functools.lru_cache(maxsize=16)
def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(resource("fonts", FONT)), max(4, px))


@functools.lru_cache(maxsize=256)
def render_text(text: str, px: int, colour: tuple, outline: int, outline_colour: tuple, shadow: int,
                box: float, box_colour: tuple, highlight: tuple[int, tuple] | None = None) -> np.ndarray:
    """An RGBA layer holding ``text`` (lines centred). ``highlight`` = (word index, colour)
    colours one word and puts a rounded box behind it."""
    from PIL import Image, ImageDraw, ImageFilter

    font = _font(px)
    pad = max(outline, shadow) + px // 3
    lines = text.split("\n")
    spacing = int(px * 0.25)
    widths = [int(font.getlength(line)) for line in lines]
    ascent, descent = font.getmetrics()
    line_h = ascent + descent
    width = max(widths, default=1) + 2 * pad
    height = len(lines) * line_h + (len(lines) - 1) * spacing + 2 * pad
    layer = Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))
    if box > 0:
        ImageDraw.Draw(layer).rounded_rectangle((0, 0, width - 1, height - 1), radius=px // 3,
                                                fill=(*box_colour, int(255 * box)))
    text_layer = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(text_layer)
    word_index = 0
    for row, line in enumerate(lines):
        x = pad + (width - 2 * pad - widths[row]) // 2
        y = pad + row * (line_h + spacing)
        for word in line.split(" "):
            fill = colour
            if highlight is not None and word_index == highlight[0]:
                fill = highlight[1]
            draw.text((x, y), word, font=font, fill=(*fill, 255), stroke_width=outline, stroke_fill=(*outline_colour, 255))
            x += int(font.getlength(word + " "))
            word_index += 1
    if shadow > 0:
        alpha = text_layer.getchannel("A").filter(ImageFilter.GaussianBlur(shadow / 2))
        shade = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        shade.putalpha(alpha.point(lambda a: int(a * 0.7)))
        layer.alpha_composite(shade, (shadow // 2, shadow))
    layer.alpha_composite(text_layer)
    return np.asarray(layer)


def blend_layer(frame: np.ndarray, layer: np.ndarray, centre: tuple[float, float], opacity: float = 1.0) -> np.ndarray:
    """``frame`` with an RGBA layer drawn centred at ``centre`` (what overhangs is cut)."""
    if opacity <= 0:
        return frame
    height, width = frame.shape[:2]
    lh, lw = layer.shape[:2]
    top, left = int(round(centre[1] - lh / 2)), int(round(centre[0] - lw / 2))
    y0, x0, y1, x1 = max(0, top), max(0, left), min(height, top + lh), min(width, left + lw)
    if y1 <= y0 or x1 <= x0:
        return frame
    out = frame.copy()
    part = layer[y0 - top : y1 - top, x0 - left : x1 - left].astype(np.float32)
    alpha = part[..., 3:] / 255 * opacity
    region = out[y0:y1, x0:x1, :3].astype(np.float32)
    out[y0:y1, x0:x1, :3] = (region + (part[..., :3] - region) * alpha).astype(np.uint8)
    return out


SAFE_WIDTH = 0.9  # of the canvas: text wider than this shrinks, so a title made for 16:9 fits 9:16


@functools.lru_cache(maxsize=256)
def fitted_px(text: str, px: int, outline: float, max_width: float) -> int:
    """The text size, shrunk where the widest line (with its outline) would not fit ``max_width``."""
    widest = max((_font(px).getlength(line) for line in text.split("\n")), default=0) + 2 * outline * px
    return px if widest <= max_width else max(4, int(px * max_width / widest))


def _ease_out_back(x: float) -> float:
    c = 1.70158
    return 1 + (c + 1) * (x - 1) ** 3 + c * (x - 1) ** 2


@dataclass
class Title:
    text: str = setting("Title", doc="the words; a new line where it has `\\n`")
    size: float = setting(0.08, 0.01, 0.5, doc="text height, of the canvas height")
    colour: tuple[int, int, int] = setting((255, 255, 255), 0, 255, doc="the text's colour")
    outline: float = setting(0.08, 0, 0.5, doc="outline width, of the text size")
    outline_colour: tuple[int, int, int] = setting((0, 0, 0), 0, 255, doc="the outline's colour")
    shadow: bool = setting(True, doc="a soft shadow under the text")
    box: float = setting(0.0, 0, 1, doc="opacity of a box behind the text")
    box_colour: tuple[int, int, int] = setting((0, 0, 0), 0, 255, doc="the box's colour")
    x: float = setting(0.5, -1, 2, doc="the centre, of the canvas width")
    y: float = setting(0.5, -1, 2, doc="the centre, of the canvas height")
    start: float = setting(0.0, 0, 86400, doc="seconds into the clip")
    end: float = setting(-1.0, -1, 86400, doc="seconds into the clip; negative: until the clip ends (no way out)")
    animation_in: str = setting("fade", choices=ANIMATIONS, doc="how it comes in")
    animation_out: str = setting("fade", choices=ANIMATIONS, doc="how it goes out")
    transition: float = setting(0.5, 0, 60, doc="seconds each animation takes")

    def __post_init__(self):
        self.colour, self.outline_colour, self.box_colour = map(_colour, (self.colour, self.outline_colour, self.box_colour))


def _phase(p: Title, t: float) -> tuple[str, float] | None:
    """Which animation runs at ``t`` and how far along (0..1); None when the title is not shown."""
    if t < p.start or (p.end >= 0 and t >= p.end):
        return None
    length = max(p.transition, 1e-3)
    if p.animation_in != "none" and t - p.start < length:
        return p.animation_in, (t - p.start) / length
    if p.end >= 0 and p.animation_out != "none" and p.end - t < length:
        return p.animation_out, (p.end - t) / length  # runs backwards: 1 -> 0 as it leaves
    return "none", 1.0


@register("title", "Title", TEXT, Title, space=CANVAS_SPACE)
def title(frame, t, p: Title):
    import cv2

    phase = _phase(p, t)
    if phase is None:
        return frame
    animation, x = phase
    height, width = frame.shape[:2]
    px = fitted_px(p.text, int(round(p.size * height)), p.outline, SAFE_WIDTH * width)
    text = p.text
    if animation == "typewriter":
        text = text[: int(round(len(text) * x))]
        if not text.strip():
            return frame
    layer = render_text(text, px, p.colour, int(round(p.outline * px)), p.outline_colour,
                        int(round(0.08 * px)) if p.shadow else 0, p.box, p.box_colour)
    centre = [p.x * width, p.y * height]
    opacity = 1.0
    if animation == "fade":
        opacity = x * x * (3 - 2 * x)
    elif animation == "slide":
        centre[1] += (1 - x * x * (3 - 2 * x)) * 0.12 * height
        opacity = min(1.0, 2 * x)
    elif animation == "pop":
        scale = max(0.05, _ease_out_back(x))
        layer = cv2.resize(layer, (max(1, int(layer.shape[1] * scale)), max(1, int(layer.shape[0] * scale))),
                           interpolation=cv2.INTER_LINEAR)
        opacity = min(1.0, 3 * x)
    return blend_layer(frame, layer, tuple(centre), opacity)


# --- captions ---------------------------------------------------------------------------------


@dataclass
class Captions:
    cues: list = setting(factory=list, doc="`[[start, end, text], ...]`, seconds into the clip; a cue may "
                         "add `[[start, end, confidence], ...]`, one per word of its text, when each word was heard")
    size: float = setting(0.055, 0.01, 0.3, doc="text height, of the canvas height")
    colour: tuple[int, int, int] = setting((255, 255, 255), 0, 255, doc="the words' colour")
    highlight_colour: tuple[int, int, int] = setting((255, 214, 0), 0, 255, doc="the word being said")
    outline: float = setting(0.12, 0, 0.5, doc="outline width, of the text size")
    y: float = setting(-1.0, -1, 1, doc="the centre, of the canvas height; negative: the safe-area default")
    max_width: float = setting(0.8, 0.1, 1, doc="of the canvas width, before a line wraps")
    uppercase: bool = setting(False, doc="all in capitals")

    def __post_init__(self):
        self.colour, self.highlight_colour = _colour(self.colour), _colour(self.highlight_colour)
        for cue in self.cues:
            if not (isinstance(cue, list | tuple) and len(cue) in (3, 4) and is_number(cue[0]) and is_number(cue[1])
                    and isinstance(cue[2], str) and cue[1] > cue[0]):
                raise ValueError("each caption must be [start, end, text] with end after start")
            if len(cue) == 4 and not _word_times_fit(cue):
                raise ValueError("a caption's word times must be [start, end, confidence], one per word of its text")


def _word_times_fit(cue) -> bool:
    words = cue[3]
    return (isinstance(words, list | tuple) and len(words) == len(str(cue[2]).split())
            and all(isinstance(w, list | tuple) and len(w) == 3 and all(is_number(v) for v in w) for w in words))


def word_times(start: float, end: float, words: list[str]) -> list[float]:
    """When each word starts, for a cue without heard word times: its time shared by the
    words' lengths."""
    return [a for a, _ in fill_gaps(words, [None] * len(words), start, end)]


def caption_line_characters(width: int, height: int) -> int:
    """About how many characters of an ordinary sentence fit on one caption line at the
    captions' default size: what the cue builder packs a line with."""
    defaults = Captions()
    px = int(round(defaults.size * height))
    sample = "the quick brown fox jumps over a lazy dog "
    # 0.9: words break a line early, and a line of wide letters must still fit
    return int(0.9 * defaults.max_width * width / (_font(px).getlength(sample) / len(sample)))


def word_being_said(cue, t: float) -> int:
    """The index of the word said at ``t`` (the last one begun): by the cue's heard word times
    when it has them, else by the words' lengths."""
    words = str(cue[2]).split()
    starts = [float(w[0]) for w in cue[3]] if len(cue) == 4 else word_times(float(cue[0]), float(cue[1]), words)
    return max((i for i, s in enumerate(starts) if s <= t), default=0)


def _wrap(words: list[str], px: int, max_width: float) -> str:
    font = _font(px)
    lines, current = [], []
    for word in words:
        if current and font.getlength(" ".join([*current, word])) > max_width:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    lines.append(" ".join(current))
    return "\n".join(lines)


def caption_y(width: int, height: int) -> float:
    """Where captions sit by default: low on a landscape canvas; on a vertical one, above the
    bottom fifth where the platforms draw their own captions and buttons."""
    return 0.64 if height > width else 0.84


@register("captions", "Captions", TEXT, Captions, space=CANVAS_SPACE)
def captions(frame, t, p: Captions):
    cue = next((c for c in p.cues if float(c[0]) <= t < float(c[1])), None)
    if cue is None:
        return frame
    height, width = frame.shape[:2]
    words = str(cue[2]).upper().split() if p.uppercase else str(cue[2]).split()
    if not words:
        return frame
    current = word_being_said(cue, t)
    px = int(round(p.size * height))
    text = _wrap(words, px, p.max_width * width)
    layer = render_text(text, px, p.colour, max(1, int(round(p.outline * px))), (0, 0, 0), int(0.06 * px), 0.0,
                        (0, 0, 0), (current, p.highlight_colour))
    y = p.y if p.y >= 0 else caption_y(width, height)
    return blend_layer(frame, layer, (width / 2, y * height))


# Ready-made text: what the effects browser offers under Text besides the plain title.
TEXT_PRESETS: dict[str, dict] = {
    "Lower third": {"type": "title", "params": {"text": "Name Surname", "size": 0.05, "x": 0.28, "y": 0.84,
                                                "box": 0.6, "outline": 0.0, "animation_in": "slide",
                                                "animation_out": "fade"}},
    "Big word": {"type": "title", "params": {"text": "WOW", "size": 0.2, "animation_in": "pop",
                                             "animation_out": "fade"}},
    "Typed line": {"type": "title", "params": {"text": "Here is how it works", "size": 0.06,
                                               "animation_in": "typewriter", "transition": 1.5}},
}

"""Caption cues from timed words, by the rules a captioner uses: at most two lines of about
32 characters (fewer where the canvas holds fewer: 12 on 9:16), a new cue at a pause or the end of a sentence, and
each cue on screen long enough to read (about 0.8 s), never over the next one.

A cue is ``[start, end, text, words]``: ``words`` holds ``[start, end, confidence]`` for each
word of ``text`` (split on spaces), so the captions effect lights each word when it is said.
Times are seconds into whatever the words were timed against (a clip, once shifted).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from core.speech.words import Word, fill_gaps

LINE_CHARACTERS = 32  # per line at most (the usual broadcast limit)
VERTICAL_LINE_CHARACTERS = 12  # what fits a 9:16 line at the captions' default size
MAX_LINES = 2
MIN_ON_SCREEN = 0.8  # seconds
PAUSE = 0.45  # seconds between words that end a cue
SENTENCE_END = (".", "?", "!", "…")


def line_characters(width: int, height: int) -> int:
    """Characters a line holds on this canvas: 32, or fewer where the captions' default size
    fits fewer (12 on 9:16, 22 on 1:1), so a cue is never more than two lines on screen."""
    from core.effects.text import caption_line_characters

    return min(LINE_CHARACTERS, caption_line_characters(width, height))


def _lines_needed(words: Sequence[str], line_length: int) -> int:
    lines, current = 1, 0
    for word in words:
        needed = len(word) if current == 0 else current + 1 + len(word)
        if needed > line_length and current:
            lines, current = lines + 1, len(word)
        else:
            current = needed
    return lines


def build_cues(words: Sequence[Word], line_length: int = LINE_CHARACTERS) -> list[list]:
    """Cues from words in time order."""
    groups: list[list[Word]] = []
    for i, word in enumerate(words):
        current = groups[-1] if groups else None
        if current is None or word.start - current[-1].end >= PAUSE or current[-1].text.endswith(SENTENCE_END):
            groups.append([word])
        elif _lines_needed([w.text for w in current] + [word.text], line_length) > MAX_LINES:
            # full: a phrase's last word (a sentence's end, or before a pause or the end of the
            # speech) would stand alone, so its neighbour goes with it
            ends_phrase = (word.text.endswith(SENTENCE_END) or i + 1 == len(words)
                           or words[i + 1].start - word.end >= PAUSE)
            carried = [current.pop()] if ends_phrase and len(current) > 2 else []
            groups.append([*carried, word])
        else:
            current.append(word)
    cues = []
    for i, group in enumerate(groups):
        start = group[0].start
        following = groups[i + 1][0].start if i + 1 < len(groups) else float("inf")
        end = min(max(group[-1].end, start + MIN_ON_SCREEN), following)
        cues.append([round(start, 3), round(max(end, start + 0.05), 3), " ".join(w.text for w in group),
                     [[round(w.start, 3), round(w.end, 3), round(w.confidence, 3)] for w in group]])
    return cues


def shift_cues(cues: Sequence[list], offset: float, speed: float = 1.0, length: float | None = None) -> list[list]:
    """Cues moved from media time into a clip's time (the clip starts ``offset`` seconds into
    the media, plays at ``speed`` and lasts ``length`` seconds), without those outside it."""
    def moved(t: float) -> float:
        return round(min(max(0.0, (t - offset) / speed), length if length is not None else float("inf")), 3)

    shifted = []
    for start, end, text, *rest in cues:
        timed = [[moved(a), moved(b), c] for a, b, c in rest[0]] if rest else None
        shifted.append([moved(start), moved(end), text, *([timed] if timed is not None else [])])
    return [cue for cue in shifted if cue[1] > cue[0]]


def retime_words(old_text: str, old_words: Sequence[Sequence[float]], new_text: str, start: float,
                 end: float) -> list[list[float]] | None:
    """Word times for a cue whose text was edited: a word kept (or respelled in place) keeps its
    time; new words share the time around them by letter count. None when nothing was kept."""
    old, new = old_text.split(), new_text.split()
    if len(old) != len(old_words) or not new:
        return None
    times: list[list[float] | None] = [None] * len(new)
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):  # the same words, or respelled
            for k in range(b2 - b1):
                times[b1 + k] = list(old_words[a1 + k])
    if all(t is None for t in times):
        return None
    spans = fill_gaps(new, [tuple(t[:2]) if t else None for t in times], start, end)
    return [t if t is not None else [a, b, 0.0] for t, (a, b) in zip(times, spans, strict=True)]

"""The words said, with their times: pocketsphinx (BSD), whose wheel carries a US English
acoustic model, language model and dictionary, so this works offline.

``transcribe`` recognises freely: a draft (about one word in four wrong on read speech) for
the creator to correct. ``align`` places the creator's own script on the speech, which is the
accurate path. Both decode only where silero-vad hears speech, one stretch at a time.

A script word that cannot be placed (not in the dictionary, such as a number or a name, or
not said) gets a time between its placed neighbours, shared by letter count, and is marked
``placed=False`` so the editor can show it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from core.errors import MediaError, SpeechError
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.media import MediaInfo, media_info, read_audio
from core.speech.voice import RATE, Speech, find_speech

LANGUAGES = {"en-us": "English (US)"}  # pocketsphinx's shipped model; more models, more entries
FRAME = 0.01  # seconds per pocketsphinx frame
SPAN_PAD = 0.25  # seconds of sound kept either side of each stretch of speech
LOW_CONFIDENCE = 0.5  # below this a recognised word is shown for checking


@dataclass(frozen=True)
class Word:
    text: str  # as shown: the script's own spelling and punctuation, or the recogniser's
    start: float  # seconds into the media
    end: float
    confidence: float  # 0..1
    placed: bool = True  # False: not heard; the times are interpolated


def _decoder(language: str, **options):
    import pocketsphinx

    if language not in LANGUAGES:
        names = ", ".join(LANGUAGES.values())
        raise SpeechError(f"Speech in '{language}' is not understood yet: only {names}.")
    return pocketsphinx.Decoder(samprate=RATE, loglevel="FATAL", **options)


def _dictionary_word(token: str) -> str:
    """How a script token is spelled in the dictionary: lower case, no punctuation."""
    return re.sub(r"[^\w']", "", token.lower()).strip("'")


def _spoken(segment_word: str) -> str | None:
    """A recognised word without its pronunciation mark ('to(2)'); None for silence and noise."""
    if segment_word.startswith(("<", "[")):
        return None
    return re.sub(r"\(\d+\)$", "", segment_word)


def _pcm(info: MediaInfo) -> np.ndarray:
    samples = read_audio(info, sample_rate=RATE, channels=1)[:, 0]
    return (np.clip(samples, -1, 1) * 32767).astype(np.int16)


def _spans(info: MediaInfo, progress: Progress | None, cancel: CancelToken | None) -> list[Speech]:
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound, so there are no words to hear.")
    speech = find_speech(info, progress=progress, cancel=cancel)
    if not speech:
        raise SpeechError(f"Nobody speaks in '{info.name}' (no speech was heard).")
    return speech


def _decode(decoder, pcm: np.ndarray, start: float, end: float) -> list | None:
    """The decoder's segments for the sound from ``start`` to ``end`` seconds, as
    (word, start, end, probability) with times in the media; None when the search failed."""
    first = max(0, int(start * RATE))
    decoder.start_utt()
    decoder.process_raw(pcm[first : int(end * RATE)].tobytes(), full_utt=True)
    decoder.end_utt()
    segments = decoder.seg()
    if segments is None:
        return None
    offset = first / RATE
    return [(word, offset + s.start_frame * FRAME, offset + (s.end_frame + 1) * FRAME, min(1.0, max(0.0, s.prob)))
            for s in segments if (word := _spoken(s.word)) is not None]


def transcribe(source: MediaInfo | str, language: str = "en-us", *, progress: Progress | None = None,
               cancel: CancelToken | None = None) -> list[Word]:
    """The words heard in a file, recognised freely: a draft to correct."""
    info = media_info(source)
    speech = _spans(info, sub_progress(progress, 0.0, 0.2), cancel)
    decoder = _decoder(language)
    pcm = _pcm(info)
    words = []
    for i, span in enumerate(speech):
        check_cancel(cancel)
        for text, start, end, probability in _decode(decoder, pcm, span.start - SPAN_PAD, span.end + SPAN_PAD) or []:
            words.append(Word(text, round(start, 3), round(end, 3), round(probability, 3)))
        report(progress, 0.2 + 0.8 * (i + 1) / len(speech), "Listening to the words")
    if not words:
        raise SpeechError(f"No words could be made out in '{info.name}'.")
    return words


def script_tokens(text: str) -> list[str]:
    """The script's words as written (punctuation kept for the captions)."""
    return [token for token in text.split() if _dictionary_word(token)]


def align(source: MediaInfo | str, text: str, language: str = "en-us", *, progress: Progress | None = None,
          cancel: CancelToken | None = None) -> list[Word]:
    """The creator's script placed on the speech in a file, word by word."""
    info = media_info(source)
    tokens = script_tokens(text)
    if not tokens:
        raise SpeechError("The script is empty: paste or type the words that are said.")
    decoder = _decoder(language, bestpath=False)
    keys = [_dictionary_word(t) for t in tokens]
    known = [i for i, key in enumerate(keys) if decoder.lookup_word(key) is not None]
    if len(known) < 0.5 * len(tokens):
        strangers = ", ".join(f"'{tokens[i]}'" for i in range(len(tokens)) if i not in set(known))
        raise SpeechError(f"Most words of the script are not English ({strangers[:80]}): "
                          f"only {LANGUAGES[language]} can be placed on the speech for now.")
    speech = _spans(info, sub_progress(progress, 0.0, 0.2), cancel)
    check_cancel(cancel)
    pcm = _pcm(info)
    report(progress, 0.3, "Placing the script on the speech")
    start, end = speech[0].start - SPAN_PAD, speech[-1].end + SPAN_PAD
    placed = _force(decoder, pcm, [keys[i] for i in known], start, end)
    if placed is None:  # a word the script has and the speech does not: anchor on what is heard
        placed = _anchored(info, pcm, [keys[i] for i in known], speech, language, sub_progress(progress, 0.3, 1.0), cancel)
    found: list[Word | None] = [None] * len(tokens)
    for i, timing in zip(known, placed, strict=True):
        if timing is not None:
            found[i] = Word(tokens[i], round(timing[0], 3), round(timing[1], 3), round(timing[2], 3))
    report(progress, 1.0, "Script placed")
    return _interpolate(tokens, found, start + SPAN_PAD, end - SPAN_PAD)


def _force(decoder, pcm: np.ndarray, keys: list[str], start: float, end: float) -> list[tuple] | None:
    """Forced alignment of ``keys`` to the sound from ``start`` to ``end``: one (start, end,
    probability) per key, or None when the search fails (the words are not all there)."""
    if not keys or end - start < 0.05 * len(keys):
        return None
    decoder.set_align_text(" ".join(keys))
    segments = _decode(decoder, pcm, start, end)
    if segments is None or [w for w, *_ in segments] != keys:
        return None
    return [(s, e, p) for _, s, e, p in segments]


def _anchored(info: MediaInfo, pcm: np.ndarray, keys: list[str], speech: list[Speech], language: str,
              progress: Progress | None, cancel: CancelToken | None) -> list[tuple | None]:
    """Alignment when the script and the speech differ: the recognised words that match the
    script are anchors; each run of script words between two anchors is aligned to the sound
    between them, and left unplaced when it cannot be."""
    heard = transcribe(info, language, progress=sub_progress(progress, 0.0, 0.8), cancel=cancel)
    timings: list[tuple | None] = [None] * len(keys)
    matcher = difflib.SequenceMatcher(None, keys, [_dictionary_word(w.text) for w in heard], autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            word = heard[block.b + k]
            timings[block.a + k] = (word.start, word.end, word.confidence)
    decoder = _decoder(language, bestpath=False)
    i = 0
    while i < len(keys):
        check_cancel(cancel)
        if timings[i] is not None:
            i += 1
            continue
        run_end = next((j for j in range(i, len(keys)) if timings[j] is not None), len(keys))
        before = timings[i - 1][1] if i > 0 else speech[0].start - SPAN_PAD
        after = timings[run_end][0] if run_end < len(keys) else speech[-1].end + SPAN_PAD
        timings[i:run_end] = _force(decoder, pcm, keys[i:run_end], before, after) or [None] * (run_end - i)
        i = run_end
    return timings


def _interpolate(tokens: list[str], found: list[Word | None], first: float, last: float) -> list[Word]:
    """Every token as a Word: the unplaced ones are timed by ``fill_gaps``, marked."""
    times = fill_gaps(tokens, [(w.start, w.end) if w else None for w in found], first, last)
    return [w if w is not None else Word(t, start, end, 0.0, placed=False)
            for t, w, (start, end) in zip(tokens, found, times, strict=True)]


def fill_gaps(texts: list[str], times: list[tuple[float, float] | None], first: float,
              last: float) -> list[tuple[float, float]]:
    """``times`` with each run of Nones timed: the run shares the time between its timed
    neighbours (``first`` and ``last`` at the ends) by letter count."""
    filled = list(times)
    i = 0
    while i < len(texts):
        if filled[i] is not None:
            i += 1
            continue
        run_end = next((j for j in range(i, len(texts)) if filled[j] is not None), len(texts))
        begin = filled[i - 1][1] if i else first
        finish = filled[run_end][0] if run_end < len(texts) else max(last, begin)
        weights = np.array([len(t) + 1 for t in texts[i:run_end]], float)
        edges = begin + (finish - begin) * np.concatenate([[0], np.cumsum(weights)]) / weights.sum()
        for k in range(i, run_end):
            filled[k] = (round(float(edges[k - i]), 3), round(float(edges[k - i + 1]), 3))
        i = run_end
    return filled

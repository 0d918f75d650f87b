"""The words said, with their times: pocketsphinx (BSD), whose wheel carries a US English
acoustic model, language model and dictionary, so this works offline.

``transcribe`` recognises freely: a draft (about one word in four wrong on read speech) for
the creator to correct. ``align`` places the creator's own script on the speech, which is the
accurate path: the script becomes a grammar in which any word may be skipped, searched one
stretch of speech (a few seconds) at a time, from where the last stretch ended. Both decode
only where silero-vad hears speech.

A script word that cannot be placed (not in the dictionary, such as a number or a name, or
not said) gets a time between its placed neighbours, shared by letter count, and is marked
``placed=False`` so the editor can show it.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import MediaError, SpeechError
from core.fileio import describe_os_error, read_regular_file
from core.jobs import CancelToken, Progress, check_cancel, report, sub_progress
from core.media import MediaInfo, media_info, read_audio
from core.speech.voice import RATE, Speech, VoiceSettings, find_speech

LANGUAGES = {"en-us": "English (US)"}  # pocketsphinx's shipped model; more models, more entries
FRAME = 0.01  # seconds per pocketsphinx frame
SENTENCE_PAUSE = 0.6  # seconds: a recognised word after a pause this long starts a sentence
SPAN_PAD = 0.5  # seconds of sound kept either side of each stretch of speech (the detector starts late)
LOW_CONFIDENCE = 0.3  # below this a recognised word is shown for checking (at 0.5, half of a noisy draft was)
# Below this share of its words heard, a script is not the one spoken (another take, another
# text or another language), and placing it would only mislead.
MATCH_SHARE = 0.6
# Of the words recognised freely in a file's first stretch, this share at least are the script's
# when a script has names read roughly (its own: 0.7-0.9 on the shared readings; another
# reading's text: 0-0.17; German: 0).
FREE_MATCH_SHARE = 0.4
BREATHS = VoiceSettings(min_pause=0.1)  # speech split at every breath: stretches to search
SECONDS_PER_LETTER = 0.065  # read aloud, the gaps between words included (the shared readings: 0.063)
WORDS_PER_SECOND = 5  # faster than anyone talks: the share of the script searched per stretch


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


# Letters to ARPABET phones, longest first: a rough reading of a script word the dictionary
# lacks (a name, a brand), hand-written since no offline grapheme-to-phoneme library ships its
# model in a wheel. Rough is enough: the grammar holds only the script's own words.
_SPELLINGS = {
    "tch": "CH", "igh": "AY", "sch": "SH", "th": "TH", "sh": "SH", "ch": "CH", "ph": "F", "ng": "NG",
    "ck": "K", "qu": "K W", "wh": "W", "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW",
    "oi": "OY", "oy": "OY", "ai": "EY", "ay": "EY", "au": "AO", "aw": "AO", "er": "ER", "ir": "ER",
    "ur": "ER", "ar": "AA R", "or": "AO R", "ey": "IY", "a": "AE", "b": "B", "c": "K", "d": "D",
    "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M",
    "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V",
    "w": "W", "x": "K S", "y": "IY", "z": "Z", "ä": "EH", "ö": "ER", "ü": "UW", "é": "EY", "è": "EH",
}


def _rough_reading(word: str) -> str | None:
    """Phones for a word the dictionary lacks, read from its letters; None for a token
    without letters to read ('2024')."""
    word = re.sub(r"([^aeiou])\1", r"\1", word.lower().replace("'", ""))  # a doubled consonant sounds once
    if len(word) > 2 and word.endswith("e") and word[-2] not in "aeiou":
        word = word[:-1]  # a silent final e ('blaze')
    phones, at = [], 0
    while at < len(word):
        piece = next((word[at : at + n] for n in (3, 2, 1) if word[at : at + n] in _SPELLINGS), None)
        if piece is None:
            at += 1  # a letter this table cannot read
            continue
        phones.append(_SPELLINGS[piece] if piece not in "cg" or word[at + 1 : at + 2] not in ("e", "i", "y")
                      else {"c": "S", "g": "JH"}[piece])  # a soft c or g
        at += len(piece)
    return " ".join(phones) or None


def _add_reading(decoder, word: str) -> bool:
    """Whether ``word`` could be given a rough reading in the decoder's dictionary."""
    reading = _rough_reading(word)
    if reading is None:
        return False
    try:
        decoder.add_word(word, reading)
    except RuntimeError:  # a phone the model lacks: the word stays unsearched, as before
        return False
    return True


def _spoken(segment_word: str) -> str | None:
    """A recognised word without its pronunciation mark ('to(2)'); None for silence, noise and
    the grammar's empty steps ('(NULL)', one for each optional word: left in, they split a run
    of the script's words into ones, which read as chance likenesses)."""
    if segment_word.startswith(("<", "[")) or segment_word == "(NULL)":
        return None
    return re.sub(r"\(\d+\)$", "", segment_word)


def _sound_of(info: MediaInfo, start: float, end: float) -> tuple[float, np.ndarray]:
    """The sound from ``start`` to ``end`` seconds and where it begins: only what is to be
    heard is decoded, so a clip of a ten-minute talk reads its own part of it."""
    start = max(0.0, start)
    samples = read_audio(info, sample_rate=RATE, channels=1, start=start, duration=max(0.0, end - start))[:, 0]
    return start, (np.clip(samples, -1, 1) * 32767).astype(np.int16)


def _spans(info: MediaInfo, progress: Progress | None, cancel: CancelToken | None,
           settings: VoiceSettings | None = None, within: tuple[float, float] | None = None) -> list[Speech]:
    """The stretches of speech in the file, or those that reach into ``within`` (seconds):
    a clip's words are heard from the clip's part of a long recording, not all of it."""
    if not info.has_audio:
        raise MediaError(f"'{info.name}' has no sound, so there are no words to hear.")
    speech = find_speech(info, settings or VoiceSettings(), progress=progress, cancel=cancel)
    if within is not None:
        speech = [s for s in speech if s.end > within[0] and s.start < within[1]]
    if not speech:
        where = f" between {within[0]:.1f} s and {within[1]:.1f} s" if within is not None else ""
        raise SpeechError(f"Nobody speaks in '{info.name}'{where} (no speech was heard).")
    return speech


def _decode(decoder, pcm: np.ndarray, start: float, end: float, cancel: CancelToken | None = None,
            confidence: bool = True, origin: float = 0.0) -> list | None:
    """The decoder's words for the sound from ``start`` to ``end`` seconds, as (word, start,
    end, probability) with times in the media, ``pcm`` being the sound from ``origin``
    seconds on; None when the search failed. The stretch goes
    in whole: fed piece by piece, the decoder normalises each piece by what it has heard so
    far, and recognises about a quarter more words wrong. Without ``confidence`` every word
    found counts 1: a script's words are known, not guessed."""
    first, last = max(0, int((start - origin) * RATE)), min(len(pcm), int((end - origin) * RATE))
    check_cancel(cancel)
    decoder.start_utt()
    decoder.process_raw(pcm[first:last].tobytes(), full_utt=True)  # whole: the cepstral mean of all of it
    decoder.end_utt()
    segments = decoder.seg()
    if segments is None:
        return None
    offset = origin + first / RATE
    return [(word, offset + s.start_frame * FRAME, offset + (s.end_frame + 1) * FRAME,
             min(1.0, max(0.0, s.prob)) if confidence else 1.0)
            for s in segments if (word := _spoken(s.word)) is not None]


def transcribe(source: MediaInfo | str, language: str = "en-us", *, within: tuple[float, float] | None = None,
               progress: Progress | None = None, cancel: CancelToken | None = None) -> list[Word]:
    """The words heard in a file (or in the stretches of speech that reach into ``within``,
    seconds), recognised freely: a draft to correct."""
    info = media_info(source)
    speech = _spans(info, sub_progress(progress, 0.0, 0.2), cancel, within=within)
    decoder = _decoder(language)
    origin, pcm = _sound_of(info, speech[0].start - SPAN_PAD, speech[-1].end + SPAN_PAD)
    words = []
    for i, span in enumerate(speech):
        check_cancel(cancel)
        for text, start, end, probability in _decode(decoder, pcm, span.start - SPAN_PAD, span.end + SPAN_PAD,
                                                     cancel, origin=origin) or []:
            words.append(Word(text, round(start, 3), round(end, 3), round(probability, 3)))
        report(progress, 0.2 + 0.8 * (i + 1) / len(speech), "Listening to the words")
    if not words:
        raise SpeechError(f"No words could be made out in '{info.name}'.")
    return _written(words)


def word_edges(source: MediaInfo | str, start: float, end: float, language: str = "en-us") -> list[float]:
    """Where one word gives way to the next between ``start`` and ``end`` seconds, recognised
    (the first pass only: it is the boundaries that count, not the words): the places a cut
    may go inside speech that has no pause."""
    origin, pcm = _sound_of(media_info(source), start, end)  # only this stretch: it is asked once a piece
    heard = _decode(_decoder(language, bestpath=False), pcm, origin, end, confidence=False, origin=origin) or []
    return sorted({round(t, 3) for _, first, last, _ in heard for t in (first, last)})


def _written(words: list[Word]) -> list[Word]:
    """The recogniser's lower-case words as a captioner writes them: 'I', and a capital after
    a pause long enough to end a sentence."""
    written = []
    for i, word in enumerate(words):
        text = "I" if word.text == "i" else word.text.replace("i'", "I'", 1) if word.text.startswith("i'") else word.text
        if i == 0 or word.start - words[i - 1].end >= SENTENCE_PAUSE:
            text = text[:1].upper() + text[1:]
        written.append(Word(text, word.start, word.end, word.confidence, word.placed))
    return written


MAX_SCRIPT_BYTES = 1024 * 1024  # a feature film's script is a few hundred kilobytes


def read_script(path: str | os.PathLike) -> str:
    """A plain-text script, with a message a creator can act on when it cannot be one."""
    p = Path(path)
    try:
        data = read_regular_file(p, MAX_SCRIPT_BYTES)
    except OSError as exc:
        raise SpeechError(f"The script '{p.name}' could not be read: {describe_os_error(exc)}.") from exc
    if b"\x00" in data:
        raise SpeechError(f"'{p.name}' is not a plain-text script (save it as .txt).")
    return data.decode("utf-8", errors="replace")


def script_tokens(text: str) -> list[str]:
    """The script's words as written (punctuation kept for the captions)."""
    return [token for token in text.split() if _dictionary_word(token)]


def align(source: MediaInfo | str, text: str, language: str = "en-us", *, least_share: float = MATCH_SHARE,
          first_word: int = 0, within: tuple[float, float] | None = None, progress: Progress | None = None,
          cancel: CancelToken | None = None) -> list[Word]:
    """The creator's script placed on the speech in a file, word by word.

    The script becomes a grammar in which every word may be skipped, so a word written but not
    said (or a take that left a line out) is passed over instead of squeezed in: strict forced
    alignment would either fail or give it someone else's sound. Under ``least_share`` of its
    words heard, the script is refused as not the one spoken. The search starts at the script's
    word ``first_word`` (a file that says the script's second half). With ``within`` (seconds)
    only the speech that reaches into it is searched, a clip's part of a long recording: where
    in the script it starts is found from its first words recognised freely, and only the
    script's words from the first placed to the last come back."""
    info = media_info(source)
    tokens = script_tokens(text)
    if not tokens:
        raise SpeechError("The script is empty: paste or type the words that are said.")
    decoder = _decoder(language, bestpath=False)  # the lattice pass costs seconds a stretch: the first pass suffices
    keys = [_dictionary_word(t) for t in tokens]
    known = [i for i, key in enumerate(keys) if decoder.lookup_word(key) is not None]
    if len(known) < 0.5 * len(tokens):
        strangers = ", ".join(f"'{tokens[i]}'" for i in range(len(tokens)) if i not in set(known))
        raise SpeechError(f"Most words of the script are not English ({strangers[:80]}): "
                          f"only {LANGUAGES[language]} can be placed on the speech for now.")
    # A name the dictionary lacks is searched for by a rough reading: left out, the search
    # lost its place around it. Such words are no evidence that the script is the one spoken.
    read_roughly = [i for i in range(len(keys)) if i not in set(known) and len(keys[i]) >= 4 and _add_reading(decoder, keys[i])]
    searched = sorted(known + read_roughly)
    speech = _spans(info, sub_progress(progress, 0.0, 0.2), cancel, BREATHS, within)
    found: list[Word | None] = [None] * len(tokens)
    stretches = _stretches(speech)
    origin, pcm = _sound_of(info, stretches[0][0], stretches[-1][1])
    heard_freely: list[str] | None = None  # the first stretch recognised without the script
    if (within is not None and not first_word) or (read_roughly and least_share):
        heard = _decode(_decoder(language, bestpath=False), pcm, *stretches[0], cancel, origin=origin) or []
        heard_freely = [w for w, *_ in heard]
    if within is not None and not first_word:  # a clip of a long recording says some part of the script
        first_word = _where_it_starts(keys, heard_freely)
    if (least_share and read_roughly and len(heard_freely) >= 3
            and np.mean([w in set(keys) for w in heard_freely]) < FREE_MATCH_SHARE):
        raise _not_this_script(info)  # rough readings let other speech pass for the script: heard freely, it is not
    next_word = sum(1 for i in searched if i < first_word)  # in ``searched``: the script is said in order
    for n, (start, end) in enumerate(stretches):
        check_cancel(cancel)
        window = searched[next_word : next_word + int(np.ceil((end - start) * WORDS_PER_SECOND)) + 10]
        if not window:
            break
        grammar = "#JSGF V1.0;\ngrammar script;\npublic <script> = " + " ".join(f"[ {keys[i]} ]" for i in window) + " ;\n"
        decoder.add_jsgf_string(f"script{n}", grammar)
        decoder.activate_search(f"script{n}")
        heard = _decode(decoder, pcm, start, end, cancel, confidence=False, origin=origin) or []
        matcher = difflib.SequenceMatcher(None, [keys[i] for i in window], [w for w, *_ in heard], autojunk=False)
        window_start, previous_end = next_word, 0
        for block in matcher.get_matching_blocks():
            if block.size == 1 and block.a - previous_end > 2:
                continue  # a lone short word matched far ahead ('a', 'to'): a chance likeness, not the script
            previous_end = block.a + block.size
            for k in range(block.size):
                _, begin, finish, probability = heard[block.b + k]
                i = window[block.a + k]
                found[i] = Word(tokens[i], round(begin, 3), round(finish, 3), round(probability, 3))
                next_word = window_start + block.a + k + 1
        report(progress, 0.2 + 0.8 * (n + 1) / len(stretches), "Placing the script on the speech")
    start, end = stretches[0][0], stretches[-1][1]
    placed = [i for i, w in enumerate(found) if w is not None]
    first, last, covered = 0, len(tokens) - 1, 1.0
    if within is not None and placed:  # the clip's part of the script: its other lines are not in it
        first, last = _part_said(keys, found, placed[0], placed[-1], speech, within)
        # A few words placed in a corner of the clip's speech are a lost search, not its part.
        covered = (found[placed[-1]].end - found[placed[0]].start) / sum(span.duration for span in speech)
    heard_share = np.mean([found[i] is not None for i in known if first <= i <= last] or [0.0])
    words = _interpolate(tokens[first : last + 1], found[first : last + 1], start + SPAN_PAD, end - SPAN_PAD)
    if heard_share < least_share or covered < least_share:
        raise _not_this_script(info)
    report(progress, 1.0, "Script placed")
    return words


def _part_said(keys: list[str], found: list[Word | None], first: int, last: int, speech: list[Speech],
               within: tuple[float, float]) -> tuple[int, int]:
    """The script's words from ``first`` to ``last`` (the first and last placed), with the
    unplaced words next to them that the speech around them still has time for: the search
    can miss a clip's last word ('them'), which is no reason to drop it from the captions,
    while the next line's words lie past where the speech stops."""
    def room(at: float, step: int) -> float:
        span = next((s for s in speech if s.start - SPAN_PAD <= at <= s.end + SPAN_PAD), None)
        if span is None:
            return 0.0
        return min(span.end, within[1]) - at if step > 0 else at - max(span.start, within[0])

    for step in (-1, 1):
        end = first if step < 0 else last
        left = room(found[end].start if step < 0 else found[end].end, step)
        while 0 <= end + step < len(keys) and found[end + step] is None and left > 0:
            end += step
            left -= (len(keys[end]) + 1) * SECONDS_PER_LETTER
        first, last = (end, last) if step < 0 else (first, end)
    return first, last


def _not_this_script(info: MediaInfo) -> SpeechError:
    return SpeechError(f"The script does not match what is said in '{info.name}' (another take, or another "
                       "language?): check the text, or start from the speech instead.")


def _where_it_starts(keys: list[str], heard: list[str], margin: int = 3) -> int:
    """The script word where freely recognised words begin: the longest run of them found in
    the script, counted back to the first heard (and ``margin`` words more, as a recognised
    run may have skipped some); 0 when nothing heard is in the script."""
    matcher = difflib.SequenceMatcher(None, keys, heard, autojunk=False)
    run = max(matcher.get_matching_blocks(), key=lambda b: b.size)
    return max(0, run.a - run.b - margin) if run.size >= 2 else 0


def _stretches(speech: list[Speech], longest: float = 8.0) -> list[tuple[float, float]]:
    """Speech joined into stretches of up to ``longest`` seconds, padded, not overlapping: a
    script's grammar is searched one stretch at a time (over a whole minute the search of
    a grammar where any word may be skipped loses its way)."""
    joined: list[list[float]] = []
    for span in speech:
        if joined and span.end - joined[-1][0] <= longest:
            joined[-1][1] = span.end
        else:
            joined.append([span.start, span.end])
    padded = []
    for i, (start, end) in enumerate(joined):
        before = max(start - SPAN_PAD, (joined[i - 1][1] + start) / 2 if i else 0.0)
        after = min(end + SPAN_PAD, (end + joined[i + 1][0]) / 2) if i + 1 < len(joined) else end + SPAN_PAD
        padded.append((max(0.0, before), after))
    return padded


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

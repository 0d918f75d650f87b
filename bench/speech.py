"""Speech: voice detection, transcription and script alignment on the shared read speech.

Voice detection: the three read clips of ../shared/media/speech one after another with 2 s gaps,
alone and under music or noise 10 dB below the voice. Truth is the reference word times beside
the clips (the readings' own leading and trailing quiet is not speech). Frame-level (10 ms)
precision and recall of silero-vad (what Reelsmith uses) against the loudness finder it replaced,
in the same run on the same files, both without padding.

Transcription: word error rate and speed of Reelsmith's transcribe (decoding only where the voice
detector hears speech) against plain pocketsphinx on the whole file, clip by clip.

Alignment: the share of script words placed and the error of their start times against the
reference, for Reelsmith's align (a grammar of skippable words) against pocketsphinx's strict
forced alignment, with the true script and with two words added that were never said.

Run: .venv/bin/python bench/speech.py
"""

from __future__ import annotations

import json
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from core.assist.dead_air import DeadAirSettings, quiet_stretches
from core.media import probe, write_wav
from core.samples import under_a_bed
from core.speech.voice import find_speech
from core.speech.words import align, transcribe

SPEECH = Path(__file__).resolve().parents[2] / "shared" / "media" / "speech"
STEP = 0.01
GAP = 2.0


def _readings() -> list[Path]:
    return sorted(SPEECH.glob("*.wav"))


def _voice(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768


def _reference_words(path: Path) -> list[dict]:
    return [w for w in json.loads(path.with_suffix(".json").read_text())["w"] if not w["t"].startswith("<")]


def _mask(spans, seconds: float) -> np.ndarray:
    mask = np.zeros(int(np.ceil(seconds / STEP)), bool)
    for start, end in spans:
        mask[int(start / STEP) : int(np.ceil(end / STEP))] = True
    return mask


def _precision_recall(found: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    hit = (found & truth).sum()
    return hit / max(1, found.sum()), hit / max(1, truth.sum())


def voice_detection(folder: Path) -> None:
    readings = _readings()
    print("Voice detection (frame level, 10 ms), precision / recall, and seconds to run")
    print(f"{'bed':<14}{'silero-vad':>24}{'loudness (anchor)':>26}")
    for bed, snr in (("none", 0), ("music", 10), ("noise", 10)):
        sound, spans = under_a_bed([_voice(p) for p in readings], GAP, bed, snr, seed=7)
        path = folder / f"speech-{bed}.wav"
        write_wav(path, np.stack([sound, sound], axis=1), 16000)
        seconds = len(sound) / 16000
        words = [(offset + w["b"], offset + w["b"] + w["d"]) for p, (offset, _) in zip(readings, spans, strict=True)
                 for w in _reference_words(p)]
        truth = _mask(words, seconds)
        info = probe(str(path))
        began = time.perf_counter()
        heard = _mask([(s.start, s.end) for s in find_speech(info)], seconds)
        vad_time = time.perf_counter() - began
        began = time.perf_counter()
        quiet = _mask([(q.start, q.end) for q in quiet_stretches(info, DeadAirSettings(margin=0.0))], seconds)
        loud_time = time.perf_counter() - began
        vad, loud = _precision_recall(heard, truth), _precision_recall(~quiet, truth)
        label = bed if bed == "none" else f"{bed} {snr} dB"
        print(f"{label:<14}{vad[0]:>10.3f} / {vad[1]:.3f} {vad_time:5.2f} s{loud[0]:>12.3f} / {loud[1]:.3f} {loud_time:5.2f} s")


def _word_errors(said: list[str], heard: list[str]) -> int:
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def _plain_pocketsphinx(path: Path, script: str | None = None) -> list[tuple[str, float]]:
    """pocketsphinx alone on the whole file: recognition, or strict forced alignment of ``script``."""
    import pocketsphinx

    decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL", **({"bestpath": False} if script else {}))
    if script:
        decoder.set_align_text(script)
    with wave.open(str(path)) as w:
        raw = w.readframes(w.getnframes())
    decoder.start_utt()
    decoder.process_raw(raw, full_utt=True)
    decoder.end_utt()
    return [(s.word.split("(")[0], s.start_frame / 100) for s in decoder.seg() or []
            if not s.word.startswith(("<", "["))]


def transcription() -> None:
    print("\nTranscription: word error rate and times real time")
    print(f"{'clip':<8}{'Reelsmith':>22}{'plain pocketsphinx (anchor)':>32}")
    totals = np.zeros(4)
    for path in _readings():
        said = path.with_suffix(".txt").read_text().split()
        seconds = probe(str(path)).duration
        began = time.perf_counter()
        ours = [w.text.lower() for w in transcribe(str(path))]
        ours_time = time.perf_counter() - began
        began = time.perf_counter()
        plain = [w for w, _ in _plain_pocketsphinx(path)]
        plain_time = time.perf_counter() - began
        errors = (_word_errors(said, ours), _word_errors(said, plain))
        totals += (errors[0], errors[1], len(said), 0)
        print(f"{path.stem[-4:]:<8}{errors[0] / len(said):>12.3f} {seconds / ours_time:6.1f}x"
              f"{errors[1] / len(said):>22.3f} {seconds / plain_time:6.1f}x")
    print(f"{'all':<8}{totals[0] / totals[2]:>12.3f}{'':8}{totals[1] / totals[2]:>22.3f}")


def alignment() -> None:
    print("\nAlignment: words placed, and start error against the reference (mean / worst, seconds)")
    print(f"{'clip':<8}{'script':<18}{'Reelsmith':>26}{'strict pocketsphinx (anchor)':>32}")
    for path in _readings():
        said = path.with_suffix(".txt").read_text().split()
        reference = [w["b"] for w in _reference_words(path)]
        for label, script in (("as said", said), ("+2 never said", said[:5] + ["elephant", "yesterday"] + said[5:])):
            ours = [(w.start, w.placed) for w in align(str(path), " ".join(script))]
            ours = [t for (t, placed), word in zip(ours, script, strict=True) if placed and word not in ("elephant", "yesterday")]
            plain = [t for w, t in _plain_pocketsphinx(path, " ".join(script)) if w not in ("elephant", "yesterday")]
            cells = []
            for times in (ours, plain):
                if len(times) != len(reference):
                    cells.append(f"{len(times)}/{len(reference)} placed")
                    continue
                errors = np.abs(np.array(times) - reference)
                cells.append(f"{len(times)}/{len(reference)} {errors.mean():.3f} / {errors.max():.3f}")
            print(f"{path.stem[-4:]:<8}{label:<18}{cells[0]:>26}{cells[1]:>32}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        voice_detection(Path(folder))
    transcription()
    alignment()


if __name__ == "__main__":
    main()

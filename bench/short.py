"""Make a short: files to a finished 30 s vertical MP4, timed, with its quality measured on the file.

Inputs: three minute-long 1080p30 clips made of several generated shots each, with speech-like
sound that pauses; with --real, the footage of ../shared/media as a second set. The anchor is
plain ffmpeg doing the least a short needs in the same run: the first 10 s of each input cropped
to 9:16 and joined, encoded with the same x264 settings. Its time is the floor; the ratio says
what the analysis, reframing, music, backdrop and mixing cost on top of it.

Measured on the output: cuts on the music's beats (within 1 frame), the shortest piece, black or
frozen stretches (from the same detector smart cut uses), pieces that cut into the sources'
silences, piece ends inside a spoken word (the voice detector at breath resolution), loudness
and true peak, and the share of sampled frames whose subject (a face, else
what moves) lies in the middle 60% of the width.

Run: .venv/bin/python bench/short.py [--real] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from core import timeline as tl
from core.assist.short import ShortSettings, make_short
from core.export import export_project, project_settings
from core.ffmpeg import ffmpeg_command
from core.media import probe
from core.samples import Shot, encode_video, shot_frames, speech_like

SIZE, FPS, SECONDS, SHORT = (1920, 1080), 30, 60.0, 30.0
SETS = [[("city", 11), ("beach", 12), ("studio", 13), ("city", 14)],
        [("beach", 21), ("studio", 22), ("city", 23), ("beach", 24)],
        [("studio", 31), ("city", 32), ("beach", 33), ("studio", 34)]]
REAL = ["carphone.mp4", "goldeneye-vfr-drop3.mp4", "issue-134-rotate.mp4"]


def make_sources(folder: Path) -> list[Path]:
    paths = []
    for i, shots in enumerate(SETS):
        path = folder / f"source-{i}.mp4"
        if not path.exists():
            per_shot = int(SECONDS * FPS) // len(shots)

            def frames(shots=shots, per_shot=per_shot):
                for scene, seed in shots:
                    yield from shot_frames(Shot(scene, seed, per_shot), SIZE)

            speech = np.repeat(speech_like(SECONDS, 100 + i)[:, None], 2, axis=1)
            encode_video(path, frames(), SIZE, FPS, speech, per_shot * len(shots))
        paths.append(path)
    return paths


def anchor(paths: list[Path], out: Path) -> float:
    """Plain ffmpeg: 10 s of each input, centre-cropped to 9:16 at 1080x1920, joined."""
    inputs, chains = [], []
    for i, path in enumerate(paths):
        inputs += ["-t", "10", "-i", str(path)]
        chains.append(f"[{i}:v]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,"
                      f"fps={FPS},setsar=1[v{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(paths))) + f"concat=n={len(paths)}:v=1[v]"
    started = time.monotonic()
    subprocess.run(ffmpeg_command("-y", *inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264",
                                  "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p", str(out)),
                   check=True, capture_output=True)
    return time.monotonic() - started


def quality(project: tl.Project, out: Path) -> dict:
    from core.assist.dead_air import find_silences, find_still_picture
    from core.assist.reframe import _subject
    from core.audio.loudness import db, integrated_loudness, true_peak
    from core.media import VideoReader, fit_size, read_audio
    from core.speech.voice import find_speech
    from core.speech.words import BREATHS

    video = next(t for t in project.tracks if t.name == "Video 1")
    clips = sorted(video.clips, key=lambda c: c.position)
    music = next((t for t in project.tracks if t.name == "Music"), None)
    bpm = 120.0
    if music:
        name = Path(project.media[music.clips[0].media_id].path).name  # music-MOOD-NNNbpm-seedS.wav
        bpm = float(next(part[:-3] for part in name.split("-") if part.endswith("bpm")))
    beat = project.fps * 60 / bpm
    off_beat = [c.position for c in clips[1:] if min(c.position % beat, beat - c.position % beat) > 1.01]
    in_silence = in_words = 0
    for clip in clips:
        media = project.media[clip.media_id]
        if media.kind != "video" or not media.has_audio:
            continue
        for quiet in find_silences(media.path):
            overlap = min(clip.source_out(project.fps), quiet.end) - max(clip.source_in, quiet.start)
            in_silence += overlap > 0.3
        words = find_speech(media.path, BREATHS)  # speech split at every gap between words
        ends = (clip.source_in, clip.source_out(project.fps))
        in_words += sum(any(w.start + 0.02 < t < w.end - 0.02 for w in words) for t in ends)
    info = probe(out)
    sound = read_audio(out, sample_rate=48000)
    centred, seen, previous = 0, 0, None
    import cv2

    with VideoReader(info, fit_size(info.width, info.height, 320)) as reader:
        for t in np.arange(0.25, info.duration - 0.1, 0.5):
            picture = reader.frame_at(float(t))
            x, _ = _subject(picture, previous)
            previous = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
            if x is not None:
                seen += 1
                centred += 0.2 <= x <= 0.8
    return {
        "seconds": round(info.duration, 2), "pieces": len(clips),
        "shortest piece s": round(min(c.length for c in clips) / project.fps, 2),
        "cuts off the beat": len(off_beat), "pieces into a silence": in_silence,
        "piece ends inside a word": in_words,
        "black or frozen stretches": len(find_still_picture(out)),
        "LUFS": round(integrated_loudness(sound, 48000), 2), "dBTP": round(db(true_peak(sound, 48000)), 2),
        "subject centred": f"{centred}/{seen} ({100 * centred / max(1, seen):.0f}%)",
    }


def run(paths: list[Path], folder: Path, name: str) -> None:
    settings = ShortSettings(seconds=SHORT, aspect="9:16", title="Bench")
    started = time.monotonic()
    project = make_short(paths, settings, folder / f"{name} media")
    made = time.monotonic() - started
    out = folder / f"{name}.mp4"
    export_project(project, out, project_settings(project), overwrite=True)
    total = time.monotonic() - started
    floor = anchor(paths, folder / f"{name}-anchor.mp4")
    print(f"{name}: files to MP4 {total:.0f} s (making {made:.0f} s, export {total - made:.0f} s); "
          f"plain ffmpeg crop-and-join {floor:.1f} s; ratio {total / floor:.1f}x")
    for key, value in quality(project, out).items():
        print(f"  {key}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="also the footage of ../shared/media")
    parser.add_argument("--keep", type=Path, help="a folder to keep the inputs and outputs in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        run(make_sources(folder), folder, "generated")
        shared = Path(__file__).resolve().parents[1].parent / "shared" / "media"
        if args.real and shared.is_dir():
            run([shared / n for n in REAL], folder, "real")


if __name__ == "__main__":
    main()

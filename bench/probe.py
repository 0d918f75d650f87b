"""Probing: Reelsmith's one-ffmpeg-run probe against a PyAV (libav* through its API) probe.

Issue 14 asked whether to keep parsing the bundled ffmpeg's log text or to read containers
through PyAV. This measures both on the same files in the same run: the real footage of
../shared/media (VFR, rotated, non-square pixels, fades) and the generated demo clips. For
each file it checks that the two agree on what the rest of Reelsmith uses (every frame's
time, the keyframes, the display size after rotation, the frame rate, duration and sound),
and times each (best of three, taken in turn).

PyAV is not a dependency: install it beside Reelsmith to run this (`pip install av`).

Run: .venv/bin/python bench/probe.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-probe-"))

import numpy as np  # noqa: E402

from core.media import probe  # noqa: E402
from core.samples import ensure_samples  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "media"


def av_probe(path: str) -> dict:
    """The fields Reelsmith needs, through PyAV: packets demuxed (not decoded) for the frame
    times; the first frame decoded for the rotation, which this PyAV exposes only on frames."""
    import av

    with av.open(path) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        start = (container.start_time or 0) / 1e6
        found = {"duration": (container.duration or 0) / 1e6, "has_audio": audio is not None,
                 "sample_rate": audio.codec_context.sample_rate if audio else None,
                 "channels": audio.codec_context.channels if audio else None}
        if video is None:
            return found
        times, keys = [], []
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            t = float(packet.pts * video.time_base) - start
            times.append(t)
            if packet.is_keyframe:
                keys.append(t)
        container.seek(0)
        rotation = next(container.decode(video)).rotation
        width, height = video.codec_context.width, video.codec_context.height
        if rotation % 180:
            width, height = height, width
        found.update(frame_times=np.sort(np.array(times)), keyframe_times=np.array(sorted(keys)),
                     width=width, height=height, fps=float(video.average_rate or 0))
        return found


def agree(ours, theirs: dict) -> list[str]:
    """What the two probes disagree on (empty: they agree)."""
    problems = []
    if ours.frame_times is not None:
        if len(ours.frame_times) != len(theirs["frame_times"]):
            problems.append(f"frames {len(ours.frame_times)} vs {len(theirs['frame_times'])}")
        elif np.abs(ours.frame_times - theirs["frame_times"]).max() > 1e-3:
            problems.append("frame times differ")
        if len(ours.keyframe_times) != len(theirs["keyframe_times"]):
            problems.append(f"keyframes {len(ours.keyframe_times)} vs {len(theirs['keyframe_times'])}")
        if (ours.width, ours.height) != (theirs["width"], theirs["height"]):
            problems.append(f"size {ours.width}x{ours.height} vs {theirs['width']}x{theirs['height']}")
    if abs((ours.duration or 0) - theirs["duration"]) > 0.05:
        problems.append(f"duration {ours.duration} vs {theirs['duration']:.3f}")
    if ours.has_audio != theirs["has_audio"] or (ours.has_audio and ours.sample_rate != theirs["sample_rate"]):
        problems.append("sound differs")
    return problems


def timed(work, *args) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def main() -> None:
    files = sorted(str(p) for p in SHARED.glob("*.mp4")) if SHARED.is_dir() else []
    files += [str(p) for p in ensure_samples().clips]
    print(f"{'file':32} {'ours ms':>8} {'PyAV ms':>8} {'ratio':>6}  agreement")
    totals = [0.0, 0.0]
    for path in files:
        ours, theirs = probe(path), av_probe(path)
        times = [float("inf"), float("inf")]
        for _ in range(3):  # in turn, so the machine's noise does not pick the winner
            times[0] = min(times[0], timed(probe, path))
            times[1] = min(times[1], timed(av_probe, path))
        totals = [totals[0] + times[0], totals[1] + times[1]]
        problems = agree(ours, theirs)
        print(f"{Path(path).name:32} {times[0] * 1e3:8.1f} {times[1] * 1e3:8.1f} "
              f"{times[1] / times[0]:6.2f}  {'same' if not problems else '; '.join(problems)}")
    print(f"{'all':32} {totals[0] * 1e3:8.1f} {totals[1] * 1e3:8.1f} {totals[1] / totals[0]:6.2f}")


if __name__ == "__main__":
    main()

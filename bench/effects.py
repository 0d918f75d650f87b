"""Cost of each effect per 1080p frame, against ffmpeg's nearest filter on the same picture.

Every effect runs over a real 1080p frame of the demo footage (a keyed clip gets a green-screen
frame), 30 times, and the median is reported. The anchor is ffmpeg's equivalent filter
(eq, colortemperature, lut3d, gblur, unsharp, vignette, noise, chromakey, drawtext...) on 60
frames of the same size, minus the same command without the filter: ffmpeg's own cost per
frame for that job, on one machine in one run. Target: every effect under 15 ms per frame.

Run: .venv/bin/python bench/effects.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-effects-"))

import numpy as np  # noqa: E402

from core.effects import CANVAS_SPACE, apply_effects, effect_type, make_effect  # noqa: E402
from core.ffmpeg import ffmpeg_command  # noqa: E402
from core.media import frame_at  # noqa: E402
from core.paths import resource  # noqa: E402
from core.samples import ensure_samples  # noqa: E402

FONT = str(resource("fonts", "DejaVuSans-Bold.ttf"))


def write_cube(path: Path, size: int = 33) -> None:
    axis = np.linspace(0, 1, size)
    with path.open("w") as f:
        f.write(f"LUT_3D_SIZE {size}\n")
        for b in axis:
            for g in axis:
                for r in axis:
                    f.write(f"{r ** 0.85:.5f} {g:.5f} {min(1, b * 0.9 + 0.05):.5f}\n")


def cases(cube: Path) -> list[tuple[str, dict, str | None]]:
    """(effect, params, the ffmpeg filter doing the same job)."""
    return [
        ("brightness", {"amount": 0.1}, "eq=brightness=0.1"),
        ("contrast", {"amount": 1.2}, "eq=contrast=1.2"),
        ("gamma", {"gamma": 1.3}, "eq=gamma=1.3"),
        ("saturation", {"amount": 0.6}, "eq=saturation=0.6"),
        ("temperature", {"amount": 0.4}, "colortemperature=temperature=4500"),
        ("lut", {"path": str(cube)}, f"lut3d=file={cube}"),
        ("blur", {"radius": 8}, "gblur=sigma=8"),
        ("sharpen", {"amount": 0.6}, "unsharp=5:5:0.6"),
        ("vignette", {"strength": 0.5}, "vignette"),
        ("grain", {"strength": 0.4}, "noise=alls=12:allf=t"),
        ("chroma_key", {"colour": "green"}, "format=yuva420p,chromakey=0x00FF00:0.2:0.1"),
        ("pip", {}, None),
        ("particles", {"kind": "snow", "amount": 150}, None),
        ("particles", {"kind": "bokeh", "amount": 40}, None),
        ("title", {"text": "Big news today", "animation_in": "pop"},
         f"drawtext=fontfile={FONT}:text='Big news today':fontsize=86:fontcolor=white:borderw=7:x=(w-tw)/2:y=(h-th)/2"),
        ("captions", {"cues": [[0, 3, "and this is how we made it"]]}, None),
    ]


def ours(frame: np.ndarray, name: str, params: dict) -> float:
    effect = make_effect(name, **params)
    space = effect_type(name).space
    apply_effects(frame, 0.2, [effect], space)  # warm caches, as playback does
    times = []
    for i in range(30):
        start = time.perf_counter()
        apply_effects(frame, 0.2 + i / 30, [effect], space)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def ffmpeg_ms(source: Path, vf: str | None) -> float:
    args = ["-i", str(source), "-frames:v", "60", "-an"]
    start = time.perf_counter()
    subprocess.run(ffmpeg_command(*args, *(["-vf", vf] if vf else []), "-f", "null", "-"), check=True)
    return 1000 * (time.perf_counter() - start) / 60


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    cube = folder / "look.cube"
    write_cube(cube)
    clip = ensure_samples((1920, 1080)).path("beach-drone.mp4")
    frame = frame_at(str(clip), 1.0)
    green = frame.copy()
    green[:, :] = (40, 200, 60)
    green[300:800, 700:1200] = frame[300:800, 700:1200]
    baseline = ffmpeg_ms(clip, None)
    print(f"{'effect':<22}{'Reelsmith ms':>14}{'ffmpeg ms':>12}{'ratio':>8}")
    for name, params, vf in cases(cube):
        picture = green if name == "chroma_key" else frame
        mine = ours(picture, name, params)
        theirs = max(0.01, ffmpeg_ms(clip, vf) - baseline) if vf else None
        label = name if name != "particles" else f"particles ({params['kind']})"
        flag = "" if mine < 15 else "  over 15 ms"
        ratio = f"{mine / theirs:8.2f}" if theirs else f"{'':>8}"
        print(f"{label:<22}{mine:14.1f}{(f'{theirs:.1f}' if theirs else '-'):>12}{ratio}{flag}")
    print(f"(canvas-space effects: {', '.join(n for n, _, _ in cases(cube) if effect_type(n).space == CANVAS_SPACE)})")


if __name__ == "__main__":
    main()

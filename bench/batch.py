"""Batch throughput: `reelsmith batch` with 1 and 2 workers against the anchor, a shell loop of
single-file runs (one `reelsmith COMMAND FILE` process per file, what a creator would script),
on the same inputs in the same run.

Inputs: the real clips in ../shared/media (carphone, counter, fades, the VFR film clip, the
rotated phone clip), cycled to --files inputs. Two commands:

- scenes: decode at analysis size and find the shots (single-threaded work per file);
- render: each clip alone to a 720p30 MP4 (decode, scale, x264 with its own threads).

Printed per command: wall seconds, files per minute, CPU use (cores busy, from the children's
user+system time) and the ratio to the anchor.

Run: .venv/bin/python bench/batch.py [--files 10] [--commands scenes,render]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
CLIPS = ["carphone.mp4", "counter.mp4", "fades.mp4", "goldeneye-vfr-drop3.mp4", "issue-134-rotate.mp4"]
SINGLE = {
    "scenes": lambda src, out: ["scenes", src, "--json"],
    "render": lambda src, out: ["render", src, "--out", out, "--preset", "720p", "--fps", "30"],
}
BATCH_OPTIONS = {"scenes": [], "render": ["--options", "--preset 720p --fps 30"]}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(run) -> tuple[float, float]:
    cpu, started = _children_cpu(), time.perf_counter()
    run()
    return time.perf_counter() - started, _children_cpu() - cpu


def _reelsmith(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, check=True,
                          stdout=kwargs.pop("stdout", subprocess.DEVNULL), stderr=subprocess.DEVNULL, **kwargs)


def bench(command: str, inputs: list[Path], scratch: Path) -> None:
    anchor_out = scratch / f"{command}-anchor"
    anchor_out.mkdir()

    def loop() -> None:
        for index, source in enumerate(inputs):
            out = anchor_out / f"{index}.mp4"
            if command == "scenes":
                with open(anchor_out / f"{index}.json", "wb") as printed:
                    _reelsmith(SINGLE[command](str(source), str(out)), stdout=printed)
            else:
                _reelsmith(SINGLE[command](str(source), str(out)))

    rows = [("shell loop (anchor)", *_timed(loop))]
    for workers in (1, 2):
        out = scratch / f"{command}-{workers}"
        argv = ["batch", command, *map(str, inputs), "--out", str(out), "--workers", str(workers),
                *BATCH_OPTIONS[command]]
        rows.append((f"batch, {workers} worker(s)", *_timed(lambda argv=argv: _reelsmith(argv))))
    anchor = rows[0][1]
    print(f"\n{command}: {len(inputs)} files")
    print(f"{'':24} {'wall s':>7} {'files/min':>9} {'cores busy':>10} {'anchor / this':>13}")
    for name, wall, cpu in rows:
        print(f"{name:24} {wall:7.1f} {len(inputs) / wall * 60:9.1f} {cpu / wall:10.2f} {anchor / wall:13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--commands", default="scenes,render")
    args = parser.parse_args()
    if not MEDIA.is_dir():
        sys.exit(f"{MEDIA} is not here: the benchmark needs the shared real footage.")
    print(f"{os.cpu_count()} cores; inputs cycled from {', '.join(CLIPS)}")
    with tempfile.TemporaryDirectory(prefix="reelsmith-bench-batch-") as scratch:
        scratch = Path(scratch)
        inputs = []
        for index in range(args.files):  # links under distinct names: distinct tasks, no copies
            link = scratch / f"in{index:02d}-{CLIPS[index % len(CLIPS)]}"
            link.symlink_to(MEDIA / CLIPS[index % len(CLIPS)])
            inputs.append(link)
        for command in args.commands.split(","):
            bench(command, inputs, scratch)


if __name__ == "__main__":
    main()

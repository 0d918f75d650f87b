"""GUI responsiveness: startup to a shown window, and event-loop stalls while work runs.

Run: .venv/bin/python bench/gui.py

1. Startup: fresh processes, Reelsmith's main window against a bare PySide6 window (anchor).
2. Stalls: a 5 ms timer on the GUI thread records every gap between its ticks, first with the
   window idle (the anchor: the machine's own noise), then while an export and probes run as
   jobs and the preview plays. Target: no stall over 50 ms.
3. Playback: frames shown per second while a timeline of 1080p clips plays (anchor: the
   timeline's own rate), and the time to paint a timeline of 500 clips (anchor: an empty one).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-gui-"))

ROOT = Path(__file__).resolve().parent.parent
REELSMITH = """
from desktop.app import create_app
from desktop.main_window import MainWindow
app = create_app()
window = MainWindow()
window.show()
app.processEvents()
assert window.isVisible()
window.close()
"""
ANCHOR = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
app.processEvents()
assert window.isVisible()
"""


def time_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def startup(runs: int = 7) -> None:
    time_process(REELSMITH)  # warm the file cache
    ours = statistics.median(time_process(REELSMITH) for _ in range(runs))
    anchor = statistics.median(time_process(ANCHOR) for _ in range(runs))
    print(f"startup to a shown window: reelsmith {ours:.3f} s, bare PySide6 (anchor) {anchor:.3f} s, "
          f"ratio {ours / anchor:.2f}x (median of {runs})")


class GapMeter:
    """Records the gaps between ticks of a fast timer on the GUI thread."""

    def __init__(self, interval_ms: int = 5):
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(interval_ms)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def report(self, label: str) -> None:
        gaps = sorted(self.gaps)
        print(f"{label}: longest gap {gaps[-1] * 1000:.1f} ms, 99th percentile "
              f"{gaps[int(len(gaps) * 0.99)] * 1000:.1f} ms over {len(gaps)} ticks")


def wait(app, seconds: float, until=None) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.001)


def stalls() -> None:
    from core.demo import build_demo_project
    from core.export import export_project, preset
    from core.media import probe
    from desktop.app import create_app
    from desktop.main_window import MainWindow

    demo = build_demo_project()
    app = create_app()
    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    window.open_project(demo)
    wait(app, 5)

    idle = GapMeter()
    wait(app, 3)
    idle.timer.stop()
    idle.report("idle window (anchor)")

    busy = GapMeter()
    out = Path(tempfile.mkdtemp()) / "bench.mp4"
    export = window.runner.submit("Export", export_project, window.project, out, preset("720p", 30, "draft"))
    for media in window.project.media.values():
        window.runner.submit("Probe", probe, media.path)
    window.preview.play()
    started = time.perf_counter()
    wait(app, 300, until=lambda: not export.running)
    busy.timer.stop()
    window.preview.pause()
    busy.report(f"export + probes + playing preview ({time.perf_counter() - started:.1f} s)")
    window.undo_stack.setClean()
    window.close()


def playback() -> None:
    from core import timeline as tl
    from core.media import probe
    from core.samples import ensure_samples
    from desktop.app import create_app
    from desktop.main_window import MainWindow

    samples = ensure_samples((1920, 1080))
    app = create_app()
    window = MainWindow()
    window.resize(1600, 900)
    window.show()
    project = tl.Project.new("1080p", fps=30)
    refs = [tl.MediaRef.from_info(probe(path)) for path in samples.clips]
    for ref in refs:
        tl.add_media(project, ref)
    tl.append_media_clips(project, project.tracks[0].id, [r.id for r in refs])
    window.set_project(project, None)
    wait(app, 3)
    shown = []
    window.preview.frame_shown.connect(shown.append)
    window.preview.play()
    wait(app, 6)
    window.preview.pause()
    rate = len(shown) / 6
    print(f"1080p playback: {rate:.1f} frames shown per second of a {project.fps:g} fps timeline "
          f"({rate / project.fps:.0%} of real time; the rest dropped, never late)")

    def paint_time(clips: int) -> float:
        crowded = tl.Project.new()
        tl.add_media(crowded, refs[0])
        for index in range(clips):
            tl.add_clip(crowded, crowded.tracks[index % 2].id, tl.make_clip(crowded, refs[0].id, index * 15, 0, 0.5))
        window.set_project(crowded, None)
        window.timeline.grab()
        start = time.perf_counter()
        for _ in range(20):
            window.timeline.grab()
        return (time.perf_counter() - start) / 20

    crowded, empty = paint_time(500), paint_time(0)
    print(f"timeline paint: 500 clips {crowded * 1000:.1f} ms, empty (anchor) {empty * 1000:.1f} ms")
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    startup()
    stalls()
    playback()

"""Startup to a visible window: Reelsmith's main window against a bare PySide6 window.

Run: .venv/bin/python bench/startup.py [--runs N]
Both run in fresh processes, alternately, in the same run; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    time_process(REELSMITH)  # warm the file cache for both
    ours, anchor = [], []
    for _ in range(args.runs):
        ours.append(time_process(REELSMITH))
        anchor.append(time_process(ANCHOR))
    ours_s, anchor_s = statistics.median(ours), statistics.median(anchor)
    print(f"reelsmith window: {ours_s:.3f} s (median of {args.runs})")
    print(f"bare PySide6 window (anchor): {anchor_s:.3f} s")
    print(f"ratio: {ours_s / anchor_s:.2f}x the anchor; overhead {ours_s - anchor_s:.3f} s")


if __name__ == "__main__":
    main()

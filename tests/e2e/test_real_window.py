"""The app in a real X window, driven by real mouse and keyboard events (Xvfb and xdotool):
what a synthetic widget call cannot find, such as a drag that draws a rubber band instead of
moving a clip. Skipped only where Xvfb or xdotool is missing; CI installs both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.demo import demo_project
from core.project_io import save_project

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                reason="needs Xvfb and xdotool (apt-get install xvfb xdotool)")


class Desktop:
    """Xvfb with the app in it, and the person's hands: clicks, drags and keys through xdotool."""

    def __init__(self, tmp_path: Path, project: Path):
        ready, told = os.pipe()  # Xvfb writes its display number here once it accepts clients
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(told), "-screen", "0", "1600x900x24",
                                      "-nolisten", "tcp"], pass_fds=(told,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(told)
        with os.fdopen(ready) as pipe:
            display = ":" + pipe.readline().strip()
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path),
               "REELSMITH_DATA_DIR": str(tmp_path / "data")}
        self.env = env
        self.app = subprocess.Popen([sys.executable, "main.py", str(project)], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # --sync waits for the window, titled with the project's name once it has opened it
        window = self.xdo("search", "--sync", "--onlyvisible", "--name", f"^{project.stem} ").split()[0]
        self.xdo("windowmove", "--sync", window, "0", "0")
        self.xdo("windowsize", "--sync", window, "1600", "900")
        self.xdo("windowfocus", "--sync", window)

    def xdo(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              timeout=60, check=True).stdout

    def click(self, x: int, y: int) -> None:
        self.xdo("mousemove", "--sync", str(x), str(y), "click", "1")

    def drag(self, x1: int, y1: int, x2: int, y2: int, steps: int = 24) -> None:
        """As a hand drags: press, many small moves at a hand's pace (Qt's drag-and-drop loop
        follows motion events), release."""
        moves = []
        for i in range(1, steps + 1):
            moves += ["mousemove", str(x1 + (x2 - x1) * i // steps), str(y1 + (y2 - y1) * i // steps), "sleep", "0.03"]
        # Linger over the target with small moves: a busy GUI thread merges motion events, and
        # the drop goes where the drag-and-drop loop last saw the pointer move.
        linger = [part for dx in (3, -3, 2, 0) for part in ("mousemove", str(x2 + dx), str(y2), "sleep", "0.1")]
        self.xdo("mousemove", "--sync", str(x1), str(y1), "mousedown", "1", "sleep", "0.3", *moves, *linger,
                 "sleep", "0.3", "mouseup", "1")

    def key(self, *keys: str) -> None:
        self.xdo("key", "--delay", "50", *keys)

    def close(self) -> None:
        for process in (self.app, self.xvfb):
            process.kill()
            process.wait(timeout=30)


def _saved(path: Path, before: float, timeout: float = 60) -> dict:
    """The project file once the app has saved it again (the save is the app's own work)."""
    deadline = time.monotonic() + timeout
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.1)  # polling another process's file: there is no signal to wait on
    assert path.stat().st_mtime_ns != before, "the app did not save"
    return json.loads(path.read_text())


@pytest.fixture
def desktop(tmp_path, samples):
    project = tmp_path / "short.reelsmith"
    save_project(demo_project(samples), project)
    screen = Desktop(tmp_path, project)
    yield screen, project
    screen.close()


def test_drag_from_the_bin_onto_a_track_places_the_clip_and_ctrl_z_takes_it_back(desktop):
    screen, project = desktop
    # The demo at 1600x900: the bin's second picture (beach-drone) and the Overlay 1 row at ~15 s.
    screen.drag(230, 120, 1250, 660)
    mtime = project.stat().st_mtime_ns
    screen.click(800, 860)  # the timeline's empty space below the tracks: the window has the keys
    screen.key("ctrl+s")
    overlay = _saved(project, mtime)["project"]["tracks"][1]
    media = {m["id"]: m["path"] for m in json.loads(project.read_text())["project"]["media"]}
    placed = [media[c["media"]] for c in overlay["clips"]]
    assert [Path(p).name for p in placed] == ["title-card.png", "beach-drone.mp4"]
    assert overlay["clips"][1]["position"] > 300  # where it was dropped, not at the start
    mtime = project.stat().st_mtime_ns
    screen.key("ctrl+z", "ctrl+s")
    overlay = _saved(project, mtime)["project"]["tracks"][1]
    assert len(overlay["clips"]) == 1

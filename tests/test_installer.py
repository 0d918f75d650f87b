"""The desktop installer in a temporary HOME: install, validate, launch from the menu entry,
open a project by its file type, upgrade in place, uninstall, and nothing left behind."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tree(home: Path) -> dict[str, bytes | None]:
    """Every path under ``home``: file contents, None for folders."""
    return {str(p.relative_to(home)): (p.read_bytes() if p.is_file() else None) for p in sorted(home.rglob("*"))}


@pytest.fixture
def home(tmp_path) -> tuple[Path, dict]:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "notes.txt").write_text("mine")
    (home / ".config").mkdir()
    (home / ".config" / "mimeapps.list").write_text("[Default Applications]\ntext/plain=gedit.desktop\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8",
           "REELSMITH_INSTALL_ENV": sys.prefix,  # the test environment already holds everything
           "REELSMITH_DATA_DIR": str(tmp_path / "app-data"),  # what the app writes is not the installer's
           "QT_QPA_PLATFORM": "offscreen"}
    return home, env


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, **kwargs)


def exec_line(desktop_file: Path) -> list[str]:
    line = next(x for x in desktop_file.read_text().splitlines() if x.startswith("Exec="))
    return shlex.split(line[len("Exec="):])


def test_install_launch_open_by_type_upgrade_and_uninstall(home, samples, tmp_path):
    from core.demo import demo_project
    from core.project_io import save_project

    home, env = home
    before = tree(home)
    installed = run(["bash", str(ROOT / "installer" / "install.sh"), "--desktop-icon"], env)
    assert installed.returncode == 0, installed.stderr
    assert "launcher:" in installed.stdout and "menu entry:" in installed.stdout

    desktop_file = home / ".local/share/applications/reelsmith.desktop"
    assert (home / "Desktop" / "reelsmith.desktop").exists()
    assert (home / ".local/share/icons/hicolor/256x256/apps/reelsmith.png").exists()
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.fail("desktop-file-validate is missing: installer/bootstrap.sh test installs desktop-file-utils")
    checked = run([validator, str(desktop_file)], env)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr

    # Launch the menu entry's command, as a double click on the icon would (offscreen, smoke).
    command = [part for part in exec_line(desktop_file) if part != "%f"]
    started = run([*command, "--smoke"], env)
    assert started.returncode == 0 and "Reelsmith" in started.stdout and "Demo" in started.stdout, started.stderr
    assert "4 person and face models ready" in started.stdout  # from the installed copy of resources/

    # A project opens through its registered file type.
    project = tmp_path / "My Short.reelsmith"
    save_project(demo_project(samples), project)
    kind = "application/x-reelsmith-project"
    if shutil.which("update-mime-database"):  # the database desktops (GLib, Qt) look names up in
        globs = (home / ".local/share/mime/globs2").read_text()
        assert f"{kind}:*.reelsmith" in globs
    if shutil.which("xdg-mime"):
        assert run(["xdg-mime", "query", "default", kind], env).stdout.strip() == "reelsmith.desktop"
    opened = run([part.replace("%f", str(project)) for part in exec_line(desktop_file)] + ["--smoke"], env)
    assert opened.returncode == 0 and "My Short" in opened.stdout, opened.stdout + opened.stderr

    # Running it again upgrades in place.
    manifest = home / ".local/share/reelsmith/app/installed-files.txt"
    listed = sorted(manifest.read_text().splitlines())
    again = run(["bash", str(ROOT / "installer" / "install.sh"), "--desktop-icon"], env)
    assert again.returncode == 0 and sorted(manifest.read_text().splitlines()) == listed

    removed = run(["bash", str(home / ".local/share/reelsmith/app/uninstall.sh")], env)
    assert removed.returncode == 0, removed.stderr
    assert tree(home) == before  # everything it added is gone; the user's files and settings are as they were


def test_uninstall_without_an_install_says_so(home):
    home, env = home
    result = run(["bash", str(ROOT / "installer" / "uninstall.sh")], env)
    assert result.returncode == 0 and "not installed" in result.stdout
    assert (home / "Documents" / "notes.txt").read_text() == "mine"

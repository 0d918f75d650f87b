"""Rules the whole code base keeps: core never imports Qt; heavy libraries load lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_file_under_core_imports_qt():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] in QT_MODULES)
        for path in (ROOT / "core").rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"core must stay Qt-free: {offenders}"
    assert len(list((ROOT / "core").rglob("*.py"))) >= 10  # the walk really saw the package


def test_the_layering_contracts_in_pyproject_hold():
    """import-linter's contracts (pyproject.toml): core never imports the desktop or Qt,
    features never import the app shells, and the desktop's layers only import downwards."""
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout  # every contract was really checked


def test_starting_the_app_imports_neither_torch_nor_scipy():
    """Nor the heavy optional parts: ray (batch on a cluster) and OpenTimelineIO (interchange)."""
    code = (
        "import sys; import main, core.cli, core.batch, core.interchange, desktop.app, desktop.main_window;"
        "print(','.join(m for m in ('torch', 'scipy', 'ray', 'opentimelineio') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

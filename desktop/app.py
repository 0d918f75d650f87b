"""Start the desktop app: ``run(argv)``.

``reelsmith [PROJECT | MEDIA...]`` opens a project or imports media into a new one; with no
arguments it opens the demo project. ``--screenshot OUT.png`` renders the window offscreen to
a PNG once the project and its first frame are shown, then exits (for tests and docs).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from core import __version__
from core.logs import setup_logging
from core.project_io import EXTENSION

log = logging.getLogger(__name__)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reelsmith", description="Reelsmith video editor")
    parser.add_argument("paths", nargs="*", help=f"a project ({EXTENSION}) or media files to import")
    parser.add_argument("--screenshot", metavar="OUT.png", help="render the window to a PNG and exit")
    parser.add_argument("--size", default="1600x900", help="window size for --screenshot (WxH)")
    parser.add_argument("--smoke", action="store_true",
                        help="start offscreen, open what was given, say what is shown, and exit (for installers)")
    args = parser.parse_args(argv)
    if args.smoke and not args.screenshot:
        from core.paths import data_dir

        args.screenshot = str(data_dir() / "smoke.png")
    return args


def create_app(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication

    from desktop.theme import apply_dark_theme

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Reelsmith")
    app.setOrganizationName("Reelsmith")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("reelsmith")  # Wayland matches the window to reelsmith.desktop's icon
    from PySide6.QtGui import QIcon

    from core.paths import resource

    app.setWindowIcon(QIcon(str(resource("icons", "reelsmith.svg"))))
    apply_dark_theme(app)
    return app


def open_initial(window, paths: list[str], recover: bool = True) -> None:
    if not paths:
        if not (recover and window.offer_recovery()):
            window.open_demo()
    elif len(paths) == 1 and paths[0].endswith(EXTENSION):
        window.open_project(paths[0])
    else:  # media files: a quick timeline, end to end, as `render` builds one
        window.new_project()
        window.import_files(paths, place=(0, window.project.tracks[0].id))


def run(argv: list[str]) -> int:
    args = _parse(argv)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    setup_logging()
    app = create_app()
    from desktop.main_window import MainWindow

    window = MainWindow()
    if args.screenshot:
        return _screenshot(app, window, args)
    window.show()
    open_initial(window, args.paths)
    return app.exec()


def _models_ready() -> str:
    from core.errors import ModelError
    from core.vision.litert import check_shipped

    try:
        return f"{check_shipped()} person and face models ready"
    except ModelError as exc:
        return str(exc)


def _screenshot(app, window, args) -> int:
    from PySide6.QtCore import QTimer

    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    outcome = {"status": 1}

    def capture() -> None:
        if not window.grab().save(args.screenshot):
            print(f"reelsmith: error: could not write {args.screenshot}", file=sys.stderr)
        else:
            outcome["status"] = 0
            if args.smoke:
                print(f"Reelsmith {__version__} started: {window.windowTitle()} "
                      f"({len(window.project.media) if window.project else 0} media; {_models_ready()})")
        window.runner.shutdown()
        window.preview.shutdown()
        app.quit()

    def when_shown(_frame: int) -> None:
        if window.imports:
            return  # files still being read: wait for the frame that shows them
        window.preview.frame_shown.disconnect(when_shown)
        QTimer.singleShot(300, capture)  # let thumbnails and the layout settle

    window.preview.frame_shown.connect(when_shown)
    window.error_shown.connect(lambda message: print(f"reelsmith: {message}", file=sys.stderr))
    QTimer.singleShot(120_000, capture)  # never hang: capture whatever is there
    open_initial(window, args.paths, recover=False)
    app.exec()
    return outcome["status"]

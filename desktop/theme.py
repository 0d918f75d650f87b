"""A dark theme in the style of modern editors, on Qt's Fusion style."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(255, 122, 69)
CLIP_COLOURS = {"video": QColor(62, 116, 196), "overlay": QColor(150, 92, 200), "audio": QColor(48, 160, 120)}

STYLESHEET = """
QMainWindow, QDialog { background: #1b1d22; }
QToolBar { background: #22252b; border: none; spacing: 4px; padding: 4px; }
QToolButton { color: #e6e6e6; padding: 5px 9px; border-radius: 5px; }
QToolButton:hover { background: #323640; }
QToolButton#assistant { color: #ffb08f; }
QToolButton#primary { color: #ff8a50; font-weight: bold; }
QDockWidget::title, QLabel#panelTitle { background: #22252b; color: #9aa0aa; padding: 4px 8px;
    font-weight: 600; text-transform: uppercase; }
QListWidget { background: #1f2228; border: none; color: #e6e6e6; }
QListWidget::item:selected { background: #3a3f4b; border-radius: 4px; }
QStatusBar { background: #22252b; color: #c8c8c8; }
QSplitter::handle { background: #121316; }
QProgressBar { border: 1px solid #3a3f4b; border-radius: 3px; background: #16181c; height: 10px;
    text-align: center; color: #ddd; }
QProgressBar::chunk { background: #ff7a45; border-radius: 2px; }
QSlider::groove:horizontal { height: 4px; background: #3a3f4b; border-radius: 2px; }
QSlider::handle:horizontal { width: 12px; margin: -5px 0; border-radius: 6px; background: #ff7a45; }
"""


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.Window: "#1b1d22", QPalette.WindowText: "#e6e6e6", QPalette.Base: "#16181c",
        QPalette.AlternateBase: "#1f2228", QPalette.ToolTipBase: "#2a2e36", QPalette.ToolTipText: "#e6e6e6",
        QPalette.Text: "#e6e6e6", QPalette.Button: "#2a2e36", QPalette.ButtonText: "#e6e6e6",
        QPalette.BrightText: "#ffffff", QPalette.Highlight: ACCENT.name(), QPalette.HighlightedText: "#111111",
        QPalette.PlaceholderText: "#80868f",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.Disabled, QPalette.Text, QColor("#6b7078"))
    palette.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#6b7078"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)

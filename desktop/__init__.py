"""Reelsmith's PySide6 desktop app: widgets, undo commands and the one job runner."""

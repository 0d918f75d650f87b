"""Reelsmith's engine: timeline model, media, compositing, export and the assistant features.

Nothing in this package imports Qt: the desktop app and the CLI are both thin shells over it.
"""

__version__ = "0.1.0"

"""Typed errors whose messages a creator can act on.

Every message names the thing that went wrong and, where there is one, what to do about it.
The GUI shows `str(error)` as it is; details for developers go to the log.
"""


class ReelsmithError(Exception):
    """Base class for every error Reelsmith reports to a user."""


class MediaError(ReelsmithError):
    """A media file could not be found, read or decoded."""


class ProjectError(ReelsmithError):
    """A project file is missing, malformed or could not be written."""


class EditError(ReelsmithError):
    """A timeline edit would leave the project invalid (overlap, out of range, ...)."""


class ExportError(ReelsmithError):
    """An export could not be completed."""


class ModelError(ReelsmithError):
    """A generative model could not be loaded, trained or run."""


class SpeechError(ReelsmithError):
    """Speech could not be found, recognised or matched to a script."""

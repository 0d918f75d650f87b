"""A quick timeline from media files, placed end to end (CLI render, "open these files")."""

from __future__ import annotations

import os
from collections.abc import Sequence

from core import timeline as tl
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media import AUDIO, probe


def project_from_media(paths: Sequence[str | os.PathLike], width: int = 1920, height: int = 1080,
                       fps: float = 30, *, progress: Progress | None = None,
                       cancel: CancelToken | None = None) -> tl.Project:
    """Videos and stills one after another on the video track; sound files on the audio track.

    Raises MediaError for the first file that cannot be read.
    """
    project = tl.Project.new("1080p", fps=fps)  # untitled: files made from it take the first clip's name
    project.width, project.height = width, height
    video, _, audio = project.tracks
    for index, path in enumerate(paths):
        check_cancel(cancel)
        info = probe(path)
        ref = tl.MediaRef.from_info(info)
        tl.add_media(project, ref)
        track = audio if info.kind == AUDIO else video
        tl.add_clip(project, track.id, tl.make_clip(project, ref.id, project.track(track.id).end))
        report(progress, (index + 1) / len(paths), f"Read {info.name}")
    return project

"""The demo project the app opens on when started with no arguments."""

from __future__ import annotations

from pathlib import Path

from core import timeline as tl
from core.errors import ProjectError
from core.jobs import CancelToken, Progress, report, sub_progress
from core.media import probe
from core.paths import data_subdir
from core.project_io import EXTENSION, load_project, save_project
from core.samples import ensure_samples


def demo_project_path() -> Path:
    return data_subdir("demo") / f"Demo{EXTENSION}"


def build_demo_project(*, progress: Progress | None = None, cancel: CancelToken | None = None) -> Path:
    """Generate the demo media (once) and a project using it; an existing demo is kept.

    The user may have edited and saved the demo, so a valid one is never overwritten.
    """
    path = demo_project_path()
    if path.exists():
        try:
            project = load_project(path)
            if not any(m.offline for m in project.media.values()):
                return path
        except ProjectError:
            pass
    samples = ensure_samples(progress=sub_progress(progress, 0.0, 0.9), cancel=cancel)
    report(progress, 0.9, "Building the demo project")
    save_project(demo_project(samples), path)
    report(progress, 1.0, "Demo ready")
    return path


def demo_project(samples) -> tl.Project:
    project = tl.Project.new("1080p", fps=30, name="Demo")
    video, overlay, audio = project.tracks
    media = {}
    for file in [*samples.clips, samples.path("music-bed.wav"), samples.path("title-card.png")]:
        ref = tl.MediaRef.from_info(probe(file))
        tl.add_media(project, ref)
        media[file.name] = ref.id
    tl.append_media_clips(project, video.id, [media[p.name] for p in samples.clips])
    first, second = video.clips[0], project.track(video.id).clips[1]
    tl.add_transition(project, first.id, second.id, "crossfade", 15)
    title = tl.make_clip(project, media["title-card.png"], 0, 0.0, 3.0)
    title.scale, title.pan_y, title.opacity = 0.4, 0.28, 0.92  # a card in the lower third
    tl.add_clip(project, overlay.id, title)
    bed = tl.make_clip(project, media["music-bed.wav"], 0)
    bed.volume = 0.35
    tl.add_clip(project, audio.id, bed)
    return project

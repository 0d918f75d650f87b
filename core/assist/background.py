"""Replace background, the slow part: the person found in every frame of the clip's file (so
preview plays the effect without waiting) and a generated backdrop in the footage's colours,
as long as the clip. ``recipes.replace_background`` then puts both on the timeline."""

from __future__ import annotations

import os
import time
from pathlib import Path

from core.jobs import CancelToken, Progress, sub_progress


def prepare_background(source: str | os.PathLike, seconds: float, size: tuple[int, int], fps: float,
                       folder: str | os.PathLike, seed: int = 0, progress: Progress | None = None,
                       cancel: CancelToken | None = None) -> Path:
    """Analyse the person in ``source`` and render a backdrop for it; returns the backdrop's path."""
    from core.gan.backdrop import BackdropSettings, render_backdrop
    from core.vision.matte import mattes_for

    mattes_for(str(source)).analyse(sub_progress(progress, 0.0, 0.4), cancel)
    settings = BackdropSettings(seconds=min(600.0, max(0.2, seconds)), width=size[0], height=size[1], fps=fps,
                                seed=seed, match=str(source))
    out = Path(folder) / f"backdrop-for-{Path(source).stem}-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
    return render_backdrop(settings, out, progress=sub_progress(progress, 0.4, 1.0), cancel=cancel)

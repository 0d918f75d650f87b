from __future__ import annotations

import numpy as np
import pytest

from core import timeline as tl
from core.compositor import OFFLINE_COLOUR, Compositor, fitted_size, frame_at
from core.media import probe


@pytest.fixture
def project(samples):
    project = tl.Project.new("square_1080", fps=30)
    project.width = project.height = 360  # small canvas, same rules
    ids = {}
    for name in ("city-walk.mp4", "title-card.png"):
        ref = tl.MediaRef.from_info(probe(samples.path(name)))
        tl.add_media(project, ref)
        ids[name] = ref.id
    tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, ids["city-walk.mp4"], 0, 0, 4))
    return project, ids


def test_fit_letterboxes_and_fill_crops():
    assert fitted_size((1920, 1080), (1080, 1920), "fit") == (1080, 608)
    assert fitted_size((1920, 1080), (1080, 1920), "fill") == (3414, 1920)
    assert fitted_size((1920, 1080), (1080, 1920), "stretch") == (1080, 1920)


def test_fitted_video_has_bars_above_and_below(project):
    project, _ = project
    picture = frame_at(project, 10)
    assert picture.shape == (360, 360, 3)
    assert picture[:70].max() == 0 and picture[-70:].max() == 0  # 16:9 in a square: bars
    assert picture[150:210].mean() > 20


def test_overlay_opacity_blends_over_video(project):
    project, ids = project
    video_only = frame_at(project, 5).astype(float)
    title = tl.make_clip(project, ids["title-card.png"], 0, 0, 1)
    tl.add_clip(project, project.tracks[1].id, title)
    opaque = frame_at(project, 5).astype(float)
    tl.set_clip_properties(project, title.id, opacity=0.5)
    half = frame_at(project, 5).astype(float)
    centre = (slice(150, 210), slice(100, 260))
    assert not np.allclose(opaque[centre], video_only[centre], atol=10)
    assert np.allclose(half[centre], (opaque[centre] + video_only[centre]) / 2, atol=2)


def test_offline_media_shows_a_slate(project):
    project, ids = project
    project.media[ids["city-walk.mp4"]].offline = True
    picture = frame_at(project, 3)
    assert tuple(picture[180, 180]) == OFFLINE_COLOUR


def test_sequential_frames_reuse_one_reader(project):
    project, _ = project
    with Compositor(project) as compositor:
        for frame in range(20):
            compositor.frame_at(frame)
        assert len(compositor._readers) == 1
        reader = next(iter(compositor._readers.values()))
        process = reader._proc
        compositor.frame_at(20)
        assert reader._proc is process  # played forward without re-seeking

"""Exports read back from the file: format, pixels, sync, and clean failure."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core import timeline as tl
from core.compositor import Compositor
from core.errors import ExportError
from core.export import ExportSettings, export_project, preset
from core.jobs import Cancelled, CancelToken
from core.media import SAMPLE_RATE, VideoReader, encode_video, probe, read_audio

FPS = 30


def small_project(samples, width=320, height=180) -> tl.Project:
    """Two clips with a crossfade, a title, and a music bed, on a small canvas."""
    project = tl.Project.new("720p", fps=FPS)
    project.width, project.height = width, height
    video, overlay, audio = project.tracks
    ids = {}
    for name in ("city-walk.mp4", "beach-drone.mp4", "title-card.png", "music-bed.wav"):
        ref = tl.MediaRef.from_info(probe(samples.path(name)))
        tl.add_media(project, ref)
        ids[name] = ref.id
    a = tl.make_clip(project, ids["city-walk.mp4"], 0, 1.0, 3.0)
    b = tl.make_clip(project, ids["beach-drone.mp4"], a.length, 0.5, 2.5)
    tl.add_clip(project, video.id, a)
    tl.add_clip(project, video.id, b)
    tl.add_transition(project, a.id, b.id, "crossfade", 10)
    title = tl.make_clip(project, ids["title-card.png"], 0, 0, 1)
    tl.add_clip(project, overlay.id, title)
    tl.set_clip_properties(project, title.id, opacity=0.6, scale=0.5)
    bed = tl.make_clip(project, ids["music-bed.wav"], 0, 0, 4)
    tl.add_clip(project, audio.id, bed)
    tl.set_clip_properties(project, bed.id, volume=0.3)
    return project


def settings_for(project, quality="good") -> ExportSettings:
    return ExportSettings(project.width, project.height, project.fps, quality)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def ffmpeg_children() -> list[int]:
    """Live ffmpeg processes started by this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if ppid == os.getpid() and b"ffmpeg" in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def exported(samples, tmp_path_factory):
    project = small_project(samples)
    out = tmp_path_factory.mktemp("export") / "out.mp4"
    result = export_project(project, out, settings_for(project, "best"))
    return project, result


def test_export_reads_back_as_intended(exported):
    project, result = exported
    info = probe(result.path)
    assert (info.width, info.height, info.fps, info.vfr) == (320, 180, 30.0, False)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.audio_codec == "aac" and info.sample_rate == 48000 and info.channels == 2
    assert info.frame_count == project.duration_frames == result.frames
    assert info.duration == pytest.approx(project.duration_frames / FPS, abs=1 / FPS)


def test_exported_frames_match_the_compositor(exported):
    project, result = exported
    info = probe(result.path)
    with Compositor(project) as compositor, VideoReader(info) as reader:
        for frame in (0, 14, 31, 55, 60, 64, 89, project.duration_frames - 1):  # title, fade, cut, end
            assert psnr(reader.frame(frame), compositor.frame_at(frame)) > 35, frame


def test_exported_sound_is_the_mix_at_streaming_loudness(exported):
    from core.audio.loudness import db, integrated_loudness, normalise, true_peak

    project, result = exported
    sound = read_audio(result.path, sample_rate=48000)
    with Compositor(project) as compositor:
        mix = normalise(compositor.audio_between(0, project.duration_frames / FPS), 48000)[0]
    assert integrated_loudness(sound, 48000) == pytest.approx(-14, abs=0.3)  # the file, after AAC
    assert db(true_peak(sound)) <= -1.0
    assert abs(len(sound) - len(mix)) < 48000 * 0.05
    n = min(len(sound), len(mix)) - 4800
    level_out, level_mix = np.sqrt(np.mean(sound[2400:n] ** 2)), np.sqrt(np.mean(mix[2400:n] ** 2))
    assert level_out == pytest.approx(level_mix, rel=0.1)
    correlation = np.corrcoef(sound[2400:n, 0], mix[2400:n, 0])[0, 1]
    assert correlation > 0.9


@pytest.fixture(scope="module")
def sync_source(tmp_path_factory) -> Path:
    """A clip that flashes white and clicks at 1.0 s and 2.5 s, dark and silent otherwise."""
    path = tmp_path_factory.mktemp("sync") / "flash-click.mp4"
    frames, events = 4 * FPS, (FPS, int(2.5 * FPS))

    def pictures():
        for i in range(frames):
            yield np.full((120, 160, 3), 230 if i in events else 20, np.uint8)

    audio = np.zeros((4 * SAMPLE_RATE, 2), np.float32)
    for event in events:
        start = int(event / FPS * SAMPLE_RATE)
        audio[start : start + 240] = 0.8  # a 5 ms click
    encode_video(path, pictures(), (160, 120), FPS, audio, frames)
    return path


def test_flash_and_click_stay_in_sync(sync_source, tmp_path):
    project = tl.Project.new("720p", fps=FPS)
    project.width, project.height = 160, 120
    ref = tl.MediaRef.from_info(probe(sync_source))
    tl.add_media(project, ref)
    clip = tl.make_clip(project, ref.id, 7, 0.4, 4.0)  # starts mid-source, placed late
    tl.add_clip(project, project.tracks[0].id, clip)
    out = export_project(project, tmp_path / "sync.mp4", settings_for(project, "draft")).path
    info = probe(out)
    with VideoReader(info) as reader:
        brightness = np.array([reader.frame(i).mean() for i in range(info.frame_count)])
    flashes = np.flatnonzero(brightness > 120)
    sound = np.abs(read_audio(out, sample_rate=48000)[:, 0])
    clicks = np.flatnonzero(sound > 0.3)
    click_starts = clicks[np.insert(np.diff(clicks) > 4800, 0, True)] / 48000
    assert len(flashes) == 2 and len(click_starts) == 2
    for flash, click in zip(flashes / FPS, click_starts, strict=True):
        assert abs(flash - click) <= 1 / FPS
    assert flashes[0] == 7 + round((1.0 - 0.4) * FPS)


def test_cancel_leaves_nothing_behind(samples, tmp_path):
    project = small_project(samples)
    token = CancelToken()

    def progress(fraction, message):
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        export_project(project, tmp_path / "cancelled.mp4", settings_for(project), progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []
    assert ffmpeg_children() == []


def test_a_sound_that_fails_while_the_pictures_encode_is_a_clear_error(samples, tmp_path, monkeypatch):
    """The mix runs on its own thread beside the encoder: its error must reach the creator as
    itself, with nothing left behind."""
    from core.errors import MediaError

    def damaged(*args):
        raise MediaError("'music-bed.wav' could not be decoded at 1.00 s: Invalid data found.")

    monkeypatch.setattr("core.export._write_mix", damaged)
    project = small_project(samples)
    with pytest.raises(MediaError, match="music-bed.wav' could not be decoded"):
        export_project(project, tmp_path / "out.mp4", settings_for(project))
    assert list(tmp_path.iterdir()) == []
    assert ffmpeg_children() == []


def test_existing_file_and_source_media_are_never_overwritten(samples, tmp_path):
    project = small_project(samples)
    existing = tmp_path / "mine.mp4"
    existing.write_bytes(b"precious")
    with pytest.raises(ExportError, match="already exists"):
        export_project(project, existing, settings_for(project))
    assert existing.read_bytes() == b"precious"
    source = project.media[project.tracks[0].clips[0].media_id].path
    before = Path(source).read_bytes()
    with pytest.raises(ExportError, match="own media"):
        export_project(project, source, settings_for(project), overwrite=True)
    assert Path(source).read_bytes() == before


@pytest.mark.parametrize("name, problem", [("x.mov", "must end in .mp4"), ("nope/x.mp4", "does not exist")])
def test_bad_targets_are_explained(samples, tmp_path, name, problem):
    with pytest.raises(ExportError, match=problem):
        export_project(small_project(samples), tmp_path / name)


def test_empty_timeline_and_offline_media_are_refused(samples, tmp_path):
    empty = tl.Project.new()
    with pytest.raises(ExportError, match="empty"):
        export_project(empty, tmp_path / "e.mp4")
    project = small_project(samples)
    next(iter(project.media.values())).offline = True
    with pytest.raises(ExportError, match="offline: city-walk.mp4"):
        export_project(project, tmp_path / "o.mp4")


def test_full_disk_is_a_clear_error_and_leaves_nothing(samples, small_disk, monkeypatch):
    monkeypatch.setattr("core.export.MIN_FREE_BYTES", 0)  # let it start, then run out
    project = small_project(samples, 640, 360)
    with pytest.raises(ExportError, match="disk is full"):
        export_project(project, small_disk / "big.mp4", settings_for(project, "best"))
    assert list(small_disk.iterdir()) == []
    assert ffmpeg_children() == []


def test_nearly_full_disk_is_refused_up_front(samples, small_disk):
    with pytest.raises(ExportError, match="is full"):
        export_project(small_project(samples), small_disk / "x.mp4")


def test_presets():
    assert preset("vertical", 60, "best") == ExportSettings(1080, 1920, 60, "best")
    assert (preset("1080p").width, preset("square").height, preset("720p").fps) == (1920, 1080, 30)
    for bad in (lambda: preset("4k"), lambda: preset("1080p", 29), lambda: preset("1080p", 30, "ultra")):
        with pytest.raises(ExportError):
            bad()


def test_read_only_folder_is_a_clear_error(samples, small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(ExportError, match="not writable"):
        export_project(small_project(samples), small_disk / "x.mp4")

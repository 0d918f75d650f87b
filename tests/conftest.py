"""Shared fixtures. Every test run gets its own data folder, so nothing touches the user's."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

_DATA = Path(tempfile.mkdtemp(prefix="reelsmith-test-data-"))
os.environ["REELSMITH_DATA_DIR"] = str(_DATA)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED_MEDIA = ROOT.parent / "shared" / "media"
SAMPLE_SIZE = (320, 180)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.fixture(scope="session")
def samples():
    """The generated sample set at a small size (fast to make and decode)."""
    from core.samples import ensure_samples

    return ensure_samples(SAMPLE_SIZE)


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """Real third-party footage; skipped only where the folder is absent (a user's clone)."""
    if not SHARED_MEDIA.is_dir():
        pytest.skip("../shared/media is not present")
    return SHARED_MEDIA


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """A backdrop model trained for two steps (enough to render with), in the data folder's
    models folder where the dialogs look."""
    from core.gan import user_models_dir
    from core.gan.data import STYLES, procedural_dataset
    from core.gan.train import TrainSettings, train

    path = user_models_dir() / "tiny-test.pt"
    pictures, labels = procedural_dataset(14, 128, seed=5)
    train(pictures, path, TrainSettings(steps=2, batch=4), labels=labels, styles=list(STYLES))
    return path


@pytest.fixture
def picture_folder(tmp_path) -> Path:
    """A folder of eight generated pictures, as a creator's own training set would be."""
    from core.gan.data import procedural_backdrop
    from core.media import write_image

    folder = tmp_path / "my pictures"
    folder.mkdir()
    for i in range(8):
        write_image(folder / f"{i}.png", procedural_backdrop("bokeh", i, 128))
    return folder


@pytest.fixture
def bad_media(tmp_path, samples) -> dict[str, Path]:
    """One file (or path) for each kind of bad input a creator can throw at Reelsmith."""
    good = samples.clips[0].read_bytes()
    files = {
        "empty": tmp_path / "empty.mp4",
        "truncated": tmp_path / "truncated.mp4",
        "random": tmp_path / "noise.mp4",
        "text": tmp_path / "notes.mp4",
        "folder": tmp_path / "a folder.mp4",
        "missing": tmp_path / "not-here.mp4",
        "unsupported": tmp_path / "subtitles.mp4",
    }
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(good[: len(good) // 3])
    files["random"].write_bytes(np.random.default_rng(6).bytes(200_000))  # seed 6 looks like raw h263
    files["text"].write_text("Shopping list:\n- milk\n- eggs\n" * 50)
    files["folder"].mkdir()
    files["unsupported"].write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n\n"
                                    "2\n00:00:03,000 --> 00:00:04,000\nGeneral Kenobi\n")
    return files


@pytest.fixture
def small_disk(tmp_path):
    """A 600 KB filesystem: a real full disk to run into."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@pytest.fixture(scope="session")
def talking_clip(shared_media, tmp_path_factory) -> tuple[Path, list[tuple[float, float]], list[str]]:
    """A small video of someone talking: the shared read speech, 1.5 s apart, over the shared
    carphone footage (a man talking in a car) looped; its path, where each reading lies, and
    each reading's words."""
    import wave

    from core.ffmpeg import run_ffmpeg
    from core.media import write_wav
    from core.samples import under_a_bed

    readings = sorted((shared_media / "speech").glob("*.wav"))
    voices = []
    for path in readings:
        with wave.open(str(path)) as w:
            voices.append(np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768)
    sound, spans = under_a_bed(voices, 1.5, "none", 0)
    folder = tmp_path_factory.mktemp("talk")
    write_wav(folder / "talk.wav", np.stack([sound, sound], axis=1), 16000)
    out = folder / "talk.mp4"
    run_ffmpeg("-stream_loop", "-1", "-i", str(shared_media / "carphone.mp4"), "-i", str(folder / "talk.wav"),
               "-shortest", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
               str(out), timeout=120)
    return out, spans, [p.with_suffix(".txt").read_text().strip() for p in readings]

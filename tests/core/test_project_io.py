from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from core import timeline as tl
from core.errors import ProjectError
from core.media import probe
from core.project_io import FORMAT_NAME, FORMAT_VERSION, load_project, project_to_dict, save_project


@pytest.fixture
def project_folder(tmp_path, samples) -> Path:
    """A creator's folder: footage in media/ next to the project file."""
    folder = tmp_path / "My Vlog"
    (folder / "media").mkdir(parents=True)
    for name in ("city-walk.mp4", "music-bed.wav", "title-card.png"):
        shutil.copy(samples.path(name), folder / "media" / name)
    return folder


def build_project(folder: Path) -> tl.Project:
    project = tl.Project.new("vertical", fps=30, name="Vlog")
    video, overlay, audio = (t.id for t in project.tracks)
    ids = {}
    for name in ("city-walk.mp4", "music-bed.wav", "title-card.png"):
        ref = tl.MediaRef.from_info(probe(folder / "media" / name))
        tl.add_media(project, ref)
        ids[name] = ref.id
    a = tl.make_clip(project, ids["city-walk.mp4"], 0, 0.0, 3.0)
    b = tl.make_clip(project, ids["city-walk.mp4"], a.length, 3.0, 7.5, speed=1.5)
    tl.add_clip(project, video, a)
    tl.add_clip(project, video, b)
    tl.add_transition(project, a.id, b.id, "fade_black", 10)
    tl.add_clip(project, overlay, tl.make_clip(project, ids["title-card.png"], 0, 0, 2))
    tl.add_clip(project, audio, tl.make_clip(project, ids["music-bed.wav"], 0))
    tl.set_clip_properties(project, a.id, volume=0.5, opacity=0.8, fit="fill",
                           effects=[{"type": "vignette", "params": {"strength": 0.4}}])
    return project


def test_round_trip_keeps_everything(project_folder):
    project = build_project(project_folder)
    path = project_folder / "vlog.reelsmith"
    save_project(project, path)
    loaded = load_project(path)
    assert project_to_dict(loaded, project_folder) == project_to_dict(project, project_folder)
    assert not any(m.offline for m in loaded.media.values())


def test_file_has_format_version_and_relative_paths(project_folder):
    path = project_folder / "vlog.reelsmith"
    save_project(build_project(project_folder), path)
    document = json.loads(path.read_text())
    assert document["format"] == FORMAT_NAME and document["version"] == FORMAT_VERSION
    stored = sorted(m["path"] for m in document["project"]["media"])
    assert stored == ["media/city-walk.mp4", "media/music-bed.wav", "media/title-card.png"]
    clip = document["project"]["tracks"][0]["clips"][1]
    assert (clip["source_in"], clip["source_out"], clip["speed"]) == (3.0, pytest.approx(7.5), 1.5)


def test_version_1_files_open_with_the_balance_renamed(project_folder):
    """Version 1 stored a clip's sound balance as "pan_audio" beside "pan" (the picture's
    position); version 2 calls it "balance"."""
    project = build_project(project_folder)
    tl.set_clip_properties(project, project.tracks[2].clips[0].id, balance=-0.5)
    path = project_folder / "old.reelsmith"
    save_project(project, path)
    document = json.loads(path.read_text())
    document["version"] = 1
    music = document["project"]["tracks"][2]["clips"][0]
    music["pan_audio"] = music.pop("balance")
    path.write_text(json.dumps(document))
    loaded = load_project(path)
    assert loaded.tracks[2].clips[0].balance == -0.5
    assert project_to_dict(loaded, project_folder) == project_to_dict(project, project_folder)


def test_project_folder_moved_with_its_media_still_opens(project_folder, tmp_path):
    save_project(build_project(project_folder), project_folder / "vlog.reelsmith")
    moved = tmp_path / "elsewhere" / "Vlog copy"
    shutil.move(project_folder, moved)
    loaded = load_project(moved / "vlog.reelsmith")
    assert not any(m.offline for m in loaded.media.values())
    assert all(m.path.startswith(str(moved)) for m in loaded.media.values())


def test_a_lut_beside_the_project_moves_with_it(project_folder, tmp_path, monkeypatch):
    """A LUT's path is kept relative to the project file, not to where Reelsmith started."""
    lut = project_folder / "looks" / "warm.cube"
    lut.parent.mkdir()
    lut.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 8)
    project = build_project(project_folder)
    tl.set_clip_properties(project, project.tracks[0].clips[0].id,
                           effects=[{"type": "lut", "params": {"path": str(lut)}}])
    save_project(project, project_folder / "vlog.reelsmith")
    stored = json.loads((project_folder / "vlog.reelsmith").read_text())["project"]["tracks"][0]["clips"][0]
    assert stored["effects"][0]["params"]["path"] == "looks/warm.cube"
    moved = tmp_path / "elsewhere" / "Vlog copy"
    shutil.move(project_folder, moved)
    monkeypatch.chdir(tmp_path)  # started from another folder
    loaded = load_project(moved / "vlog.reelsmith")
    assert loaded.tracks[0].clips[0].effects[0]["params"]["path"] == str(moved / "looks" / "warm.cube")


def test_project_file_moved_alone_finds_media_by_absolute_path(project_folder, tmp_path):
    save_project(build_project(project_folder), project_folder / "vlog.reelsmith")
    (tmp_path / "desk").mkdir()
    moved = tmp_path / "desk" / "vlog.reelsmith"
    shutil.move(project_folder / "vlog.reelsmith", moved)
    loaded = load_project(moved)
    assert not any(m.offline for m in loaded.media.values())


def test_missing_media_opens_offline_and_saves_unchanged(project_folder):
    path = project_folder / "vlog.reelsmith"
    project = build_project(project_folder)
    save_project(project, path)
    (project_folder / "media" / "music-bed.wav").unlink()
    loaded = load_project(path)
    offline = [Path(m.path).name for m in loaded.media.values() if m.offline]
    assert offline == ["music-bed.wav"]
    assert len(loaded.tracks[2].clips) == 1  # the clip is kept, only marked offline
    save_project(loaded, path)
    stored = [m["path"] for m in json.loads(path.read_text())["project"]["media"]]
    assert "media/music-bed.wav" in stored  # relinking later still works


def test_failed_save_keeps_the_old_file_and_leaves_no_temp(project_folder, monkeypatch):
    path = project_folder / "vlog.reelsmith"
    project = build_project(project_folder)
    save_project(project, path)
    original = path.read_bytes()
    project.name = "Changed"

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ProjectError, match="disk is full"):
        save_project(project, path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in project_folder.iterdir()) == ["media", "vlog.reelsmith"]


def test_save_into_missing_folder_is_a_clear_error(project_folder, tmp_path):
    with pytest.raises(ProjectError, match="folder does not exist"):
        save_project(build_project(project_folder), tmp_path / "nope" / "x.reelsmith")


BROKEN = {
    "empty file": (b"", "is empty"),
    "not json": (b"{\"format\": ", "invalid JSON at line 1"),
    "binary": (bytes(range(256)) * 4, "not text"),
    "a list": (b"[1, 2]", "must contain a JSON object"),
    "other format": (b'{"format": "kdenlive"}', 'format must be "reelsmith-project"'),
    "newer version": (b'{"format": "reelsmith-project", "version": 99, "project": {}}', "newer Reelsmith"),
    "NaN fps": (b'{"format": "reelsmith-project", "version": 1, "project": {"canvas": {"width": 10, "height": 10}, "fps": NaN, "tracks": []}}', "NaN"),
    "deep nesting": (b"[" * 100000 + b"]" * 100000, "damaged"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_name_the_problem(tmp_path, case):
    data, expected = BROKEN[case]
    path = tmp_path / "broken.reelsmith"
    path.write_bytes(data)
    with pytest.raises(ProjectError, match=expected):
        load_project(path)


def test_invalid_fields_are_named(project_folder):
    path = project_folder / "vlog.reelsmith"
    save_project(build_project(project_folder), path)
    document = json.loads(path.read_text())
    document["project"]["tracks"][0]["clips"][1]["position"] = -3
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=r"tracks\[0\]\.clips\[1\]\.position cannot be negative \(found -3\)"):
        load_project(path)
    document["project"]["tracks"][0]["clips"][1]["position"] = 10  # overlaps the first clip
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match="overlap"):
        load_project(path)
    document["project"]["tracks"][0]["clips"][1].update(position=90, markers=[4.0, "soon"])
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=r"clips\[1\]\.markers must be a list of times in seconds"):
        load_project(path)


def test_missing_project_and_folder_are_clear(tmp_path):
    with pytest.raises(ProjectError, match="could not be found"):
        load_project(tmp_path / "gone.reelsmith")
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)


# --- fuzzing ---------------------------------------------------------------------------------------


def _mutations(document: dict, rng: random.Random):
    """Structural mutations of a valid project document: wrong types, removals, odd values."""
    odd_values = [None, -1, 0, 1e308, -1e308, 2**70, "", "x" * 300, [], {}, True, 3.5, "\u0000", [None], {"a": 1}]

    def containers(node, path=()):
        yield path, node
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            if isinstance(child, (dict, list)):
                yield from containers(child, (*path, key))

    def mutate(doc):
        places = list(containers(doc))
        _, node = rng.choice(places)
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = rng.choice(keys)
        action = rng.random()
        if action < 0.45:
            node[key] = rng.choice(odd_values)
        elif action < 0.65:
            del node[key]
        elif action < 0.8 and isinstance(node[key], (int, float)) and not isinstance(node[key], bool):
            node[key] = node[key] * rng.choice([-1, 0, 2, 1000]) + rng.choice([0, 1, -1])
        elif isinstance(node, list):
            node.insert(key, json.loads(json.dumps(node[key])))  # duplicate an entry (ids clash)
        else:
            node[key] = json.loads(json.dumps(rng.choice(places)[1]))  # graft another subtree

    for _ in range(10**9):
        doc = json.loads(json.dumps(document))
        for _ in range(rng.randint(1, 3)):
            mutate(doc)
        yield json.dumps(doc).encode()


def _byte_mutations(raw: bytes, rng: random.Random):
    while True:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.4:
                data[position] = rng.randrange(256)
            elif choice < 0.7:
                del data[position : position + rng.randint(1, 40)]
            else:
                data[position:position] = rng.choice([b"0", b"-", b"\"", b"{", b"]", b"1e999", b"null"])
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data))]
        yield bytes(data)


def test_fuzzed_project_files_only_ever_raise_project_error(project_folder):
    path = project_folder / "vlog.reelsmith"
    save_project(build_project(project_folder), path)
    raw = path.read_bytes()
    document = json.loads(raw)
    rng = random.Random(1234)
    structural, bytewise = _mutations(document, rng), _byte_mutations(raw, rng)
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(3000):
        path.write_bytes(next(structural) if i % 2 else next(bytewise))
        try:
            project = load_project(path)
        except ProjectError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            outcomes["refused"] += 1
        else:
            tl.validate_project(project)  # whatever loads is a valid model
            outcomes["loaded"] += 1
    assert outcomes["refused"] > 1000 and outcomes["loaded"] > 50


DOC = Path(__file__).resolve().parents[2] / "docs" / "project-format.md"


def test_the_format_documents_example_loads(tmp_path):
    """The example in docs/project-format.md is a project Reelsmith opens (its media offline)."""
    example = re.search(r"```json\n(.*?)\n```", DOC.read_text(), re.S).group(1)
    path = tmp_path / "example.reelsmith"
    path.write_text(example)
    project = load_project(path)
    first, second = project.tracks[0].clips
    assert [e["type"] for e in first.effects] == ["vignette", "title"]
    assert (first.balance, second.volume_keys) == (-0.25, [(0.0, 1.0), (2.5, 0.3)])
    assert all(m.offline for m in project.media.values())


def test_the_documented_effect_settings_are_the_registry():
    from core.effects import settings_reference

    section = re.search(r"<!-- effect settings: begin -->\n(.*?)\n<!-- effect settings: end -->",
                        DOC.read_text(), re.S).group(1)
    assert section == settings_reference(), "paste core.effects.settings_reference() into docs/project-format.md"


def test_whatever_the_loader_accepts_renders(project_folder):
    """Six hundred mutated projects (a thousand took 30-35 s of the suite's 15 minutes; the
    loader alone meets thousands above): those that load also render, a picture at the first clip
    starts and middles and the sound at the first (each read of the sound starts an ffmpeg:
    half the test's time went there), at the preview's size, without an error."""
    from core.compositor import Compositor

    project = build_project(project_folder)
    first = project.tracks[0].clips[0]
    tl.set_clip_properties(project, first.id, effects=[
        {"type": "title", "params": {"text": "Hi", "size": {"keys": [[0, 0.05], [1, 0.1, "ease"]]}}},
        {"type": "particles", "params": {"kind": "confetti", "amount": 50}},
        {"type": "chroma_key", "params": {"threshold": 0.5}},
        {"type": "grain", "params": {"strength": {"keys": [[0, 0.1], [2, 0.6]]}}},
        {"type": "captions", "params": {"cues": [[0, 1.5, "hello there"]]}},
    ])
    path = project_folder / "vlog.reelsmith"
    save_project(project, path)
    mutants = _mutations(json.loads(path.read_bytes()), random.Random(99))
    rendered = 0
    for _ in range(600):
        path.write_bytes(next(mutants))
        try:
            project = load_project(path)
        except ProjectError:
            continue
        scale = 320 / max(project.width, project.height)
        project.width, project.height = max(16, int(project.width * scale)), max(16, int(project.height * scale))
        frames = {c.position for _, c in tl.all_clips(project)} | {c.position + c.length // 2 for _, c in tl.all_clips(project)}
        with Compositor(project) as compositor:
            for frame in sorted(frames)[:2]:
                picture = compositor.frame_at(frame)
                assert picture.shape == (project.height, project.width, 3)
            start = min(frames, default=0) / project.fps
            assert np.isfinite(compositor.audio_between(start, start + 0.05)).all()
        rendered += 1
    assert rendered > 60  # (about one in seven loads)

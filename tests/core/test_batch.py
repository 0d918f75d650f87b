"""Batch work: one command over many files, on a local process pool or a Ray cluster, killed
and resumed without redoing or losing anything."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core import cli
from core.batch import (
    MANIFEST,
    BatchError,
    Manifest,
    collect_inputs,
    parse_variants,
    plan,
    run_batch,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("city-walk.mp4", "beach-drone.mp4", "studio-talk.mp4")


@pytest.fixture
def folder(tmp_path, samples) -> Path:
    """12 small videos (copies of three, under other names) and one that is cut short."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for index in range(12):
        shutil.copy(samples.path(SOURCES[index % 3]), inputs / f"clip{index:02d}.mp4")
    (inputs / "clip99-broken.mp4").write_bytes(samples.path("studio-talk.mp4").read_bytes()[:3000])
    return inputs


def _single_runs(samples, capsys) -> dict[str, str]:
    """What `reelsmith scenes FILE --json` prints for each source: a batch must write the same."""
    printed = {}
    for name in SOURCES:
        capsys.readouterr()
        assert cli.main(["scenes", str(samples.path(name)), "--json"]) == 0
        printed[name] = capsys.readouterr().out
    return printed


def _manifest(out: Path) -> dict[str, dict]:
    return {Path(t["output"]).name: t for t in json.loads((out / MANIFEST).read_text())["tasks"]}


@pytest.fixture
def ray_cluster(tmp_path):
    """A local Ray cluster of 2 CPUs, started and stopped by the test (as a user would)."""
    ray = Path(sys.executable).with_name("ray")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([str(ray), "start", "--head", "--num-cpus", "2", "--port", str(port), "--include-dashboard=false",
                    "--disable-usage-stats"], check=True, capture_output=True, env=env, timeout=120)
    yield f"127.0.0.1:{port}"
    subprocess.run([str(ray), "stop", "--force"], capture_output=True, env=env, timeout=120)


@pytest.mark.slow
def test_a_batch_on_ray_killed_midway_resumes_without_redoing_anything(folder, tmp_path, samples, capsys, ray_cluster):
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "main.py"), "batch", "scenes", str(folder), "--out", str(out),
               "--ray", ray_cluster]
    batch = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    for line in batch.stderr:  # one line per finished file when not on a terminal
        if line.startswith("[3/13]"):
            break
    batch.send_signal(signal.SIGKILL)
    batch.wait(timeout=60)
    batch.stderr.close()
    before = _manifest(out)
    finished = {name: (out / name).stat().st_mtime_ns for name, t in before.items() if t["state"] == "done"}
    assert 2 <= len(finished) < 13, "the kill came after some files and before the end"
    assert not any(p.name.startswith(".") for p in out.iterdir()), "no half-written output is left about"

    resumed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert resumed.returncode == 1  # the broken file
    assert "done before" in resumed.stdout
    after = _manifest(out)
    assert {n for n, t in after.items() if t["state"] == "done"} == {f"clip{i:02d}.scenes.json" for i in range(12)}
    assert "ends early" in after["clip99-broken.scenes.json"]["reason"]
    assert {name: (out / name).stat().st_mtime_ns for name in finished} == finished, "nothing finished was redone"
    printed = _single_runs(samples, capsys)
    for index in range(12):
        assert (out / f"clip{index:02d}.scenes.json").read_text() == printed[SOURCES[index % 3]]


def test_a_local_batch_records_each_file_and_a_second_run_redoes_nothing(folder, tmp_path, capsys):
    out = tmp_path / "out"
    listed = tmp_path / "list.txt"
    listed.write_text(f"# two from a list\n{folder / 'clip00.mp4'}\n\n{folder / 'clip99-broken.mp4'}\n")
    args = ["batch", "scenes", str(folder / "clip0[12].mp4"), "--list", str(listed), "--out", str(out),
            "--workers", "2", "--variant", "touchy=--sensitivity 0.9", "--variant", "calm=--sensitivity 0.2"]
    assert cli.main(args) == 1
    said = capsys.readouterr()
    assert "6 done, 0 done before, 2 failed" in said.out and "clip99-broken.mp4: 'clip99-broken.mp4'" in said.out
    assert "[8/8]" in said.err
    recorded = _manifest(out)
    assert sorted(recorded) == sorted(f"{n}-{v}.scenes.json" for n in ("clip01", "clip02", "clip00", "clip99-broken")
                                      for v in ("touchy", "calm"))
    assert recorded["clip01-calm.scenes.json"]["argv"][-2:] == ["--sensitivity", "0.2"]
    touched = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert cli.main(args) == 1
    assert "0 done, 6 done before, 2 failed" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json") if p.name != MANIFEST} == \
        {k: v for k, v in touched.items() if k != MANIFEST}


def test_an_output_the_batch_did_not_make_is_never_overwritten(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip00.scenes.json").write_text("the creator's own notes")
    tasks = plan("scenes", [str(folder / "clip00.mp4")], out, [], {"": []})
    report = run_batch("scenes", tasks, out)
    assert report.failed and "already exists" in report.failed[0].reason
    assert (out / "clip00.scenes.json").read_text() == "the creator's own notes"
    report = run_batch("scenes", tasks, out)  # and not taken for finished work on a rerun either
    assert report.skipped == 0 and report.failed


def test_renders_and_shorts_plan_one_file_per_input_and_variant(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "take.mov").write_bytes(b"x")
    inputs = collect_inputs([str(tmp_path / "*" / "take.mov")])
    tasks = plan("short", inputs, tmp_path / "out", ["--seconds", "20"],
                 parse_variants(["tall=--aspect 9:16", "square=--aspect '1:1'"]))
    names = [Path(t.output).name for t in tasks]
    assert names == ["take-tall.mp4", "take-square.mp4", "take-2-tall.mp4", "take-2-square.mp4"]
    assert tasks[1].argv == ["short", inputs[0], "--out", tasks[1].output, "--seconds", "20", "--aspect", "1:1"]


@pytest.mark.parametrize("specs, said", [(["tall"], "not a variant"), (["t a=x"], "not a variant"),
                                         (["tall=--title 'x"], "unbalanced quotes")])
def test_bad_variants_are_refused(specs, said):
    with pytest.raises(BatchError, match=said):
        parse_variants(specs)


def test_a_folder_of_another_batch_or_a_damaged_record_is_refused(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    tasks = plan("scenes", [str(folder / "clip00.mp4")], out, [], {"": []})
    Manifest.open(out, "scenes", tasks).save()
    with pytest.raises(BatchError, match="holds a batch of 'scenes'"):
        Manifest.open(out, "render", plan("render", [str(folder / "clip00.mp4")], out, [], {"": []}))
    with pytest.raises(BatchError, match="made with other settings"):
        Manifest.open(out, "scenes", plan("scenes", [str(folder / "clip00.mp4")], out, ["--sensitivity", "1"], {"": []}))
    (out / MANIFEST).write_text('{"format": "reelsmith-batch", "tasks": [')
    with pytest.raises(BatchError, match="damaged"):
        Manifest.open(out, "scenes", tasks)
    with pytest.raises(BatchError, match="no input files"):
        plan("scenes", collect_inputs([str(tmp_path / "nothing-here")]) and [], out, [], {"": []})
    with pytest.raises(BatchError, match="could not be read"):
        collect_inputs([], str(tmp_path / "missing-list.txt"))


def test_ray_asked_for_where_none_runs_is_one_clear_line(folder, tmp_path, capsys):
    assert cli.main(["batch", "scenes", str(folder / "clip00.mp4"), "--out", str(tmp_path / "o"),
                     "--ray", "127.0.0.1:1"]) == 2
    assert "No Ray cluster answered at '127.0.0.1:1'" in capsys.readouterr().err

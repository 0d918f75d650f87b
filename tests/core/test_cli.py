"""The command line as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_probe_json_for_one_file(samples):
    result = run_cli("probe", str(samples.path("studio-talk.mp4")), "--json")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    expected = {"path", "duration", "fps", "vfr", "width", "height", "rotation", "has_audio", "sample_rate", "codec"}
    assert expected <= set(fields)
    assert fields["path"] == str(samples.path("studio-talk.mp4"))
    assert (fields["width"], fields["height"], fields["fps"], fields["vfr"]) == (320, 180, 30.0, False)
    assert fields["duration"] == pytest.approx(6.0, abs=0.01)
    assert fields["has_audio"] and fields["sample_rate"] == 48000 and fields["codec"] == "h264"


def test_probe_json_for_several_files_with_real_footage(shared_media):
    files = [str(shared_media / n) for n in ("issue-134-rotate.mp4", "goldeneye-vfr-drop3.mp4")]
    result = run_cli("probe", *files, "--json")
    assert result.returncode == 0, result.stderr
    rotated, vfr = json.loads(result.stdout)
    assert (rotated["width"], rotated["height"], rotated["rotation"]) == (544, 1280, 90)
    assert vfr["vfr"] is True and rotated["vfr"] is False


def test_probe_bad_files_give_one_line_and_status_2(bad_media, samples):
    good = str(samples.path("city-walk.mp4"))
    for kind, path in bad_media.items():
        result = run_cli("probe", str(path), "--json")
        assert result.returncode == 2, kind
        assert result.stdout == "", kind
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reelsmith: error: "), (kind, result.stderr)
        assert "Traceback" not in result.stderr
    mixed = run_cli("probe", good, str(bad_media["text"]))
    assert mixed.returncode == 2
    assert mixed.stdout.startswith(good) and "notes.mp4" in mixed.stderr


def test_usage_errors_are_one_line_with_status_2():
    for args in (["probe"], ["probe", "--bogus", "x"], ["nonsense-command", "--x"]):
        result = run_cli(*args)
        if args[0] == "nonsense-command":
            continue  # not a subcommand: main.py treats it as files for the app
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_human_readable_probe(samples):
    result = run_cli("probe", str(samples.path("title-card.png")), str(samples.path("music-bed.wav")))
    assert result.returncode == 0
    image_line, audio_line = result.stdout.strip().splitlines()
    assert "image, 320x180" in image_line
    assert "audio, 20.000 s" in audio_line and "48000 Hz x2" in audio_line


def test_render_joins_real_clips_into_each_preset(shared_media, tmp_path):
    clips = [str(shared_media / "counter.mp4"), str(shared_media / "issue-134-rotate.mp4")]  # no sound, then sound
    for preset, size in (("vertical", (1080, 1920)), ("720p", (1280, 720))):
        out = tmp_path / f"{preset}.mp4"
        result = run_cli("render", *clips, "--out", str(out), "--preset", preset, "--fps", "25", "--quality", "draft")
        assert result.returncode == 0, result.stderr
        fields = json.loads(run_cli("probe", str(out), "--json").stdout)
        assert (fields["width"], fields["height"]) == size
        assert fields["fps"] == 25 and fields["codec"] == "h264" and fields["has_audio"]
        assert fields["duration"] == pytest.approx(3.0 + 10.01, abs=0.08)


def test_render_refuses_bad_input_and_existing_output(samples, bad_media, tmp_path):
    out = tmp_path / "out.mp4"
    bad = run_cli("render", str(samples.path("city-walk.mp4")), str(bad_media["truncated"]), "--out", str(out))
    assert bad.returncode == 2 and "truncated.mp4" in bad.stderr and not out.exists()
    out.write_bytes(b"keep me")
    again = run_cli("render", str(samples.path("city-walk.mp4")), "--out", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert out.read_bytes() == b"keep me"
    assert len(again.stderr.strip().splitlines()) == 1


def test_render_a_project_file(samples, tmp_path):
    from core.demo import demo_project
    from core.project_io import save_project

    project_path = tmp_path / "demo.reelsmith"
    save_project(demo_project(samples), project_path)
    out = tmp_path / "demo.mp4"
    result = run_cli("render", str(project_path), "--out", str(out), "--preset", "square", "--quality", "draft")
    assert result.returncode == 0, result.stderr
    fields = json.loads(run_cli("probe", str(out), "--json").stdout)
    assert (fields["width"], fields["height"], fields["fps"]) == (1080, 1080, 30)
    assert fields["duration"] == pytest.approx(20.0, abs=0.05)  # the music bed is the longest


def test_backdrop_cli_renders_the_asked_size_and_refuses_bad_input(tmp_path, tiny_model):
    from core.media import probe

    out = tmp_path / "backdrop.mp4"
    result = run_cli("backdrop", "--seconds", "1", "--size", "160x90", "--fps", "12", "--out", str(out),
                     "--model", str(tiny_model), "--seed", "4", "--style", "bokeh")
    assert result.returncode == 0, result.stderr
    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (160, 90, 12)
    before = out.read_bytes()
    other = tmp_path / "other.mp4"
    for target, args, message in ((other, ["--size", "big"], "not a size"), (other, ["--size", "161x90"], "even"),
                                  (other, ["--style", "sparkles"], "no style 'sparkles'"), (out, [], "already exists")):
        bad = run_cli("backdrop", "--seconds", "1", "--out", str(target), *args)  # the shipped model: no torch to load
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
    assert out.read_bytes() == before and not other.exists()
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"junk")
    bad = run_cli("backdrop", "--out", str(tmp_path / "x.mp4"), "--model", str(damaged))
    assert bad.returncode == 2 and "damaged" in bad.stderr


def test_train_cli_carries_a_model_on_from_base_even_on_procedural_pictures(tmp_path, tiny_model):
    """--procedural alone trains from scratch (how the shipped model was made); --base carries
    a model on, which a later session took to be what --procedural did."""
    from core.gan.train import checkpoint_path, load_model_file

    out = tmp_path / "on.pt"
    args = ["train", "--procedural", "14", "--out", str(out), "--batch", "4", "--steps", "1", "--base", str(tiny_model)]
    carried = run_cli(*args)
    assert carried.returncode == 0, carried.stderr
    key = "ups.2.1.weight"
    moved = (load_model_file(out)["generator"][key] - load_model_file(tiny_model)["generator"][key]).abs().max()
    assert float(moved) < 0.01  # one step from the base, not a fresh start (weights of order 0.1)
    before = out.read_bytes()
    both = run_cli(*args, "--from-scratch", "--overwrite")
    assert both.returncode == 2 and "Choose one" in both.stderr
    assert out.read_bytes() == before and checkpoint_path(out).exists()  # the refused run touched nothing
    missing = run_cli("train", "--procedural", "8", "--out", str(tmp_path / "m.pt"), "--base", str(tmp_path / "gone.pt"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr and not (tmp_path / "m.pt").exists()


def test_training_killed_mid_run_resumes_from_its_checkpoint_only_when_asked(tmp_path, picture_folder):
    """Killed at any moment, training keeps its last checkpoint; a run on the same model is
    refused unless --resume says to carry it on; a folder with no pictures is refused."""
    import signal

    from core.gan.train import checkpoint_path, load_model_file

    folder = picture_folder
    out = tmp_path / "killed.pt"
    args = [sys.executable, "main.py", "train", "--data", str(folder), "--out", str(out), "--batch", "4",
            "--from-scratch", "--checkpoint-every", "2", "--sample-every", "3"]
    proc = subprocess.Popen([*args, "--steps", "1000"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:  # blocks until training reports step 3: a checkpoint exists
            if line.startswith("step 3/"):
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    kept = load_model_file(out)["trained_steps"]
    assert kept >= 2 and checkpoint_path(out).exists()
    refused = run_cli(*args[2:], "--steps", str(kept + 2))  # the model is there: carry on or start anew?
    assert refused.returncode == 2 and "--resume" in refused.stderr
    assert load_model_file(out)["trained_steps"] == kept
    resumed = run_cli(*args[2:], "--steps", str(kept + 2), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert load_model_file(out)["trained_steps"] == kept + 2
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_cli("train", "--data", str(empty), "--out", str(tmp_path / "n.pt"), "--steps", "2")
    assert nothing.returncode == 2 and "None of these files" in nothing.stderr


def test_no_command_writes_over_its_own_inputs(samples, tmp_path):
    """Whatever --overwrite says: the inputs' bytes are the same after every attempt."""
    import hashlib
    import shutil

    clip, music, picture = tmp_path / "v.mp4", tmp_path / "m.wav", tmp_path / "x.png"
    shutil.copy(samples.path("studio-talk.mp4"), clip)
    shutil.copy(samples.path("music-bed.wav"), music)
    shutil.copy(samples.path("title-card.png"), picture)
    model = ROOT / "resources" / "models" / "backdrop-gan.pt"
    cases = [
        ["highlights", str(clip), "--seconds", "3", "--out", str(clip), "--overwrite"],
        ["highlights", str(clip), "--seconds", "3", "--music", str(music), "--out", str(music), "--overwrite"],
        ["backdrop", "--seconds", "1", "--size", "64x36", "--match", str(clip), "--out", str(clip), "--overwrite"],
        ["backdrop", "--seconds", "1", "--size", "64x36", "--model", str(model), "--out", str(model), "--overwrite"],
        ["train", "--data", str(picture), str(tmp_path), "--steps", "1", "--out", str(picture), "--overwrite"],
        ["render", str(clip), "--out", str(clip), "--overwrite"],
        ["short", str(clip), "--out", str(clip), "--overwrite"],
        ["short", str(clip), "--music", str(music), "--out", str(tmp_path / "s.mp4"), "--project", str(music), "--overwrite"],
    ]
    inputs = [clip, music, picture, model]

    def sums():
        return [hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs]

    before = sums()
    for args in cases:
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "choose another name" in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert sums() == before


HOSTILE = [
    # (arguments, words the one line of stderr must hold)
    (["scenes", "{clip}", "--sensitivity", "-1"], "out of range"),
    (["scenes", "{clip}", "--sensitivity", "nan"], "out of range"),
    (["scenes", "{clip}", "--sensitivity", "inf"], "out of range"),
    (["highlights", "{clip}", "--seconds", "0", "--out", "{tmp}/r.reelsmith"], "out of range"),
    (["highlights", "{clip}", "--seconds", "1e308", "--out", "{tmp}/r.reelsmith"], "out of range"),
    (["highlights", "{clip}", "--out", "{tmp}/missing/r.reelsmith"], "does not exist"),
    (["highlights", "{clip}", "--out", "{tmp}"], "is a folder"),
    (["highlights", "{clip}", "--out", "{tmp}/" + "n" * 300 + ".reelsmith"], "too long"),
    (["short", "{clip}", "--seconds", "1", "--out", "{tmp}/s.mp4"], "out of range"),
    (["short", "{clip}", "--aspect", "4:3", "--out", "{tmp}/s.mp4"], "invalid choice"),
    (["short", "{tmp}/missing.mp4", "--out", "{tmp}/s.mp4"], "could not be found"),
    (["short", "{clip}", "--music", "{tmp}/missing.wav", "--out", "{tmp}/s.mp4"], "could not be found"),
    (["short", "{clip}", "--script", "{tmp}/missing.txt", "--out", "{tmp}/s.mp4"], "could not be read"),
    (["captions", "{clip}", "--script", "{tmp}", "--out", "{tmp}/c.srt"], "could not be read"),
    (["backdrop", "--seed", str(2**70), "--out", "{tmp}/b.mp4"], "out of range"),
    (["backdrop", "--size", "8192x8192", "--out", "{tmp}/b.mp4"], "out of range"),
    (["backdrop", "--size", "wide", "--out", "{tmp}/b.mp4"], "not a size"),
    (["music", "--seed", "-1", "--out", "{tmp}/m.wav"], "out of range"),
    (["music", "--bpm", "1000", "--out", "{tmp}/m.wav"], "out of range"),
    (["train", "--procedural", "-1", "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "1000000000", "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "4", "--batch", "0", "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "4", "--steps", "0", "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "4", "--steps", str(10**12), "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "4", "--checkpoint-every", "0", "--out", "{tmp}/t.pt"], "out of range"),
    (["train", "--procedural", "4", "--sample-every", "0", "--out", "{tmp}/t.pt"], "out of range"),
]


@pytest.mark.parametrize(("args", "words"), HOSTILE, ids=[" ".join(a[:3])[:40] for a, _ in HOSTILE])
def test_a_users_mistake_is_one_line_and_status_2(samples, tmp_path, args, words):
    clip = samples.path("studio-talk.mp4")
    result = run_cli(*(a.format(clip=clip, tmp=tmp_path) for a in args))
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "unexpected" not in result.stderr and list(tmp_path.iterdir()) == []  # nothing written


def test_asking_for_cuda_without_a_gpu_is_a_users_mistake(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    result = run_cli("backdrop", "--device", "cuda", "--seconds", "0.2", "--size", "64x36", "--out", str(tmp_path / "b.mp4"))
    assert result.returncode == 2 and "No CUDA GPU" in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_short_makes_an_exported_short_and_its_project(shared_media, samples, tmp_path):
    from core.media import probe
    from core.project_io import load_project

    out, project = tmp_path / "trip.mp4", tmp_path / "trip.reelsmith"
    result = run_cli("short", str(shared_media / "carphone.mp4"), str(samples.path("city-walk.mp4")),
                     "--seconds", "6", "--title", "Trip", "--backdrop", "none", "--out", str(out), "--project", str(project))
    assert result.returncode == 0, result.stderr
    info = probe(out)
    assert (info.width, info.height) == (1080, 1920) and abs(info.duration - 6) <= 1 and info.has_audio
    saved = load_project(project)  # to keep editing: the music sits beside it
    music = [m for m in saved.media.values() if m.kind == "audio"]
    assert music and Path(music[0].path).parent == tmp_path / "trip media"
    assert str(out) in result.stdout and result.stderr.count("\n") <= 1


def test_speech_and_captions_commands(shared_media, samples, tmp_path):
    reading = shared_media / "speech" / "sense_and_sensibility_01_austen_64kb-0870.wav"
    spans = json.loads(run_cli("speech", str(reading), "--json").stdout)
    assert len(spans) == 1 and 0.1 < spans[0]["start"] < 0.5 and spans[0]["end"] > 6.5
    out = tmp_path / "captions.srt"
    done = run_cli("captions", str(reading), "--script", str(reading.with_suffix(".txt")), "--out", str(out))
    assert done.returncode == 0 and "0 to check" in done.stdout
    text = out.read_text()
    assert text.startswith("1\n00:00:00,") and "dashwood" in text and "prudently" in text
    again = run_cli("captions", str(reading), "--out", str(out))  # never over an existing file unasked
    assert again.returncode == 2 and out.read_text() == text
    drafted = json.loads(run_cli("captions", str(reading), "--json").stdout)
    assert len(drafted["words"]) > 15 and all(len(c) == 4 for c in drafted["cues"])
    for args, words in ((["captions", str(samples.path("title-card.png")), "--out", str(tmp_path / "x.srt")], "no sound"),
                        (["captions", str(reading), "--script", str(tmp_path / "none.txt"), "--json"], "could not be read"),
                        (["captions", str(reading)], "--out"),
                        (["speech", str(tmp_path / "missing.wav")], "could not be found")):
        failed = run_cli(*args)
        assert failed.returncode == 2 and words in failed.stderr and len(failed.stderr.strip().splitlines()) == 1

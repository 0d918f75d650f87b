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

"""SubRip (.srt) captions in and out, as cues ``[start seconds, end seconds, text]``.

Reading is forgiving where real files are sloppy (a byte-order mark, Windows line ends, a
missing index, dots instead of commas, extra blank lines) and strict where it matters: a cue
whose time cannot be read, or ends before it starts, is reported with its line number.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from core.errors import MediaError
from core.fileio import atomic_write_bytes, describe_os_error, read_regular_file

_TIME = r"(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_srt(text: str, name: str = "captions") -> list[list]:
    cues, lines, i = [], text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"), 0
    while i < len(lines):
        line = lines[i].strip()
        if not line or line.isdigit():  # a blank or a cue number (text lines are read below)
            i += 1
            continue
        match = _TIMING.match(line)
        if match is None:
            raise MediaError(f"'{name}' line {i + 1}: expected a time like 00:00:01,000 --> 00:00:02,500, "
                             f"found '{line[:40]}'.")
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            raise MediaError(f"'{name}' line {i + 1}: the caption ends before it starts.")
        i += 1
        words = []
        while i < len(lines) and lines[i].strip():
            words.append(re.sub(r"<[^>]+>", "", lines[i].strip()))  # drop <i>, <b>, <font> tags
            i += 1
        cues.append([round(start, 3), round(end, 3), " ".join(words)])
    return sorted(cues, key=lambda c: c[0])


MAX_SRT_BYTES = 16 * 1024 * 1024  # hours of subtitles are well under a megabyte


def read_srt(path: str | os.PathLike) -> list[list]:
    p = Path(path)
    try:
        data = read_regular_file(p, MAX_SRT_BYTES)
    except OSError as exc:
        raise MediaError(f"'{p.name}' could not be read: {describe_os_error(exc)}.") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older subtitle files
    if "\x00" in text:
        raise MediaError(f"'{p.name}' is not a subtitle file.")
    cues = parse_srt(text, p.name)
    if not cues:
        raise MediaError(f"'{p.name}' has no captions in it.")
    return cues


def _stamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def format_srt(cues: list[list]) -> str:
    return "".join(f"{i}\n{_stamp(float(cue[0]))} --> {_stamp(float(cue[1]))}\n{cue[2]}\n\n"
                   for i, cue in enumerate(cues, start=1))


def write_srt(cues: list[list], path: str | os.PathLike) -> None:
    try:
        atomic_write_bytes(path, format_srt(cues).encode("utf-8"))
    except OSError as exc:
        raise MediaError(f"Could not save {Path(path).name}: {describe_os_error(exc)}.") from exc

"""Probing: one ffmpeg run describes a file (its log text) and lists its video packets (every
frame's time, and which are keyframes). Remembered while the file is unchanged."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.ffmpeg import ffmpeg_command, run_ffmpeg
from core.fileio import check_regular_file, describe_os_error
from core.jobs import CancelToken, Progress, check_cancel, report
from core.media.info import AUDIO, IMAGE, VIDEO, MediaInfo, even
from core.media.stills import read_image

log = logging.getLogger(__name__)

# ffmpeg demuxers that read single pictures rather than timed streams.
_IMAGE_FORMATS = re.compile(r"(_pipe|^image2$|^webp$)")


def probe_cached(path: str | os.PathLike) -> MediaInfo:
    """``probe``, remembered while the file keeps its size and modification time.

    Every Compositor (one per preview, playback and export) needs every file's frame index;
    reading it again each time would repeat the packet scan for nothing. ``probe`` fills this
    memory too, so a file imported once is not probed again when it is first shown.
    """
    p = _check_path(path)
    known = _PROBED.get(_file_key(p))
    if known is not None:
        _PROBED.move_to_end(_file_key(p))
        return known
    return probe(p)


def media_info(source: MediaInfo | str | os.PathLike) -> MediaInfo:
    """``source`` itself when it is already a MediaInfo, else its path's (remembered) probe:
    a file imported once is not scanned again by every feature that reads it."""
    return source if isinstance(source, MediaInfo) else probe_cached(source)


_PROBED: collections.OrderedDict[tuple[str, int, int], MediaInfo] = collections.OrderedDict()
_PROBED_LIMIT = 256


def _file_key(p: Path) -> tuple[str, int, int]:
    stat = p.stat()
    return str(p), stat.st_size, stat.st_mtime_ns


def _remember(p: Path, info: MediaInfo) -> MediaInfo:
    _PROBED[_file_key(p)] = info
    while len(_PROBED) > _PROBED_LIMIT:
        _PROBED.popitem(last=False)
    return info


def _check_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise MediaError(f"'{p.name}' could not be found at {p}.")
    if p.is_dir():
        raise MediaError(f"'{p.name}' is a folder, not a media file.")
    try:
        check_regular_file(p)
    except OSError as exc:
        raise MediaError(f"'{p.name}' could not be read: {describe_os_error(exc)}.") from exc
    if p.stat().st_size == 0:
        raise MediaError(f"'{p.name}' is empty (0 bytes): it may still be copying or be damaged.")
    return p


_KNOWN_FAILURES = [
    ("moov atom not found", "the file ends early or was not finished recording (moov atom not found)"),
    ("partial file", "the file ends early (partial file)"),
    ("Invalid data found when processing input", "it is not a video, audio or image file Reelsmith can read"),
    ("could not find codec parameters", "its streams could not be decoded"),
    ("Permission denied", "permission denied"),
    ("Decoder not found", "it uses a codec Reelsmith cannot decode"),
    ("No such file", "the file could not be found"),
]


def ffmpeg_reason(stderr: str) -> str:
    for needle, reason in _KNOWN_FAILURES:
        if needle.lower() in stderr.lower():
            return reason
    last = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f"ffmpeg could not read it ({last[-1][:160]})" if last else "ffmpeg could not read it"


def _looks_like_mp4(p: Path) -> bool:
    """Whether the file starts with an ISO media box, as MP4/MOV files do."""
    with open(p, "rb") as handle:
        head = handle.read(12)
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")


def _media_error(p: Path, reason: str) -> MediaError:
    return MediaError(f"'{p.name}' could not be read: {reason}.")


@dataclass
class _Streams:
    format_name: str = ""
    duration: float | None = None
    start: float = 0.0
    video: dict | None = None
    audio: dict | None = None
    other_kinds: list[str] = field(default_factory=list)


_STREAM_RE = re.compile(r"^\s*Stream #\d+:(\d+)\S*: (Video|Audio|Subtitle|Data|Attachment): (.*)$")
_INPUT_RE = re.compile(r"^Input #0, ([^,]+(?:,[^,]+)*?), from ")
_DURATION_RE = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_START_RE = re.compile(r"Duration: .*?start: (-?\d+(?:\.\d+)?)")
_ROTATION_RE = re.compile(r"(?:display ?matrix): rotation of (-?\d+(?:\.\d+)?) degrees", re.I)
_ROTATE_TAG_RE = re.compile(r"^\s*rotate\s*:\s*(-?\d+)")


def _parse_video(desc: str) -> dict:
    bare = re.sub(r"\([^)]*\)", "", desc)  # drop "(avc1 / 0x31637661)" and the like
    size = re.search(r"(?<![\w.])(\d{1,5})x(\d{1,5})(?![\w.])", bare)
    fps = re.search(r"(\d+(?:\.\d+)?k?) fps", desc)
    sar = re.search(r"SAR (\d+):(\d+)", desc)
    return {
        "codec": desc.split(None, 1)[0].rstrip(","),
        "pix_fmt": _pix_fmt(desc),
        "width": int(size.group(1)) if size else None,
        "height": int(size.group(2)) if size else None,
        "fps": _rate(fps.group(1)) if fps else None,
        "sar": (int(sar.group(1)), int(sar.group(2))) if sar else (1, 1),
        "rotation": 0,
        "attached_pic": "(attached pic)" in desc,
    }


def _pix_fmt(desc: str) -> str | None:
    parts = [p.strip() for p in re.split(r",(?![^(]*\))", desc)]
    return parts[1].split("(")[0] if len(parts) > 1 else None


def _rate(text: str) -> float:
    return float(text[:-1]) * 1000 if text.endswith("k") else float(text)


def _parse_audio(desc: str) -> dict:
    rate = re.search(r"(\d+) Hz", desc)
    channels = 0
    layout = re.search(r"Hz, ([^,]+)", desc)
    if layout:
        name = layout.group(1).strip()
        count = re.match(r"(\d+) channels", name)
        channels = int(count.group(1)) if count else {"mono": 1, "stereo": 2}.get(name, 0)
        if not channels:
            dotted = re.match(r"(\d+)\.(\d+)", name)
            channels = sum(map(int, dotted.groups())) if dotted else 2
    return {
        "codec": desc.split(None, 1)[0].rstrip(","),
        "sample_rate": int(rate.group(1)) if rate else None,
        "channels": channels or None,
    }


def _parse_ffmpeg_info(stderr: str) -> _Streams:
    info = _Streams()
    current: dict | None = None
    for line in stderr.splitlines():
        if line.startswith(("Output #", "Stream mapping:")):
            break  # what follows describes what ffmpeg writes, not the file
        if m := _INPUT_RE.match(line):
            info.format_name = m.group(1).split(",")[0]
        elif line.lstrip().startswith("Duration:") and info.duration is None:
            if m := _DURATION_RE.search(line):
                h, mnt, s = m.groups()
                info.duration = int(h) * 3600 + int(mnt) * 60 + float(s)
            if m := _START_RE.search(line):
                info.start = float(m.group(1))
        elif m := _STREAM_RE.match(line):
            kind, desc = m.group(2), m.group(3)
            current = None
            if kind == "Video" and info.video is None:
                parsed = _parse_video(desc)
                if not parsed["attached_pic"]:
                    info.video = current = parsed
            elif kind == "Audio" and info.audio is None:
                info.audio = _parse_audio(desc)
            else:
                info.other_kinds.append(kind)
        elif current is not None and (m := _ROTATION_RE.search(line) or _ROTATE_TAG_RE.match(line)):
            angle = float(m.group(1))
            # The display matrix gives a counter-clockwise angle; we report clockwise degrees.
            ccw = angle if _ROTATION_RE.search(line) else -angle
            current["rotation"] = int(round(-ccw)) % 360
    return info


@dataclass
class _Index:
    """What one pass over the container's packets tells, without decoding anything."""

    stderr: str  # ffmpeg's description of the file (and any errors)
    streams: _Streams  # that description, parsed
    times: np.ndarray  # presentation time of every video frame, sorted, relative to the start
    keyframe_times: np.ndarray  # the frames a decoder can start from


def _read_index(p: Path, progress: Progress | None, cancel: CancelToken | None) -> _Index:
    """One ffmpeg run describes the file (on stderr) and lists its video packets (on stdout):
    a second run just for the description would cost as much again on short clips."""
    cmd = ffmpeg_command("-copyts", "-i", str(p), "-map", "0:v:0?", "-c", "copy", "-f", "framecrc", "-",
                         loglevel="info")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        timebase, pts, keys, duration = 1.0, [], [], None
        try:
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace")
                if line.startswith("#tb 0:"):
                    num, den = line.split(":", 1)[1].strip().split("/")
                    timebase = int(num) / int(den)
                elif line[:1].isdigit():
                    fields = line.split(",")
                    pts.append(int(fields[2]))
                    # Flags are left out for a plain keyframe; side data may follow them.
                    flags = next((f.strip()[2:] for f in fields[6:] if f.strip().startswith("F=")), "1")
                    if int(flags, 16) & 1:
                        keys.append(pts[-1])
                    if len(pts) % 2000 == 0:
                        check_cancel(cancel)
                        if duration is None:
                            errors.seek(0)
                            duration = _parse_ffmpeg_info(errors.read().decode("utf-8", "replace")).duration or 0.0
                        if duration:
                            report(progress, pts[-1] * timebase / duration, "Indexing frames")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=60)  # its last words on stderr (a cut-off file) come after stdout ends
        finally:
            proc.kill()
            proc.wait()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    streams = _parse_ffmpeg_info(stderr)
    return _Index(stderr, streams, np.sort(np.asarray(pts, dtype=np.float64)) * timebase - streams.start,
                  np.sort(np.asarray(keys, dtype=np.float64)) * timebase - streams.start)


def _is_variable_rate(times: np.ndarray) -> bool:
    if len(times) < 3:
        return False
    deltas = np.diff(times)
    typical = float(np.median(deltas))
    # Timebase rounding makes constant-rate deltas jitter by a tick (e.g. 33/34 ms in mkv).
    tolerance = max(0.002, 0.05 * typical)
    return bool(np.any(np.abs(deltas - typical) > tolerance))


def probe(
    path: str | os.PathLike, *, progress: Progress | None = None, cancel: CancelToken | None = None
) -> MediaInfo:
    """Read a media file's properties. Raises MediaError with a clear reason for bad input."""
    p = _check_path(path)
    return _remember(p, _probe(p, progress, cancel))


def _probe(p: Path, progress: Progress | None, cancel: CancelToken | None) -> MediaInfo:
    check_cancel(cancel)
    index = _read_index(p, progress, cancel)
    stderr, streams = index.stderr, index.streams
    if not streams.format_name:
        if "moov atom not found" in stderr and not _looks_like_mp4(p):
            stderr = "Invalid data found when processing input"  # chosen by the name, not the content
        raise _media_error(p, ffmpeg_reason(stderr))
    if streams.video is None and streams.audio is None:
        what = " and ".join(sorted(set(streams.other_kinds))).lower() or "nothing"
        raise _media_error(p, f"it contains no video or audio (only {what})")
    if streams.video and _IMAGE_FORMATS.search(streams.format_name):
        return _probe_image(p, streams)
    if streams.video is None or streams.duration is None or streams.format_name in _RAW_STREAM_FORMATS:
        _check_decodes(p, "v" if streams.video else "a")
    if streams.video is None:
        return _audio_info(p, streams)
    return _probe_video(p, streams, index)


# Demuxers that read bare codec streams: they guess from the bytes alone, so random data can
# pass for one. Files in a real container (mp4, mkv, ...) do not need the decode check.
_RAW_STREAM_FORMATS = {"h261", "h263", "h264", "hevc", "m4v", "mpegvideo", "cavsvideo", "vc1", "dirac",
                       "mjpeg", "rawvideo", "tty", "data", "avs2", "avs3", "vvc"}


def _check_decodes(p: Path, stream: str) -> None:
    """Decode the start of the main stream, stopping at the first error.

    Lenient raw-stream demuxers "find" video in random bytes; real media decodes cleanly.
    """
    sample = ["-frames:v", "1"] if stream == "v" else ["-t", "1"]
    result = run_ffmpeg("-xerror", "-i", str(p), "-map", f"0:{stream}:0", *sample, "-f", "null", "-", timeout=60)
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace")
        known = ffmpeg_reason(stderr)
        reason = known if not known.startswith("ffmpeg could not") else (
            "its content could not be decoded (the file is damaged or not really a "
            + ("video" if stream == "v" else "sound file") + ")")
        raise _media_error(p, reason)


def _audio_fields(streams: _Streams) -> dict:
    audio = streams.audio
    if audio is None:
        return {"has_audio": False}
    return {
        "has_audio": True,
        "sample_rate": audio["sample_rate"],
        "channels": audio["channels"],
        "audio_codec": audio["codec"],
    }


def _audio_info(p: Path, streams: _Streams) -> MediaInfo:
    if not streams.duration:
        raise _media_error(p, "its length could not be determined (the file may be damaged)")
    return MediaInfo(
        path=str(p), kind=AUDIO, duration=streams.duration, codec=streams.audio["codec"],
        **_audio_fields(streams),
    )


def _probe_image(p: Path, streams: _Streams) -> MediaInfo:
    picture = read_image(p)  # also proves it decodes, and applies EXIF orientation
    return MediaInfo(
        path=str(p), kind=IMAGE, duration=None, width=picture.shape[1], height=picture.shape[0],
        codec=streams.video["codec"], pix_fmt=streams.video["pix_fmt"],
    )


def _probe_video(p: Path, streams: _Streams, index: _Index) -> MediaInfo:
    video = streams.video
    if not video["width"] or not video["height"]:
        raise _media_error(p, "its picture size is unknown (unsupported or damaged video)")
    times, scan_errors = index.times, index.stderr
    if len(times) == 0:
        raise _media_error(p, ffmpeg_reason(scan_errors) if scan_errors.strip() else "it has no frames")
    video_end = float(times[-1] + _frame_gap(times))
    # The container's duration is rounded to 10 ms; the frame index is exact.
    duration = video_end if not streams.duration or abs(streams.duration - video_end) < 0.05 else streams.duration
    if "partial file" in scan_errors or times[-1] < 0.5 * duration - 1.0:
        raise _media_error(p, "the file ends early (it was cut off while copying or recording)")
    vfr = _is_variable_rate(times)
    fps = len(times) / duration if vfr else _constant_rate(times, video["fps"])
    width, height = _display_size(video)
    return MediaInfo(
        path=str(p), kind=VIDEO, duration=duration, width=width, height=height,
        fps=float(round(fps or video["fps"] or 0.0, 3)), vfr=vfr, rotation=video["rotation"],
        codec=video["codec"], pix_fmt=video["pix_fmt"], frame_count=len(times),
        start_time=streams.start, container=streams.format_name, frame_times=times,
        keyframe_times=index.keyframe_times,
        **_audio_fields(streams),
    )


_STANDARD_RATES = (24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 90, 100, 120, 240)


def _constant_rate(times: np.ndarray, nominal: float | None) -> float | None:
    """The frame rate over the whole stream, snapped to a standard rate when within 0.2%.

    Millisecond timebases (mkv, webm) round 30 fps to 33/34 ms steps and ffmpeg prints
    nominal rates rounded (23.98), so neither a single step nor the printed rate is exact.
    """
    if len(times) < 2:
        return nominal
    measured = (len(times) - 1) / float(times[-1] - times[0])
    standard = min(_STANDARD_RATES, key=lambda rate: abs(rate - measured))
    return standard if abs(measured / standard - 1) < 0.002 else measured


def _frame_gap(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 1 / 25


def _display_size(video: dict) -> tuple[int, int]:
    sar_num, sar_den = video["sar"]
    width = video["width"]
    if sar_num and sar_den and sar_num != sar_den:
        width = even(width * sar_num / sar_den)
    height = video["height"]
    return (height, width) if video["rotation"] in (90, 270) else (width, height)

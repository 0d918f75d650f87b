"""Media import: probing, accurate frame decoding, thumbnails and audio, all through ffmpeg.

Timing model: a video's frames are indexed by their presentation times (seconds from the
file's start), read once from the packet index at probe time. "The frame at time t" is the
frame on screen at t: the last frame whose timestamp is <= t. This holds for variable frame
rate footage too, where frames are not evenly spaced.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import MediaError
from core.ffmpeg import ffmpeg_command, run_ffmpeg
from core.jobs import CancelToken, Progress, check_cancel, report

log = logging.getLogger(__name__)

VIDEO, AUDIO, IMAGE = "video", "audio", "image"

# ffmpeg demuxers that read single pictures rather than timed streams.
_IMAGE_FORMATS = re.compile(r"(_pipe|^image2$|^webp$)")

# Any timestamp within this distance of a frame's is treated as that frame's time.
_TIME_EPSILON = 1e-4


@dataclass(frozen=True, eq=False)
class MediaInfo:
    """What Reelsmith knows about one media file. Sizes are display sizes (rotation applied)."""

    path: str
    kind: str
    duration: float | None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    vfr: bool = False
    rotation: int = 0
    codec: str | None = None
    pix_fmt: str | None = None
    frame_count: int | None = None
    has_audio: bool = False
    sample_rate: int | None = None
    channels: int | None = None
    audio_codec: str | None = None
    start_time: float = 0.0  # the container's start; frame times are relative to it
    container: str | None = None  # ffmpeg's demuxer: "mov" (mp4, mov), "matroska" (mkv, webm), ...
    # Presentation time of every frame in seconds, sorted; None for stills and audio.
    frame_times: np.ndarray | None = field(default=None, repr=False)
    # The times of the frames a decoder can start from (a seek there costs no decoding).
    keyframe_times: np.ndarray | None = field(default=None, repr=False)

    @property
    def has_video(self) -> bool:
        return self.kind in (VIDEO, IMAGE)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "kind": self.kind,
            "duration": self.duration,
            "fps": self.fps,
            "vfr": self.vfr,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "has_audio": self.has_audio,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "codec": self.codec,
            "audio_codec": self.audio_codec,
            "frames": self.frame_count,
        }

    def frame_index_at(self, t: float) -> int:
        """Index of the frame on screen at time ``t`` (clamped to the first and last frame)."""
        if self.frame_times is None or len(self.frame_times) == 0:
            raise MediaError(f"'{self.name}' has no video frames.")
        index = int(np.searchsorted(self.frame_times, t + _TIME_EPSILON, side="right")) - 1
        return min(max(index, 0), len(self.frame_times) - 1)


# ---------------------------------------------------------------------------------------------
# Probing


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
    if not os.access(p, os.R_OK):
        raise MediaError(f"'{p.name}' could not be read: permission denied.")
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


def _explain(stderr: str) -> str:
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
        raise _media_error(p, _explain(stderr))
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
        known = _explain(stderr)
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
        raise _media_error(p, _explain(scan_errors) if scan_errors.strip() else "it has no frames")
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
        width = int(round(width * sar_num / sar_den / 2)) * 2
    height = video["height"]
    return (height, width) if video["rotation"] in (90, 270) else (width, height)


# ---------------------------------------------------------------------------------------------
# Pictures


def read_image(path: str | os.PathLike) -> np.ndarray:
    """A still image as RGB uint8, EXIF orientation applied."""
    import cv2

    p = Path(path)
    try:
        data = np.fromfile(p, dtype=np.uint8)  # np.fromfile copes with any path encoding
    except OSError as exc:
        raise MediaError(f"'{p.name}' could not be read: {exc.strerror}.") from exc
    picture = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if picture is None:
        raise MediaError(f"'{p.name}' could not be read: the image is damaged or unsupported.")
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)


def write_image(path: str | os.PathLike, picture: np.ndarray) -> None:
    """Save RGB uint8 as an image (format from the suffix), atomically."""
    import cv2

    from core.fileio import atomic_write_bytes

    p = Path(path)
    ok, data = cv2.imencode(p.suffix or ".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(f"'{p.name}': cannot write pictures of this type.")
    atomic_write_bytes(p, data.tobytes())


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def fit_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """A size no wider than ``max_width`` with the same aspect ratio, even on both sides."""
    if width <= max_width:
        return _even(width), _even(height)
    return _even(max_width), _even(height * max_width / width)


# Containers whose headers say all a decoder needs, so it can start without a trial decode.
_SELF_DESCRIBING = {"mov", "matroska"}

# The cheapest decode analysis allows: the h264/hevc loop filter only smooths block edges,
# which a picture shrunk to a hundred pixels across cannot show.
ANALYSIS_DECODE = ["-skip_loop_filter", "all", "-flags2", "fast"]

_PTS_RE = re.compile(r"pts_time:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)")


class _Decoder:
    """One ffmpeg process decoding from a seek point, yielding (frame, time) pairs.

    Each frame's own timestamp comes from the showinfo filter on stderr (read by a thread, so
    a chatty stderr can never block the picture pipe). Knowing every frame's time, the reader
    never has to trust that a seek landed where it asked.
    """

    def __init__(self, info: MediaInfo, size: tuple[int, int], seek: float | None, *, analysis: bool = False,
                 threads: int | None = None, until: float | None = None):
        """``analysis``: the cheapest decode that still shows every frame's content (no loop
        filter, area scaling) and a seek that starts at the keyframe before ``seek`` instead
        of decoding on to it (the caller drops what it does not want by the frames' times).
        ``until``: stop before the frame at this time, rather than decode on past it."""
        self.size = size
        self.start_time = info.start_time
        width, height = size
        args = ["-copyts"]
        if analysis:
            args += [*ANALYSIS_DECODE, "-noaccurate_seek"]
            if info.container in _SELF_DESCRIBING:  # already probed: don't decode a frame to learn it again
                args.append("-nofind_stream_info")
        if threads:
            args += ["-threads", str(threads)]
        args += ["-ss", f"{seek:.6f}"] if seek is not None else []
        scaling = "area" if analysis else "bicubic"
        trim = f"trim=end={until + info.start_time:.6f}," if until is not None else ""
        args += [
            "-i", info.path, "-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough",
            "-vf", f"{trim}scale={width}:{height}:flags={scaling},setsar=1,showinfo=checksum=0",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ]
        self.proc = subprocess.Popen(
            ffmpeg_command(*args, loglevel="info"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, bufsize=width * height * 3,
        )
        self._times: queue.Queue[float | None] = queue.Queue()
        self.messages: collections.deque[str] = collections.deque(maxlen=20)
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self) -> None:
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            if "Parsed_showinfo" in line:
                if m := _PTS_RE.search(line):
                    self._times.put(float(m.group(1)) - self.start_time)
            elif "error" in line.lower() or "invalid" in line.lower():
                self.messages.append(line.strip())
        self._times.put(None)

    def read(self) -> tuple[np.ndarray, float | None] | None:
        """The next frame and its time (None when unknown), or None at the end."""
        width, height = self.size
        want = width * height * 3
        data = self.proc.stdout.read(want)
        if len(data) < want:
            return None
        try:
            when = self._times.get(timeout=10)
        except queue.Empty:
            when = None
        frame = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
        return frame, when

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self._drain.join(timeout=2)
        self.proc.stderr.close()


class _Closable:
    """A reader that owns a process: a context manager, and closed when collected too."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class VideoReader(_Closable):
    """Decodes one video's frames with a long-lived ffmpeg process.

    Sequential access reads on from the open process (no seek per frame); a jump backwards
    or far ahead restarts ffmpeg with an accurate seek to the frame wanted. If the decoder
    cannot start there (files without an index, such as MPEG-TS with rare keyframes), it
    starts further back and reads forward.
    """

    # A jump ahead by at most this many frames is cheaper to decode through than to seek.
    MAX_READ_AHEAD = 48
    # How far before the wanted frame to start when a seek lands too late, in seconds.
    FALLBACK_SEEKS = (3.0, 20.0, None)

    def __init__(self, info: MediaInfo, size: tuple[int, int] | None = None):
        if info.kind != VIDEO or info.frame_times is None:
            raise MediaError(f"'{info.name}' is not a video.")
        self.info = info
        self.size = size or (info.width, info.height)
        self._decoder: _Decoder | None = None
        self._decoded_index = -1  # index of the last frame the decoder gave
        self._held: tuple[int, np.ndarray] | None = None  # the last frame returned

    def close(self) -> None:
        if getattr(self, "_decoder", None) is not None:
            self._decoder.close()
            self._decoder = None

    def frame_at(self, t: float) -> np.ndarray:
        """The frame on screen at ``t`` seconds, RGB uint8 of shape (height, width, 3)."""
        return self.frame(self.info.frame_index_at(t))

    def frame(self, index: int) -> np.ndarray:
        index = min(max(index, 0), self.info.frame_count - 1)
        if self._held is not None and self._held[0] == index:
            return self._held[1]
        ahead = self._decoder is not None and self._decoded_index < index <= self._decoded_index + self.MAX_READ_AHEAD
        found = self._read_until(index) if ahead else None
        target_time = float(self.info.frame_times[index])
        seeks = [target_time - _TIME_EPSILON] + [target_time - back if back else None for back in self.FALLBACK_SEEKS]
        for seek in seeks if found is None else []:
            self._restart(None if index == 0 or seek is None or seek <= 0 else seek)
            found = self._read_until(index)
            if found is not None:
                break
        if found is None:
            raise MediaError(f"'{self.info.name}' could not be decoded at {target_time:.2f} s: {self._reason()}.")
        self._held = (index, found)
        return found

    def _restart(self, seek: float | None) -> None:
        self.close()
        self._decoder = _Decoder(self.info, self.size, seek)
        self._decoded_index = -1 if seek is None else int(np.searchsorted(self.info.frame_times, seek)) - 1

    def _read_until(self, index: int) -> np.ndarray | None:
        """Decode on to frame ``index``; None if the decoder started past it or gave nothing.

        A frame the decoder skips over (damaged) is stood in for by the one before it, as a
        player would keep showing it.
        """
        previous = None
        while self._decoded_index < index:
            got = self._decoder.read()
            if got is None:  # the end: hold the last frame we have, as players do
                return previous if previous is not None and self._decoded_index >= 0 else None
            picture, when = got
            at = self._decoded_index + 1 if when is None else self.info.frame_index_at(when)
            if at > index and previous is None:
                return None  # started too late: the caller seeks further back
            if at > index:
                return previous
            self._decoded_index = at
            previous = picture
        return previous

    def _reason(self) -> str:
        messages = list(self._decoder.messages) if self._decoder is not None else []
        return _explain("\n".join(messages)) if messages else "no picture could be decoded there"


class _Piece(threading.Thread):
    """Decodes frames [first, end) of a video on its own ffmpeg process, into a queue.

    Frames are placed by their own timestamps: frames before ``first`` (a seek starts at the
    keyframe before) are dropped, and a frame the decoder skips (damage) is stood in for by
    the one before it, so the k-th frame out is always frame ``first + k``.
    """

    def __init__(self, info: MediaInfo, size: tuple[int, int], first: int, end: int, threads: int):
        super().__init__(daemon=True)
        self.info, self.size, self.first, self.end, self.threads = info, size, first, end, threads
        self.frames: queue.SimpleQueue = queue.SimpleQueue()  # arrays, then None (or a MediaError)
        self._decoder: _Decoder | None = None
        self._stopped = threading.Event()
        self.on_finished = lambda: None  # called from this thread once its frames are all queued

    def run(self) -> None:
        try:
            self._decode()
        except Exception as exc:  # handed to the consumer, which raises it in its own thread
            self.frames.put(exc)
        finally:
            self.frames.put(None)
            self.on_finished()

    def _decode(self) -> None:
        times = self.info.frame_times
        seek = None
        if self.first:  # just after the keyframe, so the demuxer lands on it, not the one before
            seek = float(times[self.first]) + 0.5 * float(times[self.first + 1] - times[self.first]
                                                          if self.first + 1 < len(times) else 0.0)
        until = None
        if self.end < len(times):  # halfway to the next piece's first frame: safe from rounding
            until = 0.5 * float(times[self.end - 1] + times[self.end])
        self._decoder = decoder = _Decoder(self.info, self.size, seek, analysis=True, threads=self.threads,
                                           until=until)
        wanted, previous = self.first, None
        while wanted < self.end and not self._stopped.is_set():
            got = decoder.read()
            if got is None:
                break
            picture, when = got
            at = wanted if when is None else self.info.frame_index_at(when)
            if at < wanted:
                continue
            while wanted < min(at, self.end):  # frames the decoder could not give
                self.frames.put(previous if previous is not None else picture)
                wanted += 1
            if wanted < self.end:
                self.frames.put(picture)
                wanted, previous = wanted + 1, picture
        decoder.close()
        if previous is None and not self._stopped.is_set():
            raise MediaError(f"'{self.info.name}' could not be decoded at "
                             f"{float(times[self.first]):.2f} s: {_explain(chr(10).join(decoder.messages))}.")
        while wanted < self.end and not self._stopped.is_set():  # cut short: hold the last picture
            self.frames.put(previous)
            wanted += 1

    def stop(self) -> None:
        self._stopped.set()
        if self._decoder is not None:
            self._decoder.close()


# A piece of video worth its own decoder process: about 60 full-HD frames, or as many smaller
# ones (a process costs ~0.1 s before its first full-HD frame). A piece's pictures wait in
# memory while the pieces before it are read, so each holds at most MAX_PIECE_BYTES of them.
MIN_PIECE_PIXELS = 1920 * 1080 * 60
MAX_PIECE_BYTES = 16 * 1024 * 1024
LOOKAHEAD = 2  # pieces started ahead of the one being read, per core


def _pieces(info: MediaInfo, workers: int, frame_bytes: int) -> list[tuple[int, int]]:
    """Frame ranges that start on keyframes: small enough that ``workers`` decoders share
    the work evenly, large enough that starting a process is a small part of each."""
    count = info.frame_count
    if info.keyframe_times is None:
        return [(0, count)]
    starts = np.unique(np.searchsorted(info.frame_times, info.keyframe_times - _TIME_EPSILON))
    if workers < 2 or len(starts) < 2:
        return [(0, count)]
    shortest = int(np.ceil(MIN_PIECE_PIXELS / max(1, info.width * info.height)))
    target = int(max(shortest, min(MAX_PIECE_BYTES // frame_bytes, count / (4 * workers))))
    pieces, first = [], 0
    for start in starts[1:]:
        if start - first >= target and count - start >= shortest:
            pieces.append((first, int(start)))
            first = int(start)
    return pieces + [(first, count)]


def analysis_frames(info: MediaInfo, width: int) -> Iterator[np.ndarray]:
    """Every frame of a video, in order, shrunk inside ffmpeg to ``width`` pixels across (RGB
    uint8): the cheapest decode that still shows each frame's content.

    Pieces between keyframes are decoded side by side, one process per core with one decoder
    thread each: frame threads in a single process leave about a third of two cores idle.
    Use it with ``contextlib.closing``, so a reader that stops early stops the decoders too.
    """
    _check_video(info)
    size = fit_size(info.width, info.height, width)
    return _decode_pieces(info, size, _pieces(info, os.cpu_count() or 1, size[0] * size[1] * 3))


def pictures_at(info: MediaInfo, indices: list[int], width: int) -> list[np.ndarray]:
    """Small pictures of the frames ``indices`` (a storyboard's), decoded side by side the
    same cheap way: each from the keyframe before it, on its own core."""
    _check_video(info)
    size = fit_size(info.width, info.height, width)
    order = sorted(range(len(indices)), key=lambda i: indices[i])  # decoding runs forward
    pictures: list[np.ndarray] = [np.empty(0)] * len(indices)
    with contextlib.closing(_decode_pieces(info, size, [(indices[i], indices[i] + 1) for i in order])) as decoded:
        for i, picture in zip(order, decoded, strict=True):
            pictures[i] = picture
    return pictures


def _check_video(info: MediaInfo) -> None:
    if info.kind != VIDEO or info.frame_times is None:
        raise MediaError(f"'{info.name}' is not a video.")


def _decode_pieces(info: MediaInfo, size: tuple[int, int], ranges: list[tuple[int, int]]) -> Iterator[np.ndarray]:
    """The frames of ``ranges``, in order, each range on its own single-threaded process.

    A core that finishes its piece starts the next, up to LOOKAHEAD pieces per core ahead of
    the one being read, so memory stays flat however long the video is."""
    cores = os.cpu_count() or 1
    threads = max(1, cores // len(ranges))  # fewer pieces than cores: frame threads use the rest
    pieces = [_Piece(info, size, first, end, threads) for first, end in ranges]
    lock = threading.Lock()
    state = {"started": 0, "decoding": 0, "reading": 0}

    def start_more(finished: bool = False) -> None:
        with lock:
            state["decoding"] -= finished
            while (state["started"] < len(pieces) and state["decoding"] < cores
                   and state["started"] - state["reading"] <= LOOKAHEAD * cores):
                piece = pieces[state["started"]]
                piece.on_finished = lambda: start_more(finished=True)
                state["started"] += 1
                state["decoding"] += 1
                piece.start()

    try:
        for index, piece in enumerate(pieces):
            state["reading"] = index
            start_more()
            while (item := piece.frames.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield item
    finally:
        with lock:
            state["started"] = len(pieces)  # start nothing more
        for piece in pieces:
            piece.stop()


def frame_at(
    source: MediaInfo | str | os.PathLike, t: float = 0.0, size: tuple[int, int] | None = None
) -> np.ndarray:
    """One frame of a video (or a still) at time ``t``, RGB uint8. Opens and closes a reader."""
    info = source if isinstance(source, MediaInfo) else probe(source)
    if info.kind == IMAGE:
        picture = read_image(info.path)
        return _resize(picture, size) if size else picture
    with VideoReader(info, size) as reader:
        return reader.frame_at(t)


def _resize(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    if (picture.shape[1], picture.shape[0]) == tuple(size):
        return picture
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def thumbnail(source: MediaInfo | str | os.PathLike, width: int = 320, t: float | None = None) -> np.ndarray:
    """A small RGB picture for the bin: a frame for video and stills, a waveform for audio."""
    info = source if isinstance(source, MediaInfo) else probe(source)
    if info.kind == AUDIO:
        return _waveform_picture(read_audio(info, sample_rate=8000, channels=1), width)
    size = fit_size(info.width, info.height, width)
    when = info.duration * 0.1 if t is None and info.duration else (t or 0.0)
    return frame_at(info, when, size)


def _waveform_picture(samples: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    height = height or _even(width * 9 / 16)
    picture = np.full((height, width, 3), (24, 28, 36), dtype=np.uint8)
    mono = samples[:, 0] if samples.ndim == 2 else samples
    if mono.size == 0:
        return picture
    columns = np.array_split(np.abs(mono), width)
    peaks = np.array([c.max() if c.size else 0.0 for c in columns])
    peaks = peaks / max(float(peaks.max()), 1e-6)
    mid = height // 2
    for x, peak in enumerate(peaks):
        half = max(1, int(peak * (height // 2 - 2)))
        picture[mid - half : mid + half, x] = (90, 200, 160)
    return picture


# ---------------------------------------------------------------------------------------------
# Audio


def read_audio(
    source: MediaInfo | str | os.PathLike,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    start: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Audio as float32 samples of shape (n, channels), resampled to ``sample_rate``.

    A file with no audio gives silence of the file's length, so callers mixing tracks need
    no special case.
    """
    info = source if isinstance(source, MediaInfo) else probe(source)
    length = duration if duration is not None else max(0.0, (info.duration or 0.0) - start)
    if not info.has_audio:
        return np.zeros((int(round(length * sample_rate)), channels), dtype=np.float32)
    args = ["-ss", f"{start:.6f}"] if start > 0 else []
    args += ["-i", info.path, "-map", "0:a:0", "-vn"]
    if duration is not None:
        args += ["-t", f"{duration:.6f}"]
    if info.channels == 1 and channels == 2:
        args += ["-af", "pan=stereo|c0=c0|c1=c0"]  # mono to both sides at full level, not -3 dB
    else:
        args += ["-ac", str(channels)]
    args += ["-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(sample_rate), "-"]
    result = run_ffmpeg(*args, timeout=600)
    if result.returncode != 0 and not result.stdout:
        reason = _explain(result.stderr.decode("utf-8", "replace"))
        raise MediaError(f"The audio of '{info.name}' could not be read: {reason}.")
    usable = len(result.stdout) // (4 * channels) * 4 * channels
    return np.frombuffer(result.stdout[:usable], dtype=np.float32).reshape(-1, channels).copy()


def _atempo_chain(speed: float) -> list[str]:
    """atempo filters whose product is ``speed`` (each stage accepts 0.5 to 2)."""
    stages = []
    while speed > 2.0:
        stages.append(2.0)
        speed /= 2.0
    while speed < 0.5:
        stages.append(0.5)
        speed /= 0.5
    stages.append(speed)
    return [f"atempo={s:.6f}" for s in stages]


class AudioReader(_Closable):
    """Streams one file's sound at a given rate and speed with a long-lived ffmpeg process.

    ``read(source_time, count)`` returns ``count`` stereo float32 samples starting at
    ``source_time`` seconds into the media. Consecutive reads continue the same process; a
    jump restarts it. Before the start and after the end there is silence. Speed changes
    keep the pitch (ffmpeg's atempo).
    """

    def __init__(self, info: MediaInfo, sample_rate: int, speed: float = 1.0):
        self.info, self.sample_rate, self.speed = info, sample_rate, speed
        self._proc: subprocess.Popen | None = None
        self._position: float | None = None  # source time of the next sample the process gives

    def close(self) -> None:
        if getattr(self, "_proc", None) is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.close()
            self._proc = None

    def read(self, source_time: float, count: int) -> np.ndarray:
        out = np.zeros((count, 2), np.float32)
        if not self.info.has_audio or count <= 0:
            return out
        step = self.speed / self.sample_rate  # source seconds per output sample
        lead = min(count, max(0, int(round(-source_time / step))))  # silence before the start
        if lead >= count:
            return out
        start = source_time + lead * step
        if self._proc is None or self._position is None or abs(self._position - start) > step:
            self._restart(start)
        wanted = count - lead
        data = self._proc.stdout.read(wanted * 8)
        got = len(data) // 8
        if got:
            out[lead : lead + got] = np.frombuffer(data[: got * 8], np.float32).reshape(-1, 2)
        self._position = start + wanted * step
        return out

    def _restart(self, start: float) -> None:
        self.close()
        filters = (["pan=stereo|c0=c0|c1=c0"] if self.info.channels == 1 else []) + (
            _atempo_chain(self.speed) if abs(self.speed - 1.0) > 1e-6 else [])
        args = ["-ss", f"{start:.6f}", "-i", self.info.path, "-map", "0:a:0", "-vn"]
        args += ["-af", ",".join(filters)] if filters else []
        args += ["-ac", "2", "-ar", str(self.sample_rate), "-f", "f32le", "-acodec", "pcm_f32le", "-"]
        self._proc = subprocess.Popen(
            ffmpeg_command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._position = start

"""Decoding video with long-lived ffmpeg processes: the random-access reader the compositor
uses, and one frame at a time."""

from __future__ import annotations

import collections
import logging
import os
import queue
import re
import subprocess
import threading

import numpy as np

from core.errors import MediaError
from core.ffmpeg import PICTURE_PIPE_BYTES, ffmpeg_command, widen_pipe
from core.media.info import IMAGE, TIME_EPSILON, VIDEO, MediaInfo
from core.media.probe import ffmpeg_reason, media_info
from core.media.stills import read_image

log = logging.getLogger(__name__)


# Containers whose headers say all a decoder needs, so it can start without a trial decode.
_SELF_DESCRIBING = {"mov", "matroska"}

# The cheapest decode analysis allows: the h264/hevc loop filter only smooths block edges,
# which a picture shrunk to a hundred pixels across cannot show.
ANALYSIS_DECODE = ["-skip_loop_filter", "all", "-flags2", "fast"]

_PTS_RE = re.compile(r"pts_time:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)")


class Decoder:
    """One ffmpeg process decoding from a seek point, yielding (frame, time) pairs.

    Each frame's own timestamp comes from the showinfo filter on stderr (read by a thread, so
    a chatty stderr can never block the picture pipe). Knowing every frame's time, the reader
    never has to trust that a seek landed where it asked.
    """

    def __init__(self, info: MediaInfo, size: tuple[int, int], seek: float | None, *, analysis: bool = False,
                 threads: int | None = None, until: float | None = None, planar: bool = False):
        """``analysis``: the cheapest decode that still shows every frame's content (no loop
        filter, area scaling) and a seek that starts at the keyframe before ``seek`` instead
        of decoding on to it (the caller drops what it does not want by the frames' times).
        ``until``: stop before the frame at this time, rather than decode on past it.
        ``planar``: frames as I420 planes (BT.601, limited range: what export hands the
        encoder), shape (height * 3 / 2, width); the size must be even. RGB otherwise."""
        self.size, self.planar = size, planar
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
            "-vf", f"{trim}scale={width}:{height}:flags={scaling}{_kept_format(info)},setsar=1,showinfo=checksum=0",
            "-f", "rawvideo", "-pix_fmt", "yuv420p" if planar else "rgb24", "-",
        ]
        self.proc = subprocess.Popen(
            ffmpeg_command(*args, loglevel="info"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, bufsize=self._frame_bytes,
        )
        if self._frame_bytes >= PICTURE_PIPE_BYTES // 4:  # wide pipes count against a per-user allowance
            widen_pipe(self.proc.stdout)
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

    @property
    def _frame_bytes(self) -> int:
        width, height = self.size
        return width * height * 3 // 2 if self.planar else width * height * 3

    def read(self) -> tuple[np.ndarray, float | None] | None:
        """The next frame and its time (None when unknown), or None at the end."""
        width, height = self.size
        data = self.proc.stdout.read(self._frame_bytes)
        if len(data) < self._frame_bytes:
            return None
        try:
            when = self._times.get(timeout=10)
        except queue.Empty:
            when = None
        shape = (height * 3 // 2, width) if self.planar else (height, width, 3)
        return np.frombuffer(data, dtype=np.uint8).reshape(shape), when

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self._drain.join(timeout=2)
        self.proc.stderr.close()


def _kept_format(info: MediaInfo) -> str:
    """A filter that keeps the scaled picture in the source's own YUV format. Left to itself,
    ffmpeg scales straight into RGB, through its slow full-chroma path: scaling in YUV and then
    converting at the new size took a quarter of the CPU time (an SD clip shown at 1080p)."""
    pix_fmt = info.pix_fmt or ""
    return f",format={pix_fmt}" if pix_fmt.startswith("yuv") else ""


class ProcessReader:
    """A reader that owns a process: a context manager, and closed when collected too."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class VideoReader(ProcessReader):
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

    def __init__(self, info: MediaInfo, size: tuple[int, int] | None = None, *, planar: bool = False):
        """``planar``: frames as I420 planes (see Decoder), for export's plain frames."""
        if info.kind != VIDEO or info.frame_times is None:
            raise MediaError(f"'{info.name}' is not a video.")
        self.info = info
        self.size = size or (info.width, info.height)
        self.planar = planar
        self._decoder: Decoder | None = None
        self._decoded_index = -1  # index of the last frame the decoder gave
        self._held: tuple[int, np.ndarray] | None = None  # the last frame returned

    def close(self) -> None:
        if getattr(self, "_decoder", None) is not None:
            self._decoder.close()
            self._decoder = None

    def frame_at(self, t: float) -> np.ndarray:
        """The frame on screen at ``t`` seconds, RGB uint8 of shape (height, width, 3) (or
        I420 planes for a planar reader)."""
        return self.frame(self.info.frame_index_at(t))

    def frame(self, index: int) -> np.ndarray:
        index = min(max(index, 0), self.info.frame_count - 1)
        if self._held is not None and self._held[0] == index:
            return self._held[1]
        ahead = self._decoder is not None and self._decoded_index < index <= self._decoded_index + self.MAX_READ_AHEAD
        found = self._read_until(index) if ahead else None
        target_time = float(self.info.frame_times[index])
        seeks = [target_time - TIME_EPSILON] + [target_time - back if back else None for back in self.FALLBACK_SEEKS]
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
        self._decoder = Decoder(self.info, self.size, seek, planar=self.planar)
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
        return ffmpeg_reason("\n".join(messages)) if messages else "no picture could be decoded there"



def frame_at(
    source: MediaInfo | str | os.PathLike, t: float = 0.0, size: tuple[int, int] | None = None
) -> np.ndarray:
    """One frame of a video (or a still) at time ``t``, RGB uint8. Opens and closes a reader."""
    info = media_info(source)
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

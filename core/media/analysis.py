"""The analysis decoder: a video cut at keyframes into pieces, decoded side by side (one
single-threaded ffmpeg per core), handed on in order, each frame placed by its timestamp."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterator

import numpy as np

from core.errors import MediaError
from core.media.decode import Decoder
from core.media.info import TIME_EPSILON, VIDEO, MediaInfo, fit_size
from core.media.probe import ffmpeg_reason

log = logging.getLogger(__name__)


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
        self._decoder: Decoder | None = None
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
        self._decoder = decoder = Decoder(self.info, self.size, seek, analysis=True, threads=self.threads,
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
                             f"{float(times[self.first]):.2f} s: {ffmpeg_reason(chr(10).join(decoder.messages))}.")
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
    starts = np.unique(np.searchsorted(info.frame_times, info.keyframe_times - TIME_EPSILON))
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
                if state["started"] == len(pieces) - 1:  # the last: let it use the cores others free
                    piece.threads = max(piece.threads, cores)
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

"""The long-work protocol shared by every slow function in core.

A long function takes two keyword arguments:

- ``progress``: a callable ``progress(fraction, message)`` with fraction in [0, 1], or None;
- ``cancel``: a :class:`CancelToken`, or None;

and raises :class:`Cancelled` soon after the token is cancelled. The desktop job runner and
the CLI both drive core through this protocol, so neither needs to know what a job does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

Progress = Callable[[float, str], None]


class Cancelled(Exception):
    """The user asked the job to stop. Not an error: nothing is reported."""


class CancelToken:
    """A thread-safe flag a job polls between units of work."""

    def __init__(self, parent: CancelToken | None = None) -> None:
        """``parent``: a token whose cancel cancels this one too, for a part of a job that
        can also be stopped on its own."""
        self._event = threading.Event()
        self._parent = parent

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self.cancelled:
            raise Cancelled()


def check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


def report(progress: Progress | None, fraction: float, message: str = "") -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), message)


def sub_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Map a step's own 0..1 progress into the [start, end] slice of its parent's."""
    if progress is None:
        return None

    def scaled(fraction: float, message: str = "") -> None:
        report(progress, start + (end - start) * fraction, message)

    return scaled


def made_ahead(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """``items``, made on a thread of their own up to ``depth`` ahead of the consumer, so making
    the next one overlaps using this one (numpy, OpenCV, torch and a pipe to ffmpeg all release
    the GIL). The maker's exception is raised here, in order; closing this iterator early stops
    the maker after the item it is on."""
    made: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def make() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                made.put((item, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            made.put((done, exc))
            return
        made.put((done, None))

    maker = threading.Thread(target=make, daemon=True, name="made-ahead")
    maker.start()
    try:
        while True:
            item, exc = made.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while maker.is_alive():  # free its slot so a blocked put returns and it sees the stop
            try:
                made.get(timeout=0.05)
            except queue.Empty:
                pass

"""The one way to run core work off the GUI thread.

A job calls a core function with the ``progress``/``cancel`` protocol (core.jobs) on a pool
thread. Its progress, result and error arrive as Qt signals on the GUI thread, so widgets
never touch a worker thread and workers never touch a widget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import ReelsmithError
from core.jobs import Cancelled, CancelToken
from core.paths import log_file

log = logging.getLogger(__name__)


class Job(QObject):
    progress = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()  # after exactly one of succeeded / failed / cancelled
    _outcome = Signal(str, object)  # from the worker: "succeeded" / "failed" / "cancelled", and its payload

    # At most this many progress signals a second reach the GUI thread.
    PROGRESS_RATE = 20

    def __init__(self, title: str, fn: Callable, args: tuple, kwargs: dict, ask_before_quit: bool = False):
        super().__init__()
        self.title = title
        self.ask_before_quit = ask_before_quit  # work the user waits for: quitting asks first
        self.token = CancelToken()
        self.fraction = 0.0
        self.message = ""
        self.running = True
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._last_emit = 0.0
        self.ended.connect(self._mark_ended)
        self._outcome.connect(self._deliver)

    def cancel(self) -> None:
        self.token.cancel()

    def _mark_ended(self) -> None:
        self.running = False

    def _report(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_emit < 1.0 / self.PROGRESS_RATE:
            return
        self._last_emit = now
        self.progress.emit(fraction, message)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message

    def run_here(self) -> None:
        """Run in the calling (pool) thread; the outcome goes out as signals."""
        try:
            result = self._fn(*self._args, progress=self._report, cancel=self.token, **self._kwargs)
        except Cancelled:
            self._outcome.emit("cancelled", None)
        except ReelsmithError as exc:
            log.info("job %r failed: %s", self.title, exc, exc_info=True)
            self._outcome.emit("failed", str(exc))
        except Exception as exc:  # a bug: tell the user where the details are, not the traceback
            log.exception("job %r crashed", self.title)
            self._outcome.emit("failed", f"{self.title} failed unexpectedly ({exc}). Details are in {log_file()}.")
        else:
            self._outcome.emit("succeeded", result)

    def _deliver(self, outcome: str, payload) -> None:
        # In the job's own (GUI) thread, so the outcome and `ended` reach every slot in one
        # event: nothing can see a job whose result has landed but which is still running.
        if outcome == "cancelled":
            self.cancelled.emit()
        else:
            getattr(self, outcome).emit(payload)
        self.ended.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        self.job.run_here()


class JobRunner(QObject):
    job_started = Signal(object)
    job_ended = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._jobs: list[Job] = []

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def submit(self, title: str, fn: Callable, *args,
               on_result: Callable[[object], None] | None = None,
               on_error: Callable[[str], None] | None = None, ask_before_quit: bool = False,
               **kwargs) -> Job:
        job = Job(title, fn, args, kwargs, ask_before_quit)
        job.progress.connect(job._on_progress)
        if on_result is not None:
            job.succeeded.connect(on_result)
        if on_error is not None:
            job.failed.connect(on_error)
        job.ended.connect(lambda: self._forget(job))
        self._jobs.append(job)
        self.job_started.emit(job)
        self._pool.start(_Runnable(job))
        return job

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
            self.job_ended.emit(job)

    @property
    def precious_jobs(self) -> list[Job]:
        """The running jobs that quitting would throw away (an export, a generation); one
        already cancelled is on its way out, not worth asking about."""
        return [job for job in self._jobs if job.ask_before_quit and not job.token.cancelled]

    def cancel_all(self) -> None:
        for job in self._jobs:
            job.cancel()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every job and wait for the threads; True when all stopped in time."""
        self.cancel_all()
        return self._pool.waitForDone(timeout_ms)

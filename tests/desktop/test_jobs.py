"""The job runner: results, errors and cancellation arrive as signals on the GUI thread."""

from __future__ import annotations

import threading

import pytest

from core.errors import MediaError
from core.jobs import report
from desktop.jobs import JobRunner


def slow_count(to: int, *, progress=None, cancel=None, started: threading.Event | None = None):
    for i in range(to):
        if started is not None:
            started.set()
        cancel.check()
        report(progress, i / to, "counting")
        threading.Event().wait(0.01)  # stands in for a unit of real work
    return to


@pytest.fixture
def runner(qtbot):
    runner = JobRunner()
    yield runner
    runner.shutdown()


@pytest.mark.parametrize("outcome", ["succeeded", "failed", "cancelled"])
def test_the_outcome_and_the_end_reach_the_gui_thread_as_one_event(qtbot, runner, outcome):
    """Seen in CI: a result landed, the test asked for the next job at once, and the first was
    still running, because its end came as a later event. Slots connected directly show where
    and in which order the signals are emitted."""
    from PySide6.QtCore import Qt

    gate = threading.Event()

    def work(progress=None, cancel=None):
        gate.wait(10)
        if outcome == "failed":
            raise MediaError("unreadable")
        cancel.check()
        return 7

    job = runner.submit("Work", work)
    seen = []
    on_main = threading.current_thread
    getattr(job, outcome).connect(lambda *_: seen.append((outcome, on_main() is threading.main_thread(),
                                                          job in runner.jobs)), Qt.DirectConnection)
    job.ended.connect(lambda: seen.append(("ended", on_main() is threading.main_thread(), job in runner.jobs)),
                      Qt.DirectConnection)
    if outcome == "cancelled":
        job.cancel()
    with qtbot.waitSignal(job.ended, timeout=10000):
        gate.set()
    assert seen == [(outcome, True, True), ("ended", True, False)]  # the runner lets it go on its end
    assert not job.running


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, runner):
    seen, results = [], []
    job = runner.submit("Count", slow_count, 30, on_result=results.append)
    job.progress.connect(lambda f, m: seen.append((f, threading.current_thread() is threading.main_thread())))
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == [30]
    assert seen and all(on_main for _, on_main in seen)
    qtbot.waitUntil(lambda: runner.jobs == [])


def test_core_errors_arrive_as_their_message(qtbot, runner):
    def broken(*, progress=None, cancel=None):
        raise MediaError("'a.mp4' could not be read: it is empty.")

    messages = []
    runner.submit("Read", broken, on_error=messages.append)  # connected before the job starts
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert messages == ["'a.mp4' could not be read: it is empty."]


def test_bugs_are_reported_without_a_traceback(qtbot, runner):
    def buggy(*, progress=None, cancel=None):
        return {}["missing"]

    messages = []
    runner.submit("Crunch", buggy, on_error=messages.append)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    message = messages[0]
    assert "Crunch failed unexpectedly" in message and "reelsmith.log" in message
    assert "Traceback" not in message


def test_cancel_stops_a_running_job(qtbot, runner):
    started = threading.Event()
    job = runner.submit("Count", slow_count, 100000, started=started)
    qtbot.waitUntil(started.is_set, timeout=5000)
    with qtbot.waitSignals([job.cancelled, runner.job_ended], timeout=5000):
        job.cancel()
    assert not job.running and runner.jobs == []


def test_shutdown_cancels_and_waits(qtbot, runner):
    started = threading.Event()
    runner.submit("Count", slow_count, 100000, started=started)
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert runner.shutdown(timeout_ms=5000)


def test_only_work_the_user_waits_for_and_still_wants_is_precious(qtbot, runner):
    started = threading.Event()
    runner.submit("Thumbnail", slow_count, 100000, started=threading.Event())
    export = runner.submit("Exporting", slow_count, 100000, started=started, ask_before_quit=True)
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert runner.precious_jobs == [export]  # a thumbnail is not worth a question on quit
    export.cancel()
    assert runner.precious_jobs == []  # cancelled: on its way out, nothing to ask
    assert runner.shutdown(timeout_ms=5000)

"""Fixtures for desktop tests."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def endless_job():
    """A job that runs until cancelled, and an event set once it is running."""
    started = threading.Event()

    def endless(*, progress=None, cancel=None):
        while True:
            started.set()
            cancel.check()
            threading.Event().wait(0.01)  # stands in for a unit of real work

    return endless, started


@pytest.fixture
def demo_window(qtbot, samples):
    """The main window on the demo project; closed without an unsaved-changes prompt."""
    from core.demo import demo_project
    from desktop.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.set_project(demo_project(samples), None)
    yield window
    window.undo_stack.setClean()
    window.recovered_unsaved = False
    window.runner.shutdown()  # no job left for close() to ask about: a modal question would wait for ever
    window.close()
    window.deleteLater()

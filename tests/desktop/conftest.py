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

"""Guards against known defects of the Qt binding that the app would otherwise hit."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


class _Receiver:
    def accept(self, _value) -> bool:
        return True


def test_slots_that_return_values_keep_reference_counts(qapp):
    # PySide6 6.12.0 released a reference per call to a slot's return value; with a bool that
    # ends in "bool_dealloc" and an aborted interpreter. Many of our slots return a bool.
    emitter, receiver = _Emitter(), _Receiver()
    emitter.fired.connect(receiver.accept)
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.fired.emit(None)
    assert sys.getrefcount(True) - before >= -5

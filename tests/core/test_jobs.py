"""The long-work helpers shared by core's slow functions."""

from __future__ import annotations

import threading

import pytest

from core.jobs import made_ahead


def test_items_made_ahead_arrive_in_order_from_another_thread():
    makers = set()

    def items():
        for i in range(50):
            makers.add(threading.get_ident())
            yield i

    assert list(made_ahead(items(), depth=4)) == list(range(50))
    assert makers and threading.get_ident() not in makers


def test_the_makers_error_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("damaged frame")

    got = []
    with pytest.raises(ValueError, match="damaged frame"):
        for item in made_ahead(items()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_maker():
    made = []

    def items():
        for i in range(10_000):
            made.append(i)
            yield i

    ahead = made_ahead(items(), depth=2)
    assert next(ahead) == 0
    ahead.close()
    assert len(made) < 10, "the maker kept making after the consumer stopped"


def test_a_child_token_stops_alone_or_with_its_parent():
    from core.jobs import Cancelled, CancelToken

    parent = CancelToken()
    child, sibling = CancelToken(parent=parent), CancelToken(parent=parent)
    child.cancel()
    assert child.cancelled and not parent.cancelled and not sibling.cancelled
    parent.cancel()
    assert sibling.cancelled
    with pytest.raises(Cancelled):
        sibling.check()

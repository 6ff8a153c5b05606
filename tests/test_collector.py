"""Work over many rows pauses Python's cycle collector, and always turns it back on."""

from __future__ import annotations

import gc

import pytest

from citykg.collector import gc_paused


def test_the_collector_is_paused_inside_and_back_on_after_a_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("a bad row")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Python's cycle collector paused around work that makes hundreds of thousands of objects at once
(reading and converting tables, building the gazetteer index, projecting a network)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration.

    Reading a table set or the gazetteer, or projecting a world-sized network, makes millions of
    rows, dicts and tuples that all stay alive, and the collector walks every one of them again and
    again as they pile up: about a fifth of a world-sized build or projection, and half of building
    the gazetteer index. Nothing made there holds reference cycles, so nothing waits for the
    collector that it would have freed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

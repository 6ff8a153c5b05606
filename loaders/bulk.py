"""What the loaders do around work over hundreds of thousands of rows at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration.

    Reading a table set or the gazetteer makes millions of rows, dicts and tuples that all stay
    alive, and the collector walks every one of them again and again as they pile up: about a
    fifth of a world-sized build, and half of building the gazetteer index. Nothing made here
    holds reference cycles, so nothing waits for the collector that it would have freed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

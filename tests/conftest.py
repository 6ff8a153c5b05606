"""Shared fixtures: the bundled Omsk 2016 graph and the tiny hand-made table set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import citykg

DATA = Path(__file__).parent / "data"
TINY = DATA / "tables" / "tiny"


@pytest.fixture(scope="session")
def omsk_store():
    """The bundled Omsk 2016 tables built into an in-memory store (shared: do not write to it)."""
    return citykg.build(store=":memory:")


@pytest.fixture
def tiny_tables(tmp_path) -> Path:
    """A writable copy of the tiny table set, for tests that break it."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target

"""The world-scale table generator: loadable tables, real resolution, the same files for a seed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from citykg.loaders import load_table_set

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("citykg_benchmark_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small(generate, tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    return folder, generate.generate("small", folder, seed=7)


@pytest.mark.slow
def test_small_table_set_loads_and_resolves_all_but_the_made_up_places(small):
    folder, summary = small
    loaded = load_table_set(folder)
    cities = [p for p in loaded.rdf.places if p.resolution is not None]
    assert len(cities) == summary["cities"] == 1000
    assert {p.name for p in loaded.rdf.unresolved} == {
        p.name for p in cities if p.place_id.startswith("x")
    }
    assert len(loaded.rdf.unresolved) == summary["unresolvable"]
    # every city row names its own GeoNames city: no two rows merge into one node
    resolved = [p.iri for p in cities if p.resolution.resolved]
    assert len(set(resolved)) == len(resolved)
    assert any("Windows-1251" in w for w in loaded.warnings)


@pytest.mark.slow
def test_names_in_both_scripts_and_a_hub_with_many_partners(small):
    folder, summary = small
    places = (folder / "places.csv").read_text(encoding="utf-8")
    assert any("\u0400" <= ch <= "\u04ff" for ch in places)
    assert summary["hub_partners"] >= 30  # the 1 k size; the world size's hub has hundreds


@pytest.mark.slow
def test_the_same_seed_writes_the_same_files(generate, small, tmp_path):
    folder, _ = small
    generate.generate("small", tmp_path, seed=7)
    for table in folder.glob("*.csv"):
        assert (tmp_path / table.name).read_bytes() == table.read_bytes(), table.name

"""The gazetteer's cache: what is read back is what was built, and fuzzy matching still finds the
same names when it looks only at names of a possible length."""

from __future__ import annotations

import difflib

import pytest

from citykg.loaders import gazetteer
from citykg.loaders.gazetteer_cache import Cities, NameIndex


def _clear_caches():
    for cached in (gazetteer.city_index, gazetteer._names_by_country, gazetteer._names_by_length):
        cached.cache_clear()


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder, as on the first run after install; the usual one again afterwards."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _clear_caches()
    yield tmp_path
    _clear_caches()


def test_the_index_read_back_from_the_cache_is_the_index_built(fresh_cache):
    built_cities, built_index = gazetteer.city_index()  # cold: built, then written
    assert list(fresh_cache.glob("citykg/gazetteer-*-sorted.pickle"))
    _clear_caches()
    cities, index = gazetteer.city_index()  # warm: read back
    assert isinstance(index, NameIndex) and isinstance(cities, Cities)
    assert len(cities) == len(built_cities) > 30_000
    for geonames_id in list(built_cities)[::97]:
        assert cities[geonames_id] == built_cities[geonames_id]
    names = list(built_index)
    assert len(index) == len(names)
    for name in names[::53] + ["no such place", "", "zzzz"]:
        assert index.get(name) == built_index.get(name)
    assert dict(index.items()) == built_index
    assert gazetteer.resolve_city(["Чинчжу"], "KR").city.geonames_id == 1846052


def test_the_index_becomes_a_dict_after_many_lookups_and_answers_the_same(fresh_cache, monkeypatch):
    gazetteer.city_index()
    _clear_caches()
    _, index = gazetteer.city_index()
    monkeypatch.setattr("citykg.loaders.gazetteer_cache.DICT_AFTER", 10)
    names = [name for name, _ in zip(iter(index._names), range(200))]  # bisected names, in order
    answers = [index[name] for name in names]
    assert index._dict is not None
    assert [index[name] for name in names] == answers
    with pytest.raises(KeyError):
        index["no such place"]


def test_a_name_holding_the_separator_is_not_cached_but_still_resolved():
    with pytest.raises(ValueError, match="separator"):
        Cities.to_plain([(1, "A", "XX", ("A", "A\x1fB"))])


@pytest.mark.parametrize("name,country,closest", [
    ("novosibirks", "RU", "novosibirsk"),
    ("sankt peterburk", "RU", "sankt peterburq"),
    ("omsk", "RU", "omsk"),
    ("pavlodr", "KZ", "pavlodar"),
    ("chinjoo", "KR", None),
])
def test_fuzzy_matching_among_names_of_a_possible_length_finds_what_difflib_finds(name, country, closest):
    pool = gazetteer._names_by_country(country)
    everything = difflib.get_close_matches(name, pool, n=3, cutoff=gazetteer.FUZZY_CUTOFF)
    found = gazetteer._close_names(name, country)
    assert found == everything
    assert (found[0] if found else None) == closest

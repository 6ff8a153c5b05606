"""The gazetteer as its cache keeps it: read in an instant, unpacked only as far as it is used.

Reading the 310,000 names of cities15000 back into a dict, and 34,000 cities with all their
alternate names, took a third of a second, more than building the bundled Omsk tables; most
table sets look up a few hundred names. So the cache holds texts and arrays, which read at once:

- the name index as the sorted names in one text with their offsets, which :class:`NameIndex`
  bisects (once a table set has asked for thousands of names, it turns itself into a dict);
- the cities as plain rows, their alternate names in one text, which :class:`Cities` turns into
  city objects one by one as they are asked for.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate, chain

DICT_AFTER = 5_000  # look-ups after which a dict pays for itself
_MISSING = object()


class NameIndex(Mapping[str, tuple[int, ...]]):
    """GeoNames ids by normalised name, read-only.

    >>> index = NameIndex.from_plain(NameIndex.to_plain({"omsk": (1496153,), "orel": (515012, 1)}))
    >>> index["omsk"], index.get("orel"), "moscow" in index
    ((1496153,), (515012, 1), False)
    """

    def __init__(self, text: str, starts: array, ids: array, id_starts: array):
        self._text = text  # the names, sorted, each followed by a line break
        self._starts = starts  # where each name starts in the text, and where the text ends
        self._ids = ids  # the ids of every name, one name after the other
        self._id_starts = id_starts
        self._names = _SortedNames(text, starts)
        self._dict: dict[str, tuple[int, ...]] | None = None
        self._lookups = 0

    @staticmethod
    def to_plain(index: Mapping[str, tuple[int, ...]]) -> tuple[str, bytes, bytes, bytes]:
        """The index as a text and three arrays of bytes (folded names hold no line break)."""
        names = sorted(index)
        ids = [index[name] for name in names]
        starts = array("q", [0, *accumulate(len(name) + 1 for name in names)])
        id_starts = array("q", [0, *accumulate(map(len, ids))])
        text = "\n".join(names) + "\n" if names else ""
        return text, starts.tobytes(), array("q", chain.from_iterable(ids)).tobytes(), id_starts.tobytes()

    @classmethod
    def from_plain(cls, plain: tuple[str, bytes, bytes, bytes]) -> NameIndex:
        text, *arrays = plain
        starts, ids, id_starts = (array("q", data) for data in arrays)
        return cls(text, starts, ids, id_starts)

    def get(self, name, default=None):
        if self._dict is None:
            self._lookups += 1
            if self._lookups <= DICT_AFTER:
                position = bisect_left(self._names, name)
                if position < len(self._names) and self._names[position] == name:
                    return tuple(self._ids[self._id_starts[position]:self._id_starts[position + 1]])
                return default
            self._as_dict()
        return self._dict.get(name, default)

    def __getitem__(self, name: str) -> tuple[int, ...]:
        ids = self.get(name, _MISSING)
        if ids is _MISSING:
            raise KeyError(name)
        return ids

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._as_dict())

    def keys(self):
        return self._as_dict().keys()

    def values(self):
        return self._as_dict().values()

    def items(self):
        return self._as_dict().items()

    def _as_dict(self) -> dict[str, tuple[int, ...]]:
        if self._dict is None:
            names = self._text.split("\n")[:-1]
            ids, id_starts = self._ids.tolist(), self._id_starts.tolist()
            self._dict = {
                name: tuple(ids[id_starts[i]:id_starts[i + 1]]) for i, name in enumerate(names)
            }
        return self._dict


class _SortedNames:
    """The names of the text as a sequence, for bisection."""

    def __init__(self, text: str, starts: array):
        self._text = text
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: int) -> str:
        return self._text[self._starts[i]:self._starts[i + 1] - 1]


NAME_SEPARATOR = "\x1f"  # the unit separator: never part of a place name


class Cities(Mapping[int, object]):
    """Cities by GeoNames id, each made by ``make(*row, names)`` when first asked for.

    >>> cities = Cities.from_plain(Cities.to_plain([(1, "Omsk", "RU", ("Omsk", "Омск"))]), lambda *a: a)
    >>> cities[1], len(cities), cities.names_of(1)
    ((1, 'Omsk', 'RU', ('Omsk', 'Омск')), 1, ('Omsk', 'Омск'))
    """

    def __init__(self, rows: list[tuple], names_text: str, name_starts: array, make: Callable):
        self.rows = rows  # (GeoNames id, ...) without the names
        self._names_text = names_text
        self._name_starts = name_starts
        self._make = make
        self._position = {row[0]: i for i, row in enumerate(rows)}
        self._made: dict[int, object] = {}

    @staticmethod
    def to_plain(rows: list[tuple]) -> tuple[list[tuple], str, bytes]:
        """Rows whose last item is the tuple of names, as rows without them, a text and bytes."""
        texts = [NAME_SEPARATOR.join(row[-1]) + NAME_SEPARATOR if row[-1] else "" for row in rows]
        text = "".join(texts)
        if text.count(NAME_SEPARATOR) != sum(len(row[-1]) for row in rows):
            raise ValueError("a place name holds the separator")
        starts = array("q", [0, *accumulate(map(len, texts))])
        return [row[:-1] for row in rows], text, starts.tobytes()

    @classmethod
    def from_plain(cls, plain: tuple[list[tuple], str, bytes], make: Callable) -> Cities:
        rows, names_text, starts = plain
        return cls(rows, names_text, array("q", starts), make)

    def names_of(self, geonames_id: int) -> tuple[str, ...]:
        i = self._position[geonames_id]
        text = self._names_text[self._name_starts[i]:self._name_starts[i + 1]]
        return tuple(text.split(NAME_SEPARATOR)[:-1])

    def __getitem__(self, geonames_id: int):
        city = self._made.get(geonames_id)
        if city is None:
            row = self.rows[self._position[geonames_id]]  # KeyError: not a city of the gazetteer
            city = self._made[geonames_id] = self._make(*row, self.names_of(geonames_id))
        return city

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[int]:
        return iter(self._position)

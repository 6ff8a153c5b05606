"""The derived graph: what the store computes from its own graphs after every write.

Lookups and rankings that would otherwise scan the whole graph on every query are answered from a
named graph of their own (``graph/derived``), rebuilt by the store as part of each write (load,
build, replace), so it is never stale and never edited by hand:

- ``ckg:nameKey``: every name of every place, folded (:func:`name_key`), so that a city given by
  name is one index lookup instead of a comparison with every label of the store;
- ``ckg:partnerCount`` and ``ckg:partnerRank``: each place's number of partners and its rank by
  them, for the ``top-partners`` question;
- ``ckg:participantTotal`` and ``ckg:delegationTotal``: each event's participants and delegations
  summed over its participations, for the ``events`` question (a sum per event inside a query
  about one city made the engine sum again for every event it returns).

The same function serves the embedded store and a SPARQL server: it only needs to run SELECT
queries (the ``derive-*`` queries of ``queries/system``).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from citykg.ontology import namespace as ns
from citykg.queries import load_query

XSD_INTEGER = NamedNode(ns.XSD + "integer")
GRAPH = NamedNode(ns.DERIVED_GRAPH)
NAME_KEY = NamedNode(ns.CKG + "nameKey")
PARTNER_COUNT = NamedNode(ns.CKG + "partnerCount")
PARTNER_RANK = NamedNode(ns.CKG + "partnerRank")
TOTALS = (NamedNode(ns.CKG + "participantTotal"), NamedNode(ns.CKG + "delegationTotal"))


def name_key(name: str) -> str:
    """A name as lookups compare it: lower case, ``ё`` as ``е`` (as SPARQL's ``LCASE`` would).

    >>> name_key("Орёл") == name_key("ОРЕЛ")
    True
    """
    return name.lower().replace("ё", "е")


def derived_quads(select: Callable[[str], Iterable]) -> Iterator[Quad]:
    """The derived graph's quads, computed with ``select`` (query text -> rows of terms)."""
    seen = set()
    for place, name in select(load_query("derive-place-names", "system").text):
        key = (place, name_key(name.value))
        if key not in seen:  # "Omsk"@en and "Omsk"@de fold to one key
            seen.add(key)
            yield Quad(place, NAME_KEY, Literal(key[1]), GRAPH)
    counts = [(place, int(count.value))
              for place, count in select(load_query("derive-partner-counts", "system").text)]
    counts.sort(key=lambda pair: -pair[1])
    rank = 0
    for position, (place, count) in enumerate(counts, start=1):
        if position == 1 or count != counts[position - 2][1]:
            rank = position
        yield Quad(place, PARTNER_COUNT, Literal(str(count), datatype=XSD_INTEGER), GRAPH)
        yield Quad(place, PARTNER_RANK, Literal(str(rank), datatype=XSD_INTEGER), GRAPH)
    for event, *sums in select(load_query("derive-event-totals", "system").text):
        for predicate, total in zip(TOTALS, sums):
            if total is not None:
                yield Quad(event, predicate, total, GRAPH)

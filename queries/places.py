"""Which place a city parameter names: a name, a name with its country, a GeoNames or Wikidata id, or an IRI.

A name that several places share (Paris, France and Paris, Texas) never binds them all: that would
mix their partners silently. It is an :class:`AmbiguousPlaceError` that lists the candidates with
what tells them apart (country, population, coordinates, identifiers) and the forms that pick one:
``Paris, FR``, ``Paris, France``, ``geonames:2988507``, ``Q90`` or the IRI.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from citykg.errors import CitykgError
from citykg.graph.derive import name_key
from citykg.loaders.gazetteer import GEONAMES_IRI, normalise_name, resolve_country
from citykg.ontology import namespace as ns

from . import load_query
from .sparql_text import with_values

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
GEONAMES_ID = re.compile(r"(?i)(?:geonames:|https?://sws\.geonames\.org/)(\d+)/?")
WIKIDATA_ID = re.compile(r"(?i)(?:wd:|https?://www\.wikidata\.org/(?:entity|wiki)/)?(Q\d+)")


@dataclass(frozen=True)
class Candidate:
    """One of the places a name matches, with what tells it apart from its namesakes."""

    iri: str
    name: str
    country: str | None
    country_code: str | None
    population: int | None
    latitude: float | None
    longitude: float | None
    geonames: str | None  # "geonames:2988507"
    wikidata: str | None  # "Q90"

    @property
    def pick(self) -> str:
        """The shortest parameter value that names this place and no other of its namesakes."""
        return self.geonames or self.wikidata or self.iri

    def describe(self) -> str:
        facts = [self.country or "country unknown"]
        if self.population:
            facts.append(f"population {self.population:,}")
        if self.latitude is not None and self.longitude is not None:
            facts.append(f"at {self.latitude:.2f}, {self.longitude:.2f}")
        return f"{self.name} ({', '.join(facts)}): {self.pick}"


class AmbiguousPlaceError(CitykgError):
    """A name that matches several places; ``candidates`` says which, largest first."""

    def __init__(self, value: str, candidates: list[Candidate], parameter: str | None = None):
        self.value, self.candidates, self.parameter = value, candidates, parameter
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = self.candidates[:10]
        lines = [f"  {c.describe()}" for c in shown]
        if len(self.candidates) > len(shown):
            lines.append(f"  ... and {len(self.candidates) - len(shown)} more")
        example = next((c for c in self.candidates if c.country_code), None)
        picks = f"'{self.value}, {example.country_code}' or '{self.value}, {example.country}', " if example else ""
        which = f"parameter {self.parameter}: " if self.parameter else ""
        return (f"{which}'{self.value}' names {len(self.candidates)} places; pick one by "
                f"{picks}a GeoNames id (geonames:ID), a Wikidata id (Q...) or the IRI:\n" + "\n".join(lines))


def _select(store, system_query: str, values: dict) -> list:
    return list(store.query(with_values(load_query(system_query, "system").text, values)))


def places_named(store, name: str) -> list[NamedNode]:
    """Every place with this name (any language; case and ё/е aside)."""
    # the derived graph's name keys answer from an index; comparing every label of the store is
    # left for stores without that graph (filled by another tool)
    found = [row[0] for row in _select(store, "place-by-name", {"_key": [Literal(name_key(name))]})]
    return found or [row[0] for row in _select(store, "place-by-label", {"_name": [Literal(name)]})]


def places_same_as(store, iri: str) -> list[NamedNode]:
    """The places stated to be the GeoNames or Wikidata entity ``iri``."""
    return [row[0] for row in _select(store, "place-by-same-as", {"_same": [NamedNode(iri)]})]


def candidates(store, places: list[NamedNode]) -> list[Candidate]:
    """What tells these places apart, largest population first."""
    if not places:
        return []
    found = []
    for row in _select(store, "place-candidates", {"_place": places}):
        place, name, country, code, population, lat, long, same_as = (row[i] for i in range(8))
        others = same_as.value.split() if same_as is not None else []
        geonames = next((f"geonames:{m[1]}" for o in others if (m := GEONAMES_ID.fullmatch(o))), None)
        wikidata = next((o.rsplit("/", 1)[-1] for o in others if o.startswith(WIKIDATA_ENTITY)), None)
        found.append(Candidate(
            place.value, name.value if name is not None else place.value.rsplit("/", 1)[-1],
            country.value if country is not None else None, code.value if code is not None else None,
            int(population.value) if population is not None else None,
            float(lat.value) if lat is not None else None, float(long.value) if long is not None else None,
            geonames, wikidata,
        ))
    return sorted(found, key=lambda c: (-(c.population or 0), c.name, c.iri))


def _in_country(candidate: Candidate, qualifier: str) -> bool:
    text = qualifier.strip()
    if candidate.country_code and text.upper() == candidate.country_code:
        return True
    country = resolve_country(text)
    if country is not None and country.code == candidate.country_code:
        return True
    return bool(candidate.country) and normalise_name(text) == normalise_name(candidate.country)


def matching_places(store, value: str, *, countries_too: bool = True) -> list[NamedNode]:
    """The places ``value`` names: one, several namesakes, or none.

    ``countries_too`` False leaves a country out when places of the same name are there as well
    (a city parameter "Luxembourg" is the city, not the country).
    """
    text = value.strip()
    if (match := GEONAMES_ID.fullmatch(text)) is not None:
        own = NamedNode(ns.geonames_place(int(match[1])))
        return places_same_as(store, GEONAMES_IRI.format(match[1])) or _places_among(store, [own])
    if (match := WIKIDATA_ID.fullmatch(text)) is not None:
        return places_same_as(store, WIKIDATA_ENTITY + match[1].upper())
    found = places_named(store, text)
    if not found and "," in text:
        # "Paris, FR", "Paris, France": the name, then its country
        name, qualifier = (part.strip() for part in text.rsplit(",", 1))
        found = [NamedNode(c.iri) for c in candidates(store, places_named(store, name)) if _in_country(c, qualifier)]
    if not countries_too and len(found) > 1:
        countries = {row[0] for row in _select(store, "places-among", {"_place": found}) if row[1] is not None}
        found = [p for p in found if p not in countries] or found
    return found


def _places_among(store, resources: list[NamedNode]) -> list[NamedNode]:
    return [row[0] for row in _select(store, "places-among", {"_place": resources})]


def find_place(store, value: str, parameter: str | None = None, *, countries_too: bool = True) -> NamedNode:
    """The one place ``value`` names; an error that lists the candidates when it names several."""
    found = matching_places(store, value, countries_too=countries_too)
    if len(found) == 1:
        return found[0]
    which = f"parameter {parameter}: " if parameter else ""
    if not found:
        raise CitykgError(f"{which}no place named '{value}' in the store{suggestion(store, value)}")
    raise AmbiguousPlaceError(value, candidates(store, found), parameter)


def suggestion(store, value: str) -> str:
    """' (did you mean ...?)' with close names, namesakes told apart by their country."""
    names = [row[0].value for row in store.query(load_query("place-names", "network").text)]
    close = difflib.get_close_matches(value, sorted(set(names)), n=3, cutoff=0.75)
    if not close:
        return ""
    shown = []
    for name in close:
        places = candidates(store, places_named(store, name))
        if len(places) > 1:
            shown += [f"{name}, {c.country_code or c.pick}" for c in places[:3]]
        else:
            shown.append(name)
    return f" (did you mean {' or '.join(shown)}?)"

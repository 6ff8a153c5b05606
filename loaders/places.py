"""Place resolution at scale: tens of thousands of place names from foreign tables to one node each.

A foreign table names a place as its authors wrote it ("Georgia (country)", "Esch (Haaren)",
"Garching b.München", "Landkreis Kulmbach"), with a country written any which way ("England",
"Martinique, France", "Japa") and sometimes coordinates. :class:`PlaceResolver` turns each mention
into a :class:`PlaceOutcome`: a GeoNames city, an ISO 3166 region or country, or a place the
gazetteer lacks (named by country and name, so that sources merge on it), with its class, how it
was found, and the candidates it could not choose between.

Mentions are resolved once per distinct spelling, so a table of 26,000 pairs costs about as many
look-ups as it has distinct places. Everything is offline: the name index comes from
:func:`citykg.loaders.gazetteer.city_index`, countries and regions from pycountry.
"""

from __future__ import annotations

import difflib
import gettext
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

from citykg.ontology import namespace as ns

from .countries import CountryReading, read_country
from .gazetteer import City, _spelling_variants, city_index, normalise_name, resolve_country

# The gazetteer foreign tables are resolved against: GeoNames places of at least 1,000 people.
# The Omsk tables keep the smaller cities15000 index; twin towns are often villages.
DEFAULT_MIN_POPULATION = 1000
# How far a gazetteer city may lie from the table's coordinates and still be the place meant.
DEFAULT_MAX_DISTANCE_KM = 30.0
FUZZY_CUTOFF = 0.88
# Similarity a nearby gazetteer city's name needs when the name itself is not in the index.
NEARBY_NAME_CUTOFF = 0.75
# A namesake at least this share of the size of the most populous one makes a bare name (no
# coordinates, no parent) ambiguous: most wrong matches in the hand checks were such names.
RIVAL_SHARE = 0.2
# How far apart two unresolved places of one name and country must lie (by the table's
# coordinates) to be kept as two places.
APART_KM = 25.0
# How alike each word of two names must be for them to count as one name spelled two ways.
WORD_CUTOFF = 0.75
NEARBY_KM = 10.0

# Words that say a name is an administrative area, not a settlement (normalised, any language the
# shipped tables use). A name made only of such words in brackets ("Kulmbach (district)") or
# carrying one as a separate word ("Landkreis Kulmbach", "Kyoto Prefecture") is a region.
REGION_WORDS = frozenset(
    """
    district county region province provincia prefecture state oblast krai kray voivodeship
    wojewodschaft wojewodztwo department departement governorate canton kanton kreis landkreis
    verbandsgemeinde verwaltungsgemeinschaft samtgemeinde amt gmina powiat parish communaute
    comarca raion rayon okrug regierungsbezirk bezirk arrondissement landschaftsverband
    """.split()
)
# Phrases that may stand around a region word without being part of the region's name.
REGION_FILLER = frozenset("rural urban de des communes of the".split())
COUNTRY_WORDS = frozenset({"country", "nation"})
# Words in brackets that only say the place is a town ("Viersen, Stadt").
CITY_WORDS = frozenset({"city", "town", "stadt", "kreisstadt", "village", "municipality", "gemeinde", "markt"})

# Abbreviations in place names, each tried spelled out (whole words, normalised).
ABBREVIATIONS = {
    "st": ("saint", "sankt", "san"),
    "saint": ("st", "sankt"),
    "sankt": ("saint", "st"),
    "ste": ("sainte",),
    "sainte": ("ste",),
    "mt": ("mount",),
    "ft": ("fort",),
    "b": ("bei",),
    "i": ("im", "in"),
    "a": ("am", "an"),
    "a d": ("an der",),
    "v d": ("vor der",),
}

# Territories that sources file under another country ("Martinique, France"): a city of either
# counts as in the stated country.
RELATED_COUNTRIES = {
    "FR": ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"),
    "US": ("PR", "GU", "AS", "VI", "MP", "UM"),
    "GB": ("GG", "JE", "IM", "GI", "BM", "FK", "KY", "VG", "AI", "MS", "TC", "SH"),
    "NL": ("AW", "CW", "SX", "BQ"),
    "DK": ("FO", "GL"),
    "NO": ("SJ",),
    "FI": ("AX",),
    "CN": ("HK", "MO"),
    "AU": ("NF", "CX", "CC"),
    "NZ": ("CK", "NU", "TK"),
}
# A city whose own name matches is preferred to one this many times bigger that has the name only
# as an alternate name.
OWN_NAME_ADVANTAGE = 5
# How far from its parent city a district named "X (Parent)" may lie when it is the only X. At
# 300 km, a third of such matches were another place (Yongsan of Seoul taken for a village 160 km
# away); at 100 km they agree with the geocoded list 98% of the time (benchmarks/precision.py).
PARENT_REACH_KM = 100.0
# A city this big, alone with its name in its country, is believed over coordinates that put
# the place elsewhere.
TRUSTED_NAME_POPULATION = 100_000
# Places whose country the sources and GeoNames may well disagree on: a match across these
# borders is kept and the disagreement reported (Simferopol: RU in a source, UA in GeoNames).
DISPUTED = frozenset(
    frozenset(pair)
    for pair in (("RU", "UA"), ("IL", "PS"), ("RS", "XK"), ("GE", "RU"), ("MD", "RU"), ("CY", "TR"),
                 ("MA", "EH"), ("CN", "TW"), ("AZ", "AM"))
)

# GeoNames cities that are a place's own, not its namesakes': used to write ckg:resolutionMethod.
VOCABULARY_METHOD = {
    "geonames-id": "explicit-id",
    "name": "name",
    "name+coordinates": "name",
    "name+parent": "name",
    "variant": "variant",
    "variant+coordinates": "variant",
    "variant+parent": "variant",
    "alternate": "variant",
    "fuzzy": "fuzzy",
    "nearby": "fuzzy",
    "iso-3166-2": "name",
    "unresolved": "unresolved",
    "ambiguous": "unresolved",
}


# How much each rule's matches can be trusted, from the hand checks in docs/mappings.md: an
# identifier or a code is certain; a name with coordinates near the gazetteer's, or near its parent
# city, nearly so; a bare name picks the most populous namesake, which the checks found right
# about 97% of the time; spellings and other names a little less; near misses least.
RULE_CONFIDENCE = {
    "geonames-id": 1.0, "iso-3166-1": 1.0, "iso-3166-2": 0.95,
    "name+coordinates": 0.98, "name+parent": 0.95, "name": 0.9,
    "variant+coordinates": 0.95, "variant+parent": 0.9, "variant": 0.85, "alternate": 0.85,
    "nearby": 0.75, "fuzzy": 0.6, "ambiguous": 0.0, "unresolved": 0.0,
}


# --- names -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedName:
    """A place name taken apart: the name proper, what the brackets and commas add, its kind."""

    text: str  # as written, trimmed
    base: str  # the name without brackets, comma parts or region words
    context: tuple[str, ...] = ()  # bracket and comma parts that are names (a parent, an alias)
    kind: str | None = None  # "region", "country" or "city" when the name says so


def _is_words(text: str, words: frozenset[str]) -> bool:
    tokens = normalise_name(text).split()
    return bool(tokens) and any(t in words for t in tokens) and all(
        t in words or t in REGION_FILLER for t in tokens
    )


def parse_place_name(text: str) -> ParsedName:
    """Take a place name apart.

    >>> parse_place_name("Georgia (country)")
    ParsedName(text='Georgia (country)', base='Georgia', context=(), kind='country')
    >>> parse_place_name("Esch (Haaren)")
    ParsedName(text='Esch (Haaren)', base='Esch', context=('Haaren',), kind=None)
    >>> parse_place_name("Haaren -- Esch").context
    ('Haaren',)
    >>> parse_place_name("Landkreis Kulmbach")
    ParsedName(text='Landkreis Kulmbach', base='Kulmbach', context=(), kind='region')
    >>> parse_place_name("Viersen (Kreis) (Viersen, Stadt)").kind
    'region'
    """
    text = " ".join(text.split())
    pieces = [p.strip() for p in re.findall(r"\(([^()]*)\)", text)]
    base = re.sub(r"\s*\([^()]*\)", " ", text)
    base = base.replace("(", " ").replace(")", " ")
    # "Haaren -- Esch", "Seoul – Mapo": the parent first, then the place
    parts = [p for p in re.split(r"\s+(?:--|–|—)\s+", base) if p.strip()]
    if len(parts) > 1:
        *parents, base = parts
        pieces = [*parents, *pieces]
    for separator in (",", "/"):
        if separator in base:
            head, *rest = base.split(separator)
            if head.strip():
                base = head
                pieces.extend(rest)
    pieces = [" ".join(p.split()) for piece in pieces for p in piece.split(",")]
    base = " ".join(base.split()).strip(" -")
    kind = None
    context = []
    for piece in pieces:
        if not piece:
            continue
        if _is_words(piece, COUNTRY_WORDS):
            kind = kind or "country"
        elif _is_words(piece, REGION_WORDS):
            kind = "region" if kind != "country" else kind
        elif _is_words(piece, CITY_WORDS):
            kind = kind or "city"
        elif normalise_name(piece) != normalise_name(base):
            context.append(piece)
    words = base.split()
    if len(words) > 1:
        kept = [w for w in words if normalise_name(w) not in REGION_WORDS]
        if kept and len(kept) < len(words):
            kind = kind or "region"
            base = " ".join(kept).strip(" -")
    # "Brussels-Capital Region": a region word joined by a hyphen
    tokens = normalise_name(base).split()
    if kind is None and len(tokens) > 1 and tokens[-1] in REGION_WORDS and "-" in base:
        kind = "region"
    return ParsedName(text, base or text, tuple(dict.fromkeys(context)), kind)


def name_keys(name: str) -> list[str]:
    """The normalised name and its spelled-out abbreviations and transcription variants.

    >>> name_keys("St. Petersburg")[:3]
    ['st petersburg', 'saint petersburg', 'sankt petersburg']
    >>> "garching bei munchen" in name_keys("Garching b.München")
    True
    """
    key = normalise_name(name)
    if not key:
        return []
    keys = [key]
    words = key.split()
    for i in range(len(words)):
        for span in (2, 1):
            short = " ".join(words[i : i + span])
            if len(words[i : i + span]) == span and short in ABBREVIATIONS:
                for long in ABBREVIATIONS[short]:
                    keys.append(" ".join([*words[:i], long, *words[i + span :]]))
    keys.extend(_spelling_variants(key))
    return list(dict.fromkeys(keys))


# Words after which a German, French or Slavic name only says where the place lies
# ("Königsberg i. Bay.", "Lubaczów b. Przemysl", "Bečov nad Teplou").
LOCATORS = frozenset("b bei a am an ad i im in ob nad pod sur sous les upon on".split())


def shortened_key(name: str) -> str | None:
    """The name cut before a locating phrase, when it has one.

    >>> shortened_key("Königsberg i.Bay.")
    'konigsberg'
    """
    words = normalise_name(name).split()
    for i, word in enumerate(words[1:], start=1):
        if word in LOCATORS:
            return " ".join(words[:i])
    return None


# --- countries ---------------------------------------------------------------------------


def _alpha3(code: str) -> str:
    record = pycountry.countries.get(alpha_2=code)
    return record.alpha_3.lower() if record else ""


@lru_cache(maxsize=None)
def related_countries(code: str | None) -> frozenset[str]:
    if code is None:
        return frozenset()
    related = {code, *RELATED_COUNTRIES.get(code, ())}
    related |= {main for main, others in RELATED_COUNTRIES.items() if code in others}
    return frozenset(related)


# --- regions (ISO 3166-2) ----------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2
    name: str
    country: str


@lru_cache(maxsize=1)
def _regions_by_name() -> dict[tuple[str, str], Region]:
    translations = [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("en", "de", "fr", "ru")
    ]
    found: dict[tuple[str, str], Region] = {}
    for sub in pycountry.subdivisions:
        region = Region(sub.code, sub.name, sub.country_code)
        names = {sub.name, *(t.gettext(sub.name) for t in translations)}
        for name in names:
            for key in {normalise_name(name), normalise_name(parse_place_name(name).base)}:
                found.setdefault((sub.country_code, key), region)
    return found


def find_region(name: str, country: str | None) -> Region | None:
    """An ISO 3166-2 subdivision of ``country`` by name in English, German, French, Russian or its own.

    >>> find_region("Bavaria", "DE").code
    'DE-BY'
    """
    if not country:
        return None
    regions = _regions_by_name()
    for key in name_keys(name):
        region = regions.get((country, key))
        if region:
            return region
    return None


# --- the gazetteer, indexed for scale ------------------------------------------------------


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


class Gazetteer:
    """The GeoNames cities of one population threshold, with a grid for nearest-city searches."""

    CELL = 0.25  # degrees

    def __init__(self, min_population: int):
        self.min_population = min_population
        self.cities, self.index = city_index(min_population)
        self._grid: dict[tuple[int, int], list[City]] | None = None
        self._buckets: dict[tuple[str, str], list[str]] | None = None

    def lookup(self, keys) -> list[City]:
        seen: dict[int, City] = {}
        for key in keys:
            for gid in self.index.get(key, ()):
                seen.setdefault(gid, self.cities[gid])
        return list(seen.values())

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return int(math.floor(lat / self.CELL)), int(math.floor(lon / self.CELL))

    def near(self, lat: float, lon: float, km: float) -> list[tuple[float, City]]:
        """Cities within ``km`` of a point, nearest first."""
        if self._grid is None:
            grid: dict[tuple[int, int], list[City]] = defaultdict(list)
            for city in self.cities.values():
                grid[self._cell(city.latitude, city.longitude)].append(city)
            self._grid = dict(grid)
        # a box around the point first: comparisons are cheap, great-circle distances are not
        box_lat = km / 111.0
        box_lon = km / (111.0 * max(0.05, math.cos(math.radians(lat))))
        dlat = int(box_lat / self.CELL) + 1
        dlon = int(box_lon / self.CELL) + 1
        row, col = self._cell(lat, lon)
        found = []
        for r in range(row - dlat, row + dlat + 1):
            for c in range(col - dlon, col + dlon + 1):
                for city in self._grid.get((r, c), ()):
                    if abs(city.latitude - lat) > box_lat or abs(city.longitude - lon) > box_lon:
                        continue
                    d = distance_km(lat, lon, city.latitude, city.longitude)
                    if d <= km:
                        found.append((d, city))
        found.sort(key=lambda pair: pair[0])
        return found

    def fuzzy(self, key: str, countries: frozenset[str]) -> list[City]:
        """Cities of these countries with a name close to ``key`` (same first two letters)."""
        if self._buckets is None:
            country_of = {gid: city.country for gid, city in self.cities.items()}
            buckets: dict[tuple[str, str], list[str]] = defaultdict(list)
            for name, ids in self.index.items():
                if len(ids) == 1:
                    buckets[(country_of[ids[0]], name[:2])].append(name)
                else:
                    for country in {country_of[i] for i in ids}:
                        buckets[(country, name[:2])].append(name)
            self._buckets = dict(buckets)
        pool = [name for c in countries for name in self._buckets.get((c, key[:2]), ())]
        close = difflib.get_close_matches(key, pool, n=3, cutoff=FUZZY_CUTOFF)
        return [c for c in self.lookup(close) if c.country in countries]


@lru_cache(maxsize=4)
def gazetteer(min_population: int = DEFAULT_MIN_POPULATION) -> Gazetteer:
    return Gazetteer(min_population)


# --- resolution --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceMention:
    """A place as one row of a foreign table names it."""

    name: str
    country: str = ""  # as written
    name_ru: str | None = None  # a second label; not used to resolve
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: int | None = None
    wikidata: str | None = None
    kind: str = "auto"  # auto | city | region | country
    brackets: str = "auto"  # what "(...)" after a name is: auto | parent | alternate
    may_name_country: bool = False  # the mapping says the name cell may be a country's name
    population: int | None = None  # the table's population, kept for places the gazetteer lacks
    coordinates_label: str | None = None  # the place a geocoder found for the coordinates


@dataclass
class PlaceOutcome:
    """Where a mention resolved to, and how."""

    iri: str
    place_class: str  # City | Region | Country | Place
    status: str  # resolved | ambiguous | unresolved
    method: str
    label: str  # the name as the source writes it
    country: str | None  # ISO code of the source's country
    city: City | None = None
    region: Region | None = None
    candidates: list[City] = field(default_factory=list)
    parent: PlaceOutcome | None = None
    country_as_written: str | None = None  # a historical, disputed or unknown country cell, verbatim
    population: int | None = None  # the table's, for a place the gazetteer lacks
    country_conflict: str | None = None
    notes: list[str] = field(default_factory=list)
    latitude: float | None = None  # the table's coordinates, kept for places the gazetteer lacks
    longitude: float | None = None
    wikidata: str | None = None  # the Wikidata item the table gives (Q...)
    label_ru: str | None = None

    @property
    def confidence(self) -> float:
        """How far the match can be trusted, by its rule (see RULE_CONFIDENCE); lower when the
        place was matched by its name alone because the table's country could not be read."""
        base = RULE_CONFIDENCE.get(self.method, 0.5)
        if self.status == "resolved" and self.country_as_written and self.country is None:
            base *= 0.8
        return round(base, 2)

    @property
    def vocabulary_method(self) -> str | None:
        """The ckg:resolutionMethod value (the ontology's coarser vocabulary); None for countries."""
        if self.place_class == "Country":
            return None
        return VOCABULARY_METHOD.get(self.method, "variant")


@dataclass
class _Choice:
    city: City | None
    how: str = ""  # "", "+coordinates", "+parent"
    ambiguous: list[City] = field(default_factory=list)
    conflict: str | None = None


class PlaceResolver:
    """Resolves mentions against one gazetteer; remembers each distinct mention's outcome."""

    def __init__(self, min_population: int = DEFAULT_MIN_POPULATION, max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
                 *, fuzzy: bool = False):
        self.gazetteer = gazetteer(min_population)
        self.max_km = max_distance_km
        # off by default: the gazetteer lacks many small towns, so a close spelling is most often
        # another town (Waldbronn is not Waldbrunn); see docs/mappings.md for its measured precision
        self.fuzzy = fuzzy
        self._memo: dict[PlaceMention, PlaceOutcome] = {}
        self._item_of: dict[str, str] = {}  # IRI -> the Wikidata item that has it
        self._point_of: dict[str, tuple[float, float]] = {}  # unresolved IRI -> where the table puts it

    def resolve(self, mention: PlaceMention) -> PlaceOutcome:
        outcome = self._memo.get(mention)
        if outcome is None:
            outcome = self._memo[mention] = self._kept_apart(mention, self._resolve(mention))
            outcome.wikidata = mention.wikidata
            outcome.label_ru = mention.name_ru
            outcome.population = mention.population
        return outcome

    def _kept_apart(self, m: PlaceMention, outcome: PlaceOutcome) -> PlaceOutcome:
        """The outcome with an IRI of its own where the table tells two places apart that resolved
        to one: by their Wikidata items, or by coordinates far apart (two villages called Nienhagen)."""
        if m.wikidata and outcome.place_class != "Country":
            owner = self._item_of.setdefault(outcome.iri, m.wikidata)
            if outcome.status != "resolved" or owner != m.wikidata:
                # the item decides identity: never two items on one node
                if owner != m.wikidata and outcome.city is not None:
                    outcome.notes.append(f"{m.wikidata} and {owner} both matched {outcome.city.name} "
                                         f"(geonames:{outcome.city.geonames_id}); {m.wikidata} is kept apart by its item")
                outcome.iri = ns.wikidata_place(m.wikidata)
                if outcome.city is not None:
                    outcome.candidates = [outcome.city]
                    outcome.city, outcome.status, outcome.method = None, "ambiguous", "ambiguous"
                self._item_of[outcome.iri] = m.wikidata
            return outcome
        point = (outcome.latitude, outcome.longitude)
        if outcome.city is None and point[0] is not None:
            first = self._point_of.setdefault(outcome.iri, point)
            if distance_km(*first, *point) > APART_KM:
                outcome.iri = f"{outcome.iri}-{point[0]:.3f}-{point[1]:.3f}".replace(".", "_")
                outcome.notes.append(f"{outcome.label} at {point[0]:.3f}, {point[1]:.3f} lies "
                                     f"{distance_km(*first, *point):.0f} km from its namesake in the table: kept apart")
        return outcome

    # -- steps ----------------------------------------------------------------------------

    def _resolve(self, m: PlaceMention) -> PlaceOutcome:
        reading = read_country(m.country) if m.country else CountryReading(None)
        code = reading.code
        notes = [reading.note] if reading.note else []
        parsed = parse_place_name(m.name)
        kind = m.kind if m.kind != "auto" else parsed.kind
        point = (m.latitude, m.longitude) if m.latitude is not None and m.longitude is not None else None
        label = " ".join(m.name.split())
        if point is not None and m.coordinates_label is not None and not _geocoded_as(parsed, m.coordinates_label):
            notes.append(f"the coordinates are those of '{m.coordinates_label}', not of {label}; ignored")
            point = None

        def outcome(**kw) -> PlaceOutcome:
            kw.setdefault("country", code)
            result = PlaceOutcome(label=label, **kw)
            result.notes.extend(notes)
            if reading.status in ("historical", "disputed", "unknown"):
                # the source's words stay in the graph beside whatever state they were read as
                result.country_as_written = " ".join(m.country.split())
            return result

        if m.geonames_id is not None:
            city = self.gazetteer.cities.get(m.geonames_id) or _city_by_id(m.geonames_id)
            if city is not None:
                conflict = city.country if code and city.country not in related_countries(code) else None
                return outcome(iri=ns.geonames_place(city.geonames_id), place_class="City", status="resolved",
                               method="geonames-id", city=city, candidates=[city], country_conflict=conflict)
            notes.append(f"GeoNames id {m.geonames_id} is not in the offline gazetteer")

        if kind == "country":
            found = read_country(parsed.base).code or code
            if found:
                return outcome(iri=ns.country(found), place_class="Country", status="resolved",
                               method="iso-3166-1", country=found)

        if code is None and reading.successors and kind not in ("region", "country"):
            # a state that split (Czechoslovakia): the place is in whichever successor has it
            for successor in reading.successors:
                trial = self._resolve_city(parsed, successor, point, m.brackets)
                if trial.city is not None and trial.city.country == successor:
                    code = successor
                    break

        match = _Match()
        if kind not in ("region", "country"):
            match = self._resolve_city(parsed, code, point, m.brackets)
            notes.extend(match.notes)
            if match.city is not None:
                return outcome(iri=ns.geonames_place(match.city.geonames_id), place_class="City",
                               status="resolved", method=match.method, city=match.city,
                               candidates=match.candidates, country_conflict=match.conflict,
                               parent=match.parent)
        parent, ambiguous = match.parent, match.candidates

        # not a city of the gazetteer: a region, a country, or a place the gazetteer lacks
        if kind in (None, "region"):
            region = find_region(parsed.base, code) or (find_region(m.name, code) if kind == "region" else None)
            if region is not None:
                return outcome(iri=ns.unresolved_place(region.country, f"{region.name} region"),
                               place_class="Region", status="resolved", method="iso-3166-2",
                               region=region, country=region.country)
        if kind is None and not ambiguous and not parsed.context and m.may_name_country:
            # a country's name (never a bare code: "Ee" is a Dutch village), and not a town of
            # another country that the row names ("Jordan, Philippines")
            found = resolve_country(parsed.base)
            if found is not None and normalise_name(parsed.base) in (normalise_name(found.code), _alpha3(found.code)):
                found = None
            if found is not None and code is not None and found.code != code:
                found = None
            if found is not None:
                return outcome(iri=ns.country(found.code), place_class="Country", status="resolved",
                               method="iso-3166-1", country=found.code)
        if kind == "region":
            # a region needs its country (ckgsh:RegionShape); without one it is only a place
            return outcome(iri=ns.unresolved_place(code, f"{parsed.base} region"),
                           place_class="Region" if code else "Place",
                           status="unresolved", method="unresolved", latitude=_lat(point), longitude=_lon(point))
        # a bracket that tells namesakes apart ("Stolberg (Rhineland)", "Stolberg (Südharz)") stays
        # in the node's name, so that the two do not become one node
        name = (parsed.base if not parsed.context else label) if parent is None else f"{parsed.base} ({parent.label})"
        place_class = "Place" if parent is not None or code is None else "City"
        return outcome(iri=ns.unresolved_place(code, name), place_class=place_class,
                       status="ambiguous" if ambiguous else "unresolved",
                       method="ambiguous" if ambiguous else "unresolved",
                       candidates=ambiguous, parent=parent, latitude=_lat(point), longitude=_lon(point))

    def _resolve_city(self, parsed: ParsedName, code, point, brackets) -> _Match:
        """Find the GeoNames city a name stands for, trying ever looser readings of the name."""
        full_keys = name_keys(parsed.text)
        base_keys = name_keys(parsed.base)
        notes: list[str] = []
        # 1. the name exactly as written, brackets and all ("Frankfurt (Oder)", "Halle (Saale)")
        if full_keys and full_keys[:1] != base_keys[:1]:
            candidates = self.gazetteer.lookup(full_keys[:1])
            choice = self._choose(candidates, code, point, notes)
            if choice.city:
                return _Match(choice.city, "name" + choice.how, candidates, choice.conflict, notes=notes)
        # 2. the name proper, then its spelled-out variants, near the parent when there is one
        parent = parent_point = None
        if parsed.context and brackets != "alternate":
            parent = self._parent(parsed.context, code)
            if parent is not None:
                parent_point = (parent.city.latitude, parent.city.longitude)
        # a name cut before "sur", "bei", "nad"... names another, bigger place: only coordinates
        # can tell whether the table means it ("Königsberg i. Bay." yes, "Joigny-sur-Meuse" no)
        short = shortened_key(parsed.base) if point is not None else None
        tiers = (("name", base_keys[:1]), ("variant", base_keys[1:] + full_keys[1:]), ("variant", [short] if short else []))
        for method, keys in tiers:
            candidates = self.gazetteer.lookup(keys)
            if not candidates:
                continue
            if parent_point is not None:
                near_parent = [
                    c for c in candidates
                    if c.geonames_id != parent.city.geonames_id
                    and distance_km(*parent_point, c.latitude, c.longitude) <= self.max_km
                ]
                if not near_parent:
                    # a district of a large city or a gazetteer point put off (Suginami): the one
                    # namesake in the country within reach of the parent
                    near_parent = list({
                        c.geonames_id: c for c in candidates
                        if c.country == code and c.geonames_id != parent.city.geonames_id
                        and distance_km(*parent_point, c.latitude, c.longitude) <= PARENT_REACH_KM
                    }.values())
                    near_parent = near_parent if len(near_parent) == 1 else []
                choice = self._choose(near_parent, code, point, notes) if near_parent else _Choice(None)
                if choice.city:
                    return _Match(choice.city, method + "+parent", near_parent, choice.conflict, parent, notes)
                continue
            # "Stolberg (Rhineland)", "Lagoa, Azores": the source says which namesake it means, in
            # words the gazetteer cannot read; the most populous namesake would be a guess
            choice = self._choose(candidates, code, point, notes, guess=not parsed.context, key=keys[0])
            if choice.city:
                return _Match(choice.city, method + choice.how, candidates, choice.conflict, notes=notes)
            if choice.ambiguous:
                return _Match(None, "ambiguous", choice.ambiguous, notes=notes)
        # 3. a bracket that is another name of the place ("Czestochowa (Tschenstochau)")
        if parsed.context and (brackets == "alternate" or (brackets == "auto" and parent is None)):
            keys = [k for piece in parsed.context for k in name_keys(piece)]
            candidates = self.gazetteer.lookup(keys)
            if point is None:
                # without coordinates, only a name that looks like the place's own: "Svitary
                # (Zwittau)" is Svitavy; "Hautvillers (Champagne)" is not Champagne-sur-Seine
                candidates = [c for c in candidates if _looks_like(parsed.base, c)]
            choice = self._choose(candidates, code, point, notes)
            if choice.city:
                return _Match(choice.city, "alternate", candidates, choice.conflict, notes=notes)
        # 4. a near miss: a like-named city near the coordinates, or a close spelling in the country
        if point is not None:
            city = self._nearby_namesake(parsed.base, code, point)
            if city is not None:
                return _Match(city, "nearby", [city], notes=notes)
        elif self.fuzzy and code is not None and parent_point is None and base_keys:
            # the stated country only, and the names must agree word by word
            candidates = [c for c in self.gazetteer.fuzzy(base_keys[0], frozenset({code}))
                          if _names_agree(parsed.base, c.name)]
            choice = self._choose(candidates, code, None, notes)
            if choice.city:
                return _Match(choice.city, "fuzzy", candidates, notes=notes)
        return _Match(None, "unresolved", [], parent=parent, notes=notes)

    def _parent(self, context: tuple[str, ...], code) -> PlaceOutcome | None:
        """The first bracket or comma part that is a city of the same country ("Stari Grad (Sarajevo)")."""
        related = related_countries(code)
        for piece in context:
            candidates = self.gazetteer.lookup(name_keys(piece))
            in_country = [c for c in candidates if not code or c.country in related]
            if in_country:
                city = max(in_country, key=lambda c: c.population)
                return PlaceOutcome(iri=ns.geonames_place(city.geonames_id), place_class="City",
                                    status="resolved", method="name", label=piece, country=code, city=city)
        return None

    def _choose(self, candidates: list[City], code, point, notes: list[str], guess: bool = True,
                key: str | None = None) -> _Choice:
        """Pick the city among namesakes: the nearest to the table's coordinates, else the most
        populous in the stated country (unless ``guess`` is off); a lone namesake across a border
        only where the border is disputed."""
        if not candidates:
            return _Choice(None)
        related = related_countries(code)
        pool = [c for c in candidates if c.country in related] if code else list(candidates)
        if point is not None:
            scored = sorted(
                ((distance_km(point[0], point[1], c.latitude, c.longitude), c) for c in (pool or candidates)),
                key=lambda pair: pair[0],
            )
            if scored[0][0] <= self.max_km:
                city = scored[0][1]
                conflict = city.country if code and city.country not in related else None
                return _Choice(city, "+coordinates", conflict=conflict)
            near_enough = [(d, c) for d, c in scored if d <= 3 * self.max_km and c.population >= 15_000]
            if near_enough and (code is None or near_enough[0][1].country == code):
                # a town the geocoder put a little off (Samborondón, 30 km): the nearest sizeable one
                distance, city = near_enough[0]
                notes.append(f"{city.name} lies {distance:.0f} km from the table's coordinates")
                return _Choice(city, "+coordinates")
            only = {c.geonames_id: c for c in pool if c.country == code}
            if len(only) == 1 and next(iter(only.values())).population >= TRUSTED_NAME_POPULATION:
                # a big city alone with its name in its country: the geocoder erred, not the name
                # ("Palma de Mallorca" put on a street of that name in Seville)
                city = next(iter(only.values()))
                notes.append(f"coordinates {point[0]:.4f}, {point[1]:.4f} lie {scored[0][0]:.0f} km from "
                             f"{city.name}, the only {city.country} place of that name; the name is trusted")
                return _Choice(city)
            if self._credible(point, code):
                # the name is known, but not near where the table puts the place: a namesake
                return _Choice(None, ambiguous=_by_population(pool or candidates))
            notes.append(f"coordinates {point[0]:.4f}, {point[1]:.4f} lie outside {code}; ignored")
        # by name alone, the stated country itself before its territories ("Saint-Denis, France"
        # is not the bigger Saint-Denis of Réunion; "Stanley, Falkland Islands" not Stanley, Durham)
        pool = [c for c in pool if c.country == code] or pool
        if pool:
            if (code is None or not guess) and len({c.geonames_id for c in pool}) > 1:
                return _Choice(None, ambiguous=_by_population(pool))
            chosen = _most_likely(pool, key)
            if point is None and _has_rival(chosen, pool, key):
                # Bloomington, Minnesota or Bloomington, Indiana: namesakes of a like size, and
                # nothing in the row to choose between them
                return _Choice(None, ambiguous=_by_population(pool))
            return _Choice(chosen)
        distinct = {c.geonames_id: c for c in candidates}
        if len(distinct) == 1:
            city = next(iter(distinct.values()))
            if frozenset((city.country, code)) in DISPUTED:
                return _Choice(city, conflict=city.country)
        return _Choice(None, ambiguous=_by_population(candidates))

    def _credible(self, point, code) -> bool:
        """Coordinates are believed unless every gazetteer place near them is in another country
        (geocoders put an unknown name at some namesake abroad)."""
        if code is None:
            return True
        nearby = self.gazetteer.near(point[0], point[1], self.max_km)
        if not nearby:
            return True
        related = related_countries(code)
        return any(c.country in related or frozenset((c.country, code)) in DISPUTED for _, c in nearby)

    def _nearby_namesake(self, base: str, code, point) -> City | None:
        key = normalise_name(base)
        if not key:
            return None
        related = related_countries(code)
        best, best_score = None, NEARBY_NAME_CUTOFF
        for _, city in self.gazetteer.near(point[0], point[1], NEARBY_KM):
            if code and city.country not in related:
                continue
            for name in {city.name, *city.names}:
                other = normalise_name(name)
                if not other or other[0] != key[0] or not _names_agree(key, other):
                    continue
                score = difflib.SequenceMatcher(None, key, other).ratio()
                if score > best_score:
                    best, best_score = city, score
        return best


def _names_agree(a: str, b: str) -> bool:
    """Whether two names are spellings of one name, word by word: "Kharkov" and "Kharkiv" are,
    "Prague 1" and "Prague", "Vilassar de Dalt" and "Vilassar de Mar" are not (a neighbour close by
    is often named after the same place)."""
    words_a, words_b = normalise_name(a).split(), normalise_name(b).split()
    if len(words_a) != len(words_b):
        return False
    return all(x == y or (not x.isdigit() and not y.isdigit() and x[0] == y[0]
                          and difflib.SequenceMatcher(None, x, y).ratio() >= WORD_CUTOFF)
               for x, y in zip(words_a, words_b))


@dataclass
class _Match:
    city: City | None = None
    method: str = "unresolved"
    candidates: list[City] = field(default_factory=list)
    conflict: str | None = None
    parent: PlaceOutcome | None = None
    notes: list[str] = field(default_factory=list)


def _geocoded_as(parsed: ParsedName, geocoded: str) -> bool:
    """Whether a geocoder's label ("Kostroma, Костромская область, Russia") names the place, so
    that its coordinates are the place's ("Europe, Rouffach, ..." for Péronne is not)."""
    found = normalise_name(geocoded.split(",")[0])
    if not found:
        return False
    names = {k for text in (parsed.text, parsed.base, *parsed.context) for k in name_keys(text)}
    return any(found.startswith(n) or n.startswith(found) for n in names) or any(
        difflib.SequenceMatcher(None, found, n).ratio() >= 0.85 for n in names
    )


def _looks_like(name: str, city: City, cutoff: float = 0.6) -> bool:
    key = normalise_name(name)
    return any(
        difflib.SequenceMatcher(None, key, normalise_name(other)).ratio() >= cutoff
        for other in {city.name, *city.names}
        if other.isascii() or not key.isascii()
    )


def _most_likely(pool: list[City], key: str | None) -> City:
    """The most populous namesake, but a city whose own name it is beats a bigger one that only
    has it as an alternate name ("Kearney": Kearney, Nebraska, not Kearny, New Jersey), unless
    that one is far bigger."""
    biggest = max(pool, key=lambda c: c.population)
    if key is None:
        return biggest
    own = [c for c in pool if normalise_name(c.name) == key]
    if own:
        best_own = max(own, key=lambda c: c.population)
        if best_own.population * OWN_NAME_ADVANTAGE >= biggest.population:
            return best_own
    return biggest


def _has_rival(chosen: City, pool: list[City], key: str | None) -> bool:
    """Whether another place of the same name is nearly as big as the one chosen by size."""
    others = [c for c in pool if c.geonames_id != chosen.geonames_id and (key is None or normalise_name(c.name) == key)]
    return any(c.population >= RIVAL_SHARE * chosen.population for c in others)


def _by_population(cities: list[City]) -> list[City]:
    return sorted({c.geonames_id: c for c in cities}.values(), key=lambda c: -c.population)


def _lat(point):
    return point[0] if point else None


def _lon(point):
    return point[1] if point else None


@lru_cache(maxsize=None)
def _city_by_id(geonames_id: int) -> City | None:
    """A city outside the resolver's threshold, from the largest index (an explicit id is trusted)."""
    cities, _ = city_index(500)
    return cities.get(geonames_id)


# --- the report --------------------------------------------------------------------------


@dataclass
class ResolutionSummary:
    """Counts of one source's distinct places by status, method and class."""

    source: str
    status: Counter = field(default_factory=Counter)
    method: Counter = field(default_factory=Counter)
    place_class: Counter = field(default_factory=Counter)

    def add(self, outcome: PlaceOutcome) -> None:
        self.status[outcome.status] += 1
        self.method[outcome.method] += 1
        self.place_class[outcome.place_class] += 1

    @property
    def total(self) -> int:
        return sum(self.status.values())

    def share(self, status: str = "resolved") -> float:
        return self.status[status] / self.total if self.total else 0.0

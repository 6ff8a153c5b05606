"""Foreign tables through declarative mappings: a YAML or TOML file says which columns name the
parties, their countries, the kind and the year; this module streams the table's rows into quads.

One row of a foreign table is one partnership between two places. Each row is cited as a
``ckg:Passage`` (its text, its line in the file); the partnership node is named after the pair of
places (:func:`citykg.ontology.namespace.partnership`), so the same pair from several sources is
one node with one ``prov:wasDerivedFrom`` link per row that states it, each source's claims in its
own named graph. ``docs/mappings.md`` describes the mapping format.

The table is read as a stream: quads are produced row by row (``MappedTable.graphs`` holds
generators that the store consumes), so a large file never sits in memory as quads. Every problem
is collected with file, row and column, and the load fails as a whole.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from citykg.errors import CitykgError, TableError, TableSetError
from citykg.ontology import known_concepts
from citykg.ontology import namespace as ns

from .check import parse_date
from .gazetteer import country_by_code
from .lookups import LookupSpec, read_lookups
from .places import (
    DEFAULT_MAX_DISTANCE_KM,
    DEFAULT_MIN_POPULATION,
    PlaceMention,
    PlaceOutcome,
    PlaceResolver,
    ResolutionSummary,
)

# the terms both writers use are defined once, beside the table-set writer
from .to_rdf import A, DERIVED, LABEL, SAME_AS, XSD_DECIMAL, XSD_INTEGER  # noqa: E402

SEE_ALSO = NamedNode(ns.RDFS + "seeAlso")
NOTATION = NamedNode(ns.SKOS + "notation")
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

REVIEW_METHODS = frozenset({"variant", "fuzzy", "unresolved"})
MAX_ERRORS = 100  # a table this broken is the wrong table or the wrong mapping: stop reading
PARTY_FIELDS = ("name", "name_ru", "country", "latitude", "longitude", "coordinates_label", "geonames_id", "wikidata", "population",
                "kind", "brackets",
                "may_name_country")
PLACE_KINDS = ("auto", "city", "region", "country")
BRACKETS = ("auto", "parent", "alternate")
CONCEPT_FIELDS = ("id", "scheme", "label_en", "label_ru", "label_de", "broader", "definition_en", "definition_ru")


@lru_cache(maxsize=None)
def ckg(local: str) -> NamedNode:
    return NamedNode(ns.CKG + local)


def integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD_INTEGER)


class MappingError(CitykgError):
    """A mapping file that cannot be used: says which file, which key, and what was expected."""

    def __init__(self, file: str, key: str, message: str):
        self.file, self.key = file, key
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


# --- the mapping -------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """Where a field's value comes from: a column (its cell, maybe through a value map) or a constant."""

    column: str | None = None
    constant: str | None = None
    values: dict[str, str] | None = None  # cell -> value
    format: str | None = None  # strptime format of a date column
    lookup: str | None = None  # the lookup file that maps the cell to the value

    def read(self, cells: dict[str, str], lookups: dict[str, dict[str, str]] | None = None) -> str:
        if self.column is None:
            return self.constant or ""
        cell = cells.get(self.column, "")
        if self.lookup is not None and cell:
            table = (lookups or {}).get(self.lookup, {})
            if cell not in table:
                raise ValueError(f"'{cell}' is not a key of the lookup '{self.lookup}'")
            cell = table[cell]
        if self.values is None:
            return cell
        if cell not in self.values:
            known = ", ".join(repr(k) for k in self.values)
            raise ValueError(f"'{cell}' is not in the mapping's value map (expected one of {known})")
        return self.values[cell]


@dataclass(frozen=True)
class Party:
    name: Value
    name_ru: Value | None = None  # a Russian name, kept as a second label
    country: Value | None = None
    latitude: Value | None = None
    longitude: Value | None = None
    coordinates_label: Value | None = None  # what a geocoder matched: coordinates count only if it is the place
    geonames_id: Value | None = None
    wikidata: Value | None = None
    population: Value | None = None  # the table's population, kept for places the gazetteer lacks
    kind: Value = Value(constant="auto")
    brackets: str = "auto"
    may_name_country: bool = False  # a name cell that is a country's name is the country


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file."""

    file: str
    source: str | None
    document: dict[str, str]
    delimiter: str | None
    encoding: str
    header_row: int
    header: bool  # False: no header row; columns are named by position (#1, #2, ...)
    skip_rows: frozenset[int]
    skip_when: tuple[tuple[str, str | None], ...]  # (column, value; None: the cell is empty)
    min_population: int
    max_distance_km: float
    label_language: str
    parties: tuple[Party, Party]
    kind: Value
    year: Value | None
    date: Value | None
    concepts: tuple[dict[str, str], ...]
    fuzzy: bool = False  # the close-spelling rule (off by default: see docs/mappings.md)
    lookups: dict[str, LookupSpec] = field(default_factory=dict)

    @property
    def positions(self) -> list[int]:
        """The column positions (1-based) the mapping reads by number."""
        return sorted({int(column[1:]) for column, _ in self.columns() if column.startswith("#")})

    def columns(self) -> list[tuple[str, str]]:
        """Every column the mapping reads, with the key that names it."""
        found = []
        for i, party in enumerate(self.parties):
            for name in PARTY_FIELDS[:-2]:  # brackets and may_name_country name no column
                value = getattr(party, name)
                if value is not None and value.column:
                    found.append((value.column, f"parties[{i}].{name}"))
        for name in ("kind", "year", "date"):
            value = getattr(self, name)
            if value is not None and value.column:
                found.append((value.column, f"agreement.{name}"))
        found.extend((column, "table.skip_when") for column, _ in self.skip_when)
        return found


def is_rml(path: Path) -> bool:
    """RML mappings (Turtle) go to Morph-KGC; YAML and TOML mappings are citykg's own."""
    return path.suffix.lower() in (".ttl", ".rml", ".nt") or path.name.lower().endswith((".rml.ttl", ".r2rml.ttl"))


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a YAML (``.yaml``/``.yml``) or TOML (``.toml``) mapping file."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise MappingError(str(path), "", "no such mapping file")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise MappingError(name, "", f"unknown mapping format '{suffix}': expected .yaml, .yml or .toml (or an RML .ttl)")
    except MappingError:
        raise
    except Exception as exc:  # the parsers' own errors carry line and column
        raise MappingError(name, "", f"is not valid {suffix.lstrip('.').upper()}: {exc}") from None
    return parse_mapping(data, name)


def parse_mapping(data, file: str = "<mapping>") -> Mapping:
    """A mapping from its parsed YAML/TOML data; every key is checked."""
    section = _Section(data, file, "")
    section.known("citykg-mapping", "source", "document", "table", "places", "parties", "agreement", "concepts", "lookups")
    table = section.section("table")
    table.known("delimiter", "encoding", "header", "header_row", "skip_rows", "skip_when")
    places = section.section("places")
    places.known("min_population", "max_distance_km", "label_language", "fuzzy")
    agreement = section.section("agreement", required=True)
    agreement.known("kind", "year", "date")
    document = section.section("document")
    document.known("title", "publisher", "language", "url", "licence", "year")
    concepts = tuple(_concept(c, file, f"concepts[{i}]") for i, c in enumerate(section.list("concepts")))

    raw_parties = section.list("parties", required=True)
    if len(raw_parties) != 2:
        raise MappingError(file, "parties", f"expected exactly two parties (one row is one pair), found {len(raw_parties)}")
    parties = tuple(_party(p, file, f"parties[{i}]") for i, p in enumerate(raw_parties))

    kind = agreement.value("kind", required=True)
    known = set(known_concepts()["agreement-kind"]) | {c["id"] for c in concepts if c["scheme"] == "agreement-kind"}
    for value in ([kind.constant] if kind.column is None else list((kind.values or {}).values())):
        if value not in known:
            raise MappingError(file, "agreement.kind", f"'{value}' is not an agreement kind: expected one of {', '.join(sorted(known))} (or define it under concepts)")
    if kind.column is not None and kind.values is None:
        raise MappingError(file, "agreement.kind", "a kind read from a column needs a value map ('values') from the cells to agreement kinds")

    skip_when = []
    for i, rule in enumerate(table.list("skip_when")):
        rule_section = _Section(rule, file, f"table.skip_when[{i}]")
        rule_section.known("column", "equals", "empty")
        column = rule_section.text("column", required=True)
        if rule_section.get("empty") is True:
            skip_when.append((column, None))
        elif rule_section.get("equals") is not None:
            skip_when.append((column, str(rule_section.get("equals"))))
        else:
            raise MappingError(file, f"table.skip_when[{i}]", "expected 'equals: VALUE' or 'empty: true'")

    if table.get("header") not in (None, True, False):
        raise MappingError(file, "table.header", f"'{table.get('header')}' is not true or false")
    lookups = _lookups(section.section("lookups"), file)
    for column, key in _used_lookups(parties, agreement):
        if column not in lookups:
            raise MappingError(file, key, f"joins the lookup '{column}', which 'lookups' does not declare")

    encoding = table.text("encoding") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise MappingError(file, "table.encoding", f"unknown encoding '{encoding}'") from None
    delimiter = table.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise MappingError(file, "table.delimiter", f"expected one character, got {delimiter!r}")
    return Mapping(
        file=file,
        source=section.text("source"),
        document={k: str(v) for k, v in (document.data or {}).items()},
        delimiter=delimiter,
        encoding=encoding,
        header_row=table.integer("header_row", 1, minimum=1),
        header=table.get("header") is not False,
        skip_rows=frozenset(table.integer_list("skip_rows")),
        skip_when=tuple(skip_when),
        min_population=places.integer("min_population", DEFAULT_MIN_POPULATION, minimum=0),
        max_distance_km=float(places.number("max_distance_km", DEFAULT_MAX_DISTANCE_KM)),
        label_language=places.text("label_language") or (document.text("language") or "en"),
        parties=parties,
        kind=kind,
        year=agreement.value("year"),
        date=agreement.value("date"),
        concepts=concepts,
        fuzzy=_flag(places, "fuzzy"),
        lookups=lookups,
    )


def _lookups(section: _Section, file: str) -> dict[str, LookupSpec]:
    found = {}
    for name in section.data:
        spec = _Section(section.get(name), file, f"lookups.{name}")
        spec.known("key", "value", "header", "delimiter", "encoding")
        columns = {}
        for field_name in ("key", "value"):
            raw = spec.get(field_name)
            if isinstance(raw, bool) or not isinstance(raw, (int, str)) or raw == "":
                raise MappingError(file, f"lookups.{name}.{field_name}", "is required: a column name or a position (1, 2, ...)")
            columns[field_name] = _column_name(raw, file, f"lookups.{name}.{field_name}")
        found[str(name)] = LookupSpec(str(name), columns["key"], columns["value"], header=_flag(spec, "header", True),
                                      delimiter=spec.text("delimiter"), encoding=spec.text("encoding") or "utf-8")
    return found


def _used_lookups(parties, agreement) -> Iterator[tuple[str, str]]:
    for i, party in enumerate(parties):
        for name in PARTY_FIELDS[:-2]:
            value = getattr(party, name)
            if value is not None and value.lookup:
                yield value.lookup, f"parties[{i}].{name}"


def _column_name(raw, file: str, key: str) -> str:
    """A column as the mapping names it: its header name, or its position (1 is the first) as "#1"."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 1:
            raise MappingError(file, key, f"column position {raw}: positions start at 1")
        return f"#{raw}"
    return str(raw)


def _flag(section: _Section, name: str, default: bool = False) -> bool:
    value = section.get(name)
    if value not in (None, True, False):
        raise MappingError(section.file, section._name(name), f"'{value}' is not true or false")
    return default if value is None else value


def _party(data, file: str, key: str) -> Party:
    section = _Section(data, file, key)
    section.known(*PARTY_FIELDS)
    brackets = section.text("brackets") or "auto"
    if brackets not in BRACKETS:
        raise MappingError(file, f"{key}.brackets", f"'{brackets}' is not one of {', '.join(BRACKETS)}")
    may_name_country = _flag(section, "may_name_country")
    kind = section.value("kind") or Value(constant="auto")
    for value in [kind.constant] if kind.column is None else list((kind.values or {}).values()):
        if value not in PLACE_KINDS:
            raise MappingError(file, f"{key}.kind", f"'{value}' is not one of {', '.join(PLACE_KINDS)}")
    return Party(
        name=section.value("name", required=True),
        name_ru=section.value("name_ru"),
        country=section.value("country"),
        latitude=section.value("latitude"),
        longitude=section.value("longitude"),
        coordinates_label=section.value("coordinates_label"),
        geonames_id=section.value("geonames_id"),
        wikidata=section.value("wikidata"),
        population=section.value("population"),
        kind=kind,
        brackets=brackets,
        may_name_country=bool(may_name_country),
    )


def _concept(data, file: str, key: str) -> dict[str, str]:
    section = _Section(data, file, key)
    section.known(*CONCEPT_FIELDS)
    concept = {k: str(v) for k, v in section.data.items()}
    for required in ("id", "scheme", "label_en"):
        if not concept.get(required):
            raise MappingError(file, f"{key}.{required}", "is required")
    if concept["scheme"] not in ns.CONCEPT_SCHEMES:
        raise MappingError(file, f"{key}.scheme", f"'{concept['scheme']}' is not one of {', '.join(ns.CONCEPT_SCHEMES)}")
    return concept


class _Section:
    """One table of the mapping file, read with errors that name the key."""

    def __init__(self, data, file: str, key: str):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise MappingError(file, key or "(top level)", f"expected a table of keys, got {type(data).__name__}")
        self.data, self.file, self.key = data, file, key

    def _name(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def known(self, *names: str) -> None:
        for name in self.data:
            if name not in names:
                raise MappingError(self.file, self._name(str(name)), f"unknown key: expected one of {', '.join(names)}")

    def get(self, name: str):
        return self.data.get(name)

    def section(self, name: str, required: bool = False) -> _Section:
        if required and name not in self.data:
            raise MappingError(self.file, self._name(name), "is required")
        return _Section(self.data.get(name), self.file, self._name(name))

    def list(self, name: str, required: bool = False) -> list:
        value = self.data.get(name)
        if value is None:
            if required:
                raise MappingError(self.file, self._name(name), "is required")
            return []
        if not isinstance(value, list):
            raise MappingError(self.file, self._name(name), f"expected a list, got {type(value).__name__}")
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise MappingError(self.file, self._name(name), "is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise MappingError(self.file, self._name(name), f"expected text, got {type(value).__name__}")
        return str(value)

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.data.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise MappingError(self.file, self._name(name), f"expected a whole number of at least {minimum}, got {value!r}")
        return value

    def number(self, name: str, default: float) -> float:
        value = self.data.get(name, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise MappingError(self.file, self._name(name), f"expected a positive number, got {value!r}")
        return value

    def integer_list(self, name: str) -> list[int]:
        values = self.list(name)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise MappingError(self.file, self._name(name), "expected a list of line numbers")
        return values

    def value(self, name: str, required: bool = False) -> Value | None:
        """A column name (text), or ``{value: X}``, or ``{column: C, values: {...}, format: F}``."""
        raw = self.data.get(name)
        key = self._name(name)
        if raw is None:
            if required:
                raise MappingError(self.file, key, "is required: a column name, or {value: ...}")
            return None
        if isinstance(raw, str) or (isinstance(raw, int) and not isinstance(raw, bool)):
            return Value(column=_column_name(raw, self.file, key))
        if not isinstance(raw, dict):
            raise MappingError(self.file, key, f"expected a column name or a table with 'column' or 'value', got {raw!r}")
        section = _Section(raw, self.file, key)
        section.known("column", "value", "values", "format", "lookup")
        if ("column" in raw) == ("value" in raw):
            raise MappingError(self.file, key, "give either 'column' (read each row's cell) or 'value' (a constant)")
        if "value" in raw:
            return Value(constant=str(raw["value"]))
        values = raw.get("values")
        if values is not None:
            if not isinstance(values, dict):
                raise MappingError(self.file, f"{key}.values", "expected a table from cell values to values")
            values = {("" if k is None else str(k)): str(v) for k, v in values.items()}
        column = raw.get("column")
        if column is None or column == "" or isinstance(column, bool):
            raise MappingError(self.file, f"{key}.column", "is required: a column name or a position (1, 2, ...)")
        return Value(column=_column_name(column, self.file, f"{key}.column"), values=values,
                     format=section.text("format"), lookup=section.text("lookup"))


# --- reading the table -------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """A binary file that reports how many bytes have been read, for the progress bar."""

    def __init__(self, handle, on_bytes: Callable[[int], None] | None):
        self.handle, self.on_bytes = handle, on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.handle.readinto(buffer)
        if count and self.on_bytes:
            self.on_bytes(count)
        return count


def _check_encoding(path: Path, encoding: str) -> None:
    """A UTF-8 file that a mapping says is in a one-byte encoding would load as mojibake silently."""
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    if sample.isascii():
        return
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not merely a character cut at the sample's end
            return
    raise TableError(
        path.name,
        f"the mapping says the file is {encoding}, but it is UTF-8: set 'encoding: utf-8' in the mapping",
    )


def read_rows(
    path: Path, mapping: Mapping, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[int, list[str], dict[str, str]]]:
    """(line number, record, cells by column) for each data row, streamed; raises TableError."""
    delimiter = mapping.delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    encoding = "utf-8-sig" if codecs.lookup(mapping.encoding).name == "utf-8" else mapping.encoding
    _check_encoding(path, mapping.encoding)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(io.BufferedReader(_CountingReader(raw, on_bytes)), encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        start = 1
        header: list[str] | None = None if mapping.header else []
        positions = mapping.positions
        try:
            for record in reader:
                line, start = start, reader.line_num + 1
                if header is None:
                    if line == mapping.header_row:
                        header = [h.strip() for h in record]
                        _check_columns(path, mapping, header, line)
                    continue
                if line in mapping.skip_rows or not any(c.strip() for c in record):
                    continue
                if header and len(record) > len(header) and any(c.strip() for c in record[len(header):]):
                    raise TableError(path.name, f"has {len(record)} cells but the header has {len(header)} columns", row=line)
                if positions and positions[-1] > len(record):
                    raise TableError(path.name, f"the row has {len(record)} cells, but the mapping reads column {positions[-1]}",
                                     row=line, column=f"#{positions[-1]}")
                cells = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}
                for position in positions:
                    cells[f"#{position}"] = record[position - 1].strip()
                yield line, record, cells
        except UnicodeDecodeError:
            line, byte = _first_undecodable_line(path, encoding)
            raise TableError(
                path.name,
                f"cannot be read as {mapping.encoding} (byte {byte!r}): "
                "the file is in another encoding; set 'table.encoding' in the mapping",
                row=line,
            ) from None
        except csv.Error as exc:
            raise TableError(path.name, f"is not valid CSV: {exc}", row=start) from None
        if header is None:
            raise TableError(path.name, f"the file is empty: expected a header row on line {mapping.header_row}")
        if not mapping.header and start == 1:
            raise TableError(path.name, "the file is empty")


def _first_undecodable_line(path: Path, encoding: str) -> tuple[int, bytes]:
    """The line and byte where decoding fails (the decoder reads ahead, so it cannot say)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return number, exc.object[exc.start:exc.start + 1]
    return 0, b""


def _check_columns(path: Path, mapping: Mapping, header: list[str], line: int) -> None:
    missing = [(column, key) for column, key in mapping.columns() if column not in header and not column.startswith("#")]
    if missing:
        column, key = missing[0]
        raise TableError(
            path.name,
            f"the mapping ({mapping.file}, {key}) names column '{column}', which the file does not have; "
            f"its columns are: {', '.join(header)}",
            row=line,
            column=column,
        )


# --- rows to quads -----------------------------------------------------------------------


@dataclass
class RowProblem:
    errors: list[TableError] = field(default_factory=list)
    stopped_at: int | None = None


@dataclass
class MappedTable:
    """A foreign table read through a mapping, ready for the store.

    ``graphs`` gives fresh generators each time it is read: the source's named graph first, then
    the gazetteer graph (which needs every place of the table, so it must be consumed second).
    The counters and ``places`` fill up while the generators run.
    """

    path: Path
    mapping: Mapping
    source: str
    resolver: PlaceResolver
    on_bytes: Callable[[int], None] | None = None
    rows: int = 0
    agreements: set[str] = field(default_factory=set)
    places: dict[str, PlaceOutcome] = field(default_factory=dict)  # IRI -> first outcome
    outcomes: dict[tuple, PlaceOutcome] = field(default_factory=dict)  # distinct mention -> outcome
    warnings: list[str] = field(default_factory=list)
    self_pairs: int = 0
    strict: bool = False  # a place the gazetteer lacks fails the load
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> key -> value

    @property
    def graph(self) -> str:
        return ns.source_graph(self.source)

    @property
    def graphs(self) -> dict[str, Iterator[Quad]]:
        return {self.graph: self._source_quads(), ns.GAZETTEER_GRAPH: self._gazetteer_quads()}

    @property
    def quad_count(self) -> int:  # what `citykg load` reports; known only after a load
        return self._quad_count

    _quad_count: int = 0

    def summary(self) -> ResolutionSummary:
        summary = ResolutionSummary(self.source)
        for outcome in self.outcomes.values():
            summary.add(outcome)
        return summary

    def materialise(self) -> dict[str, list[Quad]]:
        """Every graph as a list (small tables, tests)."""
        return {graph: list(quads) for graph, quads in self.graphs.items()}

    # -- the source graph -----------------------------------------------------------------

    def _source_quads(self) -> Iterator[Quad]:
        graph = NamedNode(self.graph)
        self._quad_count = 0
        self.rows, self.self_pairs = 0, 0
        self.agreements.clear()
        self.places.clear()
        self.outcomes.clear()
        self.warnings.clear()
        mapping = self.mapping
        language = mapping.label_language
        written_places: set[str] = set()
        written_labels: set[tuple[str, str]] = set()
        problems = RowProblem()

        def quad(s, p, o) -> Quad:
            self._quad_count += 1
            return Quad(s, p, o, graph)

        dataset = NamedNode(ns.dataset(self.source))
        document = NamedNode(ns.entity(self.source, "document"))
        yield from (quad(*t) for t in self._header_triples(dataset, document))
        text_buffer = io.StringIO()
        row_writer = csv.writer(text_buffer, delimiter=mapping.delimiter or ",", lineterminator="")

        for line, record, cells in read_rows(self.path, mapping, self.on_bytes):
            if self._skipped(cells):
                continue
            try:
                parties, kind, year, date = self._read_row(line, cells)
            except TableError as exc:
                problems.errors.append(exc)
                if len(problems.errors) >= MAX_ERRORS:
                    problems.stopped_at = line
                    break
                continue
            if problems.errors:
                continue  # keep checking the rest, write nothing more
            self.rows += 1
            outcomes = [self._resolve(mention) for mention in parties]
            for outcome in outcomes:
                if outcome.iri not in written_places:
                    written_places.add(outcome.iri)
                    written_labels.add((outcome.iri, outcome.label))
                    yield from (quad(*t) for t in self._place_triples(outcome, language, written_places))
                elif (outcome.iri, outcome.label) not in written_labels:
                    # another spelling of a place already written ("St. Gallen", "Sankt Gallen")
                    written_labels.add((outcome.iri, outcome.label))
                    yield quad(NamedNode(outcome.iri), LABEL, Literal(outcome.label, language=language))
            a, b = outcomes
            if a.iri == b.iri:
                self.self_pairs += 1
                self.warnings.append(
                    f"{self.path.name}, row {line}: '{parties[0].name}' and '{parties[1].name}' are the same "
                    f"place ({a.iri.rsplit('/', 1)[-1]}); the pair is left out"
                )
                continue
            text_buffer.seek(0)
            text_buffer.truncate()
            row_writer.writerow(record)
            passage = NamedNode(ns.entity(self.source, f"row-{line}"))
            yield quad(passage, A, ckg("Passage"))
            yield quad(passage, ckg("inDocument"), document)
            yield quad(passage, ckg("paragraph"), integer(line))
            yield quad(passage, ckg("quote"), Literal(text_buffer.getvalue(), language=language))
            yield quad(passage, LABEL, Literal(f"{self.path.name} row {line}"))
            node = NamedNode(ns.partnership(a.iri, b.iri))
            kind_node = NamedNode(ns.concept("agreement-kind", kind))
            yield quad(node, ckg("agreementKind"), kind_node)
            yield quad(node, DERIVED, passage)
            if node.value not in self.agreements:  # a pair listed again: only its new claims
                self.agreements.add(node.value)
                yield quad(node, A, ckg("Agreement"))
                first, second = sorted((a, b), key=lambda o: o.iri)
                yield quad(node, LABEL, Literal(f"{first.label} – {second.label}", language="en"))
                yield quad(node, ckg("party"), NamedNode(a.iri))
                yield quad(node, ckg("party"), NamedNode(b.iri))
                if a.place_class != "Country" and b.place_class != "Country" and not _part_of_other(a, b):
                    for x, y in ((a, b), (b, a)):
                        yield quad(NamedNode(x.iri), ckg("partnerOf"), NamedNode(y.iri))
                        if kind == "twinning":
                            yield quad(NamedNode(x.iri), ckg("twinnedWith"), NamedNode(y.iri))
            elif kind == "twinning" and a.place_class != "Country" and b.place_class != "Country" and not _part_of_other(a, b):
                for x, y in ((a, b), (b, a)):
                    yield quad(NamedNode(x.iri), ckg("twinnedWith"), NamedNode(y.iri))
            if date is not None:
                yield quad(node, ckg("dateSigned"), Literal(date[0], datatype=NamedNode(ns.XSD + date[1])))
            if year is not None:
                yield quad(node, ckg("year"), integer(year))
        if problems.errors:
            if problems.stopped_at is not None:
                problems.errors.append(
                    TableError(self.path.name, f"stopped reading after {MAX_ERRORS} problems", row=problems.stopped_at)
                )
            raise TableSetError(problems.errors)
        if self.rows == 0:
            raise TableError(self.path.name, "has no rows to load (after the mapping's skip rules)")
        if self.strict:
            missing = [(m, o) for m, o in self.outcomes.items() if o.status != "resolved"]
            if missing:
                raise TableSetError([
                    TableError(self.path.name, f"place '{m.name}' ({m.country or 'no country'}) is {o.status} in the gazetteer")
                    for m, o in missing
                ])

    def _header_triples(self, dataset, document):
        doc = self.mapping.document
        title = doc.get("title") or self.path.name
        language = doc.get("language") or self.mapping.label_language
        yield dataset, A, ckg("SourceDataset")
        yield dataset, LABEL, Literal(self.source)
        yield dataset, NamedNode(ns.DCTERMS + "source"), document
        yield document, A, ckg("SourceDocument")
        yield document, NamedNode(ns.DCTERMS + "title"), Literal(title, language=language)
        yield document, LABEL, Literal(title, language=language)
        yield document, NamedNode(ns.DCTERMS + "identifier"), Literal(self.path.name)
        if doc.get("publisher"):
            yield document, NamedNode(ns.DCTERMS + "publisher"), Literal(doc["publisher"])
        if doc.get("language"):
            yield document, NamedNode(ns.DCTERMS + "language"), Literal(doc["language"])
        if doc.get("url"):
            yield document, NamedNode(ns.DCTERMS + "source"), NamedNode(doc["url"])
        if doc.get("licence"):
            yield document, NamedNode(ns.DCTERMS + "license"), NamedNode(doc["licence"])
        if doc.get("year"):
            yield document, NamedNode(ns.DCTERMS + "issued"), Literal(doc["year"], datatype=NamedNode(ns.XSD + "gYear"))
        for concept in self.mapping.concepts:
            node = NamedNode(ns.concept(concept["scheme"], concept["id"]))
            yield node, A, NamedNode(ns.SKOS + "Concept")
            yield node, NamedNode(ns.SKOS + "inScheme"), NamedNode(ns.CONCEPT + concept["scheme"])
            yield node, NOTATION, Literal(concept["id"])
            for lang in ("en", "ru", "de"):
                if concept.get(f"label_{lang}"):
                    label = Literal(concept[f"label_{lang}"], language=lang)
                    yield node, NamedNode(ns.SKOS + "prefLabel"), label
                    yield node, LABEL, label
                if concept.get(f"definition_{lang}"):
                    yield node, NamedNode(ns.SKOS + "definition"), Literal(concept[f"definition_{lang}"], language=lang)
            if concept.get("broader"):
                yield node, NamedNode(ns.SKOS + "broader"), NamedNode(ns.concept(concept["scheme"], concept["broader"]))

    def _skipped(self, cells: dict[str, str]) -> bool:
        for column, value in self.mapping.skip_when:
            cell = cells.get(column, "")
            if (value is None and not cell) or (value is not None and cell == value):
                return True
        return False

    def _read_row(self, line: int, cells: dict[str, str]):
        """The two place mentions, the kind, the year and the date of one row; TableError if bad."""
        file = self.path.name

        def cell(value: Value | None, key: str) -> str:
            if value is None:
                return ""
            try:
                return value.read(cells, self.lookups)
            except ValueError as exc:
                raise TableError(file, str(exc), row=line, column=value.column or key) from None

        def number(value: Value | None, key: str, low: float, high: float) -> float | None:
            text = cell(value, key)
            if not text:
                return None
            try:
                result = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
            except ValueError:
                result = None
            if result is None or not low <= result <= high:
                raise TableError(file, f"'{text}' is not a {key} (a number from {low:g} to {high:g})", row=line, column=value.column)
            return result

        mentions = []
        for i, party in enumerate(self.mapping.parties):
            name = cell(party.name, "name")
            if not name:
                raise TableError(file, f"party {i + 1} has no name: every row needs both parties", row=line, column=party.name.column)
            gid = cell(party.geonames_id, "geonames_id")
            if gid and not gid.isdigit():
                raise TableError(file, f"'{gid}' is not a GeoNames id (a whole number)", row=line, column=party.geonames_id.column)
            qid = cell(party.wikidata, "wikidata").rsplit("/", 1)[-1]
            if qid and not (qid[0] == "Q" and qid[1:].isdigit()):
                raise TableError(file, f"'{qid}' is not a Wikidata item id (Q followed by digits)", row=line, column=party.wikidata.column)
            people = cell(party.population, "population").replace(",", "").replace(" ", "")
            if people and not people.isdigit():
                raise TableError(file, f"'{people}' is not a population (a whole number)", row=line, column=party.population.column)
            kind = cell(party.kind, "kind") or "auto"
            if kind not in PLACE_KINDS:
                raise TableError(file, f"'{kind}' is not a place kind: expected one of {', '.join(PLACE_KINDS)}", row=line, column=party.kind.column)
            mentions.append(
                PlaceMention(
                    name=name,
                    name_ru=cell(party.name_ru, "name_ru") or None,
                    country=cell(party.country, "country"),
                    latitude=number(party.latitude, "latitude", -90, 90),
                    longitude=number(party.longitude, "longitude", -180, 180),
                    coordinates_label=cell(party.coordinates_label, "coordinates_label") if party.coordinates_label else None,
                    geonames_id=int(gid) if gid else None,
                    wikidata=qid or None,
                    population=int(people) if people else None,
                    kind=kind,
                    brackets=party.brackets,
                    may_name_country=party.may_name_country,
                )
            )
        kind = cell(self.mapping.kind, "kind")
        if not kind:
            raise TableError(file, "the row has no agreement kind (map the empty cell in the mapping's value map)", row=line, column=self.mapping.kind.column)
        year = None
        year_text = cell(self.mapping.year, "year")
        if year_text:
            if not (year_text.isdigit() and 1000 <= int(year_text) <= 2100):
                raise TableError(file, f"'{year_text}' is not a year (four digits)", row=line, column=self.mapping.year.column)
            year = int(year_text)
        date = None
        date_text = cell(self.mapping.date, "date")
        if date_text:
            date = self._parse_date(date_text, line)
            year = year if year is not None else date[2]
        return mentions, kind, year, date

    def _parse_date(self, text: str, line: int) -> tuple[str, str, int]:
        value = self.mapping.date
        if value.format:
            try:
                parsed = dt.datetime.strptime(text, value.format).date()
            except ValueError:
                raise TableError(self.path.name, f"'{text}' is not a date in the form {value.format}", row=line, column=value.column) from None
            return parsed.isoformat(), "date", parsed.year
        found = parse_date(text)
        if found is None:
            raise TableError(self.path.name, f"'{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD; or set 'format')", row=line, column=value.column)
        return found

    def _resolve(self, mention: PlaceMention) -> PlaceOutcome:
        outcome = self.resolver.resolve(mention)
        self.outcomes.setdefault(mention, outcome)
        return outcome

    def _place_triples(self, outcome: PlaceOutcome, language: str, written: set[str]):
        node = NamedNode(outcome.iri)
        self.places[outcome.iri] = outcome
        yield node, A, ckg("Place")
        if outcome.place_class != "Place":
            yield node, A, ckg(outcome.place_class)
        yield node, LABEL, Literal(outcome.label, language=language)
        if outcome.label_ru and language != "ru":
            yield node, LABEL, Literal(outcome.label_ru, language="ru")
        if outcome.place_class == "Country":
            return
        if outcome.country:
            yield node, ckg("country"), NamedNode(ns.country(outcome.country))
        if outcome.country_as_written:
            yield node, NamedNode(ns.SKOS + "note"), Literal(f"country as the source writes it: {outcome.country_as_written}", language="en")
        # only a match to review (variant, fuzzy) or none: one city matched exactly by several
        # sources must not collect several methods (ckgsh:Place-resolutionMethod allows one)
        if outcome.vocabulary_method in REVIEW_METHODS:
            yield node, ckg("resolutionMethod"), Literal(outcome.vocabulary_method)
        if outcome.region is not None:
            yield node, NOTATION, Literal(outcome.region.code)
        if outcome.city is None and outcome.population is not None:
            yield node, ckg("population"), integer(outcome.population)
        if outcome.city is None and outcome.latitude is not None:
            yield node, NamedNode(ns.GEO + "lat"), Literal(repr(outcome.latitude), datatype=XSD_DECIMAL)
            yield node, NamedNode(ns.GEO + "long"), Literal(repr(outcome.longitude), datatype=XSD_DECIMAL)
        if outcome.status == "ambiguous":
            for candidate in outcome.candidates[:5]:
                yield node, SEE_ALSO, NamedNode(candidate.iri)
        if outcome.wikidata:
            yield node, SAME_AS, NamedNode(WIKIDATA_ENTITY + outcome.wikidata)
        parent = outcome.parent
        if parent is not None:
            yield node, ckg("partOf"), NamedNode(parent.iri)
            if parent.iri not in written:
                written.add(parent.iri)
                yield from self._place_triples(parent, language, written)

    # -- the gazetteer graph --------------------------------------------------------------

    def _gazetteer_quads(self) -> Iterator[Quad]:
        graph = NamedNode(ns.GAZETTEER_GRAPH)
        countries = set()
        for outcome in self.places.values():
            for code in (outcome.country, outcome.city.country if outcome.city else None):
                if code:
                    countries.add(code)
            city = outcome.city
            if city is None:
                continue
            node = NamedNode(outcome.iri)
            for p, o in (
                (A, ckg("City")),
                (A, ckg("Place")),
                (SAME_AS, NamedNode(city.iri)),
                (NamedNode(ns.SKOS + "altLabel"), Literal(city.name)),
                (NamedNode(ns.GEO + "lat"), Literal(repr(city.latitude), datatype=XSD_DECIMAL)),
                (NamedNode(ns.GEO + "long"), Literal(repr(city.longitude), datatype=XSD_DECIMAL)),
                (ckg("gazetteerCountry"), NamedNode(ns.country(city.country))),
            ):
                self._quad_count += 1
                yield Quad(node, p, o, graph)
            if city.population:
                self._quad_count += 1
                yield Quad(node, ckg("population"), integer(city.population), graph)
        for code in sorted(countries):
            country = country_by_code(code)
            if country is None:
                continue
            node = NamedNode(ns.country(code))
            triples = [
                (A, ckg("Country")),
                (A, ckg("Place")),
                (LABEL, Literal(country.name_en, language="en")),
                (LABEL, Literal(country.name_ru, language="ru")),
                (NOTATION, Literal(code)),
            ]
            if country.iri:
                triples.append((SAME_AS, NamedNode(country.iri)))
            for p, o in triples:
                self._quad_count += 1
                yield Quad(node, p, o, graph)


def _part_of_other(a: PlaceOutcome, b: PlaceOutcome) -> bool:
    """Whether one place is an administrative part of the other: a district is never its city's partner."""
    return (a.parent is not None and a.parent.iri == b.iri) or (b.parent is not None and b.parent.iri == a.iri)


def map_table(
    table: str | Path,
    mapping: str | Path | Mapping,
    source: str | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
    lookups: dict[str, Path] | None = None,
) -> MappedTable:
    """A foreign table read through a mapping (nothing is read until its ``graphs`` are consumed).

    The source name is ``source``, else the mapping's ``source``, else the table's file name.
    """
    path = Path(table)
    if not path.is_file():
        raise TableError(str(path), "no such file")
    if not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping)
    source = source or mapping.source or path.stem
    resolver = PlaceResolver(mapping.min_population, mapping.max_distance_km, fuzzy=mapping.fuzzy)
    joined = read_lookups(mapping.lookups, {k: Path(v) for k, v in (lookups or {}).items()}, mapping.file)
    return MappedTable(path, mapping, source, resolver, on_bytes, lookups=joined)


def read_foreign_table(
    table: str | Path, mapping: str | Path, source: str | None = None, *,
    strict: bool = False, encoding: str | None = None, lookups: dict[str, Path] | None = None,
):
    """A foreign table through a mapping given as a file or a shipped mapping's name: a
    :class:`MappedTable`, or for an RML mapping the triples Morph-KGC makes (``loaders/rml.py``)."""
    import dataclasses

    from citykg.mappings import find_mapping, shipped_mappings

    path = find_mapping(mapping)
    if path is None:
        names = ", ".join(shipped_mappings())
        raise CitykgError(f"--mapping {mapping}: no such file, and no shipped mapping of that name (shipped: {names})")
    if is_rml(path):
        from .rml import map_with_rml

        return map_with_rml(table, path, source)
    parsed = read_mapping(path)
    if encoding:
        parsed = dataclasses.replace(parsed, encoding=encoding)
    mapped = map_table(table, parsed, source, lookups=lookups)
    mapped.strict = strict
    return mapped

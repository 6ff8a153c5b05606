"""How often each place-resolution rule is right, checked against an independent geocoder.

    python benchmarks/precision.py [--fuzzy] [--km 50] [--sample 30]

The raw Wikipedia list gives names and countries only; the geocoded list gives the same pairs
with coordinates found by another tool. Each distinct (name, country) of the raw list is resolved
the way the ``wikipedia-raw`` mapping does (no coordinates), and a match counts as agreeing when
the GeoNames city lies within ``--km`` of where the geocoder put that name. Disagreement is not
always the resolver's fault (the geocoder finds namesakes too); ``--sample`` prints that many
disagreements per rule, to read by hand. Reads ``../shared/data/external/``.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter, defaultdict
from pathlib import Path

from citykg.loaders.places import PlaceMention, PlaceResolver, distance_km

EXTERNAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "external"


def geocoded_points() -> dict[tuple[str, str], tuple[float, float]]:
    """(name, country) -> the geocoder's coordinates, where all its rows agree within 10 km."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    with (EXTERNAL / "wikipedia_twin_cities_geocoded.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for side in ("1", "2"):
                try:
                    point = (float(row[f"lat{side}"]), float(row[f"lng{side}"]))
                except ValueError:
                    continue
                points[(row[f"city{side}"], row[f"country{side}"])].append(point)
    return {key: found[0] for key, found in points.items()
            if all(distance_km(*found[0], *p) <= 10 for p in found)}


def raw_mentions() -> set[tuple[str, str]]:
    with (EXTERNAL / "wikipedia_twin_cities_raw.csv").open(encoding="utf-8") as handle:
        return {(row[f"city{s}"], row[f"country{s}"]) for row in csv.DictReader(handle) for s in ("1", "2")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzzy", action="store_true", help="turn the close-spelling rule on")
    parser.add_argument("--km", type=float, default=50.0)
    parser.add_argument("--sample", type=int, default=0)
    args = parser.parse_args()
    points = geocoded_points()
    resolver = PlaceResolver(1000, 30, fuzzy=args.fuzzy)
    agree, total = Counter(), Counter()
    wrong: dict[str, list[str]] = defaultdict(list)
    for name, country in sorted(raw_mentions()):
        point = points.get((name, country))
        if point is None:
            continue
        outcome = resolver.resolve(PlaceMention(name, country, brackets="parent"))
        if outcome.city is None:
            continue
        rule = outcome.method
        total[rule] += 1
        distance = distance_km(*point, outcome.city.latitude, outcome.city.longitude)
        if distance <= args.km:
            agree[rule] += 1
        else:
            wrong[rule].append(f"{name}, {country} -> {outcome.city.name} ({outcome.city.country}), {distance:.0f} km")
    print(f"| rule | checked | agree within {args.km:g} km | share |")
    print("|---|---|---|---|")
    for rule in sorted(total, key=lambda r: -total[r]):
        print(f"| {rule} | {total[rule]:,} | {agree[rule]:,} | {agree[rule] / total[rule]:.1%} |")
    all_total, all_agree = sum(total.values()), sum(agree.values())
    print(f"| all | {all_total:,} | {all_agree:,} | {all_agree / all_total:.1%} |")
    if args.sample:
        rng = random.Random(20261206)
        for rule, cases in sorted(wrong.items()):
            print(f"\n{rule}: {len(cases)} disagreements, e.g.")
            for case in rng.sample(cases, min(args.sample, len(cases))):
                print(f"  {case}")


if __name__ == "__main__":
    main()

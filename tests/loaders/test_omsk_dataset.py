"""The bundled Omsk 2016 table set against its source report."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from pathlib import Path

from citykg.loaders import bundled_dataset, load_table_set

# ../shared/ lies beside the repository, as on every developer's machine and in CI
OMSK_REPORT = Path(__file__).resolve().parents[3] / "shared" / "sources" / "omsk-2016-international-activity.ru.txt"

OMSK = bundled_dataset("omsk-2016")


def rows(table: str) -> list[dict]:
    with (OMSK / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not OMSK_REPORT.exists(), reason=f"the source report is not at {OMSK_REPORT}")
def test_every_passage_quotes_the_report_exactly():
    lines = [line for line in OMSK_REPORT.read_text(encoding="utf-8").splitlines() if line.strip()]
    passages = rows("passages")
    assert len(passages) == len(lines)  # the whole report, paragraph by paragraph
    for passage in passages:
        assert lines[int(passage["paragraph"]) - 1] == passage["text"], passage["id"]


def test_every_place_resolves_and_only_simferopol_conflicts():
    loaded = load_table_set(OMSK)
    assert loaded.rdf.unresolved == []
    conflicts = [w for w in loaded.warnings if "both claims are kept" in w]
    assert len(conflicts) == 1 and "Simferopol in RU, GeoNames in UA" in conflicts[0]


def test_the_report_s_figures_are_in_the_tables():
    agreements = {a["id"]: a for a in rows("agreements")}
    counts = Counter(a["documents"] for a in agreements.values())
    # 12 protocols between entrepreneurs, 4 protocols and agreements on grain, 4 cooperation agreements
    assert counts["12"] == 1 and counts["4"] == 2
    participations = rows("participations")
    assert any(p["delegations"] == "36" for p in participations)  # City Day
    assert any(p["participants"] == "100" and p["count_qualifier"] == "more_than" for p in participations)


def test_plans_for_2017_are_planned_not_held():
    events = rows("events")
    assert all(e["status"] == "planned" for e in events if e["date"].startswith("2017"))
    assert sum(e["status"] == "planned" for e in events) >= 8

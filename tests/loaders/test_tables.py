"""Reading and checking table sets: every kind of bad input gets one clear error, nothing loads."""

from __future__ import annotations

import json

import openpyxl
import pytest

from citykg.errors import TableSetError
from citykg.loaders import load_table_set


def errors_of(path, **kwargs) -> list[str]:
    with pytest.raises(TableSetError) as caught:
        load_table_set(path, **kwargs)
    return [str(e) for e in caught.value.errors]


def rewrite(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_tiny_table_set_loads(tiny_tables):
    loaded = load_table_set(tiny_tables)
    assert loaded.source == "tiny"
    assert loaded.quad_count > 50
    assert {p.place_id for p in loaded.rdf.places} == {"omsk", "pavlodar", "jinju"}
    assert loaded.rdf.unresolved == []


def test_missing_required_column(tiny_tables):
    rewrite(tiny_tables / "events.csv", "id,kind,status,", "id,kind,")
    rewrite(tiny_tables / "events.csv", "forum,forum,held,", "forum,forum,")
    rewrite(tiny_tables / "events.csv", "visit-2021,official-visit,planned,", "visit-2021,official-visit,")
    assert errors_of(tiny_tables) == [
        "events.csv, row 1: the required column 'status' is missing from the header"
    ]


def test_unknown_column_names_the_column_and_lists_the_expected_ones(tiny_tables):
    rewrite(tiny_tables / "places.csv", "name_en,", "name_eng,")
    (message,) = errors_of(tiny_tables)
    assert message.startswith("places.csv, row 1: unknown column 'name_eng' (column 3): expected columns are id, kind, name_en")


def test_empty_required_cell(tiny_tables):
    rewrite(tiny_tables / "agreements.csv", "twinning,twinning,", "twinning,,")
    assert errors_of(tiny_tables) == ["agreements.csv, row 2, column 'kind': is empty: a value is required"]


@pytest.mark.parametrize("date", ["2019-13-01", "05.05.2019", "2019-02-30", "19"])
def test_malformed_date(tiny_tables, date):
    rewrite(tiny_tables / "agreements.csv", "2019-05-05", date)
    assert errors_of(tiny_tables) == [
        f"agreements.csv, row 2, column 'date': '{date}' is not a valid date: expected YYYY, YYYY-MM or YYYY-MM-DD"
    ]


def test_duplicate_identifier_across_tables(tiny_tables):
    rewrite(tiny_tables / "events.csv", "\nforum,forum,", "\nomsk,forum,")
    rewrite(tiny_tables / "participations.csv", "pavlodar-at-forum,forum,", "pavlodar-at-forum,omsk,")
    messages = errors_of(tiny_tables)
    assert "events.csv, row 2, column 'id': duplicate id 'omsk': already used in places.csv, row 2" in messages


def test_reference_to_unknown_place_organisation_or_passage(tiny_tables):
    rewrite(tiny_tables / "agreements.csv", "omsk;pavlodar", "omsk;astana")
    rewrite(tiny_tables / "participations.csv", "pavlodar-admin", "astana-admin")
    rewrite(tiny_tables / "events.csv", "2019-06,omsk,,p2", "2019-06,omsk,,p9")
    assert sorted(errors_of(tiny_tables)) == [
        "agreements.csv, row 2, column 'parties': refers to 'astana', which is not an id in places or organisations",
        "events.csv, row 2, column 'passage': refers to 'p9', which is not an id in passages",
        "participations.csv, row 2, column 'participant': refers to 'astana-admin', which is not an id in places or organisations",
    ]


def test_reference_into_the_wrong_table(tiny_tables):
    rewrite(tiny_tables / "events.csv", "2019-06,omsk,", "2019-06,pavlodar-admin,")
    assert errors_of(tiny_tables) == [
        "events.csv, row 2, column 'place': refers to 'pavlodar-admin', which is a row of organisations: expected an id in places"
    ]


def test_unknown_kind_lists_the_known_ones(tiny_tables):
    rewrite(tiny_tables / "agreements.csv", "twinning,twinning,", "twinning,twining,")
    (message,) = errors_of(tiny_tables)
    assert message.startswith("agreements.csv, row 2, column 'kind': 'twining' is not a known agreement-kind: expected one of agreement, contract")


def test_a_concepts_table_adds_a_kind_without_code_change(tiny_tables):
    (tiny_tables / "concepts.csv").write_text(
        "id,scheme,label_en,label_ru,broader,definition_en,definition_ru\n"
        "letter-of-intent,agreement-kind,Letter of intent,Письмо о намерениях,memorandum,,\n",
        encoding="utf-8",
    )
    rewrite(tiny_tables / "agreements.csv", "twinning,twinning,", "twinning,letter-of-intent,")
    loaded = load_table_set(tiny_tables)
    objects = {q.object.value for q in loaded.graphs[next(iter(loaded.graphs))]}
    assert "https://w3id.org/citykg/concept/agreement-kind/letter-of-intent" in objects


def test_unknown_country(tiny_tables):
    rewrite(tiny_tables / "places.csv", "Павлодар,Казахстан", "Павлодар,Казахстанн")
    (message,) = errors_of(tiny_tables)
    assert message.startswith("places.csv, row 3, column 'country': 'Казахстанн' is not a known country")


def test_not_a_number(tiny_tables):
    rewrite(tiny_tables / "participations.csv", "delegation,12,1", "delegation,twelve,1")
    assert errors_of(tiny_tables) == [
        "participations.csv, row 2, column 'participants': 'twelve' is not a whole number"
    ]


def test_all_problems_are_reported_at_once(tiny_tables):
    rewrite(tiny_tables / "agreements.csv", "2019-05-05", "2019-5-5")
    rewrite(tiny_tables / "participations.csv", "delegation,12,1,exact", "delegation,12,1,roughly")
    assert len(errors_of(tiny_tables)) == 2


def test_windows_1251_file_is_read_with_a_warning(tiny_tables):
    places = tiny_tables / "places.csv"
    places.write_bytes(places.read_text(encoding="utf-8").encode("cp1251"))
    loaded = load_table_set(tiny_tables)
    assert any("places.csv: not valid UTF-8, read as Windows-1251" in w for w in loaded.warnings)
    labels = {q.object.value for g in loaded.graphs.values() for q in g if q.predicate.value.endswith("#label")}
    assert "Павлодар" in labels


def test_byte_order_mark_is_dropped(tiny_tables):
    places = tiny_tables / "places.csv"
    places.write_bytes(b"\xef\xbb\xbf" + places.read_bytes())
    loaded = load_table_set(tiny_tables)
    assert loaded.rdf.unresolved == []


def test_empty_file(tiny_tables):
    (tiny_tables / "events.csv").write_text("", encoding="utf-8")
    (tiny_tables / "participations.csv").unlink()
    (message,) = errors_of(tiny_tables)
    assert message.startswith("events.csv: the file is empty: expected a header row with the columns id, kind, status")


def test_missing_required_table(tiny_tables):
    (tiny_tables / "passages.csv").unlink()
    assert errors_of(tiny_tables) == ["passages.csv: the table 'passages' is missing: every table set needs it"]


def test_unknown_table_file(tiny_tables):
    (tiny_tables / "treaties.csv").write_text("id\nx\n", encoding="utf-8")
    (message,) = errors_of(tiny_tables)
    assert message.startswith("treaties.csv: unknown table 'treaties'")


def test_row_with_more_cells_than_columns(tiny_tables):
    rewrite(tiny_tables / "places.csv", "jinju,city,Jinju,Чинчжу,KR,,p3,", "jinju,city,Jinju,Чинчжу,KR,,p3,,extra")
    assert errors_of(tiny_tables) == ["places.csv, row 4: has 9 cells but the header has 8 columns"]


def _csv_to_sheet(sheet, path):
    import csv

    with path.open(encoding="utf-8") as handle:
        for record in csv.reader(handle):
            sheet.append(record)


def test_tsv_json_and_xlsx_tables_load_like_csv(tiny_tables):
    import csv

    expected = load_table_set(tiny_tables).quad_count
    # places as TSV, events as JSON, agreements as a one-sheet workbook
    with (tiny_tables / "places.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    (tiny_tables / "places.tsv").write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    (tiny_tables / "places.csv").unlink()
    with (tiny_tables / "events.csv").open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    (tiny_tables / "events.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tiny_tables / "events.csv").unlink()
    book = openpyxl.Workbook()
    _csv_to_sheet(book.active, tiny_tables / "agreements.csv")
    book.save(tiny_tables / "agreements.xlsx")
    (tiny_tables / "agreements.csv").unlink()
    assert load_table_set(tiny_tables).quad_count == expected


def test_whole_table_set_in_one_workbook(tiny_tables, tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in sorted(tiny_tables.glob("*.csv")):
        _csv_to_sheet(book.create_sheet(file.stem), file)
    path = tmp_path / "tiny.xlsx"
    book.save(path)
    assert load_table_set(path).quad_count == load_table_set(tiny_tables).quad_count


def test_xlsx_with_an_extra_sheet(tiny_tables):
    book = openpyxl.Workbook()
    _csv_to_sheet(book.active, tiny_tables / "agreements.csv")
    book.create_sheet("notes")
    book.save(tiny_tables / "agreements.xlsx")
    (tiny_tables / "agreements.csv").unlink()
    (message,) = errors_of(tiny_tables)
    assert message.startswith("agreements.xlsx: has 2 sheets (Sheet, notes): expected exactly one sheet")


def test_workbook_with_an_unknown_sheet(tiny_tables, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "places"
    _csv_to_sheet(book.active, tiny_tables / "places.csv")
    book.create_sheet("Лист2")
    path = tmp_path / "set.xlsx"
    book.save(path)
    (message,) = errors_of(path)
    assert message.startswith("set.xlsx:Лист2: unknown sheet 'Лист2'")


def test_strict_fails_on_a_place_the_gazetteer_lacks(tiny_tables):
    rewrite(tiny_tables / "places.csv", "jinju,city,Jinju,Чинчжу,KR", "jinju,city,Xyzzyville,Ксиззивиль,KR")
    loaded = load_table_set(tiny_tables)
    assert [p.name for p in loaded.rdf.unresolved] == ["Xyzzyville"]
    assert errors_of(tiny_tables, strict=True) == [
        "places.csv, row 4, column 'name_en': place 'Xyzzyville' (KR) is not in the gazetteer"
    ]


def test_country_row_needs_a_code_or_a_known_name(tiny_tables):
    places = tiny_tables / "places.csv"
    places.write_text(places.read_text(encoding="utf-8") + "kz,country,Kazakhstan,Казахстан,,,p1,\nzz,country,Zembla,,,,p1,\n", encoding="utf-8")
    assert errors_of(tiny_tables) == [
        "places.csv, row 6, column 'country': is empty and the names are not known countries: give the ISO 3166 code"
    ]

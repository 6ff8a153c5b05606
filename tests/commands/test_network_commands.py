"""``citykg network``, ``citykg map`` and ``citykg metrics`` on the Omsk store: files, figures, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from citykg.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("network-cli") / "store")
    result = CliRunner().invoke(main, ["build", "--quiet", "--store", path])
    assert result.exit_code == 0, result.output
    return path


def run(store: str, *args: str):
    return CliRunner().invoke(main, [*args, "--store", store])


def test_network_writes_a_page_and_reports_what_it_drew(store, tmp_path):
    out = tmp_path / "partners.html"
    result = run(store, "network", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "partnership network: 6 nodes, 5 links" in result.stderr
    assert f"wrote {out}" in result.stderr
    assert '"label": "Manzhouli"' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["network", "map"])
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_figures_by_suffix(store, tmp_path, command, suffix):
    out = tmp_path / f"figure.{suffix}"
    result = run(store, command, "--kind", "interaction", "--out", str(out))
    assert result.exit_code == 0, result.output
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in out.read_bytes()


def test_map_with_filters(store, tmp_path):
    out = tmp_path / "map.html"
    result = run(store, "map", "--kind", "interaction", "--city", "Omsk", "--country", "KZ", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "interaction network: 3 nodes, 2 links" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert '"label": "Pavlodar"' in page and '"label": "Burgas"' not in page


def test_metrics_table_csv_and_json(store):
    table = run(store, "metrics", "--kind", "interaction")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0] == "interaction network"
    assert any(line.split() == ["nodes", "13"] for line in lines)
    assert any(line.split() == ["edges", "12"] for line in lines)

    rows = list(csv.DictReader(io.StringIO(run(store, "metrics", "--format", "csv").stdout)))
    assert len(rows) == 1 and rows[0]["nodes"] == "6" and rows[0]["edges"] == "5" and rows[0]["components"] == "1"

    report = json.loads(run(store, "metrics", "--kind", "interaction", "--nodes", "--top", "3", "--format", "json").stdout)
    assert report["global"]["largest_component"] == 13
    assert [n["label"] for n in report["nodes"]][0] == "Omsk"
    assert len(report["nodes"]) == 3
    assert "betweenness: exact" in report["notes"]


def test_metrics_nodes_table_and_growth(store):
    result = run(store, "metrics", "--nodes", "--by-year")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "label" in out and "betweenness" in out and "Omsk" in out
    year_rows = [line for line in out.splitlines() if line.startswith("2016")]
    assert len(year_rows) == 1 and year_rows[0].split()[1:3] == ["6", "5"]
    by_year = list(csv.DictReader(io.StringIO(run(store, "metrics", "--by-year", "--format", "csv").stdout)))
    assert [(r["year"], r["nodes"], r["edges"]) for r in by_year] == [("2016", "6", "5")]


@pytest.mark.parametrize(
    "args, message",
    [
        (["network", "--out", "x.html", "--city", "Omks"], "citykg: error: no place named 'Omks' in the store (did you mean Omsk?)"),
        (["metrics", "--from", "2017", "--to", "2016"], "citykg: error: the year range 2017–2016 starts after it ends"),
        (["network", "--out", "x.txt"], "citykg: error: --out x.txt: cannot tell the format from the name"),
        (["network", "--out", "x.html", "--format", "png"], "citykg: error: --out x.html ends in .html but --format is png"),
        (["map", "--out", "x.html", "--tiles", "https://example.org/tiles"], "citykg: error: --tiles 'https://example.org/tiles': expected a tile URL template"),
        (["map", "--out", "x.png", "--tiles", "https://t.example.org/{z}/{x}/{y}.png"], "citykg: error: --tiles draws online tiles on the interactive map"),
        (["network", "--out", "x.html", "--radius", "2"], "citykg: error: --radius needs --city"),
        (["metrics", "--type", "marriage"], "citykg: error: 'marriage' is not an agreement kind"),
        (["metrics", "--nodes", "--by-year", "--format", "csv"], "citykg: error: --format csv writes one table"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_1(store, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(store, *args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()


def test_an_empty_result_writes_a_page_with_a_note(store, tmp_path):
    out = tmp_path / "empty.html"
    result = run(store, "network", "--from", "2017", "--out", str(out))
    assert result.exit_code == 0
    assert "note: No partnership matches the filters (from 2017)." in result.stderr
    assert '<p class="note">No partnership matches the filters (from 2017).</p>' in out.read_text(encoding="utf-8")


def test_a_graph_too_large_for_a_page_is_cut_to_its_best_connected_part(store, tmp_path):
    out = tmp_path / "cut.html"
    result = run(store, "network", "--kind", "interaction", "--max-nodes", "4", "--out", str(out))
    assert result.exit_code == 0
    assert "note: Showing the 4 best-connected of 13 nodes" in result.stderr
    assert "Showing the 4 best-connected of 13 nodes" in out.read_text(encoding="utf-8")

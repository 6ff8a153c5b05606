"""Pages, maps and figures as files: self-contained, safe with any name, and saying what they leave out."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import networkx as nx
import pytest

from citykg.errors import CitykgError
from citykg.graph.network import project
from citykg.visualise import style
from citykg.visualise.figures import write_map_figure, write_network_figure
from citykg.visualise.maps import check_tiles, mercator, write_map_page
from citykg.visualise.pages import remote_references, vis_assets, write_network_page


def test_a_page_holds_every_script_and_style_and_fetches_nothing(omsk_store, tmp_path):
    html = write_network_page(project(omsk_store), tmp_path / "p.html").read_text(encoding="utf-8")
    assert remote_references(html) == []
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import", html, re.IGNORECASE)
    script, sheet = vis_assets()
    assert script[:2000] in html and sheet[:2000] in html  # vis-network itself, inline
    assert "bootstrap" not in html.lower() and "cdnjs" not in html and "jsdelivr" not in html
    for name in ("Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"):
        assert f'"label": "{name}"' in html
    # the tooltip of a link quotes the report
    assert json.dumps("об установлении побратимских связей")[1:-1] in html


def test_remote_references_finds_what_a_browser_would_fetch():
    assert remote_references('<script src="https://cdn.example.org/vis.js"></script>')
    assert remote_references('<link rel="stylesheet" href="//cdn.example.org/a.css">')
    assert remote_references("<style>body { background: url('https://example.org/a.png') }</style>")
    assert remote_references('<style>@import "https://example.org/a.css";</style>')
    assert not remote_references("/* licence: https://opensource.org/licenses/MIT */ <a>https://example.org</a>")


def test_names_cannot_break_out_of_the_page(tmp_path):
    graph = nx.Graph(kind="partnership", title="</title><script>alert(1)</script>")
    evil = "</script><script>window.pwned = 1</script>"
    graph.add_node("https://example.org/a", label=evil, country="CN")
    graph.add_node("https://example.org/b", label="B & <b>", country="XX")
    graph.add_edge("https://example.org/a", "https://example.org/b", details=evil, kinds="twinning", agreements=1)
    html = write_network_page(graph, tmp_path / "evil.html").read_text(encoding="utf-8")
    assert evil not in html
    assert "<script>window.pwned" not in html and "<script>alert(1)" not in html

    class Scripts(HTMLParser):
        count = 0

        def handle_starttag(self, tag, attrs):
            Scripts.count += tag == "script"

    Scripts().feed(html)
    assert Scripts.count == 2  # vis-network, and the page's own


def test_empty_and_cut_down_networks_say_so_on_the_page(omsk_store, tmp_path):
    empty = write_network_page(project(omsk_store, year_from=2017), tmp_path / "e.html").read_text(encoding="utf-8")
    assert '<p class="note">No partnership matches the filters (from 2017).</p>' in empty
    cut = write_network_page(project(omsk_store, "interaction", limit=5), tmp_path / "c.html").read_text(encoding="utf-8")
    assert "Showing the 5 best-connected of 13 nodes (4 of 12 links)" in cut


def test_a_large_page_precomputes_its_layout_and_turns_physics_off(tmp_path):
    graph = nx.barabasi_albert_graph(800, 2, seed=1)
    graph.graph["kind"] = "partnership"
    html = write_network_page(graph, tmp_path / "large.html").read_text(encoding="utf-8")
    assert '"physics": {"enabled": false' in html
    assert "the layout was computed beforehand and physics is off" in html
    small = write_network_page(nx.path_graph(5), tmp_path / "small.html").read_text(encoding="utf-8")
    assert '"physics": {"enabled": true' in small


def test_map_page_places_cities_by_coordinates_and_lists_those_without(omsk_store, tmp_path):
    graph = project(omsk_store)
    graph.add_node("https://example.org/nowhere", label="Atlantis", kind="city")
    graph.add_edge("https://example.org/nowhere", next(iter(graph)))
    html = write_map_page(graph, tmp_path / "m.html").read_text(encoding="utf-8")
    assert "1 of 7 places have no coordinates and are not on the map: Atlantis." in html
    assert remote_references(html) == []
    assert '"tiles": null' in html


def test_mercator_keeps_the_compass():
    omsk, manzhouli, kaifeng = mercator(54.99, 73.37), mercator(49.6, 117.43), mercator(34.8, 114.3)
    assert manzhouli[0] > omsk[0] and kaifeng[1] > manzhouli[1]  # east is right, south is down
    assert mercator(0, 0) == pytest.approx((0.0, 0.0))
    assert mercator(90, 180)[1] == pytest.approx(-2048.0)  # the poles are clamped to the square


def test_tiles_must_be_a_url_template():
    assert check_tiles(None) is None
    assert check_tiles("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    for bad in ("tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tiles.example.org/{z}/{x}.png", "file:///{z}/{x}/{y}"):
        with pytest.raises(CitykgError, match="expected a tile URL template"):
            check_tiles(bad)


def test_link_styles_follow_what_the_link_is():
    assert style.edge_category({"kinds": "protocol; twinning", "agreements": 2}, "partnership") == "twinning"
    assert style.edge_category({"kinds": "cooperation", "agreements": 1}, "partnership") == "cooperation"
    assert style.edge_category({"kinds": "protocol", "agreements": 1}, "partnership") == "agreement"
    assert style.edge_category({"visits": 0, "common_events": 2}, "interaction") == "event in common"
    assert style.edge_category({"relation": "based-in; event"}, "city-organisation") == "event"


def test_countries_beyond_the_palette_share_one_colour():
    graph = nx.Graph()
    codes = [f"C{i:02d}" for i in range(len(style.PALETTE) + 3)]
    for i, code in enumerate(codes):
        for j in range(len(codes) - i):  # earlier countries have more nodes
            graph.add_node(f"{code}-{j}", country=code)
    colours = style.country_colours(graph)
    assert [colours[c] for c in codes[: len(style.PALETTE)]] == list(style.PALETTE)
    assert {colours[c] for c in codes[len(style.PALETTE):]} == {style.OTHER}


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_figures_of_the_network_and_the_map(omsk_store, tmp_path, suffix):
    graph = project(omsk_store, "interaction")
    network = write_network_figure(graph, tmp_path / f"n.{suffix}")
    on_map = write_map_figure(graph, tmp_path / f"m.{suffix}")
    for path in (network, on_map):
        data = path.read_bytes()
        if suffix == "png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            import numpy
            from PIL import Image

            image = numpy.asarray(Image.open(path).convert("RGB"), dtype=int)
            assert (image.min(axis=2) < 200).sum() > 5000  # more than a blank page and a title
        else:
            text = data.decode("utf-8")
            assert "<svg" in text and "Manzhouli" in text and "Omsk" in text


def test_figures_refuse_unknown_formats_and_draw_empty_networks(tmp_path):
    with pytest.raises(CitykgError, match="expected png or svg"):
        write_network_figure(nx.Graph(), tmp_path / "n.gif")
    empty = nx.Graph(kind="partnership", title="Partnerships between cities", note="No partnership matches the filters.")
    assert write_map_figure(empty, tmp_path / "m.png").stat().st_size > 1000
    assert "No partnership matches the filters." in write_network_figure(empty, tmp_path / "n.svg").read_text()

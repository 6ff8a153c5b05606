"""The pages in a real headless Chromium, with every request to another host blocked: they draw the
network and the map, show the Omsk partners, log no errors and ask for nothing but their own file."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import networkx as nx
import pytest

from citykg.visualise.maps import write_map_page
from citykg.visualise.pages import write_network_page

OMSK_PARTNERS = {"Omsk", "Manzhouli", "Urumqi", "Kaifeng", "Petropavl", "Mogilev"}
TILE_PORT = 18531
TILE_COLOUR = (255, 0, 255)


def citykg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "citykg", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def omsk_pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    store = str(folder / "store")
    assert citykg("build", "--quiet", "--store", store).returncode == 0
    pages = {}
    for name, args in {
        "network": ["network", "--out", str(folder / "x.html")],
        "map": ["map", "--out", str(folder / "y.html")],
        "visits": ["network", "--kind", "interaction", "--out", str(folder / "visits.html")],
        "empty": ["network", "--from", "2017", "--out", str(folder / "empty.html")],
    }.items():
        done = citykg(*args, "--store", store)
        assert done.returncode == 0, done.stderr
        pages[name] = folder / args[-1].rsplit("/", 1)[-1]
    return pages


def pixels(png: bytes):
    import numpy
    from PIL import Image

    return numpy.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def drawn_pixels(png: bytes, background: tuple[int, int, int]) -> int:
    """How many pixels differ visibly from the background colour."""
    return int((abs(pixels(png) - background).max(axis=2) > 24).sum())


def visible_labels(browser) -> set[str]:
    """Labels of the nodes that are drawn inside the visible canvas."""
    return set(browser.script("""
        var state = window.citykg, box = document.getElementById('network').getBoundingClientRect();
        var positions = state.network.getPositions();
        return state.nodes.get().filter(function (node) {
            if (node.hidden) { return false; }
            var p = state.network.canvasToDOM(positions[node.id]);
            return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height;
        }).map(function (node) { return node.label; });
    """))


def test_network_page_draws_omsk_and_its_partners_offline(browser, omsk_pages):
    browser.open(omsk_pages["network"])
    assert browser.requests() == [omsk_pages["network"].resolve().as_uri()]
    assert browser.console_errors() == []
    assert visible_labels(browser) == OMSK_PARTNERS
    assert drawn_pixels(browser.canvas_png(), (255, 255, 255)) > 2000
    # physics settled the layout, then stopped
    assert browser.script("return window.citykg.network.physics.options.enabled") is False


def test_map_page_draws_the_cities_at_their_places_offline(browser, omsk_pages):
    browser.open(omsk_pages["map"])
    assert browser.requests() == [omsk_pages["map"].resolve().as_uri()]
    assert browser.console_errors() == []
    assert visible_labels(browser) == OMSK_PARTNERS
    png = browser.canvas_png()
    assert drawn_pixels(png, (0xEE, 0xF3, 0xF7)) > 500  # cities, lines and graticule on the sea
    positions = browser.script("""
        var s = window.citykg, p = s.network.getPositions(), out = {};
        s.nodes.get().forEach(function (n) { out[n.label] = p[n.id]; });
        return out;""")
    # Manzhouli lies east of Omsk, Kaifeng south of it: the map keeps the geography
    assert positions["Manzhouli"]["x"] > positions["Omsk"]["x"] > positions["Mogilev"]["x"]
    assert positions["Kaifeng"]["y"] > positions["Omsk"]["y"]


def test_search_finds_a_city_and_can_show_only_its_links(browser, omsk_pages):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.open(omsk_pages["visits"])
    driver = browser.driver
    driver.find_element(By.ID, "only-neighbours").click()
    box = driver.find_element(By.ID, "search")
    box.send_keys("Manzhouli", Keys.ENTER)
    assert driver.find_element(By.ID, "status").text == "Manzhouli: 1 links"
    assert visible_labels(browser) == {"Manzhouli", "Omsk"}
    assert [browser.script("return window.citykg.nodes.get(arguments[0]).label", n)
            for n in browser.script("return window.citykg.network.getSelectedNodes()")] == ["Manzhouli"]
    driver.find_element(By.ID, "reset").click()
    assert len(visible_labels(browser)) == 13
    assert browser.console_errors() == []


def test_an_empty_network_is_a_page_that_says_so(browser, omsk_pages):
    from selenium.webdriver.common.by import By

    browser.open(omsk_pages["empty"])
    notes = [n.text for n in browser.driver.find_elements(By.CSS_SELECTOR, ".note")]
    assert notes == ["No partnership matches the filters (from 2017)."]
    assert browser.console_errors() == []


def test_a_large_network_opens_with_its_layout_precomputed(browser, tmp_path):
    graph = nx.barabasi_albert_graph(1500, 2, seed=7)
    graph = nx.relabel_nodes(graph, {n: f"https://example.org/place/{n}" for n in graph})
    for index, node in enumerate(graph):
        graph.nodes[node].update(label=f"City {index}", country=["CN", "DE", "FR", "RU"][index % 4], kind="city")
    graph.graph.update(kind="partnership", title="A large network")
    path = write_network_page(graph, tmp_path / "large.html")
    seconds = browser.open(path)
    assert seconds < 15
    assert browser.console_errors() == []
    assert browser.script("return window.citykg.network.physics.options.enabled") is False
    assert drawn_pixels(browser.canvas_png(), (255, 255, 255)) > 5000
    assert "layout was computed beforehand and physics is off" in browser.driver.page_source


class TileServer(BaseHTTPRequestHandler):
    paths: list[str] = []
    tile = b""

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        TileServer.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.tile)))
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *args):
        pass


def test_online_tiles_are_drawn_only_when_asked_for(browser, omsk_store, tmp_path):
    from PIL import Image

    from citykg.graph.network import project

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_COLOUR).save(buffer, format="PNG")
    TileServer.tile, TileServer.paths = buffer.getvalue(), []
    server = ThreadingHTTPServer(("127.0.0.1", TILE_PORT), TileServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tiles = f"http://127.0.0.1:{TILE_PORT}/{{z}}/{{x}}/{{y}}.png"
        path = write_map_page(project(omsk_store), tmp_path / "tiles.html", tiles=tiles, attribution="test tiles")
        browser.open(path, allow=(f"http://127.0.0.1:{TILE_PORT}/",))
        tile_pixels = 0
        for _ in range(50):  # tiles arrive after the first drawing; the page redraws as each lands
            tile_pixels = int((pixels(browser.canvas_png()) == TILE_COLOUR).all(axis=2).sum())
            if tile_pixels > 10_000:
                break
            time.sleep(0.2)
        assert tile_pixels > 10_000
        requests = browser.requests()
        assert requests[0] == path.resolve().as_uri()
        assert requests[1:] and all(url.startswith(f"http://127.0.0.1:{TILE_PORT}/") for url in requests[1:])
        assert TileServer.paths and all(p.count("/") == 3 and p.endswith(".png") for p in TileServer.paths)
        assert browser.console_errors() == []
    finally:
        server.shutdown()
        server.server_close()

"""RML mappings through Morph-KGC: for users who already describe their table in RML (or YARRRML
compiled to RML), ``citykg load TABLE --mapping M.rml.ttl`` runs Morph-KGC on the table and puts
the triples it makes into the source's named graph, as they are.

Morph-KGC pins pyoxigraph < 0.4 and rdflib < 7.3, which citykg cannot share a Python with, so it
runs as a separate program: the Python named by ``CITYKG_MORPH_KGC_PYTHON`` (a virtual environment
with ``pip install morph-kgc``), or this Python if it can import ``morph_kgc``. RML makes triples
from cells; it does not resolve places or merge sources, so what it writes is only as good as the
mapping's IRIs (see docs/mappings.md).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

RUNNER_VARIABLE = "CITYKG_MORPH_KGC_PYTHON"
TIMEOUT_S = 600


def morph_kgc_python() -> str | None:
    """The Python that runs Morph-KGC, or None when there is none."""
    configured = os.environ.get(RUNNER_VARIABLE)
    if configured:
        return configured
    if importlib.util.find_spec("morph_kgc") is not None:
        return sys.executable
    return None


@dataclass
class RmlTable:
    """A table mapped by Morph-KGC: its triples, ready for the source's named graph."""

    path: Path
    mapping: Path
    source: str
    quads: list[Quad] = field(default_factory=list)

    @property
    def graph(self) -> str:
        return ns.source_graph(self.source)

    @property
    def graphs(self) -> dict[str, list[Quad]]:
        return {self.graph: self.quads}

    @property
    def quad_count(self) -> int:
        return len(self.quads)


def run_morph_kgc(table: Path, mapping: Path, python: str | None = None) -> bytes:
    """N-Quads that Morph-KGC makes from ``table`` with ``mapping`` (the mapping's rml:source is
    replaced by ``table``)."""
    python = python or morph_kgc_python()
    if python is None:
        raise CitykgError(
            "an RML mapping needs Morph-KGC, which is not installed: create a separate environment "
            f"(python -m venv ~/.morph-kgc && ~/.morph-kgc/bin/pip install morph-kgc) and set {RUNNER_VARIABLE}"
            "=~/.morph-kgc/bin/python (it cannot share citykg's environment: it pins pyoxigraph < 0.4)"
        )
    with tempfile.TemporaryDirectory(prefix="citykg-rml-") as work:
        work_dir = Path(work)
        output = work_dir / "output.nq"
        config = work_dir / "config.ini"
        config.write_text(
            "[CONFIGURATION]\n"
            f"output_file = {output}\n"
            "output_format = N-QUADS\n"
            "number_of_processes = 1\n"
            "logging_level = WARNING\n\n"
            "[table]\n"
            f"mappings = {mapping.resolve()}\n"
            f"file_path = {table.resolve()}\n",
            encoding="utf-8",
        )
        try:
            done = subprocess.run(
                [python, "-m", "morph_kgc", str(config)],
                cwd=work, capture_output=True, text=True, timeout=TIMEOUT_S,
            )
        except FileNotFoundError:
            raise CitykgError(f"{RUNNER_VARIABLE}={python}: no such program") from None
        except subprocess.TimeoutExpired:
            raise CitykgError(f"Morph-KGC did not finish within {TIMEOUT_S} s on {table.name}") from None
        if done.returncode != 0 or not output.exists():
            lines = [l for l in (done.stderr or done.stdout).strip().splitlines() if l.strip()]
            reason = lines[-1] if lines else f"exit status {done.returncode}"
            if "No module named morph_kgc" in (done.stderr or ""):
                reason = f"{python} cannot import morph_kgc"
            raise CitykgError(f"{mapping.name}: Morph-KGC failed on {table.name}: {reason}")
        return output.read_bytes()


def map_with_rml(table: str | Path, mapping: str | Path, source: str | None = None) -> RmlTable:
    """Run Morph-KGC and keep its triples for the source's graph (named graphs in the mapping are
    folded into it: one source, one graph)."""
    table, mapping = Path(table), Path(mapping)
    if not table.is_file():
        raise CitykgError(f"{table}: no such file")
    source = source or table.stem
    data = run_morph_kgc(table, mapping)
    graph = NamedNode(ns.source_graph(source))
    try:
        parsed = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS)
        quads = [Quad(q.subject, q.predicate, q.object, graph) for q in parsed]
    except SyntaxError as exc:
        raise CitykgError(f"{mapping.name}: Morph-KGC wrote output citykg cannot read: {exc}") from None
    if not quads:
        raise CitykgError(f"{mapping.name}: Morph-KGC made no triples from {table.name}: check the mapping's references")
    dataset = NamedNode(ns.dataset(source))
    quads += [
        Quad(dataset, NamedNode(ns.RDF + "type"), NamedNode(ns.CKG + "SourceDataset"), graph),
        Quad(dataset, NamedNode(ns.RDFS + "label"), Literal(source), graph),
    ]
    return RmlTable(table, mapping, source, quads)

"""Export the graph as linked data, and the partner networks for Gephi and Cytoscape.

The export step of the data flow: store -> file. :data:`EXPORTERS` maps each format name to an
:class:`Exporter`; ``citykg export`` and :func:`export` only look formats up there, so a new format
is one more entry.

RDF formats stream: quads go from the store to pyoxigraph's serialiser one at a time (JSON-LD a
few thousand triples at a time, compacted by pyld with ``ontology/context.jsonld``), so an export
never holds a copy of the store. N-Quads and TriG keep the named graphs (one per source, plus the
gazetteer and the ontology); the other RDF formats merge them into one graph, graph by graph,
each triple once. GraphML, GEXF and CSV write a network projection of ``citykg.graph.network``.

>>> import citykg, io
>>> store = citykg.build(store=":memory:")
>>> out = io.BytesIO()
>>> export(store, out, "ntriples") > 1000
True
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import pyoxigraph
from pyoxigraph import NamedNode, Quad, RdfFormat, Triple

from citykg.errors import CitykgError
from citykg.ontology import namespace as ns

Progress = Callable[[int], None]
PROGRESS_EVERY = 50_000
JSONLD_CHUNK = 2_000  # triples compacted together: pyld's cost grows faster than linearly
REMEMBERED_TERMS = 100_000  # bounds the memory of a JSON-LD export's remembered term choices
PREFIXES = {**ns.PREFIXES, "place": ns.ID + "place/", "country": ns.ID + "country/",
            "dataset": ns.ID + "dataset/", "graph": ns.GRAPH}
NETWORK_KINDS_HINT = "partnership"
RDF_TYPE = ns.RDF + "type"


@dataclass(frozen=True)
class Exporter:
    """One export format: how to write it, the file extensions that mean it, its media type."""

    name: str
    extensions: tuple[str, ...]
    media_type: str
    write: Callable[..., int]  # (store, binary output, graphs, progress, **options) -> items written
    description: str
    named_graphs: bool = False  # keeps one graph per source (N-Quads, TriG)
    kind: str = "rdf"  # rdf | network


EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    EXPORTERS[exporter.name] = exporter
    return exporter


# -- which graphs -------------------------------------------------------------------------------


def data_graphs(store) -> list[str]:
    """The store's named graphs, without staging graphs of a load in progress."""
    return [g for g in store.graphs() if not g.startswith(ns.STAGING_GRAPH)]


def select_graphs(store, name: str | None) -> list[str] | None:
    """``None`` for every graph, else the one graph ``name`` means: a source name
    (``omsk-2016``), ``gazetteer``, ``ontology``, or a graph IRI."""
    if not name:
        return None
    known = data_graphs(store)
    iri = name.strip("<>") if name.startswith(("http://", "https://", "<")) else ns.source_graph(name)
    if iri not in known:
        names = ", ".join(g.removeprefix(ns.GRAPH) for g in known) or "none (the store is empty)"
        raise CitykgError(f"--graph '{name}': no such graph in the store; its graphs are {names}")
    return [iri]


def _is_embedded(store) -> bool:
    return isinstance(getattr(store, "store", None), pyoxigraph.Store)


def iter_triples(store, graphs: list[str] | None) -> Iterator[pyoxigraph.Triple]:
    """The triples of the given graphs merged (of all graphs when ``None``), streamed."""
    if _is_embedded(store):
        if graphs is None:
            yield from _union_of_graphs(store.store, data_graphs(store))
            return
        for graph in graphs:
            for quad in store.store.quads_for_pattern(None, None, None, NamedNode(graph)):
                yield quad.triple
        return
    if graphs is None:
        yield from store.triples()
        return
    for graph in graphs:
        yield from store.triples(graph)


def _union_of_graphs(store: pyoxigraph.Store, graphs: list[str]) -> Iterator[pyoxigraph.Triple]:
    """The union of the named graphs, graph by graph: a triple comes with the first graph that
    holds it and is left out of the later ones (Oxigraph looks it up in each earlier graph), so
    only the store's cursor is held, never a set of triples (a CONSTRUCT would keep one to drop
    duplicates: 600 MB at two million triples). Within a graph a subject's triples come together
    (one Turtle block, one JSON-LD node object); a subject with facts in several graphs (a city:
    its source's, the gazetteer's) comes once per graph."""
    for position, graph in enumerate(graphs):
        if position == 0:
            yield from map(attrgetter("triple"), store.quads_for_pattern(None, None, None, NamedNode(graph)))
            continue
        earlier = " ".join(f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ ?s ?p ?o }} }}" for g in graphs[:position])
        yield from starmap(Triple, store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} {earlier} }}"))


def iter_quads(store, graphs: list[str] | None) -> Iterator[Quad]:
    """The quads of the given graphs (of all graphs when ``None``), graph by graph, streamed."""
    for graph in graphs if graphs is not None else data_graphs(store):
        node = NamedNode(graph)
        if _is_embedded(store):
            yield from store.store.quads_for_pattern(None, None, None, node)
        else:
            for triple in store.triples(graph):
                yield Quad(triple.subject, triple.predicate, triple.object, node)


def counted(items: Iterable, progress: Progress | None, counter: list[int]) -> Iterator:
    """``items``, counting them into ``counter[0]`` and telling ``progress`` now and then."""
    for item in items:
        counter[0] += 1
        if progress and counter[0] % PROGRESS_EVERY == 0:
            progress(counter[0])
        yield item


# -- RDF formats --------------------------------------------------------------------------------


def _rdf_writer(fmt: RdfFormat, quads: bool):
    def write(store, output: BinaryIO, graphs, progress: Progress | None = None, **_options) -> int:
        counter = [0]
        items = iter_quads(store, graphs) if quads else iter_triples(store, graphs)
        prefixes = turtle_prefixes(store) if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML) else None
        try:
            pyoxigraph.serialize(counted(items, progress, counter), output, fmt, prefixes=prefixes)
        except ValueError as exc:
            raise CitykgError(f"cannot write {fmt.name}: {exc}") from None
        return counter[0]

    return write


def turtle_prefixes(store) -> dict[str, str]:
    """citykg's prefixes, and one per source for what the source names (``omsk-2016:ev-...``)."""
    import re

    prefixes = dict(PREFIXES)
    for graph in store.source_graphs():
        source = graph.removeprefix(ns.GRAPH)
        if re.fullmatch(r"[A-Za-z][\w.-]*[\w-]", source) and source not in prefixes:
            prefixes[source] = ns.entity(source, "")
    return prefixes


@lru_cache(maxsize=1)
def context() -> dict:
    """The published JSON-LD context (``ontology/context.jsonld``) as a dict with ``@context``."""
    from citykg.ontology import read_text

    return json.loads(read_text("context.jsonld"))


def compact_jsonld(triples: list[pyoxigraph.Triple], processor=None) -> list[dict]:
    """Node objects for these triples, compacted with citykg's context (by pyld; pass one
    :func:`compaction_processor` for all the chunks of an export)."""
    expanded = json.loads(pyoxigraph.serialize(triples, format=RdfFormat.JSON_LD))
    for node in expanded if isinstance(expanded, list) else [expanded]:
        # rdf:type objects are node types: "@type", as JSON-LD's own RDF conversion writes them
        types = node.pop(RDF_TYPE, [])
        if any("@id" not in t for t in types):
            node[RDF_TYPE] = [t for t in types if "@id" not in t]
        if types:
            node["@type"] = node.get("@type", []) + [t["@id"] for t in types if "@id" in t]
    if processor is None:
        from pyld import jsonld

        return jsonld.compact(expanded, context(), {"graph": True}).get("@graph", [])
    # pyoxigraph writes expanded JSON-LD already (every value an object in an array, full IRIs):
    # pyld's own expansion of it would change nothing and costs as much as the compaction
    compacted = processor.compact(expanded, context(), {"graph": True, "skipExpansion": True})
    return compacted.get("@graph", [])


def compaction_processor():
    """A pyld processor that does not redo, for every value, the work whose answer it has seen.

    pyld compacts each IRI anew, walking its inverse context and then every term of the context
    to find a prefix: at a few million triples that is most of a JSON-LD export. Two shortcuts
    keep its answers (``tests/test_export.py`` checks the documents are the ones pyld alone
    writes):

    - the term for a property (``vocab=True``) or a keyword depends on the property, the
      context and the value's shape (its keys, type and language), not on its text; for a
      reference to a node, only on whether the node's IRI is itself a term: those choices are
      remembered;
    - a node's IRI (``vocab=False``) is a prefix term and the rest of the IRI, and only terms
      whose IRI starts the IRI up to its last ``/`` or ``#`` can be that prefix: pyld's choice
      among them is made over those few, found once per namespace, instead of over all terms.

    At most :data:`REMEMBERED_TERMS` of each are kept.
    """
    from pyld.jsonld import JsonLdProcessor

    class Remembering(JsonLdProcessor):
        def __init__(self):
            super().__init__()
            self.terms: dict = {}
            self.prefixes: dict = {}
            self.term_iris: dict = {}

        def _compact_iri(self, active_ctx, iri, value=None, vocab=False, base=None, reverse=False):
            uuid = active_ctx.get("_uuid")
            if uuid is None or not isinstance(iri, str):
                return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            keyword = iri.startswith("@")  # its alias, if any: pyld compacts it as a property
            if not vocab and not keyword:
                curie = self._curie(active_ctx, uuid, iri) if value is None and not reverse else None
                return curie or super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            shape = _value_shape(value, self._term_iris(active_ctx, uuid))
            if shape is None:
                return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            key = (uuid, iri, shape, vocab, reverse)
            term = self.terms.get(key)
            if term is None:
                term = super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
                if len(self.terms) < REMEMBERED_TERMS:
                    self.terms[key] = term
            return term

        def _curie(self, active_ctx, uuid, iri: str) -> str | None:
            """pyld's compact IRI (its shortest usable ``prefix:rest``, then the first in order),
            chosen among the prefixes of the IRI's namespace; None to let pyld decide (no prefix
            fits, or a term's IRI reaches past the namespace into the local name)."""
            namespace = iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
            if not namespace or namespace == iri:
                return None
            mappings = active_ctx["mappings"]
            key = (uuid, namespace)
            if key not in self.prefixes:
                iris = [(term, d["@id"]) for term, d in mappings.items()
                        if d and isinstance(d.get("@id"), str) and d["@id"] and ":" not in term]
                reaching = any(len(d) > len(namespace) and d.startswith(namespace) for _, d in iris)
                found = None if reaching else [(t, d) for t, d in iris if namespace.startswith(d)]
                if len(self.prefixes) < REMEMBERED_TERMS:
                    self.prefixes[key] = found
            else:
                found = self.prefixes[key]
            best = None
            for term, prefix in found or ():
                curie = f"{term}:{iri[len(prefix):]}"
                usable = (mappings[term]["_prefix"] and curie not in mappings) or \
                    (mappings.get(curie) or {}).get("@id") == iri
                if usable and (best is None or (len(curie), curie) < (len(best), best)):
                    best = curie
            return best

        def _term_iris(self, active_ctx, uuid) -> frozenset:
            if uuid not in self.term_iris:
                self.term_iris[uuid] = frozenset(d["@id"] for d in active_ctx["mappings"].values()
                                                 if d and isinstance(d.get("@id"), str))
            return self.term_iris[uuid]

    return Remembering()


def _value_shape(value, term_iris: frozenset):
    """What of ``value`` pyld's choice of a term looks at; None for values it is not worth
    remembering (lists, nested nodes): those go to pyld every time."""
    if value is None:
        return ("none",)
    if not isinstance(value, dict):
        return None
    if "@value" in value:
        if not all(isinstance(v, str) for k, v in value.items() if k != "@value"):
            return None
        return ("value",) + tuple(sorted((k, v) for k, v in value.items() if k != "@value"))
    if len(value) == 1 and isinstance(value.get("@id"), str):
        return ("id", value["@id"] if value["@id"] in term_iris else None)
    return None


def write_jsonld(store, output: BinaryIO, graphs, progress: Progress | None = None, **_options) -> int:
    """A compacted JSON-LD document, ``{"@context": ..., "@graph": [...]}``, written a chunk of
    subjects at a time; a subject whose triples span chunks appears as several node objects with
    the same ``@id``, which JSON-LD readers merge."""
    counter = [0]
    output.write(b'{\n"@context": ')
    output.write(json.dumps(context()["@context"], ensure_ascii=False, indent=1).encode("utf-8"))
    output.write(b',\n"@graph": [')
    first = True
    processor = compaction_processor()
    for chunk in subject_chunks(counted(iter_triples(store, graphs), progress, counter), JSONLD_CHUNK):
        for node in compact_jsonld(chunk, processor):
            output.write(b"\n" if first else b",\n")
            output.write(json.dumps(node, ensure_ascii=False).encode("utf-8"))
            first = False
    output.write(b"\n]\n}\n")
    return counter[0]


def subject_chunks(triples: Iterable[pyoxigraph.Triple], size: int) -> Iterator[list[pyoxigraph.Triple]]:
    """Lists of about ``size`` triples, cut only where the subject changes."""
    chunk: list[pyoxigraph.Triple] = []
    for triple in triples:
        if len(chunk) >= size and triple.subject != chunk[-1].subject:
            yield chunk
            chunk = []
        chunk.append(triple)
    if chunk:
        yield chunk


register(Exporter("turtle", (".ttl",), "text/turtle", _rdf_writer(RdfFormat.TURTLE, False),
                  "Turtle, all graphs merged"))
register(Exporter("ntriples", (".nt",), "application/n-triples", _rdf_writer(RdfFormat.N_TRIPLES, False),
                  "N-Triples, all graphs merged"))
register(Exporter("nquads", (".nq",), "application/n-quads", _rdf_writer(RdfFormat.N_QUADS, True),
                  "N-Quads, one named graph per source", named_graphs=True))
register(Exporter("trig", (".trig",), "application/trig", _rdf_writer(RdfFormat.TRIG, True),
                  "TriG, one named graph per source", named_graphs=True))
register(Exporter("jsonld", (".jsonld", ".json"), "application/ld+json", write_jsonld,
                  "JSON-LD compacted with citykg's context, all graphs merged"))
register(Exporter("rdfxml", (".rdf", ".owl", ".xml"), "application/rdf+xml", _rdf_writer(RdfFormat.RDF_XML, False),
                  "RDF/XML, all graphs merged"))


# -- network formats ----------------------------------------------------------------------------


def network_projection(store, kind: str = NETWORK_KINDS_HINT, **filters):
    """The ``kind`` partner network of the store (``citykg.graph.network.project``)."""
    try:
        from citykg.graph.network import project
    except ImportError:
        raise CitykgError("network exports need the network module (citykg.graph.network)") from None
    return project(store, kind=kind, **filters)


def _network_writer(write_graph):
    def write(store, output: BinaryIO, graphs, progress: Progress | None = None, *,
              network: str = NETWORK_KINDS_HINT, **_options) -> int:
        if graphs is not None:
            raise CitykgError("--graph applies to RDF formats; a network is drawn from every graph")
        graph = network_projection(store, network)
        write_graph(graph, output)
        if progress:
            progress(graph.number_of_nodes() + graph.number_of_edges())
        return graph.number_of_nodes() + graph.number_of_edges()

    return write


def _graphml(graph, output):
    import networkx as nx

    nx.write_graphml(_scalar_graph_attributes(graph), output)


def _gexf(graph, output):
    import networkx as nx

    nx.write_gexf(_scalar_graph_attributes(graph), output)


def _scalar_graph_attributes(graph):
    """The graph with its graph-level attributes as text where they are not str, int or float
    (GraphML and GEXF hold only scalars there)."""
    graph = graph.copy()
    for key, value in list(graph.graph.items()):
        if not isinstance(value, (str, int, float, bool)):
            graph.graph[key] = json.dumps(value, ensure_ascii=False, default=str)
    return graph


def write_network_csv(store, output: BinaryIO, graphs, progress: Progress | None = None, *,
                      network: str = NETWORK_KINDS_HINT, nodes_output: BinaryIO | None = None,
                      **_options) -> int:
    """The links as CSV (``source``, ``target`` and their attributes) and, into ``nodes_output``,
    the nodes (``id`` and their attributes): the two tables Gephi's and Cytoscape's importers take."""
    import csv
    import io

    if graphs is not None:
        raise CitykgError("--graph applies to RDF formats; a network is drawn from every graph")
    graph = network_projection(store, network)

    def table(rows, first_columns, target):
        columns = list(first_columns)
        for row in rows:
            columns += [k for k in row if k not in columns]
        text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        writer = csv.DictWriter(text, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        text.detach()

    edges = [{"source": a, "target": b, **data} for a, b, data in graph.edges(data=True)]
    table(edges, ("source", "target"), output)
    if nodes_output is not None:
        table([{"id": n, **data} for n, data in graph.nodes(data=True)], ("id",), nodes_output)
    return graph.number_of_nodes() + graph.number_of_edges()


register(Exporter("graphml", (".graphml",), "application/graphml+xml", _network_writer(_graphml),
                  "GraphML of a partner network (Gephi, Cytoscape, yEd)", kind="network"))
register(Exporter("gexf", (".gexf",), "application/gexf+xml", _network_writer(_gexf),
                  "GEXF of a partner network (Gephi)", kind="network"))
register(Exporter("csv", (".csv",), "text/csv", write_network_csv,
                  "CSV of a partner network: links in FILE, nodes in FILE-nodes.csv", kind="network"))


# -- the export itself --------------------------------------------------------------------------


def guess_format(path: str | os.PathLike | None) -> str | None:
    """The format a file name's extension means (``.gz`` aside), or None."""
    if path is None or str(path) == "-":
        return None
    suffix = Path(str(path)).suffix.lower()
    for exporter in EXPORTERS.values():
        if suffix in exporter.extensions:
            return exporter.name
    return None


ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "nq": "nquads", "n-quads": "nquads",
           "json-ld": "jsonld", "rdf": "rdfxml", "xml": "rdfxml", "rdf/xml": "rdfxml", "rdf-xml": "rdfxml"}


def resolve_format(fmt: str | None, path) -> Exporter:
    name = (fmt or guess_format(path) or "").lower()
    name = ALIASES.get(name, name)
    if not name:
        raise CitykgError(
            f"cannot tell the format from '{path}': pass --format ({', '.join(EXPORTERS)})"
            if path not in (None, "-") else f"pass --format for standard output ({', '.join(EXPORTERS)})"
        )
    if name not in EXPORTERS:
        raise CitykgError(f"unknown export format '{name}': expected one of {', '.join(EXPORTERS)}")
    return EXPORTERS[name]


def nodes_path(path: Path) -> Path:
    """Where the CSV export puts the nodes of ``path`` (``links.csv`` -> ``links-nodes.csv``)."""
    return path.with_name(f"{path.stem}-nodes{path.suffix or '.csv'}")


def export(store, out, fmt: str | None = None, *, graph: str | None = None,
           progress: Progress | None = None, **options) -> int:
    """Write the store to ``out`` (a path, ``"-"`` for standard output, or a binary file object)
    in ``fmt`` (default: guessed from the file name); returns how many triples, quads, or nodes
    and links were written.

    A file is written under a temporary name and renamed when complete, so a failed export never
    leaves a truncated file behind.
    """
    exporter = resolve_format(fmt, out if isinstance(out, (str, os.PathLike)) else None)
    graphs = select_graphs(store, graph)
    if not isinstance(out, (str, os.PathLike)):
        return exporter.write(store, out, graphs, progress, **options)
    if str(out) == "-":
        if exporter.name == "csv":
            options.setdefault("nodes_output", None)
        return exporter.write(store, sys.stdout.buffer, graphs, progress, **options)
    path = Path(out)
    if path.parent and not path.parent.exists():
        raise CitykgError(f"--out {path}: the folder {path.parent} does not exist")
    targets = [path] + ([nodes_path(path)] if exporter.name == "csv" else [])
    partials = [p.with_name(f".{p.name}.partial") for p in targets]
    try:
        handles = [open(p, "wb") for p in partials]
        try:
            if exporter.name == "csv":
                options["nodes_output"] = handles[1]
            count = exporter.write(store, handles[0], graphs, progress, **options)
        finally:
            for handle in handles:
                handle.close()
        for partial, target in zip(partials, targets):
            os.replace(partial, target)
    except OSError as exc:
        raise CitykgError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        for partial in partials:
            if partial.exists():
                partial.unlink()
    return count


# -- the ontology -------------------------------------------------------------------------------


def export_ontology(folder: str | os.PathLike) -> list[Path]:
    """Write the ontology (with its concept schemes) as ``citykg.ttl`` and ``citykg.jsonld``, the
    JSON-LD context as ``context.jsonld``, and an HTML documentation page (pyLODE) as
    ``index.html``; returns the files written."""
    from citykg.ontology import ontology_triples, read_text

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CitykgError(f"cannot create {folder}: {exc.strerror or exc}") from None
    triples = list(ontology_triples())
    written = []

    def put(name: str, data: bytes) -> None:
        target = folder / name
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise CitykgError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)

    prefixes = {**PREFIXES, "vann": "http://purl.org/vocab/vann/", "org": "http://www.w3.org/ns/org#"}
    put("citykg.ttl", pyoxigraph.serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes))
    document = {"@context": context()["@context"], "@graph": compact_jsonld(triples)}
    put("citykg.jsonld", json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    put("context.jsonld", read_text("context.jsonld").encode("utf-8"))
    put("index.html", ontology_html().encode("utf-8"))
    return written


def ontology_html() -> str:
    """The ontology's documentation page, made by pyLODE (self-contained: styles inline)."""
    import logging

    from citykg.ontology import ontology_graph

    try:
        from pylode import OntPub
    except ImportError as exc:
        raise CitykgError(f"the ontology's HTML page needs pyLODE: pip install 'citykg[linked-data]' ({exc})") from None
    graph = ontology_graph()
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(max(quiet, logging.WARNING))  # pyLODE logs each step at INFO
    try:
        return OntPub(ontology=graph).make_html()
    finally:
        logging.getLogger().setLevel(quiet)

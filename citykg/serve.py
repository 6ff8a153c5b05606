"""The local SPARQL endpoint: the store over the SPARQL 1.1 Protocol, read-only, with a query page.

The serve step of the data flow: store -> HTTP. ``/sparql`` takes ``query`` by GET or POST (form
or ``application/sparql-query``) and answers SELECT and ASK as SPARQL JSON, XML, CSV or TSV, and
CONSTRUCT and DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, by ``Accept`` (or a ``format``
parameter). SPARQL Update is refused. ``/`` is a page to type queries or pick catalogue ones; it
loads nothing from the network. ``/catalogue`` lists the catalogue as JSON and ``/bind`` binds a
catalogue query's parameters, as ``citykg query --param`` does.

Each query runs in a worker thread; the request waits at most ``timeout`` seconds for it and then
answers 503. Oxigraph cannot stop a query once started, so a query past its limit still runs to
its end in its worker (the pool of ``workers`` threads bounds how many can). An answer of more
than ``max_rows`` rows (or triples) is refused with 422 rather than cut.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from itertools import islice
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat

from citykg.errors import CitykgError

DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_REQUEST_BYTES = 1_000_000
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

# media type -> format name, for each kind of answer; the first is the default
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": "jsonld",
    "application/rdf+xml": RdfFormat.RDF_XML,
    "text/plain": RdfFormat.N_TRIPLES,
}
FORMAT_PARAMETER = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "turtle": "text/turtle", "ttl": "text/turtle", "ntriples": "application/n-triples",
    "nt": "application/n-triples", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


class RequestError(Exception):
    """A request the endpoint answers with an HTTP error and a one-line message."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Limits:
    timeout: float = DEFAULT_TIMEOUT  # seconds a request waits for its query
    max_rows: int = DEFAULT_MAX_ROWS  # rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in one answer


@dataclass
class Outcome:
    kind: str  # select | ask | graph
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)


# -- content negotiation --------------------------------------------------------------------------


def accepted(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header, most wanted first (q-values, then specificity)."""
    ranges = []
    for position, part in enumerate((header or "*/*").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranges.append((media.lower(), quality, specificity, position))
    ranges.sort(key=lambda r: (-r[1], -r[2], r[3]))
    return [(media, quality) for media, quality, _, _ in ranges if quality > 0]


def negotiate(header: str | None, offers: dict) -> str | None:
    """The media type of ``offers`` the Accept header prefers; None when it takes none of them."""
    for media, _ in accepted(header):
        if media == "*/*":
            return next(iter(offers))
        if media.endswith("/*"):
            kind = media[:-1]
            match = next((offer for offer in offers if offer.startswith(kind)), None)
            if match:
                return match
        elif media in offers:
            return media
    return None


# -- running queries ---------------------------------------------------------------------------------


def evaluate(store, text: str, max_rows: int, dataset: dict | None = None) -> Outcome:
    """Run the query and keep at most ``max_rows + 1`` rows (one more tells that it is too many)."""
    if dataset and hasattr(store, "store"):
        from citykg.ontology import namespace as ns

        result = store.store.query(text, prefixes=ns.PREFIXES, **dataset)
    else:
        result = store.query(text)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return Outcome("ask", ["answer"], boolean=bool(result))
    if isinstance(result, pyoxigraph.QueryTriples):
        return Outcome("graph", triples=list(islice(result, max_rows + 1)))
    columns = [v.value for v in result.variables]
    rows = [tuple(solution[i] for i in range(len(columns))) for solution in islice(result, max_rows + 1)]
    return Outcome("select", columns, rows)


class Endpoint:
    """The store, the limits and the workers that run queries; shared by all request threads."""

    def __init__(self, store, limits: Limits | None = None, workers: int = 4):
        self.store = store
        self.limits = limits or Limits()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citykg-query")

    def run(self, text: str, dataset: dict | None = None) -> Outcome:
        from citykg.graph.remote import query_form

        form = query_form(text)
        if form in UPDATE_FORMS:
            raise RequestError(HTTPStatus.FORBIDDEN,
                               "this endpoint is read-only: SPARQL Update is refused (load data with 'citykg load')")
        future = self.pool.submit(evaluate, self.store, text, self.limits.max_rows, dataset)
        try:
            outcome = future.result(timeout=self.limits.timeout)
        except FutureTimeout:
            raise RequestError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the query did not finish within the endpoint's time limit of {self.limits.timeout:g} s "
                "(citykg serve --timeout); narrow it down or raise the limit",
            ) from None
        except SyntaxError as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"the query is not valid SPARQL: {exc}") from None
        except CitykgError as exc:
            raise RequestError(HTTPStatus.BAD_GATEWAY, str(exc)) from None
        except (OSError, ValueError, TypeError) as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"the query failed: {exc}") from None
        if outcome.size > self.limits.max_rows:
            what = "triples" if outcome.kind == "graph" else "rows"
            raise RequestError(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                f"the answer has more than {self.limits.max_rows} {what}, the endpoint's result-size limit "
                "(citykg serve --max-rows): add a LIMIT, narrow the query, or raise the limit",
            )
        return outcome

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


# -- writing answers -----------------------------------------------------------------------------------


def render(outcome: Outcome, media: str) -> bytes:
    """The answer in the format of ``media`` (negotiated beforehand for the kind of answer)."""
    if outcome.kind == "graph":
        fmt = GRAPH_TYPES[media]
        if fmt == "jsonld":
            from citykg.export import compact_jsonld, context

            document = {"@context": context()["@context"], "@graph": compact_jsonld(outcome.triples)}
            return json.dumps(document, ensure_ascii=False).encode("utf-8")
        prefixes = None
        if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML):
            from citykg.export import PREFIXES as prefixes
        return pyoxigraph.serialize(outcome.triples, format=fmt, prefixes=prefixes)
    from citykg.queries.format import serialise
    from citykg.queries.run import Answer

    answer = Answer(outcome.kind, outcome.columns, outcome.rows, boolean=outcome.boolean)
    return serialise(answer, RESULT_TYPES[media]).encode("utf-8")


def service_description(url: str) -> bytes:
    """A SPARQL 1.1 Service Description of the endpoint (what GET without a query returns)."""
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
    lines = [
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .",
        "@prefix f: <http://www.w3.org/ns/formats/> .",
        f"<{url}> a sd:Service ;",
        f"  sd:endpoint <{url}> ;",
        "  sd:supportedLanguage sd:SPARQL11Query ;",
        "  sd:feature sd:UnionDefaultGraph ;",
        "  " + " ;\n  ".join(f"sd:resultFormat f:{name}" for name in formats) + " .",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def page() -> bytes:
    return (files("citykg") / "static" / "query.html").read_bytes()


def catalogue_json() -> bytes:
    from citykg.queries import list_queries

    entries = [
        {"name": q.name, "summary": q.summary, "returns": q.returns, "query": q.text,
         "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                     "doc": p.doc} for p in q.params]}
        for q in list_queries()
    ]
    return json.dumps(entries, ensure_ascii=False).encode("utf-8")


# -- HTTP ------------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """One request: route it, answer it, and turn every failure into an HTTP error with a message."""

    server_version = "citykg"
    protocol_version = "HTTP/1.1"  # keep-alive: clients that send many queries reuse a connection
    endpoint: Endpoint  # set on the subclass that make_server() makes
    quiet = False
    body = b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_OPTIONS(self):
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self):
        self._refuse_method()

    do_DELETE = do_PATCH = do_PUT

    def _refuse_method(self):
        self._error(RequestError(HTTPStatus.METHOD_NOT_ALLOWED,
                                 f"{self.command} is not supported: this endpoint is read-only (GET or POST a query)"))

    def _handle(self, method: str):
        try:
            if method == "POST":
                self._read_body()
            url = urlsplit(self.path)
            params = parse_qs(url.query, keep_blank_values=True)
            if url.path in ("/", "/index.html"):
                return self._send(HTTPStatus.OK, "text/html; charset=utf-8", page())
            if url.path == "/catalogue":
                return self._send(HTTPStatus.OK, "application/json", catalogue_json())
            if url.path == "/context.jsonld":
                from citykg.export import context

                return self._send(HTTPStatus.OK, "application/ld+json",
                                  json.dumps(context(), ensure_ascii=False, indent=1).encode("utf-8"))
            if url.path == "/bind":
                return self._bind(params, method)
            if url.path == "/sparql":
                return self._sparql(params, method)
            raise RequestError(HTTPStatus.NOT_FOUND,
                               f"nothing at {url.path}: the SPARQL endpoint is /sparql, the query page is /")
        except RequestError as exc:
            self._error(exc)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; nobody to answer

    # -- /sparql

    def _sparql(self, params: dict, method: str):
        if method == "POST":
            params = self._body_params(params)
        if "update" in params:
            from citykg.graph.remote import query_form

            if all(query_form(text) in QUERY_FORMS for text in params["update"]):
                raise RequestError(
                    HTTPStatus.FORBIDDEN,
                    "this endpoint is read-only: SPARQL Update is refused, and this request sends a query "
                    "as an update: send it as 'query' (SPARQLWrapper takes a query for an update when a "
                    "comment holds a word such as 'loaded'; set its queryType)",
                )
            raise RequestError(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query", [])
        if not queries:
            if method == "GET":
                base = f"http://{self.headers.get('Host', 'localhost')}/sparql"
                return self._send(HTTPStatus.OK, "text/turtle", service_description(base))
            raise RequestError(HTTPStatus.BAD_REQUEST, "no query: send it as the 'query' parameter")
        if len(queries) > 1:
            raise RequestError(HTTPStatus.BAD_REQUEST, "more than one 'query' parameter")
        text = queries[0]
        if not text.strip():
            raise RequestError(HTTPStatus.BAD_REQUEST, "the query is empty")
        dataset = self._dataset(params)
        wanted = params.get("format", [None])[0]
        accept = FORMAT_PARAMETER.get(wanted.lower(), wanted) if wanted else self.headers.get("Accept")
        from citykg.graph.remote import query_form

        # the format is settled before the query runs: a query whose answer nobody can read is not run
        offers = GRAPH_TYPES if query_form(text) in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
        media = negotiate(accept, offers)
        if media is None:
            names = ", ".join(dict.fromkeys(offers))
            raise RequestError(HTTPStatus.NOT_ACCEPTABLE,
                               f"cannot answer as '{accept}': this answer can be {names}")
        outcome = self.endpoint.run(text, dataset)
        body = render(outcome, media)
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body,
                   {"X-Citykg-Rows": str(outcome.size)})

    def _dataset(self, params: dict) -> dict | None:
        """The dataset that ``default-graph-uri``/``named-graph-uri`` ask for (protocol §2.1.4)."""
        default = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
        if not default and not named:
            return None
        try:
            dataset = {"default_graph": [NamedNode(g) for g in default] if default else None,
                       "named_graphs": [NamedNode(g) for g in named] if named else None}
        except ValueError as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"bad graph IRI: {exc}") from None
        if default and not named:
            dataset["named_graphs"] = []  # the protocol: named graphs are only the ones named
        return {k: v for k, v in dataset.items() if v is not None} or None

    def _read_body(self) -> None:
        """Read the whole body first, so that an error answer leaves the connection usable."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BYTES:
            self.close_connection = True
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the request body must be at most {MAX_REQUEST_BYTES} bytes, with a Content-Length")
        self.body = self.rfile.read(length) if length else b""

    def _body_params(self, params: dict) -> dict:
        body = self.body.decode("utf-8", "replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        merged = {k: list(v) for k, v in params.items()}
        if media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                merged.setdefault(key, []).extend(values)
        elif media == "application/sparql-query":
            merged.setdefault("query", []).append(body)
        elif media == "application/sparql-update":
            raise RequestError(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
        elif body:
            raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                               f"cannot read a '{media or 'untyped'}' body: send application/x-www-form-urlencoded "
                               "or application/sparql-query")
        return merged

    # -- /bind

    def _bind(self, params: dict, method: str):
        """The query with its parameters bound (``query`` is the text or a catalogue name)."""
        from citykg.queries import load_query, parse_query
        from citykg.queries.run import bind

        if method == "POST":
            params = self._body_params(params)
        spec = params.pop("query", [""])[0]
        if not spec.strip():
            raise RequestError(HTTPStatus.BAD_REQUEST, "no query to bind: send 'query' (a text or a catalogue name)")
        values = {k: v[-1] for k, v in params.items() if v and v[-1] != ""}
        try:
            # a catalogue name or a query text: never a file path, which would read the server's files
            query = load_query(spec.strip()) if re.fullmatch(r"[a-z0-9][a-z0-9-]*", spec.strip()) else parse_query(spec)
            future = self.endpoint.pool.submit(bind, self.endpoint.store, query, values)
            text = future.result(timeout=self.endpoint.limits.timeout)
        except CitykgError as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
        except FutureTimeout:
            raise RequestError(HTTPStatus.SERVICE_UNAVAILABLE, "binding the parameters took too long") from None
        self._send(HTTPStatus.OK, "application/json",
                   json.dumps({"query": text}, ensure_ascii=False).encode("utf-8"))

    # -- answers

    def _cors(self):
        # the data is public to whoever can reach the port, and the endpoint never writes
        self.send_header("Access-Control-Allow-Origin", "*")

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self._cors()
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, error: RequestError):
        try:
            self._send(error.status, "text/plain; charset=utf-8", (error.message + "\n").encode("utf-8"))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args):
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(store, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, limits: Limits | None = None,
                workers: int = 4, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for the store, bound but not yet serving (``serve_forever`` starts it)."""
    endpoint = Endpoint(store, limits, workers)
    handler = type("CitykgHandler", (Handler,), {"endpoint": endpoint, "quiet": quiet})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        endpoint.close()
        reason = "it is in use" if exc.errno == 98 else exc.strerror or str(exc)
        raise CitykgError(f"cannot listen on {host}:{port}: {reason}") from None
    server.daemon_threads = True
    server.endpoint = endpoint
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a background thread (for tests and notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="citykg-serve", daemon=True)
    thread.start()
    return thread

"""The local SPARQL endpoint: the store over the SPARQL 1.1 Protocol, read-only, with a query page.

The serve step of the data flow: store -> HTTP. ``/sparql`` takes ``query`` by GET or POST (form
or ``application/sparql-query``) and answers SELECT and ASK as SPARQL JSON, XML, CSV or TSV, and
CONSTRUCT and DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, by ``Accept`` (or a ``format``
parameter). SPARQL Update is refused. ``/`` is a page to type queries or pick catalogue ones; it
loads nothing from the network. ``/catalogue`` lists the catalogue as JSON and ``/bind`` binds a
catalogue query's parameters, as ``citykg query --param`` does.

Limits, each a ``citykg serve`` option (defaults in :class:`Limits`, documented in
``docs/reliability.md``):

- A query is looked at before it is parsed: more than ``max_depth`` nested groups or brackets, or
  more than 2,000 operators, is 400 (the parser would overflow its stack and end the process).
- SERVICE is refused (400) unless its endpoint is on the ``allow_service`` list: the server would
  otherwise send requests wherever a client asks (server-side request forgery).
- Each query of an on-disk store runs in one of ``workers`` worker processes
  (``citykg/serve_workers.py``), killed and replaced at ``timeout`` seconds (503) or when it passes
  ``memory_mb``; an in-memory store (tests, notebooks) runs queries in threads.
- An answer of more than ``max_rows`` rows (or triples) is refused with 422 rather than cut.
- A connection that sends nothing for ``socket_timeout`` seconds (headers, body, or an idle
  keep-alive) is closed (408 when a request was under way); at most ``max_connections`` are served
  at once, and more get 503.
- The workers reopen the store when a load has replaced it: answers follow the data.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat

from citykg.errors import CitykgError
from citykg.queries.sparql_text import query_shape_problem, uses_service

from .serve_workers import DEFAULT_MEMORY_MB, Outcome, WorkerLost, WorkerPool, WorkersBusy, WorkerTimeout, evaluate

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
    max_depth: int = 100  # nested groups and brackets in a query
    socket_timeout: float = 20.0  # seconds a connection may send nothing (headers, body, idle)
    max_connections: int = 64  # connections served at once
    memory_mb: int = DEFAULT_MEMORY_MB  # address space of each query worker
    allow_service: tuple[str, ...] = ()  # endpoints a SERVICE clause may call


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


class Endpoint:
    """The store, the limits and the workers that run queries; shared by all request threads."""

    def __init__(self, store, limits: Limits | None = None, workers: int = 4):
        self.store = store
        self.limits = limits or Limits()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citykg-query")
        path = getattr(store, "path", None)
        self.workers = WorkerPool(path, workers, self.limits.memory_mb) if path else None

    def check(self, text: str) -> None:
        """Refuse, before parsing, what would crash the parser or make the server call out."""
        problem = query_shape_problem(text, max_depth=self.limits.max_depth)
        if problem:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"{problem} (citykg serve --max-depth)")
        refused = [target for target in uses_service(text) if target not in self.limits.allow_service]
        if refused:
            raise RequestError(HTTPStatus.BAD_REQUEST,
                               f"SERVICE {refused[0]} is refused: this endpoint calls no other endpoint unless "
                               "started with --allow-service URL")

    def run(self, text: str, dataset: dict | None = None) -> Outcome:
        from citykg.graph.remote import query_form

        self.check(text)
        form = query_form(text)
        if form in UPDATE_FORMS:
            raise RequestError(HTTPStatus.FORBIDDEN,
                               "this endpoint is read-only: SPARQL Update is refused (load data with 'citykg load')")
        try:
            if self.workers is not None:
                outcome = self.workers.run(text, dataset, self.limits.max_rows, self.limits.timeout)
            else:
                outcome = self.pool.submit(evaluate, self.store, text, self.limits.max_rows, dataset).result(
                    timeout=self.limits.timeout)
        except WorkersBusy:
            raise RequestError(HTTPStatus.SERVICE_UNAVAILABLE,
                               f"every query worker stayed busy for {self.limits.timeout:g} s; try again "
                               "(citykg serve --workers)") from None
        except WorkerLost as exc:
            raise RequestError(HTTPStatus.SERVICE_UNAVAILABLE,
                               f"{exc}; the limit is {self.limits.memory_mb} MB (citykg serve --memory-limit)") from None
        except MemoryError as exc:
            raise RequestError(HTTPStatus.SERVICE_UNAVAILABLE,
                               f"{exc} ({self.limits.memory_mb} MB, citykg serve --memory-limit)") from None
        except (FutureTimeout, WorkerTimeout):
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
        if self.workers is not None:
            self.workers.close()


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
        except TimeoutError:
            # a body slower than the socket timeout, or shorter than its Content-Length
            self.close_connection = True
            self._error(RequestError(HTTPStatus.REQUEST_TIMEOUT,
                                     f"the request did not arrive within {self.timeout:g} s (citykg serve --socket-timeout)"))
        except Exception as exc:  # never a dropped connection: one line for the client, the cause in the log
            self.close_connection = True
            self.log_message("internal error on %s: %s: %s", self.path[:200], type(exc).__name__, exc)
            self._error(RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}"))

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


_BUSY = b"too many connections at once (citykg serve --max-connections)\n"
BUSY_ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
               b"Content-Length: " + str(len(_BUSY)).encode() + b"\r\n\r\n" + _BUSY)


class BoundedServer(ThreadingHTTPServer):
    """A threading HTTP server that serves at most ``max_connections`` connections at once: more
    would each hold a thread (150 slow clients held 150), so the next ones get 503 and are closed."""

    daemon_threads = True
    max_connections = 64
    request_queue_size = 128  # the listen backlog: with the default 5, a burst waits seconds to connect

    def server_activate(self):
        super().server_activate()
        self.slots = threading.BoundedSemaphore(self.max_connections)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            try:
                request.sendall(BUSY_ANSWER)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def make_server(store, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, limits: Limits | None = None,
                workers: int = 4, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for the store, bound but not yet serving (``serve_forever`` starts it)."""
    endpoint = Endpoint(store, limits, workers)
    handler = type("CitykgHandler", (Handler,), {"endpoint": endpoint, "quiet": quiet,
                                                  "timeout": endpoint.limits.socket_timeout})
    server_class = type("CitykgServer", (BoundedServer,), {"max_connections": endpoint.limits.max_connections})
    try:
        server = server_class((host, port), handler)
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

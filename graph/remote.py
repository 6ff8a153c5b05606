"""A SPARQL 1.1 server as citykg's store: the same interface as the embedded ``GraphStore``.

Queries go to the server's query endpoint through SPARQLWrapper, and answers come back as the same
pyoxigraph result objects the embedded store gives, so the query catalogue, validation and exports
run unchanged. Every request names citykg's graphs as its dataset (``default-graph-uri`` and
``named-graph-uri``), so the default graph of a query is the union of citykg's named graphs, as in
the embedded store, and whatever else the server holds stays out of the answers.

Loads write each graph in batches to a staging graph, as SPARQL Update (``INSERT DATA``) or, when
a Graph Store Protocol endpoint is given, as N-Triples POSTed to it (several times faster); then
one update request drops the old graphs and moves the staging graphs into their place. Servers
that run one update request in one transaction (Virtuoso, Fuseki, GraphDB) switch atomically; if a
batch fails, the staging graphs are dropped and the server's graphs are as they were.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import quote

import pyoxigraph
from pyoxigraph import BlankNode, Quad

from citykg.errors import CitykgError
from citykg.graph.derive import derived_quads
from citykg.ontology import namespace as ns

# Virtuoso's SPARQL compiler runs out of parser stack on INSERT DATA requests of a few thousand
# triples; the Graph Store Protocol takes whole documents and is several times faster
BATCH_TRIPLES = 1_000
GSP_BATCH_TRIPLES = 50_000
QUERY_RETRIES = 2  # a query changes nothing, so a dropped connection or a busy server is retried
RETRY_STATUS = {502, 503, 504}
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5"
EMPTY_GRAPH = ns.STAGING_GRAPH + "empty"  # under staging/: no source can be named so
ASK_COLUMN = "__ASK_RETVAL"  # Virtuoso 7 answers ASK as a one-cell table under this name


class RemoteStoreError(CitykgError):
    """The server could not be reached, refused the request, or answered with something unusable."""


class RemoteStore:
    """citykg's graphs on a SPARQL 1.1 server (query endpoint, and update endpoint for loads).

    >>> store = RemoteStore("http://127.0.0.1:8890/sparql")  # doctest: +SKIP
    >>> citykg.query(store, "partners", city="Omsk")          # doctest: +SKIP
    """

    def __init__(
        self,
        endpoint: str,
        update_endpoint: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        graph_store: str | None = None,
        timeout: float = 120,
        batch_triples: int | None = None,
    ):
        if not re.match(r"^https?://", endpoint or ""):
            raise CitykgError(f"--endpoint '{endpoint}': expected the http:// or https:// URL of a SPARQL query endpoint")
        if update_endpoint and not re.match(r"^https?://", update_endpoint):
            raise CitykgError(f"--update-endpoint '{update_endpoint}': expected an http:// or https:// URL")
        if graph_store and not re.match(r"^https?://", graph_store):
            raise CitykgError(f"--graph-store '{graph_store}': expected an http:// or https:// URL")
        if password and not user:
            raise CitykgError("a password was given without a user: pass --user too (or set CITYKG_USER)")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.path = endpoint  # what messages print where the embedded store prints its folder
        self.user, self.password, self.token = user, password, token
        self.graph_store = graph_store
        self.timeout = timeout
        self.batch_triples = batch_triples or (GSP_BATCH_TRIPLES if graph_store else BATCH_TRIPLES)
        self._auth = "basic"  # switched to digest when the server asks for it (Virtuoso does)
        self._graphs: list[str] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- requests ---------------------------------------------------------------------------

    def _wrapper(self, url: str, text: str, *, is_update: bool, dataset: bool):
        from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper

        sparql = SPARQLWrapper(url)
        sparql.setMethod(POST)
        sparql.setTimeout(max(1, int(self.timeout)))
        sparql.setQuery(text)
        # SPARQLWrapper guesses the form from the first keyword-like word it finds, in comments too
        # ("loaded" reads as LOAD): say what it is, so a query is never sent as an update
        sparql.queryType = "INSERT" if is_update else (query_form(text) or "SELECT")
        if self.user:
            sparql.setHTTPAuth(DIGEST if self._auth == "digest" else BASIC)
            sparql.setCredentials(self.user, self.password or "")
        if self.token:
            sparql.addCustomHttpHeader("Authorization", f"Bearer {self.token}")
        if dataset:
            # with no citykg graph yet, a graph that never holds data keeps the server's others out
            for graph in self.graphs() or [EMPTY_GRAPH]:
                sparql.addDefaultGraph(graph)
                sparql.addNamedGraph(graph)
        return sparql

    def _send(self, url: str, text: str, *, accept: str | None = None, is_update: bool = False,
              dataset: bool = True, stream: bool = False):
        """The server's answer as (content type, body bytes), or (content type, the open response)
        with ``stream``; one clear error when there is none."""
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            Unauthorized,
            URITooLong,
        )

        attempts = 1 if is_update else 1 + QUERY_RETRIES
        what = "update" if is_update else "query"
        for attempt in range(attempts):
            sparql = self._wrapper(url, text, is_update=is_update, dataset=dataset)
            if accept:
                sparql.addCustomHttpHeader("Accept", accept)
            try:
                result = sparql.query()
                content_type = result.response.headers.get("Content-Type", "")
                self._check_partial(result.response.headers)
                if stream:
                    return content_type, result.response
                return content_type, result.response.read()
            except Unauthorized as exc:
                if self.user and self._auth == "basic":
                    self._auth = "digest"  # nothing ran: safe to ask again the way the server wants
                    return self._send(url, text, accept=accept, is_update=is_update, dataset=dataset,
                                      stream=stream)
                who = "the credentials given" if self.user or self.token else "anonymous access"
                raise RemoteStoreError(
                    f"{url} refused {who} (HTTP 401): pass --user and --password "
                    f"(CITYKG_USER, CITYKG_PASSWORD) or set CITYKG_TOKEN{_server_says(exc)}"
                ) from None
            except QueryBadFormed as exc:
                raise RemoteStoreError(f"{url} rejected the {what} (HTTP 400){_server_says(exc)}") from None
            except EndPointNotFound as exc:
                raise RemoteStoreError(f"no SPARQL endpoint at {url} (HTTP 404){_server_says(exc)}") from None
            except URITooLong:
                raise RemoteStoreError(f"{url} says the request is too long (HTTP 414)") from None
            except EndPointInternalError as exc:
                # Virtuoso reports syntax errors, refusals and its own limits as 500 with the reason
                # in the body
                says = _server_says(exc)
                hint = ""
                if is_update and re.search(r"permission|SR186|not allowed|read.only", says, re.I):
                    hint = (" (this account may not write here: pass --update-endpoint with the server's "
                            "authenticated update URL, e.g. Virtuoso's /sparql-auth, and --user/--password)")
                raise RemoteStoreError(f"{url} could not run the {what} (HTTP 500){hint}{says}") from None
            except urllib.error.HTTPError as exc:
                if exc.code in RETRY_STATUS and attempt + 1 < attempts:
                    time.sleep(0.5 * (attempt + 1))
                    continue
                body = _read_error(exc)
                hint = ""
                if exc.code == 403:
                    hint = (": the account may not run SPARQL Update here (pass --update-endpoint, "
                            "--user, --password)" if is_update else ": access is forbidden")
                elif exc.code in (405, 406, 415):
                    hint = ": is it the URL of the SPARQL endpoint itself (often ending in /sparql)?"
                raise RemoteStoreError(f"{url} answered HTTP {exc.code} {exc.reason}{hint}{_server_says(body)}") from None
            except (TimeoutError, socket.timeout):
                raise RemoteStoreError(
                    f"{url} did not answer the {what} within {self.timeout:g} s"
                    + (" (the update may still complete on the server)" if is_update else "")
                ) from None
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    raise RemoteStoreError(f"{url} did not answer the {what} within {self.timeout:g} s") from None
                if attempt + 1 < attempts and isinstance(reason, (ConnectionResetError, ConnectionAbortedError)):
                    time.sleep(0.5 * (attempt + 1))
                    continue
                raise RemoteStoreError(f"cannot reach the SPARQL endpoint {url}: {reason}") from None
            except (ConnectionError, OSError) as exc:  # connection reset mid-answer
                if attempt + 1 < attempts:
                    time.sleep(0.5 * (attempt + 1))
                    continue
                raise RemoteStoreError(f"the connection to {url} failed: {exc}") from None
        raise AssertionError("unreachable")

    def _check_partial(self, headers) -> None:
        # Virtuoso cuts an answer short when it hits its execution-time limit and says so only in
        # these headers; a partial answer must never pass for a whole one
        state = headers.get("X-SQL-State")
        if state:
            message = headers.get("X-SQL-Message", "")
            raise RemoteStoreError(
                f"{self.endpoint} returned a partial answer ({state}: {message.strip()}): "
                "raise the server's query time limit (Virtuoso: MaxQueryExecutionTime)"
            )

    # -- reading ----------------------------------------------------------------------------

    def query(self, text: str, *, prefixes: dict[str, str] | None = None):
        """Run a SPARQL query over the union of citykg's graphs on the server.

        Returns what ``GraphStore.query`` returns: ``QuerySolutions``, ``QueryBoolean`` or
        ``QueryTriples`` from pyoxigraph.
        """
        text = with_prefixes(text, prefixes or ns.PREFIXES)
        form = query_form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = list(self._graph_answer(text))
            scratch = pyoxigraph.Store()  # QueryTriples only comes out of a query: re-ask locally
            scratch.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
            return scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        if form not in ("SELECT", "ASK"):
            raise CitykgError(f"expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, not {form or 'this text'}")
        content_type, body = self._send(self.endpoint, text, accept=RESULTS_ACCEPT)
        result = self._parse_results(content_type, body)
        if form == "ASK" and isinstance(result, pyoxigraph.QuerySolutions):
            return self._ask_from_table(result)
        return result

    def _parse_results(self, content_type: str, body: bytes):
        media = content_type.split(";")[0].strip().lower()
        fmt = pyoxigraph.QueryResultsFormat.from_media_type(media) if media else None
        if fmt is None:
            if media in ("application/json", "text/json"):
                fmt = pyoxigraph.QueryResultsFormat.JSON
            elif media in ("application/xml", "text/xml"):
                fmt = pyoxigraph.QueryResultsFormat.XML
            else:
                raise RemoteStoreError(_not_results(self.endpoint, media, body))
        try:
            return pyoxigraph.parse_query_results(body, format=fmt)
        except SyntaxError as exc:
            raise RemoteStoreError(f"{self.endpoint} sent SPARQL results that cannot be read ({exc})") from None

    def _ask_from_table(self, table):
        rows = list(table)
        columns = [v.value for v in table.variables]
        if columns != [ASK_COLUMN] or len(rows) > 1:
            raise RemoteStoreError(f"{self.endpoint} answered an ASK query with a table of {columns}")
        value = rows[0][0] if rows else None
        truth = value is not None and value.value in ("1", "true")
        document = b'{"head":{},"boolean":' + (b"true" if truth else b"false") + b"}"
        return pyoxigraph.parse_query_results(document, format=pyoxigraph.QueryResultsFormat.JSON)

    def _graph_answer(self, text: str) -> Iterator[pyoxigraph.Triple]:
        content_type, body = self._send(self.endpoint, text, accept=GRAPH_ACCEPT)
        media = content_type.split(";")[0].strip().lower()
        fmt = pyoxigraph.RdfFormat.from_media_type(media) if media else None
        if fmt is None:
            raise RemoteStoreError(_not_results(self.endpoint, media, body, graph=True))
        try:
            return (q.triple for q in pyoxigraph.parse(body, format=fmt))
        except SyntaxError as exc:
            raise RemoteStoreError(f"{self.endpoint} sent RDF that cannot be read ({exc})") from None

    def triples(self, graph: str | None = None) -> Iterator[pyoxigraph.Triple]:
        """The triples of one graph (or of the union of citykg's graphs), parsed as they arrive.

        One CONSTRUCT answer per call, read from the connection as it is parsed, so nothing holds
        the whole answer. Servers may cut long answers short without saying so (Virtuoso's
        ResultSetMaxRows): the triples are counted against a COUNT query, and a short answer is an
        error, never a silently partial export.
        """
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        expected = self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {where} }} }}")
        content_type, response = self._send(
            self.endpoint, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", accept=GRAPH_ACCEPT, stream=True
        )
        media = content_type.split(";")[0].strip().lower()
        fmt = pyoxigraph.RdfFormat.from_media_type(media) if media else None
        if fmt is None:
            raise RemoteStoreError(_not_results(self.endpoint, media, response.read(2000), graph=True))
        received = 0
        try:
            for quad in pyoxigraph.parse(response, format=fmt):
                received += 1
                yield quad.triple
        except SyntaxError as exc:
            raise RemoteStoreError(f"{self.endpoint} sent RDF that cannot be read ({exc})") from None
        except OSError as exc:
            raise RemoteStoreError(f"the answer from {self.endpoint} broke off after {received} triples: {exc}") from None
        finally:
            response.close()
        if received < expected:
            raise RemoteStoreError(
                f"{self.endpoint} sent {received} of the {expected} triples of "
                f"{graph or 'the citykg graphs'}: the server cuts long answers short; raise its limit "
                "(Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)"
            )

    def _count(self, text: str) -> int:
        answer = self._parse_results(*self._send(self.endpoint, text, accept=RESULTS_ACCEPT))
        row = next(iter(answer), None)
        return int(row[0].value) if row is not None and row[0] is not None else 0

    def graphs(self) -> list[str]:
        """citykg's named graphs on the server, without the staging graphs of a load in progress
        (other graphs the server holds are left out)."""
        if self._graphs is None:
            self._graphs = [g for g in self._all_citykg_graphs() if not g.startswith(ns.STAGING_GRAPH)]
        return list(self._graphs)

    def _all_citykg_graphs(self) -> list[str]:
        """citykg's named graphs on the server, staging graphs included, asked afresh."""
        answer = self._parse_results(*self._send(
            self.endpoint,
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{ns.GRAPH}")) }}',
            accept=RESULTS_ACCEPT, dataset=False,
        ))
        return sorted(s[0].value for s in answer if s[0] is not None)

    def source_graphs(self) -> list[str]:
        """The named graphs that hold a loaded table set (not the ontology or gazetteer)."""
        special = {ns.ONTOLOGY_GRAPH, ns.GAZETTEER_GRAPH, ns.DERIVED_GRAPH}
        return [g for g in self.graphs() if g not in special and not g.startswith(ns.STAGING_GRAPH)]

    def __len__(self) -> int:
        total = 0
        for graph in self.graphs():
            answer = self._parse_results(*self._send(
                self.endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                accept=RESULTS_ACCEPT, dataset=False,
            ))
            total += int(next(iter(answer))[0].value)
        return total

    def rdflib_dataset(self):
        """The server's graphs as a read-only rdflib ``Dataset`` (rdflib's SPARQLStore)."""
        import rdflib
        from rdflib.plugins.stores.sparqlstore import SPARQLStore

        auth = (self.user, self.password or "") if self.user else None
        return rdflib.Dataset(store=SPARQLStore(self.endpoint, auth=auth), default_union=True)

    # -- writing ----------------------------------------------------------------------------

    def update(self, text: str) -> None:
        """Send one SPARQL Update request to the update endpoint."""
        self._send(self.update_endpoint, text, is_update=True, dataset=False, accept="*/*")

    def replace_graphs(self, graphs: dict[str, Iterable[Quad]], *, drop_others: bool = False,
                       progress=None) -> None:
        """Put each graph's quads in place of what the graph held on the server.

        The quads go to staging graphs first, in batches; one final update request swaps them in.
        With ``drop_others`` every other citykg graph on the server goes too (a rebuild); graphs
        that are not citykg's are never touched. The gazetteer graph only grows, as in the
        embedded store. Then the derived graph is computed from the server's graphs and swapped in
        the same way (a second update: between the two, queries see the previous lookup keys).
        """
        self._write_graphs(graphs, drop_others=drop_others, progress=progress)

        def select(text: str) -> list:
            return list(self.query(text))

        self._write_graphs({ns.DERIVED_GRAPH: list(derived_quads(select))})

    def _write_graphs(self, graphs: dict[str, Iterable[Quad]], *, drop_others: bool = False,
                      progress=None) -> None:
        staging: dict[str, str] = {}
        written = 0
        used: list[str] = []  # staging graphs that hold something
        try:
            for graph, quads in graphs.items():
                target = f"{ns.STAGING_GRAPH}{uuid.uuid4().hex}"
                staging[graph] = target
                for batch in triple_batches(quads, self.batch_triples):
                    if self.graph_store:
                        self._post_triples(target, batch.ntriples())
                    else:
                        self.update(batch.update(target))
                    if target not in used:
                        used.append(target)
                    written += batch.count
                    if progress:
                        progress(written)
        except CitykgError as exc:
            left = self._drop_quietly(used)
            if left:
                state = f"{written} triples are in staging graphs that could not be dropped: {', '.join(left)}"
            elif written:
                state = f"the {written} triples written to staging graphs were dropped again"
            else:
                state = "nothing was written"
            raise RemoteStoreError(
                f"loading into {self.update_endpoint} failed; the server's citykg graphs are as they were "
                f"and {state}: {exc}"
            ) from None
        operations = []
        if drop_others:
            keep = set(staging.values())
            operations += [f"DROP SILENT GRAPH <{g}>" for g in self._all_citykg_graphs() if g not in keep]
        for graph, target in staging.items():
            if graph == ns.GAZETTEER_GRAPH and not drop_others:
                operations.append(f"ADD SILENT <{target}> TO <{graph}>")
                operations.append(f"DROP SILENT GRAPH <{target}>")
            else:
                if not drop_others:
                    operations.append(f"DROP SILENT GRAPH <{graph}>")
                operations.append(f"MOVE SILENT <{target}> TO <{graph}>")
        self._graphs = None
        if not operations:
            return
        try:
            self.update(" ;\n".join(operations))
        except CitykgError as exc:
            left = self._drop_quietly(staging.values())
            state = f"staging graphs left on the server: {', '.join(left)}" if left else "the staging graphs were dropped"
            raise RemoteStoreError(
                f"loading into {self.update_endpoint}: all {written} triples were written to staging graphs, "
                f"but the update that puts them in place failed, so the graphs "
                f"{', '.join(staging)} are as the server's transaction left them; {state}: {exc}"
            ) from None

    def _post_triples(self, graph: str, body: bytes) -> None:
        """Add N-Triples to a graph through the Graph Store Protocol (POST ``?graph=``)."""
        separator = "&" if "?" in self.graph_store else "?"
        url = f"{self.graph_store}{separator}graph={quote(graph, safe='')}"
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/n-triples"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        opener = urllib.request.build_opener()
        if self.user:
            # the server's challenge says which scheme it takes (Virtuoso: digest)
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.graph_store, self.user, self.password or "")
            opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords),
                                                 urllib.request.HTTPBasicAuthHandler(passwords))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            hint = ""
            if exc.code in (401, 403):
                hint = ": pass --user and --password (CITYKG_USER, CITYKG_PASSWORD) of an account that may write"
            raise RemoteStoreError(f"{self.graph_store} refused the triples (HTTP {exc.code} {exc.reason})"
                                   f"{hint}{_server_says(_read_error(exc))}") from None
        except (TimeoutError, socket.timeout):
            raise RemoteStoreError(f"{self.graph_store} did not take the triples within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            raise RemoteStoreError(f"cannot reach the graph store {self.graph_store}: {exc.reason}") from None

    def _drop_quietly(self, targets) -> list[str]:
        """Drop staging graphs after a failure; the ones that could not be dropped."""
        left = []
        for target in targets:
            try:
                self.update(f"DROP SILENT GRAPH <{target}>")
            except CitykgError:
                left.append(target)
        self._graphs = None
        return left

    def drop_staging(self) -> None:
        """Drop staging graphs left by a process that died mid-load."""
        for graph in self._all_citykg_graphs():
            if graph.startswith(ns.STAGING_GRAPH):
                self.update(f"DROP SILENT GRAPH <{graph}>")
        self._graphs = None

    def flush(self) -> None:
        """Nothing to do: the server persists each update itself."""


# -- helpers ------------------------------------------------------------------------------------

_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


def _code(text: str) -> str:
    """The query without comments, strings and IRIs (whose words are not keywords)."""
    return _COMMENT_OR_STRING.sub(lambda m: " " if m.group(0).startswith("#") else '""', text)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or the first keyword of an update."""
    match = _FORM.search(_code(text))
    return match.group(1).upper() if match else None


def with_prefixes(text: str, prefixes: dict[str, str]) -> str:
    """The query with PREFIX lines for the prefixes it uses but does not declare (the embedded
    store takes them as an argument; a server needs them in the text)."""
    code = _code(text)
    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:", code)}
    used = {m.group(1) for m in re.finditer(r"(?<![\w<?$])([A-Za-z][\w.-]*):", code)}
    missing = [p for p in prefixes if p in used and p not in declared]
    if not missing:
        return text
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in missing) + text


@dataclass
class Batch:
    """One write request: N-Triples lines, and whether they mention blank nodes."""

    lines: list[str]
    blanks: bool = False

    @property
    def count(self) -> int:
        return len(self.lines)

    def update(self, graph: str) -> str:
        """As SPARQL Update. Triples with blank nodes are written as ``INSERT {...} WHERE {}``:
        some servers (Virtuoso) refuse blank nodes in INSERT DATA."""
        head, tail = ("INSERT", " WHERE {}") if self.blanks else ("INSERT DATA", "")
        return f"{head} {{ GRAPH <{graph}> {{\n" + "\n".join(self.lines) + "\n} }" + tail

    def ntriples(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")


def triple_batches(quads: Iterable[Quad], size: int) -> Iterator[Batch]:
    """The quads' triples in batches of at most ``size``, as N-Triples lines.

    A blank node is a new node in every request, so all the triples that mention blank nodes go
    into one last batch together (in citykg's data they are the ontology's few restrictions and
    lists).
    """
    with_blanks: list[str] = []
    lines: list[str] = []
    for quad in quads:
        line = f"{quad.subject} {quad.predicate} {quad.object} ."
        if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
            with_blanks.append(line)
            continue
        lines.append(line)
        if len(lines) >= size:
            yield Batch(lines)
            lines = []
    if lines:
        yield Batch(lines)
    if with_blanks:
        yield Batch(with_blanks, blanks=True)


def _server_says(exc_or_body) -> str:
    """': <the server's message>' for an error, cut to a readable length."""
    if isinstance(exc_or_body, (bytes, str)):
        body = exc_or_body
    else:
        message = str(exc_or_body)
        _, _, body = message.partition("Response:\n")
        if body.startswith(("b'", 'b"')):
            try:
                import ast

                body = ast.literal_eval(body)
            except (ValueError, SyntaxError):
                pass
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = _strip_html(body)
    body = " ".join(body.split())
    # Virtuoso repeats the whole query after its message: the message is what helps
    body = re.split(r"\s*SPARQL (?:query|update):", body)[0]
    if not body:
        return ""
    return f": server says: {body[:400]}{'...' if len(body) > 400 else ''}"


def _read_error(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except Exception:  # the body is only a courtesy here
        return b""


def _strip_html(text: str) -> str:
    if "<html" not in text.lower() and "<body" not in text.lower():
        return text
    from html.parser import HTMLParser

    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data):
            parts.append(data)

    Text().feed(text)
    return " ".join(parts)


def _not_results(url: str, media: str, body: bytes, graph: bool = False) -> str:
    wanted = "RDF" if graph else "SPARQL results"
    if media in ("text/html", "application/xhtml+xml") or body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        return (f"{url} answered with an HTML page instead of {wanted}: is it the URL of the SPARQL "
                f"endpoint itself (often ending in /sparql)?{_server_says(body[:2000])}")
    return f"{url} answered with '{media or 'no content type'}' instead of {wanted}{_server_says(body[:400])}"


def open_remote(endpoint: str, update_endpoint: str | None = None, **options) -> RemoteStore:
    """A :class:`RemoteStore`, checked by one query so that a wrong URL fails here, clearly."""
    store = RemoteStore(endpoint, update_endpoint, **options)
    store.graphs()
    return store

"""Wikidata's twin towns (P190, "twinned administrative body") as a foreign table.

:func:`fetch_p190` asks a SPARQL endpoint (Wikidata's query service by default) for the pairs, with
English and Russian labels, ISO country codes, coordinates, GeoNames ids and the start year when a
statement has one; :func:`answer_to_table` turns the SPARQL JSON answer into a CSV table that the
shipped mapping ``wikidata-p190-full.yaml`` loads like any other foreign table. A saved answer (``--save``)
loads the same way offline.

The query uses plain SPARQL 1.1 (no ``wikibase:label`` service), so any endpoint holding
Wikidata-shaped data answers it. The client is SPARQLWrapper with a descriptive User-Agent, as
Wikidata's policy asks; it retries on HTTP 429 and 503, honouring Retry-After.
"""

from __future__ import annotations

import csv
import email.utils
import json
import re
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path

from citykg.errors import CitykgError

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = "citykg/{version} (city-partnership knowledge graph; https://w3id.org/citykg) SPARQLWrapper"
RETRY_STATUSES = (429, 503)
MAX_ATTEMPTS = 5
MAX_WAIT_S = 120.0
TABLE_COLUMNS = [
    "city_qid", "city", "city_ru", "city_country", "city_lat", "city_lon", "city_geonames",
    "partner_qid", "partner", "partner_ru", "partner_country", "partner_lat", "partner_lon", "partner_geonames",
    "year",
]

QUERY = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?city ?city_en ?city_ru ?city_country ?city_coord ?city_geonames
       ?partner ?partner_en ?partner_ru ?partner_country ?partner_coord ?partner_geonames ?start
WHERE {
  %(cities)s
  ?city p:P190 ?statement .
  ?statement ps:P190 ?partner .
  OPTIONAL { ?statement pq:P580 ?start }
  OPTIONAL { ?city rdfs:label ?city_en FILTER(LANG(?city_en) = "en") }
  OPTIONAL { ?city rdfs:label ?city_ru FILTER(LANG(?city_ru) = "ru") }
  OPTIONAL { ?city wdt:P17/wdt:P297 ?city_country }
  OPTIONAL { ?city wdt:P625 ?city_coord }
  OPTIONAL { ?city wdt:P1566 ?city_geonames }
  OPTIONAL { ?partner rdfs:label ?partner_en FILTER(LANG(?partner_en) = "en") }
  OPTIONAL { ?partner rdfs:label ?partner_ru FILTER(LANG(?partner_ru) = "ru") }
  OPTIONAL { ?partner wdt:P17/wdt:P297 ?partner_country }
  OPTIONAL { ?partner wdt:P625 ?partner_coord }
  OPTIONAL { ?partner wdt:P1566 ?partner_geonames }
}
ORDER BY ?city ?partner"""

QID = re.compile(r"^Q[1-9][0-9]*$")
POINT = re.compile(r"Point\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)")


def p190_query(cities: list[str] | tuple[str, ...] = ()) -> str:
    """The query for the P190 pairs of these cities (Wikidata ids such as Q4629, or English
    names), or of every item when none are given."""
    ids = [c for c in cities if QID.match(c)]
    names = [c for c in cities if not QID.match(c)]
    parts = []
    if ids:
        parts.append("{ VALUES ?city { %s } }" % " ".join(f"wd:{c}" for c in ids))
    if names:
        values = " ".join(json.dumps(n, ensure_ascii=False) + "@en" for n in names)
        parts.append("{ VALUES ?city_name { %s } ?city rdfs:label ?city_name }" % values)
    return QUERY % {"cities": " UNION ".join(parts)}


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def fetch_p190(
    cities: list[str] | tuple[str, ...] = (),
    endpoint: str = WIKIDATA_ENDPOINT,
    *,
    attempts: int = MAX_ATTEMPTS,
    backoff_s: float = 2.0,
    timeout_s: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> dict:
    """The SPARQL JSON answer of the P190 query; retries on 429/503 and says why it gave up."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    from citykg import __version__

    client = SPARQLWrapper(endpoint, agent=USER_AGENT.format(version=__version__))
    client.setQuery(p190_query(cities))
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout_s))
    for attempt in range(1, attempts + 1):
        try:
            answer = client.queryAndConvert()
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES or attempt == attempts:
                raise CitykgError(f"{endpoint} answered HTTP {exc.code} {exc.reason}" + (
                    f" after {attempt} attempts" if attempt > 1 else "")) from None
            wait = _retry_after(exc)
            wait = min(MAX_WAIT_S, wait if wait is not None else backoff_s * 2 ** (attempt - 1))
            if on_retry:
                on_retry(f"{endpoint} answered HTTP {exc.code}; retrying in {wait:.0f} s (attempt {attempt + 1} of {attempts})")
            sleep(wait)
            continue
        except urllib.error.URLError as exc:
            raise CitykgError(f"cannot reach {endpoint}: {exc.reason}") from None
        except SPARQLWrapperException as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CitykgError(f"{endpoint} rejected the query: {message}") from None
        except (TimeoutError, OSError) as exc:
            raise CitykgError(f"{endpoint} did not answer: {exc}") from None
        if not isinstance(answer, dict) or "results" not in answer:
            raise CitykgError(f"{endpoint} did not answer with SPARQL JSON results (got {type(answer).__name__})")
        return answer
    raise AssertionError("unreachable")


def read_answer(path: str | Path) -> dict:
    """A saved SPARQL JSON answer."""
    path = Path(path)
    try:
        answer = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CitykgError(f"{path}: not a SPARQL JSON result file: {exc}") from None
    if not isinstance(answer, dict) or "results" not in answer or "bindings" not in answer.get("results", {}):
        raise CitykgError(f"{path}: not a SPARQL JSON result file (no results.bindings)")
    return answer


def _value(binding: dict, name: str) -> str:
    return binding.get(name, {}).get("value", "")


def _point(text: str) -> tuple[str, str]:
    match = POINT.search(text)
    return (match.group(2), match.group(1)) if match else ("", "")  # WKT is longitude first


def answer_to_table(answer: dict, path: Path, what: str = "the query") -> int:
    """Write the answer as the CSV table ``wikidata-p190-full.yaml`` reads; the number of pairs.

    An empty answer is an error: Wikidata lists partners for every sizeable city, so no rows
    means a wrong name, a lagging endpoint or a broken query, not a city without partners.
    """
    bindings = answer.get("results", {}).get("bindings", [])
    if not bindings:
        raise CitykgError(
            f"Wikidata returned no P190 pairs for {what}: an empty answer is an error to check "
            "(a wrong name or id, a lagging endpoint), not a city without partners"
        )
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, TABLE_COLUMNS)
        writer.writeheader()
        for b in bindings:
            city_lat, city_lon = _point(_value(b, "city_coord"))
            partner_lat, partner_lon = _point(_value(b, "partner_coord"))
            start = _value(b, "start")
            writer.writerow({
                "city_qid": _value(b, "city").rsplit("/", 1)[-1],
                "city": _value(b, "city_en") or _value(b, "city_ru") or _value(b, "city").rsplit("/", 1)[-1],
                "city_ru": _value(b, "city_ru"),
                "city_country": _value(b, "city_country"),
                "city_lat": city_lat, "city_lon": city_lon,
                "city_geonames": _value(b, "city_geonames"),
                "partner_qid": _value(b, "partner").rsplit("/", 1)[-1],
                "partner": _value(b, "partner_en") or _value(b, "partner_ru") or _value(b, "partner").rsplit("/", 1)[-1],
                "partner_ru": _value(b, "partner_ru"),
                "partner_country": _value(b, "partner_country"),
                "partner_lat": partner_lat, "partner_lon": partner_lon,
                "partner_geonames": _value(b, "partner_geonames"),
                "year": start[:4] if re.match(r"^\d{4}", start) else "",
            })
            rows += 1
    return rows

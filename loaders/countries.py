"""Reading a table's country cell: ISO codes and names, historical states, disputed entities.

A country cell is read literally: an ISO 3166 code, or an official or common name in English,
Russian or a local language (case, diacritics and punctuation aside). Nothing is guessed from a
near spelling: "Prussia" is not Russia and "Kingdom of Hungary" is not Tonga. Two curated lists
cover what ISO does not:

- historical and former names, read as their successor states and marked as historical (a state
  that split, like Czechoslovakia, has several successors: the place is looked for in each);
- disputed entities (Transnistria, Abkhazia, Northern Cyprus, ...): kept as the source names them,
  with no state assigned, since any state would be a guess.

An unknown country is reported, and the place is matched by its name alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import country_by_code, normalise_name, resolve_country

# Former and alternative names -> the successor states, most likely first (one row of a table names
# one place, and the place is looked for in each successor in turn).
USSR = ("RU", "UA", "BY", "KZ", "UZ", "GE", "AZ", "AM", "MD", "LT", "LV", "EE", "KG", "TJ", "TM")
YUGOSLAVIA = ("RS", "HR", "SI", "BA", "MK", "ME", "XK")
HISTORICAL: dict[str, tuple[str, ...]] = {
    "Prussia": ("DE", "PL", "RU", "LT"),
    "Kingdom of Prussia": ("DE", "PL", "RU", "LT"),
    "Free State of Prussia": ("DE", "PL", "RU"),
    "Kingdom of Hungary": ("HU", "SK", "RO", "RS", "HR", "UA", "AT", "SI"),
    "Austria-Hungary": ("AT", "HU", "CZ", "SK", "SI", "HR", "BA", "PL", "UA", "RO", "IT", "RS", "ME"),
    "Austro-Hungarian Empire": ("AT", "HU", "CZ", "SK", "SI", "HR", "BA", "PL", "UA", "RO", "IT", "RS", "ME"),
    "Austrian Empire": ("AT", "CZ", "HU", "SK", "SI", "HR", "PL", "UA", "IT", "RO"),
    "Holy Roman Empire": ("DE", "AT", "CZ", "IT", "BE", "NL", "LU", "CH", "FR", "PL", "SI"),
    "German Empire": ("DE", "PL", "RU", "FR", "DK", "LT"),
    "East Germany": ("DE",), "German Democratic Republic": ("DE",), "GDR": ("DE",), "DDR": ("DE",),
    "West Germany": ("DE",), "Federal Republic of Germany": ("DE",), "FRG": ("DE",), "BRD": ("DE",),
    "Czechoslovakia": ("CZ", "SK"), "Tschechoslowakei": ("CZ", "SK"), "Чехословакия": ("CZ", "SK"),
    "Yugoslavia": YUGOSLAVIA, "SFR Yugoslavia": YUGOSLAVIA, "Kingdom of Yugoslavia": YUGOSLAVIA,
    "FR Yugoslavia": ("RS", "ME", "XK"), "Serbia and Montenegro": ("RS", "ME", "XK"),
    "Jugoslawien": YUGOSLAVIA, "Югославия": YUGOSLAVIA,
    "USSR": USSR, "Soviet Union": USSR, "UdSSR": USSR, "Sowjetunion": USSR, "СССР": USSR,
    "Советский Союз": USSR, "Russian Empire": USSR + ("PL", "FI"), "Российская империя": USSR + ("PL", "FI"),
    "Ottoman Empire": ("TR", "GR", "BG", "RS", "SY", "IQ", "IL", "LB", "JO", "EG"),
    "Swaziland": ("SZ",), "Burma": ("MM",), "Zaire": ("CD",), "Ceylon": ("LK",), "Siam": ("TH",),
    "Persia": ("IR",), "Rhodesia": ("ZW",), "Dahomey": ("BJ",), "Upper Volta": ("BF",),
    "Kampuchea": ("KH",), "Bohemia": ("CZ",), "Moravia": ("CZ",), "Formosa": ("TW",),
    "Palestinian territories": ("PS",), "Palestinian Territories": ("PS",), "Gaza Strip": ("PS",),
    "Gaza": ("PS",), "Palestinian National Authority": ("PS",), "Palestinian Authority": ("PS",),
    "Palästinensische Autonomiebehörde": ("PS",), "Palästinensische Autonomiegebiete": ("PS",),
    "Macedonia": ("MK",), "Republic of Macedonia": ("MK",),
    "Zanzibar": ("TZ",), "Tanganyika": ("TZ",), "Bessarabia": ("MD", "UA"), "Galicia (Eastern Europe)": ("PL", "UA"),
}

# Entities whose statehood is disputed: the source's name is kept and no state is guessed.
DISPUTED = (
    "Transnistria", "Pridnestrovie", "Приднестровье", "Приднестровская Молдавская Республика",
    "Abkhazia", "Абхазия", "South Ossetia", "Южная Осетия",
    "Luhansk People's Republic", "Lugansk People's Republic", "ЛНР", "Луганская Народная Республика",
    "Donetsk People's Republic", "ДНР", "Донецкая Народная Республика",
    "Northern Cyprus", "Turkish Republic of Northern Cyprus", "TRNC", "Nordzypern",
    "Artsakh", "Nagorno-Karabakh", "Republic of Artsakh", "Нагорный Карабах",
    "Somaliland", "Sahrawi Arab Democratic Republic", "Sahrawi Republic",
)


@dataclass(frozen=True)
class CountryReading:
    """A country cell read: the code, and a note when the reading was not literal."""

    code: str | None
    note: str | None = None
    area: str | None = None  # "Brandenburg, Germany": the part that is not the country
    successors: tuple[str, ...] = ()  # a historical state's successors, when there are several
    status: str = "iso"  # iso | historical | disputed | unknown | empty


@lru_cache(maxsize=1)
def _historical() -> dict[str, tuple[str, ...]]:
    return {normalise_name(name): codes for name, codes in HISTORICAL.items()}


@lru_cache(maxsize=1)
def _disputed() -> frozenset[str]:
    return frozenset(normalise_name(name) for name in DISPUTED)


def _successor_names(codes: tuple[str, ...]) -> str:
    return ", ".join(f"{country_by_code(c).name_en if country_by_code(c) else c} ({c})" for c in codes)


def _read_whole(text: str) -> CountryReading | None:
    key = normalise_name(text)
    if key in _disputed():
        return CountryReading(None, f"'{text}' is a disputed entity: kept as the source names it, "
                                    "with no state assigned", status="disputed")
    successors = _historical().get(key)
    if successors:
        note = f"historical country '{text}' read as its successor {_successor_names(successors[:1])}" \
            if len(successors) == 1 else \
            f"historical country '{text}': the place is looked for in its successors, {_successor_names(successors)}"
        return CountryReading(successors[0] if len(successors) == 1 else None, note,
                              successors=successors if len(successors) > 1 else (), status="historical")
    found = resolve_country(text)
    if found:
        return CountryReading(found.code)
    return None


@lru_cache(maxsize=None)
def read_country(text: str) -> CountryReading:
    """Read a country as tables write it: codes, names, "X, Country", "in Italy", former names.

    >>> read_country("Martinique, France").code
    'MQ'
    >>> read_country("Brandenburg, Germany")
    CountryReading(code='DE', note=None, area='Brandenburg', successors=(), status='iso')
    >>> read_country("Prussia").successors
    ('DE', 'PL', 'RU', 'LT')
    >>> read_country("Kazakhstah").code is None
    True
    """
    text = " ".join(text.split())
    if not text:
        return CountryReading(None, status="empty")
    found = _read_whole(text)
    if found:
        return found
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > 1:
        # the most specific part that is a country wins: "Martinique, France" is Martinique
        for i, part in enumerate(parts):
            found = _read_whole(part)
            if found:
                area = ", ".join(parts[:i]) or None
                return CountryReading(found.code, found.note, area, found.successors, found.status)
    bare = re.sub(r"^(in|the)\s+", "", text, flags=re.IGNORECASE)
    if bare != text and (found := _read_whole(bare)):
        return found
    return CountryReading(None, f"country '{text}' is not a country citykg knows: the place is matched "
                                "by its name alone", status="unknown")

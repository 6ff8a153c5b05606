"""Shipped mappings: how known foreign tables (the Wikipedia twin-town lists, the German partnership
register, Wikidata's P190 answers) become citykg quads. Each file is one mapping; ``docs/mappings.md``
describes the format. ``citykg load TABLE --mapping NAME`` accepts these by name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".toml", ".rml.ttl")


def shipped_mappings() -> dict[str, Path]:
    """The shipped mapping files by name (file name without suffix)."""
    found = {}
    for entry in files(__name__).iterdir():
        name = entry.name
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                found[name[: -len(suffix)]] = Path(str(entry))
    return dict(sorted(found.items()))


def find_mapping(name_or_path: str | Path) -> Path | None:
    """A mapping file by path, or a shipped mapping by name (``wikipedia-raw``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    return shipped_mappings().get(str(name_or_path))

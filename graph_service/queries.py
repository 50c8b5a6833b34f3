"""The catalogue of Cypher statements: one file per statement under ``cypher/``, loaded once.

A statement is named by its path without the suffix (``union/get_union``). A file
``name.falkordb.cypher`` or ``name.neo4j.cypher`` overrides ``name.cypher`` for that engine.
Each file starts with a comment header declaring its parameters, one per line::

    // $id: string — the union code
    // $asOf: string? — ISO date, null for now
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from graph_service.store import Query

ENGINES = ("falkordb", "neo4j")
_PARAM_DECL = re.compile(r"^\s*//\s*\$(\w+)\s*:", re.MULTILINE)
_PARAM_USE = re.compile(r"\$(\w+)")
_COMMENT = re.compile(r"//[^\n]*")


def cypher_dir() -> Path:
    """Where the statements live: inside an installed wheel, or beside the package in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "cypher", here.parent / "cypher"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("cypher/ directory not found beside graph_service")


def declared_params(text: str) -> frozenset[str]:
    """Parameters listed in a file's header comment."""
    return frozenset(_PARAM_DECL.findall(text))


def used_params(text: str) -> frozenset[str]:
    """Parameters the statement itself uses (comments ignored)."""
    return frozenset(_PARAM_USE.findall(_COMMENT.sub("", text)))


def _split_name(path: Path, root: Path) -> tuple[str, str | None]:
    rel = path.relative_to(root).as_posix().removesuffix(".cypher")
    for engine in ENGINES:
        if rel.endswith("." + engine):
            return rel.removesuffix("." + engine), engine
    return rel, None


@cache
def catalogue() -> dict[str, Query]:
    """Every statement by name (schema files excluded), read from disk once."""
    root = cypher_dir()
    texts: dict[str, str] = {}
    overrides: dict[str, dict[str, str]] = {}
    for path in sorted(root.rglob("*.cypher")):
        if path.relative_to(root).parts[0] == "schema":
            continue
        name, engine = _split_name(path, root)
        text = path.read_text(encoding="utf-8")
        if engine is None:
            texts[name] = text
        else:
            overrides.setdefault(name, {})[engine] = text
    for name in overrides:
        if name not in texts:
            raise ValueError(f"override without a base statement: {name}")
    return {
        name: Query(name, text, declared_params(text), overrides.get(name, {}))
        for name, text in texts.items()
    }


def q(name: str) -> Query:
    """The statement called ``name``; an unknown name is a programming error."""
    try:
        return catalogue()[name]
    except KeyError:
        raise KeyError(f"no cypher statement named {name!r}") from None


def schema_statements(engine: str) -> list[str]:
    """The schema file of an engine, split into statements on ``;``."""
    text = (cypher_dir() / "schema" / f"{engine}.cypher").read_text(encoding="utf-8")
    body = _COMMENT.sub("", text)
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]

"""The Cypher catalogue: every file is used, every parameter declared, overrides well formed."""

from __future__ import annotations

import re
from pathlib import Path

from graph_service.queries import catalogue, cypher_dir, declared_params, q, used_params


def _python_sources(root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for pkg in ("graph_service", "api", "loaders")
        for p in (root / pkg).rglob("*.py")
    )


def test_every_statement_is_referenced_by_code(repo_root: Path) -> None:
    sources = _python_sources(repo_root)
    unused = [name for name in catalogue() if f'"{name}"' not in sources]
    assert unused == []


def test_every_referenced_statement_exists(repo_root: Path) -> None:
    names = set(re.findall(r'q\("([a-z_]+/[a-z_]+)"\)', _python_sources(repo_root)))
    names |= set(
        re.findall(
            r'"((?:bulk|union|member|employer|stats|rollup|demo)/[a-z_]+)"',
            _python_sources(repo_root),
        )
    )
    assert names, "no statement references found"
    missing = sorted(n for n in names if n not in catalogue())
    assert missing == []


def test_every_param_is_declared_in_the_header_and_used() -> None:
    problems = []
    for path in cypher_dir().rglob("*.cypher"):
        if "schema" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        declared, used = declared_params(text), used_params(text)
        if used - declared:
            problems.append(f"{path.name}: undeclared {sorted(used - declared)}")
        if declared - used:
            problems.append(f"{path.name}: declared but unused {sorted(declared - used)}")
    assert problems == []


def test_every_file_starts_with_a_comment_header() -> None:
    bare = [
        p.name
        for p in cypher_dir().rglob("*.cypher")
        if not p.read_text(encoding="utf-8").lstrip().startswith("//")
    ]
    assert bare == []


def test_values_only_through_params_no_string_formatting_markers() -> None:
    for path in cypher_dir().rglob("*.cypher"):
        text = path.read_text(encoding="utf-8")
        assert "{}" not in text and "%s" not in text and "{0}" not in text, path.name


def test_param_parsing_ignores_comments() -> None:
    text = "// $a: string\n// mentions $b in prose\nMATCH (n {id: $a}) RETURN n"
    assert declared_params(text) == {"a"}
    assert used_params(text) == {"a"}


def test_lookup_by_name_and_unknown_name() -> None:
    assert q("union/get_unions").params == {"ids"}
    try:
        q("union/nope")
    except KeyError as exc:
        assert "union/nope" in str(exc)
    else:
        raise AssertionError("unknown statement name accepted")

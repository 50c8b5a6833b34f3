"""Every cypher/**/*.cypher file must pass Neo4j's Cypher 5 parser + semantic analysis.

The linter is tests/cypher_lint/lint.mjs, driving the npm package
@neo4j-cypher/language-support (pinned in tests/cypher_lint/package-lock.json).
node and npm are required: a missing toolchain fails these tests, it never skips them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_DIR = REPO / "tests" / "cypher_lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE_DIR = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
CYPHER_DIR = REPO / "cypher"

NPM_CI_TIMEOUT_S = 600
LINT_TIMEOUT_S = 1800

pytestmark = pytest.mark.slow


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"`{tool}` not found on PATH: the Cypher lint needs node (>=20) and npm "
            "(install nodejs/npm, e.g. `apt-get install -y nodejs npm`)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def node() -> str:
    node_bin = _require("node")
    if not PACKAGE_DIR.is_dir():
        npm_bin = _require("npm")
        proc = subprocess.run(
            [npm_bin, "ci", "--no-audit", "--no-fund"],
            cwd=LINT_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
        if proc.returncode != 0 or not PACKAGE_DIR.is_dir():
            pytest.fail(
                f"`npm ci` in {LINT_DIR} failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}",
                pytrace=False,
            )
    return node_bin


def run_lint(node: str, paths: list[Path]) -> tuple[int, list[dict]]:
    """Lint all paths in ONE node process; return (exit code, diagnostics)."""
    proc = subprocess.run(
        [node, str(LINT_SCRIPT), *map(str, paths)],
        cwd=LINT_DIR,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_S,
        check=False,
    )
    assert proc.returncode in (0, 1), (
        f"lint.mjs crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    )
    try:
        diagnostics = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(f"lint.mjs printed invalid JSON ({exc}):\n{proc.stdout[-4000:]}")
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert (proc.returncode == 1) == bool(errors), (proc.returncode, diagnostics)
    return proc.returncode, diagnostics


def _fmt(d: dict) -> str:
    try:
        file = Path(d["file"]).resolve().relative_to(REPO)
    except ValueError:
        file = Path(d["file"])
    return f"{file}:{d['line']}:{d['col']}: {d['severity']}: {d['message']}"


def test_all_cypher_files_pass_neo4j_cypher5_lint(node: str) -> None:
    assert CYPHER_DIR.is_dir(), f"{CYPHER_DIR} is missing"
    files = sorted(CYPHER_DIR.glob("**/*.cypher"))
    if not files:
        return  # nothing to lint yet; test_linter_detects_errors proves the tooling works
    _, diagnostics = run_lint(node, files)
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert not errors, (
        f"{len(errors)} Cypher 5 error(s) in {len({d['file'] for d in errors})} file(s):\n"
        + "\n".join(_fmt(d) for d in errors)
    )


def test_linter_detects_errors(node: str, tmp_path: Path) -> None:
    cases = {
        "syntax.cypher": "// syntax error\nMATCH (n RETURN n\n",
        "semantic.cypher": "MATCH (n) RETURN m\n",
        # LET is Cypher 25 only: must be an error, proving Cypher 5 is used.
        "cypher25_only.cypher": "MATCH (n) LET x = 1 RETURN x\n",
        # An explicit CYPHER 25 prefix must not switch the version.
        "cypher25_prefix.cypher": "CYPHER 25 MATCH (n) RETURN n\n",
        "valid.cypher": (
            "// header comment\n"
            "// params: $rows, $id\n"
            "UNWIND $rows AS row MERGE (u:Union {id: row.id}) SET u += row.props;\n"
            "\n"
            "CREATE INDEX union_id IF NOT EXISTS FOR (u:Union) ON (u.id);\n"
            "MATCH (u:Union {id: $id})-[:PARENT_OF*1..]->(d:Union)\n"
            "RETURN d.id AS id ORDER BY id SKIP $skip LIMIT $limit;\n"
            "// trailing comment\n"
        ),
        # Cypher 5 syntax that Cypher 25 also accepts, with a deprecation warning.
        "warning_only.cypher": "MATCH (n) CALL { WITH n RETURN n.x AS x } RETURN x\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    code, diagnostics = run_lint(node, [tmp_path])
    assert code == 1
    by_file: dict[str, list[dict]] = {name: [] for name in cases}
    for d in diagnostics:
        by_file[Path(d["file"]).name].append(d)

    def errors(name: str) -> list[dict]:
        return [d for d in by_file[name] if d["severity"] == "error"]

    syntax = errors("syntax.cypher")
    assert syntax, by_file["syntax.cypher"]
    assert (syntax[0]["line"], syntax[0]["col"]) == (2, 10), syntax
    assert "Invalid input 'RETURN'" in syntax[0]["message"]

    semantic = errors("semantic.cypher")
    assert [(d["line"], d["col"], d["message"]) for d in semantic] == [
        (1, 18, "Variable `m` not defined")
    ]

    assert any("Invalid input 'LET'" in d["message"] for d in errors("cypher25_only.cypher"))
    assert any("CYPHER 25" in d["message"] for d in errors("cypher25_prefix.cypher"))

    assert by_file["valid.cypher"] == []

    warn = by_file["warning_only.cypher"]
    assert warn and all(d["severity"] == "warning" for d in warn), warn

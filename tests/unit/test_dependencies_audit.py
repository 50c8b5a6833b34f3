"""pip-audit on requirements.lock: no known vulnerability outside audit-allowlist.txt.

pip-audit asks PyPI's vulnerability data for each pinned release
(``/pypi/NAME/VERSION/json``). Where the index answers only the project endpoint
(``/pypi/NAME/json``, as the PyPI reachable from the project's machines does), pip-audit reports
every package "not found" and audits nothing; such packages are then checked through the project
endpoint, whose ``vulnerabilities`` are those of the latest release: exact for a package locked
at its latest release. Packages that neither way can audit are listed in a warning, and the test
is skipped only when nothing at all could be audited (pypi.org unreachable).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
ALLOW = ROOT / "audit-allowlist.txt"
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def locked() -> dict[str, str]:
    """Canonical package name -> pinned version, from requirements.lock."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: not pinned with ==: {line}"
            pins[canonicalize_name(name)] = version
    return pins


def allowed() -> dict[str, str]:
    """Vulnerability id -> the reason it is accepted (audit-allowlist.txt)."""
    out: dict[str, str] = {}
    for line in ALLOW.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            parts = line.split(None, 2)
            assert len(parts) == 3, f"audit-allowlist.txt: id, package and reason needed: {line}"
            out[parts[0]] = parts[2]
    return out


def test_lock_pins_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = locked()
    for spec in declared:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not locked (make lock)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier} (make lock)"
        )


def _pip_audit() -> dict[str, object]:
    done = subprocess.run(
        [
            str(PIP_AUDIT),
            "-r",
            str(LOCK),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: vulnerabilities found
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _latest_release_findings(
    client: httpx.Client, name: str, version: str
) -> list[tuple[str, list[str]]] | None:
    """(id, aliases) of a release's known vulnerabilities, when it is the latest; else None."""
    response = client.get(f"https://pypi.org/pypi/{name}/json")
    if response.status_code != 200:
        return None
    data = response.json()
    if data["info"]["version"] != version:
        return None
    return [(v["id"], list(v.get("aliases") or [])) for v in data.get("vulnerabilities") or []]


def test_locked_dependencies_have_no_known_vulnerabilities() -> None:
    try:
        httpx.get("https://pypi.org/simple/pip-audit/", timeout=15).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.skip(f"pypi.org is not reachable from here ({type(exc).__name__}): cannot audit")
    pins, allow = locked(), allowed()
    report = _pip_audit()
    findings: list[tuple[str, str, str, list[str]]] = []  # package, version, id, aliases
    not_audited: list[str] = []
    for dep in report["dependencies"]:  # type: ignore[attr-defined]
        if "skip_reason" in dep:
            not_audited.append(canonicalize_name(dep["name"]))
            continue
        for vuln in dep.get("vulns", []):
            findings.append((dep["name"], dep["version"], vuln["id"], vuln.get("aliases", [])))
    unaudited: list[str] = []
    with httpx.Client(timeout=30) as client:
        for name in not_audited:
            found = _latest_release_findings(client, name, pins[name])
            if found is None:
                unaudited.append(f"{name}=={pins[name]}")
                continue
            findings.extend((name, pins[name], vid, aliases) for vid, aliases in found)
    audited = len(pins) - len(unaudited)
    print(f"audited {audited} of {len(pins)} locked packages; {len(findings)} known findings")
    if audited == 0:
        pytest.skip("no locked package could be audited: PyPI's vulnerability data unreachable")
    unexplained = [
        f"{pkg}=={ver}: {vid} {aliases}"
        for pkg, ver, vid, aliases in findings
        if vid not in allow and not set(aliases) & set(allow)
    ]
    assert not unexplained, "known vulnerabilities not in audit-allowlist.txt:\n" + "\n".join(
        unexplained
    )
    if unaudited:
        warnings.warn(
            "not audited (locked below the latest release and PyPI's per-release data is not "
            f"served here): {', '.join(unaudited)}",
            stacklevel=1,
        )

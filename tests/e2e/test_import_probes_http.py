"""Membership probes priced (issue 16, finding 6), through real HTTP: a county operator's upload
of certificates held by other unions — a dry run as much as a real one — is told only that each
is taken (never by which union), is audited with the number of certificates checked, and is
refused with 429 once the account's documented budget is spent. A hand-moved clock stands in
for waiting out the rolling windows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.import_budget import TAKEN_MESSAGE, ImportBudget
from graph_service.demo.generator import DemoConfig
from loaders.samples import CANONICAL_MEMBER_HEADER, write_csv
from tests.e2e.conftest import account_token, on_server, running_demo_server
from tests.truth import Truth

MEMBERS, SEED = 600, 31


class Ticks:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e-probes")
    with running_demo_server(data, members=MEMBERS, seed=SEED) as base:
        yield base


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(DemoConfig(members=MEMBERS, seed=SEED))


def _setup(truth: Truth) -> tuple[str, str, list[dict]]:
    """A county (or city) with a grassroots union, and members active in other grassroots
    unions, two inside the scope and four outside it."""
    active = [m for m in truth.members if m["status"] == "ACTIVE" and m.get("unionId")]
    scopes = [u["id"] for level in ("COUNTY", "CITY") for u in truth.province.unions
              if u["level"] == level]  # fmt: skip
    for county in scopes:
        inside = truth.subtree(county)
        grass = [u for u in inside if truth.unions[u]["level"] == "GRASSROOTS"]
        if not grass:
            continue
        target = grass[0]
        near = [m for m in active if m["unionId"] in inside and m["unionId"] != target][:2]
        far = [m for m in active if m["unionId"] not in inside][:4]
        if near and len(far) == 4:
            return county, target, near + far
    raise AssertionError("no scope fits")


def _joined(cert: str) -> str:
    """A joining date the date rules accept: 2015-03-01, or the 16th birthday if later."""
    born = cert[6:14]
    sixteenth = f"{int(born[:4]) + 16:04d}-{born[4:6]}-{born[6:8]}"
    return max("2015-03-01", sixteenth.replace("-02-29", "-03-01"))


def _probe_file(tmp_path: Path, target: str, held: list[dict]) -> Path:
    """A roster adding the holders' certificates (with their own gender and phone) to target."""
    rows = [[target, "", "某人", "男" if m["gender"] == "1" else "女", "居民身份证",
             m["certNumber"], m["phone"], "城镇", "群众", "本科", "否", _joined(m["certNumber"]),
             "在册", "无", "无"] for m in held]  # fmt: skip
    return write_csv(tmp_path / "probe.csv", CANONICAL_MEMBER_HEADER, rows)


def _upload(server: str, token: str, path: Path, *, dry_run: bool) -> httpx.Response:
    with path.open("rb") as fh:
        return httpx.post(
            f"{server}/imports",
            files={"files": (path.name, fh, "text/csv")},
            data={"dryRun": "true" if dry_run else "false"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )


def _budget(server: str, ticks: Ticks, **limits: int) -> None:
    async def install(app: FastAPI) -> None:
        app.state.import_budget = ImportBudget(monotonic=ticks, **limits)  # type: ignore[arg-type]

    on_server(server, install)


def _uploads_audited(server: str, county: str) -> list[tuple[str, dict]]:
    async def read(app: FastAPI) -> list[tuple[str, dict]]:
        page = await app.state.runtime.services.audit.log(union_id=county, first=100)
        return [(r.result, json.loads(r.arguments)) for r in page.items
                if r.operation == "importUpload"]  # fmt: skip

    return on_server(server, read)  # type: ignore[return-value]


def test_taken_certificates_are_named_as_taken_only_and_audited(
    server: str, truth: Truth, tmp_path: Path
) -> None:
    county, target, held = _setup(truth)
    path = _probe_file(tmp_path, target, held)
    operator = account_token(server, county, "operator")
    response = _upload(server, operator, path, dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["created"] == 0 and len(body["errors"]) == len(held)
    assert {(e["code"], e["message"]) for e in body["errors"]} == {
        ("MEMBER_ACTIVE_ELSEWHERE", TAKEN_MESSAGE)
    }
    text = response.text
    for m in held:  # never where: neither the holder's id nor its name, inside the scope or not
        holder = truth.unions[m["unionId"]]
        assert holder["id"] not in text and holder["name"] not in text
    audited = _uploads_audited(server, county)
    assert audited[0][0] == "OK"
    assert audited[0][1]["dryRun"] is True
    assert audited[0][1]["certificatesChecked"] == len(held)
    assert audited[0][1]["takenElsewhere"] == len(held)


def test_dry_runs_and_real_runs_spend_one_budget_then_429(
    server: str, truth: Truth, tmp_path: Path
) -> None:
    county, target, held = _setup(truth)
    path = _probe_file(tmp_path, target, held)
    operator = account_token(server, county, "operator")
    n, ticks = len(held), Ticks()

    _budget(server, ticks, certificates_per_hour=n + 1, taken_per_day=1_000)
    assert _upload(server, operator, path, dry_run=True).status_code == 200
    assert _upload(server, operator, path, dry_run=False).status_code == 200  # under budget
    refused = _upload(server, operator, path, dry_run=True)  # 2n checked this hour
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "RATE_LIMITED" and body["reason"] == "IMPORT_RATE"
    assert "每小时最多核对" in body["message"]
    assert refused.headers["retry-after"] == "3600" == str(body["details"]["retryAfter"])
    assert _upload(server, operator, path, dry_run=False).status_code == 429  # real ones too
    ticks.now += 3_600  # the first upload leaves the window: n < n + 1 again
    assert _upload(server, operator, path, dry_run=True).status_code == 200

    _budget(server, ticks, certificates_per_hour=100_000, taken_per_day=n)
    assert _upload(server, operator, path, dry_run=True).status_code == 200
    probing = _upload(server, operator, path, dry_run=True)
    assert probing.status_code == 429 and probing.json()["reason"] == "IMPORT_PROBE_RATE"
    assert probing.headers["retry-after"] == "86400"
    other = account_token(server, county, "operator")  # the budget is per account
    assert _upload(server, other, path, dry_run=True).status_code == 200
    results = [result for result, _ in _uploads_audited(server, county)]
    assert results.count("RATE_LIMITED") == 3

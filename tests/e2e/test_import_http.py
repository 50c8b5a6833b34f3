"""Upload over real HTTP: uvicorn on a free port, the embedded engine, multipart files."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from graph_service.domain.commands import CreateUnion
from graph_service.settings import Settings
from loaders.samples import (
    ATTACHMENT3_HEADER,
    credit_code,
    resident_id,
    write_roster,
    write_xlsx,
)
from tests.conftest import ENGINES
from tests.e2e.conftest import (
    account_token,
    engine_settings,
    gql_as,
    on_server,
    register_server,
)

ROOT = credit_code("81", "100000", 1)
UNION = credit_code("81", "420102", 2)
EMPLOYER = credit_code("91", "420102", 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    app = create_app(
        Settings(
            data_dir=tmp_path_factory.mktemp("e2e-import"),
            appendfsync="everysec",
            **engine_settings(request.param),
        )
    )
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    register_server(base, app, srv)  # lets account_token create an account on it

    async def national_root(app: FastAPI) -> object:
        # a national root lies in nobody's scope: the local operator makes it (CLI/service)
        return await app.state.runtime.services.affiliation.create_union(
            command=CreateUnion.of(
                {"id": ROOT, "name": "中华全国总工会", "level": "NATIONAL", "kind": "地方总工会"}
            ),
            actor="cli:e2e",
        )

    on_server(base, national_root)
    _TOKENS[base] = account_token(base, ROOT, "operator")
    yield base
    srv.should_exit = True
    thread.join(timeout=30)


_TOKENS: dict[str, str] = {}


def _auth(base: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_TOKENS[base]}"}


def _post(base: str, *paths: Path, **form: str) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    return httpx.post(f"{base}/imports", files=files, data=form, headers=_auth(base), timeout=60)


def test_upload_units_then_roster_with_report(server: str, tmp_path: Path) -> None:
    units = write_xlsx(
        tmp_path / "units.xlsx",
        [
            "工会编码",
            "工会名称",
            "工会层级",
            "工会类型",
            "上级工会代码",
            "工会行政区划代码",
            "单位名称",
            "单位统一社会信用代码",
            "单位性质",
            "职工人数",
        ],
        [
            [
                ROOT,
                "中华全国总工会",
                "全国总工会",
                "地方总工会",
                None,
                "100000",
                None,
                None,
                None,
                None,
            ],
            [
                UNION,
                "武汉某某有限公司工会",
                "基层工会",
                "单建",
                ROOT,
                "420102",
                "武汉某某有限公司",
                EMPLOYER,
                "私营经济",
                80,
            ],
        ],
    )
    first = _post(server, units)
    assert first.status_code == 200, first.text
    body = first.json()
    # the root exists already (made by the local operator): unchanged, its child created
    assert (body["rows"], body["created"], body["rejected"]) == (2, 1, 0)

    good = (
        1,
        "赵一",
        "男",
        resident_id("420102", "19850312", 11),
        "中国",
        "本科",
        "13905721001",
        "城镇",
        "武汉某某有限公司",
        "在岗",
        "无",
    )
    bad = (
        2,
        "钱二",
        "男",
        resident_id("420102", "19900101", 22),
        "中国",
        "本科",
        "1390572",
        "城镇",
        "",
        "在岗",
        "无",
    )
    roster = write_roster(tmp_path / "roster.xlsx", None, [good, bad], header=ATTACHMENT3_HEADER)
    second = _post(server, roster, union=UNION)
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["created"], body["rejected"], body["conflicts"]) == (1, 1, 0)
    assert {e["code"] for e in body["errors"]} == {"GENDER_MISMATCH", "MOBILE_FORMAT"}
    assert httpx.get(server + body["reportUrl"], timeout=30).status_code == 401
    report = httpx.get(server + body["reportUrl"], headers=_auth(server), timeout=30)
    assert report.status_code == 200 and report.content[:2] == b"PK"

    again = _post(server, roster, union=UNION).json()
    assert (again["created"], again["unchanged"]) == (0, 1)

    query = f'{{ subtreeStats(unionId: "{ROOT}") {{ members employers unions }} }}'
    stats = gql_as(server, account_token(server, ROOT), query)
    assert stats["data"]["subtreeStats"] == {"members": 1, "employers": 1, "unions": 2}


def test_bad_files_get_4xx_with_code(server: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 broken")
    response = _post(server, junk, union=UNION)
    assert response.status_code == 400
    assert (
        response.json()["reason"] == "CORRUPT_FILE" and response.json()["code"] == "BAD_USER_INPUT"
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    response = _post(server, empty, union=UNION)
    assert response.status_code == 400 and response.json()["reason"] == "EMPTY_SHEET"
    unknown = _post(server, junk, union=credit_code("81", "420102", 99))
    assert unknown.status_code == 404
    missing = httpx.get(f"{server}/imports/nope/report", headers=_auth(server), timeout=10)
    assert missing.status_code == 404


def test_gaps_strict_field_and_operator_export(server: str, tmp_path: Path) -> None:
    """A blank 手机号码 is a gap (imported, counted apart); ``strict=true`` rejects it; the
    operator exports the subtree over HTTP (a viewer may not; an id outside scope is unknown)."""
    gap = (1, "孙三", "男", resident_id("420102", "19800101", 31), "中国", "本科", "", "城镇",
           "武汉某某有限公司", "在岗", "")  # fmt: skip
    roster = write_roster(tmp_path / "gaps.xlsx", None, [gap], header=ATTACHMENT3_HEADER)
    strict = _post(server, roster, union=UNION, strict="true", dryRun="true").json()
    assert (strict["created"], strict["rejected"], strict["rowsWithGaps"]) == (0, 1, 0)
    assert strict["errors"][0]["code"] == "REQUIRED" and strict["strict"] is True
    done = _post(server, roster, union=UNION).json()
    assert (done["created"], done["rejected"], done["rowsWithGaps"], done["gaps"]) == (1, 0, 1, 1)
    assert done["gapsByColumn"] == [{"column": "手机号码", "rows": 1}]
    assert "--union" not in str(done) and "reportUrl" in done

    exported = httpx.get(f"{server}/exports/{UNION}", headers=_auth(server), timeout=60)
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    from python_calamine import CalamineWorkbook

    path = tmp_path / "export.xlsx"
    path.write_bytes(exported.content)
    members = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("会员花名册").to_python()
    head = members[1]
    rows = [dict(zip(head, r, strict=False)) for r in members[2:]]
    assert {r["所属单位"] for r in rows} == {"武汉某某有限公司"}  # was empty
    viewer = account_token(server, ROOT, "viewer")
    refused = httpx.get(
        f"{server}/exports/{UNION}", headers={"Authorization": f"Bearer {viewer}"}, timeout=30
    )
    assert refused.status_code == 403
    unknown = httpx.get(
        f"{server}/exports/{credit_code('81', '420102', 98)}", headers=_auth(server), timeout=30
    )
    assert unknown.status_code == 404

"""JSON logs without personal data, request ids, and Prometheus metrics of `union-tree serve`.

One real ``union-tree serve --demo`` process gets requests that carry a real certificate number
and mobile (GraphQL variables, a variable of the wrong type that GraphQL quotes back, a request
id header, an import upload), a wrong and a right password and a bearer token. Then every line
it wrote to stderr must be one JSON object with time, level, logger, message and request_id, the
access lines must carry the ids echoed to the clients, and none of those values, nor anything
shaped like a certificate number or mobile, may appear anywhere in the log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from loaders.samples import CANONICAL_MEMBER_HEADER, resident_id, write_csv
from tests.e2e.serve_process import ServeProcess

CERT = resident_id("420102", "19880712", 135)  # valid, male
CERT_IMPORTED = resident_id("420102", "19900101", 247)
CERT_BAD = CERT_IMPORTED[:17] + ("0" if CERT_IMPORTED[17] != "0" else "1")  # bad checksum
PHONE = "13912345678"
PHONE_IMPORTED = "13687654321"
WRONG_PASSWORD = "Wrong-Password-" + uuid.uuid4().hex[:8]
ADD_MEMBER = """mutation($input: MemberInput!) { addMember(input: $input) { id idNumber } }"""


@dataclass
class Traffic:
    """What the served process logged and exposed after the requests below."""

    served: ServeProcess
    log: str = ""
    metrics: str = ""
    echoed: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traffic]:
    work = tmp_path_factory.mktemp("ops")
    served = ServeProcess(work)
    out = Traffic(served)
    try:
        base = served.base
        bad_login = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "password", "username": served.username,
                  "password": WRONG_PASSWORD},
            timeout=60,
        )  # fmt: skip
        assert bad_login.status_code in (400, 401), bad_login.text
        union_id, employer_id = served.grassroots_with_employer()
        member = {
            "unionId": union_id, "employerId": employer_id, "name": "日志测试",
            "idNumber": CERT, "phone": PHONE, "gender": "1", "householdType": "1",
        }  # fmt: skip
        client_id = uuid.uuid4().hex
        response = httpx.post(
            f"{base}/graphql",
            json={"query": ADD_MEMBER, "variables": {"input": member}},
            headers=served.headers | {"X-Request-ID": client_id},
            timeout=60,
        )
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert response.headers["x-request-id"] == client_id  # a well-formed id is kept
        out.echoed.append(client_id)
        again = httpx.post(  # the same certificate again: CONFLICT; a cert as the request id
            f"{base}/graphql",
            json={"query": ADD_MEMBER, "variables": {"input": member}},
            headers=served.headers | {"X-Request-ID": CERT},
            timeout=60,
        )
        assert again.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert again.headers["x-request-id"] != CERT  # free text is replaced, never echoed
        out.echoed.append(again.headers["x-request-id"])
        wrong_type = served.gql("query($n: Int) { unions(first: $n) { totalCount } }", n=CERT)
        assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        lookup = served.gql("query($c: String!) { member(idNumber: $c) { id } }", c=CERT)
        assert lookup["data"]["member"]["id"]
        roster = write_csv(
            work / "roster.csv",
            CANONICAL_MEMBER_HEADER,
            [[union_id, employer_id, "导入甲", "男", "居民身份证", CERT_IMPORTED, PHONE_IMPORTED,
              "城镇", "群众", "本科", "否", "2015-03-01", "在册", "无", "无"],
             [union_id, employer_id, "导入乙", "男", "居民身份证", CERT_BAD, PHONE_IMPORTED,
              "城镇", "群众", "本科", "否", "2015-03-01", "在册", "无", "无"]],
        )  # fmt: skip
        upload = httpx.post(
            f"{base}/imports",
            files=[("files", (roster.name, roster.read_bytes()))],
            headers=served.headers,
            timeout=120,
        )
        assert upload.status_code == 200, upload.text
        assert (upload.json()["created"], upload.json()["rejected"]) == (1, 1)
        out.echoed.append(upload.headers["x-request-id"])
        out.metrics = httpx.get(f"{base}/metrics", timeout=30).text
    finally:
        assert served.terminate() == 0
    out.log = served.log()
    out.secrets = {
        "certificate number": CERT,
        "imported certificate number": CERT_IMPORTED,
        "rejected certificate number": CERT_BAD,
        "mobile": PHONE,
        "imported mobile": PHONE_IMPORTED,
        "demo admin password": served.password,
        "wrong password": WRONG_PASSWORD,
        "access token": served.token,
        **({"TOTP secret": served.totp_secret} if served.totp_secret else {}),
    }
    yield out


def test_every_log_line_is_json_with_the_fields(traffic: Traffic) -> None:
    lines = [line for line in traffic.log.splitlines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        record = json.loads(line)  # fails on any line that is not JSON
        assert {"time", "level", "logger", "message", "request_id"} <= set(record), line
    loggers = {json.loads(line)["logger"] for line in lines}
    assert {"uvicorn.error", "union_tree.access"} <= loggers


def test_access_lines_carry_the_echoed_request_ids(traffic: Traffic) -> None:
    access = [
        record
        for record in map(json.loads, traffic.log.splitlines())
        if record["logger"] == "union_tree.access"
    ]
    for record in access:
        assert {"method", "path", "status", "duration_ms"} <= set(record)
        assert record["request_id"]
    ids = {record["request_id"] for record in access}
    assert set(traffic.echoed) <= ids
    paths = {record["path"] for record in access}
    assert {"/graphql", "/imports", "/auth/token", "/metrics"} <= paths


def test_no_personal_data_passwords_or_tokens_in_the_log(traffic: Traffic) -> None:
    for what, value in traffic.secrets.items():
        assert value not in traffic.log, f"the log contains a {what}"
    # the formatter masks ID- and mobile-shaped text as a last resort; nothing should even try
    assert "[证件号已隐去]" not in traffic.log
    assert "[手机号已隐去]" not in traffic.log


def test_metrics_after_real_requests(traffic: Traffic) -> None:
    text = traffic.metrics
    assert 'union_tree_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'union_tree_http_request_duration_seconds_count{method="POST",route="/imports"}' in text
    assert 'union_tree_engine_query_duration_seconds_count{kind="write",outcome="ok",' \
           'query="membership/add_member"}' in text  # fmt: skip
    assert 'union_tree_import_rows_total{outcome="created"} 1.0' in text
    assert "union_tree_engine_up 1.0" in text
    assert CERT not in text and PHONE not in text

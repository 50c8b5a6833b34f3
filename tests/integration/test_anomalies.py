"""空挂会员 and other anomalies on every engine, against truth computed from the generator rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from stdnum.cn import uscc

from graph_service.demo.generator import DemoConfig
from graph_service.domain.anomalies import OrphanMember, OrphanReason, OrphanRow
from graph_service.domain.commands import AddMember, CreateUnion
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import BadUserInput, NotFound
from graph_service.repositories.anomalies import AnomalyRepository
from graph_service.services.imports import BatchInfo
from graph_service.services.registry import Services
from graph_service.store import GraphStore, Query
from loaders.samples import resident_id
from tests.conftest import ENGINES, make_services, open_test_store
from tests.truth import Truth

CONFIG = DemoConfig(members=1_500, seed=5)
Rows = dict[str, set[str]]
PLAIN = {"status": "ACTIVE", "newFormWorker": False}
ACTOR = "tester"


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(CONFIG)


@pytest.fixture(scope="module", params=ENGINES)
async def loaded(
    request: pytest.FixtureRequest, falkordb_server: EmbeddedFalkorDB
) -> AsyncIterator[Services]:
    store = await open_test_store(request.param, falkordb_server)
    services = make_services(store)
    assert (await services.demo.load(CONFIG)).loaded
    yield services
    await store.drop()  # type: ignore[attr-defined]
    await store.close()


def expected_rows(truth: Truth, keep: set[str] | None = None) -> Rows:
    """Orphan member ids per reason, straight from the generator rows."""
    dissolved = {u for u, row in truth.unions.items() if row["status"] == "DISSOLVED"}
    out: Rows = defaultdict(set)
    for m in truth.members:
        if keep is not None and m["id"] not in keep:
            continue
        if m["unionId"] is None:
            out["NO_UNION"].add(m["id"])
        elif m["unionId"] in dissolved:
            out["UNION_DISSOLVED"].add(m["id"])
        if m["employerId"] is None:
            out["NO_EMPLOYER"].add(m["id"])
    return dict(out)


async def walk(services: Services, union_id: str, first: int = 37) -> list[OrphanMember]:
    """Every page of a union's orphans, checking cursors and totals along the way."""
    seen: list[OrphanMember] = []
    cursor = None
    while True:
        page = await services.anomalies.orphan_members(union_id=union_id, first=first, after=cursor)
        seen += page.items
        assert page.total_count >= len(seen)
        if not page.has_next_page:
            assert page.total_count == len(seen)
            return seen
        cursor = page.end_cursor


def by_reason(items: list[OrphanMember]) -> Rows:
    out: Rows = defaultdict(set)
    for item in items:
        out[item.reason.value].add(item.member.id)
    return dict(out)


async def test_province_orphans_equal_the_truth(loaded: Services, truth: Truth) -> None:
    items = await walk(loaded, truth.root())
    keys = [(i.reason.rank, i.member.id) for i in items]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    expected = expected_rows(truth)
    assert by_reason(items) == expected
    assert all(expected.get(k) for k in ("NO_UNION", "UNION_DISSOLVED", "NO_EMPLOYER"))
    national = await walk(loaded, truth.root("NATIONAL"), first=500)
    assert by_reason(national) == expected


async def test_details_explain_without_certificates_or_phones(
    loaded: Services, truth: Truth
) -> None:
    items = await walk(loaded, truth.root(), first=500)
    secrets = {m["id"]: (m["certNumber"], m["phone"]) for m in truth.members}
    for item in items:
        assert item.detail
        cert, phone = secrets[item.member.id]
        assert cert not in item.detail and phone not in item.detail
        assert item.member.cert_number == cert  # the member itself is complete; the API masks
    dissolved = next(i for i in items if i.reason is OrphanReason.UNION_DISSOLVED)
    union = truth.unions[
        next(m for m in truth.members if m["id"] == dissolved.member.id)["unionId"]
    ]
    assert union["name"] in str(dissolved.detail) and "撤销" in str(dissolved.detail)


async def test_a_county_sees_only_its_own(loaded: Services, truth: Truth) -> None:
    expected_all = expected_rows(truth)
    orphan_ids = set().union(*expected_all.values())
    employers = {e["id"]: e for e in truth.province.employers}

    def under(county: dict, m: dict) -> bool:
        subtree = truth.subtree(county["id"])
        if m["unionId"] is not None:
            return m["unionId"] in subtree
        if m["employerId"] is None:
            return False  # neither union nor employer: province and national roots only
        employer = employers[m["employerId"]]
        return employer["unionId"] in subtree or employer["regionCode"] == county["regionCode"]

    counties = [u for u in truth.province.unions if u["level"] == "COUNTY"]
    county = max(
        counties,
        key=lambda c: sum(under(c, m) for m in truth.members if m["id"] in orphan_ids),
    )
    keep = {m["id"] for m in truth.members if m["id"] in orphan_ids and under(county, m)}
    items = await walk(loaded, str(county["id"]), first=5)
    assert keep and by_reason(items) == expected_rows(truth, keep)
    grassroots = next(u for u in truth.province.unions if u["level"] == "GRASSROOTS")
    mine = {
        m["id"]
        for m in truth.members
        if m["unionId"] == grassroots["id"]
        or (
            m["unionId"] is None
            and m["employerId"]
            and employers[m["employerId"]]["unionId"] == grassroots["id"]
        )
    }
    assert (
        set().union(*by_reason(await walk(loaded, str(grassroots["id"]))).values(), set()) <= mine
    )


async def test_bad_unknown_union_and_bad_cursor(loaded: Services) -> None:
    with pytest.raises(BadUserInput) as bad:
        await loaded.anomalies.orphan_members(union_id="not a code")
    assert bad.value.field == "unionId"
    body = "81420100MC0000001"
    with pytest.raises(NotFound):
        await loaded.anomalies.orphan_members(union_id=body + uscc.calc_check_digit(body))
    with pytest.raises(BadUserInput):
        await loaded.anomalies.orphan_members(union_id=body, after="garbage!")


async def test_employers_without_union_in_the_area(loaded: Services, truth: Truth) -> None:
    uncovered = [e for e in truth.province.employers if e["unionId"] is None]
    root = truth.root()
    seen: list[str] = []
    cursor = None
    while True:
        page = await loaded.anomalies.employers_without_union(union_id=root, first=3, after=cursor)
        seen += [e.id for e in page.items]
        if not page.has_next_page:
            break
        cursor = page.end_cursor
    big = {str(e["id"]) for e in uncovered if int(str(e["employeeCount"])) >= 25}
    assert seen == sorted(big) and page.total_count == len(big)
    stats = await loaded.stats.subtree_stats(root)
    assert stats.employers_without_union == len(big)
    county = next(
        u
        for u in truth.province.unions
        if u["level"] == "COUNTY" and any(e["regionCode"] == u["regionCode"] for e in uncovered)
    )
    page = await loaded.anomalies.employers_without_union(
        union_id=str(county["id"]), min_employees=0, first=500
    )
    assert {e.id for e in page.items} == {
        e["id"] for e in uncovered if e["regionCode"] == county["regionCode"]
    }
    with pytest.raises(BadUserInput):
        await loaded.anomalies.employers_without_union(union_id=root, min_employees=-1)


async def test_no_detached_unions_after_a_clean_load(loaded: Services) -> None:
    page = await loaded.anomalies.detached_unions(first=10)
    assert page.total_count == 0 and page.items == []


def _cypher(text: str) -> Query:
    return Query("test/anomaly", text)


async def _write(store: GraphStore, text: str, **params: object) -> None:
    await store.write(_cypher(text), params)


async def test_written_anomalies_are_found(store: GraphStore) -> None:
    services = make_services(store)
    truth = Truth.of(CONFIG)
    await services.demo.load(CONFIG)
    healthy = [
        m
        for m in truth.members
        if m["unionId"] and m["employerId"] and truth.unions[m["unionId"]]["status"] == "ACTIVE"
    ]
    by_union: dict[str, list[dict]] = defaultdict(list)
    for m in healthy:
        by_union[m["unionId"]].append(m)
    cut, other, third = sorted(by_union, key=lambda u: -len(by_union[u]))[:3]
    employer_of = {e["unionId"]: e["id"] for e in truth.province.employers if e["unionId"]}

    # 1. a grassroots union loses its parent: its members are UNION_DETACHED
    await _write(
        store,
        "MATCH (u:Union {id: $id})-[r:AFFILIATED_TO]->(:Union) WHERE r.until IS NULL "
        "SET r.until = '2026-01-01'",
        id=cut,
    )
    # 2. a member now works for a unit another union covers: EMPLOYER_NOT_COVERED
    moved = by_union[other][0]
    await _write(
        store,
        "MATCH (m:Member {id: $id})-[w:EMPLOYED_BY]->(:Employer) WHERE w.until IS NULL "
        "SET w.until = '2026-01-01' WITH m MATCH (e:Employer {id: $employer}) "
        "CREATE (m)-[:EMPLOYED_BY {since: '2026-01-01'}]->(e)",
        id=moved["id"],
        employer=employer_of[third],
    )
    # 3. a member gets a second open membership: DUPLICATE_ID (and not covered by the second)
    twice = by_union[third][0]
    await _write(
        store,
        "MATCH (m:Member {id: $id}), (u:Union {id: $union}) "
        "CREATE (m)-[:MEMBER_OF {since: '2026-01-01'}]->(u)",
        id=twice["id"],
        union=other,
    )
    # 4. a federation holds a worker of a unit without union (fine) and one of a unit another
    #    union covers (EMPLOYER_NOT_COVERED)
    county = truth.unions[cut]["parentId"]
    while truth.unions[county]["level"] != "COUNTY":
        county = truth.unions[county]["parentId"]
    free = next(e["id"] for e in truth.province.employers if e["unionId"] is None)
    await _write(
        store,
        "MATCH (c:Union {id: $county}), (free:Employer {id: $free}), "
        "(taken:Employer {id: $taken}) "
        "CREATE (f:Union {id: 'LS4201000000999999', name: '测试区域工会联合会', "
        "level: 'FEDERATION', kind: '区域性工会联合会', status: 'ACTIVE', "
        "regionCode: c.regionCode})-[:AFFILIATED_TO {since: '2020-01-01'}]->(c) "
        "CREATE (a:Member)-[:MEMBER_OF {since: '2020-01-01'}]->(f) SET a = $a "
        "CREATE (a)-[:EMPLOYED_BY {since: '2020-01-01'}]->(free) "
        "CREATE (b:Member)-[:MEMBER_OF {since: '2020-01-01'}]->(f) SET b = $b "
        "CREATE (b)-[:EMPLOYED_BY {since: '2020-01-01'}]->(taken)",
        a={"id": "feedfeedfeed0001", "certKey": "01:X1", "name": "甲", **PLAIN},
        b={"id": "feedfeedfeed0002", "certKey": "01:X2", "name": "乙", **PLAIN},
        county=county,
        free=free,
        taken=employer_of[other],
    )
    await scan(services)  # equal to the reference, and invalidated

    found = by_reason(await walk(services, truth.root(), first=200))
    expected = expected_rows(truth)
    assert found["UNION_DETACHED"] == {m["id"] for m in truth.members if m["unionId"] == cut}
    assert found["DUPLICATE_ID"] == {twice["id"]}
    assert found["EMPLOYER_NOT_COVERED"] == {moved["id"], twice["id"], "feedfeedfeed0002"}
    for reason in ("NO_UNION", "NO_EMPLOYER", "UNION_DISSOLVED"):
        assert found[reason] == expected[reason]

    detached = await services.anomalies.detached_unions(first=10)
    assert [(d.union.id, d.reason.value) for d in detached.items] == [(cut, "NO_PARENT")]
    county_rows = by_reason(await walk(services, county))
    assert county_rows["UNION_DETACHED"] == found["UNION_DETACHED"]  # found by region
    page = await services.anomalies.orphan_members(union_id=truth.root(), first=500)
    detail = next(
        i.detail
        for i in page.items
        if i.reason is OrphanReason.EMPLOYER_NOT_COVERED and i.member.id == moved["id"]
    )
    assert truth.unions[third]["name"] in str(detail) and truth.unions[other]["name"] in str(detail)


async def scan(services: Services) -> list[OrphanRow]:
    """A fresh scan, checked row for row against the former whole-graph anti-joins."""
    services.anomalies.invalidate()
    rows = (await services.anomalies.snapshot()).rows
    assert rows == await services.anomalies.reference_rows()
    return rows


def reasons_of(rows: list[OrphanRow], member_id: str) -> set[str]:
    return {r.reason.value for r in rows if r.member_id == member_id}


async def test_scan_follows_every_write_path(store: GraphStore) -> None:
    """Each use case that can make or unmake an orphan, then a scan equal to the reference,
    and the change visible in the next page once the snapshot is renewed."""
    services = make_services(store)
    truth = Truth.of(CONFIG)
    await services.demo.load(CONFIG)
    rows = await scan(services)
    assert {r.reason for r in rows} >= {OrphanReason.NO_UNION, OrphanReason.NO_EMPLOYER}
    employer_of = {e["unionId"]: e["id"] for e in truth.province.employers if e["unionId"]}
    region_of = {e["id"]: e["regionCode"] for e in truth.province.employers}
    healthy = [
        m
        for m in truth.members
        if m["unionId"] in employer_of
        and m["employerId"] == employer_of[m["unionId"]]
        and truth.unions[m["unionId"]]["status"] == "ACTIVE"
        and truth.unions[m["unionId"]]["level"] == "GRASSROOTS"
    ]
    g1, g2 = (
        healthy[0]["unionId"],
        next(m["unionId"] for m in healthy if m["unionId"] != healthy[0]["unionId"]),
    )
    region = str(region_of[employer_of[g1]])

    def person(seq: int, **extra: object) -> dict[str, object]:
        return {
            "unionId": g1,
            "name": f"新{seq}",
            "idNumber": resident_id(region, "19900101", 900 + seq),
            "joinedOn": "2025-01-02",
        } | extra

    # addMember without an employer: NO_EMPLOYER
    x = await services.membership.add_member(command=AddMember.of(person(1)), actor=ACTOR)
    rows = await scan(services)
    assert reasons_of(rows, x.id) == {"NO_EMPLOYER"}
    page = await services.anomalies.orphan_members(union_id=g1, first=500)
    assert x.id in {i.member.id for i in page.items if i.reason is OrphanReason.NO_EMPLOYER}
    # addMember with a unit another union covers: EMPLOYER_NOT_COVERED
    y = await services.membership.add_member(
        command=AddMember.of(person(2, employerId=employer_of[g2])), actor=ACTOR
    )
    assert reasons_of(await scan(services), y.id) == {"EMPLOYER_NOT_COVERED"}
    # leaving (employment closed too): no longer an orphan; re-joining without a unit: again
    await services.membership.end_membership(
        id_number=str(person(2)["idNumber"]), reason="LEFT_JOB", actor=ACTOR
    )
    assert reasons_of(await scan(services), y.id) == set()
    await services.membership.add_member(command=AddMember.of(person(2)), actor=ACTOR)
    assert reasons_of(await scan(services), y.id) == {"NO_EMPLOYER"}
    # the employer closes: kept at the upper union, which does not cover the unit
    closing = healthy[0]
    await services.membership.end_membership(
        id_number=str(closing["certNumber"]), reason="EMPLOYER_CLOSED", actor=ACTOR
    )
    upper = truth.unions[g1]["parentId"]
    expected = set() if truth.unions[upper]["level"] == "FEDERATION" else {"EMPLOYER_NOT_COVERED"}
    assert reasons_of(await scan(services), str(closing["id"])) == expected
    # a completed transfer that keeps the old unit: EMPLOYER_NOT_COVERED at the receiver
    mover = next(m for m in healthy if m["unionId"] == g1 and m["id"] != closing["id"])
    transfer = await services.membership.request_transfer(
        id_number=str(mover["certNumber"]), to_union_id=g2, actor=ACTOR
    )
    await services.membership.release_transfer(transfer_id=transfer.id, actor=ACTOR)
    await services.membership.complete_transfer(transfer_id=transfer.id, actor=ACTOR)
    assert reasons_of(await scan(services), str(mover["id"])) == {"EMPLOYER_NOT_COVERED"}
    # an import into a union that covers no unit: the new member has no employer
    county = next(u for u in truth.province.unions if u["level"] == "COUNTY")
    bare = await services.affiliation.create_union(
        command=CreateUnion.of(
            {
                "name": "测试行业工会联合会",
                "level": "FEDERATION",
                "kind": "行业性工会联合会",
                "regionCode": county["regionCode"],
                "parentId": county["id"],
                "foundedOn": "2020-01-01",
            }
        ),
        actor=ACTOR,
    )
    batch = BatchInfo("test-batch", "t.csv", "0" * 64, ACTOR, "2026-01-01T00:00:00Z")
    cert = f"01:{resident_id(region, '19900101', 950)}"
    row = {"srcRow": 2, "certKey": cert, "unionId": bare.id, "employerId": None}
    row |= {"employerName": None, "props": {"name": "导入甲"}}
    outcome = await services.imports.import_members([row], batch=batch, dry_run=False)
    assert outcome.created == 1
    (imported,) = await store.read(
        _cypher("MATCH (m:Member {certKey: $k}) RETURN m.id AS id"), {"k": cert}
    )
    assert reasons_of(await scan(services), str(imported["id"])) == {"NO_EMPLOYER"}
    assert await services.stats.verify() == []


async def test_a_graph_written_before_the_marks_is_backfilled(store: GraphStore) -> None:
    services = make_services(store)
    await services.demo.load(CONFIG)
    await _write(store, "MATCH (m:OrphanCheck) REMOVE m:OrphanCheck")
    await _write(store, "MATCH (s:AnomalyState) DELETE s")
    assert not await AnomalyRepository(store).marks_ready()
    rows = await scan(make_services(store))  # a new service: no state kept in the process
    assert {r.reason for r in rows} >= {OrphanReason.NO_UNION, OrphanReason.NO_EMPLOYER}
    assert await AnomalyRepository(store).marks_ready()

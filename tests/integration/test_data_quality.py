"""dataQuality (百日采集 scorecard) on every engine, against truth from the generator rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest

from api.context import Context
from api.schema import build_schema
from graph_service.demo.generator import DemoConfig
from graph_service.domain.accounts import Principal, Role
from graph_service.domain.quality import MEMBER_FIELDS
from graph_service.domain.validation import is_temporary_code
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from graph_service.errors import BadUserInput, NotFound
from graph_service.services.registry import Services
from graph_service.store import GraphStore, Query
from tests.conftest import ENGINES, make_services, open_test_store
from tests.truth import Truth

CONFIG = DemoConfig(members=1_500, seed=11, temporary_code_share=0.1)


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth.of(CONFIG)


@pytest.fixture(scope="module", params=ENGINES)
async def loaded(
    request: pytest.FixtureRequest, falkordb_server: EmbeddedFalkorDB
) -> AsyncIterator[tuple[Services, GraphStore]]:
    store = await open_test_store(request.param, falkordb_server)
    services = make_services(store)
    assert (await services.demo.load(CONFIG)).loaded
    yield services, store
    await store.drop()  # type: ignore[attr-defined]
    await store.close()


def children_of(truth: Truth, root: str) -> list[str]:
    return sorted(str(u["id"]) for u in truth.province.unions if u["parentId"] == root)


async def test_rows_match_generator_truth(
    loaded: tuple[Services, GraphStore], truth: Truth
) -> None:
    services, _ = loaded
    root = truth.root("PROVINCE")
    result = await services.data_quality.data_quality(union_id=root)
    assert result.union_id == root
    assert [r.union.id for r in result.children] == children_of(truth, root)
    saw_temporary = False
    for row in result.children:
        ids = truth.subtree(row.union.id)
        members = [m for m in truth.members if m["unionId"] in ids and m["status"] != "LEFT"]
        assert row.members == len(members)
        if members:  # the demo fills every member field
            assert row.member_fields_filled == pytest.approx(1.0)
        live = [u for u in ids if truth.unions[u]["status"] != "DISSOLVED"]
        temporary = [u for u in live if is_temporary_code(u)]
        invalid = {c.key: c.count for c in row.invalid}
        assert invalid["TEMP_CODE"] == len(temporary)
        assert invalid["PHONE"] == 0 and invalid["CERT"] == 0
        assert row.union_fields_filled == pytest.approx(1 - len(temporary) / (5 * len(live)))
        if temporary:
            saw_temporary = True
            assert row.union_fields_filled is not None and row.union_fields_filled < 1
        employers = [e for e in truth.province.employers if e["unionId"] in ids]
        names = Counter(e["name"] for e in employers)
        assert row.duplicates == sum(n for n in names.values() if n > 1)
        if employers:
            assert row.unit_fields_filled is not None and row.unit_fields_filled > 0.5
    assert saw_temporary


async def test_blank_and_bad_phone_lower_the_score(
    loaded: tuple[Services, GraphStore], truth: Truth
) -> None:
    services, store = loaded
    root = truth.root("PROVINCE")
    before = {
        r.union.id: r for r in (await services.data_quality.data_quality(union_id=root)).children
    }
    child = next(c for c in children_of(truth, root) if before[c].members >= 2)
    ids = truth.subtree(child)
    blank, bad = [m["id"] for m in truth.members if m["unionId"] in ids and m["status"] != "LEFT"][
        :2
    ]
    await store.write(
        Query("test/blank_phone", "MATCH (m:Member {id: $id}) SET m.phone = null"), {"id": blank}
    )
    await store.write(
        Query("test/bad_phone", "MATCH (m:Member {id: $id}) SET m.phone = '12345'"), {"id": bad}
    )
    after = {
        r.union.id: r for r in (await services.data_quality.data_quality(union_id=root)).children
    }
    row = after[child]
    assert row.members == before[child].members
    expected = 1 - 1 / (len(MEMBER_FIELDS) * row.members)
    assert row.member_fields_filled == pytest.approx(expected)
    assert {c.key: c.count for c in row.invalid}["PHONE"] == 1
    for other, was in before.items():
        if other != child:
            assert after[other].member_fields_filled == was.member_fields_filled


def _admin_of(union_id: str) -> Principal:
    return Principal(account_id="t", username="t", role=Role.ADMIN, scope_union_id=union_id)


async def test_graphql_and_errors(loaded: tuple[Services, GraphStore], truth: Truth) -> None:
    services, _ = loaded
    root = truth.root("PROVINCE")
    schema = build_schema()
    query = """query($id: ID!) { dataQuality(unionId: $id) { unionId children {
        union { id: code } members memberFieldsFilled unionFieldsFilled unitFieldsFilled
        invalid { key count } duplicates } } }"""
    result = await schema.execute(
        query,
        variable_values={"id": root},
        context_value=Context(services=services, principal=_admin_of(root)),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    rows = result.data["dataQuality"]["children"]
    assert [r["union"]["id"] for r in rows] == children_of(truth, root)
    with pytest.raises(BadUserInput) as bad:
        await services.data_quality.data_quality(union_id="not-a-code")
    assert bad.value.field == "unionId"
    with pytest.raises(NotFound):
        await services.data_quality.data_quality(union_id="LS4201000000099999")

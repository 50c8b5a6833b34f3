"""503 mapping of GraphQL responses, and the importer's rerun fingerprint (pure code)."""

from __future__ import annotations

from api.graphql_status import all_unavailable
from graph_service.services.imports import fingerprint

DOWN = {"message": "图数据库暂时不可用", "extensions": {"code": "GRAPH_UNAVAILABLE"}}
OTHER = {"message": "未找到", "extensions": {"code": "NOT_FOUND"}}


def test_only_responses_whose_every_error_is_unavailable_are_503() -> None:
    assert all_unavailable({"data": None, "errors": [DOWN]})
    assert all_unavailable({"data": None, "errors": [DOWN, DOWN]})
    assert all_unavailable([{"errors": [DOWN]}, {"errors": [DOWN]}])
    assert not all_unavailable({"data": {"x": 1}})
    assert not all_unavailable({"data": None, "errors": [DOWN, OTHER]})
    assert not all_unavailable({"data": None, "errors": [{"message": "no extensions"}]})
    assert not all_unavailable([{"errors": [DOWN]}, {"data": {"x": 1}}])


def test_fingerprint_is_the_text_the_query_builds() -> None:
    props = {"name": "张三", "newFormWorker": False, "srcRow": 7, "phone": None}
    names = ["name", "newFormWorker", "phone", "srcRow"]
    assert fingerprint(props, names) == "张三\x1ffalse\x1f\x01\x1f7\x1f"


def test_fingerprint_never_matches_what_it_cannot_compare() -> None:
    # a name the row lacks, text holding a separator, another type: U+0002, which
    # toString() of a stored value never yields, so the row is compared in full
    assert "\x02" in fingerprint({"name": "x"}, ["name", "status"])
    assert "\x02" in fingerprint({"name": "a\x1fb"}, ["name"])
    assert "\x02" in fingerprint({"tags": ["a"]}, ["tags"])
    assert fingerprint({"a": "x", "b": "y"}, ["a", "b"]) != fingerprint({"a": "x\x1fy"}, ["a"])

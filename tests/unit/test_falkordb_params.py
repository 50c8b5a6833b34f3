"""FalkorDB parameter encoding: fast JSON path only where it equals Cypher literal syntax."""

from __future__ import annotations

import json

import pytest
from falkordb.helpers import stringify_param_value

from graph_service.engines.falkordb import encode_param, params_header
from graph_service.errors import BadUserInput
from graph_service.store import JsonRows


def test_positional_rows_use_json() -> None:
    rows = [["a\"b\\c", None, True, 3, 1.5, "中文\n"]]
    assert encode_param(rows) == '[["a\\"b\\\\c",null,true,3,1.5,"中文\\n"]]'


def test_integers_beyond_64_bits_use_the_client_encoder() -> None:
    rows = [["a", 2**70]]
    assert encode_param(rows) == stringify_param_value(rows)


def test_maps_and_control_characters_use_the_client_encoder() -> None:
    for value in ([{"a": 1}], [["x\u0001"]], [["a\rb"]], [[{"a": 1}]], {"k": "v"}, "s", 5):
        assert encode_param(value) == stringify_param_value(value)


def test_header_names_every_param() -> None:
    assert params_header({"a": 1, "b": "x"}) == 'CYPHER a=1 b="x" '
    assert params_header(None) == ""


def test_a_nul_character_is_refused_as_bad_input() -> None:
    # FalkorDB reads the query as a C string; found by schemathesis (it was an INTERNAL error)
    for value in ("a\x00b", [["a\x00b", 1]], {"k": "a\x00b"}):
        with pytest.raises(BadUserInput) as caught:
            params_header({"x": value})
        assert caught.value.reason == "NUL_CHARACTER"
    assert params_header({"x": "a\x1cb\u2028"}).startswith("CYPHER x=")


def test_grouped_rows_use_json() -> None:
    groups = [["u1", "e1", [["m1", "张三", None, False], ["m2", "李四", 2, True]]]]
    expected = '[["u1","e1",[["m1","张三",null,false],["m2","李四",2,true]]]]'
    assert encode_param(groups) == expected
    with_map = [["u1", "e1", [["m1", {"a": 1}]]]]
    assert encode_param(with_map) == stringify_param_value(with_map)


def test_json_rows_pass_through_or_are_decoded_when_unsafe() -> None:
    text = json.dumps([["u1", [["m1", "王五"]]]], ensure_ascii=False)
    assert encode_param(JsonRows(text)) == text
    unsafe = json.dumps([["a\u0001b"]])  # JSON writes \u0001, which FalkorDB would not decode
    assert encode_param(JsonRows(unsafe)) == stringify_param_value([["a\u0001b"]])
    with pytest.raises(BadUserInput):
        params_header({"x": JsonRows(json.dumps([["a\x00b"]], ensure_ascii=False))})


def test_neo4j_receives_json_rows_as_lists() -> None:
    from graph_service.engines.neo4j import _decoded

    assert _decoded({"g": JsonRows('[["u1", [["m1", null]]]]'), "n": 3}) == {
        "g": [["u1", [["m1", None]]]],
        "n": 3,
    }

"""FalkorDB parameter encoding: fast JSON path only where it equals Cypher literal syntax."""

from __future__ import annotations

from falkordb.helpers import stringify_param_value

from graph_service.engines.falkordb import encode_param, params_header


def test_positional_rows_use_json() -> None:
    rows = [["a\"b\\c", None, True, 3, 1.5, "中文\n"]]
    assert encode_param(rows) == '[["a\\"b\\\\c", null, true, 3, 1.5, "中文\\n"]]'


def test_maps_and_control_characters_use_the_client_encoder() -> None:
    for value in ([{"a": 1}], [["x\u0001"]], [["a\rb"]], [[{"a": 1}]], {"k": "v"}, "s", 5):
        assert encode_param(value) == stringify_param_value(value)


def test_header_names_every_param() -> None:
    assert params_header({"a": 1, "b": "x"}) == 'CYPHER a=1 b="x" '
    assert params_header(None) == ""

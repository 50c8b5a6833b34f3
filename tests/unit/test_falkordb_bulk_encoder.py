"""GRAPH.BULK encoding: byte layout per value type, node numbering, and refusals."""

from __future__ import annotations

import struct

import pytest

from graph_service.engines.falkordb_bulk import BulkEncoder


def test_values_are_encoded_with_their_type_byte() -> None:
    enc = BulkEncoder()
    assert enc.value(None) == b"\x00"
    assert enc.value(True) == b"\x01\x01" and enc.value(False) == b"\x01\x00"
    assert enc.value(7) == b"\x04" + struct.pack("=q", 7)
    assert enc.value(2.5) == b"\x02" + struct.pack("=d", 2.5)
    assert enc.value("工会") == b"\x03" + "工会".encode() + b"\x00"
    assert enc.value(["a", 1]) == (
        b"\x05" + struct.pack("=q", 2) + b"\x03a\x00" + b"\x04" + struct.pack("=q", 1)
    )


def test_a_column_mixing_numbers_and_booleans_keeps_each_type() -> None:
    enc = BulkEncoder()
    assert enc.column([1, True, 1.0, 1]) == [
        enc.value(1), b"\x01\x01", enc.value(1.0), enc.value(1),
    ]  # fmt: skip
    assert enc.column(["a", "b", "a", None]) == [b"\x03a\x00", b"\x03b\x00", b"\x03a\x00", b"\x00"]


def test_nodes_are_numbered_in_order_and_tokens_laid_out_per_spec() -> None:
    enc = BulkEncoder()
    assert enc.nodes(["Union"], ["id"], [["u1"], ["u2"]]) == 0
    assert enc.nodes(["Member", "OrphanCheck"], ["id", "n"], [["m1", 3]]) == 2
    enc.edges("MEMBER_OF", ["since"], [[2, 1, "2020-01-02"]])
    batch = enc.take()
    assert (batch.nodes, batch.edges) == (3, 1)
    assert batch.node_tokens[0] == b"Union\x00" + struct.pack("=I", 1) + b"id\x00" + (
        b"\x03u1\x00\x03u2\x00"
    )
    assert batch.node_tokens[1].startswith(b"Member:OrphanCheck\x00" + struct.pack("=I", 2))
    assert batch.edge_tokens[0] == (
        b"MEMBER_OF\x00" + struct.pack("=I", 1) + b"since\x00"
        + struct.pack("=QQ", 2, 1) + b"\x032020-01-02\x00"
    )  # fmt: skip
    assert enc.take().nodes == 0 and enc.nodes(["Union"], ["id"], [["u3"]]) == 3


def test_refusals() -> None:
    enc = BulkEncoder()
    enc.nodes(["Union"], ["id"], [["u1"]])
    with pytest.raises(ValueError, match="not built yet"):
        enc.edges("AFFILIATED_TO", [], [[0, 1]])
    with pytest.raises(ValueError, match="NUL"):
        enc.nodes(["Union"], ["id"], [["a\x00b"], ["c"], ["d"]])
    with pytest.raises(ValueError, match="NUL"):
        enc.value("a\x00")
    with pytest.raises(ValueError):
        enc.nodes(["Union"], ["id", "name"], [["u2"]])
    with pytest.raises(TypeError):
        enc.value(object())

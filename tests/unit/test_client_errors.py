"""Errors reaching clients and logs: codes kept, unexpected ones masked, no personal data logged."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError, build_schema, graphql_sync

from api.errors import to_client_error
from graph_service.errors import BadUserInput, GraphUnavailableError

SECRET = "420102199001011234"


def _raised(exc: Exception) -> GraphQLError:
    try:
        raise exc
    except Exception as caught:
        return GraphQLError("driver text " + SECRET, original_error=caught, path=["member"])


def test_known_errors_keep_code_reason_field_and_chinese_message() -> None:
    out = to_client_error(
        _raised(BadUserInput("证件号有误", reason="ID_CHECKSUM", field="idNumber"))
    )
    assert out.message == "证件号有误"
    assert out.extensions == {
        "code": "BAD_USER_INPUT",
        "reason": "ID_CHECKSUM",
        "field": "idNumber",
    }
    assert (
        to_client_error(_raised(GraphUnavailableError())).extensions["code"] == "GRAPH_UNAVAILABLE"
    )


def test_unexpected_errors_are_masked_and_logged_without_their_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="union_tree.api"):
        out = to_client_error(_raised(ValueError(f"bad value {SECRET}")))
    assert out.message == "服务内部错误" and out.extensions == {"code": "INTERNAL"}
    assert SECRET not in out.message
    assert "ValueError" in caplog.text
    assert SECRET not in caplog.text


def test_document_errors_are_bad_user_input() -> None:
    out = to_client_error(GraphQLError("Cannot query field 'nope'"))
    assert out.extensions == {"code": "BAD_USER_INPUT", "reason": "GRAPHQL_VALIDATION"}


def test_variables_of_the_wrong_type_are_bad_user_input(caplog: pytest.LogCaptureFixture) -> None:
    # found by the logging test: they were INTERNAL (and logged as unexpected errors)
    schema = build_schema("type Query { a(n: Int): Int  b(d: String!): Int }")
    cases = [
        ("query($n: Int) { a(n: $n) }", {"n": SECRET}),
        ("query($d: String!) { b(d: $d) }", {}),
        ("query($d: String!) { b(d: $d) }", {"d": 5}),
    ]
    with caplog.at_level(logging.WARNING, logger="union_tree.api"):
        for query, variables in cases:
            [error] = graphql_sync(schema, query, variable_values=variables).errors or []
            out = to_client_error(error)
            assert out.extensions == {"code": "BAD_USER_INPUT", "reason": "GRAPHQL_VARIABLES"}
            assert out.message.startswith("变量值有误：")
    assert caplog.text == ""


def test_redact_masks_ids_and_mobiles_but_not_hex_tokens() -> None:
    from api.logging_setup import redact

    assert (
        redact("手机13812345678，证件110101199003074514")
        == "手机[手机号已隐去]，证件[证件号已隐去]"
    )
    assert redact("phone=13812345678 id=11010119900307451X.") == (
        "phone=[手机号已隐去] id=[证件号已隐去]."
    )
    request_id = "13812345678e4ea2b151e14ec2fe76bf"  # a uuid4 hex that starts mobile-shaped
    assert redact(f'"request_id": "{request_id}"') == f'"request_id": "{request_id}"'
    assert redact("f110101199003074514a") == "f110101199003074514a"

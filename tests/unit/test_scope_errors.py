"""The refusals api/scope.py hands out, exactly as clients receive them (code, reason, field
and the Chinese message): kills the mutants of these constructors (make mutants)."""

from __future__ import annotations

from api.scope import OUTSIDE, limited_error, read_only_error


def test_a_viewers_mutation_is_refused_read_only() -> None:
    refusal = read_only_error()
    assert refusal.message == "查看员账号只能查询，无权修改数据"
    assert refusal.extensions() == {"code": "FORBIDDEN", "reason": "READ_ONLY"}


def test_a_field_above_the_scope_is_refused_outside_scope() -> None:
    assert limited_error().extensions() == {"code": "FORBIDDEN", "reason": "OUTSIDE_SCOPE"}
    refusal = limited_error("chair")
    assert refusal.message == OUTSIDE == "该工会不在您的管辖范围内，只能查看其名称和层级"
    expected = {"code": "FORBIDDEN", "reason": "OUTSIDE_SCOPE", "field": "chair"}
    assert refusal.extensions() == expected

"""Free-text limits and date checks (issue 16, finding 8), as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from api.input_limits import DEFAULT_MAX_CHARS, MAX_CHARS, check_value
from graph_service.domain.dates import check_joined_on, sixteenth_birthday
from graph_service.errors import BadUserInput


def test_every_string_in_a_variable_is_checked_by_its_field() -> None:
    check_value("input", {"name": "张" * 100, "address": "路" * 200, "tags": ["a"]})
    with pytest.raises(BadUserInput) as caught:
        check_value("input", {"employer": {"address": "路" * 201}})
    assert (caught.value.reason, caught.value.field) == ("TOO_LONG", "address")
    with pytest.raises(BadUserInput) as caught:
        check_value("input", {"list": ["ok", "x\x00"]})
    assert caught.value.reason == "CONTROL_CHARACTER" and "\x00" not in caught.value.message
    check_value("note", "第一行\n第二行\t制表")  # tab, newline, CR are text
    with pytest.raises(BadUserInput):
        check_value("other", "x" * (DEFAULT_MAX_CHARS + 1))
    assert MAX_CHARS["reason"] == MAX_CHARS["note"] == 500


def test_joining_dates() -> None:
    birth = date(1985, 12, 12)
    assert sixteenth_birthday(birth) == date(2001, 12, 12)
    assert sixteenth_birthday(date(2084, 2, 29)) == date(2100, 3, 1)  # 2100: no 29 Feb
    check_joined_on(date(2001, 12, 12), birth, today=date(2026, 1, 1))
    for joined, reason in ((date(1700, 1, 1), "JOINED_BEFORE_16"),
                           (date(2001, 12, 11), "JOINED_BEFORE_16"),
                           (date(2026, 1, 2), "DATE_IN_FUTURE")):  # fmt: skip
        with pytest.raises(BadUserInput) as caught:
            check_joined_on(joined, birth, today=date(2026, 1, 1))
        assert caught.value.reason == reason

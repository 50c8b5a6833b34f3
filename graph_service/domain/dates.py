"""Dates checked against each other (issue 16): joining a union not before the 16th birthday
(the Trade Union Law's minimum working age) nor in the future."""

from __future__ import annotations

from datetime import date

from graph_service.errors import BadUserInput

MIN_JOINING_AGE = 16


def sixteenth_birthday(birth: date) -> date:
    """The day someone born on ``birth`` turns 16 (29 February: 1 March)."""
    try:
        return birth.replace(year=birth.year + MIN_JOINING_AGE)
    except ValueError:
        return date(birth.year + MIN_JOINING_AGE, 3, 1)


def check_joined_on(joined: date, birth: date, *, today: date | None = None) -> None:
    """Refuse a joining date before the 16th birthday or in the future."""
    if joined > (today or date.today()):
        raise BadUserInput("入会时间不能晚于今天", reason="DATE_IN_FUTURE", field="joinedOn")
    if joined < sixteenth_birthday(birth):
        raise BadUserInput(
            "入会时间不能早于年满16周岁之日（以身份证号码中的出生日期计）",
            reason="JOINED_BEFORE_16",
            field="joinedOn",
        )

"""Administrative divisions (GB/T 2260) from python-stdnum's ``cn/loc`` table.

Each code in ``stdnum/cn/loc.dat`` carries a ``county`` property that is either a plain
name or a comma-separated history such as ``[1983-2000]石灰窑区,[2001-]西塞山区``; a code is
current when its last period is open-ended (or it has no period at all).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from stdnum import numdb

from graph_service.errors import BadUserInput

__all__ = [
    "division_in_use_after",
    "is_current_region",
    "list_divisions",
    "region_name",
    "validate_region_code",
]

_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_SKIP = {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划"}


@cache
def _divisions() -> dict[str, tuple[str, bool]]:
    """Map every 6-digit code in stdnum's table to (latest name, currently valid)."""
    return {code: (name, end is None) for code, (name, end) in _table().items()}


@cache
def _table() -> dict[str, tuple[str, int | None]]:
    """Map every 6-digit code to (latest name, last year in use or None when still in use)."""
    found: dict[str, tuple[str, int | None]] = {}
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or low != high:
            continue
        for clen, clow, chigh, cprops, _ in children:
            if clen != 4 or "county" not in cprops:
                continue
            entry = _latest(cprops["county"])
            for tail in range(int(clow), int(chigh) + 1):
                found[f"{low}{tail:04d}"] = entry
    return found


def _latest(history: str) -> tuple[str, int | None]:
    """Latest name of a division and the last year of its last period (None: still open)."""
    last = history.split(",")[-1]
    match = _PERIOD.match(last)
    if match is None or not match.group(2):
        return (last if match is None else match.group(3)), None
    return match.group(3), int(match.group(2))


def division_in_use_after(code: str, year: int) -> bool:
    """Whether a division code was still in use in or after ``year``.

    A resident ID carries the division where the number was assigned, which may be years
    after birth (first-generation cards from 1984 on), so a district created in 1983 is a
    valid birthplace code for someone born in 1960, while one abolished in 2010 cannot
    appear in the number of someone born in 2015. (``stdnum.cn.ric`` demands that the code
    existed in the birth year itself, which rejects many real IDs of older members.)
    """
    entry = _table().get(code)
    return entry is not None and (entry[1] is None or entry[1] >= year)


def _kind(code: str) -> str:
    if code.endswith("0000"):
        return "PROVINCE"
    return "CITY" if code.endswith("00") else "COUNTY"


def validate_region_code(code: object, *, field: str = "regionCode") -> str:
    """Return a 6-digit GB/T 2260 division code known to stdnum's table, else BadUserInput."""
    text = unicodedata.normalize("NFKC", str(code)).strip() if code is not None else ""
    if text.endswith(".0"):  # numeric Excel cell
        text = text[:-2]
    if not (len(text) == 6 and text.isascii() and text.isdigit()):
        raise BadUserInput("行政区划代码应为6位数字", reason="REGION_CODE", field=field)
    if text not in _divisions():
        raise BadUserInput("行政区划代码不存在", reason="REGION_CODE", field=field)
    return text


def region_name(code: str) -> str | None:
    """The latest name of a division code, or None when the code is unknown."""
    entry = _divisions().get(code)
    return entry[0] if entry else None


def is_current_region(code: str) -> bool:
    """Whether a division code is currently in use (not abolished or replaced)."""
    entry = _divisions().get(code)
    return bool(entry and entry[1])


def list_divisions(province_prefix: str) -> list[tuple[str, str, str]]:
    """Current divisions under a prefix (e.g. '42') as (code, name, PROVINCE|CITY|COUNTY)."""
    return [
        (code, name, _kind(code))
        for code, (name, current) in sorted(_divisions().items())
        if current and code.startswith(province_prefix) and name not in _SKIP
    ]

"""Phone numbers and dates as officials type them (or Excel stores them), normalised.

Messages never repeat the phone that was given.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from numbers import Real

from graph_service.errors import BadUserInput

__all__ = [
    "iso",
    "normalise_mobile",
    "normalise_phone",
    "parse_date",
    "parse_optional_date",
]

_SEPARATORS = str.maketrans("", "", " -\t\r\n\u3000()（）")


def _compact(text: object) -> str:
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw)
    return raw.translate(_SEPARATORS).upper()


# ---------------------------------------------------------------- phones

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0(?:1\d|2\d|[3-9]\d{2}))(\d{7,8})(?:(?:转|EXT|#)(\d{1,6}))?$")


def _strip_phone(text: object) -> str:
    n = _compact(text)
    for prefix in ("+86", "0086"):
        if n.startswith(prefix):
            return n[len(prefix) :]
    if n.startswith("86") and len(n) == 13:
        return n[2:]
    return n


def normalise_mobile(text: object, field: str = "phone") -> str:
    """Return an 11-digit mainland mobile number (after stripping +86/0086/86 and separators)."""
    n = _strip_phone(text)
    if not _MOBILE.match(n):
        raise BadUserInput("手机号码应为以1开头的11位数字", reason="MOBILE_FORMAT", field=field)
    return n


def normalise_phone(text: object, field: str = "phone") -> str:
    """Return a mobile (11 digits) or a landline as 'area-local[-ext]' (e.g. '027-87654321')."""
    raw = _compact(text)
    n = _strip_phone(text)
    if _MOBILE.match(n):
        return n
    if raw.startswith(("+86", "0086")) and not n.startswith("0"):
        n = "0" + n
    match = _LANDLINE.match(n)
    if match is None:
        raise BadUserInput(
            "联系电话应为11位手机号码或带区号的固定电话", reason="PHONE_FORMAT", field=field
        )
    area, local, ext = match.groups()
    return f"{area}-{local}" + (f"-{ext}" if ext else "")


# ---------------------------------------------------------------- dates

_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # a time part, as pandas writes it
)
_EXCEL_EPOCH = date(1899, 12, 30)


def _excel_serial(serial: float, field: str) -> date:
    if not 1 <= serial < 2958466 or int(serial) == 60:  # 60 is Excel's fictitious 1900-02-29
        raise BadUserInput("Excel日期序号超出范围", reason="DATE_FORMAT", field=field)
    days = int(serial)
    return _EXCEL_EPOCH + timedelta(days=days if days > 60 else days + 1)


def parse_date(
    value: object, field: str = "date", *, not_future: bool = False, today: date | None = None
) -> date:
    """Parse a date: date, ISO, 2001/5/6, 2001.5.6, 2001年5月6日, YYYYMMDD or an Excel serial."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, Real) and not isinstance(value, bool) and value == value:
        result = _excel_serial(float(value), field)
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        match = _DATE.match(text)
        if match is None and len(text) == 8 and text.isascii() and text.isdigit():
            match = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
        if match is not None:
            try:
                result = date(*(int(g) for g in match.groups()))
            except ValueError:
                raise BadUserInput("日期不存在", reason="DATE_FORMAT", field=field) from None
        elif re.match(r"^\d{1,7}(\.\d+)?$", text):
            result = _excel_serial(float(text), field)
        else:
            raise BadUserInput(
                "日期格式应为YYYY-MM-DD（如2001-05-06）", reason="DATE_FORMAT", field=field
            )
    if not_future and result > (today or date.today()):
        raise BadUserInput("日期不能晚于今天", reason="DATE_IN_FUTURE", field=field)
    return result


def parse_optional_date(
    value: object, field: str = "date", *, not_future: bool = False, today: date | None = None
) -> date | None:
    """Like parse_date, but None, blank strings and NaN give None."""
    if value is None or (isinstance(value, str) and not value.strip()) or value != value:
        return None
    return parse_date(value, field, not_future=not_future, today=today)


def iso(d: date) -> str:
    """ISO 8601 date string 'YYYY-MM-DD' as stored in the graph."""
    return d.isoformat()

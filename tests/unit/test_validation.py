"""Validators against python-stdnum's own known-good and known-bad values."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from graph_service.domain import validation as v
from graph_service.errors import BadUserInput

GOOD_ID = "360426199101010071"  # stdnum.cn.ric doctest; 17th digit 7 → male
GOOD_USCC = "91110000600037341L"  # stdnum.cn.uscc doctest
TODAY = date(2024, 6, 1)


def _with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def _reject(func: object, *args: object, **kw: object) -> BadUserInput:
    with pytest.raises(BadUserInput) as info:
        func(*args, **kw)  # type: ignore[operator]
    return info.value


# ---------------------------------------------------------------- resident IDs


def test_stdnum_doctest_id_is_valid() -> None:
    assert ric.is_valid(GOOD_ID)
    assert v.validate_resident_id(GOOD_ID) == GOOD_ID
    assert v.validate_resident_id(" 360426 19910101 0071 ") == GOOD_ID


def test_lowercase_x_is_read_as_upper() -> None:
    number = _with_check("36042619910101008")
    assert number.endswith("X") and ric.is_valid(number)
    assert v.validate_resident_id(number.lower()) == number


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("36042619910101007", "ID_FORMAT"),  # 17 characters
        ("36042619910101A071", "ID_FORMAT"),
        ("36042619910101007Y", "ID_FORMAT"),
        ("360426199101010072", "ID_CHECKSUM"),  # the doctest number with a flipped check digit
        (_with_check("36042619910230007"), "ID_BIRTH_DATE"),  # 30 February
        (_with_check("36042620990101007"), "ID_BIRTH_DATE"),  # born in 2099
        (_with_check("99042619910101007"), "ID_REGION"),  # no division 990426
        (_with_check("11010320150101001"), "ID_REGION"),  # 崇文区 abolished in 2010
    ],
)
def test_bad_ids_have_distinct_reasons(number: str, reason: str) -> None:
    assert not ric.is_valid(number) or reason == "ID_BIRTH_DATE"
    err = _reject(v.validate_resident_id, number, field="idNumber", today=TODAY)
    assert err.reason == reason
    assert err.field == "idNumber"
    assert number not in err.message and number[:6] not in err.message


def test_historic_division_valid_in_its_years() -> None:
    number = _with_check("11010319900101001")  # 崇文区 existed in 1990
    assert v.validate_resident_id(number) == number


def test_districts_created_after_birth_are_accepted() -> None:
    # 江岸区 (420102) exists since 1983; a person born in 1960 got that code on their card.
    # stdnum insists on the birth year and rejects it; a register of workers must not.
    number = _with_check("42010219600101002")
    assert not ric.is_valid(number)
    assert v.validate_resident_id(number) == number


def test_format_error_names_the_position() -> None:
    err = _reject(v.validate_resident_id, "36042619910101A071")
    assert "第15位" in err.message


def test_gender_cross_check() -> None:
    assert v.validate_resident_id(GOOD_ID, gender="1") == GOOD_ID
    assert v.validate_resident_id(GOOD_ID, gender="9") == GOOD_ID  # 未说明: no check
    err = _reject(v.validate_resident_id, GOOD_ID, gender="2")
    assert err.reason == "GENDER_MISMATCH" and GOOD_ID not in err.message
    assert v.gender_from_resident_id(GOOD_ID) == "1"
    assert v.gender_from_resident_id(_with_check("42010219900101002")) == "2"


def test_birth_date_from_id_and_cross_check() -> None:
    assert v.birth_date_from_resident_id(GOOD_ID) == date(1991, 1, 1)
    assert v.validate_resident_id(GOOD_ID, birth_date=date(1991, 1, 1)) == GOOD_ID
    err = _reject(v.validate_resident_id, GOOD_ID, birth_date=date(1991, 1, 2))
    assert err.reason == "BIRTH_DATE_MISMATCH"


def test_future_birth_depends_on_today() -> None:
    number = _with_check("42010220240701002")
    assert _reject(v.validate_resident_id, number, today=TODAY).reason == "ID_BIRTH_DATE"
    assert v.validate_resident_id(number, today=date(2024, 7, 1)) == number


def test_twenty_thousand_validations_agree_with_stdnum() -> None:
    prefixes = ["110101", "110105", "110106", "110108", "120106"]  # in use since before 1960
    numbers = [
        _with_check(f"{prefixes[i % 5]}{1960 + i % 40}0{1 + i % 9}1{i % 10}{i % 1000:03d}")
        for i in range(20_000)
    ]
    ok = [v.validate_resident_id(n) for n in numbers]
    assert ok == numbers
    assert all(ric.is_valid(n) for n in numbers[:200])


def _accepted_one_by_one(number: str, gender: str | None, today: date) -> bool:
    try:
        return v.validate_resident_id(number, gender=gender, today=today) == number
    except BadUserInput:
        return False


_PLACES = ["110101", "420102", "420111", "360426", "990000", "420100", "510122"]


@st.composite
def _resident_ids(draw: st.DrawFn) -> str:
    """Well-formed and nearly well-formed resident IDs: real, abolished and unknown places,
    impossible and future birth dates, wrong and lower-case check characters, stray
    characters, other lengths."""
    place = draw(st.sampled_from(_PLACES) | st.from_regex(r"[0-9]{6}", fullmatch=True))
    year = draw(st.integers(1870, 2030))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{place}{year:04d}{month:02d}{day:02d}{seq}"
    number = _with_check(first17)
    kind = draw(st.integers(0, 6))
    if kind == 1:
        number = first17 + draw(st.sampled_from("0123456789Xx"))
    elif kind == 2:
        at = draw(st.integers(0, 17))
        number = number[:at] + draw(st.sampled_from("A x-/９")) + number[at + 1 :]
    elif kind == 3:
        number = number[: draw(st.integers(0, 19))] + draw(st.sampled_from(["", "0", "00"]))
    elif kind == 4:
        number = draw(st.text(alphabet="0123456789X x", min_size=16, max_size=20))
    return number


@given(
    st.lists(
        st.tuples(_resident_ids(), st.sampled_from([None, "1", "2"])), min_size=1, max_size=40
    ),
    st.sampled_from([TODAY, date(1999, 12, 31)]),
)
def test_batch_check_accepts_exactly_what_the_one_by_one_check_keeps(
    rows: list[tuple[str, str | None]], today: date
) -> None:
    numbers = [n for n, _ in rows]
    genders = [g for _, g in rows]
    got = v.resident_ids_accepted(numbers, genders, today)
    assert got == [_accepted_one_by_one(n, g, today) for n, g in rows]


def test_batch_check_of_twenty_thousand_ids() -> None:
    numbers = [
        _with_check(f"420102{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}")
        for i in range(20_000)
    ]
    numbers[7] = numbers[7][:17] + ("0" if numbers[7][17] != "0" else "1")  # wrong check
    numbers[8] = numbers[8][:6] + "19990229" + numbers[8][14:]  # no such day
    genders = [None] * 20_000
    genders[9] = "1" if int(numbers[9][16]) % 2 == 0 else "2"  # the other gender
    got = v.resident_ids_accepted(numbers, genders, TODAY)
    assert [i for i, ok in enumerate(got) if not ok] == [7, 8, 9]
    assert v.resident_ids_accepted([], [], TODAY) == []


# ---------------------------------------------------------------- other certificates


@pytest.mark.parametrize(
    ("cert_type", "number", "expected"),
    [
        ("01", GOOD_ID, GOOD_ID),
        ("居民身份证", GOOD_ID, GOOD_ID),
        ("02", "h1234567 8", "H12345678"),
        ("02", "M1234567890", "M1234567890"),
        ("03", "12345678", "12345678"),
        ("03", "1234567890", "1234567890"),
        ("04", "usa123456789012", "USA123456789012"),
        ("04", "93301234567890123X", "93301234567890123X"),
        ("05", "e12345678", "E12345678"),
        ("99", " 军官证 12345 ", "军官证12345"),
    ],
)
def test_certificates_accepted(cert_type: str, number: str, expected: str) -> None:
    assert v.validate_certificate(cert_type, number) == expected


@pytest.mark.parametrize(
    ("cert_type", "number"),
    [
        ("02", "X12345678"),
        ("02", "H123456789"),
        ("03", "1234567"),
        ("04", "12345678901234"),
        ("04", "123456789012345678"),
        ("05", "AB12"),
        ("05", "AB12-34#5"),
        ("99", "   "),
        ("99", "9" * 31),
    ],
)
def test_certificates_rejected_without_echo(cert_type: str, number: str) -> None:
    err = _reject(v.validate_certificate, cert_type, number, field="certNumber")
    assert err.reason == "CERT_FORMAT" and err.field == "certNumber"
    if number.strip():
        assert number.strip() not in err.message


def test_resident_certificate_passes_gender_through() -> None:
    assert _reject(v.validate_certificate, "01", GOOD_ID, gender="2").reason == "GENDER_MISMATCH"


def test_certificate_key() -> None:
    assert v.certificate_key("01", "36042619910101007x") == "01:36042619910101007X"
    assert v.certificate_key("护照", "e 1234-5678") == "05:E12345678"


# ---------------------------------------------------------------- USCC and temporary codes


def test_uscc_doctest_values() -> None:
    assert v.validate_uscc(GOOD_USCC) == GOOD_USCC
    assert v.validate_uscc("9 1 110000 600037341l") == GOOD_USCC
    assert _reject(v.validate_uscc, "A1110000600037341L").reason == "USCC_FORMAT"
    assert _reject(v.validate_uscc, "12345").reason == "USCC_FORMAT"
    bad = GOOD_USCC[:-1] + "M"
    err = _reject(v.validate_uscc, bad, field="employerId")
    assert (err.reason, err.field) == ("USCC_CHECKSUM", "employerId")
    assert bad not in err.message


def test_union_uscc_prefix() -> None:
    body = "81420102MC1234567"
    code = body + uscc.calc_check_digit(body + "0")
    assert uscc.is_valid(code) and v.is_union_uscc(code)
    assert not v.is_union_uscc(GOOD_USCC)


def test_temporary_code_shape() -> None:
    code = v.make_temporary_code("420102", 123)
    assert code == "LS4201020000000123" and len(code) == 18
    assert v.is_temporary_code(code)
    assert not uscc.is_valid(code)
    assert v.validate_org_code(code) == code
    assert v.validate_org_code(GOOD_USCC) == GOOD_USCC
    assert not v.is_temporary_code(GOOD_USCC)


@given(
    region=st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    seq=st.integers(min_value=0, max_value=10**10 - 1),
)
def test_temporary_codes_never_pass_uscc(region: str, seq: int) -> None:
    code = v.make_temporary_code(region, seq)
    assert v.is_temporary_code(code)
    assert not uscc.is_valid(code)
    with pytest.raises(BadUserInput):
        v.validate_uscc(code)


def test_bad_org_code() -> None:
    for bad in ("LS42010200001", "LX4201020000000123", GOOD_USCC[:-1] + "M"):
        err = _reject(v.validate_org_code, bad, "unionId")
        assert (err.reason, err.field) == ("ORG_CODE", "unionId")
        assert bad not in err.message
    with pytest.raises(ValueError):
        v.make_temporary_code("420102", 10**10)


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "8613800138000",
        "１３８００１３８０００",
    ],
)
def test_mobiles(text: str) -> None:
    assert v.normalise_mobile(text) == "13800138000"


@pytest.mark.parametrize("text", ["12800138000", "1380013800", "027-87654321", "", "abc"])
def test_bad_mobiles(text: str) -> None:
    err = _reject(v.normalise_mobile, text, field="mobile")
    assert (err.reason, err.field) == ("MOBILE_FORMAT", "mobile")
    if text:
        assert text not in err.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("027-87654321", "027-87654321"),
        ("02787654321", "027-87654321"),
        ("(027)87654321", "027-87654321"),
        ("+86 27 8765 4321", "027-87654321"),
        ("0710-1234567", "0710-1234567"),
        ("010-12345678转123", "010-12345678-123"),
        ("+86 13800138000", "13800138000"),
    ],
)
def test_phones(text: str, expected: str) -> None:
    assert v.normalise_phone(text) == expected


@pytest.mark.parametrize("text", ["87654321", "027-123", "hello", "12800138000"])
def test_bad_phones(text: str) -> None:
    err = _reject(v.normalise_phone, text)
    assert err.reason == "PHONE_FORMAT" and text not in err.message


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        date(2001, 5, 6),
        datetime(2001, 5, 6, 13, 30),
        "2001-05-06",
        "2001/5/6",
        "2001.5.6",
        "2001年5月6日",
        "２００１年５月６日",
        "20010506",
        "2001-05-06 00:00:00",
        "2001-05-06T00:00:00",
        37017,
        37017.75,
        "37017",
    ],
)
def test_dates_in_all_forms(value: object) -> None:
    assert v.parse_date(value, "foundedOn") == date(2001, 5, 6)


def test_excel_serials() -> None:
    assert v.parse_date(36652, "d") == date(2000, 5, 6)
    assert v.parse_date(1, "d") == date(1900, 1, 1)
    assert v.parse_date(59, "d") == date(1900, 2, 28)
    assert v.parse_date(61, "d") == date(1900, 3, 1)
    assert _reject(v.parse_date, 60, "d").reason == "DATE_FORMAT"  # Excel's 1900-02-29


@pytest.mark.parametrize("value", ["2001-02-30", "2001-13-01", "yesterday", "", None, 0, -5, True])
def test_impossible_dates(value: object) -> None:
    err = _reject(v.parse_date, value, "joinedOn")
    assert (err.reason, err.field) == ("DATE_FORMAT", "joinedOn")


def test_future_dates() -> None:
    assert v.parse_date("2024-06-02", "d", today=TODAY) == date(2024, 6, 2)
    err = _reject(v.parse_date, "2024-06-02", "joinedOn", not_future=True, today=TODAY)
    assert (err.reason, err.field) == ("DATE_IN_FUTURE", "joinedOn")
    assert v.parse_date("2024-06-01", "d", not_future=True, today=TODAY) == TODAY


def test_optional_dates_and_iso() -> None:
    assert v.parse_optional_date(None) is None
    assert v.parse_optional_date("  ") is None
    assert v.parse_optional_date(float("nan")) is None
    assert v.parse_optional_date("2001/5/6") == date(2001, 5, 6)
    assert v.iso(date(2001, 5, 6)) == "2001-05-06"


# ---------------------------------------------------------------- divisions


def test_region_codes() -> None:
    assert v.validate_region_code("420111") == "420111"
    assert v.validate_region_code(420111) == "420111"
    assert _reject(v.validate_region_code, "4201").reason == "REGION_CODE"
    err = _reject(v.validate_region_code, "990000", field="area")
    assert (err.reason, err.field) == ("REGION_CODE", "area")
    assert v.region_name("420203") == "西塞山区"
    assert v.region_name("420100") == "武汉市"
    assert v.region_name("999999") is None


def test_list_divisions_hubei() -> None:
    hubei = v.list_divisions("42")
    assert ("420000", "湖北省", "PROVINCE") in hubei
    assert ("420100", "武汉市", "CITY") in hubei
    assert ("420111", "洪山区", "COUNTY") in hubei
    assert ("420203", "西塞山区", "COUNTY") in hubei
    names = {name for _, name, _ in hubei}
    assert "石灰窑区" not in names  # 420203's name before 2001
    assert "汉阳县" not in names  # 420121, abolished 1992
    assert "市辖区" not in names
    assert all(code.startswith("42") for code, _, _ in hubei)


def test_list_divisions_beijing_skips_historic() -> None:
    codes = {code for code, _, _ in v.list_divisions("11")}
    assert "110101" in codes and "110105" in codes
    assert "110103" not in codes  # 崇文区, merged in 2010
    assert "110100" not in codes  # 市辖区

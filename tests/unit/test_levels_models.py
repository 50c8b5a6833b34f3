"""Level rules for every pair, graph models round-tripping, validated inputs."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from graph_service.domain import (
    Affiliation,
    Coverage,
    Employer,
    Employment,
    Gender,
    Member,
    Membership,
    MembershipStatus,
    NewEmployer,
    NewMember,
    NewUnion,
    Union,
    UnionKind,
    UnionLevel,
    can_hang_under,
    can_hold_members,
    check_parent,
)
from graph_service.errors import BadUserInput, Conflict

GOOD_ID = "360426199101010071"
GOOD_USCC = "91110000600037341L"
TEMP = "LS4201020000000123"
ORDER = list(UnionLevel)


@pytest.mark.parametrize(("parent", "child"), list(product(ORDER, ORDER)))
def test_every_level_pair(parent: UnionLevel, child: UnionLevel) -> None:
    expected = ORDER.index(parent) < ORDER.index(child)
    assert can_hang_under(parent, child) is expected
    if expected:
        check_parent(parent, child)
    else:
        with pytest.raises(Conflict) as info:
            check_parent(parent, child)
        err = info.value
        assert err.reason == "LEVEL_ORDER"
        assert parent.label in err.message and child.label in err.message


def test_level_rules_samples_and_strings() -> None:
    assert can_hang_under("COUNTY", "GRASSROOTS")  # grassroots straight under a county
    assert can_hang_under(UnionLevel.FEDERATION, UnionLevel.GRASSROOTS)
    assert not can_hang_under("GRASSROOTS", "COUNTY")
    assert not can_hang_under("COUNTY", "COUNTY")
    assert not any(can_hang_under(p, UnionLevel.NATIONAL) for p in UnionLevel)
    assert can_hang_under("省总工会", "基层工会")  # labels are accepted too


def test_only_federations_and_grassroots_hold_members() -> None:
    holders = {level for level in UnionLevel if can_hold_members(level)}
    assert holders == {UnionLevel.FEDERATION, UnionLevel.GRASSROOTS}
    assert can_hold_members("GRASSROOTS") and not can_hold_members("COUNTY")


# ---------------------------------------------------------------- graph models


def test_union_from_graph_row_and_back() -> None:
    row = {
        "id": TEMP,
        "name": "武汉市洪山区某公司工会",
        "level": "GRASSROOTS",
        "kind": "单独基层工会",
        "status": "ACTIVE",
        "regionCode": "420111",
        "foundedOn": "2001-05-06",
        "termEndsOn": date(2026, 5, 5),
        "parentId": GOOD_USCC,
        "createdAt": "2024-01-01T00:00:00",  # extra graph properties are ignored
    }
    union = Union.model_validate(row)
    assert union.level is UnionLevel.GRASSROOTS
    assert union.founded_on == date(2001, 5, 6)
    assert union.term_ends_on == date(2026, 5, 5)
    assert union.parent_id == GOOD_USCC
    props = union.to_graph()
    assert props["foundedOn"] == "2001-05-06" and props["termEndsOn"] == "2026-05-05"
    assert props["level"] == "GRASSROOTS" and props["regionCode"] == "420111"
    assert "createdAt" not in props
    assert Union.model_validate(props) == union
    with pytest.raises(Exception):  # frozen  # noqa: B017
        union.name = "x"  # type: ignore[misc]


def test_union_accepts_python_names_and_blank_dates() -> None:
    union = Union(id="x", name="n", level=UnionLevel.CITY, kind="地方总工会", founded_on="")  # type: ignore[arg-type]
    assert union.founded_on is None and union.status.value == "ACTIVE"


def test_employer_and_member_rows() -> None:
    employer = Employer.model_validate({"id": GOOD_USCC, "name": "甲", "employeeCount": 30})
    assert employer.employee_count == 30 and employer.union_id is None
    with pytest.raises(Exception):  # noqa: B017
        Employer.model_validate({"id": GOOD_USCC, "name": "甲", "employeeCount": -1})
    member = Member.model_validate(
        {
            "id": "m1",
            "certNumber": GOOD_ID,
            "name": "张三",
            "joinedOn": "2020-01-02",
            "status": "RETAINED",
            "newFormWorker": True,
            "unionId": TEMP,
        }
    )
    assert member.cert_type == "01" and member.status is MembershipStatus.RETAINED
    assert member.joined_on == date(2020, 1, 2) and member.new_form_worker
    assert member.to_graph()["certNumber"] == GOOD_ID


def test_edges() -> None:
    aff = Affiliation.model_validate({"childId": "c", "parentId": "p", "since": "2020-01-01"})
    assert aff.until is None and aff.is_current(date(2024, 1, 1))
    assert not aff.is_current(date(2019, 12, 31))
    cov = Coverage(union_id="u", employer_id="e", since=date(2020, 1, 1), until=date(2021, 1, 1))
    assert cov.to_graph() == {
        "unionId": "u", "employerId": "e", "since": "2020-01-01", "until": "2021-01-01",
    }  # fmt: skip
    assert not cov.is_current(date(2021, 1, 1))
    ms = Membership.model_validate(
        {"memberId": "m", "unionId": "u", "since": "2020-01-01", "status": "TRANSFERRING"}
    )
    assert ms.status is MembershipStatus.TRANSFERRING
    job = Employment.model_validate({"memberId": "m", "employerId": "e", "since": date(2020, 1, 1)})
    assert job.employer_id == "e"


# ---------------------------------------------------------------- inputs


def _reject(
    model: type[NewUnion] | type[NewEmployer] | type[NewMember], data: dict
) -> BadUserInput:
    with pytest.raises(BadUserInput) as info:
        model.parse(data)
    return info.value


def test_new_member_normalises_everything() -> None:
    member = NewMember.parse(
        {
            "idNumber": " 360426 19910101 0071 ",
            "name": " 张三 ",
            "phone": "+86 138-0013-8000",
            "householdType": "农业",
            "political": "群众",
            "education": "本科",
            "newFormWorker": "是",
            "joinedOn": 40304,  # Excel serial of 2010-05-06 (after the 16th birthday)
            "unionId": TEMP,
            "employerId": GOOD_USCC,
            "unionPostType": "无",
            "ignored": "x",
        }
    )
    assert member.cert_number == GOOD_ID and member.name == "张三"
    assert member.gender is Gender.MALE  # derived from the 17th digit
    assert member.phone == "13800138000"
    assert member.joined_on == date(2010, 5, 6) and member.new_form_worker is True
    props = member.model_dump(by_alias=True, mode="json")
    assert props["householdType"] == "2" and props["political"] == "13"
    assert props["education"] == "20" and props["certType"] == "01"


def test_new_member_errors_carry_field_and_hide_numbers() -> None:
    err = _reject(NewMember, {"idNumber": GOOD_ID, "name": "李四", "gender": "女"})
    assert (err.reason, err.field) == ("GENDER_MISMATCH", "idNumber")
    assert GOOD_ID not in err.message
    bad = GOOD_ID[:-1] + "2"
    err = _reject(NewMember, {"certNumber": bad, "name": "李四"})
    assert (err.reason, err.field) == ("ID_CHECKSUM", "idNumber") and bad not in err.message
    err = _reject(NewMember, {"idNumber": GOOD_ID, "name": "李四", "phone": "12345"})
    assert (err.reason, err.field) == ("MOBILE_FORMAT", "phone") and "12345" not in err.message
    assert _reject(NewMember, {"name": "李四"}).field == "idNumber"
    assert _reject(NewMember, {"idNumber": GOOD_ID, "name": " "}).reason == "REQUIRED"
    err = _reject(NewMember, {"idNumber": GOOD_ID, "name": "李四", "joinedOn": "2999-01-01"})
    assert (err.reason, err.field) == ("DATE_IN_FUTURE", "joinedOn")
    err = _reject(NewMember, {"idNumber": GOOD_ID, "name": "李四", "newFormWorker": "也许"})
    assert (err.reason, err.field) == ("BOOL_FORMAT", "newFormWorker")
    err = _reject(NewMember, {"idNumber": GOOD_ID, "name": "李四", "political": "党外"})
    assert (err.reason, err.field) == ("UNKNOWN_CODE", "political")


def test_new_member_with_passport_skips_id_rules() -> None:
    member = NewMember.parse({"certType": "护照", "certNumber": "e1234567", "name": "Anna"})
    assert member.cert_number == "E1234567" and member.gender is None


def test_model_validate_also_raises_bad_user_input() -> None:
    with pytest.raises(BadUserInput):
        NewMember.model_validate({"idNumber": GOOD_ID[:-1] + "2", "name": "x"})


def test_new_union() -> None:
    union = NewUnion.parse(
        {
            "parentId": GOOD_USCC,
            "name": "某某公司工会",
            "level": "基层工会",
            "kind": "单建",
            "regionCode": "420111",
            "foundedOn": "2001/5/6",
            "termEndsOn": "2026年5月5日",
            "phone": "027-87654321",
        }
    )
    assert union.id is None and union.level is UnionLevel.GRASSROOTS
    assert union.kind is UnionKind.SINGLE and union.phone == "027-87654321"
    assert union.founded_on == date(2001, 5, 6) and union.term_ends_on == date(2026, 5, 5)
    root = NewUnion.parse({"id": TEMP, "name": "全总", "level": "NATIONAL", "kind": "地方总工会"})
    assert root.parent_id is None


def test_new_union_errors() -> None:
    base = {"parentId": GOOD_USCC, "name": "工会", "level": "GRASSROOTS", "kind": "单建"}
    assert _reject(NewUnion, {**base, "parentId": None}).field == "parentId"
    err = _reject(NewUnion, {**base, "id": "91110000600037341M"})
    assert (err.reason, err.field) == ("ORG_CODE", "id")
    err = _reject(NewUnion, {**base, "foundedOn": "2020-01-01", "termEndsOn": "2019-01-01"})
    assert (err.reason, err.field) == ("TERM_BEFORE_FOUNDED", "termEndsOn")
    err = _reject(NewUnion, {**base, "regionCode": "990000"})
    assert (err.reason, err.field) == ("REGION_CODE", "regionCode")
    assert _reject(NewUnion, {**base, "level": "村"}).field == "level"


def test_new_employer() -> None:
    employer = NewEmployer.parse(
        {
            "id": GOOD_USCC,
            "name": "甲公司",
            "employeeCount": "120人",
            "nature": "民营",
            "industry": "c",
            "unionId": TEMP,
        }
    )
    assert employer.employee_count == 120 and employer.nature == "05"
    assert employer.industry == "C" and employer.union_id == TEMP
    assert NewEmployer.parse({"name": "乙", "employeeCount": 25.0}).employee_count == 25
    err = _reject(NewEmployer, {"name": "丙", "employeeCount": "-3"})
    assert (err.reason, err.field) == ("COUNT_FORMAT", "employeeCount")

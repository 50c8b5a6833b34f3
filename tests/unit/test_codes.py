"""Code tables: values, labels, forgiving parse and the error listing accepted labels."""

from __future__ import annotations

import pytest

from graph_service.domain.codes import (
    CertificateType,
    Education,
    EmployerNature,
    EmploymentStatus,
    Gender,
    HouseholdType,
    Industry,
    LeaveReason,
    MembershipChangeReason,
    MembershipChangeType,
    MembershipStatus,
    OrphanReason,
    PoliticalStatus,
    TransferState,
    UnionKind,
    UnionLevel,
    UnionPostType,
    UnionStatus,
)
from graph_service.errors import BadUserInput


def test_contract_enum_values_match_graphql() -> None:
    assert [m.value for m in UnionLevel] == [
        "NATIONAL", "PROVINCE", "CITY", "COUNTY", "TOWNSHIP", "FEDERATION", "GRASSROOTS",
    ]  # fmt: skip
    assert [m.value for m in UnionStatus] == ["PREPARING", "ACTIVE", "DISSOLVED"]
    assert [m.value for m in MembershipStatus] == ["ACTIVE", "RETAINED", "TRANSFERRING", "LEFT"]
    assert len(LeaveReason) == 8 and LeaveReason.EMPLOYER_CLOSED.label == "单位关闭或破产"
    assert OrphanReason.DUPLICATE_ID.label == "证件号重复在册" and len(OrphanReason) == 6
    assert [m.value for m in TransferState] == [
        "REQUESTED", "RELEASED", "COMPLETED", "REJECTED", "EXPIRED", "CANCELLED",
    ]  # fmt: skip


def test_values_are_plain_strings() -> None:
    assert UnionLevel.CITY == "CITY"
    assert str(Gender.FEMALE) == "2" and f"{PoliticalStatus.MASSES}" == "13"
    assert Gender("1") is Gender.MALE
    assert UnionKind.JOINT.value == UnionKind.JOINT.label == "联合基层工会"


def test_ranks_run_top_down() -> None:
    assert [level.rank for level in UnionLevel] == list(range(7))
    assert UnionLevel.NATIONAL.rank == 0 and UnionLevel.GRASSROOTS.rank == 6


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (UnionLevel, "COUNTY", UnionLevel.COUNTY),
        (UnionLevel, "county", UnionLevel.COUNTY),
        (UnionLevel, "县(市、区)总工会", UnionLevel.COUNTY),
        (UnionLevel, " 市（地、州）总工会 ", UnionLevel.CITY),  # full-width brackets, spaces
        (UnionLevel, "基 层 工 会", UnionLevel.GRASSROOTS),
        (UnionKind, "单建", UnionKind.SINGLE),
        (UnionKind, "联合工会", UnionKind.JOINT),
        (UnionKind, "工会联合会", UnionKind.REGIONAL_FEDERATION),
        (UnionKind, "产业工会", UnionKind.INDUSTRY),
        (Gender, "男", Gender.MALE),
        (Gender, "２", Gender.FEMALE),  # full-width digit
        (Gender, 9, Gender.UNSPECIFIED),
        (HouseholdType, "非农业", HouseholdType.URBAN),
        (HouseholdType, "农业", HouseholdType.RURAL),
        (HouseholdType, "城镇户口", HouseholdType.URBAN),
        (HouseholdType, "农村户口", HouseholdType.RURAL),
        (PoliticalStatus, "01", PoliticalStatus.CPC_MEMBER),
        (PoliticalStatus, 1, PoliticalStatus.CPC_MEMBER),  # Excel dropped the leading zero
        (PoliticalStatus, "群众", PoliticalStatus.MASSES),
        (PoliticalStatus, "九三学社社员", PoliticalStatus.JIUSAN),
        (EmployerNature, "港澳台投资", EmployerNature.HK_MACAO_TAIWAN),
        (EmployerNature, "10", EmployerNature.HK_MACAO_TAIWAN),
        (EmploymentStatus, "待(下)岗", EmploymentStatus.LAID_OFF),
        (EmploymentStatus, "内退", EmploymentStatus.INTERNAL_RETIREMENT),
        (MembershipChangeType, "转出", MembershipChangeType.TRANSFER_OUT),
        (MembershipChangeReason, "6", MembershipChangeReason.CRIMINAL),
        (CertificateType, "居民身份证", CertificateType.RESIDENT_ID),
        (CertificateType, "99", CertificateType.OTHER),
        (Education, "大学本科", Education.BACHELOR),
        (Education, "40", Education.SECONDARY_VOCATIONAL),
        (UnionPostType, "兼职", UnionPostType.PART_TIME),
        (Industry, "i", Industry.I),
        (Industry, "金融业", Industry.J),
        (Industry, "Ｔ", Industry.T),
    ],
)
def test_parse_accepts_code_label_and_synonym(table: type, text: object, expected: object) -> None:
    assert table.parse(text) is expected


def test_tables_have_the_exact_codes() -> None:
    assert [g.value for g in Gender] == ["1", "2", "0", "9"]
    assert [p.value for p in PoliticalStatus] == [f"{i:02d}" for i in range(1, 14)]
    assert [n.value for n in EmployerNature] == [f"{i:02d}" for i in range(1, 11)]
    assert [e.value for e in EmploymentStatus] == [str(i) for i in range(1, 10)]
    assert [c.value for c in MembershipChangeType] == [str(i) for i in range(1, 7)]
    assert [c.value for c in MembershipChangeReason] == [str(i) for i in range(1, 7)]
    assert [c.value for c in CertificateType] == ["01", "02", "03", "04", "05", "99"]
    assert [e.value for e in Education] == ["10", "20", "30", "40", "60", "70", "80", "90"]
    assert [i.value for i in Industry] == list("ABCDEFGHIJKLMNOPQRST")
    assert Industry.D.label == "电力、热力、燃气及水生产和供应业"
    assert Industry.S.label == "公共管理、社会保障和社会组织"
    assert MembershipChangeReason.LABOUR_RELATION.label == "劳动(工作)关系变化"


def test_unknown_code_lists_accepted_labels() -> None:
    with pytest.raises(BadUserInput) as info:
        UnionKind.parse("工会小组")
    err = info.value
    assert err.reason == "UNKNOWN_CODE"
    assert err.field == "kind"
    for label in UnionKind.labels():
        assert label in err.message


def test_unknown_code_uses_given_field_name() -> None:
    with pytest.raises(BadUserInput) as info:
        HouseholdType.parse("城市", field="hukou")
    assert info.value.field == "hukou"
    assert "城镇" in info.value.message and "农村" in info.value.message


@pytest.mark.parametrize("bad", [None, "", "  ", 3.5, True, "NATIONALX"])
def test_parse_rejects_non_codes(bad: object) -> None:
    with pytest.raises(BadUserInput) as info:
        UnionLevel.parse(bad)
    assert info.value.reason == "UNKNOWN_CODE"
    assert "全国总工会" in info.value.message

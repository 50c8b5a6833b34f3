"""Validated inputs: ``NewUnion``, ``NewEmployer``, ``NewMember``.

Build them with ``Model.parse(data)`` (or ``model_validate``): keys may be the snake_case
names or the camelCase aliases; blank values count as missing; every problem surfaces as
``BadUserInput`` with ``reason`` and ``field`` (the camelCase input name) set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph_service.domain.codes import (
    CertificateType,
    CodeTable,
    Education,
    EmployerNature,
    Gender,
    HouseholdType,
    Industry,
    MembershipStatus,
    PoliticalStatus,
    UnionKind,
    UnionLevel,
    UnionPostType,
    UnionStatus,
    fold,
)
from graph_service.domain.dates import check_joined_on
from graph_service.domain.validation import (
    birth_date_from_resident_id,
    gender_from_resident_id,
    normalise_mobile,
    normalise_phone,
    parse_date,
    validate_certificate,
    validate_org_code,
    validate_region_code,
)
from graph_service.errors import BadUserInput

__all__ = ["NewEmployer", "NewMember", "NewUnion", "parse_bool", "parse_count"]

Normaliser = Callable[[Any, str], Any]
_TRUE = {"是", "y", "yes", "true", "1", "t", "√"}
_FALSE = {"否", "n", "no", "false", "0", "f", "×", "x"}


def parse_bool(value: Any, field: str) -> bool:
    """Parse 是/否, yes/no, true/false, 1/0 into a bool."""
    if isinstance(value, bool):
        return value
    key = fold(str(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadUserInput("应填写“是”或“否”", reason="BOOL_FORMAT", field=field)


def parse_count(value: Any, field: str) -> int:
    """Parse a non-negative whole number (120, 120.0, '120', '120人')."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
        number = int(value)
    else:
        match = re.fullmatch(r"(\d+)(\.0+)?\s*人?", fold(str(value)))
        if match is None:
            raise BadUserInput("应填写非负整数", reason="COUNT_FORMAT", field=field)
        number = int(match.group(1))
    if number < 0:
        raise BadUserInput("应填写非负整数", reason="COUNT_FORMAT", field=field)
    return number


def _text(limit: int) -> Normaliser:
    def normalise(value: Any, field: str) -> str:
        text = " ".join(str(value).split())
        if len(text) > limit:
            raise BadUserInput(f"不能超过{limit}个字", reason="TOO_LONG", field=field)
        return text

    return normalise


def _code(table: type[CodeTable]) -> Normaliser:
    return lambda value, field: table.parse(value, field=field)


def _date(value: Any, field: str) -> date:
    return parse_date(value, field)


def _past_date(value: Any, field: str) -> date:
    return parse_date(value, field, not_future=True)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value


class _Input(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")
    normalisers: ClassVar[dict[str, Normaliser]] = {}
    synonyms: ClassVar[dict[str, str]] = {}  # other input keys → field name
    error_fields: ClassVar[dict[str, str]] = {}  # field name → name reported in errors

    @classmethod
    def _alias(cls, name: str) -> str:
        return cls.model_fields[name].alias or name

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise BadUserInput("输入应为键值对", reason="INPUT_FORMAT")
        keys = {**{cls._alias(n): n for n in cls.model_fields}, **cls.synonyms}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = key if key in cls.model_fields else keys.get(key)
            if name is not None and not _blank(value):
                values[name] = value
        for name, normalise in cls.normalisers.items():
            if name in values:
                values[name] = normalise(values[name], cls._alias(name))
        for name, info in cls.model_fields.items():
            if info.is_required() and name not in values:
                field = cls.error_fields.get(name, cls._alias(name))
                title = info.title or field
                raise BadUserInput(f"缺少必填项：{title}", reason="REQUIRED", field=field)
        cls._check(values)
        return values

    @classmethod
    def _check(cls, values: dict[str, Any]) -> None:
        """Cross-field rules; values are already normalised."""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self:
        """Validate and build; every problem is raised as BadUserInput with field set."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = str(error["loc"][0]) if error["loc"] else ""
            known = name in cls.model_fields
            field = cls.error_fields.get(name, cls._alias(name)) if known else name or None
            raise BadUserInput("输入格式有误", reason="INVALID", field=field) from None


class NewUnion(_Input):
    """Input to create a union; without ``id`` the service assigns a temporary code."""

    id: str | None = Field(None, title="社团法人统一社会信用代码")
    parent_id: str | None = Field(None, alias="parentId", title="上级工会")
    name: str = Field(title="工会名称")
    level: UnionLevel = Field(title="工会层级")
    kind: UnionKind = Field(title="工会类型")
    status: UnionStatus = UnionStatus.ACTIVE
    region_code: str | None = Field(None, alias="regionCode", title="行政区划")
    founded_on: date | None = Field(None, alias="foundedOn", title="建会日期")
    term_ends_on: date | None = Field(None, alias="termEndsOn", title="届期")
    chair: str | None = Field(None, title="工会负责人")
    phone: str | None = Field(None, title="联系电话")
    normalisers: ClassVar[dict[str, Normaliser]] = {
        "id": validate_org_code,
        "parent_id": validate_org_code,
        "name": _text(100),
        "level": _code(UnionLevel),
        "kind": _code(UnionKind),
        "status": _code(UnionStatus),
        "region_code": lambda v, f: validate_region_code(v, field=f),
        "founded_on": _past_date,
        "term_ends_on": _date,
        "chair": _text(50),
        "phone": normalise_phone,
    }

    @classmethod
    def _check(cls, values: dict[str, Any]) -> None:
        if values["level"] is not UnionLevel.NATIONAL and "parent_id" not in values:
            raise BadUserInput("缺少必填项：上级工会", reason="REQUIRED", field="parentId")
        founded, ends = values.get("founded_on"), values.get("term_ends_on")
        if founded and ends and ends < founded:
            raise BadUserInput(
                "届期不能早于建会日期", reason="TERM_BEFORE_FOUNDED", field="termEndsOn"
            )


class NewEmployer(_Input):
    """Input to create or update an employer; without ``id`` a temporary code is assigned."""

    id: str | None = Field(None, title="统一社会信用代码")
    name: str = Field(title="单位名称")
    nature: EmployerNature | None = Field(None, title="单位性质")
    employee_count: int = Field(0, ge=0, alias="employeeCount", title="职工人数")
    region_code: str | None = Field(None, alias="regionCode", title="行政区划")
    industry: Industry | None = Field(None, title="行业")
    union_id: str | None = Field(None, alias="unionId", title="所属工会")
    address: str | None = Field(None, title="单位地址")
    normalisers: ClassVar[dict[str, Normaliser]] = {
        "id": validate_org_code,
        "name": _text(100),
        "nature": _code(EmployerNature),
        "employee_count": parse_count,
        "region_code": lambda v, f: validate_region_code(v, field=f),
        "industry": _code(Industry),
        "union_id": validate_org_code,
        "address": _text(200),
    }


class NewMember(_Input):
    """Input to register a member: certificate (with gender cross-check), mobile, codes."""

    cert_type: CertificateType = Field(CertificateType.RESIDENT_ID, alias="certType")
    cert_number: str = Field(alias="certNumber", title="证件号码")
    name: str = Field(title="姓名")
    gender: Gender | None = Field(None, title="性别")
    phone: str | None = Field(None, title="联系电话")
    household_type: HouseholdType | None = Field(None, alias="householdType", title="户籍类型")
    political: PoliticalStatus | None = Field(None, title="政治面貌")
    education: Education | None = Field(None, title="学历")
    new_form_worker: bool = Field(False, alias="newFormWorker", title="新就业形态劳动者")
    joined_on: date | None = Field(None, alias="joinedOn", title="入会时间")
    status: MembershipStatus = MembershipStatus.ACTIVE
    union_id: str | None = Field(None, alias="unionId", title="所属工会")
    employer_id: str | None = Field(None, alias="employerId", title="工作单位")
    union_post: str | None = Field(None, alias="unionPost", title="工会职务")
    union_post_type: UnionPostType | None = Field(None, alias="unionPostType", title="专兼职")
    synonyms: ClassVar[dict[str, str]] = {"idNumber": "cert_number", "id_number": "cert_number"}
    error_fields: ClassVar[dict[str, str]] = {"cert_number": "idNumber"}
    normalisers: ClassVar[dict[str, Normaliser]] = {
        "cert_type": _code(CertificateType),
        "name": _text(50),
        "gender": _code(Gender),
        "phone": normalise_mobile,
        "household_type": _code(HouseholdType),
        "political": _code(PoliticalStatus),
        "education": _code(Education),
        "new_form_worker": parse_bool,
        "joined_on": _past_date,
        "status": _code(MembershipStatus),
        "union_id": validate_org_code,
        "employer_id": validate_org_code,
        "union_post": _text(50),
        "union_post_type": _code(UnionPostType),
    }

    @classmethod
    def _check(cls, values: dict[str, Any]) -> None:
        cert_type = values.get("cert_type", CertificateType.RESIDENT_ID)
        resident = cert_type is CertificateType.RESIDENT_ID
        kw: dict[str, Any] = {"gender": values.get("gender")} if resident else {}
        values["cert_number"] = validate_certificate(
            cert_type, values["cert_number"], field="idNumber", **kw
        )
        if resident and "gender" not in values:
            values["gender"] = Gender(gender_from_resident_id(values["cert_number"]))
        if resident and values.get("joined_on") is not None:
            birth = birth_date_from_resident_id(values["cert_number"], field="idNumber")
            check_joined_on(values["joined_on"], birth)

"""Export a subtree in the template layout: a 组织信息 sheet (附件1 columns plus the Hubei and
canonical ones, one row per union and covered unit) and one 会员花名册 sheet with a union
column. Import of the file into an empty graph reproduces the subtree."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook

from graph_service.domain.codes import (
    CertificateType,
    CodeTable,
    Education,
    EmployerNature,
    EmploymentStatus,
    Gender,
    HouseholdType,
    Industry,
    MembershipStatus,
    PoliticalStatus,
    UnionLevel,
    UnionPostType,
    UnionStatus,
)
from graph_service.services.imports import ImportService
from loaders.safe_cells import safe_row
from loaders.templates import title

UNIT_EXPORT = (
    "seq",
    "employerName",
    "employerId",
    "nature",
    "address",
    "employeeCount",
    "employerRegion",
    "industry",
    "unionName",
    "foundedOn",
    "unionKind",
    "chair",
    "phone",
    "unionId",
    "termEndsOn",
    "parentId",
    "level",
    "status",
    "regionCode",
)
MEMBER_EXPORT = (
    "seq",
    "unionId",
    "unionName",
    "name",
    "gender",
    "certType",
    "certNumber",
    "nationality",
    "education",
    "phone",
    "householdType",
    "employerName",
    "employerId",
    "employmentStatus",
    "unionPost",
    "unionPostType",
    "joinedOn",
    "newFormWorker",
    "political",
    "status",
)


def _label(table: type[CodeTable], value: object) -> object:
    if value is None or value == "":
        return None
    try:
        return table.parse(str(value)).label
    except Exception:
        return value


def _union_cells(u: Mapping[str, object], parent: object) -> dict[str, object]:
    return {
        "unionName": u.get("name"),
        "foundedOn": u.get("foundedOn"),
        "unionKind": u.get("kind"),
        "chair": u.get("chair"),
        "phone": u.get("phone"),
        "unionId": u.get("id"),
        "termEndsOn": u.get("termEndsOn"),
        "parentId": parent,
        "level": _label(UnionLevel, u.get("level")),
        "status": _label(UnionStatus, u.get("status")),
        "regionCode": u.get("regionCode"),
    }


def _employer_cells(e: Mapping[str, object]) -> dict[str, object]:
    return {
        "employerName": e.get("name"),
        "employerId": e.get("id"),
        "nature": _label(EmployerNature, e.get("nature")),
        "address": e.get("address"),
        "employeeCount": e.get("employeeCount"),
        "employerRegion": e.get("regionCode"),
        "industry": _label(Industry, e.get("industry")),
    }


def _member_cells(
    m: Mapping[str, object], union: Mapping[str, object], employer: object, employer_name: object
) -> dict[str, object]:
    cert_type, _, number = str(m.get("certKey") or ":").partition(":")
    return {
        "unionId": union.get("id"),
        "unionName": union.get("name"),
        "name": m.get("name"),
        "gender": _label(Gender, m.get("gender")),
        "certType": _label(CertificateType, cert_type),
        "certNumber": number,
        "nationality": m.get("nationality"),
        "education": _label(Education, m.get("education")),
        "phone": m.get("phone"),
        "householdType": _label(HouseholdType, m.get("householdType")),
        "employerName": employer_name,  # 所属单位
        "employerId": employer,
        "employmentStatus": _label(EmploymentStatus, m.get("employmentStatus")),
        "unionPost": m.get("unionPost"),
        "unionPostType": _label(UnionPostType, m.get("unionPostType")),
        "joinedOn": m.get("joinedOn"),
        "newFormWorker": "是" if m.get("newFormWorker") else "否",
        "political": _label(PoliticalStatus, m.get("political")),
        "status": _label(MembershipStatus, m.get("status")),
    }


async def export_subtree(service: ImportService, union_id: str, out: Path) -> dict[str, int]:
    """Write the subtree of ``union_id`` to ``out`` (xlsx); returns row counts per sheet."""
    unions, employers, uncovered = await service.export_tree(union_id)
    book = Workbook(write_only=True)
    units = book.create_sheet("组织信息")
    units.append(["基层工会组织信息采集汇总表"])
    units.append([title("units", k) for k in UNIT_EXPORT])
    by_union: dict[str, list[Mapping[str, object]]] = {}
    names = {str(e["id"]): e["props"].get("name") for e in [*employers, *uncovered]}  # type: ignore[attr-defined]
    for emp in employers:
        by_union.setdefault(str(emp["unionId"]), []).append(emp["props"])  # type: ignore[arg-type]
    seq = 0
    for u in unions:
        props: Mapping[str, object] = u["props"]  # type: ignore[assignment]
        union_cells = _union_cells(props, u["parentId"])
        listed: list[Mapping[str, object] | None] = list(by_union.get(str(u["id"]), []))
        for e in listed or [None]:
            seq += 1
            cells = {"seq": seq, **union_cells, **(_employer_cells(e) if e else {})}
            units.append(safe_row(units, (cells.get(k) for k in UNIT_EXPORT)))
    for row in uncovered:
        seq += 1
        cells = {"seq": seq, **_employer_cells(row["props"])}  # type: ignore[arg-type]
        units.append(safe_row(units, (cells.get(k) for k in UNIT_EXPORT)))
    members = book.create_sheet("会员花名册")
    members.append(["会员花名册"])
    members.append([title("members", k) for k in MEMBER_EXPORT])
    count = 0
    ids = [str(u["id"]) for u in unions]
    union_props = {str(u["id"]): u["props"] for u in unions}
    for start in range(0, len(ids), 200):
        for m in await service.members_of(ids[start : start + 200]):
            count += 1
            union = union_props[str(m["unionId"])]
            employer = m["employerId"]
            name = names.get(str(employer))
            cells = {"seq": count, **_member_cells(m["props"], union, employer, name)}  # type: ignore[arg-type]
            members.append(safe_row(members, (cells.get(k) for k in MEMBER_EXPORT)))
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return {"units": seq, "members": count}

"""Pydantic models of the register: graph nodes and edges, and validated inputs.

Python names are snake_case; each field's alias is the graph property name, so
``Model.model_validate(row)`` reads a graph row and ``model_dump(by_alias=True)`` writes one.
Dates are stored as ISO strings and accepted as strings or ``date`` objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from graph_service.domain.codes import MembershipStatus, UnionLevel, UnionStatus

__all__ = [
    "Affiliation",
    "Coverage",
    "Employer",
    "Employment",
    "GraphDate",
    "Member",
    "Membership",
    "OptionalGraphDate",
    "Union",
]


def _to_date(value: Any) -> Any:
    """Coerce graph values to dates: '' → None, datetime → date, driver dates via to_native()."""
    if isinstance(value, str):
        return value.strip()[:10] or None
    if isinstance(value, datetime):
        return value.date()
    to_native = getattr(value, "to_native", None)
    if callable(to_native):
        native = to_native()
        return native.date() if isinstance(native, datetime) else native
    return value


GraphDate = Annotated[date, BeforeValidator(_to_date)]
"""A date read from the graph: ISO string, ``date``/``datetime`` or a driver date."""
OptionalGraphDate = Annotated[date | None, BeforeValidator(_to_date)]
"""Like GraphDate; missing, None and '' give None."""


class GraphModel(BaseModel):
    """Base of the graph models: frozen, aliases = graph property names, extra ignored."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    def to_graph(self) -> dict[str, Any]:
        """Graph properties (aliases) with dates as ISO strings and codes as plain strings."""
        return self.model_dump(by_alias=True, mode="json")


class Union(GraphModel):
    """A trade union, a node of the union tree."""

    id: str
    name: str
    level: UnionLevel
    kind: str
    status: UnionStatus = UnionStatus.ACTIVE
    region_code: str | None = Field(None, alias="regionCode")
    founded_on: OptionalGraphDate = Field(None, alias="foundedOn")
    term_ends_on: OptionalGraphDate = Field(None, alias="termEndsOn")
    chair: str | None = None
    phone: str | None = None
    parent_id: str | None = Field(None, alias="parentId")
    path: list[str] | None = None
    """Stored ids of the current ancestors, national root first (None: not read or not stored)."""


class Employer(GraphModel):
    """An employer (unit) that a union covers."""

    id: str
    name: str
    nature: str | None = None
    employee_count: int = Field(0, ge=0, alias="employeeCount")
    region_code: str | None = Field(None, alias="regionCode")
    industry: str | None = None
    union_id: str | None = Field(None, alias="unionId")


class Member(GraphModel):
    """A union member; ``id`` is internal and never the certificate number."""

    id: str
    cert_type: str = Field("01", alias="certType")
    cert_number: str = Field(alias="certNumber")
    name: str
    gender: str | None = None
    phone: str | None = None
    household_type: str | None = Field(None, alias="householdType")
    political: str | None = None
    education: str | None = None
    new_form_worker: bool = Field(False, alias="newFormWorker")
    joined_on: OptionalGraphDate = Field(None, alias="joinedOn")
    status: MembershipStatus = MembershipStatus.ACTIVE
    union_id: str | None = Field(None, alias="unionId")
    employer_id: str | None = Field(None, alias="employerId")
    union_post: str | None = Field(None, alias="unionPost")
    union_post_type: str | None = Field(None, alias="unionPostType")


class _Period(GraphModel):
    since: GraphDate
    until: OptionalGraphDate = None

    def is_current(self, on: date | None = None) -> bool:
        """Whether the relation holds on the given day (today by default)."""
        day = on or date.today()
        return self.since <= day and (self.until is None or day < self.until)


class Affiliation(_Period):
    """Edge: a union hangs under a parent union from ``since`` until ``until``."""

    child_id: str = Field(alias="childId")
    parent_id: str = Field(alias="parentId")


class Coverage(_Period):
    """Edge: a union covers an employer."""

    union_id: str = Field(alias="unionId")
    employer_id: str = Field(alias="employerId")


class Membership(_Period):
    """Edge: a member belongs to a union."""

    member_id: str = Field(alias="memberId")
    union_id: str = Field(alias="unionId")
    status: MembershipStatus = MembershipStatus.ACTIVE


class Employment(_Period):
    """Edge: a member works for an employer."""

    member_id: str = Field(alias="memberId")
    employer_id: str = Field(alias="employerId")


from graph_service.domain.inputs import NewEmployer, NewMember, NewUnion  # noqa: E402

__all__ += ["NewEmployer", "NewMember", "NewUnion"]

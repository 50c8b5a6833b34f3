"""Typed commands: what a caller (the GraphQL layer, a test, a script) asks a service to do.

Frozen dataclasses with the caller's values as given; the service validates them into the
domain inputs (``NewUnion``, ``NewEmployer``, ``NewMember``), so every problem still surfaces
as ``BadUserInput`` with the camelCase input name as ``field``. ``of(mapping)`` builds one
from camelCase or snake_case keys (unknown keys ignored, as the inputs ignore them)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, ClassVar, Self

from graph_service.domain.inputs import NewEmployer, NewMember, NewUnion

__all__ = ["AddMember", "CreateUnion", "UpsertEmployer"]

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class _Command:
    """Shared construction and the mapping the domain inputs validate."""

    _synonyms: ClassVar[dict[str, str]] = {}  # other input keys -> field name

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Self:
        """A command from camelCase or snake_case keys (unknown keys ignored; a required one
        missing is left None, for the validation to name it)."""
        known = fields(cls)  # type: ignore[arg-type]
        names = {f.name for f in known}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = cls._synonyms.get(key) or _CAMEL.sub("_", key).lower()
            if name in names:
                values[name] = value
        for f in known:
            if f.default is MISSING and f.name not in values:
                values[f.name] = None
        return cls(**values)

    def given(self, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
        """The fields given (not None), snake_case, as the domain inputs read them."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
            if f.name not in without and getattr(self, f.name) is not None
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class CreateUnion(_Command):
    """新建工会: the union, and the affiliation's start (default: founding day or today)."""

    name: str
    level: str
    kind: str
    parent_id: str | None = None
    id: str | None = None
    region_code: str | None = None
    founded_on: date | None = None
    term_ends_on: date | None = None
    chair: str | None = None
    phone: str | None = None
    status: str | None = None
    effective_on: date | None = None
    reason: str | None = None

    def validated(self) -> NewUnion:
        """The union, validated (BadUserInput naming the field otherwise)."""
        return NewUnion.parse(self.given(without=("effective_on", "reason")))


@dataclass(frozen=True, kw_only=True, slots=True)
class UpsertEmployer(_Command):
    """新增或更新单位: given fields only are written; a first ``union_id`` opens coverage."""

    name: str
    id: str | None = None
    union_id: str | None = None
    employee_count: int | None = None
    nature: str | None = None
    region_code: str | None = None
    industry: str | None = None
    address: str | None = None
    effective_on: date | None = None
    reason: str | None = None

    def validated(self) -> NewEmployer:
        """The employer, validated; ``model_fields_set`` holds the fields given."""
        return NewEmployer.parse(self.given(without=("effective_on", "reason")))


@dataclass(frozen=True, kw_only=True, slots=True)
class AddMember(_Command):
    """入会: a member registered in a union (一证一会员)."""

    _synonyms: ClassVar[dict[str, str]] = {"idNumber": "cert_number", "id_number": "cert_number"}

    cert_number: str
    name: str
    union_id: str | None = None
    employer_id: str | None = None
    cert_type: str | None = None
    gender: str | None = None
    phone: str | None = None
    household_type: str | None = None
    political: str | None = None
    education: str | None = None
    new_form_worker: bool | str | None = None
    joined_on: date | None = None
    status: str | None = None
    union_post: str | None = None
    union_post_type: str | None = None

    def validated(self) -> NewMember:
        """The member, validated (certificate checked against the gender)."""
        return NewMember.parse(self.given())

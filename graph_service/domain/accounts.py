"""Who is asking: accounts' roles and the authenticated principal every request carries.

An account is bound to one union (its scope) and sees only that union's current subtree.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """What an account may do inside its scope."""

    VIEWER = "viewer"
    """Reads its subtree; certificate numbers and phones are always masked."""
    OPERATOR = "operator"
    """Also changes data in its subtree and sees full values there (each such read is audited)."""
    ADMIN = "admin"
    """Also manages the accounts of its subtree and reads the audit log."""

    @property
    def label(self) -> str:
        return {"viewer": "查看员", "operator": "操作员", "admin": "管理员"}[self.value]


class Principal(BaseModel):
    """The authenticated caller of one request."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    username: str
    role: Role
    scope_union_id: str
    """The union whose current subtree this caller may see (moves with the union)."""

    @property
    def may_change(self) -> bool:
        return self.role in (Role.OPERATOR, Role.ADMIN)

    @property
    def may_see_full_values(self) -> bool:
        """Full certificate numbers and phones, inside the scope only."""
        return self.role in (Role.OPERATOR, Role.ADMIN)

    @property
    def may_manage_accounts(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def actor(self) -> str:
        """Recorded as ``recordedBy`` on every change."""
        return f"account:{self.username}"

"""Who is asking: accounts' roles and the authenticated principal every request carries.

An account is bound to one union (its scope) and sees only that union's current subtree.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, SecretStr


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


class Account(BaseModel):
    """An account as admins see it: never its password hash or TOTP secret."""

    model_config = ConfigDict(frozen=True)

    id: str
    username: str
    union_id: str
    role: Role
    disabled: bool = False
    failed_logins: int = 0
    locked_until: str | None = None
    """UTC ISO timestamp until which logins are refused (None: not locked)."""
    created_at: str
    created_by: str
    password_changed_at: str | None = None
    last_login_at: str | None = None
    token_version: int = 0
    """Raised on disable and reset: access tokens of an older version are refused."""


class IssuedCredentials(BaseModel):
    """What a new or reset account's holder is told once: never stored, never logged."""

    model_config = ConfigDict(frozen=True)

    account: Account
    password: SecretStr
    totp_secret: SecretStr | None = None
    """Base32 secret for an authenticator app (None: the role needs no second factor)."""
    otpauth_uri: SecretStr | None = None
    """The same secret as an ``otpauth://`` URI (for a QR code)."""

"""Account management in GraphQL, for admins: accounts of their subtree, create, disable, reset.

A union outside the admin's subtree is NOT_FOUND; other roles are FORBIDDEN. Password hashes and
TOTP secrets are never returned; a new password and TOTP secret only once, by create and reset.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from api.context import Context
from api.types import UnionType
from graph_service.domain.accounts import Account, IssuedCredentials
from graph_service.services.authentication import Caller

Info = strawberry.Info[Context, None]


@strawberry.enum(description="账号角色")
class AccountRole(Enum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


@strawberry.type(name="Account", description="账号（绑定一个工会，可见范围为该工会及其下级）")
class AccountType:
    id: strawberry.ID
    username: str
    union_id: strawberry.ID
    role: AccountRole
    disabled: bool
    failed_logins: int = strawberry.field(
        description="上次成功登录以来失败的登录次数（任何地址）"
    )
    locked_until: str | None = strawberry.field(
        deprecation_reason="账号不再锁定：登录失败按（用户名，客户端地址）逐次延时；恒为 null"
    )
    created_at: str
    created_by: str
    password_changed_at: str | None
    last_login_at: str | None

    @strawberry.field(description="账号绑定的工会")
    async def union(self, info: Info) -> UnionType | None:
        found = await info.context.unions.load(str(self.union_id))
        return UnionType.from_domain(found, in_scope=True) if found else None

    @classmethod
    def from_domain(cls, a: Account) -> AccountType:
        return cls(
            id=strawberry.ID(a.id),
            username=a.username,
            union_id=strawberry.ID(a.union_id),
            role=AccountRole(a.role.value),
            disabled=a.disabled,
            failed_logins=a.failed_logins,
            locked_until=None,
            created_at=a.created_at,
            created_by=a.created_by,
            password_changed_at=a.password_changed_at,
            last_login_at=a.last_login_at,
        )


@strawberry.type(description="一次性告知的登录凭据：只在创建或重置时返回，不再保存明文")
class IssuedAccount:
    account: AccountType
    password: str
    totp_secret: str | None
    otpauth_uri: str | None

    @classmethod
    def from_domain(cls, issued: IssuedCredentials) -> IssuedAccount:
        return cls(
            account=AccountType.from_domain(issued.account),
            password=issued.password.get_secret_value(),
            totp_secret=issued.totp_secret.get_secret_value() if issued.totp_secret else None,
            otpauth_uri=issued.otpauth_uri.get_secret_value() if issued.otpauth_uri else None,
        )


@strawberry.input
class CreateAccountInput:
    username: str
    union_id: strawberry.ID
    role: AccountRole
    password: str | None = strawberry.field(
        default=None, description="留空则生成随机密码（仅返回一次）"
    )


def _caller(info: Info) -> Caller:
    return Caller(client_address=info.context.client_address, request_id=info.context.request_id)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="管理员：本级及下级工会的账号（unionId 缺省为管理员所属工会）")
    async def accounts(
        self, info: Info, union_id: strawberry.ID | None = None
    ) -> list[AccountType]:
        found = await info.context.services.accounts.list(
            union_id=str(union_id) if union_id is not None else None,
            principal=info.context.principal,
        )
        return [AccountType.from_domain(a) for a in found]


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="管理员：在本级或下级工会创建账号")
    async def create_account(self, info: Info, input: CreateAccountInput) -> IssuedAccount:
        issued = await info.context.services.accounts.create(
            username=input.username,
            union_id=str(input.union_id),
            role=input.role.value,
            password=input.password,
            principal=info.context.principal,
            caller=_caller(info),
        )
        return IssuedAccount.from_domain(issued)

    @strawberry.mutation(description="管理员：停用账号（登录、刷新令牌和访问令牌随即失效）")
    async def disable_account(self, info: Info, username: str) -> AccountType:
        account = await info.context.services.accounts.disable(
            username=username, principal=info.context.principal, caller=_caller(info)
        )
        return AccountType.from_domain(account)

    @strawberry.mutation(description="管理员：重置密码和动态码密钥，解除锁定，结束所有会话")
    async def reset_account(self, info: Info, username: str) -> IssuedAccount:
        issued = await info.context.services.accounts.reset(
            username=username, principal=info.context.principal, caller=_caller(info)
        )
        return IssuedAccount.from_domain(issued)

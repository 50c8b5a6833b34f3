"""Accounts and authentication on every engine: argon2 hashes, login throttling by (username,
client address) that never locks the owner out, TOTP (with replay refused),
disable, reset, refresh-token rotation and reuse detection, idle and absolute session expiry,
admins confined to their subtree. A settable clock stands in for waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from graph_service.domain.accounts import IssuedCredentials, Principal, Role
from graph_service.domain.commands import CreateUnion
from graph_service.errors import (
    BadUserInput,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from graph_service.repositories.accounts import AccountRepository
from graph_service.repositories.audit import AuditRepository
from graph_service.services import credentials
from graph_service.services.accounts import AccountService
from graph_service.services.authentication import Caller, TokenPair
from graph_service.services.registry import Services
from graph_service.settings import Settings
from graph_service.store import GraphStore

SECRET = "integration-test-signing-secret-0123456789"
LOCAL = "地方总工会"


class Clock:
    """Now, as the service sees it; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    services: Services
    accounts: AccountService
    clock: Clock
    store: GraphStore
    ids: dict[str, str]

    async def make(self, username: str, role: str = "viewer") -> IssuedCredentials:
        """An account bound to cityA."""
        return await self.accounts.create(username=username, union_id=self.ids["cityA"], role=role)

    def code(self, issued: IssuedCredentials, *, steps_ahead: int = 0) -> str:
        assert issued.totp_secret is not None
        totp = pyotp.TOTP(issued.totp_secret.get_secret_value())
        return totp.at(self.clock.now + timedelta(seconds=30 * steps_ahead))

    async def login(
        self, issued: IssuedCredentials, *, steps_ahead: int = 0, caller: Caller | None = None
    ) -> TokenPair:
        code = self.code(issued, steps_ahead=steps_ahead) if issued.totp_secret else None
        return await self.accounts.auth.login(
            username=issued.account.username,
            password=issued.password.get_secret_value(),
            totp=code,
            caller=caller or Caller(),
        )


def settings(**extra: object) -> Settings:
    values: dict[str, object] = {"token_secret": SECRET, "write_batch_size": 1_000, **extra}
    return Settings(**values)  # type: ignore[arg-type]


def account_service(
    world_services: Services, store: GraphStore, clock: Clock, **extra: object
) -> AccountService:
    return AccountService(
        AccountRepository(store),
        world_services.tree,
        settings(**extra),
        audit=world_services.audit,
        clock=clock,
    )


@pytest.fixture
async def world(services: Services, store: GraphStore) -> World:
    """national → province → cityA → countyA, and cityB beside cityA."""
    ids: dict[str, str] = {}
    shape = [
        ("national", None, "NATIONAL", "110000"),
        ("province", "national", "PROVINCE", "420000"),
        ("cityA", "province", "CITY", "420100"),
        ("cityB", "province", "CITY", "420200"),
        ("countyA", "cityA", "COUNTY", "420102"),
    ]
    for key, parent, level, region in shape:
        data: dict[str, object] = {
            "name": f"{key}工会", "level": level, "kind": LOCAL, "regionCode": region,
            "foundedOn": "2000-01-01",
        }  # fmt: skip
        if parent:
            data["parentId"] = ids[parent]
        ids[key] = (
            await services.affiliation.create_union(command=CreateUnion.of(data), actor="tester")
        ).id
    clock = Clock()
    return World(services, account_service(services, store, clock), clock, store, ids)


async def refused(reason: str, call: object) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        await call  # type: ignore[misc]
    assert caught.value.reason == reason, caught.value.reason
    return caught.value


async def test_passwords_are_argon2id_hashes_never_returned(world: World) -> None:
    issued = await world.accounts.create(
        username="Viewer.One", union_id=world.ids["cityA"], role="viewer"
    )
    password = issued.password.get_secret_value()
    assert issued.account.username == "viewer.one"
    assert issued.totp_secret is None  # viewers need no second factor by default
    assert len(password) >= 12
    record = await AccountRepository(world.store).login_record("viewer.one")
    assert record is not None
    assert record.password_hash.startswith("$argon2id$")
    assert password not in record.password_hash
    assert password not in repr(issued) and password not in repr(record)
    assert "password" not in issued.account.model_dump()
    assert all("argon2" not in str(v) for v in issued.account.model_dump().values())


async def test_viewer_logs_in_without_totp_and_the_token_names_the_principal(world: World) -> None:
    issued = await world.accounts.create(
        username="viewer", union_id=world.ids["countyA"], role="viewer"
    )
    pair = await world.login(issued)
    assert pair.expires_in == 15 * 60
    principal = await world.accounts.auth.principal(pair.access_token)
    assert principal == Principal(
        account_id=issued.account.id,
        username="viewer",
        role=Role.VIEWER,
        scope_union_id=world.ids["countyA"],
    )
    await refused("TOKEN_INVALID", world.accounts.auth.principal(pair.access_token + "x"))
    other = account_service(
        world.services, world.store, world.clock, token_secret="another-secret-" + "y" * 30
    )
    await refused("TOKEN_INVALID", other.auth.principal(pair.access_token))


async def test_unknown_user_and_wrong_password_get_the_same_answer(world: World) -> None:
    await world.accounts.create(
        username="known", union_id=world.ids["cityA"], role="viewer", password="correct horse 42"
    )
    unknown = await refused(
        "INVALID_CREDENTIALS",
        world.accounts.auth.login(username="nobody", password="correct horse 42"),
    )
    wrong = await refused(
        "INVALID_CREDENTIALS", world.accounts.auth.login(username="known", password="wrong pass 1")
    )
    assert unknown.message == wrong.message
    assert unknown.extensions() == wrong.extensions()


HOME, ATTACKER = Caller(client_address="10.0.0.1"), Caller(client_address="203.0.113.9")


async def answer(call: object) -> tuple[str, str, dict[str, object]]:
    """What a refused login tells its caller: code, message and extensions."""
    try:
        await call  # type: ignore[misc]
    except (Unauthenticated, RateLimited) as refusal:
        return refusal.code, refusal.message, refusal.extensions()
    raise AssertionError("the login was not refused")


async def test_failures_slow_one_address_down_and_never_lock_the_owner_out(world: World) -> None:
    issued = await world.make("locky")
    auth = world.accounts.auth

    def bad(caller: Caller = ATTACKER) -> object:
        return auth.login(username="locky", password="bad-password", caller=caller)

    for _ in range(4):  # three free failures, the fourth checked too and starts a 1 s wait
        await refused("INVALID_CREDENTIALS", bad())
    assert (await world.accounts.get("locky")).failed_logins == 4
    with pytest.raises(RateLimited) as waiting:  # refused unchecked, even the right password
        await world.login(issued, caller=ATTACKER)
    assert waiting.value.reason == "LOGIN_THROTTLED" and waiting.value.retry_after == 1
    # the owner, from their own address, is not locked out (the old lock refused them here)
    await world.login(issued, caller=HOME)
    world.clock.advance(seconds=1)
    await refused("INVALID_CREDENTIALS", bad())  # checked again: the wait doubles to 2 s
    world.clock.advance(seconds=1)
    with pytest.raises(RateLimited) as waiting:
        await bad()
    assert waiting.value.retry_after == 1
    world.clock.advance(seconds=1)
    await world.login(issued, caller=ATTACKER)  # after the wait the right password works ...
    for _ in range(3):  # ... and a success from the address starts it afresh
        await refused("INVALID_CREDENTIALS", bad())


async def test_delays_grow_to_the_cap_and_are_forgotten_after_a_quiet_day(world: World) -> None:
    world.accounts = account_service(
        world.services, world.store, world.clock, login_free_failures=0,
        login_delay_base_seconds=10, login_delay_max_seconds=60,
    )  # fmt: skip
    auth, waits = world.accounts.auth, []
    for _ in range(6):
        await refused("INVALID_CREDENTIALS", auth.login(username="slow", password="bad-password"))
        with pytest.raises(RateLimited) as waiting:
            await auth.login(username="slow", password="bad-password")
        waits.append(waiting.value.retry_after)
        world.clock.advance(seconds=waiting.value.retry_after)
    assert waits == [10, 20, 40, 60, 60, 60]
    await refused("INVALID_CREDENTIALS", auth.login(username="slow", password="bad-password"))
    world.clock.advance(hours=24, seconds=1)
    await refused("INVALID_CREDENTIALS", auth.login(username="slow", password="bad-password"))
    with pytest.raises(RateLimited) as waiting:
        await auth.login(username="slow", password="bad-password")
    assert waiting.value.retry_after == 10  # counted from the start again


async def test_unknown_usernames_meet_the_same_answers_delays_and_work(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.make("known")
    auth = world.accounts.auth
    statements: list[str] = []
    hashes_checked: list[str] = []
    read, write, verify = world.store.read, world.store.write, credentials.verify_password

    async def counted_read(query: object, params: object = None) -> object:
        statements.append(query.name)  # type: ignore[attr-defined]
        return await read(query, params)  # type: ignore[arg-type]

    async def counted_write(query: object, params: object = None) -> object:
        statements.append(query.name)  # type: ignore[attr-defined]
        return await write(query, params)  # type: ignore[arg-type]

    def counted_verify(password_hash: str, password: str) -> bool:
        hashes_checked.append(password_hash[:9])
        return verify(password_hash, password)

    monkeypatch.setattr(world.store, "read", counted_read)
    monkeypatch.setattr(world.store, "write", counted_write)
    monkeypatch.setattr(credentials, "verify_password", counted_verify)

    async def trail(username: str) -> list[object]:
        seen: list[object] = []
        for _ in range(6):
            statements.clear()
            hashes_checked.clear()
            told = await answer(auth.login(username=username, password="wrong-password"))
            seen.append((told, list(statements), list(hashes_checked)))
        return seen

    known, unknown = await trail("known"), await trail("unknown-one")
    assert known == unknown
    assert [told[0][2].get("reason") for told in known] == [  # type: ignore[index]
        *["INVALID_CREDENTIALS"] * 4, "LOGIN_THROTTLED", "LOGIN_THROTTLED"
    ]
    assert known[0][2] == ["$argon2id"]  # one argon2 verification either way


async def test_any_failed_password_and_code_combination_gets_one_answer(world: World) -> None:
    issued = await world.make("op-one", "operator")
    auth, password = world.accounts.auth, issued.password.get_secret_value()
    good = world.code(issued)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    tries: list[dict[str, str]] = [
        {"password": password}, {"password": password, "totp": wrong},
        {"password": password, "totp": "12ab"}, {"password": password, "totp": ""},
        {"password": "wrong-password"}, {"password": "wrong-password", "totp": good},
    ]  # fmt: skip
    answers = set()
    for n, given in enumerate(tries):  # each from its own address: none is throttled
        told = await answer(auth.login(username="op-one", caller=Caller(f"10.0.0.{n}"), **given))
        answers.add((told[0], told[1], str(told[2])))
    assert len(answers) == 1
    code, _, extensions = answers.pop()
    assert code == "UNAUTHENTICATED" and "INVALID_CREDENTIALS" in extensions
    unknown = await answer(auth.login(username="nobody-here", password="x", totp=good))
    assert (unknown[0], unknown[1], str(unknown[2])) == (code, _, extensions)


async def test_throttled_attempts_are_audited_in_the_accounts_scope(world: World) -> None:
    await world.make("watched")
    auth = world.accounts.auth
    for _ in range(5):
        await answer(auth.login(username="watched", password="bad-password", caller=ATTACKER))
    # what auditLog shows the province's admin (records scoped in its subtree)
    records = (await world.services.audit.log(union_id=world.ids["province"])).items
    throttled = [r for r in records if r.result == "LOGIN_THROTTLED"]
    assert len(throttled) == 1
    assert throttled[0].actor == "account:watched"
    assert throttled[0].scope_id == world.ids["cityA"]
    assert throttled[0].client_address == ATTACKER.client_address
    assert '"retryAfter":1' in throttled[0].arguments.replace(" ", "")


async def test_disable_refuses_login_refresh_and_access_tokens(world: World) -> None:
    issued = await world.make("gone")
    pair = await world.login(issued)
    assert (await world.accounts.auth.principal(pair.access_token)).username == "gone"
    disabled = await world.accounts.disable(username="gone")
    assert disabled.disabled
    await refused("TOKEN_REVOKED", world.accounts.auth.principal(pair.access_token))
    await refused("REFRESH_REVOKED", world.accounts.auth.refresh(pair.refresh_token))
    await refused("ACCOUNT_DISABLED", world.login(issued))


class Ticks:
    """The principal cache's monotonic clock, moved by hand (no sleeping, no race)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_change_by_another_process_takes_effect_within_the_cache_ttl(
    world: World,
) -> None:
    ticks = Ticks()
    here = AccountService(
        AccountRepository(world.store), world.services.tree, settings(),
        audit=world.services.audit, clock=world.clock, monotonic=ticks,
    )  # fmt: skip
    issued = await world.make("far")
    pairs = [await world.login(issued) for _ in range(3)]
    second = await world.accounts.auth.refresh(pairs[2].refresh_token)
    for pair in pairs:
        await here.auth.principal(pair.access_token)  # now cached in "this process"
    # "another process": one session ended by a replayed refresh token, one by logout
    await refused("REFRESH_REUSED", world.accounts.auth.refresh(pairs[2].refresh_token))
    await world.accounts.auth.logout(pairs[1].access_token)
    ticks.now += 4.9
    for pair in pairs:
        await here.auth.principal(pair.access_token)  # still trusted from the cache ...
    ticks.now += 0.2
    await here.auth.principal(pairs[0].access_token)  # ... past 5 s only the open session is
    for token in (pairs[1].access_token, pairs[2].access_token, second.access_token):
        await refused("TOKEN_REVOKED", here.auth.principal(token))
    await world.accounts.disable(username="far")
    ticks.now += 5.1
    await refused("TOKEN_REVOKED", here.auth.principal(pairs[0].access_token))


async def test_ending_a_session_here_refuses_its_access_tokens_at_the_next_request(
    world: World,
) -> None:
    issued = await world.make("sess")
    auth = world.accounts.auth
    first = await world.login(issued)
    renewed = await auth.refresh(first.refresh_token)
    other = await world.login(issued)  # another session of the same account
    for token in (first.access_token, renewed.access_token, other.access_token):
        await auth.principal(token)  # all trusted and cached
    # the spent refresh token again: the whole session ends, both its access tokens with it
    await refused("REFRESH_REUSED", auth.refresh(first.refresh_token))
    await refused("TOKEN_REVOKED", auth.principal(first.access_token))
    await refused("TOKEN_REVOKED", auth.principal(renewed.access_token))
    assert (await auth.principal(other.access_token)).username == "sess"
    # logout ends that session: its tokens are refused, a fresh login works
    await auth.logout(other.access_token)
    await refused("TOKEN_REVOKED", auth.principal(other.access_token))
    await refused("REFRESH_REVOKED", auth.refresh(other.refresh_token))
    await refused("TOKEN_REVOKED", auth.logout(other.access_token))
    again = await world.login(issued)
    await auth.principal(again.access_token)
    # a reset ends every session at once
    await world.accounts.reset(username="sess")
    await refused("TOKEN_REVOKED", auth.principal(again.access_token))


async def test_reset_gives_new_credentials_and_ends_sessions(world: World) -> None:
    old = await world.make("admin1", "admin")
    pair = await world.login(old)
    for _ in range(2):
        await refused(
            "INVALID_CREDENTIALS",
            world.accounts.auth.login(username="admin1", password="x" * 12, totp="000000"),
        )
    assert (await world.accounts.get("admin1")).failed_logins == 2
    new = await world.accounts.reset(username="admin1")
    assert new.password != old.password and new.totp_secret != old.totp_secret
    assert new.account.failed_logins == 0
    await refused("TOKEN_REVOKED", world.accounts.auth.principal(pair.access_token))
    await refused("REFRESH_REVOKED", world.accounts.auth.refresh(pair.refresh_token))
    await refused("INVALID_CREDENTIALS", world.login(old, steps_ahead=1))
    fresh = await world.login(new)
    assert (await world.accounts.auth.principal(fresh.access_token)).role is Role.ADMIN


async def test_refresh_rotates_and_a_replayed_token_ends_the_session(world: World) -> None:
    issued = await world.make("rot")
    auth = world.accounts.auth
    first = await world.login(issued)
    second = await auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert (await auth.principal(second.access_token)).username == "rot"
    # the old token again: treated as stolen, the whole session ends
    await refused("REFRESH_REUSED", auth.refresh(first.refresh_token))
    await refused("REFRESH_REVOKED", auth.refresh(second.refresh_token))
    await refused("REFRESH_INVALID", auth.refresh("not-a-token"))


async def test_sessions_end_when_idle_and_after_their_lifetime(world: World) -> None:
    issued = await world.make("idle")
    auth = world.accounts.auth
    pair = await world.login(issued)
    world.clock.advance(minutes=31)
    await refused("REFRESH_IDLE", auth.refresh(pair.refresh_token))

    pair = await world.login(issued)
    token, used = pair.refresh_token, 0
    for _ in range(12 * 60 // 25):  # used every 25 minutes: never idle ...
        world.clock.advance(minutes=25)
        token = (await auth.refresh(token)).refresh_token
        used += 1
    world.clock.advance(minutes=25)  # ... yet 12 hours after the login it ends
    await refused("REFRESH_EXPIRED", auth.refresh(token))
    assert used == 28


async def test_access_tokens_expire_after_their_minutes(world: World) -> None:
    issued = await world.make("exp")
    world.clock.advance(minutes=-16)  # issued 16 minutes ago (token checks use the real time)
    pair = await world.login(issued)
    await refused("TOKEN_EXPIRED", world.accounts.auth.principal(pair.access_token))


async def test_admins_manage_accounts_only_inside_their_subtree(world: World) -> None:
    admin_issued = await world.accounts.create(
        username="city-admin", union_id=world.ids["cityA"], role="admin"
    )
    admin = await world.accounts.auth.principal((await world.login(admin_issued)).access_token)
    made = await world.accounts.create(
        username="county-op", union_id=world.ids["countyA"], role="operator", principal=admin
    )
    assert made.account.created_by == "account:city-admin"
    await world.accounts.create(username="b-viewer", union_id=world.ids["cityB"], role="viewer")
    with pytest.raises(NotFound):
        await world.accounts.create(
            username="x-viewer", union_id=world.ids["cityB"], role="viewer", principal=admin
        )
    with pytest.raises(NotFound):
        await world.accounts.create(
            username="y-viewer", union_id=world.ids["province"], role="viewer", principal=admin
        )
    listed = {a.username for a in await world.accounts.list(principal=admin)}
    assert listed == {"city-admin", "county-op"}
    assert {a.username for a in await world.accounts.list()} == listed | {"b-viewer"}
    with pytest.raises(NotFound):
        await world.accounts.list(union_id=world.ids["cityB"], principal=admin)
    with pytest.raises(NotFound):
        await world.accounts.disable(username="b-viewer", principal=admin)
    with pytest.raises(NotFound):
        await world.accounts.reset(username="b-viewer", principal=admin)
    with pytest.raises(Conflict):
        await world.accounts.disable(username="city-admin", principal=admin)
    assert (await world.accounts.disable(username="county-op", principal=admin)).disabled

    viewer = Principal(
        account_id="v", username="v", role=Role.VIEWER, scope_union_id=world.ids["cityA"]
    )
    with pytest.raises(Forbidden):
        await world.accounts.list(principal=viewer)
    with pytest.raises(Forbidden):  # same answer whether the account exists or not
        await world.accounts.disable(username="nobody-at-all", principal=viewer)


async def test_an_admin_learns_only_that_a_name_is_unavailable_never_where(
    world: World,
) -> None:
    admin_issued = await world.accounts.create(
        username="a-admin", union_id=world.ids["cityA"], role="admin"
    )
    admin = await world.accounts.auth.principal((await world.login(admin_issued)).access_token)
    await world.accounts.create(username="elsewhere", union_id=world.ids["cityB"], role="viewer")
    await world.accounts.create(username="inside", union_id=world.ids["countyA"], role="viewer")
    told = []
    for name in ("elsewhere", "inside", "system", "demo-admin"):  # outside, inside, reserved
        with pytest.raises(Conflict) as taken:
            await world.accounts.create(
                username=name, union_id=world.ids["countyA"], role="viewer", principal=admin
            )
        told.append((taken.value.message, taken.value.extensions()))
    assert told == [told[0]] * 4
    assert told[0][1]["reason"] == "USERNAME_UNAVAILABLE"


async def test_usernames_are_unique_and_inputs_checked(world: World) -> None:
    await world.make("same")
    with pytest.raises(Conflict) as taken:
        await world.accounts.create(username="SAME ", union_id=world.ids["cityB"], role="viewer")
    assert taken.value.reason == "USERNAME_TAKEN"
    cases = [
        ({"username": "ab"}, "USERNAME_FORMAT"),
        ({"username": "bad name"}, "USERNAME_FORMAT"),
        ({"role": "root"}, "ROLE"),
        ({"password": "short"}, "WEAK_PASSWORD"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "WEAK_PASSWORD"),
    ]
    for change, reason in cases:
        args = {"username": "fine-name", "union_id": world.ids["cityA"], "role": "viewer", **change}
        with pytest.raises(BadUserInput) as bad:
            await world.accounts.create(**args)  # type: ignore[arg-type]
        assert bad.value.reason == reason
    with pytest.raises(NotFound):
        await world.accounts.create(username="lost", union_id="LS4201000000009999", role="viewer")


async def test_logins_and_account_changes_are_audited_without_secrets(world: World) -> None:
    issued = await world.make("aud")
    await world.login(issued)
    await refused(
        "INVALID_CREDENTIALS", world.accounts.auth.login(username="aud", password="wrong-pass!")
    )
    await refused(
        "INVALID_CREDENTIALS", world.accounts.auth.login(username="ghost", password="wrong-pass!")
    )
    await world.accounts.disable(username="aud")
    records = await AuditRepository(world.store).chain(after=0, limit=100)
    seen = [(r.operation, r.result, r.actor) for r in records]
    assert seen == [
        ("account.create", "OK", "system"),
        ("auth.login", "OK", "account:aud"),
        ("auth.login", "INVALID_CREDENTIALS", "account:aud"),
        ("auth.login", "INVALID_CREDENTIALS", "anonymous"),
        ("account.disable", "OK", "system"),
    ]
    text = " ".join(r.arguments for r in records)
    assert "wrong-pass!" not in text and "ghost" not in text
    assert issued.password.get_secret_value() not in text
    assert (await world.services.audit.verify()).ok


async def test_demo_admin_is_bound_to_the_province_and_keeps_its_totp(world: World) -> None:
    first = await world.accounts.ensure_demo_admin()
    assert first.account.union_id == world.ids["province"]
    assert first.account.role is Role.ADMIN
    await world.login(first)
    await world.accounts.disable(username="demo-admin")
    again = await world.accounts.ensure_demo_admin(password="a chosen demo password")
    assert again.password.get_secret_value() == "a chosen demo password"
    assert again.totp_secret == first.totp_secret
    assert not again.account.disabled
    await world.login(again, steps_ahead=1)

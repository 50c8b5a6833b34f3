"""Access-token keys and claims, TOTP steps: pure code, no engine."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pyotp
import pytest
from pydantic import SecretStr

from graph_service.errors import BadUserInput, Unauthenticated
from graph_service.services.credentials import matching_totp_step, new_totp_secret
from graph_service.services.tokens import KEY_FILE, AccessTokens, load_or_create_key
from graph_service.settings import Settings


def test_the_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / KEY_FILE
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and load_or_create_key(path) == first


def test_tokens_carry_the_claims_and_are_checked(tmp_path: Path) -> None:
    tokens = AccessTokens(Settings(data_dir=tmp_path))
    now = datetime.now(UTC)
    token = tokens.issue(account_id="a1", username="u", role="viewer", union_id="LS1",
                         token_version=3, session_id="s1", now=now)  # fmt: skip
    claims = tokens.check(token)
    assert (claims.account_id, claims.role, claims.union_id, claims.token_version) == (
        "a1", "viewer", "LS1", 3,
    )  # fmt: skip
    raw = jwt.decode(token, options={"verify_signature": False})
    assert raw["exp"] - raw["iat"] == 15 * 60 and raw["jti"] and raw["sub"] == "a1"
    assert (tmp_path / KEY_FILE).exists()  # no secret set: the key file was made

    unsigned = jwt.encode({**raw, "role": "admin"}, key=None, algorithm="none")
    with pytest.raises(Unauthenticated) as caught:
        tokens.check(unsigned)
    assert caught.value.reason == "TOKEN_INVALID"
    old = tokens.issue(account_id="a1", username="u", role="viewer", union_id="LS1",
                       token_version=3, session_id="s1",
                       now=now - timedelta(minutes=16))  # fmt: skip
    with pytest.raises(Unauthenticated) as caught:
        tokens.check(old)
    assert caught.value.reason == "TOKEN_EXPIRED"


def test_a_short_configured_secret_is_refused(tmp_path: Path) -> None:
    tokens = AccessTokens(Settings(data_dir=tmp_path, token_secret=SecretStr("short")))
    with pytest.raises(BadUserInput) as caught:
        tokens.issue(account_id="a", username="u", role="viewer", union_id="LS1",
                     token_version=0, session_id="s1", now=datetime.now(UTC))  # fmt: skip
    assert caught.value.reason == "TOKEN_SECRET_WEAK"


def test_totp_accepts_one_step_of_drift_and_no_replay() -> None:
    secret = new_totp_secret()
    totp = pyotp.TOTP(secret)
    now = datetime(2025, 3, 1, 8, 0, 10, tzinfo=UTC)
    step = totp.timecode(now)
    for delta in (-1, 0, 1):
        code = totp.generate_otp(step + delta)
        assert matching_totp_step(secret, code, now=now, last_step=None) == step + delta
    assert matching_totp_step(secret, totp.generate_otp(step - 2), now=now, last_step=None) is None
    assert matching_totp_step(secret, totp.generate_otp(step), now=now, last_step=step) is None
    assert matching_totp_step(secret, "12345", now=now, last_step=None) is None

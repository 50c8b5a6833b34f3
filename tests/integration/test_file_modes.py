"""Files only for the service's user (issue 16, finding 7): every command runs with umask 077,
so with the usual umask 022 around it the data dir, the append-only files, keys, exports and
backups are 0700/0600; a file left readable by others is named by ``verify`` (exit 1) and
warned about at start. TOTP secrets are sealed at rest with a key kept apart from the graph,
and secrets stored in clear before are sealed by the migration."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from graph_service.domain.validation import make_temporary_code
from graph_service.file_modes import exposed
from graph_service.queries import Query
from graph_service.repositories.accounts import AccountRepository
from graph_service.sealed_secrets import PREFIX, SecretKeyMismatch, SecretSealer
from graph_service.store import GraphStore

PROVINCE = make_temporary_code("420000", 0)
RAW_TOTP = Query("t/raw_totp", "MATCH (a:Account {username: $u}) RETURN a.totpSecret AS s")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    def loose_umask() -> None:
        os.umask(0o022)  # what a login shell usually has

    return subprocess.run(
        [sys.executable, "-c", "from cli.main import app; app()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=loose_umask,
        check=False,
    )


def _modes(root: Path) -> dict[str, str]:
    out = {}
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and not stat.S_ISSOCK(mode):
            out[str(path.relative_to(root.parent))] = oct(stat.S_IMODE(mode))
    return out


def test_commands_make_private_files_and_verify_names_open_ones(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "UNION_TREE_DATA_DIR": str(data)}
    assert _cli(env, "bootstrap", "--province", "42").returncode == 0
    made = _cli(env, "accounts", "create", "alice", "--union", PROVINCE, "--role", "admin")
    assert made.returncode == 0, made.stderr
    secret = next(
        line.split(": ", 1)[1] for line in made.stdout.splitlines() if line.startswith("totp_")
    )
    export = tmp_path / "out" / "export.xlsx"
    assert _cli(env, "export", PROVINCE, "--to", str(export)).returncode == 0
    backup = tmp_path / "backup"
    assert _cli(env, "backup", "--to", str(backup)).returncode == 0, "backup failed"

    files = {**_modes(data), **_modes(backup), **_modes(export.parent)}
    assert "data/totp.key" in files and any("appendonly" in k for k in files), files
    loose = {k: v for k, v in files.items() if int(v, 8) & 0o077}
    assert loose == {}
    # the TOTP secret is nowhere in clear: not in the append-only files, not in the backup
    for folder in (data, backup):
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".sock"):
                assert secret.encode() not in path.read_bytes(), path

    checked = _cli(env, "verify")
    assert checked.returncode == 0, checked.stderr
    (data / "totp.key").chmod(0o644)
    data.chmod(0o755)
    checked = _cli(env, "verify")
    assert checked.returncode == 1
    assert "totp.key" in checked.stderr and "0o644" in checked.stderr
    assert "其他用户可读的文件 2 个" in checked.stderr
    assert "file readable by other users" in checked.stderr  # the warning every start logs
    assert {p.name for p, _ in exposed([data])} == {"data", "totp.key"}


async def test_clear_totp_secrets_are_sealed_by_the_migration(
    store: GraphStore, tmp_path: Path
) -> None:
    from graph_service.services.accounts import AccountService  # noqa: F401  (wiring check)

    clear = AccountRepository(store)  # as before sealing
    await store.write(
        Query("t/union", "CREATE (:Union {id: $id, name: 'x', level: 'PROVINCE'})"),
        {"id": PROVINCE},
    )
    made = await clear.create(
        id="a1", username="carol", unionId=PROVINCE, role="admin", passwordHash="h",
        totpSecret="JBSWY3DPEHPK3PXP", now="2026-01-01T00:00:00+00:00", by="t",
    )  # fmt: skip
    assert made is not None
    assert await store.read(RAW_TOTP, {"u": "carol"}) == [{"s": "JBSWY3DPEHPK3PXP"}]

    sealer = SecretSealer.load(tmp_path, None)
    assert stat.S_IMODE((tmp_path / "totp.key").stat().st_mode) == 0o600
    sealed = AccountRepository(store, sealer)
    assert await sealed.seal_plain_totp() == 1
    raw = (await store.read(RAW_TOTP, {"u": "carol"}))[0]["s"]
    assert isinstance(raw, str) and raw.startswith(PREFIX) and "JBSWY3DPEHPK3PXP" not in raw
    record = await sealed.login_record("carol")
    assert record is not None and record.totp_secret == "JBSWY3DPEHPK3PXP"
    assert await sealed.seal_plain_totp() == 0  # idempotent

    other = AccountRepository(store, SecretSealer(os.urandom(32)))
    with pytest.raises(SecretKeyMismatch):
        await other.login_record("carol")

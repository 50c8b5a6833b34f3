"""`union-tree serve` as a real subprocess: the console script, its own data dir and logs.

Used by the operations tests (JSON logs, metrics, graceful shutdown). The demo admin's
credentials are read from the process's stdout (where ``announce_demo_credentials`` prints
them), its log lines (stderr) go to ``serve.log`` for the tests to read.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port, login

UNION_TREE = Path(sys.executable).with_name("union-tree")
_CREDENTIAL = re.compile(r"^(用户名 username|密码 password|TOTP 密钥 secret):\s*(\S+)\s*$", re.M)


class ServeProcess:
    """One ``union-tree serve --demo`` process on a free port."""

    def __init__(self, work: Path, *, members: int = 1_500, seed: int = 7) -> None:
        self.work = work
        self.data = work / "data"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.stdout_path = work / "serve.out"
        self.log_path = work / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNION_TREE_")}
        env |= {"UNION_TREE_DATA_DIR": str(self.data), "UNION_TREE_ACCESS_TOKEN_MINUTES": "240"}
        with self.stdout_path.open("wb") as out, self.log_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [str(UNION_TREE), "serve", "--demo", "--members", str(members), "--seed",
                 str(seed), "--port", str(self.port)],
                cwd=work,  # no .env of the repository is read
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group, like a terminal's foreground job
            )  # fmt: skip
        self._wait_ready()
        creds = dict(_CREDENTIAL.findall(self.stdout_path.read_text(encoding="utf-8")))
        self.username = creds["用户名 username"]
        self.password = creds["密码 password"]
        self.totp_secret = creds.get("TOTP 密钥 secret")
        self.token = login(self.base, self.username, self.password, self.totp_secret)

    def _wait_ready(self, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("serve did not become ready in time")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def gql(self, query: str, headers: dict[str, str] | None = None, **variables: object) -> dict:
        """POST a GraphQL document as the demo admin (status 200 required)."""
        response = httpx.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers | (headers or {}),
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def log(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout_s: float = 120.0) -> int:
        """SIGTERM, then the exit status (killed after ``timeout_s``)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("serve did not stop after SIGTERM") from None

    def grassroots_with_employer(self) -> tuple[str, str]:
        """(union id, employer id) of a demo grassroots union covering an employer."""
        query = """{ unions(level: GRASSROOTS, first: 50) { edges { node { id: code status
                     employers(first: 1) { edges { node { id: code } } } } } } }"""
        for edge in self.gql(query)["data"]["unions"]["edges"]:
            node = edge["node"]
            if node["status"] == "ACTIVE" and node["employers"]["edges"]:
                return node["id"], node["employers"]["edges"][0]["node"]["id"]
        raise AssertionError("no active grassroots union with an employer in the demo")

    def members_of(self, union_id: str) -> int:
        query = "query($u: ID!) { subtreeStats(unionId: $u) { members } }"
        return int(self.gql(query, u=union_id)["data"]["subtreeStats"]["members"])

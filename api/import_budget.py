"""What an HTTP import may cost one account: membership probes priced (README "Imports over HTTP").

A roster upload — a dry run exactly like a real one — checks every certificate it names against
the whole register, and answers MEMBER_ACTIVE_ELSEWHERE for each one active in another union.
Uploads are therefore priced per account, in this API process:

* at most ``import_certificates_per_hour`` certificates checked in any rolling hour, and
* at most ``import_taken_per_day`` "taken elsewhere" answers in any rolling 24 hours.

An upload that starts with either budget spent is refused before its file is read: HTTP 429
``RATE_LIMITED`` (reason ``IMPORT_RATE`` or ``IMPORT_PROBE_RATE``) with ``Retry-After``. An
upload under budget runs whole (never cut half-written) and is charged what it checked. The
audit record of every upload carries ``certificatesChecked`` and ``takenElsewhere``.

The answer for a certificate held by another union says only that it is taken: never which
union, inside the uploader's scope or not.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from fastapi import Request

from api.scoped_imports import ScopedImports
from graph_service.errors import RateLimited
from graph_service.services.imports import BatchInfo, MemberPlan

HOUR, DAY = 3_600.0, 86_400.0
TAKEN = "MEMBER_ACTIVE_ELSEWHERE"
TAKEN_MESSAGE = "该证件号已是其他工会的在册会员，一证一会员，不能重复入会；如需转会请办理会籍接转"
Monotonic = Callable[[], float]


class _Window:
    """Amounts spent in a rolling window."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent: deque[tuple[float, int]] = deque()

    def used(self, now: float) -> int:
        while self.spent and self.spent[0][0] + self.seconds <= now:
            self.spent.popleft()
        return sum(n for _, n in self.spent)

    def wait(self, now: float, limit: int) -> float:
        """Seconds until less than ``limit`` is spent."""
        used = self.used(now)
        for at, n in self.spent:
            if used < limit:
                break
            used -= n
            if used < limit:
                return at + self.seconds - now
        return 0.0


class ImportBudget:
    """Certificates checked and "taken elsewhere" answers, per account, in rolling windows."""

    def __init__(
        self,
        *,
        certificates_per_hour: int,
        taken_per_day: int,
        monotonic: Monotonic | None = None,
    ) -> None:
        self.certificates_per_hour = certificates_per_hour
        self.taken_per_day = taken_per_day
        self._now: Monotonic = monotonic or time.monotonic
        self._checked: dict[str, _Window] = {}
        self._taken: dict[str, _Window] = {}

    def check(self, account_id: str) -> None:
        """RATE_LIMITED when either budget of the account is spent."""
        now = self._now()
        checked = self._checked.setdefault(account_id, _Window(HOUR))
        if checked.used(now) >= self.certificates_per_hour:
            raise RateLimited(
                f"每个账号每小时最多核对 {self.certificates_per_hour:,} 个证件号"
                "（试导入同样计算），请稍后再导入",
                reason="IMPORT_RATE",
                retry_after=math.ceil(checked.wait(now, self.certificates_per_hour)),
            )
        taken = self._taken.setdefault(account_id, _Window(DAY))
        if taken.used(now) >= self.taken_per_day:
            raise RateLimited(
                f"每个账号每天最多 {self.taken_per_day:,} 次查到证件号已在其他工会入会，"
                "已达上限，请核对名单后再导入",
                reason="IMPORT_PROBE_RATE",
                retry_after=math.ceil(taken.wait(now, self.taken_per_day)),
            )

    def charge(self, account_id: str, *, certificates: int, taken: int) -> None:
        now = self._now()
        if certificates:
            self._checked.setdefault(account_id, _Window(HOUR)).spent.append((now, certificates))
        if taken:
            self._taken.setdefault(account_id, _Window(DAY)).spent.append((now, taken))


def import_budget(request: Request) -> ImportBudget:
    """The API process's budget (made on first use from the settings)."""
    state = request.app.state
    budget: ImportBudget | None = getattr(state, "import_budget", None)
    if budget is None:
        settings = state.runtime.settings
        budget = ImportBudget(
            certificates_per_hour=settings.import_certificates_per_hour,
            taken_per_day=settings.import_taken_per_day,
        )
        state.import_budget = budget
    return budget


class PricedImports(ScopedImports):
    """Scoped imports that count the certificates checked and the "taken elsewhere" answers,
    which say only that the certificate is taken."""

    certificates_checked = 0
    taken_elsewhere = 0

    async def plan_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo
    ) -> MemberPlan:
        plan = await super().plan_members(rows, batch=batch)
        self.certificates_checked += len(rows)
        issues = plan.outcome.issues
        for i, issue in enumerate(issues):
            if issue.code == TAKEN:
                self.taken_elsewhere += 1
                issues[i] = replace(issue, message=TAKEN_MESSAGE, other_union=None)
        return plan

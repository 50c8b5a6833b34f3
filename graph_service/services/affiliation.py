"""Affiliation changes (隶属关系变更, 企业转移): create, move and dissolve unions, upsert and
transfer employers.

Each change is checked with reads first (precise errors), then written in ONE statement that
re-checks its guards, records an ``AffiliationChange`` and shifts the rollups. A statement that
returns no row wrote nothing: the rules are read again to say why, or the change is retried when
it only lost a race and is still allowed. A move (the hot path of a reorganisation) is written
first: its statement checks every move rule itself, so an allowed move is one round trip, and the
rules are read only when it wrote nothing."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from graph_service.domain.changes import AffiliationChange, MoveEffect, move_effect
from graph_service.domain.codes import UnionLevel, UnionStatus
from graph_service.domain.commands import CreateUnion, UpsertEmployer
from graph_service.domain.levels import check_parent
from graph_service.domain.models import Employer, Union
from graph_service.domain.stats import ROLLUP_KEYS, UNCOVERED_THRESHOLD, rollup_vector
from graph_service.domain.validation import make_temporary_code, parse_date, validate_org_code
from graph_service.errors import BadUserInput, Conflict, NotFound
from graph_service.repositories.affiliation import AffiliationRepository, ChainRow
from graph_service.services.stats import StatsService
from graph_service.services.tree import TreeService, check_union_id
from graph_service.store import GraphStore

Clock = Callable[[], datetime]
WIDTH = len(ROLLUP_KEYS)
ATTEMPTS = 5
DISSOLVED = UnionStatus.DISSOLVED.value
RANKS = {level.value: level.rank for level in UnionLevel}
"""Level code -> rank: a parent ranks below its child (``domain.levels.can_hang_under``)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def own_counters(level: str, status: str) -> Counter[str]:
    """What a union counts for itself in the rollups (nothing once dissolved)."""
    if status == DISSOLVED:
        return Counter()
    out = Counter({"unions": 1, f"level:{level}": 1})
    if level == UnionLevel.GRASSROOTS.value:
        out["grassroots"] += 1
    return out


def employer_counters(employee_count: int, nature: str | None) -> Counter[str]:
    """What a covered employer counts in its union's rollups."""
    return Counter({"employers": 1, "employees": employee_count, f"nature:{nature}": 1})


def _negate(vector: Sequence[int]) -> list[int]:
    return [-v for v in vector]


def _too_busy() -> Conflict:
    return Conflict(
        "数据正被同时修改，请稍后重试", reason="CONCURRENT_CHANGE", details={"attempts": ATTEMPTS}
    )


class AffiliationService:
    """隶属关系变更: the tree changes shape; history and rollups follow in the same write."""

    def __init__(
        self,
        store: GraphStore,
        tree: TreeService,
        stats: StatsService,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._repo = AffiliationRepository(store)
        self._tree = tree
        self._stats = stats
        self._clock = clock or _utc_now

    # ------------------------------------------------------------------ helpers

    def _stamp(self) -> tuple[date, str]:
        now = self._clock().astimezone(UTC)
        return now.date(), now.isoformat(timespec="milliseconds")

    def _day(self, value: object, field: str, today: date) -> date:
        if value is None or (isinstance(value, str) and not value.strip()):
            return today
        return parse_date(value, field, not_future=True, today=today)

    async def _chain(
        self, union_id: str, *, field: str, reason: str, message: str
    ) -> list[ChainRow]:
        chain = await self._repo.chain(union_id)
        if not chain:
            raise NotFound(message, reason=reason, field=field)
        return chain

    @staticmethod
    def _check_alive(chain: Sequence[ChainRow], field: str) -> None:
        dead = [row for row in chain if row.status == DISSOLVED]
        if dead:
            which = "该工会" if dead[0].distance == 0 else "其上级工会"
            raise Conflict(
                f"目标工会不可用：{which}已撤销",
                reason="TARGET_DISSOLVED",
                field=field,
                details={"dissolvedUnionId": dead[0].id},
            )

    @staticmethod
    def _since_check(day: date, since: str) -> None:
        if day.isoformat() < since:
            raise BadUserInput(
                f"生效日期不能早于现有隶属关系的起始日期（{since}）",
                reason="EFFECTIVE_BEFORE_SINCE",
                field="effectiveOn",
                details={"since": since},
            )

    # ------------------------------------------------------------------ unions

    async def create_union(self, *, command: CreateUnion, actor: str) -> Union:
        """Create a union under its parent (NATIONAL: none); a temporary code when no id."""
        new = command.validated()
        today, stamp = self._stamp()
        if new.status is UnionStatus.DISSOLVED:
            raise BadUserInput("新建工会的状态只能是正常或筹备", reason="STATUS", field="status")
        since = self._day(command.effective_on or new.founded_on, "effectiveOn", today)
        region = new.region_code
        if new.parent_id is not None:
            chain = await self._chain(
                new.parent_id, field="parentId", reason="PARENT_NOT_FOUND", message="未找到上级工会"
            )
            check_parent(chain[0].level, new.level)
            self._check_alive(chain, "parentId")
            if region is None:
                parent = (await self._tree.get_unions([new.parent_id])).get(new.parent_id)
                region = parent.region_code if parent else None
        if new.id is not None and (await self._tree.get_unions([new.id])):
            raise Conflict("该代码的工会已存在", reason="DUPLICATE_ID", field="id")
        if new.id is None and region is None:
            raise BadUserInput(
                "没有统一社会信用代码时须填写行政区划，以便临时赋码",
                reason="REQUIRED",
                field="regionCode",
            )
        dumped = new.model_dump(by_alias=True, mode="json", exclude={"id", "parent_id"})
        props = {k: v for k, v in dumped.items() if v is not None}
        rollup = rollup_vector(own_counters(new.level.value, new.status.value))
        for _ in range(ATTEMPTS):
            uid = new.id or make_temporary_code(str(region), secrets.randbelow(10**10))
            params: dict[str, object] = {
                "id": uid,
                "props": props,
                "rollup": rollup,
                "recordedAt": stamp,
            }
            if new.parent_id is None:
                if await self._repo.create_root(params):
                    return await self._tree.get_union(uid)
            else:
                params |= {
                    "parentId": new.parent_id,
                    "width": WIDTH,
                    "since": since.isoformat(),
                    "changeId": uuid.uuid4().hex,
                    "reason": command.reason,
                    "recordedBy": actor,
                }
                if await self._repo.create_union(params):
                    return await self._tree.get_union(uid)
                chain = await self._chain(
                    new.parent_id,
                    field="parentId",
                    reason="PARENT_NOT_FOUND",
                    message="未找到上级工会",
                )
                self._check_alive(chain, "parentId")
            if new.id is not None:
                raise Conflict("该代码的工会已存在", reason="DUPLICATE_ID", field="id")
        raise _too_busy()

    async def move_union(
        self,
        *,
        union_id: str,
        new_parent_id: str,
        actor: str,
        effective_on: date | str | None = None,
        reason: str | None = None,
        dry_run: bool = False,
    ) -> AffiliationChange:
        """Move a union and its subtree under another parent (dry run: only say what it does)."""
        uid = check_union_id(union_id, "unionId")
        pid = check_union_id(new_parent_id, "newParentId")
        today, stamp = self._stamp()
        day = self._day(effective_on, "effectiveOn", today)
        if dry_run:
            current_parent, effect = await self._plan_move(uid, pid, day, full=True)
            return self._move_change(
                uuid.uuid4().hex, uid, pid, current_parent, day, reason, stamp, actor, effect,
                dry_run=True,
            )  # fmt: skip
        params: dict[str, object] = {
            "unionId": uid,
            "newParentId": pid,
            "effectiveOn": day.isoformat(),
            "ranks": RANKS,
            "width": WIDTH,
            "reason": reason,
            "recordedAt": stamp,
            "recordedBy": actor,
        }
        for _ in range(ATTEMPTS):
            # Write first: the statement checks every rule itself, so a move that is allowed
            # (the usual case) costs one round trip. When it wrote nothing, the rules are read
            # to say which one failed; none failing means a race: try again.
            params["changeId"] = uuid.uuid4().hex
            result = await self._repo.move_union(params)
            if result is None:
                await self._plan_move(uid, pid, day, full=False)
                continue
            effect = move_effect(result.old_chain, result.new_chain, result.moved)
            return self._move_change(
                str(params["changeId"]), uid, pid, result.from_union_id, day, reason, stamp,
                actor, effect, dry_run=False,
            )  # fmt: skip
        raise _too_busy()

    @staticmethod
    def _move_change(
        change_id: str,
        uid: str,
        pid: str,
        from_union_id: str,
        day: date,
        reason: str | None,
        stamp: str,
        actor: str,
        effect: MoveEffect | None,
        *,
        dry_run: bool,
    ) -> AffiliationChange:
        """A union's move as recorded (or, as a dry run, only planned)."""
        return AffiliationChange(
            id=change_id,
            subjectId=uid,
            subjectType="UNION",
            fromUnionId=from_union_id,
            toUnionId=pid,
            effectiveOn=day,
            reason=reason,
            recordedAt=stamp,
            recordedBy=actor,
            dryRun=dry_run,
            effect=effect,
        )

    async def _plan_move(
        self, uid: str, pid: str, day: date, *, full: bool
    ) -> tuple[str, MoveEffect | None]:
        """Check the rules on both chains (one read), raising the first that fails. Names,
        rollups and the effect only when ``full`` (a dry run): a real move takes its effect
        from what its write read."""
        chains = await self._repo.chains([uid, pid], full=full)
        own, target = chains.get(uid), chains.get(pid)
        if not own:
            raise NotFound("未找到该工会", reason="UNION_NOT_FOUND", field="unionId")
        if not target:
            raise NotFound("未找到目标上级工会", reason="PARENT_NOT_FOUND", field="newParentId")
        me = own[0]
        if len(own) == 1:
            if me.level == UnionLevel.NATIONAL.value:
                raise Conflict(
                    "全国总工会是工会树的根，不能变更隶属关系",
                    reason="ROOT_IMMOVABLE",
                    field="unionId",
                )
            raise Conflict(
                "该工会当前没有上级工会，不能变更隶属关系",
                reason="NO_CURRENT_PARENT",
                field="unionId",
            )
        if me.status == DISSOLVED:
            raise Conflict(
                "该工会已撤销，不能变更隶属关系", reason="UNION_DISSOLVED", field="unionId"
            )
        parent = own[1]
        if pid == parent.id:
            raise Conflict("该工会已隶属于目标上级工会", reason="SAME_PARENT", field="newParentId")
        if pid == uid or any(row.id == uid for row in target):
            raise Conflict(
                "不能把工会调整到其自身或其下级工会之下（会形成循环）",
                reason="CYCLE",
                field="newParentId",
            )
        try:
            check_parent(target[0].level, me.level)
        except Conflict as exc:
            exc.field = "newParentId"
            raise
        self._check_alive(target, "newParentId")
        if me.since is not None:
            self._since_check(day, me.since)
        old_nodes = [row.node() for row in own[1:]]
        new_nodes = [row.node() for row in target]
        effect = move_effect(old_nodes, new_nodes, me.rollup) if full else None
        return parent.id, effect

    async def dissolve_union(
        self,
        *,
        union_id: str,
        actor: str,
        effective_on: date | str | None = None,
        reason: str | None = None,
    ) -> Union:
        """撤销: the union stays in the tree as history and stops counting in the rollups."""
        uid = check_union_id(union_id, "unionId")
        today, stamp = self._stamp()
        day = self._day(effective_on, "effectiveOn", today)
        for _ in range(ATTEMPTS):
            own = await self._chain(
                uid, field="unionId", reason="UNION_NOT_FOUND", message="未找到该工会"
            )
            me = own[0]
            if me.status == DISSOLVED:
                raise Conflict("该工会已撤销", reason="ALREADY_DISSOLVED", field="unionId")
            children, members = await self._repo.dependants(uid)
            if children or members:
                raise Conflict(
                    f"该工会下仍有{children}个未撤销的下级工会、{members}名在册会员，不能撤销",
                    reason="HAS_CHILDREN" if children else "HAS_MEMBERS",
                    field="unionId",
                    details={"children": children, "members": members},
                )
            delta = _negate(rollup_vector(own_counters(me.level, me.status)))
            applied = await self._repo.dissolve_union(
                {
                    "unionId": uid,
                    "delta": delta,
                    "width": WIDTH,
                    "effectiveOn": day.isoformat(),
                    "reason": reason,
                    "recordedAt": stamp,
                    "recordedBy": actor,
                }
            )
            if applied:
                return await self._tree.get_union(uid, field="unionId")
        raise _too_busy()

    # ------------------------------------------------------------------ employers

    async def _area_owner(self, region: str | None) -> str | None:
        if not region or len(region) != 6:
            return None
        codes = [region, region[:4] + "00", region[:2] + "0000"]
        found = await self._repo.area_unions(codes)
        return next((found[c] for c in codes if c in found), None)

    async def area_owners(self, regions: Sequence[str]) -> dict[str, str]:
        """Region code -> the 地方总工会 an uncovered employer of that region is attributed to
        (the region's own, else its city's, else its province's); regions without one absent."""
        wanted = sorted({r for r in regions if r and len(r) == 6})
        areas = {r: (r, r[:4] + "00", r[:2] + "0000") for r in wanted}
        codes = sorted({c for chain in areas.values() for c in chain})
        found = await self._repo.area_unions(codes) if codes else {}
        out: dict[str, str] = {}
        for region, chain in areas.items():
            owner = next((found[c] for c in chain if c in found), None)
            if owner is not None:
                out[region] = owner
        return out

    async def _contribution(
        self, count: int, nature: str | None, region: str | None, union_id: str | None
    ) -> list[tuple[str, list[int]]]:
        """Where an employer in this state counts, and what it adds there."""
        if union_id is not None:
            return [(union_id, rollup_vector(employer_counters(count, nature)))]
        if count >= UNCOVERED_THRESHOLD:
            owner = await self._area_owner(region)
            if owner is not None:
                return [(owner, rollup_vector(Counter({"noUnion": 1})))]
        return []

    async def upsert_employer(self, *, command: UpsertEmployer, actor: str) -> Employer:
        """Create or update an employer; a first ``unionId`` opens its coverage. Rollups follow."""
        new = command.validated()
        given = set(new.model_fields_set)
        today, stamp = self._stamp()
        since = self._day(command.effective_on, "effectiveOn", today)
        if new.id is None and new.region_code is None:
            raise BadUserInput(
                "没有统一社会信用代码时须填写行政区划，以便临时赋码",
                reason="REQUIRED",
                field="regionCode",
            )
        eid = new.id or make_temporary_code(str(new.region_code), secrets.randbelow(10**10))
        if new.union_id is not None:
            chain = await self._chain(
                new.union_id, field="unionId", reason="UNION_NOT_FOUND", message="未找到该工会"
            )
            self._check_alive(chain, "unionId")
        dumped = new.model_dump(
            by_alias=True, mode="json", include=given - {"id", "union_id"} | {"name"}
        )
        for _ in range(ATTEMPTS):
            existing = (await self._tree.get_employers([eid])).get(eid)
            props = {k: v for k, v in dumped.items() if v is not None}
            cover = new.union_id
            if existing is None:
                props.setdefault("employeeCount", 0)
                before: list[tuple[str, list[int]]] = []
                old_union = None
            else:
                old_union = existing.union_id
                if old_union is not None and cover is not None and cover != old_union:
                    raise Conflict(
                        "该单位已由其他工会覆盖，变更请使用单位转移（transferEmployer）",
                        reason="ALREADY_COVERED",
                        field="unionId",
                        details={"unionId": old_union},
                    )
                if cover == old_union:
                    cover = None
                before = await self._contribution(
                    existing.employee_count, existing.nature, existing.region_code, old_union
                )
            count = int(props.get("employeeCount", existing.employee_count if existing else 0))
            nature = props.get("nature", existing.nature if existing else None)
            region = props.get("regionCode", existing.region_code if existing else None)
            after = await self._contribution(count, nature, region, old_union or cover)
            applied = await self._repo.upsert_employer(
                {
                    "id": eid,
                    "props": props,
                    "isNew": existing is None,
                    "expected": {
                        "employeeCount": existing.employee_count if existing else 0,
                        "nature": (existing.nature if existing else None) or "",
                        "regionCode": (existing.region_code if existing else None) or "",
                        "unionId": old_union or "",
                    },
                    "coverUnionId": cover,
                    "since": since.isoformat(),
                    "changeId": uuid.uuid4().hex,
                    "reason": command.reason,
                    "recordedAt": stamp,
                    "recordedBy": actor,
                    "shifts": _shifts([(u, _negate(v)) for u, v in before] + after),
                    "width": WIDTH,
                }
            )
            if applied:
                return await self._tree.get_employer(eid)
            if new.union_id is not None:
                chain = await self._chain(
                    new.union_id, field="unionId", reason="UNION_NOT_FOUND", message="未找到该工会"
                )
                self._check_alive(chain, "unionId")
        raise _too_busy()

    async def transfer_employer(
        self,
        *,
        employer_id: str,
        to_union_id: str,
        actor: str,
        effective_on: date | str | None = None,
        reason: str | None = None,
        dry_run: bool = False,
    ) -> AffiliationChange:
        """企业转移: another union covers the employer from ``effective_on``; members stay put."""
        eid = validate_org_code(str(employer_id).strip(), field="employerId")
        tid = check_union_id(to_union_id, "toUnionId")
        today, stamp = self._stamp()
        day = self._day(effective_on, "effectiveOn", today)
        for _ in range(ATTEMPTS):
            employer = (await self._tree.get_employers([eid])).get(eid)
            if employer is None:
                raise NotFound("未找到该单位", reason="EMPLOYER_NOT_FOUND", field="employerId")
            target = await self._chain(
                tid, field="toUnionId", reason="UNION_NOT_FOUND", message="未找到目标工会"
            )
            edge = await self._repo.coverage_edge(eid)
            if edge is None:
                raise Conflict(
                    "该单位目前没有工会覆盖，请用 upsertEmployer 指定所属工会",
                    reason="NOT_COVERED",
                    field="employerId",
                )
            if edge.other_id == tid:
                raise Conflict("该单位已由目标工会覆盖", reason="SAME_UNION", field="toUnionId")
            self._check_alive(target, "toUnionId")
            self._since_check(day, edge.since)
            vector = rollup_vector(employer_counters(employer.employee_count, employer.nature))
            old_nodes = [row.node() for row in await self._repo.chain(edge.other_id)]
            effect = move_effect(old_nodes, [row.node() for row in target], vector)
            change = AffiliationChange(
                id=uuid.uuid4().hex,
                subjectId=eid,
                subjectType="EMPLOYER",
                fromUnionId=edge.other_id,
                toUnionId=tid,
                effectiveOn=day,
                reason=reason,
                recordedAt=stamp,
                recordedBy=actor,
                dryRun=dry_run,
                effect=effect,
            )
            if dry_run:
                return change
            applied = await self._repo.transfer_employer(
                {
                    "employerId": eid,
                    "toUnionId": tid,
                    "expectedUnionId": edge.other_id,
                    "expectedCount": employer.employee_count,
                    "expectedNature": employer.nature or "",
                    "effectiveOn": day.isoformat(),
                    "changeId": change.id,
                    "reason": reason,
                    "recordedAt": stamp,
                    "recordedBy": actor,
                    "shifts": _shifts([(edge.other_id, _negate(vector)), (tid, vector)]),
                    "width": WIDTH,
                }
            )
            if applied:
                return change
        raise _too_busy()

    # ------------------------------------------------------------------ history

    async def history(self, union_id: str) -> list[AffiliationChange]:
        """A union's affiliation changes and employer transfers to or from it, oldest first."""
        union = await self._tree.get_union(union_id, field="unionId")
        return await self._repo.history(union.id)


def _shifts(items: Sequence[tuple[str, list[int]]]) -> list[dict[str, object]]:
    """Deltas per union (merged), without all-zero ones."""
    merged: dict[str, list[int]] = {}
    for union_id, delta in items:
        acc = merged.setdefault(union_id, [0] * WIDTH)
        for i, value in enumerate(delta):
            acc[i] += value
    return [{"unionId": u, "delta": d} for u, d in merged.items() if any(d)]

"""Anomalies of the register (空挂会员, detached unions, 应建未建) and the pure rules behind them.

Nothing here touches the graph: the service feeds these functions rows of the scan
statements under ``cypher/anomaly/`` and the union skeleton (every union with its parent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from graph_service.domain.models import Employer, Member, Union
from graph_service.domain.stats import UnionNode


class OrphanReason(StrEnum):
    """Why a member is an orphan (CONTRACT order, which is also the listing order)."""

    NO_UNION = "NO_UNION"
    UNION_DISSOLVED = "UNION_DISSOLVED"
    UNION_DETACHED = "UNION_DETACHED"
    NO_EMPLOYER = "NO_EMPLOYER"
    EMPLOYER_NOT_COVERED = "EMPLOYER_NOT_COVERED"
    DUPLICATE_ID = "DUPLICATE_ID"

    @property
    def rank(self) -> int:
        """Position in the listing order."""
        return _REASON_RANK[self]


_REASON_RANK = {reason: i for i, reason in enumerate(OrphanReason)}


class DetachReason(StrEnum):
    """Why a union has no current path up to the national root."""

    NO_PARENT = "NO_PARENT"  # not the national root, and no current AFFILIATED_TO edge
    ANCESTOR_DETACHED = "ANCESTOR_DETACHED"  # its chain ends at a union without a parent
    CYCLE = "CYCLE"  # its chain loops (a corrupted tree)


@dataclass(frozen=True, slots=True)
class OrphanRow:
    """One (member, reason) found by a scan, with the ids the scope and detail need."""

    member_id: str
    reason: OrphanReason
    union_ids: tuple[str, ...] = ()
    employer_id: str | None = None
    employer_region: str | None = None

    @property
    def key(self) -> tuple[int, str]:
        """Sort key: (reason order, member id)."""
        return (self.reason.rank, self.member_id)


@dataclass(frozen=True)
class OrphanMember:
    """A member listed as an orphan for one reason, with a Chinese explanation."""

    member: Member
    reason: OrphanReason
    detail: str | None


@dataclass(frozen=True)
class Detachment:
    """Where a union's chain stops short of the national root."""

    union_id: str
    reason: DetachReason
    top_id: str  # the highest union reached by following current parents


@dataclass(frozen=True)
class DetachedUnion:
    """A union with no current path to the national root."""

    union: Union
    reason: DetachReason
    top: Union | None
    detail: str


@dataclass(frozen=True)
class UncoveredEmployer:
    """An employer with enough employees and no union (应建未建)."""

    employer: Employer


def detachments(nodes: Iterable[UnionNode]) -> dict[str, Detachment]:
    """Every union whose chain of current parents does not reach a NATIONAL union."""
    parent: dict[str, str | None] = {}
    level: dict[str, str] = {}
    for n in nodes:
        parent.setdefault(n.id, n.parent_id)
        level[n.id] = n.level
    verdict: dict[str, Detachment | None] = {}
    for start in parent:
        chain: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        outcome: Detachment | None = None
        while True:
            if node in verdict:
                known = verdict[node]
                outcome = None if known is None else _inherit(known, node)
                break
            if node is None or node not in parent:  # parent id of an unknown union
                outcome = Detachment(start, DetachReason.NO_PARENT, chain[-1])
                break
            if node in seen:
                outcome = Detachment(start, DetachReason.CYCLE, node)
                break
            seen.add(node)
            chain.append(node)
            if parent[node] is None:
                root = level[node] == "NATIONAL"
                outcome = None if root else Detachment(node, DetachReason.NO_PARENT, node)
                break
            node = parent[node]
        for member in chain:
            if outcome is None:
                verdict[member] = None
            elif outcome.reason is DetachReason.CYCLE:
                verdict[member] = Detachment(member, DetachReason.CYCLE, outcome.top_id)
            else:
                verdict[member] = _inherit(outcome, member)
    return {uid: d for uid, d in verdict.items() if d is not None}


def _inherit(above: Detachment, union_id: str) -> Detachment:
    if above.reason is DetachReason.CYCLE:
        return Detachment(union_id, DetachReason.CYCLE, above.top_id)
    reason = DetachReason.NO_PARENT if union_id == above.top_id else DetachReason.ANCESTOR_DETACHED
    return Detachment(union_id, reason, above.top_id)


_LOCAL_LEVELS = {"PROVINCE": 2, "CITY": 4, "COUNTY": 6}


def area_prefix(node: UnionNode) -> str | None:
    """The region-code prefix a 地方总工会 answers for (province xx, city xxxx, county xxxxxx).

    The national root answers for everything (``""``); any other union has no area of its own.
    """
    if node.level == "NATIONAL":
        return ""
    digits = _LOCAL_LEVELS.get(node.level)
    if digits is None or node.kind != "地方总工会" or not node.region_code:
        return None
    return node.region_code[:digits]


def covered_by_federation(
    employer_id: str, union_id: str, subtree: set[str], coverage: Mapping[str, set[str]]
) -> bool:
    """The federation rule of EMPLOYER_NOT_COVERED.

    A FEDERATION-level union (区域性/行业性工会联合会) legitimately holds members whose employer
    has no union of its own ("先将其纳入所属区域或行业工会") and members of the units its
    grassroots unions cover; so the employer counts as covered when no union covers it or a
    union of the federation's subtree does. An employer covered only by a union elsewhere is
    still an anomaly.
    """
    covering = coverage.get(employer_id, set())
    return not covering or bool(covering & subtree) or union_id in covering


def local_area_owner(nodes: Iterable[UnionNode]) -> Callable[[str | None], str | None]:
    """Region code -> the 地方总工会 whose area holds it: county, else city, else province.

    The same attribution as the ``employersWithoutUnion`` statistic (``noUnion`` rollup).
    """
    local: dict[str, str] = {}
    for node in nodes:
        if node.level in _LOCAL_LEVELS and node.region_code and node.kind == "地方总工会":
            local.setdefault(node.region_code, node.id)

    def owner(region: str | None) -> str | None:
        if not region or len(region) != 6:
            return None
        for code in (region, region[:4] + "00", region[:2] + "0000"):
            if code in local:
                return local[code]
        return None

    return owner


def _name(items: Mapping[str, Union] | Mapping[str, Employer], key: str) -> str:
    item = items.get(key)
    return f"「{item.name}」" if item is not None else "（已不存在）"


def describe(
    row: OrphanRow,
    unions: Mapping[str, Union],
    employers: Mapping[str, Employer],
    detached: Mapping[str, Detachment],
    coverage: Mapping[str, set[str]],
) -> str:
    """A Chinese explanation of one orphan row (names only: no certificate number, no phone)."""
    union_names = "、".join(_name(unions, u) for u in row.union_ids)
    employer = _name(employers, row.employer_id) if row.employer_id else None
    match row.reason:
        case OrphanReason.NO_UNION:
            if employer is None:
                return "没有所属工会，也没有现任职单位"
            return f"没有所属工会；现任职单位{employer}"
        case OrphanReason.UNION_DISSOLVED:
            return f"所属工会{union_names}已撤销"
        case OrphanReason.UNION_DETACHED:
            tops = sorted({detached[u].top_id for u in row.union_ids if u in detached})
            where = "、".join(_name(unions, t) for t in tops)
            return f"所属工会{union_names}没有通往全国总工会的现行隶属关系（在{where}处中断）"
        case OrphanReason.NO_EMPLOYER:
            if not row.union_ids:
                return "没有现任职单位，也没有所属工会"
            return f"没有现任职单位；所属工会{union_names}"
        case OrphanReason.EMPLOYER_NOT_COVERED:
            others = sorted(coverage.get(row.employer_id or "", set()) - set(row.union_ids))
            text = f"现任职单位{employer}不在所属工会{union_names}的覆盖范围内"
            if others:
                text += "（该单位由" + "、".join(_name(unions, u) for u in others) + "覆盖）"
            else:
                text += "（该单位尚未建会）"
            return text
        case OrphanReason.DUPLICATE_ID:
            return f"同一证件同时在{len(row.union_ids)}个工会有效：{union_names}"
    return row.reason.value

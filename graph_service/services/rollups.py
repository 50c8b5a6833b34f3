"""Pure arithmetic of subtree rollups: direct tallies per union, summed up the tree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from graph_service.domain.stats import UnionNode, bucket

_LOCAL_LEVELS = ("COUNTY", "CITY", "PROVINCE")


def direct_tallies(
    unions: Iterable[UnionNode],
    member_rows: Iterable[Mapping[str, object]],
    employer_rows: Iterable[Mapping[str, object]],
    uncovered_rows: Iterable[Mapping[str, object]],
) -> dict[str, Counter[str]]:
    """Counters of each union on its own (not its subtree)."""
    nodes = list(unions)
    tallies: dict[str, Counter[str]] = {n.id: Counter() for n in nodes}
    for node in nodes:
        if node.status != "DISSOLVED":
            tally = tallies[node.id]
            tally["unions"] += 1
            tally[bucket(f"level:{node.level}")] += 1
            if node.level == "GRASSROOTS":
                tally["grassroots"] += 1
    for row in member_rows:
        tally = tallies.setdefault(str(row["id"]), Counter())
        n = int(row["n"])  # type: ignore[call-overload]
        tally["members"] += n
        tally[bucket(f"gender:{row['gender']}")] += n
        tally[bucket(f"household:{row['householdType']}")] += n
        if row["newFormWorker"]:
            tally["newForm"] += n
    for row in employer_rows:
        tally = tallies.setdefault(str(row["id"]), Counter())
        tally["employers"] += int(row["n"])  # type: ignore[call-overload]
        tally["employees"] += int(row["employees"] or 0)  # type: ignore[call-overload]
        tally[bucket(f"nature:{row['nature']}")] += int(row["n"])  # type: ignore[call-overload]
    local = _local_federations(nodes)
    for row in uncovered_rows:
        owner = _area_owner(local, str(row["regionCode"] or ""))
        if owner is not None:
            tallies[owner]["noUnion"] += int(row["n"])  # type: ignore[call-overload]
    return tallies


def _local_federations(nodes: list[UnionNode]) -> dict[str, str]:
    """Region code -> the 地方总工会 of that area (PROVINCE, CITY or COUNTY level)."""
    out: dict[str, str] = {}
    for node in nodes:
        if node.level in _LOCAL_LEVELS and node.region_code and node.kind == "地方总工会":
            current = out.get(node.region_code)
            if current is None or node.id < current:  # two in one area: the lowest id, always
                out[node.region_code] = node.id
    return out


def _area_owner(local: Mapping[str, str], region: str) -> str | None:
    """The local federation whose area holds ``region``: county, else city, else province."""
    if len(region) != 6:
        return None
    for code in (region, region[:4] + "00", region[:2] + "0000"):
        if code in local:
            return local[code]
    return None


def subtree_sums(
    unions: Iterable[UnionNode], direct: Mapping[str, Counter[str]]
) -> dict[str, Counter[str]]:
    """Each union's counters plus those of everything beneath it."""
    parent = {n.id: n.parent_id for n in unions}
    depth: dict[str, int] = {}
    for uid in parent:
        depth[uid] = _depth(uid, parent, depth)
    totals = {uid: Counter(direct.get(uid, Counter())) for uid in parent}
    for uid in sorted(parent, key=lambda u: depth[u], reverse=True):
        pid = parent[uid]
        if pid is not None and pid in totals:
            totals[pid].update(totals[uid])
    return totals


def _depth(uid: str, parent: Mapping[str, str | None], memo: dict[str, int]) -> int:
    chain: list[str] = []
    seen: set[str] = set()
    node: str | None = uid
    while node is not None and node not in memo:
        if node in seen:  # a cycle would be a corrupted tree: stop counting there
            break
        seen.add(node)
        chain.append(node)
        node = parent.get(node)
    base = memo.get(node, -1) if node is not None else -1
    for offset, member in enumerate(reversed(chain), start=1):
        memo[member] = base + offset
    return memo[uid]


def descendants(unions: Iterable[UnionNode], root: str) -> set[str]:
    """The ids of a subtree (the root included), from the parent links."""
    children: dict[str, list[str]] = {}
    for node in unions:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node.id)
    seen, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def ancestor_paths(unions: Iterable[UnionNode]) -> dict[str, list[str]]:
    """Each union's ancestor ids from the parent links, national root first, parent last."""
    parent = {node.id: node.parent_id for node in unions}
    out: dict[str, list[str]] = {}
    for uid in parent:
        chain: list[str] = []
        seen = {uid}
        up = parent.get(uid)
        while up is not None and up not in seen:
            if up in out:
                chain.extend(reversed([*out[up], up]))
                break
            chain.append(up)
            seen.add(up)
            up = parent.get(up)
        out[uid] = chain[::-1]
    return out

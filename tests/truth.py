"""Figures computed straight from the generator's rows, independent of the service's code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graph_service.demo.generator import DemoConfig, DemoProvince, generate


@dataclass
class Truth:
    """A generated province and the rows the tests compare against."""

    province: DemoProvince
    unions: dict[str, dict] = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, config: DemoConfig) -> Truth:
        province = generate(config)
        members = [m for batch in province.member_batches(5_000) for m in batch]
        return cls(province, {u["id"]: u for u in province.unions}, members)

    def root(self, level: str = "PROVINCE") -> str:
        return next(u["id"] for u in self.province.unions if u["level"] == level)

    def subtree(self, root: str) -> set[str]:
        children: dict[str, list[str]] = {}
        for u in self.province.unions:
            if u["parentId"]:
                children.setdefault(u["parentId"], []).append(u["id"])
        out, stack = {root}, [root]
        while stack:
            for c in children.get(stack.pop(), []):
                out.add(c)
                stack.append(c)
        return out

    def chain(self, union_id: str) -> list[str]:
        """Ancestors, national root first."""
        out = []
        parent = self.unions[union_id]["parentId"]
        while parent:
            out.append(parent)
            parent = self.unions[parent]["parentId"]
        return out[::-1]

    def stats(self, root: str, as_of: str | None = None) -> Counter[str]:
        ids = self.subtree(root)
        if as_of is not None:
            ids = {
                u
                for u in ids
                if all(
                    self.unions[a]["since"] <= as_of
                    for a in [u, *self.chain(u)]
                    if self.unions[a]["parentId"]
                )
            }
        c: Counter[str] = Counter()
        for uid in ids:
            u = self.unions[uid]
            if u["status"] != "DISSOLVED":
                c["unions"] += 1
                c["grassroots"] += u["level"] == "GRASSROOTS"
        for e in self.province.employers:
            if e["unionId"] in ids and (as_of is None or e["since"] <= as_of):
                c["employers"] += 1
                c["employees"] += e["employeeCount"]
        for m in self.members:
            if (
                m["unionId"] in ids
                and m["status"] != "LEFT"
                and (as_of is None or m["joinedOn"] <= as_of)
            ):
                c["members"] += 1
                c["newForm"] += bool(m["newFormWorker"])
                c[f"gender:{m['gender']}"] += 1
        return c

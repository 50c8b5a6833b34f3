"""Member rows against the register: one chunk classified in one read (new, unchanged by
fingerprint, updated, refused: unknown union or employer, a certificate active elsewhere), then
written in one statement with its rollup deltas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from graph_service.domain.levels import can_hold_members
from graph_service.repositories.imports import (
    CoveredEmployer,
    MemberSketch,
    StoredMember,
    StoredUnion,
)
from graph_service.services.imports.contract import (
    BatchInfo,
    MemberChunk,
    MemberPlan,
    Outcome,
    RowIssue,
)
from graph_service.services.imports.deltas import (
    ABSENT,
    SEP,
    Deltas,
    changed_props,
    fingerprint,
    given_names,
    member_tally,
)
from graph_service.services.imports.lookups import ImportServiceBase


class MemberImports(ImportServiceBase):
    """Members: plan a chunk (reads), then write it (one statement)."""

    # ------------------------------------------------------------ members

    async def import_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo, dry_run: bool
    ) -> Outcome:
        """Create, update or leave unchanged each member row; one write statement per call."""
        plan = await self.plan_members(rows, batch=batch)
        if not dry_run:
            await self.write_member_plan(plan)
        return plan.outcome

    async def plan_members(
        self, rows: Sequence[Mapping[str, object]], *, batch: BatchInfo
    ) -> MemberPlan:
        """Classify a chunk against the register (reads only): what its one write will do.

        Unions and employers are checked once per (union, employer) group of the chunk, not
        per row. Rows whose certificate the look-up did not find become positional CREATE
        rows, grouped so the write looks each union and employer up once; existing members
        are compared and only what changed is written.
        """
        out = Outcome()
        chunk = MemberChunk.of(rows)
        groups: dict[tuple[str, str | None, str | None], list[int]] = {}
        keyed = zip(chunk.union_ids, chunk.employer_ids, chunk.employer_names, strict=True)
        for i, key in enumerate(keyed):
            members = groups.get(key)
            if members is None:
                groups[key] = [i]
            else:
                members.append(i)
        # every look-up in one read (for every row; rows refused by the union or employer
        # checks just leave their answers unused): while a write runs, each read waits for
        # the graph's lock, and four reads per chunk left the writer idle. (Not four reads at
        # once: concurrent reads crashed the embedded FalkorDB during a 1M-row import.)
        names = given_names(chunk.rows)
        unions, by_id, covered, quick = await self._repo.member_chunk_context(
            chunk.union_ids,
            [str(k[1]) for k in groups if k[1]],
            [k[0] for k in groups if not k[1]],
            chunk.cert_keys,
            names,
            sep=SEP,
            absent=ABSENT,
        )
        resolved = self._resolve_groups(chunk, groups, unions, by_id, covered, out)
        kept = [i for members in resolved.values() for i in members]
        employer_of = {i: eid for (_, eid), members in resolved.items() for i in members}
        found, same = self._unchanged_members(chunk, kept, employer_of, quick, names)
        existing = await self._repo.members_by_cert(
            [chunk.cert_keys[i] for i in kept if chunk.cert_keys[i] in found and i not in same]
        )
        created: list[list[object]] = []
        group_rows: list[list[object]] = []
        counted = chunk.members_tally().copy()  # minus the rows not created, below
        keys, made, src_rows = chunk.cert_keys, chunk.rows, chunk.src_rows
        for (uid, eid), members in resolved.items():
            fresh = [i for i in members if keys[i] not in found] if found else members
            if fresh:
                group_rows.append([uid, eid, len(created), len(created) + len(fresh)])
                created.extend([made[i] for i in fresh])
        if len(created) < len(chunk):
            ids = {id(r) for r in created}
            for i, r in enumerate(made):
                if id(r) not in ids and (tally := chunk.tally_key(i)) is not None:
                    counted[tally] -= 1
        deltas = Deltas()
        deltas.add_members(counted)
        out.created += len(created)
        out.unchanged += len(same)
        updated: list[dict[str, object]] = []
        moved: list[list[object]] = []
        today = date.today().isoformat()
        for i in kept:
            old = existing.get(keys[i])
            if old is None:
                continue
            issue = self._member_conflict(src_rows[i], chunk.union_ids[i], old)
            if issue is not None:
                out.issues.append(issue)
                continue
            uid, eid = chunk.union_ids[i], employer_of[i]
            src = {"srcBatch": batch.id, "srcRow": src_rows[i]}
            new_props = chunk.props(i)
            old_props = dict(old.props)
            if old_props.get("status") == "TRANSFERRING":
                new_props.pop("status", None)  # a transfer under way keeps its state
            diff = changed_props(new_props, old_props)
            employer_moved = eid != old.employer_id
            if not diff and not employer_moved:
                out.unchanged += 1
                continue
            if diff:
                updated.append({"certKey": keys[i], "props": diff | src})
                deltas.add(uid, member_tally(old_props), -1)
                deltas.add(uid, member_tally(old_props | diff))
            if employer_moved:
                moved.append([keys[i], eid, today, src_rows[i]])
            out.updated += 1
        params: dict[str, object] | None = None
        if created or updated or moved:
            params = {
                "groups": group_rows,
                "created": created,
                "updated": updated,
                "moved": moved,
                "deltas": deltas.params(),
                "batchId": batch.id,
                "today": today,
            }
        return MemberPlan(out, params)

    @staticmethod
    def _unchanged_members(
        chunk: MemberChunk,
        kept: Sequence[int],
        employer_of: Mapping[int, str | None],
        quick: Mapping[str, MemberSketch],
        names: Sequence[str],
    ) -> tuple[set[str], set[int]]:
        """(certificates of ``kept`` rows already registered, rows that change nothing).

        A row changes nothing when the member is current in the row's union, employed by the
        row's employer and every property the row gives has the same text: decided from one
        fingerprint string per member (``quick``: ``import/get_member_chunk_context`` of
        ``names``), so an idempotent rerun never parses property maps. Anything else takes the
        full look-up (``members_by_cert``) and the exact comparison.
        """
        found: set[str] = set()
        same: set[int] = set()
        if not quick:
            return found, same
        for i in kept:
            key = chunk.cert_keys[i]
            old = quick.get(key)
            if old is None:
                continue
            found.add(key)
            if (
                old.union_id == chunk.union_ids[i]
                and old.employer_id == (employer_of[i] or None)
                and old.fp == fingerprint(chunk.props(i), names)
            ):
                same.add(i)
        return found, same

    async def write_member_plan(self, plan: MemberPlan) -> None:
        """Run a planned chunk's one write statement (nothing when the chunk changes nothing)."""
        if plan.params is not None:
            await self._repo.write_members(plan.params)

    def _resolve_groups(
        self,
        chunk: MemberChunk,
        groups: Mapping[tuple[str, str | None, str | None], list[int]],
        unions: Mapping[str, StoredUnion],
        by_id: Mapping[str, str | None],
        covered_rows: Sequence[CoveredEmployer],
        out: Outcome,
    ) -> dict[tuple[str, str | None], list[int]]:
        """Rows by (union, employer id) after the union and employer checks, done once per
        group; refused rows become issues. ``employerId`` comes from an id (it must be covered
        by the union), a 所属单位 name among the union's employers, or the union's only one."""
        union_issue = {uid: self._union_issue(unions.get(uid)) for uid in {k[0] for k in groups}}
        names: dict[str, dict[str, str]] = {}
        for r in covered_rows:
            names.setdefault(r.union_id, {})[r.name] = r.id
        resolved: dict[tuple[str, str | None], list[int]] = {}
        for (uid, eid, ename), members in groups.items():
            issue = union_issue[uid]
            if issue is None:
                covered = names.get(uid, {})
                if eid:
                    if eid not in by_id:
                        issue = ("employerId", "EMPLOYER_NOT_FOUND", "单位不存在")
                    elif by_id[eid] != uid:
                        msg = "该单位不在所属工会的覆盖范围内"
                        issue = ("employerId", "EMPLOYER_NOT_COVERED", msg)
                elif ename:
                    eid = covered.get(ename)
                    if eid is None:
                        msg = f"所属单位「{ename}」不是该工会覆盖的单位，请先导入单位信息（附件1）"
                        issue = ("employerName", "EMPLOYER_NOT_FOUND", msg)
                elif len(covered) == 1:
                    eid = next(iter(covered.values()))
            if issue is not None:
                field_, code, message = issue
                out.issues.extend(
                    RowIssue(chunk.src_rows[i], field_, code, message) for i in members
                )
                continue
            resolved.setdefault((uid, eid or None), []).extend(members)
        return resolved

    @staticmethod
    def _union_issue(union: StoredUnion | None) -> tuple[str, str, str] | None:
        """Why a roster row cannot name this union (None: it can hold members)."""
        if union is None:
            return ("unionId", "UNION_NOT_FOUND", "所属工会不存在")
        props = union.props
        if props.get("status") == "DISSOLVED":
            return ("unionId", "UNION_DISSOLVED", f"所属工会「{props.get('name')}」已撤销")
        if not can_hold_members(str(props.get("level"))):
            msg = f"「{props.get('name')}」不是基层工会或工会联合会，不能直接登记会员"
            return ("unionId", "UNION_LEVEL", msg)
        return None

    @staticmethod
    def _member_conflict(n: int, union_id: str, old: StoredMember) -> RowIssue | None:
        if old.union_id is None:
            msg = (
                "该证件号已有会员记录，但当前不在任何工会（已离会或待处理），"
                "请通过入会或会籍接转办理"
            )
            return RowIssue(n, "certNumber", "MEMBER_NOT_CURRENT", msg, conflict=True)
        if old.union_id != union_id:
            msg = (
                f"该证件号已是「{old.union_name}」（{old.union_id}）的在册会员，"
                "一证一会员，不能重复入会；如需转会请办理会籍接转"
            )
            return RowIssue(
                n,
                "certNumber",
                "MEMBER_ACTIVE_ELSEWHERE",
                msg,
                conflict=True,
                other_union=old.union_id,
            )
        return None

    # ------------------------------------------------------------ unions and employers

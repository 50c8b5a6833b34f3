"""Bulk import, the graph side: classify validated rows against the register, write each batch
as ONE statement (nodes, edges and rollup deltas), and record the ImportBatch.

Rows arrive validated by ``loaders``. Here they are checked against the graph: unknown unions
or employers, a certificate already active in another union (CONFLICT, never a silent move), a
union already hanging elsewhere. Each surviving row is created, updated (only what changed) or
counted unchanged, so the same file twice writes nothing the second time and a rerun after a
crash completes without duplicates.

One module per job, each read in one sitting:

- ``contract``: what crosses the loader↔service boundary (``MemberChunk``, ``Outcome``, ...);
- ``deltas``: fingerprints, rollup tallies and deltas of a chunk;
- ``lookups``: the ImportBatch record and the target union's look-ups;
- ``members``: member chunks planned (reads) and written (one statement);
- ``units``: unions and employers, parents first;
- ``tree_load``: ``bootstrap`` and the reads of ``export``.
"""

from __future__ import annotations

from graph_service.services.imports.contract import (
    CREATED_COLUMNS,
    MEMBER_FIELDS,
    BatchInfo,
    BootstrapOutcome,
    EmployerRecord,
    MemberChunk,
    MemberPlan,
    Outcome,
    RowIssue,
    UnionRecord,
    UnitRow,
    new_batch_id,
    new_member_id,
)
from graph_service.services.imports.deltas import fingerprint
from graph_service.services.imports.members import MemberImports
from graph_service.services.imports.tree_load import TreeLoads
from graph_service.services.imports.units import temporary_union_id

__all__ = [
    "CREATED_COLUMNS",
    "MEMBER_FIELDS",
    "BatchInfo",
    "BootstrapOutcome",
    "EmployerRecord",
    "ImportService",
    "MemberChunk",
    "MemberPlan",
    "Outcome",
    "RowIssue",
    "UnionRecord",
    "UnitRow",
    "fingerprint",
    "new_batch_id",
    "new_member_id",
    "temporary_union_id",
]


class ImportService(MemberImports, TreeLoads):
    """Writes validated import rows into the register, batch by batch: members
    (``plan_members``/``write_member_plan``), unions and employers (``import_units``),
    ``bootstrap`` and the reads of ``export``."""

"""Every benchmark in sequence on one generated province (``make bench``), the engine
benches on both engines, then the ratio FalkorDB/Neo4j of each figure measured on both.

python -m bench.run_all [--members 1000000] [--engines falkordb neo4j]

The same seed and size give the same province on both engines: bench_foundation loads it
into an empty graph (the load rate), the later benches of that engine reuse it.
Each bench writes its own timestamped result file (bench/results/NAME_ENGINE_TIME.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ENGINES, RESULTS

# (result file prefix, path to a figure in it) compared across engines
COMPARED = [
    ("foundation", ("demo_load", "members_per_s")),
    ("orphans", ("full_scan", "p95_ms")),
    ("stats", ("stats_at_engine", "p95_ms")),
    ("stats", ("stats_over_http", "p95_ms")),
    ("changes", ("subtree_move", "p95_ms")),
    ("changes", ("transfer_path", "p95_ms")),
]


def _newest(prefix: str, engine: str, since: float) -> dict[str, object] | None:
    files = [
        p
        for p in RESULTS.glob(f"{prefix}_*{engine}_*.json")
        if p.stat().st_mtime >= since and f"_{engine}_" in p.name
    ]
    if not files:
        return None
    return json.loads(max(files, key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def ratios(since: float) -> list[str]:
    """One line per figure measured on both engines in this run: FalkorDB / Neo4j."""
    lines = []
    for prefix, (section, key) in COMPARED:
        got = [_newest(prefix, engine, since) for engine in ("falkordb", "neo4j")]
        if None in got:
            continue
        a, b = (float(r[section][key]) for r in got)  # type: ignore[index]
        lines.append(
            f"{prefix}.{section}.{key}: FalkorDB {a:.2f}, Neo4j {b:.2f}, "
            f"ratio FalkorDB/Neo4j {a / b:.2f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    args = parser.parse_args()
    began = time.time()
    n = str(args.members)
    for engine in args.engines:
        data = tempfile.mkdtemp(prefix=f"union-tree-bench-{engine}-")
        common = ["--data-dir", data, "--engine", engine]
        steps = [
            ["bench.bench_foundation", "--members", n, "--keep", *common],
            ["bench.bench_stats", "--members", n, *common],
            ["bench.bench_changes", "--members", n, *common],
            ["bench.bench_orphans", *common],
        ]
        if engine == "falkordb":  # the import bench measures the embedded engine itself
            steps.append(["bench.bench_import"])
        env = os.environ | {"UNION_TREE_DATA_DIR": data}
        try:
            for step in steps:
                subprocess.run([sys.executable, "-m", *step], check=True, env=env)
        finally:
            if engine == "neo4j":
                from tests import neo4j_local

                neo4j_local.stop(Path(data) / "neo4j")
    for line in ratios(began):
        print(line)


if __name__ == "__main__":
    main()

"""Every benchmark in sequence on one generated province (``make bench``).

python -m bench.run_all [--members 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="union-tree-bench-")
    n = str(args.members)
    steps = [
        ["bench.bench_foundation", "--members", n, "--data-dir", data, "--keep"],
        ["bench.bench_stats", "--members", n, "--data-dir", data],
        ["bench.bench_changes", "--members", n, "--data-dir", data],
        ["bench.bench_orphans"],
        ["bench.bench_import"],
    ]
    for step in steps:
        env = os.environ | {"UNION_TREE_DATA_DIR": data}
        subprocess.run([sys.executable, "-m", *step], check=True, env=env)


if __name__ == "__main__":
    main()

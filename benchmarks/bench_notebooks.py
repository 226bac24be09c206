"""Benchmark: how long each teaching notebook takes to execute headless.

Times every notebook in ``notebooks/`` with nbclient, as the tests run them
(``--quick``: ``VITD_SIM_QUICK=1``) or at full size (as ``make report`` runs them), and
compares the total with the target: all notebooks together in under 10 minutes in quick
mode on a 2-core machine. Kernel start-up is included (a reader pays it too).

Usage::

    python benchmarks/bench_notebooks.py --quick [--notebooks 01,02] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from simlib import notebooks

TARGET_QUICK_SECONDS = 600.0


def time_notebooks(names, quick: bool) -> list[dict]:
    """Execute each notebook once; seconds and number of figures for each."""
    rows = []
    for path in notebooks.select(names):
        started = time.perf_counter()
        nb = notebooks.run_notebook(path, quick=quick)
        rows.append({"notebook": path.stem, "seconds": round(time.perf_counter() - started, 2),
                     "figures": len(notebooks.images(nb))})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small simulations (as in tests)")
    parser.add_argument("--notebooks", default=None, help="comma-separated numbers or names")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    names = args.notebooks.split(",") if args.notebooks else None
    rows = time_notebooks(names, args.quick)
    total = sum(row["seconds"] for row in rows)
    result = {"mode": "quick" if args.quick else "full", "cpus": os.cpu_count(),
              "notebooks": rows, "total_seconds": round(total, 1),
              "target_seconds": TARGET_QUICK_SECONDS if args.quick else None}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"notebook execution, {result['mode']} mode, {result['cpus']} CPUs")
    for row in rows:
        print(f"  {row['notebook']:36s} {row['seconds']:7.1f} s  {row['figures']:3d} figures")
    verdict = ""
    if args.quick:
        verdict = "  ok" if total < TARGET_QUICK_SECONDS else "  OVER the 600 s target"
    print(f"  {'total':36s} {total:7.1f} s{verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: how long each notebook's slider panel takes to redraw after a release.

Executes every notebook headless at full size (the notebook's default parameters, as
``make report`` runs them; ``--quick`` for the tests' small sizes) with
``VITD_SIM_PANEL_TIMES`` set, so each :func:`simlib.widgets.panel` also times its redraw
at the default settings and with each slider moved to each end (the other sliders at
their defaults). A redraw is the drawing function plus the PNG rendering, what a reader
waits for after letting go of a slider. Target (issue 11): p90 under 1 s per panel and
no redraw over 2 s.

Usage::

    python benchmarks/bench_sliders.py [--notebooks 04,09] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simlib import notebooks
from simlib.errors import SimlibError
from simlib.widgets import TIMES_ENV

TARGET_P90_SECONDS = 1.0
TARGET_MAX_SECONDS = 2.0


def time_notebook(path: Path, quick: bool) -> dict:
    """Execute one notebook with panel timing on; its redraws and execution seconds."""
    with tempfile.TemporaryDirectory(prefix="vitd-sliders-") as folder:
        times = Path(folder) / "redraws.jsonl"
        started = time.perf_counter()
        with notebooks._environment(**{TIMES_ENV: str(times)}):  # the kernel inherits it
            notebooks.run_notebook(path, quick=quick, timeout=1800)
        seconds = time.perf_counter() - started
        lines = times.read_text().splitlines() if times.exists() else []
    redraws = [json.loads(line) for line in lines]
    return {"notebook": path.stem, "execute_seconds": round(seconds, 1), "redraws": redraws,
            **summary([row["seconds"] for row in redraws])}


def summary(seconds: list[float]) -> dict:
    """Median, p90 and maximum redraw seconds, and whether the target is met."""
    if not seconds:
        return {"median": None, "p90": None, "max": None, "meets_target": None}
    values = np.asarray(seconds)
    p90, worst = float(np.quantile(values, 0.9)), float(values.max())
    return {"median": round(float(np.median(values)), 3), "p90": round(p90, 3),
            "max": round(worst, 3),
            "meets_target": bool(p90 < TARGET_P90_SECONDS and worst <= TARGET_MAX_SECONDS)}


def print_table(result: dict) -> None:
    print(f"slider redraws, {result['mode']} size, {result['cpus']} CPUs "
          f"(target: p90 < {TARGET_P90_SECONDS:g} s, none > {TARGET_MAX_SECONDS:g} s)")
    for row in result["notebooks"]:
        if not row["redraws"]:
            print(f"  {row['notebook']:34s} no panel   (executed in {row['execute_seconds']} s)")
            continue
        verdict = "ok" if row["meets_target"] else "MISSES the target"
        print(f"  {row['notebook']:34s} median {row['median']:6.2f} s  p90 {row['p90']:6.2f} s"
              f"  max {row['max']:6.2f} s  {verdict}  (executed in {row['execute_seconds']} s)")
        for redraw in row["redraws"]:
            print(f"      {redraw['setting']:42s} {redraw['seconds']:7.2f} s")
    met = [row["meets_target"] for row in result["notebooks"] if row["redraws"]]
    print(f"  panels meeting the target: {sum(met)} of {len(met)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small simulations (as in tests)")
    parser.add_argument("--notebooks", default=None, help="comma-separated numbers or names")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        paths = notebooks.select(args.notebooks)
    except SimlibError as error:
        print(f"bench_sliders.py: error: {error}", file=sys.stderr)
        return 2
    rows, failed = [], {}
    for path in paths:
        try:
            rows.append(time_notebook(path, args.quick))
        except SimlibError as error:  # a failing cell: name it, time the others
            failed[path.stem] = str(error)
            print(f"bench_sliders.py: {error}", file=sys.stderr)
    result = {"mode": "quick" if args.quick else "full", "cpus": os.cpu_count(),
              "target_p90_seconds": TARGET_P90_SECONDS,
              "target_max_seconds": TARGET_MAX_SECONDS, "notebooks": rows, "failed": failed,
              **{f"all_{key}": value for key, value in summary(
                  [r["seconds"] for row in rows for r in row["redraws"]]).items()}}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    if failed:
        print(f"bench_sliders.py: {len(failed)} notebook(s) failed: {', '.join(failed)}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

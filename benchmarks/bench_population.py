"""Benchmark of population generation: the full world, people per second and memory.

For each population size ``n`` the script generates the *full* ``null`` world (every
node of :func:`simlib.world.build_world`) in chunks of ``--chunk`` people, exactly as
:meth:`simlib.scm.Model.iter_chunks` does (chunk ``k`` uses the streams
``(seed, node, k)``), and reduces each chunk to two numbers (the sum of
``vitd_survey_nmol`` and the count of ``ms_onset_age < age``) before discarding it, so
memory stays bounded by one chunk. Columns are returned as a dict of arrays (no
DataFrame is built).

Each measurement runs in a fresh Python process (the script re-invokes itself with a
hidden ``--worker`` flag), so its peak resident memory (``ru_maxrss``) is that run's
alone; it includes the interpreter and imported libraries. Seconds cover chunk
generation and reduction only (not imports, building the model or a first warm-up
chunk of 1,000 people, whose first use of SciPy imports it); the reported figure
is the median over ``--repeats`` runs, and peak memory the largest. A last run at the
first size charges each node's time to it and prints the ten costliest nodes: where
the time goes.

The engine against plain and hand-tuned NumPy is measured on a reference DAG by
``bench_engine.py`` (an earlier hand-written copy of the whole world here fell out of
step with the world and was removed).

Targets (issue 11): 10**7 people in under 4 s and under 1 GiB peak.

Examples
--------
Quick run, then the default run (10**6 and 10**7 people), from the repository root::

    .venv/bin/python benchmarks/bench_population.py --sizes 100000,200000
    .venv/bin/python benchmarks/bench_population.py [--json] [--sizes 1000000,10000000]
        [--chunk 1000000] [--repeats N] [--seed 1]

With ``--json`` exactly one JSON object is printed on stdout (progress goes to
stderr)::

    {"benchmark": "population", "scenario": "null", "chunk_size": ..., "cpu_count": ...,
     "results": [{"n", "seconds", "persons_per_second", "peak_mib", "repeats"}, ...],
     "costliest_nodes": [{"node", "seconds", "share"}, ...]}
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from simlib import build_world, load_scenario
from simlib.scm import Model

SCENARIO = "null"
DEFAULT_SIZES = (10**6, 10**7)
DEFAULT_CHUNK = 1_000_000
TARGET_N = 10**7
TARGET_SECONDS = 4.0
TARGET_PEAK_MIB = 1024


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- worker
def _reduce(columns) -> tuple[float, int]:
    """The trivial reduction that consumes a chunk."""
    onset_before_survey = columns["ms_onset_age"] < columns["age"]
    return float(columns["vitd_survey_nmol"].sum()), int(np.count_nonzero(onset_before_survey))


def run_worker(n: int, chunk: int, seed: int, profile: bool = False) -> dict:
    """Generate ``n`` people of the full world; seconds, peak memory, checksum (and, with
    ``profile``, seconds per node)."""
    world = build_world(load_scenario(SCENARIO))
    node_seconds = {}
    if profile:
        evaluate_node = Model._evaluate_node

        def timed(self, name, *args):
            began = time.perf_counter()
            column = evaluate_node(self, name, *args)
            node_seconds[name] = node_seconds.get(name, 0.0) + time.perf_counter() - began
            return column

        Model._evaluate_node = timed
    world.evaluate(1_000, seed, 0)  # first use imports SciPy's special functions: not timed
    node_seconds.clear()
    total, onsets = 0.0, 0
    began = time.perf_counter()
    for index, first in enumerate(range(0, n, chunk)):
        vitd_sum, count = _reduce(world.evaluate(min(chunk, n - first), seed, index))
        total, onsets = total + vitd_sum, onsets + count
    seconds = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak_mib, "checksum": [total, onsets],
            "node_seconds": node_seconds}


def measure(n: int, chunk: int, seed: int, profile: bool = False) -> dict:
    """Run one measurement in a fresh process and return its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--sizes", str(n),
               "--chunk", str(chunk), "--seed", str(seed)] + (["--profile"] if profile else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"worker n={n} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------------- driver
def default_repeats(n: int) -> int:
    """3 repeats up to 2 million people, 1 above."""
    return 3 if n <= 2_000_000 else 1


def bench_size(n: int, chunk: int, seed: int, repeats: int) -> dict:
    """Median seconds and largest peak of ``repeats`` runs."""
    runs = []
    for r in range(repeats):
        runs.append(measure(n, chunk, seed))
        _log(f"n={n:,} run {r + 1}/{repeats}: {runs[-1]['seconds']:.2f} s, "
             f"{runs[-1]['peak_mib']:.0f} MiB")
    if len({json.dumps(run["checksum"]) for run in runs}) != 1:
        sys.exit(f"n={n}: the same seed gave different populations: "
                 f"{[run['checksum'] for run in runs]}")
    seconds = statistics.median(run["seconds"] for run in runs)
    return {"n": n, "seconds": round(seconds, 4), "persons_per_second": round(n / seconds),
            "peak_mib": round(max(run["peak_mib"] for run in runs), 1), "repeats": repeats}


def costliest_nodes(n: int, chunk: int, seed: int, top: int = 10) -> list[dict]:
    """The ``top`` nodes by seconds in one profiled run of ``n`` people."""
    node_seconds = measure(n, chunk, seed, profile=True)["node_seconds"]
    total = sum(node_seconds.values())
    ranked = sorted(node_seconds.items(), key=lambda item: -item[1])[:top]
    return [{"node": name, "seconds": round(value, 4), "share": round(value / total, 3)}
            for name, value in ranked]


def format_table(report: dict) -> str:
    """The results as a table, with the targets beside them."""
    lines = [f"population benchmark: scenario {report['scenario']}, every node, chunks of "
             f"{report['chunk_size']:,} via Model.evaluate (dict of arrays, no DataFrames), "
             f"{report['cpu_count']} CPUs",
             f"{'n':>12} {'seconds':>8} {'persons/s':>11} {'peak MiB':>9} {'reps':>4}"]
    for r in report["results"]:
        lines.append(f"{r['n']:>12,} {r['seconds']:>8.2f} {r['persons_per_second']:>11,} "
                     f"{r['peak_mib']:>9.0f} {r['repeats']:>4}")
    big = [r for r in report["results"] if r["n"] == TARGET_N]
    if not big:
        lines.append(f"target for 10^7 people (< {TARGET_SECONDS:g} s, < 1 GiB): not measured")
    for r in big:
        fast = "ok" if r["seconds"] < TARGET_SECONDS else "MISSED"
        small = "ok" if r["peak_mib"] < TARGET_PEAK_MIB else "MISSED"
        lines.append(f"target 10^7 people in < {TARGET_SECONDS:g} s: {r['seconds']:.2f} s "
                     f"{fast}; peak < 1 GiB: {r['peak_mib']:.0f} MiB {small}")
    first = report["results"][0]["n"]
    lines.append(f"costliest nodes, one profiled run of {first:,} people:")
    lines += [f"  {row['node']:32s} {row['seconds']:7.3f} s {row['share']:6.1%}"
              for row in report["costliest_nodes"]]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated population sizes (default 1000000,10000000)")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="people per chunk")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per size (default 3 up to 2 million people, 1 above)")
    parser.add_argument("--seed", type=int, default=1, help="population seed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    repeats_ok = args.repeats is None or args.repeats >= 1
    if not args.sizes or min(args.sizes) < 1 or args.chunk < 1 or not repeats_ok:
        parser.error("sizes, chunk and repeats must be whole numbers >= 1")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.sizes[0], args.chunk, args.seed, args.profile)))
        return
    results = [bench_size(n, args.chunk, args.seed, args.repeats or default_repeats(n))
               for n in args.sizes]
    report = {"benchmark": "population", "scenario": SCENARIO, "chunk_size": args.chunk,
              "cpu_count": os.cpu_count(), "results": results,
              "costliest_nodes": costliest_nodes(args.sizes[0], args.chunk,
                                                 args.seed)}
    print(json.dumps(report) if args.json else format_table(report))


if __name__ == "__main__":
    main()

"""Benchmark of the Monte Carlo engine: replicates per second, serially and on 2 workers.

Two designs at their default sizes, with the estimators whose cost the design card
warns about: the biobank nested case-control (conditional logistic regression) and
the cohort (Cox regression, :mod:`simlib.breslow`). Each is run for ``--reps`` replicates
serially and with ``--workers`` processes; the figures are replicates per second and
the parallel efficiency ``(rate with W workers / serial rate) / W``. A replicate
includes simulating its population, sampling the study and fitting the model.

With ``--split``, instead, it profiles every registered design at its default size
and estimator: ``--split-reps`` replicates each, serially, with the time of each
replicate charged to its phases (simulate, sample, measure, estimand, fit;
:mod:`simlib.timing`), and prints the median seconds per phase and each phase's share
of the median replicate. ``other`` is what no phase covers (the Monte Carlo loop, the
result row). This is where speed work starts: the largest share first.

Examples
--------
::

    .venv/bin/python benchmarks/bench_montecarlo.py [--json] [--reps 8] [--workers 2]
    .venv/bin/python benchmarks/bench_montecarlo.py --split [--split-reps 3] [--json]
        [--designs nested-case-control,cohort]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from simlib import load_scenario, timing
from simlib.designs import DESIGNS, get_design
from simlib.montecarlo import replicate

CASES = (("nested-case-control", "conditional-logit"), ("cohort", "cox"))


def time_run(design: str, estimator: str, reps: int, workers: int) -> dict:
    """Seconds for ``reps`` replicates of the null world on ``workers`` processes."""
    start = time.perf_counter()
    table = replicate(load_scenario("null"), design, reps, seed=1, estimator=estimator,
                      workers=workers, progress=False)
    seconds = time.perf_counter() - start
    failed = int((~table["converged"]).sum())
    return {"seconds": round(seconds, 3), "reps_per_second": round(reps / seconds, 4),
            "failed": failed}


def bench(design: str, estimator: str, reps: int, workers: int) -> dict:
    print(f"{design} / {estimator}: {reps} replicates serially ...", file=sys.stderr)
    serial = time_run(design, estimator, reps, 1)
    print(f"{design} / {estimator}: {reps} replicates on {workers} workers ...", file=sys.stderr)
    parallel = time_run(design, estimator, reps, workers)
    population = get_design(design).options["population"].default
    efficiency = parallel["reps_per_second"] / serial["reps_per_second"] / workers
    return {"design": design, "estimator": estimator, "population": population, "reps": reps,
            "serial": serial, "parallel": parallel, "workers": workers,
            "parallel_efficiency": round(efficiency, 3)}


def split(design: str, reps: int) -> dict:
    """Median seconds per phase over ``reps`` serial replicates of ``design`` (null world)."""
    rows, failed = [], 0
    for rep in range(reps):
        with timing.record() as seconds:
            start = time.perf_counter()
            table = replicate(load_scenario("null"), design, 1, seed=rep + 1, workers=1,
                              progress=False)
            total = time.perf_counter() - start
        failed += int((~table["converged"]).sum())
        row = {name: seconds.get(name, 0.0) for name in timing.PHASES}
        row["other"] = total - sum(row.values())
        rows.append({**row, "total": total})
    median = {key: round(float(np.median([r[key] for r in rows])), 4) for key in rows[0]}
    shares = {key: round(value / median["total"], 3) for key, value in median.items()
              if key != "total"}
    spec = get_design(design)
    options = spec.resolve_options()
    return {"design": design, "estimator": spec.default_estimator,
            "population": options["population"] or spec.population_default(options),
            "reps": reps, "failed": failed, "median_seconds": median, "share": shares}


def print_split(results: list[dict]) -> None:
    phases = (*timing.PHASES, "other")
    print(f"{'design':22s} {'population':>10s} {'total s':>8s}  "
          + "  ".join(f"{p:>9s}" for p in phases) + "   (median seconds, share of total)")
    for r in results:
        m, s = r["median_seconds"], r["share"]
        cells = "  ".join(f"{m[p]:5.2f} {100 * s[p]:2.0f}%" for p in phases)
        failed = f"  ({r['failed']} of {r['reps']} failed)" if r["failed"] else ""
        print(f"{r['design']:22s} {r['population']:>10,} {m['total']:8.2f}  {cells}{failed}")


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (one-line error, exit 2, otherwise)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: use a whole number >= 1")
    return value


def design_list(text: str) -> list[str]:
    """An argparse type: comma-separated registered design names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DESIGNS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed: use design names from {', '.join(DESIGNS)}")
    return names


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=positive, default=8)
    parser.add_argument("--workers", type=positive, default=2)
    parser.add_argument("--split", action="store_true",
                        help="profile every design's replicate by phase instead")
    parser.add_argument("--split-reps", type=positive, default=3)
    parser.add_argument("--designs", type=design_list, default=list(DESIGNS),
                        help="comma-separated designs to --split (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.split:
        results = []
        for name in args.designs:
            print(f"{name}: {args.split_reps} replicates by phase ...", file=sys.stderr)
            results.append(split(name, args.split_reps))
        if args.json:
            print(json.dumps({"benchmark": "montecarlo-split", "cpu_count": os.cpu_count(),
                              "results": results}))
        else:
            print_split(results)
        return
    results = [bench(d, e, args.reps, args.workers) for d, e in CASES]
    if args.json:
        print(json.dumps({"benchmark": "montecarlo", "cpu_count": os.cpu_count(),
                          "results": results}))
        return
    for r in results:
        print(f"{r['design']:20s} {r['estimator']:18s} population {r['population']:>10,}: "
              f"serial {r['serial']['reps_per_second']:.3f} reps/s, {r['workers']} workers "
              f"{r['parallel']['reps_per_second']:.3f} reps/s, efficiency "
              f"{r['parallel_efficiency']:.2f} (failed {r['serial']['failed']}+"
              f"{r['parallel']['failed']})")


if __name__ == "__main__":
    main()

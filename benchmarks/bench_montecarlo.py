"""Benchmark of the Monte Carlo engine: replicates per second, serially and on 2 workers.

Two designs at their default sizes, with the estimators whose cost the design card
warns about: the biobank nested case-control (conditional logistic regression) and
the cohort (Cox regression, statsmodels PHReg). Each is run for ``--reps`` replicates
serially and with ``--workers`` processes; the figures are replicates per second and
the parallel efficiency ``(rate with W workers / serial rate) / W``. A replicate
includes simulating its population, sampling the study and fitting the model.

Examples
--------
::

    .venv/bin/python benchmarks/bench_montecarlo.py [--json] [--reps 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from simlib import load_scenario
from simlib.designs import get_design
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
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

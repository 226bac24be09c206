"""Benchmark of the causal-model engine against plain and hand-tuned NumPy, same run.

A seven-node reference DAG, shaped like the world's core (region latitude -> UVB dose
<- time outdoors; UVB -> 25(OH)D; adolescent BMI; MS log hazard ratio from 25(OH)D,
BMI and latitude; MS onset age by inversion of a constant hazard), is computed four
ways for ``n`` people, each returning the same seven columns from the same random
draws (each node's generator is :func:`simlib.scm.node_rng` of its name):

``plain``
    The equations as a student writes them (:data:`PLAIN_NODES`: one function per
    node, NumPy expressions with their temporaries), called in order by hand.
``scm_plain``
    :class:`simlib.scm.Model` of those same functions: the engine's own overhead.
``scm``
    :class:`simlib.scm.Model` of the same equations in the engine's idiom
    (:data:`TUNED_NODES`: each node writes into the ``out`` buffer the engine hands it,
    draws straight into it and does its arithmetic in place).
``hand_tuned``
    One straight-line function with preallocated arrays and in-place arithmetic
    (:func:`hand_tuned`): the practical limit.

Two floors are timed beside them: ``draws_only``, the seven nodes' random draws alone
into preallocated float64 arrays (no float64 implementation can go below it), and
``draws_only_float32``, the same draws in single precision (different numbers; what a
float32 world would buy).

Before timing, a self-check asserts that all four return the same columns (within
``rtol=1e-12``: in-place arithmetic may reassociate a product); the script exits with
status 1 naming the first column that differs. Seconds are medians over ``--repeats``
runs per size, the implementations interleaved in a rotating order; ratios are to
``plain`` in the same run. ``import simlib`` is timed too, as the median wall time of
``--repeats`` fresh interpreters (minus that of ``python -c pass``).

Targets (issue 11): ``scm / plain <= 0.6`` at 10**6 and 10**7; ``import simlib`` under
0.3 s.

Examples
--------
::

    .venv/bin/python benchmarks/bench_engine.py [--json] [--sizes 1000000,10000000]
        [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from simlib.scm import Model, Node, node_rng

#: Absolute latitudes (degrees) and population weights of the reference regions.
LATITUDE_DEG = np.array([22.0, 33.5, 39.1, 40.5, 41.4, 42.0, 47.0, 52.0, 57.0, 60.4])
WEIGHT = np.array([0.05, 0.12, 0.08, 0.14, 0.10, 0.03, 0.16, 0.08, 0.14, 0.10])
CUMULATIVE_WEIGHT = np.cumsum(WEIGHT) / WEIGHT.sum()
HOURS_MEDIAN, HOURS_LOG_SD = 1.5, 0.5        # hours outdoors a day
UVB_DECLINE = 0.04                           # log UVB lost per degree of latitude
VITD_OTHER, VITD_SUN, VITD_LOG_SD = 20.0, 45.0, 0.25   # nmol/L
BMI_LOG_MEDIAN, BMI_LOG_SD = np.log(21.5), 0.18      # kg/m2
LOG_HR_VITD = np.log(0.8) / 25.0             # per nmol/L
LOG_HR_OBESE, LOG_HR_LAT = np.log(2.0), np.log(1.5) / 10.0
BASE_HAZARD = 1e-4                           # per year
COLUMNS = ("latitude_deg", "outdoor_hours", "uvb_dose", "vitd_mean_nmol", "adolescent_bmi",
           "ms_log_hazard_ratio", "ms_onset_age")


# ------------------------------------------------------------ the plain equations
def latitude_deg(rng, n):
    return LATITUDE_DEG[np.searchsorted(CUMULATIVE_WEIGHT, rng.random(n), side="right")]


def outdoor_hours(rng, n):
    return HOURS_MEDIAN * np.exp(HOURS_LOG_SD * rng.standard_normal(n))


def uvb_dose(latitude_deg, outdoor_hours):
    return np.exp(-UVB_DECLINE * (latitude_deg - 45.0)) * outdoor_hours / HOURS_MEDIAN


def vitd_mean_nmol(rng, n, uvb_dose):
    person = np.exp(VITD_LOG_SD * rng.standard_normal(n) - VITD_LOG_SD ** 2 / 2)
    return VITD_OTHER + VITD_SUN * np.sqrt(uvb_dose) * person


def adolescent_bmi(rng, n):
    return np.exp(BMI_LOG_MEDIAN + BMI_LOG_SD * rng.standard_normal(n))


def ms_log_hazard_ratio(vitd_mean_nmol, adolescent_bmi, latitude_deg):
    return (LOG_HR_VITD * (vitd_mean_nmol - 50.0) + LOG_HR_OBESE * (adolescent_bmi >= 30.0)
            + LOG_HR_LAT * (latitude_deg - 45.0))


def ms_onset_age(rng, n, ms_log_hazard_ratio):
    return rng.standard_exponential(n) / (BASE_HAZARD * np.exp(ms_log_hazard_ratio))


PLAIN_NODES = (latitude_deg, outdoor_hours, uvb_dose, vitd_mean_nmol, adolescent_bmi,
               ms_log_hazard_ratio, ms_onset_age)


def plain(n, seed):
    """The plain equations called in order, without the engine."""
    columns = {}
    for func in PLAIN_NODES:
        node = Node(func.__name__, func)
        columns[node.name] = node.evaluate(node_rng(seed, node.name), n, columns)
    return columns


# ------------------------------------------------------- the engine's idiom (out=)
def latitude_deg_out(rng, out):
    rng.random(out=out)
    return np.take(LATITUDE_DEG, np.searchsorted(CUMULATIVE_WEIGHT, out, side="right"), out=out)


def outdoor_hours_out(rng, out):
    rng.standard_normal(out=out)
    out *= HOURS_LOG_SD
    np.exp(out, out=out)
    out *= HOURS_MEDIAN
    return out


def uvb_dose_out(latitude_deg, outdoor_hours, out):
    np.subtract(latitude_deg, 45.0, out=out)
    out *= -UVB_DECLINE
    np.exp(out, out=out)
    out *= outdoor_hours
    out /= HOURS_MEDIAN
    return out


def vitd_mean_nmol_out(rng, uvb_dose, out):
    rng.standard_normal(out=out)
    out *= VITD_LOG_SD
    out -= VITD_LOG_SD ** 2 / 2
    np.exp(out, out=out)
    out *= np.sqrt(uvb_dose)
    out *= VITD_SUN
    out += VITD_OTHER
    return out


def adolescent_bmi_out(rng, out):
    rng.standard_normal(out=out)
    out *= BMI_LOG_SD
    out += BMI_LOG_MEDIAN
    return np.exp(out, out=out)


def ms_log_hazard_ratio_out(vitd_mean_nmol, adolescent_bmi, latitude_deg, out):
    np.subtract(vitd_mean_nmol, 50.0, out=out)
    out *= LOG_HR_VITD
    out += LOG_HR_OBESE * (adolescent_bmi >= 30.0)
    out += LOG_HR_LAT * (latitude_deg - 45.0)
    return out


def ms_onset_age_out(rng, ms_log_hazard_ratio, out):
    rng.standard_exponential(out=out)
    hazard = np.exp(ms_log_hazard_ratio)
    hazard *= BASE_HAZARD
    out /= hazard
    return out


TUNED_NODES = (latitude_deg_out, outdoor_hours_out, uvb_dose_out, vitd_mean_nmol_out,
               adolescent_bmi_out, ms_log_hazard_ratio_out, ms_onset_age_out)


def models():
    """(engine with the plain equations, engine with the out= equations)."""
    plain_model = Model(Node(f.__name__, f) for f in PLAIN_NODES)
    tuned_model = Model(Node(f.__name__.removesuffix("_out"), f) for f in TUNED_NODES)
    return plain_model, tuned_model


# -------------------------------------------------------------- the practical limit
def hand_tuned(n, seed):
    """All seven columns in one function: preallocated arrays, in-place arithmetic."""
    def rng(name):
        return node_rng(seed, name)

    lat, hours, uvb, vitd, bmi, lhr, onset = (np.empty(n) for _ in COLUMNS)
    rng("latitude_deg").random(out=lat)
    np.take(LATITUDE_DEG, np.searchsorted(CUMULATIVE_WEIGHT, lat, side="right"), out=lat)
    rng("outdoor_hours").standard_normal(out=hours)
    hours *= HOURS_LOG_SD
    np.exp(hours, out=hours)
    hours *= HOURS_MEDIAN
    np.subtract(lat, 45.0, out=uvb)
    uvb *= -UVB_DECLINE
    np.exp(uvb, out=uvb)
    uvb *= hours
    uvb /= HOURS_MEDIAN
    rng("vitd_mean_nmol").standard_normal(out=vitd)
    vitd *= VITD_LOG_SD
    vitd -= VITD_LOG_SD ** 2 / 2
    np.exp(vitd, out=vitd)
    np.sqrt(uvb, out=onset)  # onset as scratch until its own draw
    vitd *= onset
    vitd *= VITD_SUN
    vitd += VITD_OTHER
    rng("adolescent_bmi").standard_normal(out=bmi)
    bmi *= BMI_LOG_SD
    bmi += BMI_LOG_MEDIAN
    np.exp(bmi, out=bmi)
    np.subtract(vitd, 50.0, out=lhr)
    lhr *= LOG_HR_VITD
    np.greater_equal(bmi, 30.0, out=onset)
    onset *= LOG_HR_OBESE
    lhr += onset
    np.subtract(lat, 45.0, out=onset)
    onset *= LOG_HR_LAT
    lhr += onset
    np.exp(lhr, out=onset)
    onset *= BASE_HAZARD
    hazard = onset
    onset = np.empty(n)
    rng("ms_onset_age").standard_exponential(out=onset)
    onset /= hazard
    return dict(zip(COLUMNS, (lat, hours, uvb, vitd, bmi, lhr, onset), strict=True))


def draws_only(n, seed):
    """Only the random draws of the seven nodes, into preallocated arrays: the floor
    that no float64 implementation can go under (not a full implementation)."""
    out = np.empty(n)
    node_rng(seed, "latitude_deg").random(out=out)
    for name in ("outdoor_hours", "vitd_mean_nmol", "adolescent_bmi"):
        node_rng(seed, name).standard_normal(out=out)
    node_rng(seed, "ms_onset_age").standard_exponential(out=out)
    return {}


def draws_only_float32(n, seed):
    """The same draws in single precision (different numbers: shown for what float32
    would buy, not used by the world)."""
    out = np.empty(n, dtype=np.float32)
    node_rng(seed, "latitude_deg").random(out=out, dtype=np.float32)
    for name in ("outdoor_hours", "vitd_mean_nmol", "adolescent_bmi"):
        node_rng(seed, name).standard_normal(out=out, dtype=np.float32)
    node_rng(seed, "ms_onset_age").standard_exponential(out=out, dtype=np.float32)
    return {}


# ---------------------------------------------------------------------- the runs
def implementations():
    plain_model, tuned_model = models()
    return {
        "plain": plain,
        "scm_plain": lambda n, seed: plain_model.evaluate(n, seed),
        "scm": lambda n, seed: tuned_model.evaluate(n, seed),
        "hand_tuned": hand_tuned,
    }


FLOORS = {"draws_only": draws_only, "draws_only_float32": draws_only_float32}


def self_check(n=10_000, seed=3) -> str | None:
    """None if all implementations agree; else a one-line description of the first miss."""
    runs = {name: run(n, seed) for name, run in implementations().items()}
    reference = runs["plain"]
    for name, columns in runs.items():
        for column in COLUMNS:
            if not np.allclose(columns[column], reference[column], rtol=1e-12, atol=0):
                return f"{name}: column {column} differs from plain"
    return None


def time_sizes(sizes, repeats, seed=1) -> list[dict]:
    """Median seconds of each implementation at each size, interleaved per repeat."""
    runs = {**implementations(), **FLOORS}
    results = []
    for n in sizes:
        seconds = {name: [] for name in runs}
        names = list(runs)
        for repeat in range(repeats):  # a different order each time: none always runs first
            for name in names[repeat % len(names):] + names[:repeat % len(names)]:
                run = runs[name]
                start = time.perf_counter()
                run(n, seed)
                seconds[name].append(time.perf_counter() - start)
        median = {name: statistics.median(values) for name, values in seconds.items()}
        results.append({"n": n, "repeats": repeats,
                        "seconds": {k: round(v, 4) for k, v in median.items()},
                        "ratio_to_plain": {k: round(v / median["plain"], 3)
                                           for k, v in median.items()}})
        print(f"n={n}: " + ", ".join(f"{k} {v:.3f} s" for k, v in median.items()),
              file=sys.stderr)
    return results


def import_seconds(repeats) -> dict:
    """Median wall seconds of ``import simlib`` in a fresh interpreter, net of startup."""
    def wall(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    baseline = statistics.median(wall("pass") for _ in range(repeats))
    total = statistics.median(wall("import simlib") for _ in range(repeats))
    return {"import_simlib_seconds": round(total - baseline, 3),
            "interpreter_seconds": round(baseline, 3), "repeats": repeats}


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def size_list(text):
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of sizes >= 1")
    return sizes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=size_list, default=[10**6, 10**7])
    parser.add_argument("--repeats", type=positive_int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    problem = self_check()
    if problem:
        print(f"self-check failed: {problem}", file=sys.stderr)
        return 1
    report = {"benchmark": "engine", "cpu_count": os.cpu_count(),
              "results": time_sizes(args.sizes, args.repeats),
              "import": import_seconds(args.repeats)}
    if args.json:
        print(json.dumps(report))
        return 0
    names = ("plain", "scm_plain", "scm", "hand_tuned", "draws_only", "draws_only_float32")
    print("seconds (ratio to plain), median of", args.repeats)
    print(f"{'n':>10} " + " ".join(f"{name:>18}" for name in names))
    for row in report["results"]:
        s, r = row["seconds"], row["ratio_to_plain"]
        print(f"{row['n']:>10} " + " ".join(f"{s[k]:>10.3f} ({r[k]:.2f})" for k in names))
    imp = report["import"]
    print(f"import simlib: {imp['import_simlib_seconds']:.3f} s "
          f"(interpreter start {imp['interpreter_seconds']:.3f} s, median of {imp['repeats']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

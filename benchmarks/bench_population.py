"""Benchmark of population generation: the structural causal model against plain NumPy.

For each population size ``n`` the script generates the *full* ``null`` world (every
node of :func:`simlib.world.build_world`) in chunks of ``--chunk`` people, exactly as
:meth:`simlib.scm.Model.iter_chunks` does (chunk ``k`` uses the streams
``(seed, node, k)``), and reduces each chunk to two numbers (the sum of
``vitd_survey_nmol`` and the count of ``ms_onset_age < age``) before discarding it, so
memory stays bounded by one chunk.

Two implementations are timed like for like, both returning a ``{name: column}`` dict
per chunk (no DataFrames are built):

``scm``
    :meth:`simlib.scm.Model.evaluate` of the world built from the scenario.
``numpy``
    :func:`numpy_population`, the same equations written out by hand in one
    straight-line function: the same parameter values, the same arithmetic and the same
    random draws (each node's generator comes from :func:`simlib.scm.node_rng`), but no
    SCM machinery. It is the practical limit the SCM can approach.

Before timing, a self-check on small chunks asserts that both implementations return
the same columns (bit for bit, or within ``rtol=1e-12`` where floating-point
reassociation forbids it); the script exits with status 1 naming the first column that
differs.

Each measurement runs in a fresh Python process (the script re-invokes itself with a
hidden ``--worker`` flag), so its peak resident memory (``ru_maxrss``) is that run's
alone; it includes the interpreter and imported libraries. Seconds cover chunk
generation and reduction only (not imports or building the model); the reported figure
is the median over ``--repeats`` runs, and peak memory the largest.

Targets: ``ratio_to_numpy <= 1.5``; 10**7 people in under 20 s and under 4 GiB peak.

Examples
--------
Quick run, then the default run (10**6 and 10**7 people), from the repository root::

    .venv/bin/python benchmarks/bench_population.py --sizes 100000,200000
    .venv/bin/python benchmarks/bench_population.py [--json] [--sizes 1000000,10000000]
        [--chunk 1000000] [--repeats N] [--seed 1]

With ``--json`` exactly one JSON object is printed on stdout (progress goes to
stderr)::

    {"benchmark": "population", "scenario": "null", "chunk_size": ..., "cpu_count": ...,
     "results": [{"n", "seconds", "persons_per_second", "peak_mib", "numpy_seconds",
                  "ratio_to_numpy", "numpy_peak_mib", "repeats"}, ...]}
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
from scipy.special import expit, logit

from simlib import build_world, load_scenario
from simlib.scm import node_rng
from simlib.world import REGIONS

SCENARIO = "null"
DEFAULT_SIZES = (10**6, 10**7)
DEFAULT_CHUNK = 1_000_000
CHECK_PEOPLE = 10_000
TARGET_RATIO = 1.5
TARGET_N = 10**7
TARGET_SECONDS = 20.0
TARGET_PEAK_MIB = 4 * 1024


# ------------------------------------------------------------ the hand-written world
def numpy_population(n_chunk, seed, chunk_index, scenario):
    """Every node of the world for one chunk, written out in plain NumPy.

    Parameters
    ----------
    n_chunk : int
        Number of people in the chunk.
    seed : int
        Population seed.
    chunk_index : int
        Chunk number (selects the random streams, as in ``Model.iter_chunks``).
    scenario : simlib.scenario.Scenario
        Parameter values.

    Returns
    -------
    dict of str to numpy.ndarray
        The same columns as ``build_world(scenario).evaluate(n_chunk, seed, chunk_index)``.
    """
    n = n_chunk
    pop, anc, gen, beh = scenario.population, scenario.ancestry, scenario.genetics, \
        scenario.behaviour
    inf_, sun, vd, ms = scenario.infection, scenario.sun, scenario.vitamin_d, scenario.ms
    rc, rel, meas = scenario.reverse_causation, scenario.relapse, scenario.measurement

    def rng(name):
        return node_rng(seed, name, chunk_index)

    c = {}
    # place and people
    c["female"] = rng("female").random(n) < pop.female_share
    region = rng("region_id").choice(len(REGIONS), size=n, p=REGIONS["weight"].to_numpy())
    region = c["region_id"] = region.astype(np.int16)
    lat = c["latitude_deg"] = REGIONS["latitude_deg"].to_numpy()[region]
    southern = c["southern"] = REGIONS["southern"].to_numpy()[region]
    c["cloudiness"] = REGIONS["cloudiness"].to_numpy()[region]
    mean = REGIONS["ancestry_mean"].to_numpy()[region]
    north = c["ancestry_north"] = rng("ancestry_north").beta(
        mean * anc.concentration, (1 - mean) * anc.concentration)
    del mean
    c["hla_drb1_1501"] = rng("hla_drb1_1501").random(n) < anc.hla_carrier_low + (
        anc.hla_carrier_high - anc.hla_carrier_low) * north
    c["skin_dark"] = rng("skin_dark").random(n) < anc.dark_skin_low * (1.0 - north)
    snps = []
    for i, name in enumerate(("snp_gc", "snp_cyp2r1", "snp_dhcr7", "snp_cyp24a1")):
        freq = np.clip(gen.allele_freq[i] + gen.ancestry_shift * (north - 0.5), 0.01, 0.99)
        g = rng(name)
        snps.append(((g.random(n) < freq).astype(np.int8) + (g.random(n) < freq))
                    .astype(np.int8))
        c[name] = snps[-1]
    del freq
    c["vitd_gene_score_nmol"] = sum(b * (k - 2 * f) for b, k, f
                                    in zip(gen.effect_nmol, snps, gen.allele_freq, strict=True))
    alleles = c["vitd_raising_alleles"] = (snps[0].astype(np.int16) + snps[1] + snps[2]
                                           + snps[3]).astype(np.int8)
    health = c["health_consciousness"] = rng("health_consciousness").standard_normal(n)
    c["outdoor_propensity"] = rng("outdoor_propensity").standard_normal(n)
    # behaviour and infection
    bmi = c["adolescent_bmi"] = np.exp(
        np.log(beh.bmi_median) + beh.bmi_health_effect * health
        + beh.bmi_log_sd * rng("adolescent_bmi").standard_normal(n))
    c["obese"] = bmi >= 30.0
    c["smoker"] = rng("smoker").random(n) < expit(
        logit(beh.smoking_share) + beh.smoking_health_log_or * health)
    ebv = c["ebv_infected"] = rng("ebv_infected").random(n) < inf_.ebv_share
    c["infectious_mononucleosis"] = ebv & (rng("infectious_mononucleosis").random(n) < expit(
        logit(inf_.im_share_at_45) + inf_.im_log_or_per_degree * (lat - 45.0)))
    diet = c["diet_vitd_iu"] = beh.diet_median_iu * REGIONS["diet_factor"].to_numpy()[region] \
        * np.exp(beh.diet_log_sd * rng("diet_vitd_iu").standard_normal(n))
    g = rng("supplement_iu")
    user = g.random(n) < expit(
        logit(beh.supplement_share) + beh.supplement_health_log_or * health
        + np.log(REGIONS["supplement_odds_ratio"].to_numpy()[region]))
    cumulative = np.cumsum(beh.supplement_dose_shares)
    choice = np.minimum(np.searchsorted(cumulative, g.random(n)), len(cumulative) - 1)
    supp = c["supplement_iu"] = np.where(user, np.asarray(beh.supplement_doses_iu)[choice], 0.0)
    del user, choice
    # sun and 25(OH)D
    hours = c["outdoor_hours"] = beh.outdoor_hours_median * np.exp(
        beh.outdoor_log_sd * c["outdoor_propensity"])
    uvb = c["uvb_dose"] = np.exp(-sun.uvb_decline_per_degree * (lat - 45.0)) \
        * ((1 - sun.cloud_uvb_loss * c["cloudiness"]) / (1 - sun.cloud_uvb_loss * 0.5)) \
        * hours / beh.outdoor_hours_median
    sigma = vd.person_log_sd
    factor = c["vitd_person_factor"] = np.exp(vd.bmi_percent_per_unit / 100 * (bmi - 22.0)) \
        * np.exp(sigma * rng("vitd_person_factor").standard_normal(n) - sigma ** 2 / 2)
    sun_nmol = c["sun_vitd_nmol"] = sun.sun_nmol_reference * uvb ** sun.sun_dose_exponent \
        * np.where(c["skin_dark"], anc.dark_skin_synthesis, 1.0) * factor
    half = vd.oral_half_dose_iu ** vd.oral_hill
    dose = np.asarray(diet + supp, dtype=float) ** vd.oral_hill
    oral_before = vd.oral_max_rise_nmol * dose / (dose + half)
    del dose
    c["oral_vitd_nmol"] = oral_before * factor
    vitd = c["vitd_mean_nmol"] = np.maximum(
        (vd.other_nmol + c["vitd_gene_score_nmol"]) * factor + sun_nmol + c["oral_vitd_nmol"],
        2.0)
    amplitude = c["seasonal_amplitude_nmol"] = sun_nmol * np.minimum(
        sun.seasonal_fraction_per_degree * lat, 0.9)
    # age and MS onset
    rate30, slope = pop.mortality_at_30, pop.mortality_slope
    grid = np.linspace(0.0, 100.0, 2001)
    survival = np.exp(-(rate30 / slope * (np.exp(slope * (grid - 30.0))
                                          - np.exp(-30.0 * slope))))
    cdf = np.concatenate([[0.0], np.cumsum((survival[1:] + survival[:-1]) / 2)])
    age = c["age"] = np.interp(rng("age").random(n) * cdf[-1], cdf, grid)
    birth = c["birth_year_fraction"] = rng("birth_year_fraction").random(n)
    lp = (np.log(ms.hr_female) * c["female"] + np.log(ms.hr_hla) * c["hla_drb1_1501"]
          + np.log(ms.hr_ebv) * (ebv.astype(float) - 1.0)
          + np.log(ms.hr_im) * c["infectious_mononucleosis"] + np.log(ms.hr_obesity) * c["obese"]
          + np.log(ms.hr_smoking) * c["smoker"]
          + np.log(ms.uvb_hr_per_doubling) * np.log2(uvb)
          + np.log(ms.latitude_hr_per_10_degrees)
          * (np.clip(lat, ms.latitude_floor_deg, ms.latitude_plateau_deg) - 45.0) / 10.0)
    vitd_slope = np.log(ms.vitd_hr_per_25nmol) / 25.0
    if ms.vitd_effect_shape == "threshold":
        vitd_lp = vitd_slope * (np.minimum(vitd, ms.vitd_threshold_nmol)
                                - ms.vitd_threshold_nmol)
    else:
        vitd_lp = vitd_slope * (vitd - 50.0)
    lhr = c["ms_log_hazard_ratio"] = lp + vitd_lp + np.log(gen.pleiotropy_hr_per_allele) \
        * (alleles - 2 * sum(gen.allele_freq))
    del lp, vitd_lp
    edges = np.arange(len(ms.age_shape) + 1) * 5.0
    rates = np.maximum(np.asarray(ms.age_shape), 1e-12) * ms.baseline_per_100k / 1e5
    cum_hazard = np.concatenate([[0.0], np.cumsum(rates * 5.0)])
    draw = rng("ms_onset_age").standard_exponential(n)
    if ms.baseline_per_100k == 0:
        onset = np.full(n, np.inf)
    else:
        target = draw * np.exp(-lhr)
        last_rate = ms.age_shape[-1] * ms.baseline_per_100k / 1e5
        with np.errstate(divide="ignore", invalid="ignore"):
            beyond = edges[-1] + (target - cum_hazard[-1]) / last_rate
        onset = np.where(target <= cum_hazard[-1], np.interp(target, cum_hazard, edges), beyond)
        onset = np.where(onset <= 120.0, onset, np.inf)
        del target, beyond
    del draw
    c["ms_onset_age"] = onset
    c["prodrome_start_age"] = np.maximum(onset - rng("prodrome_start_age").uniform(
        ms.prodrome_min_years, ms.prodrome_max_years, n), 0.0)
    c["diagnosis_age"] = onset + rng("diagnosis_age").gamma(
        ms.delay_shape, ms.delay_mean_years / ms.delay_shape, n)
    # deaths (Gompertz background, MS excess)
    e30 = np.exp(-30.0 * slope)
    extra = rng("background_death_age").standard_exponential(n)
    cum_death = rate30 / slope * (np.exp(slope * (age - 30.0)) - e30) + extra
    c["background_death_age"] = 30.0 + np.log(cum_death * slope / rate30 + e30) / slope
    del cum_death
    extra = rng("ms_excess_death_age").standard_exponential(n)
    excess = pop.ms_mortality_hr - 1.0
    if excess <= 0:
        ms_death = np.full(n, np.inf)
    else:
        has_onset = np.isfinite(onset)
        onset0 = np.where(has_onset, onset, 0.0)
        cum_death = rate30 / slope * (np.exp(slope * (onset0 - 30.0)) - e30) + extra / excess
        ms_death = np.where(has_onset, 30.0 + np.log(cum_death * slope / rate30 + e30) / slope,
                            np.inf)
        del has_onset, onset0, cum_death
    del extra
    c["ms_excess_death_age"] = ms_death
    c["alive"] = ms_death > age
    c["death_age"] = np.minimum(c["background_death_age"], ms_death)
    # after onset: heat, post-diagnosis supplements, 25(OH)D
    heat = c["heat_sensitive"] = rng("heat_sensitive").random(n) < rc.heat_sensitive_share
    sigma_act = rel.activity_log_sd
    log_health = np.log(rel.health_rr_per_sd)
    activity = c["ms_activity"] = np.exp(
        sigma_act * rng("ms_activity").standard_normal(n) - sigma_act ** 2 / 2
        + log_health * c["health_consciousness"] - log_health ** 2 / 2)
    sun_loss = c["after_onset_sun_loss"] = np.minimum(
        (rc.onset_sun_loss + rc.heat_sun_loss * heat)
        * activity ** rc.activity_disability_power, 1.0)
    g = rng("post_dx_supplement_iu")
    starts = g.random(n) < expit(logit(rc.supplement_share)
                                 + rc.supplement_health_log_or * c["health_consciousness"])
    doses = np.asarray(rc.supplement_doses_iu)
    post_iu = c["post_dx_supplement_iu"] = np.where(
        starts, doses[g.integers(0, len(doses), n)], 0.0)
    del starts
    delay = rng("post_dx_supplement_start_age").exponential(rc.uptake_mean_years, n) \
        if rc.uptake_mean_years > 0 else np.zeros(n)
    start = c["post_dx_supplement_start_age"] = np.where(
        post_iu > 0, c["diagnosis_age"] + delay, np.inf)
    del delay
    dose = np.asarray(diet + supp + post_iu, dtype=float) ** vd.oral_hill
    rise = c["post_dx_rise_nmol"] = (vd.oral_max_rise_nmol * dose / (dose + half)
                                     - oral_before) * factor
    del dose, oral_before
    after = c["vitd_after_onset_nmol"] = vitd - sun_loss * sun_nmol
    on_supp = c["vitd_on_supplement_nmol"] = after + rise
    # relapses, only for people with onset before the survey: integral of a decaying,
    # seasonal rate before and after post-diagnosis supplements
    expected = c["relapse_expected"] = np.zeros(n)
    with_ms = np.flatnonzero(np.isfinite(onset) & (age > onset))
    if len(with_ms):
        onset_ms = onset[with_ms]
        duration = age[with_ms] - onset_ms
        start_ms = start[with_ms]
        switch = np.clip(np.where(np.isfinite(start_ms), start_ms - onset_ms, np.inf), 0.0,
                         duration)
        decay = np.log(2.0) / rel.halving_years
        phase = 2.0 * np.pi * (birth[with_ms] + onset_ms
                               - (rel.peak_day / 365.25 + 0.5 * southern[with_ms]))
        spin, amp = complex(-decay, 2.0 * np.pi), rel.spring_amplitude
        before = (np.exp(-decay * 0.0) - np.exp(-decay * switch)) / decay + amp * (
            np.exp(1j * phase) * (np.exp(spin * switch) - np.exp(spin * 0.0)) / spin).real
        later = (np.exp(-decay * switch) - np.exp(-decay * duration)) / decay + amp * (
            np.exp(1j * phase) * (np.exp(spin * duration) - np.exp(spin * switch)) / spin).real
        log_rr = np.log(rel.vitd_rr_per_25nmol) / 25.0
        expected[with_ms] = rel.rate_at_onset * activity[with_ms] * (
            before * np.exp(log_rr * (after[with_ms] - 50.0))
            + later * np.exp(log_rr * (on_supp[with_ms] - 50.0)))
    del with_ms
    c["relapse_count"] = rng("relapse_count").poisson(expected).astype(np.int16)
    # the survey blood draw
    after_onset = age >= onset
    in_prodrome = (age >= c["prodrome_start_age"]) & ~after_onset
    loss = np.minimum(np.where(after_onset, sun_loss,
                               np.where(in_prodrome, rc.prodrome_sun_loss, 0.0)), 1.0)
    season = np.cos(2.0 * np.pi * (np.mod(birth + age, 1.0)
                                   - (sun.peak_day / 365.25 + 0.5 * southern)))
    level = vitd - loss * sun_nmol + np.where(age >= start, rise, 0) \
        + (1.0 - loss) * amplitude * season
    del after_onset, in_prodrome, loss, season
    g = rng("vitd_survey_nmol")
    visit = level + meas.within_person_sd_nmol * g.standard_normal(n)
    sigma = np.sqrt(np.log1p(meas.assay_cv ** 2))
    error = np.exp(sigma * g.standard_normal(n) - sigma ** 2 / 2)
    c["vitd_survey_nmol"] = np.maximum(visit, 2.0) * error * meas.lab_bias_factor
    return c


# ------------------------------------------------------------------- self-check
def _compare(a, b) -> str | None:
    """``"bitwise"`` or ``"close"`` (rtol 1e-12) if the columns agree, else None."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return None
    if np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
        return "bitwise"
    if a.dtype.kind == "f" and np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True):
        return "close"
    return None


def self_check(scenario, seed: int) -> None:
    """Exit with status 1 unless both implementations give the same columns."""
    world = build_world(scenario)
    close = set()
    for chunk_index in (0, 1):
        scm = world.evaluate(CHECK_PEOPLE, seed, chunk_index)
        hand = numpy_population(CHECK_PEOPLE, seed, chunk_index, scenario)
        if list(hand) != list(scm):
            _fail(f"columns differ: only SCM {sorted(set(scm) - set(hand))}, "
                  f"only NumPy {sorted(set(hand) - set(scm))}")
        for name, column in scm.items():
            verdict = _compare(column, hand[name])
            if verdict is None:
                _fail(f"column '{name}' differs (chunk {chunk_index})")
            if verdict == "close":
                close.add(name)
    how = f"bitwise except {sorted(close)} (rtol 1e-12)" if close else "bitwise"
    _log(f"self-check passed: {len(scm)} columns equal ({how}) on 2 chunks of "
         f"{CHECK_PEOPLE:,} people")


def _fail(message: str) -> None:
    print(f"self-check FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- worker
def _reduce(columns) -> tuple[float, int]:
    """The trivial reduction that consumes a chunk."""
    onset_before_survey = columns["ms_onset_age"] < columns["age"]
    return float(columns["vitd_survey_nmol"].sum()), int(np.count_nonzero(onset_before_survey))


def run_worker(impl: str, n: int, chunk: int, seed: int) -> dict:
    """Generate ``n`` people with ``impl`` ("scm" or "numpy"); seconds, peak and checksum."""
    scenario = load_scenario(SCENARIO)
    world = build_world(scenario)
    if impl == "scm":
        def generate(size, index):
            return world.evaluate(size, seed, index)
    else:
        def generate(size, index):
            return numpy_population(size, seed, index, scenario)
    total, onsets = 0.0, 0
    began = time.perf_counter()
    for index, first in enumerate(range(0, n, chunk)):
        vitd_sum, count = _reduce(generate(min(chunk, n - first), index))
        total, onsets = total + vitd_sum, onsets + count
    seconds = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak_mib, "checksum": [total, onsets]}


def measure(impl: str, n: int, chunk: int, seed: int) -> dict:
    """Run one measurement in a fresh process and return its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", impl,
               "--sizes", str(n), "--chunk", str(chunk), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"worker {impl} n={n} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------------- driver
def default_repeats(n: int) -> int:
    """3 repeats up to 2 million people, 1 above."""
    return 3 if n <= 2_000_000 else 1


def bench_size(n: int, chunk: int, seed: int, repeats: int) -> dict:
    """Median seconds and largest peak of ``repeats`` runs of each implementation."""
    runs = {"scm": [], "numpy": []}
    for r in range(repeats):
        for impl, found in runs.items():
            found.append(measure(impl, n, chunk, seed))
            _log(f"n={n:,} {impl} run {r + 1}/{repeats}: {found[-1]['seconds']:.2f} s, "
                 f"{found[-1]['peak_mib']:.0f} MiB")
    if runs["scm"][0]["checksum"] != runs["numpy"][0]["checksum"]:
        sys.exit(f"n={n}: reductions differ {runs['scm'][0]['checksum']} "
                 f"vs {runs['numpy'][0]['checksum']}")
    seconds = statistics.median(run["seconds"] for run in runs["scm"])
    numpy_seconds = statistics.median(run["seconds"] for run in runs["numpy"])
    return {"n": n, "seconds": round(seconds, 4),
            "persons_per_second": round(n / seconds),
            "peak_mib": round(max(run["peak_mib"] for run in runs["scm"]), 1),
            "numpy_seconds": round(numpy_seconds, 4),
            "ratio_to_numpy": round(seconds / numpy_seconds, 3),
            "numpy_peak_mib": round(max(run["peak_mib"] for run in runs["numpy"]), 1),
            "repeats": repeats}


def format_table(report: dict) -> str:
    """The results as a table, with the targets beside them."""
    lines = [f"population benchmark: scenario {report['scenario']}, every node, chunks of "
             f"{report['chunk_size']:,} via Model.evaluate (dict of arrays, no DataFrames), "
             f"{report['cpu_count']} CPUs",
             f"{'n':>12} {'seconds':>8} {'persons/s':>11} {'peak MiB':>9} {'numpy s':>8} "
             f"{'ratio':>6} {'np MiB':>7} {'reps':>4}  target ratio <= {TARGET_RATIO}"]
    for r in report["results"]:
        ok = "ok" if r["ratio_to_numpy"] <= TARGET_RATIO else "MISSED"
        lines.append(f"{r['n']:>12,} {r['seconds']:>8.2f} {r['persons_per_second']:>11,} "
                     f"{r['peak_mib']:>9.0f} {r['numpy_seconds']:>8.2f} "
                     f"{r['ratio_to_numpy']:>6.2f} {r['numpy_peak_mib']:>7.0f} "
                     f"{r['repeats']:>4}  {ok}")
    big = [r for r in report["results"] if r["n"] == TARGET_N]
    if not big:
        lines.append(f"target for 10^7 people (< {TARGET_SECONDS:g} s, < 4 GiB): not measured")
    for r in big:
        fast = "ok" if r["seconds"] < TARGET_SECONDS else "MISSED"
        small = "ok" if r["peak_mib"] < TARGET_PEAK_MIB else "MISSED"
        lines.append(f"target 10^7 people in < {TARGET_SECONDS:g} s: {r['seconds']:.2f} s "
                     f"{fast}; peak < 4 GiB: {r['peak_mib']:.0f} MiB {small}")
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
    parser.add_argument("--worker", choices=("scm", "numpy"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    repeats_ok = args.repeats is None or args.repeats >= 1
    if not args.sizes or min(args.sizes) < 1 or args.chunk < 1 or not repeats_ok:
        parser.error("sizes, chunk and repeats must be whole numbers >= 1")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.sizes[0], args.chunk, args.seed)))
        return
    self_check(load_scenario(SCENARIO), args.seed)
    results = [bench_size(n, args.chunk, args.seed, args.repeats or default_repeats(n))
               for n in args.sizes]
    report = {"benchmark": "population", "scenario": SCENARIO, "chunk_size": args.chunk,
              "cpu_count": os.cpu_count(), "results": results}
    print(json.dumps(report) if args.json else format_table(report))


if __name__ == "__main__":
    main()

"""Mendelian randomization: vitamin-D genes as a natural experiment (notebook 06).

People inherit 25(OH)D-raising alleles at GC, CYP2R1, DHCR7 and CYP24A1 at random at
conception, so comparing MS between people with more and fewer such alleles is like a
trial of lifelong higher 25(OH)D, *if* three assumptions hold: the genes move 25(OH)D
(relevance), nothing that causes MS also sets the genes (independence; broken by
population stratification), and the genes act on MS only through 25(OH)D (exclusion
restriction; broken by pleiotropy). This module holds the lesson's simulations and
estimates on the ``mr-one-sample`` and ``mr-two-sample`` designs of
:mod:`simlib.designs.mendelian`: replicates scored by several estimators, instrument
strength, the precision and weak-instrument experiments, and the grid of violations
(pleiotropy, population stratification) behind the slider panel. The vectorized
regressions they use are in :mod:`simlib.experiments.mendelian_batched`, the figures
in :mod:`simlib.experiments.mendelian_figures`.

Units: 25(OH)D in nmol/L; instrument effects in nmol/L per allele (the allele score is
in nmol/L: each allele weighted by its published effect); causal estimates as log odds
or hazard ratios per +25 nmol/L 25(OH)D.

References
----------
Mokry LE et al. Vitamin D and risk of multiple sclerosis: a Mendelian randomization
study. PLoS Med 2015;12:e1001866.
Jacobs BM et al. Summary-data-based Mendelian randomization of vitamin D and multiple
sclerosis. Neurol Neuroimmunol Neuroinflamm 2020;7:e662.
Wang TJ et al. Common genetic determinants of vitamin D insufficiency: a genome-wide
association study. Lancet 2010;376:180-8.
Revez JA et al. Genome-wide association study identifies 143 loci associated with
25 hydroxyvitamin D concentration. Nat Commun 2020;11:1647.
Lawlor DA et al. Mendelian randomization: using genes as instruments for making causal
inferences in epidemiology. Stat Med 2008;27:1133-63.
Staiger D, Stock JH. Instrumental variables regression with weak instruments.
Econometrica 1997;65:557-86 (first-stage F below 10).
Burgess S, Thompson SG. Bias in causal estimates from Mendelian randomization studies
with weak instruments. Stat Med 2011;30:1312-23.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .. import instruments as iv
from ..designs import get_design, run_study
from ..designs.mendelian import ADULT_AGE
from ..montecarlo import SCHEMA
from ..world import SNP_COLUMNS, build_world
from .mendelian_batched import PER_NMOL, batched_two_stage, fast_mr

Z_95 = 1.959963984540054
SNP_NAMES = {"snp_gc": "GC", "snp_cyp2r1": "CYP2R1", "snp_dhcr7": "DHCR7",
             "snp_cyp24a1": "CYP24A1"}
WIDGET_COLUMNS = ("ms", "vitd_nmol", "allele_score", "ancestry_pc")
MAX_BATCH_ROWS = 400_000  # people per vectorized batch of small studies (memory)


# ------------------------------------------------------------------ Monte Carlo
def replicate_estimators(scenario, design, estimators, reps, seed, options=None):
    """Replicate a design with several estimators applied to the same simulated studies.

    Replicate ``i`` is ``run_study(scenario, design, seed, index=i, options=options)``,
    exactly the study :func:`simlib.montecarlo.replicate` runs, so each estimator's rows
    equal what ``replicate(..., estimator=name)`` gives, while every population is
    simulated once instead of once per estimator.

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    design : str
        A registered design, e.g. ``"mr-one-sample"``.
    estimators : sequence of str
        The design's estimators to apply (e.g. ``["wald-ratio", "observational-logit"]``).
    reps, seed : int
        Number of replicates and the run's seed.
    options : dict, optional
        Design options (``population``, ``pleiotropy`` ...).

    Returns
    -------
    table : pandas.DataFrame
        The tidy table of :func:`simlib.montecarlo.replicate` (one row per replicate and
        estimator), ready for :func:`simlib.diagnosis.diagnose`.
    first : simlib.designs.base.Study
        Replicate 0's study, to look at its data.
    """
    chosen, rows, first = get_design(design), [], None
    for rep in range(reps):
        study = run_study(scenario, chosen, seed, rep, options)
        first = study if first is None else first
        for name in estimators:
            fit, truth = chosen.estimator(name)(study), study.estimand_for(name)
            rows.append({**fit.to_row(), "rep": rep, "design": chosen.name, "estimator": name,
                         "scenario": scenario.name, "seed": seed, "estimand": truth.name,
                         "estimand_value": truth.value, "scale": truth.scale, "error": "",
                         "warning": ""})
    table = pd.DataFrame(rows)[list(SCHEMA)]
    return table.astype(SCHEMA), first


def risk_difference_table(diag):
    """2SLS rows of a diagnosis as risk differences per 100,000 people per +25 nmol/L.

    Parameters
    ----------
    diag : pandas.DataFrame
        Output of ``diagnose(table, by=["scenario", "estimator"])``.

    Returns
    -------
    pandas.DataFrame
        ``world``, ``mean estimate``, ``truth``, ``empirical SE`` (MS cases per 100,000
        people per +25 nmol/L lifelong 25(OH)D) and ``coverage`` of the 95% CIs.
    """
    rows = diag[diag["estimator"] == "2sls"]
    return pd.DataFrame({"world": rows["scenario"],
                         "mean estimate": 1e5 * rows["mean_estimate"],
                         "truth": 1e5 * rows["estimand_value"],
                         "empirical SE": 1e5 * rows["empirical_se"],
                         "coverage": rows["coverage"]}).reset_index(drop=True)


# ------------------------------------------------------------------ instrument strength
def instrument_strength(data, effects_nmol):
    """First-stage regressions of measured 25(OH)D on each SNP and on the allele score.

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset (``vitd_nmol``, the four ``snp_*`` allele counts,
        ``allele_score``).
    effects_nmol : sequence of float
        The world's per-allele effects (``scenario.genetics.effect_nmol``, from Wang 2010).

    Returns
    -------
    pandas.DataFrame
        One row per instrument: ``instrument``, ``effect in the world (nmol/L per
        allele)``, ``estimated (nmol/L per allele)`` with its ``SE``, ``variance
        explained (%)`` (R squared) and the first-stage ``F``. For the score the
        estimate is per nmol/L of score (1 if the published weights are right) and
        the world's value is 1.
    """
    rows = []
    instruments = [*SNP_COLUMNS, "allele_score"]
    truths = [*effects_nmol, 1.0]
    for column, truth in zip(instruments, truths, strict=True):
        fit = sm.OLS(data["vitd_nmol"].to_numpy(float),
                     sm.add_constant(data[column].to_numpy(float))).fit()
        rows.append({"instrument": SNP_NAMES.get(column, "allele score (4 SNPs)"),
                     "effect in the world (nmol/L per allele)": truth,
                     "estimated (nmol/L per allele)": fit.params[1], "SE": fit.bse[1],
                     "variance explained (%)": 100 * fit.rsquared, "F": fit.fvalue})
    snps = sm.OLS(data["vitd_nmol"].to_numpy(float),
                  sm.add_constant(data[list(SNP_COLUMNS)].to_numpy(float))).fit()
    rows.append({"instrument": "4 SNPs jointly", "effect in the world (nmol/L per allele)":
                 np.nan, "estimated (nmol/L per allele)": np.nan, "SE": np.nan,
                 "variance explained (%)": 100 * snps.rsquared, "F": snps.fvalue})
    return pd.DataFrame(rows)


def per_log_unit(log_ratio_per_25, level_nmol):
    """Convert a log ratio per +25 nmol/L into one per unit of ln 25(OH)D at ``level_nmol``.

    A unit of natural-log 25(OH)D is a 2.72-fold change; near ``level_nmol`` it spans
    about ``level_nmol`` nmol/L, so the log ratio scales by ``level_nmol / 25``
    (the units of Jacobs et al. 2020: OR 0.57 per unit ln 25(OH)D).

    Parameters
    ----------
    log_ratio_per_25 : float
        Log odds or hazard ratio per +25 nmol/L.
    level_nmol : float
        25(OH)D (nmol/L) around which to convert, e.g. the population's geometric mean.

    Returns
    -------
    float
        Log ratio per unit of ln 25(OH)D.
    """
    return float(log_ratio_per_25) * float(level_nmol) / PER_NMOL


# ------------------------------------------------------------------ weak instruments
def precision_by_size(data, sizes, seed):
    """The library's Wald ratio on nested random subsamples of a one-sample MR study.

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset (all adults of one simulated population).
    sizes : sequence of int
        Numbers of adults; sizes above the data's rows are dropped.
    seed : int
        Seed of the subsampling order.

    Returns
    -------
    pandas.DataFrame
        ``adults``, ``cases``, ``estimate``, ``ci_low``, ``ci_high`` (log OR per
        +25 nmol/L, ancestry-adjusted) and the first-stage ``F`` of the score.
    """
    order = np.random.default_rng(seed).permutation(len(data))
    rows = []
    for size in sorted(s for s in sizes if s <= len(data)):
        part = data.iloc[np.sort(order[:size])]
        fit = iv.mr_wald_ratio(part, "ms", "vitd_nmol", "allele_score", ["ancestry_pc"])
        first = fit.model["first_stage"]
        rows.append({"adults": size, "cases": fit.n_cases, "estimate": fit.estimate,
                     "ci_low": fit.ci_low, "ci_high": fit.ci_high,
                     "F": float(first.tvalues.iloc[1] ** 2)})
    return pd.DataFrame(rows)


def bmi_adults(scenario, population, seed):
    """Adults with adolescent BMI, measured 25(OH)D, the four SNPs and ancestry.

    BMI lowers 25(OH)D in the world (Vimaleswaran et al. 2013) but 25(OH)D does not
    change BMI, so the causal effect of 25(OH)D on BMI is exactly zero while the
    observational slope is negative (reverse causation). BMI is common and continuous,
    which makes weak-instrument bias visible; MS is too rare for it to show.
    Stratification is switched off (``genetics.ancestry_shift = 0``) to isolate it.

    Returns
    -------
    dict of ndarray
        ``bmi`` (kg/m2), ``vitd`` (nmol/L), ``snps`` (people x 4 allele counts),
        ``ancestry`` (northern-European share).
    """
    world = build_world(scenario.with_values({"genetics.ancestry_shift": 0.0}))
    people = world.sample(int(population), seed, columns=[
        "adolescent_bmi", "vitd_survey_nmol", "ancestry_north", "age", "alive", *SNP_COLUMNS])
    adults = people[people["alive"] & (people["age"] >= ADULT_AGE)]
    return {"bmi": adults["adolescent_bmi"].to_numpy(float),
            "vitd": adults["vitd_survey_nmol"].to_numpy(float),
            "snps": adults[list(SNP_COLUMNS)].to_numpy(float),
            "ancestry": adults["ancestry_north"].to_numpy(float)}


def _small_studies(adults, size, draws, rng):
    """2SLS, OLS and first-stage F of ``draws`` studies of ``size`` adults from the pool.

    Studies are drawn with replacement from the adults of :func:`bmi_adults` and fitted
    in vectorized batches of at most :data:`MAX_BATCH_ROWS` people (memory).

    Returns
    -------
    two_stage, ols, first_stage_f : ndarray, shape (draws,)
    """
    pool, batch = len(adults["bmi"]), max(1, MAX_BATCH_ROWS // size)
    parts = []
    for start in range(0, draws, batch):
        picked = rng.integers(0, pool, (min(batch, draws - start), size))
        parts.append(batched_two_stage(adults["bmi"][picked], adults["vitd"][picked],
                                       adults["snps"][picked], adults["ancestry"][picked]))
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def weak_instrument_experiment(adults, sizes, people_per_size, seed):
    """Mean 2SLS estimate and first-stage F of many small one-sample MR studies, by size.

    Weak-instrument bias: with a first-stage F near 1-10, chance imbalances of the
    SNPs move 25(OH)D and the outcome together, so one-sample 2SLS drifts towards the
    confounded observational (OLS) estimate, by about 1/(F + 1) of the way
    (Staiger & Stock 1997; Burgess & Thompson 2011). Samples are drawn at random from
    the adults of :func:`bmi_adults` (a pool far larger than any sample).

    Parameters
    ----------
    adults : dict of ndarray
        Output of :func:`bmi_adults`.
    sizes : sequence of int
        People per study.
    people_per_size : int
        People drawn per size: ``people_per_size // size`` studies (at least 20), so
        small studies, cheap to fit, are drawn many times.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Per size: ``people``, ``median_f``, ``mean_2sls``, ``mcse_2sls``, ``q25_2sls``,
        ``q75_2sls``, ``mean_ols`` (kg/m2 BMI per +25 nmol/L) and ``draws``;
        ``attrs["pool_2sls"]`` is 2SLS in all adults of the pool, the value large
        studies drawn from it approach (the truth, 0, up to the pool's own chance error).
    """
    rng = np.random.default_rng(seed)
    whole, _, _ = batched_two_stage(*(adults[k][None] for k in ("bmi", "vitd", "snps",
                                                                 "ancestry")))
    rows = []
    for size in sizes:
        draws = max(20, int(people_per_size) // int(size))
        two_stage, ols, f_stat = _small_studies(adults, int(size), draws, rng)
        rows.append({"people": int(size), "median_f": np.median(f_stat),
                     "mean_2sls": two_stage.mean(),
                     "mcse_2sls": two_stage.std(ddof=1) / np.sqrt(draws),
                     "q25_2sls": np.quantile(two_stage, 0.25),
                     "q75_2sls": np.quantile(two_stage, 0.75), "mean_ols": ols.mean(),
                     "draws": draws})
    table = pd.DataFrame(rows)
    table.attrs.update(pool_2sls=float(whole[0]), pool_adults=len(adults["bmi"]))
    return table


# ------------------------------------------------------------------ violations
def violation_grid(scenario, pleiotropy, stratification, population, seed):
    """One-sample MR studies of the same people over a grid of violations.

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    pleiotropy : sequence of float
        ``genetics.pleiotropy_hr_per_allele``: direct HR of MS per raising allele
        (1 = none).
    stratification : sequence of float
        ``genetics.ancestry_shift``: raising-allele frequency at ancestry 1 minus at 0.
    population : int
        People simulated per grid point (the same people everywhere: common random numbers).
    seed : int

    Returns
    -------
    dict
        ``{(pleiotropy, stratification): (data, truth)}`` with ``data`` the columns
        ``ms, vitd_nmol, allele_score, ancestry_pc`` (float32) of all adults and ``truth``
        the lifelong log HR per +25 nmol/L.
    """
    grid = {}
    for hr in pleiotropy:
        for shift in stratification:
            study = run_study(scenario, "mr-one-sample", seed, options={
                "population": int(population), "pleiotropy": float(hr),
                "stratification": float(shift)})
            data = study.data[list(WIDGET_COLUMNS)].astype("float32")
            grid[round(float(hr), 4), round(float(shift), 4)] = (data, study.estimand.value)
    return grid


def _nearest(values, value):
    """The element of ``values`` closest to ``value``."""
    values = np.asarray(sorted(values))
    return float(values[np.argmin(np.abs(values - value))])


def grid_estimates(grid, pleiotropy, stratification, participants, seed=0):
    """Wald ratios (ancestry-adjusted and not) and the observational log OR at one grid point.

    Parameters
    ----------
    grid : dict
        Output of :func:`violation_grid`.
    pleiotropy, stratification : float
        The grid point (the nearest one is used).
    participants : int
        Adults analysed: the first ``participants`` of a random order (seeded), so a
        larger study contains the smaller one.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Rows ``label, estimate, ci_low, ci_high, estimand_value, scale, first_stage_f``.
    """
    key = (_nearest({k[0] for k in grid}, pleiotropy),
           _nearest({k[1] for k in grid}, stratification))
    data, truth = grid[round(key[0], 4), round(key[1], 4)]
    rows = np.random.default_rng(seed).permutation(len(data))[:int(participants)]
    arrays = {c: data[c].to_numpy(float)[rows][None, :] for c in WIDGET_COLUMNS}
    adjusted = fast_mr(*(arrays[c] for c in WIDGET_COLUMNS))
    crude = fast_mr(*(arrays[c] for c in WIDGET_COLUMNS[:3]))
    results = [("MR Wald ratio, ancestry-adjusted", adjusted["wald"], adjusted["wald_se"]),
               ("MR Wald ratio, not adjusted", crude["wald"], crude["wald_se"]),
               ("observational logistic", adjusted["observational"],
                adjusted["observational_se"])]
    table = pd.DataFrame([{"label": label, "estimate": float(est[0]), "se": float(se[0])}
                          for label, est, se in results])
    table["ci_low"] = table["estimate"] - Z_95 * table["se"]
    table["ci_high"] = table["estimate"] + Z_95 * table["se"]
    table["estimand_value"], table["scale"] = truth, "log OR per 25 nmol/L"
    table["first_stage_f"] = float(adjusted["first_stage_f"][0])
    table.attrs.update(pleiotropy=key[0], stratification=key[1], participants=len(rows))
    return table


def violations_table(grid, participants, seed=0):
    """:func:`grid_estimates` at every grid point, stacked (one row per point and estimate)."""
    parts = [grid_estimates(grid, hr, shift, participants, seed).assign(
        pleiotropy=hr, stratification=shift) for hr, shift in grid]
    return pd.concat(parts, ignore_index=True)

"""Mendelian randomization with the four vitamin-D SNPs (GC, CYP2R1, DHCR7, CYP24A1).

Outcome: MS diagnosed by the survey day (ever), among adults. Exposure: one 25(OH)D
draw. Instrument: the allele counts, weighted by published per-allele effects (the
scenario's ``genetics.effect_nmol``, as a GWAS would report them). Real MR studies
adjust for ancestry principal components; here ``ancestry_pc`` is the person's
northern-ancestry share measured with a little noise, and ``adjust_ancestry``
switches the adjustment. The options ``pleiotropy`` and ``stratification`` set the
world's ``genetics.pleiotropy_hr_per_allele`` and ``genetics.ancestry_shift``.

Option constraint (refused before simulating): in two-sample MR ``exposure_sample`` must
be below ``population``, or no adult is left for the outcome GWAS; a population whose
adults are all in the exposure sample raises
:class:`~simlib.designs.base.DesignDataError` when sampled.

The estimand is the lifelong causal effect of 25(OH)D: the log HR of onset per
+25 nmol/L (close to the log OR for a rare outcome) or, for 2SLS, the risk
difference of MS by the survey day per +25 nmol/L; both by intervention on the
same people.

References
----------
Mokry LE et al. Vitamin D and risk of multiple sclerosis: a Mendelian randomization
study. PLoS Med 2015;12:e1001866.
Burgess S, Butterworth A, Thompson SG. Mendelian randomization analysis with multiple
genetic variants using summarized data. Genet Epidemiol 2013;37:658-65.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import estimators as est
from .. import instruments as iv
from ..timing import timed
from ..world import SNP_COLUMNS
from .base import (
    MAX_AGE,
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    age_band_world,
    below,
    reference_people,
    reference_size,
    register_design,
)
from .common import (
    BASE_COLUMNS,
    LOG_HR_SCALE,
    SHIFT_NMOL,
    sample_rows,
    shifted_hazard_inputs,
    shifted_onset,
    true_log_hr,
)

COLUMNS = tuple(dict.fromkeys(BASE_COLUMNS + SNP_COLUMNS + ("ms_log_hazard_ratio",)))
ANCESTRY_PC_NOISE = 0.05
ADULT_AGE = 18.0


def _adults(people):
    return np.flatnonzero(people["alive"].to_numpy() & (people["age"].to_numpy() >= ADULT_AGE))


def _adult_ages(options):
    """MR samples adults only, so only adults are simulated (one in five people of the
    stationary population is a child: :func:`simlib.designs.base.simulate_people`)."""
    return ADULT_AGE, MAX_AGE


def _frame(people, rows, rng):
    """Individual-level data: outcome, exposure, SNPs, allele score and ancestry PC."""
    scenario = people.attrs["scenario"]
    snps = {c: people[c].to_numpy()[rows] for c in SNP_COLUMNS}
    weights = np.asarray(scenario.genetics.effect_nmol)
    score = sum(w * snps[c] for w, c in zip(weights, SNP_COLUMNS, strict=True))
    ancestry = people["ancestry_north"].to_numpy()[rows]
    return pd.DataFrame({
        "ms": (people["diagnosis_age"].to_numpy()[rows]
               < people["age"].to_numpy()[rows]).astype(int),
        "vitd_nmol": people["vitd_survey_nmol"].to_numpy()[rows], "allele_score": score,
        "ancestry_pc": ancestry + ANCESTRY_PC_NOISE * rng.standard_normal(len(rows)),
        "age": people["age"].to_numpy()[rows], "female": people["female"].to_numpy()[rows],
        **snps,
    })


@timed("estimand")
def _estimands(world, people, rows) -> tuple[Estimand, Estimand]:
    """(lifelong log HR of onset per +25 nmol/L, risk difference of MS by the survey day
    per +25 nmol/L) among the adults studied.

    Both are the adult population's: for the scenario's own world they are computed
    once per process on a reference population of as many adults as the source
    population holds on average (:func:`reference_estimands`), instead of on each
    replicate's sample (1.7 s of a 3.7 s one-sample replicate, issue 11); the same
    quantities, fixed across replicates rather than varying with each sample. A custom
    world (``world=``) is computed on the replicate's own ``rows``, as before.
    """
    size = reference_size(world, people, ADULT_AGE, MAX_AGE)
    if size is not None:
        return reference_estimands(people.attrs["scenario"], size)
    return _own_estimands(world, people, rows)


def _own_estimands(world, people, rows) -> tuple[Estimand, Estimand]:
    onsets = shifted_onset(world, people, rows, 0.0)  # both estimands use them
    log_hr = true_log_hr(world, people, rows, 0.0, 80.0, onsets=onsets)
    return (Estimand("lifelong log HR of MS onset per +25 nmol/L", log_hr, LOG_HR_SCALE),
            _risk_difference(people, rows, onsets))


@lru_cache(maxsize=16)
def reference_estimands(scenario, size: int) -> tuple[Estimand, Estimand]:
    """The estimands of :func:`_estimands` among the adults alive on the survey day of
    ``size`` people aged 18 or more of ``scenario``
    (:func:`~simlib.designs.base.reference_people`); cached."""
    band_world = age_band_world(scenario, ADULT_AGE, MAX_AGE)[0]
    columns = tuple(dict.fromkeys(("age", "alive", "diagnosis_age", "ms_onset_age",
                                   *shifted_hazard_inputs(band_world))))
    world, people = reference_people(scenario, ADULT_AGE, MAX_AGE, size, columns)
    return _own_estimands(world, people, _adults(people))


def _risk_difference(people, rows, onsets):
    """Risk difference of MS diagnosed by the survey day per +25 nmol/L lifelong 25(OH)D
    (``onsets``: :func:`shifted_onset` of these rows from birth)."""
    natural, shifted, _, _ = onsets
    finite = np.isfinite(natural)
    delay = np.where(finite, people["diagnosis_age"].to_numpy()[rows] - np.where(finite, natural,
                                                                                  0), 0.0)
    age = people["age"].to_numpy()[rows]
    value = np.mean(shifted + delay < age) - np.mean(natural + delay < age)
    return Estimand("risk difference of MS by the survey day per +25 nmol/L", float(value),
                    "risk difference per 25 nmol/L")


def _options(adjust_ancestry):
    return ("ancestry_pc",) if adjust_ancestry else ()


# ---------------------------------------------------------------- one-sample MR
def one_sample(world, people, rng, population, participants, adjust_ancestry):
    """One sample: exposure, outcome and SNPs measured on the same adults."""
    rows = sample_rows(rng, _adults(people), participants)
    log_hr, risk_difference = _estimands(world, people, rows)
    study = Study("mr-one-sample", _frame(people, rows, rng), log_hr)
    study.options = {"adjust_ancestry": adjust_ancestry}
    study.extra["estimands"] = {"2sls": risk_difference}
    return study


def wald_ratio(study):
    """Wald ratio of the allele score: logit (outcome) over OLS (exposure) coefficients."""
    return iv.mr_wald_ratio(study.data, "ms", "vitd_nmol", "allele_score",
                             covariates=_options(study.options["adjust_ancestry"]),
                             per=SHIFT_NMOL)


def two_stage(study):
    """2SLS with the four SNPs as instruments (linear probability: a risk difference)."""
    return iv.two_stage_least_squares(study.data, "ms", "vitd_nmol", list(SNP_COLUMNS),
                                       covariates=_options(study.options["adjust_ancestry"]),
                                       per=SHIFT_NMOL)


def observational_logit(study):
    """For contrast: the plain logistic regression of MS on measured 25(OH)D."""
    return est.logit(study.data, "ms", "vitd_nmol",
                     covariates=_options(study.options["adjust_ancestry"]))


MR_OPTIONS = {
    "population": Option(2_000_000, "people in the source population (all ages; only "
                                    "adults are simulated)", 10_000, 50_000_000),
    "adjust_ancestry": Option(True, "adjust for the ancestry principal component"),
    "pleiotropy": Option(None, "sets genetics.pleiotropy_hr_per_allele (direct SNP effect)",
                         0.5, 2.0, scenario_key="genetics.pleiotropy_hr_per_allele"),
    "stratification": Option(None, "sets genetics.ancestry_shift (allele frequency vs "
                             "ancestry)", 0.0, 0.3, scenario_key="genetics.ancestry_shift"),
}

register_design(Design(
    "mr-one-sample",
    "one-sample MR: Wald ratio of the allele score, or 2SLS on the four SNPs",
    one_sample,
    {"wald-ratio": wald_ratio, "2sls": two_stage, "observational-logit": observational_logit},
    {**MR_OPTIONS,
     "participants": Option(50_000_000, "adults sampled (at most all adults)", 100,
                            50_000_000)},
    COLUMNS,
    estimand_columns=shifted_hazard_inputs,
    age_band=_adult_ages,
))


# ---------------------------------------------------------------- two-sample MR
def two_sample(world, people, rng, population, exposure_sample, adjust_ancestry):
    """Two disjoint samples: an exposure GWAS with blood draws, an outcome GWAS of MS.

    Per-SNP summary statistics (beta, SE) from each sample are combined by the
    inverse-variance weighted estimator, as two-sample MR studies do.

    Constraint: ``exposure_sample < population``. If the exposure GWAS takes every adult
    anyway, :class:`~simlib.designs.base.DesignDataError` says so.
    """
    adults = rng.permutation(_adults(people))
    exposure_rows = np.sort(adults[:exposure_sample])
    outcome_rows = np.sort(adults[exposure_sample:])
    if len(outcome_rows) == 0:
        raise DesignDataError(f"the exposure GWAS (exposure_sample={exposure_sample:,}) takes "
                              f"all {len(adults):,} adults of the "
                              f"{people.attrs.get('source_population', len(people)):,} "
                              "simulated, "
                              "leaving none for the outcome GWAS: raise population or lower "
                              "exposure_sample")
    covariates = _options(adjust_ancestry)
    exposure = iv.snp_summary_statistics(_frame(people, exposure_rows, rng), list(SNP_COLUMNS),
                                          "vitd_nmol", covariates=covariates)
    outcome = iv.snp_summary_statistics(_frame(people, outcome_rows, rng), list(SNP_COLUMNS),
                                         "ms", covariates=covariates, binary=True)
    summary = pd.DataFrame({"snp": list(SNP_COLUMNS),
                            "beta_exposure": np.asarray(exposure["beta"]),
                            "se_exposure": np.asarray(exposure["se"]),
                            "beta_outcome": np.asarray(outcome["beta"]),
                            "se_outcome": np.asarray(outcome["se"])})
    study = Study("mr-two-sample", summary, _estimands(world, people, outcome_rows)[0])
    cases = int((people["diagnosis_age"].to_numpy()[outcome_rows]
                 < people["age"].to_numpy()[outcome_rows]).sum())
    study.extra = {"n_exposure": len(exposure_rows), "n_outcome": len(outcome_rows),
                   "n_outcome_cases": cases}
    return study


def inverse_variance_weighted(study):
    """IVW estimate over the four SNPs (fixed effect), log OR per 25 nmol/L."""
    d = study.data
    fit = iv.ivw(d["beta_outcome"].to_numpy(), d["se_outcome"].to_numpy(),
                 d["beta_exposure"].to_numpy(), per=SHIFT_NMOL)
    if not fit.converged and study.extra.get("n_outcome_cases") == 0:
        return replace(fit, reason=f"no MS cases in the outcome GWAS of "
                       f"{study.extra['n_outcome']:,} adults: raise population")
    return fit


register_design(Design(
    "mr-two-sample",
    "two-sample MR: IVW over the four SNPs from exposure and outcome summary statistics",
    two_sample,
    {"ivw": inverse_variance_weighted},
    {**MR_OPTIONS,
     "exposure_sample": Option(100_000, "adults in the exposure GWAS", 100, 10_000_000)},
    COLUMNS,
    constraints=(below("exposure_sample", "population", "mr-two-sample",
                       "the exposure GWAS would take every adult, leaving none for the outcome "
                       "GWAS"),),
    estimand_columns=shifted_hazard_inputs,
    age_band=_adult_ages,
))

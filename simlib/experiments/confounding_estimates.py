"""Grouped Poisson fits and the tables of notebook ``02_confounding``.

The cohorts come from :mod:`simlib.experiments.confounding`; here they are analysed. Each
table function fits the crude and the adjusted model (:data:`ANALYSES`) to the real or
the unlimited cohort, beside the truth: as they are (:func:`crude_and_adjusted`), with
mechanisms switched off one at a time (:func:`switch_off`), with and without reverse
causation (:func:`prodrome_effect`) and with an unmeasured confounder of growing
strength (:func:`unmeasured_sweep`).

The Poisson models are fitted to the cohort grouped by covariate pattern (25(OH)D to
1 nmol/L, age in 5-year bands), which reproduces the individual-level estimates to about
0.002 on the log scale in a tenth of the time (Breslow & Day 1987).

References
----------
Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II: the design and
analysis of cohort studies. IARC Sci Publ 82; 1987 (Poisson regression on grouped data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import estimators as est
from ..designs.prospective import ADJUST
from .confounding import (
    CONFOUNDERS,
    HAZARD,
    MECHANISMS,
    Cohort,
    realized_data,
    unlimited_data,
    with_direct_effect,
)

VITD_STEP_NMOL = 1.0  # 25(OH)D is grouped to this many nmol/L for the grouped fits
AGE_BAND_YEARS = 5.0  # age is grouped in bands this wide (years), at the band's midpoint
ANALYSES = {"crude": (), "adjusted": ADJUST}


# -------------------------------------------------------------------- fitting
def group_codes(data: pd.DataFrame, covariates) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct covariate patterns (a table) and each row's pattern number.

    Parameters
    ----------
    data : pandas.DataFrame
        Cohort data with ``vitd_nmol`` and the ``covariates``.
    covariates : sequence of str
        Adjustment columns; 25(OH)D is grouped to :data:`VITD_STEP_NMOL` nmol/L and
        ``age`` to :data:`AGE_BAND_YEARS`-year bands.

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        One row per pattern (``vitd_nmol`` and the covariates), and the pattern number
        of each row of ``data``. Re-usable for new counts with :func:`summed_counts`.
    """
    keys = data[list(covariates)].copy()
    keys["vitd_nmol"] = np.round(data["vitd_nmol"].to_numpy() / VITD_STEP_NMOL) * VITD_STEP_NMOL
    if "age" in keys:
        keys["age"] = (data["age"].to_numpy() // AGE_BAND_YEARS + 0.5) * AGE_BAND_YEARS
    codes = keys.groupby(list(keys.columns), sort=False, observed=True,
                         dropna=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    return keys.iloc[first].reset_index(drop=True), codes


def summed_counts(table, codes, events, years) -> pd.DataFrame:
    """``table`` with the events and person-years of its rows' members summed.

    Parameters
    ----------
    table, codes
        From :func:`group_codes`.
    events, years : numpy.ndarray
        Each member's (possibly expected or weighted) events and person-years.

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``event`` and ``person_years`` columns, ready for
        :func:`simlib.estimators.poisson_rate`.
    """
    frame = table.copy()
    frame["event"] = np.bincount(codes, weights=events, minlength=len(table))
    frame["person_years"] = np.bincount(codes, weights=years, minlength=len(table))
    return frame


def fit_poisson(data: pd.DataFrame, covariates=()) -> est.Estimate:
    """Log rate ratio per +25 nmol/L: Poisson regression on data grouped by pattern.

    Parameters
    ----------
    data : pandas.DataFrame
        Cohort data (``event``, ``person_years``, ``vitd_nmol`` and the covariates);
        ``event`` may be expected or weighted counts. 25(OH)D is grouped to
        :data:`VITD_STEP_NMOL` nmol/L and ``age`` to :data:`AGE_BAND_YEARS`-year bands.
    covariates : sequence of str
        Adjustment columns: numeric ones enter linearly, strings as categories (use
        bands or categories for continuous ones other than age).

    Returns
    -------
    simlib.estimators.Estimate
        Scale ``"log RR per 25 nmol/L"``. With expected counts, the interval is not a
        sampling interval (there is no sampling error to speak of).
    """
    table, codes = group_codes(data, covariates)
    frame = summed_counts(table, codes, data["event"].to_numpy(float),
                          data["person_years"].to_numpy(float))
    return est.poisson_rate(frame, "event", "person_years", "vitd_nmol",
                            covariates=tuple(covariates))


def _row(estimate: est.Estimate, truth: float, interval: bool = True, **labels) -> dict:
    """A table row; ``interval=False`` for expected counts (no sampling interval)."""
    low, high = (estimate.ci_low, estimate.ci_high) if interval else (np.nan, np.nan)
    return {**labels, "estimate": estimate.estimate, "ci_low": low, "ci_high": high,
            "estimand_value": truth, "scale": estimate.scale, "n_cases": estimate.n_cases,
            "converged": estimate.converged}


# --------------------------------------------------------------------- tables
def crude_and_adjusted(cohorts: dict[str, Cohort]) -> pd.DataFrame:
    """Crude and adjusted estimates of the real cohort and of the unlimited cohort.

    Returns
    -------
    pandas.DataFrame
        One row per (world, analysis, cohort): ``world, analysis, cohort`` ("this cohort"
        or "unlimited cohort"), ``estimate, ci_low, ci_high`` (log RR per 25 nmol/L; no
        interval for the unlimited cohort), ``estimand_value`` (the truth on the same
        people), ``scale, n_cases`` (expected onsets for the unlimited cohort),
        ``converged``.
    """
    rows = []
    for world, cohort in cohorts.items():
        sources = {"this cohort": cohort.study.data, "unlimited cohort": unlimited_data(cohort)}
        for source, data in sources.items():
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth,
                                 source == "this cohort", world=world, analysis=analysis,
                                 cohort=source))
    return pd.DataFrame(rows)


def switch_off_steps() -> dict[str, tuple[str, ...]]:
    """The steps of the decomposition: label -> names of the mechanisms switched off."""
    steps = {"the world as it is": ()}
    steps.update({MECHANISMS[name].off: (name,) for name in CONFOUNDERS})
    steps["all five confounding paths off"] = CONFOUNDERS
    steps["... and perfect measurement"] = (*CONFOUNDERS, "measurement")
    return steps


def switch_off(cohorts: dict[str, Cohort], steps: dict | None = None) -> pd.DataFrame:
    """Unlimited-cohort estimates as mechanisms are switched off, in each world.

    Returns
    -------
    pandas.DataFrame
        One row per (world, step, analysis): ``world, step, analysis, estimate,
        estimand_value`` ... as :func:`crude_and_adjusted`. The truth is each world's
        cohort estimand (switching a confounder off leaves the effect of 25(OH)D as is).
    """
    steps = switch_off_steps() if steps is None else steps
    rows = []
    for world, cohort in cohorts.items():
        for step, names in steps.items():
            data = unlimited_data(cohort, [MECHANISMS[name] for name in names])
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, False,
                                 world=world, step=step, analysis=analysis))
    return pd.DataFrame(rows)


def prodrome_effect(cohorts: dict[str, Cohort]) -> pd.DataFrame:
    """The real cohort's estimates with and without reverse causation (same cases).

    The blood draws are re-measured with the prodrome and post-onset losses switched
    off; nothing else changes, so the difference is the prodrome's share alone.
    """
    rows = []
    for world, cohort in cohorts.items():
        for label, names in {"as measured": (), "without reverse causation": ("reverse",)}.items():
            data = realized_data(cohort, [MECHANISMS[name] for name in names])
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, world=world,
                                 draw=label, analysis=analysis))
    return pd.DataFrame(rows)


def unmeasured_sweep(cohorts: dict[str, Cohort], hrs_per_sd,
                     cause: str = "health_consciousness") -> pd.DataFrame:
    """Unlimited-cohort adjusted estimates when ``cause`` also acts on MS, unmeasured.

    For each hazard ratio per unit (SD) of ``cause``, the members' hazard comes from
    :func:`~simlib.experiments.confounding.with_direct_effect`; the adjusted model
    cannot include ``cause``.

    Returns
    -------
    pandas.DataFrame
        ``world, hr_per_sd, analysis, estimate, estimand_value`` ...
    """
    rows = []
    for world_name, cohort in cohorts.items():
        for hr in hrs_per_sd:
            world = with_direct_effect(cohort.world, cause, hr)
            data = unlimited_data(cohort, world=world, changes=(HAZARD,))
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, False,
                                 world=world_name, hr_per_sd=hr, analysis=analysis))
    return pd.DataFrame(rows)

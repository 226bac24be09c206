"""Pieces the designs share: truth on the same people, follow-up, blood draws, matching."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .. import measure
from ..errors import ModelError
from ..estimators import NO_CASES, Estimate
from ..period import OnsetHazard, onset_hazard
from ..scm import Model
from ..timing import timed
from ..truth import SHIFT_NMOL
from .base import DesignDataError

LOG_HR_SCALE = "log HR per 25 nmol/L"
NO_RELAPSES = "no relapses in this sample: raise participants or follow-up"

#: Population columns needed to measure 25(OH)D at any age (see measure.true_level).
LEVEL_COLUMNS = ("vitd_mean_nmol", "sun_vitd_nmol", "seasonal_amplitude_nmol",
                 "birth_year_fraction", "southern", "prodrome_start_age", "ms_onset_age",
                 "after_onset_sun_loss", "post_dx_supplement_start_age", "post_dx_rise_nmol",
                 "vitd_drift_key", "birth_year", "supplement_adoption_year",
                 "supplement_era_change_nmol")
#: Columns most designs use.
BASE_COLUMNS = ("female", "age", "alive", "region_id", "latitude_deg", "diagnosis_age",
                "death_age", "ms_onset_age", "vitd_survey_nmol", "adolescent_bmi", "obese",
                "smoker", "skin_dark", "ancestry_north")


def without_serum(columns) -> tuple[str, ...]:
    """A design's columns for a population whose survey draw is read for the sampled
    people only (:func:`survey_draw`): without ``vitd_survey_nmol``, with what it is
    computed from (:data:`LEVEL_COLUMNS`, computed anyway as ancestors of the outcome)."""
    kept = (*columns, *LEVEL_COLUMNS, "age")
    return tuple(c for c in dict.fromkeys(kept) if c != "vitd_survey_nmol")


def population_seed(people: pd.DataFrame):
    """The seed the population was sampled with (set by ``run_study``)."""
    return people.attrs["seed"]


def shifted_hazard_inputs(world: Model) -> tuple[str, ...]:
    """Columns from which :func:`log_hazard_ratios` computes the shifted log hazard ratio
    without simulating anyone again: the natural log HR, the natural ``vitd_mean_nmol``
    and every parent of a node from ``vitd_mean_nmol`` to ``ms_log_hazard_ratio`` that
    the shift does not change (for the default world about 20 columns; a teacher's extra
    node on the path adds its own)."""
    shifted = world.do(vitd_mean_nmol=lambda value: value)
    path = (shifted.affected_by_interventions() - {"vitd_mean_nmol"}) \
        & (world.ancestors("ms_log_hazard_ratio") | {"ms_log_hazard_ratio"})
    parents = {p for name in path for p in world.nodes[name].parents}
    return tuple(sorted((parents - path) | {"ms_log_hazard_ratio", "vitd_mean_nmol"}))


def log_hazard_ratios(world: Model, people: pd.DataFrame, shift: float = SHIFT_NMOL,
                      rows=None):
    """The log HR of onset of ``rows`` of ``people`` (default all), naturally and if
    long-term 25(OH)D were ``shift`` nmol/L higher.

    The nodes from ``vitd_mean_nmol`` to ``ms_log_hazard_ratio`` draw no random numbers
    in the default world, so they are recomputed for ``rows`` only
    (:meth:`~simlib.scm.Model.evaluate_rows`): the same values as for the whole
    population at the cost of the sample. A world with a node on that path that draws
    (a teacher's extension) is evaluated for everyone and then subset.
    """
    columns = {c: people[c].to_numpy() for c in people}
    seed, keep = population_seed(people), ("ms_log_hazard_ratio",)
    shifted_world = world.do(vitd_mean_nmol=lambda value: value + shift)
    if rows is not None and len(rows) < len(people):  # a sample: recompute it only
        try:
            natural = columns["ms_log_hazard_ratio"][rows] \
                if "ms_log_hazard_ratio" in columns \
                else world.evaluate_rows(rows, seed, columns, keep)["ms_log_hazard_ratio"]
            return natural, shifted_world.evaluate_rows(rows, seed, columns, keep)[
                "ms_log_hazard_ratio"]
        except ModelError:  # a node on the path draws: evaluate everyone below
            pass
    n, rows = len(people), slice(None) if rows is None else rows
    natural = world.evaluate(n, seed, reuse=columns, keep=keep)["ms_log_hazard_ratio"]
    shifted = shifted_world.evaluate(n, seed, reuse=columns, keep=keep)["ms_log_hazard_ratio"]
    return natural[rows], shifted[rows]


def window_rate(onset, log_hr, start, end, hazard: OnsetHazard, birth_year):
    """(expected onsets, person-years at risk) in [start, end) for people without onset at start.

    Expected onsets are each person's integrated hazard over their time at risk
    (the compensator, with the calendar-period effect of ``hazard`` for their
    ``birth_year``): the same rate as counting onsets, without their Poisson noise.
    """
    at_risk = onset >= start
    stop = np.minimum(onset, end)[at_risk]
    begin = np.broadcast_to(start, onset.shape)[at_risk]
    birth, lp = np.broadcast_to(birth_year, onset.shape)[at_risk], log_hr[at_risk]
    return float(np.sum(hazard.between(begin, stop, birth, lp))), float(np.sum(stop - begin))


@timed("estimand")
def shifted_onset(world: Model, people: pd.DataFrame, rows, start):
    """(natural onset, onset with +25 nmol/L from ``start``, natural log HR, shifted log HR)."""
    hazard = onset_hazard(people.attrs["scenario"])
    natural_lp, shifted_lp = log_hazard_ratios(world, people, rows=rows)
    natural = people["ms_onset_age"].to_numpy()[rows]
    start = np.broadcast_to(np.asarray(start, dtype=float), natural.shape)
    birth = hazard.birth_year(people["age"].to_numpy()[rows])
    shifted = hazard.after_change(natural, birth, natural_lp, shifted_lp, start)
    return natural, shifted, natural_lp, shifted_lp


@timed("estimand")
def true_log_hr(world: Model, people: pd.DataFrame, rows, start, end, onsets=None) -> float:
    """True log rate ratio of onset per +25 nmol/L on ``rows`` of ``people`` over [start, end).

    The intervention raises long-term 25(OH)D by 25 nmol/L from age ``start`` on (for a
    window starting at birth, for life), leaving everyone's history before ``start``
    as it was, so both worlds have the same people at risk when the window opens.
    Computed on the same people with the same draws (potential outcomes); rates use
    expected onsets over the time at risk, so the value is exactly 0 in a world where
    vitamin D has no effect and free of event-count noise otherwise. NaN (quietly) in a
    world without MS (``ms.baseline_per_100k = 0``), where no rate ratio exists;
    :class:`~simlib.designs.base.DesignDataError` when nobody is at risk in the window.
    ``onsets``: what :func:`shifted_onset` returns for these rows and ``start``, when the
    caller has it already (a design with two estimands on the same people).
    """
    hazard = onset_hazard(people.attrs["scenario"])
    birth = hazard.birth_year(people["age"].to_numpy()[rows])
    natural, shifted, natural_lp, shifted_lp = shifted_onset(world, people, rows, start) \
        if onsets is None else onsets
    start = np.broadcast_to(np.asarray(start, dtype=float), natural.shape)
    expected_n, time_n = window_rate(natural, natural_lp, start, end, hazard, birth)
    expected_s, time_s = window_rate(shifted, shifted_lp, start, end, hazard, birth)
    if time_n <= 0 or time_s <= 0:
        raise DesignDataError(f"no person-time at risk of MS onset among the {len(natural):,} "
                              "people studied (all had onset before the window): raise "
                              "population or change the ages")
    return log_difference(expected_s / time_s, expected_n / time_n)


def log_difference(a, b) -> float:
    """``log(a) - log(b)``; NaN without a warning when either is 0 (no MS in the world)."""
    a, b = float(a), float(b)
    return float(np.log(a) - np.log(b)) if a > 0 and b > 0 else float("nan")


def log_ratio(numerator, denominator) -> float:
    """``log(numerator / denominator)``; NaN without a warning when either is 0 (no events)."""
    numerator, denominator = float(numerator), float(denominator)
    return float(np.log(numerator / denominator)) if numerator > 0 and denominator > 0 \
        else float("nan")


@timed("measure")
def survey_draw(world: Model, people: pd.DataFrame, rows) -> np.ndarray:
    """``vitd_survey_nmol`` of ``rows`` of ``people``, for a design that did not simulate it
    for everyone (the biobank reads it for its few thousand sampled people only).

    The values are exactly those of simulating the column for the whole population:
    the survey draw's assay noise is drawn row by row (``Node.row_draws``), so its
    arrays are drawn for everyone and the level computed for ``rows`` only
    (:meth:`~simlib.scm.Model.evaluate_rows`). A custom world whose survey draw does
    not draw row by row is evaluated for everyone.
    """
    if "vitd_survey_nmol" in people:
        return people["vitd_survey_nmol"].to_numpy()[rows]
    if people.attrs.get("simulated") != len(people):
        raise ModelError("survey_draw: these people are not a whole simulated population "
                         "in its order (a subset?), so their row-by-row draws cannot be "
                         "found; simulate vitd_survey_nmol with them")
    columns = {c: people[c].to_numpy() for c in people}
    seed, keep = population_seed(people), ("vitd_survey_nmol",)
    try:
        return world.evaluate_rows(rows, seed, columns, keep,
                                   chunk_size=len(people))["vitd_survey_nmol"]
    except ModelError:
        return world.evaluate(len(people), seed, reuse=columns, keep=keep)[
            "vitd_survey_nmol"][rows]


@timed("measure")
def blood_draw(people: pd.DataFrame, rows, age_at_draw, rng, scenario) -> np.ndarray:
    """Measured 25(OH)D (nmol/L) of ``rows`` at ``age_at_draw``, with fresh assay noise."""
    part = {c: people[c].to_numpy()[rows] for c in LEVEL_COLUMNS}
    level = measure.true_level(age_at_draw, *(part[c] for c in LEVEL_COLUMNS), scenario.sun,
                               scenario.reverse_causation, scenario.measurement,
                               scenario.calendar)
    return measure.assay(rng, level, scenario.measurement)


def sample_rows(rng, candidates: np.ndarray, size: int | None) -> np.ndarray:
    """A simple random sample (sorted) of ``size`` rows, or all candidates if fewer."""
    if size is None or size >= len(candidates):
        return candidates
    return np.sort(rng.choice(candidates, size=size, replace=False))


def covariate_frame(people: pd.DataFrame, rows) -> dict:
    """Covariates every design reports, for ``rows`` of the population."""
    return {
        "female": people["female"].to_numpy()[rows],
        "latitude_deg": people["latitude_deg"].to_numpy()[rows],
        "obese": people["obese"].to_numpy()[rows],
        "smoker": people["smoker"].to_numpy()[rows],
        "region": people["region_id"].to_numpy()[rows],
    }


def relapse_reason(fit: Estimate) -> Estimate:
    """``fit`` with "no relapses" for the estimators' "no cases" (the events are relapses)."""
    return replace(fit, reason=NO_RELAPSES) if fit.reason == NO_CASES else fit

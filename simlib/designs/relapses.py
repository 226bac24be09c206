"""Designs among people with MS: a relapse cohort, and supplement users vs non-users.

Participants are people with diagnosed MS alive on the survey day, followed forward.
Relapses arrive as a Poisson process whose rate falls with disease duration and peaks
in spring (:func:`simlib.history.expected_relapses`); 25(OH)D is lowest in late winter.
Season therefore links low 25(OH)D to relapses in every world, causal or not; so does
disease activity, which raises the relapse rate and, through disability, lowers the
time spent outdoors.

Option constraint (refused before simulating): in the relapse cohort ``interval_years``
must not exceed ``follow_up_years`` (the follow-up holds ``round(follow_up_years /
interval_years)`` intervals, one blood draw each). A population with nobody eligible
(no diagnosed MS alive on the survey day) raises
:class:`~simlib.designs.base.DesignDataError`.

References
----------
Simpson S et al. Higher 25-hydroxyvitamin D is associated with lower relapse risk in
multiple sclerosis. Ann Neurol 2010;68:193-203.
Spelman T et al. Seasonal variation of relapse rate in multiple sclerosis is latitude
dependent. Ann Neurol 2014;76:880-90.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .. import estimators as est
from .. import history
from ..timing import phase
from .base import Design, DesignDataError, Estimand, Option, Study, below, register_design
from .common import (
    BASE_COLUMNS,
    LEVEL_COLUMNS,
    SHIFT_NMOL,
    blood_draw,
    log_ratio,
    relapse_reason,
    sample_rows,
)

COLUMNS = tuple(dict.fromkeys(BASE_COLUMNS + LEVEL_COLUMNS + (
    "vitd_after_onset_nmol", "vitd_on_supplement_nmol", "birth_year_fraction", "southern",
    "ms_activity")))
RELAPSE_SCALE = "log relapse RR per 25 nmol/L"


def _with_ms(people):
    """People with MS diagnosed before the survey day and alive on it (none: an error)."""
    age = people["age"].to_numpy()
    rows = np.flatnonzero(people["alive"].to_numpy()
                          & (people["diagnosis_age"].to_numpy() < age))
    if len(rows) == 0:
        raise DesignDataError(f"no people with diagnosed MS alive on the survey day among the "
                              f"{len(people):,} simulated: raise population")
    return rows


def _named(fit, data, column, what):
    """``fit`` with a reason in the study's terms when ``column`` does not vary in ``data``."""
    if fit.converged or data[column].nunique() > 1:
        return fit
    return replace(fit, reason=what)


def _expected(people, rows, start, end, shift=0.0, supplement_start=None):
    """Expected relapses in [start, end) (ages), with 25(OH)D raised by ``shift``."""
    def col(name):
        return people[name].to_numpy()[rows]

    starts = col("post_dx_supplement_start_age") if supplement_start is None else supplement_start
    args = (starts, col("vitd_after_onset_nmol") + shift, col("vitd_on_supplement_nmol") + shift,
            col("birth_year_fraction"), col("southern"), people.attrs["scenario"].relapse,
            col("ms_activity"))
    onset = col("ms_onset_age")
    return history.expected_relapses(onset, end, *args) \
        - history.expected_relapses(onset, start, *args)


# -------------------------------------------------------------- relapse cohort
def relapse_cohort_sample(world, people, rng, population, participants, follow_up_years,
                          interval_years):
    """Repeated 25(OH)D draws, one at the start of each interval; relapses counted per interval.

    A draw taken in the interval after a relapse is lower by
    ``reverse_causation.relapse_vitd_drop_nmol`` (reverse causation).

    Constraint: ``interval_years <= follow_up_years`` (at least one interval). Nobody
    with diagnosed MS raises :class:`~simlib.designs.base.DesignDataError`.
    """
    rows = sample_rows(rng, _with_ms(people), participants)
    entry = people["age"].to_numpy()[rows]
    scenario = people.attrs["scenario"]
    pieces, previous = [], np.zeros(len(rows), dtype=int)
    drop = scenario.reverse_causation.relapse_vitd_drop_nmol
    for k in range(int(round(follow_up_years / interval_years))):
        start = entry + k * interval_years
        expected = _expected(people, rows, start, start + interval_years)
        draw = blood_draw(people, rows, start, rng, scenario)
        draw = np.maximum(draw - drop * (previous > 0), 1.0)  # reverse causation
        relapses = rng.poisson(expected)
        month = np.floor(np.mod(people["birth_year_fraction"].to_numpy()[rows] + start
                                + 0.5 * people["southern"].to_numpy()[rows], 1) * 12)
        pieces.append(pd.DataFrame({
            "person": rows, "interval": k, "vitd_nmol": draw,
            "relapses": relapses, "years": interval_years,
            "duration": start - people["ms_onset_age"].to_numpy()[rows],
            "draw_month": month.astype(int),
        }))
        previous = relapses
    data = pd.concat(pieces, ignore_index=True)
    with phase("estimand"):
        shifted = _expected(people, rows, entry, entry + follow_up_years, shift=SHIFT_NMOL)
        natural = _expected(people, rows, entry, entry + follow_up_years)
        value = log_ratio(shifted.sum(), natural.sum())
    return Study("relapse-cohort", data,
                 Estimand("log relapse rate ratio per +25 nmol/L", value, RELAPSE_SCALE))


def relapse_poisson(study):
    """Poisson regression of relapses per interval on the draw at its start.

    Standard errors are cluster-robust by person (repeated measures).
    """
    return relapse_reason(est.poisson_rate(study.data, "relapses", "years", "vitd_nmol",
                                           cluster="person"))


def relapse_poisson_naive(study):
    """As ``poisson`` with model-based SEs that ignore repeated measures (too small)."""
    return relapse_reason(est.poisson_rate(study.data, "relapses", "years", "vitd_nmol"))


def relapse_poisson_season(study):
    """As ``poisson``, adjusted for draw season (calendar half) and disease duration."""
    data = study.data.assign(winter_spring=study.data["draw_month"].isin([11, 0, 1, 2, 3, 4]))
    return relapse_reason(est.poisson_rate(data, "relapses", "years", "vitd_nmol",
                                           cluster="person",
                                           covariates=("winter_spring", "duration")))


register_design(Design(
    "relapse-cohort",
    "people with MS: repeated 25(OH)D draws and relapse counts per interval",
    relapse_cohort_sample,
    {"poisson": relapse_poisson, "poisson-naive": relapse_poisson_naive,
     "poisson-season": relapse_poisson_season},
    {"population": Option(2_000_000, "people simulated", 10_000, 50_000_000),
     "participants": Option(500, "people with MS followed", 10, 1_000_000),
     "follow_up_years": Option(2.5, "years of follow-up", 0.25, 30.0),
     "interval_years": Option(0.5, "years between blood draws", 0.05, 5.0),
     "supplement_share": Option(0.1, "share of patients who start vitamin D after diagnosis: "
                                "0.1 for a 2000s cohort like Simpson 2010 (the scenario's 0.82 "
                                "is from a 2015 survey)", 0.0, 1.0,
                                scenario_key="reverse_causation.supplement_share")},
    COLUMNS,
    constraints=(below("interval_years", "follow_up_years", "relapse-cohort",
                       "the follow-up would hold no interval (one blood draw at the start of "
                       "each)", strict=False),),
))


# ------------------------------------------------------------ supplement users
def supplement_users_sample(world, people, rng, population, participants, follow_up_years):
    """Users (started vitamin D after diagnosis, before the survey) vs non-users; relapses.

    Nobody with diagnosed MS raises :class:`~simlib.designs.base.DesignDataError`; a
    sample of only users (or only non-users) gives a non-converged estimate saying so.
    """
    rows = sample_rows(rng, _with_ms(people), participants)
    entry = people["age"].to_numpy()[rows]
    start = people["post_dx_supplement_start_age"].to_numpy()[rows]
    expected = _expected(people, rows, entry, entry + follow_up_years)
    data = pd.DataFrame({
        "user": (start <= entry).astype(int), "relapses": rng.poisson(expected),
        "person_years": follow_up_years,
        "duration": entry - people["ms_onset_age"].to_numpy()[rows],
        "female": people["female"].to_numpy()[rows],
    })
    with phase("estimand"):
        always = _expected(people, rows, entry, entry + follow_up_years,
                           supplement_start=people["ms_onset_age"].to_numpy()[rows])
        never = _expected(people, rows, entry, entry + follow_up_years,
                          supplement_start=np.full(len(rows), np.inf))
        value = log_ratio(always.sum(), never.sum())
    return Study("supplement-users", data,
                 Estimand("log relapse rate ratio, supplement use vs none", value,
                          "log RR (users vs non-users)"))


NO_USER_CONTRAST = ("every patient is a supplement user, or none is: no comparison group; "
                    "raise participants")


def users_poisson(study):
    """Crude Poisson comparison of relapse rates, users vs non-users."""
    fit = est.poisson_rate(study.data, "relapses", "person_years", "user", per=1.0,
                           unit="users vs non-users")
    return relapse_reason(_named(fit, study.data, "user", NO_USER_CONTRAST))


def users_poisson_duration(study):
    """As ``poisson``, adjusted for disease duration (time since onset)."""
    fit = est.poisson_rate(study.data, "relapses", "person_years", "user", per=1.0,
                           unit="users vs non-users", covariates=("duration",))
    return relapse_reason(_named(fit, study.data, "user", NO_USER_CONTRAST))


register_design(Design(
    "supplement-users",
    "people with MS: relapse rates of supplement users vs non-users",
    supplement_users_sample,
    {"poisson": users_poisson, "poisson-duration": users_poisson_duration},
    {"population": Option(2_000_000, "people simulated", 10_000, 50_000_000),
     "participants": Option(1_000, "people with MS followed", 10, 1_000_000),
     "follow_up_years": Option(2.0, "years of follow-up", 0.25, 30.0)},
    COLUMNS,
))


# ------------------------------------------------------------ supplement starters
def supplement_starters_sample(world, people, rng, population, participants, window_years):
    """Patients who start vitamin D after a relapse: relapses before vs after starting.

    Among people with MS who would take vitamin D, those with at least one relapse in the
    ``window_years`` before the survey start it then (a relapse prompts the decision);
    relapses are counted in the window before and the window after. Selecting people on a
    high count makes the next count lower on average whatever the treatment: regression to
    the mean (Martinez-Yelamos et al., Mult Scler 2006;12:826), plus the fall of the relapse
    rate with disease duration. Those without a relapse do not start and are the
    comparison group (``after-vs-non-starters``).

    No eligible patient raises :class:`~simlib.designs.base.DesignDataError`; no starter
    (or no non-starter) gives a non-converged estimate saying so.
    """
    candidates = _with_ms(people)
    candidates = candidates[people["post_dx_supplement_iu"].to_numpy()[candidates] > 0]
    entry = people["age"].to_numpy()[candidates]
    onset = people["ms_onset_age"].to_numpy()[candidates]
    candidates = candidates[entry - window_years > onset]  # a full window of MS before
    if len(candidates) == 0:
        raise DesignDataError(f"no patients who would take vitamin D and have had MS for the "
                              f"{window_years:g} years before the survey among the "
                              f"{len(people):,} simulated: raise population or lower "
                              "window_years")
    rows = sample_rows(rng, candidates, participants)
    entry = people["age"].to_numpy()[rows]
    never = np.full(len(rows), np.inf)
    before = rng.poisson(_expected(people, rows, entry - window_years, entry,
                                   supplement_start=never))
    starter = before > 0
    start = np.where(starter, entry, np.inf)
    after = rng.poisson(_expected(people, rows, entry, entry + window_years,
                                  supplement_start=start))
    data = pd.DataFrame({"person": np.concatenate([rows, rows]),
                         "after": np.repeat([0, 1], len(rows)),
                         "starter": np.tile(starter.astype(int), 2),
                         "relapses": np.concatenate([before, after]),
                         "years": window_years})
    # the rate depends on the current level only, so "on supplement since onset" gives the
    # window's relapses on supplement without splitting the integral (exact 0 in the null)
    with phase("estimand"):
        on = _expected(people, rows[starter], entry[starter], entry[starter] + window_years,
                       supplement_start=people["ms_onset_age"].to_numpy()[rows[starter]])
        off = _expected(people, rows[starter], entry[starter], entry[starter] + window_years,
                        supplement_start=never[starter])
        value = float(np.log(on.sum() / off.sum())) if off.sum() > 0 else float("nan")
    return Study("supplement-starters", data,
                 Estimand("log relapse rate ratio of starting vitamin D, in starters", value,
                          "log RR (supplement vs none)"))


def starters_before_after(study):
    """Relapse rate after vs before starting, among starters (cluster-robust Poisson)."""
    data = study.data[study.data["starter"] == 1]
    fit = est.poisson_rate(data, "relapses", "years", "after", per=1.0,
                           unit="after vs before starting", cluster="person")
    if data.empty:
        return replace(fit, reason="no starters: no patient had a relapse in the window "
                       "before the survey; raise participants or window_years")
    return relapse_reason(fit)


def starters_vs_non_starters(study):
    """Relapse rate in the window after: starters vs patients who did not start."""
    data = study.data[study.data["after"] == 1]
    fit = est.poisson_rate(data, "relapses", "years", "starter", per=1.0,
                           unit="starters vs non-starters")
    return relapse_reason(_named(fit, data, "starter", "every patient started vitamin D, or "
                                 "none did: no comparison group; raise participants or "
                                 "change window_years"))


register_design(Design(
    "supplement-starters",
    "people with MS who start vitamin D after a relapse: relapses before vs after "
    "(regression to the mean)",
    supplement_starters_sample,
    {"before-after": starters_before_after, "after-vs-non-starters": starters_vs_non_starters},
    {"population": Option(2_000_000, "people simulated", 10_000, 50_000_000),
     "participants": Option(2_000, "patients followed (starters and non-starters)", 10,
                            1_000_000),
     "window_years": Option(1.0, "years counted before and after the start", 0.25, 10.0)},
    COLUMNS + ("post_dx_supplement_iu",),
))

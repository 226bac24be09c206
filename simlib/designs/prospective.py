"""Designs that follow people forward from a blood draw: cohort and biobank nested case-control.

Time is the person's age. Enrollment is the survey day (the population's ``age``);
the stored serum is the survey-day draw (``vitd_survey_nmol``). Follow-up runs forward
to the end of the study, death or diagnosis, using the ages at which those events will
happen in the simulated lives. People already diagnosed at enrollment are excluded;
people with undiagnosed MS (in the prodrome, or after onset but before diagnosis) are
not, as in real cohorts: that is where reverse causation enters.

The estimand is the true log hazard ratio of MS onset per +25 nmol/L over the
follow-up window among the people eligible for enrollment, computed by intervention on
the same people (:func:`reference_log_hr`).

Only people of enrollment age are simulated: ``population`` is the size of the source
population of all ages, and :func:`~simlib.designs.base.simulate_people` draws how many
of them are in ``[age_low, age_high)`` and simulates just those (the same study in
distribution; the biobank's 4 million become about 390,000 people, a tenth of the cost).

Option constraints (refused before simulating, see ``Design.constraints``): ``age_low``
must be below ``age_high`` (enrollment ages are ``[age_low, age_high)``); ``age_low``
below 80, where the world's onset hazard bands end; ``age_low + follow_up_years`` at
most 100, the oldest age in the simulated world; and, for the nested case-control,
``lag_years`` below ``follow_up_years`` (otherwise every case is excluded). A sample
with nobody eligible, no case or no matched control raises
:class:`~simlib.designs.base.DesignDataError` naming what to raise or widen.

References
----------
Munger KL et al. Serum 25-hydroxyvitamin D levels and risk of multiple sclerosis.
JAMA 2006;296:2832-8 (nested case-control, US military serum repository).
Langholz B, Goldstein L. Risk set sampling in epidemiologic cohort studies. Stat Sci
1996;11:35-53.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import estimators as est
from ..timing import timed
from .base import (
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    age_band_world,
    below,
    reference_people,
    reference_size,
    regions_option,
    register_design,
    within_ages,
)
from .common import (
    BASE_COLUMNS,
    LEVEL_COLUMNS,
    LOG_HR_SCALE,
    blood_draw,
    covariate_frame,
    sample_rows,
    shifted_hazard_inputs,
    survey_draw,
    true_log_hr,
)

COLUMNS = tuple(dict.fromkeys(BASE_COLUMNS + LEVEL_COLUMNS + ("birth_year_fraction",)))
#: The biobank reads the stored serum of its sampled people only (:func:`survey_draw`).
COLUMNS_WITHOUT_SERUM = tuple(c for c in COLUMNS if c != "vitd_survey_nmol")


def _enrolled(people, age_low, age_high):
    """Alive, undiagnosed people whose age on the survey day is in [age_low, age_high)."""
    age = people["age"].to_numpy()
    rows = np.flatnonzero(people["alive"].to_numpy() & (age >= age_low) & (age < age_high)
                          & (people["diagnosis_age"].to_numpy() >= age))
    if len(rows) == 0:
        simulated = people.attrs.get("source_population", len(people))
        raise DesignDataError(f"no eligible people aged {age_low:g}-{age_high:g} (alive, "
                              f"without diagnosed MS) among the {simulated:,} simulated: "
                              "raise population or widen age_low-age_high")
    return rows


def _constraints(design, lag=False):
    """Enrollment ages in order, follow-up within the world's ages (and the lag in it)."""
    ages = (below("age_low", "age_high", design, "enrollment ages are [age_low, age_high)"),
            within_ages(design))
    if not lag:
        return ages
    return (*ages, below("lag_years", "follow_up_years", design,
                         "cases diagnosed within lag_years of the draw are excluded, so no "
                         "case would be left"))


def _enrollment_ages(options):
    """The ages a cohort or biobank enrols: only people of these ages are simulated
    (:func:`simlib.designs.base.simulate_people`)."""
    return options["age_low"], options["age_high"]


def _follow_up(people, rows, years):
    """Exit age (diagnosis, death or end of study) and whether the exit is a diagnosis."""
    entry = people["age"].to_numpy()[rows]
    dx, death = people["diagnosis_age"].to_numpy()[rows], people["death_age"].to_numpy()[rows]
    end = np.minimum(entry + years, death)
    return entry, np.minimum(dx, end), dx < end


@timed("estimand")
def _estimand(world, people, rows, age_low, age_high, years) -> Estimand:
    """The true log HR of onset per +25 nmol/L over each enrollee's follow-up.

    The target is the population's: the rate ratio over ``years`` of follow-up among
    the people eligible at ages ``[age_low, age_high)``, what a replicate's enrolled
    people estimate. For the scenario's own world it is computed once per process on a
    reference population of as many people of enrollment age as the source population
    holds on average (:func:`reference_log_hr`), rather than on each replicate's
    enrollees (about 0.2 s of a biobank replicate's 0.6 s, issue 11): the same quantity,
    since both are draws of the same eligible people from the same world, fixed across
    replicates instead of varying with each one's enrollees (by a few 1e-4 in the
    ``threshold`` world, ``tests/test_reference_estimand.py``); exactly 0 without a
    causal effect. A custom world (``world=``, a teacher's extra node) is computed on
    the replicate's own enrollees (``rows``), as before.
    """
    size = reference_size(world, people, age_low, age_high)
    if size is not None:
        value = reference_log_hr(people.attrs["scenario"], age_low, age_high, years, size)
    else:
        entry = people["age"].to_numpy()[rows]
        value = true_log_hr(world, people, rows, entry, entry + years)
    return Estimand("log HR of MS onset per +25 nmol/L during follow-up", value, LOG_HR_SCALE)


@lru_cache(maxsize=16)
def reference_log_hr(scenario, age_low: float, age_high: float, years: float,
                     size: int) -> float:
    """True log HR of onset per +25 nmol/L over ``years`` of follow-up from the survey
    day among the eligible (alive, undiagnosed) of ``size`` people aged ``[age_low,
    age_high)`` of ``scenario`` (:func:`~simlib.designs.base.reference_people`); cached."""
    band_world = age_band_world(scenario, age_low, age_high)[0]
    columns = tuple(dict.fromkeys((*COLUMNS_WITHOUT_SERUM, *shifted_hazard_inputs(band_world))))
    world, people = reference_people(scenario, age_low, age_high, size, columns)
    rows = _enrolled(people, age_low, age_high)
    entry = people["age"].to_numpy()[rows]
    return true_log_hr(world, people, rows, entry, entry + years)


# ----------------------------------------------------------------------- cohort
def cohort_sample(world, people, rng, population, age_low, age_high, follow_up_years,
                  participants):
    """A prospective cohort: baseline blood draw, person-time to diagnosis, death or end.

    Constraints: ``age_low < age_high``, ``age_low < 80`` and ``age_low +
    follow_up_years <= 100`` (see the module docstring); nobody eligible raises
    :class:`~simlib.designs.base.DesignDataError`.
    """
    rows = sample_rows(rng, _enrolled(people, age_low, age_high), participants)
    entry, exit_age, event = _follow_up(people, rows, follow_up_years)
    data = pd.DataFrame({
        "vitd_nmol": people["vitd_survey_nmol"].to_numpy()[rows], "age": entry,
        "event": event.astype(int), "person_years": exit_age - entry,
        "entry_age": entry, "exit_age": exit_age, **covariate_frame(people, rows),
    })
    return Study("cohort", data,
                 _estimand(world, people, rows, age_low, age_high, follow_up_years),
                 extra={"people_rows": rows})


ADJUST = ("age", "female", "latitude_deg", "obese", "smoker")


def cohort_poisson(study):
    """Poisson regression of diagnoses on baseline 25(OH)D with log person-time offset."""
    return est.poisson_rate(study.data, "event", "person_years", "vitd_nmol")


def cohort_poisson_adjusted(study):
    """As ``poisson``, adjusted for age, sex, latitude, obesity and smoking."""
    return est.poisson_rate(study.data, "event", "person_years", "vitd_nmol", covariates=ADJUST)


def cohort_cox(study):
    """Cox regression on the age scale (entry at baseline age), adjusted as above."""
    return est.cox(study.data, "exit_age", "event", "vitd_nmol", entry="entry_age",
                   covariates=("female", "latitude_deg", "obese", "smoker"))


register_design(Design(
    "cohort",
    "prospective cohort: baseline 25(OH)D draw, person-time follow-up for diagnosis",
    cohort_sample,
    {"poisson": cohort_poisson, "poisson-adjusted": cohort_poisson_adjusted, "cox": cohort_cox},
    {"population": Option(1_000_000, "people in the source population (all ages; only "
                                      "those of enrollment age are simulated)", 10_000,
                           50_000_000),
     "age_low": Option(20.0, "youngest age at baseline (years)", 0.0, 90.0),
     "age_high": Option(50.0, "oldest age at baseline (years)", 1.0, 100.0),
     "follow_up_years": Option(15.0, "years of follow-up", 0.5, 60.0),
     "participants": Option(1_000_000, "people enrolled (at most the eligible)", 100,
                            50_000_000)},
    COLUMNS,
    constraints=_constraints("cohort"),
    estimand_columns=shifted_hazard_inputs,
    age_band=_enrollment_ages,
))


# ---------------------------------------------------- biobank nested case-control
def nested_case_control_sample(world, people, rng, population, age_low, age_high,
                               follow_up_years, controls_per_case, lag_years, samples):
    """Serum stored at enrollment; incidence-density sampling of matched controls.

    Cases: diagnosed during follow-up, excluding those diagnosed within ``lag_years`` of
    the draw. For each case, ``controls_per_case`` controls are drawn from the risk set
    at the case's diagnosis age (not yet diagnosed, alive) matched on sex, enrollment
    age (same year of age) and draw month. ``samples`` > 1 averages up to that many yearly
    draws (enrollment, +1 year, ...) taken before the case's diagnosis, the same cut-off
    for its controls, as studies with repeated pre-diagnostic samples do (Munger 2006).

    Constraints: ``age_low < age_high``, ``age_low < 80``, ``age_low + follow_up_years
    <= 100`` and ``lag_years < follow_up_years``. Nobody eligible, no case or no matched
    control raises :class:`~simlib.designs.base.DesignDataError`.
    """
    enrolled = _enrolled(people, age_low, age_high)
    entry, exit_age, event = _follow_up(people, enrolled, follow_up_years)
    is_case = event & (exit_age - entry >= lag_years)
    if not is_case.any():
        lag = f", more than {lag_years:g} years after the draw," if lag_years > 0 else ""
        raise DesignDataError(f"no MS cases diagnosed{lag} during the {follow_up_years:g}-year "
                              f"follow-up of the {len(enrolled):,} enrolled: raise population "
                              "or follow_up_years")
    sets = _risk_set_sample(rng, people, enrolled, entry, exit_age, is_case, controls_per_case)
    if sets["case"].all():
        raise DesignDataError(f"no controls could be matched to the {int(is_case.sum()):,} "
                              "cases: nobody at risk shared a case's sex, year of age at "
                              "enrollment and draw month; raise population")
    rows = enrolled[sets["position"]]
    vitd = _stored_serum(world, people, rows, entry[sets["position"]], samples, rng,
                         sets["index_years"])
    data = pd.DataFrame({"set": sets["set"], "case": sets["case"].astype(int),
                         "vitd_nmol": vitd, "age": entry[sets["position"]],
                         **covariate_frame(people, rows)})
    return Study("nested-case-control", data,
                 _estimand(world, people, enrolled, age_low, age_high, follow_up_years),
                 extra={"people_rows": rows})


def _risk_set_sample(rng, people, enrolled, entry, exit_age, is_case, per_case):
    """Matched sets: each case with controls at risk at its diagnosis age."""
    draw_month = np.floor(np.mod(people["birth_year_fraction"].to_numpy()[enrolled] + entry, 1)
                          * 12)
    stratum = people["female"].to_numpy()[enrolled] * 10_000 + np.floor(entry) * 12 + draw_month
    groups = pd.Series(np.arange(len(stratum))).groupby(stratum).indices
    duration = exit_age - entry
    positions, sets, case_flags, index_years = [], [], [], []
    for set_id, case in enumerate(np.flatnonzero(is_case)):
        members = groups[stratum[case]]
        at_risk = members[duration[members] > duration[case]]
        controls = sample_rows(rng, at_risk, per_case)
        positions += [case, *controls]
        sets += [set_id] * (1 + len(controls))
        case_flags += [True] + [False] * len(controls)
        index_years += [duration[case]] * (1 + len(controls))
    return {"position": np.asarray(positions, dtype=int), "set": np.asarray(sets),
            "case": np.asarray(case_flags, dtype=bool),
            "index_years": np.asarray(index_years, dtype=float)}


def _stored_serum(world, people, rows, entry, samples, rng, index_years):
    """Mean of the yearly draws taken before the set's index (the case's diagnosis)."""
    if samples == 1:
        return survey_draw(world, people, rows)
    scenario = people.attrs["scenario"]
    draws = np.array([blood_draw(people, rows, entry + k, rng, scenario)
                      for k in range(samples)])
    before = np.arange(samples)[:, None] < index_years[None, :]  # the first always is
    return (draws * before).sum(axis=0) / before.sum(axis=0)


def ncc_conditional_logit(study):
    """Conditional logistic regression within matched sets."""
    return est.conditional_logit(study.data, "case", "vitd_nmol", group="set")


def ncc_conditional_logit_adjusted(study):
    """As ``conditional-logit``, adjusted for latitude, obesity and smoking."""
    return est.conditional_logit(study.data, "case", "vitd_nmol", group="set",
                                 covariates=("latitude_deg", "obese", "smoker"))


register_design(Design(
    "nested-case-control",
    "biobank (US by default, like the military serum repository): serum at enrollment "
    "(ages 18-25), risk-set sampled matched controls",
    nested_case_control_sample,
    {"conditional-logit": ncc_conditional_logit,
     "conditional-logit-adjusted": ncc_conditional_logit_adjusted},
    {"population": Option(4_000_000, "people in the source population (all ages; only "
                                      "those of enrollment age are simulated)", 10_000,
                           50_000_000),
     "regions": regions_option("us"),
     "age_low": Option(18.0, "youngest age at enrollment (years)", 0.0, 90.0),
     "age_high": Option(26.0, "oldest age at enrollment (years, exclusive)", 1.0, 100.0),
     "follow_up_years": Option(20.0, "years of follow-up", 0.5, 60.0),
     "controls_per_case": Option(3, "matched controls per case", 1, 20),
     "lag_years": Option(0.0, "exclude cases diagnosed within this many years of the draw",
                         0.0, 30.0),
     "samples": Option(1, "yearly samples averaged per person", 1, 5)},
    COLUMNS_WITHOUT_SERUM,
    constraints=_constraints("nested-case-control", lag=True),
    estimand_columns=shifted_hazard_inputs,
    age_band=_enrollment_ages,
))

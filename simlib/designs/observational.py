"""Designs that look at people once: ecological, cross-sectional survey, hospital case-control.

All three target the individual causal effect of long-term 25(OH)D on MS onset (log
hazard ratio per 25 nmol/L, computed by intervention on the same people); none of
them can see it directly, which is the point.

References
----------
Morgenstern H. Ecologic studies in epidemiology. Annu Rev Public Health 1995;16:61-81.
Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed., chapters 8 and 21.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import estimators as est
from ..timing import timed
from ..world import REGIONS
from .base import (
    REFERENCE_SEED,
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    cached_world,
    register_design,
    simulate_people,
)
from .common import (
    BASE_COLUMNS,
    LOG_HR_SCALE,
    blood_draw,
    covariate_frame,
    sample_rows,
    shifted_hazard_inputs,
    survey_draw,
    true_log_hr,
    without_serum,
)

TRUTH_AGES = (0.0, 80.0)  # the window over which the individual effect is defined
ADULT_AGE = 18.0


#: The size of the reference population on which these designs' estimand is computed
#: once per scenario and process (:func:`reference_log_hr`; its seed is
#: :data:`~simlib.designs.base.REFERENCE_SEED`, the same for every scenario).
REFERENCE_PEOPLE = 1_000_000


@timed("estimand")
def _estimand(world, people) -> Estimand:
    """The individual log HR per +25 nmol/L over ages 0-80 in the scenario's population.

    These designs sample the whole population (all ages, and cases by outcome), so their
    target is the population's individual effect, not their sample's. For the scenario's
    own world it is computed once, on a reference population of the scenario
    (:func:`reference_log_hr`), instead of on each replicate's 2-4 million people: the
    same quantity (each replicate's population and the reference are draws of the same
    people from the same world), fixed across replicates rather than varying with each
    one's population by about 1e-3; exactly 0 in a world without a causal effect.
    A custom world (``world=``, a teacher's extra node) is computed on the replicate's
    own population, as before.
    """
    scenario = people.attrs["scenario"]
    if world is cached_world(scenario):
        value = reference_log_hr(scenario)
    else:
        value = true_log_hr(world, people, np.arange(len(people)), *TRUTH_AGES)
    return Estimand("individual log HR of MS onset per +25 nmol/L", value, LOG_HR_SCALE)


@lru_cache(maxsize=16)
def reference_log_hr(scenario) -> float:
    """True log HR of onset per +25 nmol/L over ages 0-80 among :data:`REFERENCE_PEOPLE`
    people of ``scenario`` (seed :data:`REFERENCE_SEED`); cached per scenario."""
    world = cached_world(scenario)
    columns = sorted(set(shifted_hazard_inputs(world)) | {"age", "ms_onset_age"})
    world, people = simulate_people(scenario, world, REFERENCE_PEOPLE,
                                    np.random.SeedSequence(REFERENCE_SEED), columns)
    return true_log_hr(world, people, np.arange(REFERENCE_PEOPLE), *TRUTH_AGES)


def _adults(people) -> np.ndarray:
    return np.flatnonzero(people["alive"].to_numpy() & (people["age"].to_numpy() >= ADULT_AGE))


# ------------------------------------------------------------------- ecological
def ecological_sample(world, people, rng, population, survey_per_region, window_years):
    """Regions as units: cases and person-time from registers, mean 25(OH)D from a survey.

    Returns one row per region: ``latitude_deg``, ``population`` (alive), ``prevalent``
    (diagnosed cases alive), ``incident`` (diagnoses in the last ``window_years``),
    ``person_years`` and ``mean_vitd_nmol`` (mean of one draw in a random sample of
    ``survey_per_region`` adults).
    """
    age, alive = people["age"].to_numpy(), people["alive"].to_numpy()
    dx, region = people["diagnosis_age"].to_numpy(), people["region_id"].to_numpy()
    adults = _adults(people)
    rows, surveyed = [], []
    for index, name in enumerate(REGIONS["region"]):
        here = alive & (region == index)
        if not here.any():  # a region outside the scenario's `regions`
            continue
        surveyed.append(sample_rows(rng, adults[region[adults] == index], survey_per_region))
        rows.append({
            "region": name, "latitude_deg": REGIONS.loc[index, "latitude_deg"],
            "population": here.sum(), "prevalent": (here & (dx < age)).sum(),
            "incident": (here & (dx < age) & (dx >= age - window_years)).sum(),
            "person_years": np.minimum(age[here], window_years).sum(),
        })
    # one survey draw for every region's sample (the same values as drawing for everyone)
    draws = np.split(survey_draw(world, people, np.concatenate(surveyed)),
                     np.cumsum([len(part) for part in surveyed])[:-1])
    for row, vitd in zip(rows, draws, strict=True):
        row["mean_vitd_nmol"] = vitd.mean()
    return Study("ecological", pd.DataFrame(rows), _estimand(world, people))


def ecological_incidence(study):
    """Poisson regression of regional incidence on regional mean 25(OH)D (ecological RR)."""
    return est.poisson_rate(study.data, "incident", "person_years", "mean_vitd_nmol")


def ecological_prevalence(study):
    """Poisson regression of regional prevalent counts on mean 25(OH)D (prevalence ratio)."""
    return est.poisson_rate(study.data, "prevalent", "population", "mean_vitd_nmol")


register_design(Design(
    "ecological",
    "regions: incidence or prevalence against mean 25(OH)D (the ecological fallacy)",
    ecological_sample,
    {"poisson-incidence": ecological_incidence, "poisson-prevalence": ecological_prevalence},
    {"population": Option(1_000_000, "people simulated", 10_000, 50_000_000),
     "survey_per_region": Option(500, "adults with a blood draw per region", 10, 1_000_000),
     "window_years": Option(10.0, "years of register incidence", 1.0, 50.0)},
    without_serum(BASE_COLUMNS),
    estimand_columns=shifted_hazard_inputs,
))


# -------------------------------------------------------------- cross-sectional
def cross_sectional_sample(world, people, rng, population, survey_size):
    """A survey of adults: prevalent diagnosed MS and one blood draw on the survey day.

    ``edss`` is the disability score of people with diagnosed MS (examined at the
    survey; :mod:`simlib.disability`), 0 for the others.
    """
    rows = sample_rows(rng, _adults(people), survey_size)
    diagnosed = people["diagnosis_age"].to_numpy()[rows] < people["age"].to_numpy()[rows]
    data = pd.DataFrame({
        "ms": diagnosed,
        "vitd_nmol": survey_draw(world, people, rows),
        "edss": np.where(diagnosed, people["edss"].to_numpy()[rows], 0.0),
        "age": people["age"].to_numpy()[rows], **covariate_frame(people, rows),
    })
    return Study("cross-sectional", data, _estimand(world, people),
                 extra={"people_rows": rows})


def survey_logit(study):
    """Crude logistic regression of prevalent MS on 25(OH)D."""
    return est.logit(study.data, "ms", "vitd_nmol")


def survey_logit_adjusted(study):
    """Logistic regression adjusted for age, sex and latitude."""
    return est.logit(study.data, "ms", "vitd_nmol", covariates=("age", "female", "latitude_deg"))


register_design(Design(
    "cross-sectional",
    "survey of adults: prevalent diagnosed MS vs one 25(OH)D draw",
    cross_sectional_sample,
    {"logit": survey_logit, "logit-adjusted": survey_logit_adjusted},
    {"population": Option(1_000_000, "people simulated", 10_000, 50_000_000),
     "survey_size": Option(300_000, "adults surveyed", 100, 50_000_000)},
    without_serum(BASE_COLUMNS + ("edss",)),
    estimand_columns=shifted_hazard_inputs,
))


# -------------------------------------------------------- hospital case-control
def hospital_case_control_sample(world, people, rng, population, case_years,
                                 recruit_within_years, controls_per_case):
    """Incident cases recruited soon after diagnosis; population controls by age band and sex.

    Cases: diagnosed in the ``case_years`` before the survey day, each recruited (and
    bled) a uniform 0 to ``recruit_within_years`` after diagnosis: after onset, and for
    some already on supplements. Controls: adults without MS, frequency-matched on sex
    and 5-year age band, bled on the survey day.

    No incident case, or no control in the cases' strata, raises
    :class:`~simlib.designs.base.DesignDataError` (no option pair is impossible here).
    """
    age, dx = people["age"].to_numpy(), people["diagnosis_age"].to_numpy()
    alive = people["alive"].to_numpy()
    cases = np.flatnonzero(alive & (dx < age) & (dx >= age - case_years) & (dx >= ADULT_AGE))
    if len(cases) == 0:
        raise DesignDataError(f"no incident MS cases: nobody among the {len(people):,} "
                              f"simulated was diagnosed as an adult in the {case_years:g} years "
                              "before the survey; raise population or case_years")
    pool = np.flatnonzero(alive & (dx >= age) & (age >= ADULT_AGE))
    controls = _frequency_matched(rng, people, cases, pool, controls_per_case)
    if len(controls) == 0:
        raise DesignDataError(f"no controls could be matched to the {len(cases):,} cases: "
                              "nobody without MS shares their sex and 5-year age band; raise "
                              "population")
    recruited = np.minimum(dx[cases] + rng.uniform(0.0, recruit_within_years, len(cases)),
                           age[cases])  # bled by the survey day at the latest
    blood = blood_draw(people, cases, recruited, rng, people.attrs["scenario"])
    rows = np.concatenate([cases, controls])
    data = pd.DataFrame({
        "case": np.r_[np.ones(len(cases), bool), np.zeros(len(controls), bool)],
        "vitd_nmol": np.r_[blood, survey_draw(world, people, controls)],
        "age": age[rows], "age_band": (age[rows] // 5 * 5).astype(int).astype(str),
        **covariate_frame(people, rows),
    })
    return Study("hospital-case-control", data, _estimand(world, people),
                 extra={"people_rows": rows})


def _frequency_matched(rng, people, cases, pool, per_case):
    """Controls drawn from ``pool`` in the same sex x 5-year age band as the cases."""
    def stratum(rows):
        age = people["age"].to_numpy()[rows]
        return people["female"].to_numpy()[rows] * 100 + (age // 5).astype(int)

    wanted = pd.Series(stratum(cases)).value_counts() * per_case
    pool_strata = stratum(pool)
    chosen = [sample_rows(rng, pool[pool_strata == key], int(count))
              for key, count in wanted.items()]
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)


def hospital_logit(study):
    """Logistic regression adjusted for the matching factors (age band, sex)."""
    return est.logit(study.data, "case", "vitd_nmol", covariates=("age_band", "female"))


def hospital_logit_latitude(study):
    """As ``logit``, also adjusted for latitude of residence."""
    return est.logit(study.data, "case", "vitd_nmol",
                     covariates=("age_band", "female", "latitude_deg"))


register_design(Design(
    "hospital-case-control",
    "incident cases recruited soon after diagnosis, frequency-matched population controls",
    hospital_case_control_sample,
    {"logit": hospital_logit, "logit-latitude": hospital_logit_latitude},
    {"population": Option(4_000_000, "people simulated", 10_000, 50_000_000),
     "case_years": Option(2.0, "cases diagnosed in this many years before the survey", 0.1,
                          30.0),
     "recruit_within_years": Option(0.1, "longest delay from diagnosis to recruitment and "
                                    "blood draw (years; 0.1 = at the diagnosis visit)", 0.0,
                                    30.0),
     "controls_per_case": Option(2, "population controls per case", 1, 20)},
    without_serum(BASE_COLUMNS),
    estimand_columns=shifted_hazard_inputs,
))

"""Randomized trials of vitamin D: prevention in the general population, or early MS.

``eligibility="general"`` (like VITAL): adults without MS are randomized to a daily dose
or placebo and followed for MS onset (first clinical event). ``eligibility="early-ms"``
(like D-Lay MS): people within two years of onset with 25(OH)D below 100 nmol/L are
randomized and followed for relapses. Treatment raises 25(OH)D from randomization on,
along the world's dose-response curve, in those who adhere; the analysis is by
intention to treat (ITT), and so is the estimand: the log rate ratio between "everyone
assigned to the dose" and "everyone assigned to placebo" on the same participants, with
the same adherence, computed by intervention.

Option constraints (refused before simulating): for general trials ``age_low`` must be
below ``age_high``, ``age_low`` below 80 (where the world's onset hazard bands end) and
``age_low`` plus the follow-up (its preset if unset) at most 100, the oldest age in the
simulated world; early-MS trials do not use the ages. Nobody eligible raises
:class:`~simlib.designs.base.DesignDataError`; the ``cox-itt`` estimator needs onset
times, so it refuses early-MS trials (which count relapses).

References
----------
Hahn J et al. Vitamin D and marine omega 3 fatty acid supplementation and incident
autoimmune disease: VITAL randomized controlled trial. BMJ 2022;376:e066452.
Thouvenot E et al. High-dose vitamin D in clinically isolated syndrome typical of
multiple sclerosis: the D-Lay MS randomized clinical trial. JAMA 2025;333:1413-22.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import estimators as est
from .. import history
from ..errors import ParameterError
from ..period import onset_hazard
from ..timing import phase
from ..world import oral_rise_nmol, vitd_log_hazard
from .base import (
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    below,
    register_design,
    within_ages,
)
from .common import (
    BASE_COLUMNS,
    covariate_frame,
    log_difference,
    log_ratio,
    relapse_reason,
    sample_rows,
    window_rate,
)

PRESETS = {  # eligibility -> defaults for options left unset
    "general": {"participants": 20_000, "dose_iu": 2000.0, "follow_up_years": 5.0},
    "early-ms": {"participants": 300, "dose_iu": 100_000 / 14, "follow_up_years": 2.0},
}
POPULATION = {"general": 1_000_000, "early-ms": 5_000_000}
COLUMNS = tuple(dict.fromkeys(BASE_COLUMNS + (
    "diet_vitd_iu", "supplement_iu", "vitd_person_factor", "vitd_mean_nmol",
    "ms_log_hazard_ratio", "vitd_after_onset_nmol", "birth_year_fraction", "southern",
    "ms_activity")))


def _column(people, name, rows):
    return people[name].to_numpy()[rows]


def _trial_rise(people, rows, dose_iu, scenario):
    """Rise of 25(OH)D (nmol/L) from the trial dose on top of each person's usual intake."""
    usual = _column(people, "diet_vitd_iu", rows) + _column(people, "supplement_iu", rows)
    rise = oral_rise_nmol(usual + dose_iu, scenario.vitamin_d) \
        - oral_rise_nmol(usual, scenario.vitamin_d)
    return rise * _column(people, "vitd_person_factor", rows)


def _randomize(rng, size, adherence):
    """(assigned to the dose, would adhere if assigned)."""
    return rng.random(size) < 0.5, rng.random(size) < adherence


def trial_sample(world, people, rng, population, eligibility, participants, dose_iu,
                 adherence, follow_up_years, age_low, age_high):
    """Randomize eligible people; follow them for onset (general) or relapses (early MS)."""
    settings = {**PRESETS[eligibility], **{k: v for k, v in
                                          {"participants": participants, "dose_iu": dose_iu,
                                           "follow_up_years": follow_up_years}.items()
                                          if v is not None}}
    sample = _general if eligibility == "general" else _early_ms
    study = sample(people, rng, adherence=adherence, age_low=age_low, age_high=age_high,
                   **settings)
    study.options = {"eligibility": eligibility, **settings, "adherence": adherence}
    return study


def _entry_ages(options):
    """A general-population trial randomizes people of the entry ages only, so only they
    are simulated (:func:`simlib.designs.base.simulate_people`); an early-MS trial
    recruits patients of any age."""
    return (options["age_low"], options["age_high"]) if _general_trial(options) else None


def _general(people, rng, participants, dose_iu, follow_up_years, adherence, age_low,
             age_high):
    scenario = people.attrs["scenario"]
    age = people["age"].to_numpy()
    eligible = np.flatnonzero(people["alive"].to_numpy() & (age >= age_low) & (age < age_high)
                              & (people["ms_onset_age"].to_numpy() >= age))
    if len(eligible) == 0:
        raise DesignDataError(f"no eligible people aged {age_low:g}-{age_high:g} (alive, "
                              f"without MS onset) among the "
                              f"{people.attrs.get('source_population', len(people)):,} "
                              "simulated: raise "
                              "population or widen age_low-age_high")
    rows = sample_rows(rng, eligible, int(participants))
    assigned, adheres = _randomize(rng, len(rows), adherence)
    entry, natural = age[rows], _column(people, "ms_onset_age", rows)
    vitd, lp = _column(people, "vitd_mean_nmol", rows), _column(people, "ms_log_hazard_ratio", rows)
    raised = vitd + np.where(adheres, _trial_rise(people, rows, dose_iu, scenario), 0.0)
    lp_dose = lp + vitd_log_hazard(raised, scenario.ms) - vitd_log_hazard(vitd, scenario.ms)
    hazard = onset_hazard(scenario)
    birth = hazard.birth_year(entry)
    onset_dose = hazard.after_change(natural, birth, lp, lp_dose, entry)
    onset = np.where(assigned, onset_dose, natural)
    end = np.minimum(entry + follow_up_years, _column(people, "death_age", rows))
    data = pd.DataFrame({"assigned": assigned.astype(int), "event": (onset < end).astype(int),
                         "person_years": np.minimum(onset, end) - entry, "age": entry,
                         "exit_age": np.minimum(onset, end), "entry_age": entry,
                         **covariate_frame(people, rows)})
    with phase("estimand"):
        treated = window_rate(onset_dose, lp_dose, entry, end, hazard, birth)
        placebo = window_rate(natural, lp, entry, end, hazard, birth)
    if treated[1] <= 0 or placebo[1] <= 0:
        raise DesignDataError(f"no person-time at risk of MS onset among the {len(rows):,} "
                              "randomized: raise population or participants")
    value = log_difference(treated[0] / treated[1], placebo[0] / placebo[1])
    return Study("trial", data, Estimand(f"ITT log rate ratio of MS onset, {dose_iu:g} IU/day",
                                         float(value), "log RR (assigned vs placebo)"))


def _early_ms(people, rng, participants, dose_iu, follow_up_years, adherence, age_low,
              age_high):
    scenario = people.attrs["scenario"]
    age, onset = people["age"].to_numpy(), people["ms_onset_age"].to_numpy()
    eligible = np.flatnonzero(people["alive"].to_numpy() & (onset <= age) & (onset > age - 2)
                              & (people["vitd_survey_nmol"].to_numpy() < 100))
    if len(eligible) == 0:
        raise DesignDataError(f"no one eligible for an early-MS trial (MS onset in the 2 years "
                              f"before the survey, 25(OH)D below 100 nmol/L) among the "
                              f"{len(people):,} simulated: raise population")
    rows = sample_rows(rng, eligible, int(participants))
    assigned, adheres = _randomize(rng, len(rows), adherence)
    entry = age[rows]
    usual = _column(people, "vitd_after_onset_nmol", rows)
    raised = usual + np.where(adheres, _trial_rise(people, rows, dose_iu, scenario), 0.0)
    expected = {arm: _relapses_in(people, rows, entry, follow_up_years, level, scenario)
                for arm, level in (("placebo", usual), ("dose", raised))}
    mean = np.where(assigned, expected["dose"], expected["placebo"])
    data = pd.DataFrame({"assigned": assigned.astype(int), "relapses": rng.poisson(mean),
                         "person_years": np.full(len(rows), follow_up_years), "age": entry,
                         **covariate_frame(people, rows)})
    value = log_ratio(expected["dose"].sum(), expected["placebo"].sum())
    return Study("trial", data, Estimand(f"ITT log rate ratio of relapses, {dose_iu:g} IU/day",
                                         float(value), "log RR (assigned vs placebo)"))


def _relapses_in(people, rows, start, years, level, scenario):
    """Expected relapses in [start, start + years) at a constant 25(OH)D ``level``."""
    args = (_column(people, "ms_onset_age", rows), np.full(len(rows), np.inf), level, level,
            _column(people, "birth_year_fraction", rows), _column(people, "southern", rows),
            scenario.relapse, _column(people, "ms_activity", rows))
    until_end = history.expected_relapses(args[0], start + years, *args[1:])
    until_start = history.expected_relapses(args[0], start, *args[1:])
    return until_end - until_start


def _general_trial(options) -> bool:
    return options["eligibility"] == "general"


def trial_poisson(study):
    """ITT: Poisson regression of events (onsets or relapses) on assignment."""
    events = "relapses" if "relapses" in study.data else "event"
    fit = est.poisson_rate(study.data, events, "person_years", "assigned", per=1.0,
                           unit="assigned vs placebo")
    return relapse_reason(fit) if events == "relapses" else fit


def trial_cox(study):
    """ITT Cox regression on the age scale (general-population trials only)."""
    if "event" not in study.data:
        raise ParameterError("estimator cox-itt needs times to MS onset, which only "
                             "--option eligibility=general trials record; early-ms trials "
                             "count relapses: use poisson-itt")
    return est.cox(study.data, "exit_age", "event", "assigned", entry="entry_age", per=1.0,
                   unit="assigned vs placebo")


register_design(Design(
    "trial",
    "randomized trial: dose vs placebo, adherence, ITT; general population or early MS",
    trial_sample,
    {"poisson-itt": trial_poisson, "cox-itt": trial_cox},
    {"population": Option(None, "people in the source population (default 1,000,000 "
                          "general, of whom only the entry ages are simulated; 5,000,000 "
                          "early MS)", 10_000, 50_000_000, kind=int),
     "eligibility": Option("general", "who is randomized", choices=("general", "early-ms")),
     "participants": Option(None, "people randomized (default 20,000 general, 300 early MS)",
                            10, 10_000_000, kind=int),
     "dose_iu": Option(None, "daily dose, IU (default 2000 general, 7143 early MS)",
                       1.0, 100_000.0),
     "adherence": Option(0.8, "share of the dose arm who take it", 0.0, 1.0),
     "follow_up_years": Option(None, "years of follow-up (default 5 general, 2 early MS)",
                               0.25, 40.0),
     "age_low": Option(20.0, "youngest age at entry, general trials (years)", 0.0, 90.0),
     "age_high": Option(45.0, "oldest age at entry, general trials (years)", 1.0, 100.0)},
    COLUMNS,
    population_default=lambda options: POPULATION[options["eligibility"]],
    constraints=(
        below("age_low", "age_high", "trial", "entry ages are [age_low, age_high)",
              when=_general_trial),
        within_ages("trial", when=_general_trial,
                    years_default=lambda o: PRESETS[o["eligibility"]]["follow_up_years"]),
    ),
    age_band=_entry_ages,
))

"""Randomized trials of vitamin D: power, adherence, dose and thresholds (notebook 07).

A prevention trial randomizes adults without MS to a daily dose or placebo and counts MS
onsets; the analysis is by intention to treat (ITT). Randomization removes confounding,
but MS is rare: a VITAL-like trial of 20,000 adults followed 5 years expects only a
handful of onsets. This module computes, on simulated eligible adults, the expected
number of onsets per arm and the true ITT rate ratio for any size, follow-up, dose and
adherence (by intervention on the same people, as the ``trial`` design does), the power
that follows, the dilution of the ITT effect by dose and adherence, and who can benefit
in the threshold world (baseline 25(OH)D subgroups). The figures are in
:mod:`simlib.experiments.trials_figures`.

The expected onsets use each person's hazard: for someone free of MS at entry, with log
hazard ratio ``lp`` and cumulative baseline hazard ``H0`` over follow-up, the risk of
onset is ``1 - exp(-exp(lp) * (H0(end) - H0(entry)))``. The dose raises 25(OH)D in those
who adhere along the world's dose-response curve (``simlib.world.oral_rise_nmol``), which
changes ``lp`` through ``simlib.world.vitd_log_hazard``.

Units: doses in IU/day; 25(OH)D in nmol/L; follow-up in years; rates per 100,000
person-years; effects as ITT rate ratios (assigned to the dose vs placebo).

References
----------
Hahn J et al. Vitamin D and marine omega 3 fatty acid supplementation and incident
autoimmune disease: VITAL randomized controlled trial. BMJ 2022;376:e066452.
Thouvenot E et al. High-dose vitamin D in clinically isolated syndrome typical of
multiple sclerosis: the D-Lay MS randomized clinical trial. JAMA 2025;333:1413-22.
Hupperts R et al. Randomized trial of daily high-dose vitamin D3 in patients with RRMS
receiving subcutaneous interferon beta-1a (SOLAR). Neurology 2019;93:e1906-16.
Camu W et al. Cholecalciferol in relapsing-remitting MS: a randomized clinical trial
(CHOLINE). Neurol Neuroimmunol Neuroinflamm 2019;6:e597.
Ekwaru JP, Veugelers PJ et al. The importance of body weight for the dose response
relationship of oral vitamin D supplementation. PLoS One 2014;9:e111265.
Pocock SJ. Clinical Trials: A Practical Approach. Wiley, 1983 (sample size from the
expected number of events).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..designs.base import cached_world, simulate_people
from ..period import onset_hazard
from ..world import oral_rise_nmol, vitd_log_hazard

ALPHA = 0.05
POWER_TARGET = 0.8
PEOPLE_COLUMNS = ("age", "alive", "ms_onset_age", "death_age", "ms_log_hazard_ratio",
                  "vitd_mean_nmol", "diet_vitd_iu", "supplement_iu", "vitd_person_factor")
VITD_GROUPS = (0.0, 30.0, 50.0, 75.0, np.inf)  # baseline 25(OH)D groups, nmol/L


# ------------------------------------------------------------------ eligible adults
def eligible_adults(scenario, population, seed, age_low=20.0, age_high=45.0):
    """Adults a general-population prevention trial could enrol (alive, no MS yet).

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    population : int
        People in the source population; as in the ``trial`` design, only those aged
        ``[age_low, age_high)`` are simulated
        (:func:`simlib.designs.base.simulate_people`).
    seed : int
        Population seed: the same seed gives the same people in every world.
    age_low, age_high : float
        Ages at entry (years), as the ``trial`` design's options.

    Returns
    -------
    pandas.DataFrame
        One row per eligible adult with the columns of :data:`PEOPLE_COLUMNS`;
        ``attrs["scenario"]`` holds the scenario.
    """
    _, people = simulate_people(scenario, cached_world(scenario), int(population), seed,
                                PEOPLE_COLUMNS, (age_low, age_high))
    age = people["age"].to_numpy()
    keep = (people["alive"].to_numpy() & (age >= age_low) & (age < age_high)
            & (people["ms_onset_age"].to_numpy() >= age))
    eligible = people[keep].reset_index(drop=True)
    eligible.attrs["scenario"] = scenario
    return eligible


def vitd_rise(people, dose_iu):
    """Rise of long-term 25(OH)D (nmol/L) in those who take ``dose_iu`` IU/day.

    On top of each person's usual intake (diet + own supplements), along the world's
    concave dose-response curve (Ekwaru et al. 2014), times the person's factor (BMI).
    """
    vitamin_d = people.attrs["scenario"].vitamin_d
    usual = people["diet_vitd_iu"].to_numpy() + people["supplement_iu"].to_numpy()
    rise = oral_rise_nmol(usual + dose_iu, vitamin_d) - oral_rise_nmol(usual, vitamin_d)
    return rise * people["vitd_person_factor"].to_numpy()


# ------------------------------------------------------------------ expected onsets and power
def onset_risks(people, years, dose_iu, adherence):
    """Each person's risk of MS onset during follow-up: on placebo and if assigned the dose.

    Parameters
    ----------
    people : pandas.DataFrame
        Output of :func:`eligible_adults`.
    years : float
        Follow-up (years); it also ends at death.
    dose_iu : float
        Daily dose in the active arm (IU/day).
    adherence : float
        Share of the active arm who take the dose (0-1); the others stay at placebo risk.

    Returns
    -------
    placebo, assigned : ndarray
        Risks (probabilities) per person; ``assigned`` mixes takers and non-takers (ITT).
    """
    ms = people.attrs["scenario"].ms
    onset = onset_hazard(people.attrs["scenario"])
    entry = people["age"].to_numpy()
    end = np.minimum(entry + years, people["death_age"].to_numpy())
    birth, lp = onset.birth_year(entry), people["ms_log_hazard_ratio"].to_numpy()
    vitd = people["vitd_mean_nmol"].to_numpy()
    change = vitd_log_hazard(vitd + vitd_rise(people, dose_iu), ms) - vitd_log_hazard(vitd, ms)
    hazard = onset.between(entry, end, birth, lp)
    placebo = -np.expm1(-hazard)
    taker = -np.expm1(-hazard * np.exp(change))
    return placebo, placebo + adherence * (taker - placebo)


def power(log_rate_ratio, events_placebo, events_dose, alpha=ALPHA):
    """Power of the two-sided Wald test of the ITT log rate ratio (Poisson regression).

    ``se = sqrt(1 / events_placebo + 1 / events_dose)`` (expected events per arm);
    power = P(|z| > z_alpha/2) when ``z ~ N(log RR / se, 1)``.
    """
    se = np.sqrt(1.0 / np.asarray(events_placebo, float) + 1.0 / np.asarray(events_dose, float))
    shift, critical = np.abs(log_rate_ratio) / se, stats.norm.isf(alpha / 2)
    return stats.norm.sf(critical - shift) + stats.norm.cdf(-critical - shift)


def expected_trial(people, participants, years, dose_iu, adherence, mask=None):
    """Expected onsets per arm, true ITT rate ratio and power of one trial design.

    Parameters
    ----------
    people : pandas.DataFrame
        Output of :func:`eligible_adults`.
    participants : int or ndarray
        People randomized (half per arm).
    years, dose_iu, adherence : float
        As for :func:`onset_risks`.
    mask : ndarray of bool, optional
        Restrict eligibility (e.g. baseline 25(OH)D below 50 nmol/L).

    Returns
    -------
    dict
        ``events_placebo``, ``events_dose`` (expected MS onsets per arm),
        ``rate_ratio`` (true ITT rate ratio), ``log_rate_ratio``, ``power``,
        ``placebo_rate_per_100k`` (onsets per 100,000 person-years on placebo).
    """
    placebo, assigned = onset_risks(people, years, dose_iu, adherence)
    if mask is not None:
        placebo, assigned = placebo[mask], assigned[mask]
    half = np.asarray(participants, float) / 2
    events_placebo, events_dose = half * placebo.mean(), half * assigned.mean()
    log_rr = float(np.log(assigned.sum() / placebo.sum()))
    return {"events_placebo": events_placebo, "events_dose": events_dose,
            "rate_ratio": float(np.exp(log_rr)), "log_rate_ratio": log_rr,
            "power": power(log_rr, events_placebo, events_dose),
            "placebo_rate_per_100k": 1e5 * float(placebo.mean()) / years}


def participants_for_power(people, years, dose_iu, adherence, target=POWER_TARGET,
                           alpha=ALPHA, mask=None):
    """People to randomize for ``target`` power (two-sided ``alpha``), from expected events.

    ``mask`` restricts eligibility as in :func:`expected_trial`.

    Returns
    -------
    int
        Participants (both arms); ``inf`` when the true ITT effect is exactly null.
    """
    one = expected_trial(people, 1, years, dose_iu, adherence, mask)
    if one["log_rate_ratio"] == 0:
        return np.inf
    z = stats.norm.isf(alpha / 2) + stats.norm.ppf(target)
    per_person = 1 / one["events_placebo"] + 1 / one["events_dose"]
    return int(np.ceil(per_person * (z / one["log_rate_ratio"]) ** 2))


def power_curve(people_by_world, sizes, years_list, dose_iu, adherence):
    """Expected events, true ITT rate ratio and power over trial sizes and follow-ups.

    Parameters
    ----------
    people_by_world : dict
        ``{world name: eligible_adults(...)}``.
    sizes : sequence of int
        Participants.
    years_list : sequence of float
        Follow-up (years).
    dose_iu, adherence : float

    Returns
    -------
    pandas.DataFrame
        ``world, years, participants, events_placebo, events_dose, rate_ratio, power``.
    """
    sizes = np.asarray(sizes, float)
    rows = []
    for world, people in people_by_world.items():
        for years in years_list:
            result = expected_trial(people, sizes, years, dose_iu, adherence)
            rows.append(pd.DataFrame({"world": world, "years": years, "participants": sizes,
                                      "events_placebo": result["events_placebo"],
                                      "events_dose": result["events_dose"],
                                      "rate_ratio": result["rate_ratio"],
                                      "power": result["power"]}))
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------------ dose, adherence, subgroups
def dilution_table(people, years, doses, adherences):
    """True ITT rate ratio over doses (IU/day) and adherence shares (same people).

    Returns
    -------
    pandas.DataFrame
        ``dose_iu``, ``adherence``, ``rate_ratio``, ``mean_rise_nmol`` (mean rise of
        25(OH)D in those who take the dose).
    """
    rows = []
    for dose in doses:
        rise = float(vitd_rise(people, dose).mean())
        for share in adherences:
            result = expected_trial(people, 1, years, dose, share)
            rows.append({"dose_iu": dose, "adherence": share,
                         "rate_ratio": result["rate_ratio"], "mean_rise_nmol": rise})
    return pd.DataFrame(rows)


def subgroup_effects(people_by_world, years, dose_iu, adherence, edges=VITD_GROUPS):
    """True ITT rate ratio by baseline long-term 25(OH)D group, per world.

    Parameters
    ----------
    people_by_world : dict
        ``{world name: eligible_adults(...)}`` (the same people in each world).
    years, dose_iu, adherence : float
    edges : sequence of float
        Group boundaries (nmol/L).

    Returns
    -------
    pandas.DataFrame
        ``world, group, share`` (of eligible adults), ``rate_ratio``,
        ``participants_80`` (people for 80% power if only this group were enrolled).
    """
    rows = []
    for world, people in people_by_world.items():
        vitd = people["vitd_mean_nmol"].to_numpy()
        for low, high in zip(edges[:-1], edges[1:], strict=True):
            mask = (vitd >= low) & (vitd < high)
            label = f"≥ {low:g}" if np.isinf(high) else f"{low:g}-{high:g}"
            result = expected_trial(people, 1, years, dose_iu, adherence, mask)
            needed = participants_for_power(people, years, dose_iu, adherence, mask=mask)
            rows.append({"world": world, "group": f"{label} nmol/L", "share": mask.mean(),
                         "rate_ratio": result["rate_ratio"], "participants_80": needed})
    return pd.DataFrame(rows)

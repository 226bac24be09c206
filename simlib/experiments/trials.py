"""Randomized trials of vitamin D: power, adherence, dose and thresholds (notebook 07).

A prevention trial randomizes adults without MS to a daily dose or placebo and counts MS
onsets; the analysis is by intention to treat (ITT). Randomization removes confounding,
but MS is rare: a VITAL-like trial of 20,000 adults followed 5 years expects only a
handful of onsets. This module computes, on simulated eligible adults, the expected
number of onsets per arm and the true ITT rate ratio for any size, follow-up, dose and
adherence (by intervention on the same people, as the ``trial`` design does), the power
that follows, and the lesson's figures.

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

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from .. import history
from ..designs.base import cached_world
from ..plots import TRUTH, forest_plot
from ..world import oral_rise_nmol, vitd_log_hazard

ALPHA = 0.05
POWER_TARGET = 0.8
PEOPLE_COLUMNS = ("age", "alive", "ms_onset_age", "death_age", "ms_log_hazard_ratio",
                  "vitd_mean_nmol", "diet_vitd_iu", "supplement_iu", "vitd_person_factor")
VITD_GROUPS = (0.0, 30.0, 50.0, 75.0, np.inf)  # baseline 25(OH)D groups, nmol/L


# ------------------------------------------------------------------ the DAG
def _box(ax, xy, text, colour="#deebf7"):
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=3,
            bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.4"})


def _arrow(ax, start, end, colour="0.3", style="-", shrink=(30, 30), rad=0.0):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "ls": style,
                            "shrinkA": shrink[0], "shrinkB": shrink[1], "mutation_scale": 14,
                            "connectionstyle": f"arc3,rad={rad}"})


def trial_dag_figure():
    """The trial as a DAG: randomization has no causes, so it cannot be confounded.

    Returns
    -------
    matplotlib.figure.Figure
        Random assignment -> dose taken (adherence) -> 25(OH)D -> MS, with the
        confounders of the observational contrast (sun, latitude, behaviour) acting on
        25(OH)D and MS but not on assignment; a dashed arrow marks the cohort's
        comparison, which runs through them.
    """
    fig, ax = plt.subplots(figsize=(9.2, 3.9))
    places = {"assign": (0.0, 0.0), "taken": (1.35, 0.0), "vitd": (2.7, 0.0),
              "ms": (4.0, 0.0), "confounders": (3.35, 1.2), "adherence": (1.35, -1.15)}
    _box(ax, places["assign"], "random assignment\n(dose or placebo)", "#fdae6b")
    _box(ax, places["taken"], "dose taken\n(IU/day)")
    _box(ax, places["vitd"], "25(OH)D\n(nmol/L)", "#fdae6b")
    _box(ax, places["ms"], "MS onset", "#fdae6b")
    _box(ax, places["confounders"], "sun, latitude, behaviour,\nhealth consciousness")
    _box(ax, places["adherence"], "adherence\n(share who take it)")
    for start, end in (("assign", "taken"), ("taken", "vitd"), ("vitd", "ms"),
                       ("adherence", "taken")):
        _arrow(ax, places[start], places[end], colour="black" if end == "ms" else "0.3")
    _arrow(ax, places["confounders"], places["vitd"], shrink=(20, 24))
    _arrow(ax, places["confounders"], places["ms"], shrink=(20, 20))
    ax.text(0.0, 0.75, "no arrows in:\nassignment is\nby coin toss", ha="center", fontsize=8,
            style="italic", color="0.15")
    ax.text(2.7, -0.95, "a cohort compares people whose 25(OH)D differs\nfor all these "
            "reasons: the confounders come along", ha="center", fontsize=8, style="italic",
            color="#d62728")
    ax.set(xlim=(-0.8, 4.6), ylim=(-1.6, 1.6))
    ax.set_axis_off()
    ax.set_title("A randomized trial of vitamin D as a DAG", fontsize=10)
    return fig


# ------------------------------------------------------------------ eligible adults
def eligible_adults(scenario, population, seed, age_low=20.0, age_high=45.0):
    """Adults a general-population prevention trial could enrol (alive, no MS yet).

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    population : int
        People simulated.
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
    people = cached_world(scenario).sample(int(population), seed, columns=PEOPLE_COLUMNS)
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
    entry = people["age"].to_numpy()
    end = np.minimum(entry + years, people["death_age"].to_numpy())
    edges, cumulative = history.band_edges(), history.baseline_cumulative(ms)
    baseline = np.interp(end, edges, cumulative) - np.interp(entry, edges, cumulative)
    vitd = people["vitd_mean_nmol"].to_numpy()
    change = vitd_log_hazard(vitd + vitd_rise(people, dose_iu), ms) - vitd_log_hazard(vitd, ms)
    hazard = np.exp(people["ms_log_hazard_ratio"].to_numpy()) * baseline
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


# ------------------------------------------------------------------ figures
def power_figure(curve, mark=None, monte_carlo=None):
    """Power of the ITT test against trial size, one line per world and follow-up.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`power_curve`.
    mark : tuple, optional
        ``(participants, years, label)`` of a trial to mark on the curves (e.g. VITAL-like).
    monte_carlo : pandas.DataFrame, optional
        Simulated power to overlay: columns ``participants``, ``years``, ``power``,
        ``mcse_power`` (from :func:`simlib.diagnosis.diagnose` of ``trial`` replicates).

    Returns
    -------
    matplotlib.figure.Figure
        Power (share of trials with p < 0.05) on a log axis of participants; the null
        world's power is the 5% false-positive rate, drawn as the reference.
    """
    fig, ax = plt.subplots(figsize=(8.4, 4.6))
    styles = {"causal": "-", "threshold": "--"}
    for (world, years), rows in curve.groupby(["world", "years"], sort=False):
        colour = f"C{sorted(curve['years'].unique()).index(years)}"
        ax.plot(rows["participants"], rows["power"], styles.get(world, ":"), color=colour,
                label=f"{world} world, {years:g} years (true ITT RR "
                      f"{rows['rate_ratio'].iloc[0]:.2f})")
    ax.axhline(ALPHA, color=TRUTH, lw=1.5, label="null world: 5% false positives")
    ax.axhline(POWER_TARGET, color="0.5", lw=0.8, ls=":", label="80% power")
    if monte_carlo is not None:
        ax.errorbar(monte_carlo["participants"], monte_carlo["power"], fmt="D", color="black",
                    yerr=1.96 * monte_carlo["mcse_power"], capsize=3,
                    label="simulated trials (± 1.96 MCSE)")
    if mark is not None:
        participants, years, label = mark
        ax.axvline(participants, color="0.3", lw=0.8, ls="-.")
        ax.annotate(label, (participants, 0.92), xytext=(4, 0), textcoords="offset points",
                    fontsize=8)
    ax.set(xscale="log", ylim=(0, 1), xlabel="participants randomized (log scale)",
           ylabel="power (share of trials with p < 0.05)",
           title="Power of a prevention trial to detect an effect on MS onset")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


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


def dilution_figure(table):
    """True ITT rate ratio against adherence, one line per dose; the truth of full adherence.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`dilution_table`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7.4, 4.2))
    for index, (dose, rows) in enumerate(table.groupby("dose_iu")):
        ax.plot(rows["adherence"], rows["rate_ratio"], "o-", color=f"C{index}",
                label=f"{dose:,.0f} IU/day (+{rows['mean_rise_nmol'].iloc[0]:.0f} nmol/L "
                      "in takers)")
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":", label="no effect")
    ax.set(xlabel="adherence (share of the dose arm who take it)",
           ylabel="true ITT rate ratio of MS onset (dose vs placebo)",
           title="Dilution: the ITT effect shrinks towards 1 as adherence falls")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


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


def threshold_figure(subgroups, cohort_rows):
    """Trial vs cohort in the threshold world: who can benefit, and what each design reports.

    Parameters
    ----------
    subgroups : pandas.DataFrame
        Output of :func:`subgroup_effects`.
    cohort_rows : pandas.DataFrame
        Forest rows (``label, estimate, ci_low, ci_high, estimand_value, scale``): the
        cohort's HR per +25 nmol/L and the trial's ITT rate ratio, each with its truth.

    Returns
    -------
    matplotlib.figure.Figure
        Left: true ITT rate ratio of a trial enrolling only one baseline 25(OH)D group.
        Right: the forest plot of ``cohort_rows``.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.2),
                                      gridspec_kw={"width_ratios": [1, 1.1]})
    groups = list(dict.fromkeys(subgroups["group"]))
    x = np.arange(len(groups))
    for index, (world, rows) in enumerate(subgroups.groupby("world", sort=False)):
        left.plot(x, rows["rate_ratio"], "o-", color=f"C{index}", label=f"{world} world")
    shares = subgroups.groupby("group", sort=False)["share"].first()
    left.set_xticks(x, labels=[f"{g}\n({shares[g]:.0%} of adults)" for g in groups],
                    fontsize=8)
    left.set_yscale("log")
    left.yaxis.set_major_formatter(plt.FormatStrFormatter("%.2g"))
    left.yaxis.set_minor_formatter(plt.FormatStrFormatter("%.2g"))
    left.axhline(1.0, color=TRUTH, lw=1.2, ls="--", label="no benefit")
    left.set(xlabel="baseline long-term 25(OH)D of those enrolled",
             ylabel="true ITT rate ratio of MS onset (log scale)",
             title="Who can benefit from the dose (truth)")
    left.legend(fontsize="small")
    forest_plot(cohort_rows, ax=right)
    right.set_title("What each study reports (estimate, 95% CI, truth)", fontsize=10)
    right.set_xlabel("cohort: HR per +25 nmol/L; trial: ITT rate ratio (log scale)")
    fig.tight_layout()
    return fig


def widget_figure(people_by_world, participants, years, dose_iu, adherence):
    """The slider panel's figure: power curve and expected onsets at the chosen design.

    Parameters
    ----------
    people_by_world : dict
        ``{world name: eligible_adults(...)}``; the causal and threshold worlds are drawn.
    participants : int
        People randomized.
    years, dose_iu, adherence : float

    Returns
    -------
    matplotlib.figure.Figure
        Left: power against participants (log axis), the chosen size marked. Right:
        expected MS onsets per arm at the chosen design, with the true ITT rate ratio.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = np.geomspace(1_000, 10_000_000, 60)
    results = {world: expected_trial(people, participants, years, dose_iu, adherence)
               for world, people in people_by_world.items()}
    for index, (world, people) in enumerate(people_by_world.items()):
        curve = expected_trial(people, sizes, years, dose_iu, adherence)["power"]
        left.plot(sizes, curve, color=f"C{index}", label=f"{world} world")
        left.plot(participants, results[world]["power"], "o", color=f"C{index}")
    left.axhline(ALPHA, color=TRUTH, lw=1.2, label="null world (5%)")
    left.axhline(POWER_TARGET, color="0.5", lw=0.8, ls=":")
    left.axvline(participants, color="0.3", lw=0.8, ls="-.")
    left.set(xscale="log", ylim=(0, 1), xlabel="participants randomized (log scale)",
             ylabel="power (share of trials with p < 0.05)",
             title=f"{years:g} years, {dose_iu:,.0f} IU/day, adherence {adherence:.0%}")
    left.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))
    left.legend(fontsize="small", loc="upper left")
    worlds = list(results)
    width = 0.8 / len(worlds)
    for index, world in enumerate(worlds):
        result = results[world]
        bars = right.bar(np.arange(2) + (index - (len(worlds) - 1) / 2) * width,
                         [result["events_placebo"], result["events_dose"]], width,
                         color=f"C{index}", label=f"{world} world (true ITT RR "
                                                  f"{result['rate_ratio']:.2f})")
        right.bar_label(bars, fmt="%.1f", fontsize=8)
    right.set_xticks([0, 1], labels=["placebo arm", "dose arm"])
    right.set_ylim(top=right.get_ylim()[1] * 1.3)  # room for the legend above the bars
    right.set(ylabel="expected MS onsets (people)",
              title=f"{participants:,.0f} participants: expected onsets per arm")
    right.legend(fontsize="small")
    fig.tight_layout()
    return fig


def forest_figure(rows, title, xlabel, width=9.0):
    """A forest plot of estimates beside their truths in a figure wide enough for labels.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``label, estimate, ci_low, ci_high, estimand_value`` on the log scale.
    title, xlabel : str
    width : float
        Figure width (inches).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(width, 1.6 + 0.5 * len(rows)))
    forest_plot(rows, ax=ax)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig

"""Summaries, figures and the slider panel of the relapses lesson.

The summaries (relapses by month, before and after starting vitamin D, users vs
non-users) are tables computed from the patients and studies of
:mod:`simlib.experiments.relapses`. Every figure function returns a matplotlib Figure
made with ``plt.subplots``: axes labelled with units, the truth drawn in the suite's
truth colour, no global matplotlib state changed.

References
----------
Simpson S et al. Ann Neurol 2010;68:193-203 (relapse cohort).
Spelman T et al. Ann Neurol 2014;76:880-90 (spring peak of relapses).
Martinez-Yelamos S et al. Mult Scler 2006;12:826-9 (regression to the mean).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import history, measure
from ..designs.common import LEVEL_COLUMNS
from ..plots import TRUTH, forest_from_diagnosis
from .relapses import estimate_designs, healthy_user_values, lesson_options

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

RATIO_TICKS = (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5)
#: Estimators shown side by side in the mechanism figure and the panel.
HEADLINE_ESTIMATORS = (("relapse-cohort", "poisson"), ("supplement-users", "poisson"),
                       ("supplement-starters", "before-after"),
                       ("supplement-starters", "after-vs-non-starters"))
PANEL_ESTIMATORS = {"relapse-cohort": ("poisson",), "supplement-users": ("poisson",),
                    "supplement-starters": ("before-after", "after-vs-non-starters")}

DAG_NODES = {  # key: (label, (x, y))
    "season": ("calendar season", (5.2, 3.5)),
    "health": ("health\nconsciousness", (0.0, 2.0)),
    "supplement": ("vitamin D\nsupplement", (2.6, 2.0)),
    "vitd": ("25(OH)D at the\nblood draw (nmol/L)", (5.2, 2.0)),
    "relapses": ("relapses\n(per year)", (7.8, 0.7)),
    "activity": ("disease\nactivity", (2.6, -0.6)),
    "earlier": ("an earlier\nrelapse", (5.2, -0.6)),
    "duration": ("years since\nMS onset", (0.0, -2.2)),
}
DAG_EDGES = (  # parent, child, label, where along the arrow the label sits, curvature
    ("season", "vitd", "winter low", 0.5, 0.0),
    ("season", "relapses", "spring peak", 0.5, 0.0),
    ("health", "supplement", "healthy users", 0.5, 0.0),
    ("health", "activity", "better adherence", 0.35, 0.0),
    ("duration", "supplement", "prevalent users", 0.25, 0.0),
    ("duration", "relapses", "rate falls with duration", 0.45, 0.25),
    ("supplement", "vitd", "", 0.5, 0.0),
    ("activity", "vitd", "stays indoors", 0.75, 0.0),
    ("activity", "earlier", "", 0.5, 0.0),
    ("activity", "relapses", "", 0.5, 0.3),
    ("earlier", "vitd", "acute drop", 0.5, 0.0),
    ("earlier", "supplement", "prompts a start", 0.75, 0.0),
)


# ------------------------------------------------------------------- seasons
def expected_relapses(patients: pd.DataFrame, start, end, supplement_start=None):
    """Each patient's expected relapses between ages ``start`` and ``end`` (years).

    The rate of :func:`simlib.history.expected_relapses` (spring peak, Spelman 2014; fall
    with disease duration; activity; the causal effect of 25(OH)D, if any), in the world
    attached to ``patients.attrs["scenario"]``.
    """
    def col(name):
        return patients[name].to_numpy()

    starts = col("post_dx_supplement_start_age") if supplement_start is None \
        else supplement_start
    args = (starts, col("vitd_after_onset_nmol"), col("vitd_on_supplement_nmol"),
            col("birth_year_fraction"), col("southern"), patients.attrs["scenario"].relapse,
            col("ms_activity"))
    onset = col("ms_onset_age")
    return history.expected_relapses(onset, np.asarray(end, float), *args) \
        - history.expected_relapses(onset, np.asarray(start, float), *args)


def seasonal_profile(patients: pd.DataFrame) -> pd.DataFrame:
    """Relapse rate and mean true 25(OH)D by month, over the year after the survey.

    Months are local seasons in northern-hemisphere terms (southern patients shifted six
    months, as the relapse cohort's ``draw_month``).

    Returns
    -------
    pandas.DataFrame
        ``month`` (0 = January), ``label``, ``relapses_per_person_year``, ``vitd_nmol``.
    """
    scenario = patients.attrs["scenario"]
    age = patients["age"].to_numpy()
    local = np.mod(patients["birth_year_fraction"].to_numpy() + age
                   + 0.5 * patients["southern"].to_numpy(), 1.0)
    rows = []
    for month in range(12):
        middle = age + np.mod((month + 0.5) / 12 - local, 1.0)
        rate = expected_relapses(patients, middle - 1 / 24, middle + 1 / 24) * 12
        level = measure.true_level(middle, *(patients[c].to_numpy() for c in LEVEL_COLUMNS),
                                   scenario.sun, scenario.reverse_causation,
                                   scenario.measurement, scenario.calendar)
        rows.append({"month": month, "label": MONTHS[month],
                     "relapses_per_person_year": rate.mean(), "vitd_nmol": level.mean()})
    return pd.DataFrame(rows)


def draw_month_table(studies) -> pd.DataFrame:
    """What a relapse cohort sees: by month of blood draw, the mean measured 25(OH)D and
    the relapse rate in the interval that follows (pooled over ``studies``)."""
    data = pd.concat([s.data for s in studies], ignore_index=True)
    table = data.groupby("draw_month").agg(vitd_nmol=("vitd_nmol", "mean"),
                                           relapses=("relapses", "sum"),
                                           person_years=("years", "sum"))
    table["relapses_per_person_year"] = table["relapses"] / table["person_years"]
    return table.reset_index().rename(columns={"draw_month": "month"})


# ---------------------------------------------------------- regression to the mean
def starter_rates(studies) -> pd.DataFrame:
    """Relapses per person-year before and after, starters and non-starters, pooled over
    supplement-starters ``studies``; plus the starters' rate after had they not started
    (the truth: observed relapses times exp(-estimand) of each study).

    Returns
    -------
    pandas.DataFrame
        ``group, period, relapses, person_years, rate`` (relapses per person-year).
    """
    parts, counterfactual = [], 0.0
    for study in studies:
        data = study.data
        parts.append(data.groupby(["starter", "after"])[["relapses", "years"]].sum())
        after = data[(data["starter"] == 1) & (data["after"] == 1)]["relapses"].sum()
        counterfactual += after * math.exp(-study.estimand.value)
    table = pd.concat(parts).groupby(level=[0, 1]).sum().reset_index()
    table["group"] = np.where(table["starter"] == 1, "starters", "non-starters")
    table["period"] = np.where(table["after"] == 1, "after", "before")
    extra = table[(table["group"] == "starters") & (table["period"] == "after")].assign(
        group="starters had they not started (truth)", relapses=counterfactual)
    table = pd.concat([table, extra], ignore_index=True)
    table["rate"] = table["relapses"] / table["years"]
    return table.rename(columns={"years": "person_years"})[
        ["group", "period", "relapses", "person_years", "rate"]]


def user_characteristics(patients: pd.DataFrame, follow_up_years: float = 2.0) -> pd.DataFrame:
    """Supplement users vs non-users among diagnosed patients at the survey.

    Users started vitamin D after diagnosis, before the survey (as in the
    supplement-users design). Shows why they relapse less whatever vitamin D does: more
    health conscious (Jelinek 2015), longer since onset (the relapse rate falls with
    duration, Tremlett 2008).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``patients``, ``health_consciousness_sd``, ``years_since_onset``,
        ``disease_activity`` (relapse-rate multiplier), ``relapses_per_person_year`` (expected
        over ``follow_up_years``).
    """
    age = patients["age"].to_numpy()
    diagnosed = patients["diagnosis_age"].to_numpy() < age
    rate = expected_relapses(patients, age, age + follow_up_years) / follow_up_years
    table = pd.DataFrame({
        "group": np.where(patients["post_dx_supplement_start_age"].to_numpy() <= age,
                          "supplement users", "non-users"),
        "health_consciousness_sd": patients["health_consciousness"].to_numpy(),
        "years_since_onset": age - patients["ms_onset_age"].to_numpy(),
        "disease_activity": patients["ms_activity"].to_numpy(),
        "relapses_per_person_year": rate})[diagnosed]
    summary = table.groupby("group").mean()
    summary.insert(0, "patients", table.groupby("group").size())
    return summary.loc[["supplement users", "non-users"]]


# ------------------------------------------------------------------------- DAG
def dag_figure():
    """The lesson's causal diagram: what links 25(OH)D and relapses without causation.

    The dashed red arrow is the causal effect of 25(OH)D on relapses
    (``relapse.vitd_rr_per_25nmol``: 1, no effect, in the null world); every other path
    from 25(OH)D to relapses is a back door (season, disease activity, health
    consciousness, disease duration) or reverse causation (an earlier relapse).
    """
    fig, ax = plt.subplots(figsize=(10, 5.2))
    boxes = {}
    for key, (label, (x, y)) in DAG_NODES.items():
        colour = {"vitd": "#c6dbef", "relapses": "#fdd0a2"}.get(key, "#f0f0f0")
        boxes[key] = ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=2,
                             bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.4"})
    for parent, child, label, where, bend in DAG_EDGES:
        _arrow(ax, boxes, (parent, child), label, where, bend, "0.3", "-")
    _arrow(ax, boxes, ("vitd", "relapses"), "", 0.5, 0.0, TRUTH, "--")
    ax.text(6.35, 0.55, "causal effect?\nRR per +25 nmol/L\n(1 in the null world)", ha="center",
            va="center", fontsize=8, color=TRUTH, zorder=4)
    ax.set_xlim(-0.9, 8.7)
    ax.set_ylim(-2.8, 4.0)
    ax.set_axis_off()
    ax.set_title("Paths between 25(OH)D (blue) and relapses (orange): only the dashed red "
                 "one is causal", fontsize=10)
    return fig


def _arrow(ax, boxes, edge, label, where, bend, colour, style):
    """An arrow between two boxes, optionally curved, with a label part-way along it."""
    parent, child = edge
    (x0, y0), (x1, y1) = DAG_NODES[parent][1], DAG_NODES[child][1]
    # drawn after the boxes (zorder 3 > 2), so they stop at the boxes' current edges
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=3,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "ls": style,
                            "connectionstyle": f"arc3,rad={bend}",
                            "patchA": boxes[parent].get_bbox_patch(),
                            "patchB": boxes[child].get_bbox_patch(),
                            "shrinkA": 2, "shrinkB": 2, "mutation_scale": 14})
    if label:
        # on a curve arc3 the midpoint is pushed sideways by bend * length (perpendicular)
        x, y = x0 + where * (x1 - x0), y0 + where * (y1 - y0)
        push = 2 * where * (1 - where) * bend
        x, y = x + push * (y1 - y0), y - push * (x1 - x0)
        ax.text(x, y, label, ha="center", va="center", fontsize=7.5, color=colour, zorder=4,
                bbox={"fc": "white", "ec": "none", "pad": 0.5})


# ---------------------------------------------------------------- estimates
def _ratio_axis(ax, values):
    """Log x axis with plain ratio ticks covering ``values`` (rate ratios) and 1."""
    values = np.asarray([v for v in np.ravel(values) if np.isfinite(v) and v > 0] + [1.0])
    low, high = values.min() / 1.25, values.max() * 1.25
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.minorticks_off()
    ticks = []
    for tick in (t for t in RATIO_TICKS if low <= t <= high):
        if not ticks or np.log(tick / ticks[-1]) > np.log(high / low) / 6:  # no crowding
            ticks.append(tick)
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])


def forest_figure(diag, worlds):
    """Estimates beside the truth in each world: one forest plot per world.

    Parameters
    ----------
    diag : pandas.DataFrame
        :func:`~simlib.experiments.relapses.summarize` output.
    worlds : sequence of str
        World labels, one panel each (top to bottom).
    """
    rows = max(len(diag[diag["world"] == w]) for w in worlds)
    fig, axes = plt.subplots(len(worlds), 1, figsize=(8.2, len(worlds) * (1.4 + 0.42 * rows)),
                             squeeze=False, layout="constrained")
    for ax, world in zip(axes[:, 0], worlds, strict=True):
        forest_from_diagnosis(diag[diag["world"] == world], ax=ax,
                              label_columns=("design", "estimator"))
        ax.set_title(world, fontsize=10)
        ax.set_xlabel("relapse rate ratio (log scale; per +25 nmol/L for the relapse cohort)")
    return fig


def mechanism_figure(diag, worlds, estimators=HEADLINE_ESTIMATORS):
    """Mean estimate (± 1.96 Monte Carlo SE) of each design with one mechanism switched off.

    Parameters
    ----------
    diag : pandas.DataFrame
        :func:`~simlib.experiments.relapses.summarize` output with the mechanism worlds.
    worlds : sequence of str
        World labels, top to bottom (e.g. the keys of ``mechanism_worlds``).
    estimators : sequence of (design, estimator)
        One panel each.
    """
    fig, axes = plt.subplots(1, len(estimators), sharey=True, squeeze=False, layout="constrained",
                             figsize=(2.3 * len(estimators) + 2.4, 0.42 * len(worlds) + 1.9))
    y = np.arange(len(worlds))[::-1]
    for ax, (design, estimator) in zip(axes[0], estimators, strict=True):
        rows = diag[(diag["design"] == design) & (diag["estimator"] == estimator)]
        rows = rows.set_index("world").loc[list(worlds)]
        mean, half = rows["mean_estimate"].to_numpy(), 1.96 * rows["mcse_mean_estimate"]
        low, high = np.exp(mean - half.to_numpy()), np.exp(mean + half.to_numpy())
        ax.errorbar(np.exp(mean), y, xerr=[np.exp(mean) - low, high - np.exp(mean)], fmt="o",
                    color="black", ms=5, capsize=3, label="mean estimate ± 1.96 MCSE")
        ax.plot(np.exp(rows["estimand_value"]), y, ls="none", marker="|", ms=14, mew=2.5,
                color=TRUTH, label="truth")
        ax.axvline(1.0, color="0.6", lw=0.8, zorder=0)
        _ratio_axis(ax, np.concatenate([low, high, np.exp(rows["estimand_value"])]))
        ax.set_title(f"{design}\n{estimator}", fontsize=9)
        ax.set_xlabel("relapse rate ratio\n(log scale)")
    axes[0, 0].set_yticks(y, labels=list(worlds))
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize="small", frameon=False)
    return fig


# ------------------------------------------------------------------- seasons
def season_figure(profile, draws):
    """Left: the world (relapse rate and mean true 25(OH)D by month; Spelman 2014).
    Right: what a relapse cohort sees (mean measured 25(OH)D by month of the draw, and
    relapses in the six months that follow it; Simpson 2010).

    Parameters
    ----------
    profile : pandas.DataFrame
        :func:`~simlib.experiments.relapses.seasonal_profile` output.
    draws : pandas.DataFrame
        :func:`~simlib.experiments.relapses.draw_month_table` output.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.9))
    titles = ("In the world: relapses by month", "In the relapse cohort: by month of draw")
    bars = ("relapses per person-year", "relapses per person-year in the 6 months after")
    for ax, table, title, bar in zip(axes, (profile, draws), titles, bars, strict=True):
        ax.bar(table["month"], table["relapses_per_person_year"], color="#fdae6b",
               label=bar)
        ax.set_ylabel("relapses per person-year")
        ax.set_ylim(0, table["relapses_per_person_year"].max() * 1.35)
        twin = ax.twinx()
        twin.plot(table["month"], table["vitd_nmol"], "o-", color="#2171b5",
                  label="mean 25(OH)D (nmol/L)")
        twin.set_ylabel("mean 25(OH)D (nmol/L)", color="#2171b5")
        twin.set_ylim(table["vitd_nmol"].min() - 15, table["vitd_nmol"].max() + 8)
        ax.set_xticks(range(12), labels=MONTHS, fontsize=8)
        ax.set_xlabel("month (southern hemisphere shifted by six months)")
        ax.set_title(title, fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize="small", loc="upper left", framealpha=0.9)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------- regression to the mean
def starters_figure(rates_by_world):
    """Relapses per person-year before and after, starters vs non-starters, per world.

    Parameters
    ----------
    rates_by_world : dict of str to pandas.DataFrame
        World label -> :func:`~simlib.experiments.relapses.starter_rates` output.
    """
    fig, axes = plt.subplots(1, len(rates_by_world), figsize=(5.2 * len(rates_by_world), 4.0),
                             sharey=True, squeeze=False)
    styles = {"starters": ("o-", "#d95f02"), "non-starters": ("s--", "#1b9e77")}
    for ax, (world, rates) in zip(axes[0], rates_by_world.items(), strict=True):
        for group, (style, colour) in styles.items():
            rows = rates[rates["group"] == group].set_index("period").loc[["before", "after"]]
            ax.plot([0, 1], rows["rate"], style, color=colour, lw=2, ms=7, label=group)
        truth = rates[rates["group"].str.contains("truth")]["rate"].iloc[0]
        ax.plot([1], [truth], marker="_", ms=26, mew=3, color=TRUTH, ls="none",
                label="starters, had they not started (truth)")
        ax.set_xticks([0, 1], labels=["year before\n(relapse prompts a start)",
                                      "year after"])
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(world, fontsize=10)
        ax.set_ylabel("relapses per person-year")
        ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return fig


# -------------------------------------------------------------------- the panel
def estimates_figure(table, title=""):
    """Each replicate's rate ratio (grey), their mean (black) and the truth (red)."""
    pairs = list(dict.fromkeys(zip(table["design"], table["estimator"], strict=True)))
    fig, ax = plt.subplots(figsize=(7.8, 1.5 + 0.55 * len(pairs)))
    y = np.arange(len(pairs))[::-1]
    for position, (design, estimator) in zip(y, pairs, strict=True):
        rows = table[(table["design"] == design) & (table["estimator"] == estimator)]
        ratios = np.exp(rows["estimate"].to_numpy(float))
        ax.plot(ratios, np.full(len(ratios), position), "o", color="0.65", ms=5)
        ax.plot(np.exp(np.nanmean(np.log(ratios))), position, "s", color="black", ms=7)
        ax.plot(np.exp(rows["estimand_value"].mean()), position, "|", color=TRUTH, ms=18,
                mew=3)
    ax.plot([], [], "o", color="0.65", label="one replicate")
    ax.plot([], [], "s", color="black", label="mean")
    ax.plot([], [], "|", color=TRUTH, mew=3, ms=12, label="truth")
    ax.axvline(1.0, color="0.6", lw=0.8, zorder=0)
    _ratio_axis(ax, np.exp(table[["estimate", "estimand_value"]].to_numpy(float)))
    ax.set_yticks(y, labels=[f"{d}\n{e}" for d, e in pairs], fontsize=8)
    ax.set_ylim(-0.8, len(pairs) - 0.2)
    ax.set_xlabel("relapse rate ratio (log scale; per +25 nmol/L for the relapse cohort)")
    ax.legend(fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
              frameon=False)
    if title:
        fig.suptitle(title, fontsize=10, y=0.995)
    fig.tight_layout()
    return fig


def panel_draw(pools, base, strengths, reps=3):
    """The slider panel's drawing function, re-estimating on pre-simulated patients.

    Parameters
    ----------
    pools : PatientPools
        Simulated with the healthy-user worlds of every value in ``strengths``.
    base : Scenario
        The world the sliders change.
    strengths : sequence of float
        Healthy-user strengths simulated (the slider snaps to the nearest).
    reps : int
        Replicates re-estimated per redraw (about 0.3 s each).

    Returns
    -------
    callable
        ``draw(healthy_user, spring_amplitude, relapse_rr, participants) -> Figure``.
    """
    def draw(healthy_user, spring_amplitude, relapse_rr, participants):
        strength = min(strengths, key=lambda s: abs(s - healthy_user))
        scenario = base.with_values({**healthy_user_values(base, strength),
                                     "relapse.spring_amplitude": float(spring_amplitude),
                                     "relapse.vitd_rr_per_25nmol": float(relapse_rr)})
        table = estimate_designs(pools, {"panel": scenario}, lesson_options(participants),
                                 PANEL_ESTIMATORS, reps)
        return estimates_figure(table, f"healthy users x{strength:g}, spring amplitude "
                                f"{spring_amplitude:g}, true RR {relapse_rr:g} per +25 nmol/L, "
                                f"{int(participants)} patients per study")
    return draw

"""Figures of notebook 07 (randomized trials): the trial DAG, power, dilution, thresholds.

Every function returns its figure, with the truth drawn and axes labelled with units:
the trial as a DAG (:func:`trial_dag_figure`), power against trial size
(:func:`power_figure`), dilution of the ITT effect by adherence (:func:`dilution_figure`),
who can benefit in the threshold world and what a cohort and a trial report
(:func:`threshold_figure`), the slider panel's drawing (:func:`widget_figure`) and a
forest plot of estimates beside their truths (:func:`forest_figure`). The expected
onsets, power and tables come from :mod:`simlib.experiments.trials`.

Units: doses in IU/day; 25(OH)D in nmol/L; follow-up in years; effects as ITT rate
ratios (dose vs placebo) or hazard ratios per +25 nmol/L (log axes).

References
----------
Hahn J et al. Vitamin D and marine omega 3 fatty acid supplementation and incident
autoimmune disease: VITAL randomized controlled trial. BMJ 2022;376:e066452.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import TRUTH, forest_plot
from .trials import ALPHA, POWER_TARGET, expected_trial


# ------------------------------------------------------------------ the DAG
def _box(ax, xy, text, colour="#deebf7"):
    """A rounded box of ``text`` centred at ``xy`` (a DAG node)."""
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=3,
            bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.4"})


def _arrow(ax, start, end, colour="0.3", style="-", shrink=(30, 30), rad=0.0):
    """An arrow from ``start`` to ``end`` (a DAG edge), stopping short of the boxes."""
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


# ------------------------------------------------------------------ power
def power_figure(curve, mark=None, monte_carlo=None):
    """Power of the ITT test against trial size, one line per world and follow-up.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`~simlib.experiments.trials.power_curve`.
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


# ------------------------------------------------------------------ dilution and thresholds
def dilution_figure(table):
    """True ITT rate ratio against adherence, one line per dose; the truth of full adherence.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.experiments.trials.dilution_table`.

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


def threshold_figure(subgroups, cohort_rows):
    """Trial vs cohort in the threshold world: who can benefit, and what each design reports.

    Parameters
    ----------
    subgroups : pandas.DataFrame
        Output of :func:`~simlib.experiments.trials.subgroup_effects`.
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


# ------------------------------------------------------------------ slider panel and forest plots
def _power_panel(ax, people_by_world, results, design):
    """Power against participants per world, the chosen ``design`` marked on each curve.

    ``design`` is ``(participants, years, dose_iu, adherence)``; ``results`` holds
    :func:`~simlib.experiments.trials.expected_trial` at it, per world.
    """
    participants, years, dose_iu, adherence = design
    sizes = np.geomspace(1_000, 10_000_000, 60)
    for index, (world, people) in enumerate(people_by_world.items()):
        curve = expected_trial(people, sizes, years, dose_iu, adherence)["power"]
        ax.plot(sizes, curve, color=f"C{index}", label=f"{world} world")
        ax.plot(participants, results[world]["power"], "o", color=f"C{index}")
    ax.axhline(ALPHA, color=TRUTH, lw=1.2, label="null world (5%)")
    ax.axhline(POWER_TARGET, color="0.5", lw=0.8, ls=":")
    ax.axvline(participants, color="0.3", lw=0.8, ls="-.")
    ax.set(xscale="log", ylim=(0, 1), xlabel="participants randomized (log scale)",
           ylabel="power (share of trials with p < 0.05)",
           title=f"{years:g} years, {dose_iu:,.0f} IU/day, adherence {adherence:.0%}")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.legend(fontsize="small", loc="upper left")


def _onsets_panel(ax, results, participants):
    """Expected MS onsets per arm, one group of bars per world with its true ITT RR."""
    worlds = list(results)
    width = 0.8 / len(worlds)
    for index, world in enumerate(worlds):
        result = results[world]
        bars = ax.bar(np.arange(2) + (index - (len(worlds) - 1) / 2) * width,
                      [result["events_placebo"], result["events_dose"]], width,
                      color=f"C{index}", label=f"{world} world (true ITT RR "
                                               f"{result['rate_ratio']:.2f})")
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks([0, 1], labels=["placebo arm", "dose arm"])
    ax.set_ylim(top=ax.get_ylim()[1] * 1.3)  # room for the legend above the bars
    ax.set(ylabel="expected MS onsets (people)",
           title=f"{participants:,.0f} participants: expected onsets per arm")
    ax.legend(fontsize="small")


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
    results = {world: expected_trial(people, participants, years, dose_iu, adherence)
               for world, people in people_by_world.items()}
    _power_panel(left, people_by_world, results, (participants, years, dose_iu, adherence))
    _onsets_panel(right, results, participants)
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

"""Dose and safety: the 25(OH)D levels very high daily doses reach, and what the world implies.

Popular articles claim that people with MS need 14,000 IU/day or more, and that doses up
to 40,000 IU/day are safe and halt or reverse the disease. This module supplies the
lesson's experiments (notebook ``09_dose_and_safety``):

* the world's dose-response of long-term 25(OH)D (:func:`simlib.world.oral_rise_nmol`, a
  saturating Hill curve) beside the published dose figures it was fitted to;
* the levels a simulated population reaches at a given dose, person by person (same
  people, re-evaluated with any Hill parameters: no resimulation), against commonly cited
  reference levels;
* the MS risk the causal worlds imply at each dose, by intervention ``do(supplement_iu=D)``
  on the same people (potential outcomes), and the relapse rate ratio for the exercises.

Units: 25(OH)D in nmol/L (ng/mL = nmol/L / 2.496), doses in IU/day.

References
----------
Institute of Medicine. Dietary Reference Intakes for Calcium and Vitamin D. Washington DC:
National Academies Press, 2011 (50 nmol/L sufficiency; concern above 125 nmol/L; upper
intake 4,000 IU/day).
Holick MF et al. Evaluation, treatment, and prevention of vitamin D deficiency: an Endocrine
Society clinical practice guideline. J Clin Endocrinol Metab 2011;96:1911-30 (75 nmol/L
sufficiency; 250 nmol/L upper limit of the desirable range).
Ekwaru JP, Veugelers PJ et al. PLoS One 2014;9:e111265 (dose-response in 17,614 volunteers).
BEST-D trial group. Osteoporos Int 2017 (2,000 and 4,000 IU/day for 12 months).
Burton JM et al. A phase I/II dose-escalation trial of vitamin D3 and calcium in multiple
sclerosis. Neurology 2010;74:1852-9 (escalation to 40,000 IU/day; peak 413 nmol/L).
Hupperts R et al. (SOLAR). Neurology 2019;93:e1906 (14,007 IU/day add-on: NEDA-3 OR 0.93).
Marcinowska-Suchowierska E et al. Front Endocrinol 2018;9:550 (intoxication usually
above 375 nmol/L).
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from scipy.optimize import brentq

from ..calibrate import published_figures
from ..errors import ParameterError
from ..plots import TRUTH
from ..scenario import Scenario, load_scenario
from ..world import build_world, oral_rise_nmol, oral_vitd_nmol, vitd_mean_nmol

CLAIM_DOSES_IU = (14_000.0, 40_000.0)
"""Daily doses of the claims (IU/day): the article's "14,000 IU or higher" and Burton's top dose."""

NMOL_PER_NG_ML = 2.496
BURTON_BASELINE_NMOL = 78.0  # mean 25(OH)D at entry in Burton et al. 2010 (calibrate.py)
BURTON_BASELINE_RANGE = (60.0, 100.0)  # people like Burton's at entry (nmol/L), as calibrate.py
TRUTH_AGE = 50.0  # risk of MS onset counted to this age (as simlib.truth)

#: Columns of a population needed to re-evaluate 25(OH)D at any dose.
DOSE_COLUMNS = ("diet_vitd_iu", "supplement_iu", "vitd_person_factor", "sun_vitd_nmol",
                "vitd_gene_score_nmol", "vitd_mean_nmol", "adolescent_bmi", "obese")

#: Nodes of the dose lesson's DAG (draw with ``plots.dag_plot(..., collapse=True)``).
DOSE_DAG_NODES = ("diet_vitd_iu", "supplement_iu", "adolescent_bmi", "vitd_person_factor",
                  "uvb_dose", "sun_vitd_nmol", "oral_vitd_nmol", "vitd_mean_nmol",
                  "ms_log_hazard_ratio", "ms_onset_age", "post_dx_supplement_iu",
                  "vitd_after_onset_nmol", "relapse_expected")

BAND_COLOURS = ("#fde0c5", "#e5f5e0", "#fff7bc", "#fdd0a2", "#fcbba1")


# --------------------------------------------------------------- reference levels
def reference_levels() -> pd.DataFrame:
    """Reference levels of serum 25(OH)D used to read the reached levels.

    Returns
    -------
    pandas.DataFrame
        One row per level: ``nmol_per_l``, ``ng_per_ml``, ``meaning``, ``source`` and
        ``in_project_data`` (True if the figure is in ``data/published``; otherwise it is
        the commonly cited value of the source named).
    """
    published = published_figures()
    toxic = float(published.loc["toxicity_level", "value"])
    rows = [
        (50.0, "sufficient for bone health in nearly everyone", "IOM 2011", False),
        (75.0, "sufficiency target of the Endocrine Society", "Holick et al. 2011", False),
        (125.0, "upper end of the usual range; IOM: possible harm above",
         "IOM 2011 (NHANES top category, Looker 2011)", False),
        (250.0, "upper limit of the desirable range", "Holick et al. 2011", False),
        (toxic, "typical of intoxication (hypercalcaemia)",
         published.loc["toxicity_level", "citation"], True),
    ]
    table = pd.DataFrame(rows, columns=["nmol_per_l", "meaning", "source", "in_project_data"])
    table.insert(1, "ng_per_ml", (table["nmol_per_l"] / NMOL_PER_NG_ML).round(0))
    return table


def hill_params(scenario: Scenario, max_rise_nmol: float | None = None,
                half_dose_iu: float | None = None, hill: float | None = None):
    """The scenario's ``vitamin_d`` section with the oral dose-response changed (validated).

    Parameters
    ----------
    scenario : Scenario
    max_rise_nmol : float, optional
        Maximal rise of 25(OH)D from oral vitamin D (nmol/L).
    half_dose_iu : float, optional
        Daily dose giving half the maximal rise (IU/day).
    hill : float, optional
        Hill coefficient (steepness; 1 = Michaelis-Menten).

    Returns
    -------
    simlib.sections.VitaminDParams
    """
    changes = {"oral_max_rise_nmol": max_rise_nmol, "oral_half_dose_iu": half_dose_iu,
               "oral_hill": hill}
    return replace(scenario.vitamin_d, **{k: float(v) for k, v in changes.items()
                                          if v is not None})


# ------------------------------------------------------------- reached levels
def dose_population(scenario: Scenario, n: int, seed) -> pd.DataFrame:
    """Sample the people whose 25(OH)D is re-evaluated at any dose (``DOSE_COLUMNS``)."""
    return build_world(scenario).sample(n, seed, columns=DOSE_COLUMNS)


def reached_level_nmol(people: pd.DataFrame, dose_iu: float, vitamin_d) -> np.ndarray:
    """Long-term 25(OH)D (nmol/L) of each person if they took ``dose_iu`` IU/day.

    The dose replaces the person's own supplement (as ``world.do(supplement_iu=dose)``);
    sun, genes, diet and the person factor (BMI and unexplained variation) stay theirs:

    ``level = (other + genes) x factor + sun + rise(diet + dose) x factor``

    with ``rise`` the Hill curve of :func:`simlib.world.oral_rise_nmol` under ``vitamin_d``.
    With the scenario's own parameters this equals the world's ``vitd_mean_nmol`` under
    ``do(supplement_iu=dose_iu)``.
    """
    if not 0 <= dose_iu < np.inf:
        raise ParameterError(f"dose_iu = {dose_iu!r} is not allowed: use a dose >= 0 IU/day")
    factor = people["vitd_person_factor"].to_numpy()
    oral = oral_vitd_nmol(people["diet_vitd_iu"].to_numpy(), dose_iu, factor, vitamin_d)
    return vitd_mean_nmol(people["sun_vitd_nmol"].to_numpy(), oral,
                          people["vitd_gene_score_nmol"].to_numpy(), factor, vitamin_d)


def level_summary(people: pd.DataFrame, doses, vitamin_d) -> pd.DataFrame:
    """Distribution of the reached 25(OH)D at each dose, with shares above the references.

    Returns
    -------
    pandas.DataFrame
        One row per dose (IU/day): ``p5``, ``median``, ``p95`` (nmol/L) and ``above_<L>``,
        the share of people above each reference level ``L`` nmol/L.
    """
    levels = reference_levels()["nmol_per_l"]
    rows = []
    for dose in doses:
        reached = reached_level_nmol(people, float(dose), vitamin_d)
        p5, median, p95 = np.percentile(reached, [5, 50, 95])
        rows.append({"dose_iu": float(dose), "p5": p5, "median": median, "p95": p95,
                     **{f"above_{level:g}": float(np.mean(reached > level))
                        for level in levels}})
    return pd.DataFrame(rows).set_index("dose_iu")


def fit_max_rise(people: pd.DataFrame, dose_iu: float, target_mean_nmol: float, vitamin_d,
                 baseline=BURTON_BASELINE_RANGE) -> float:
    """Maximal oral rise (nmol/L) that brings people like a trial's to a target mean level.

    Finds ``oral_max_rise_nmol`` such that people whose level without supplements is in
    ``baseline`` (nmol/L) reach a mean of ``target_mean_nmol`` at ``dose_iu`` IU/day, the
    other Hill parameters fixed (e.g. Burton et al. 2010: 413 nmol/L at 40,000 IU/day).
    """
    natural = reached_level_nmol(people, 0.0, vitamin_d)
    chosen = people[(natural >= baseline[0]) & (natural < baseline[1])]
    if chosen.empty:
        raise ParameterError(f"nobody has a level in {baseline} nmol/L: sample more people")

    def gap(max_rise):
        params = replace(vitamin_d, oral_max_rise_nmol=max_rise)
        return reached_level_nmol(chosen, dose_iu, params).mean() - target_mean_nmol

    return float(brentq(gap, 10.0, 1000.0))


def shares_by_group(people: pd.DataFrame, dose_iu: float, vitamin_d, group: str,
                    level_nmol: float) -> pd.Series:
    """Share of people above ``level_nmol`` at ``dose_iu`` IU/day, by a population column."""
    above = reached_level_nmol(people, dose_iu, vitamin_d) > level_nmol
    return pd.Series(above, index=people.index).groupby(people[group]).mean()


# --------------------------------------------------------------- published points
def published_dose_points() -> pd.DataFrame:
    """Published rises of 25(OH)D with oral vitamin D (nmol/L above no supplement).

    BEST-D (2017): levels at 12 months minus placebo (baseline about 50 nmol/L); Burton et
    al. 2010: peak on escalation to 40,000 IU/day minus the entry mean (about 78 nmol/L);
    Ekwaru 2014: the rise at 1,000 IU/day implied by 12 nmol/L per 1,000 IU/day.

    Returns
    -------
    pandas.DataFrame
        ``dose_iu``, ``rise_nmol``, ``label`` and ``citation``.
    """
    published = published_figures()
    placebo, low, high = (float(v) for v in published.loc["dose_rct", "value"].split(","))
    burton = float(published.loc["dose_40000", "value"])
    slope = float(published.loc["dose_low", "value"])
    rows = [(1000.0, slope, "Ekwaru 2014 (0-1,000 IU/day)", published.loc["dose_low",
                                                                           "citation"]),
            (2000.0, low - placebo, "BEST-D 2017 (12 months)", published.loc["dose_rct",
                                                                              "citation"]),
            (4000.0, high - placebo, "BEST-D 2017 (12 months)", published.loc["dose_rct",
                                                                               "citation"]),
            (40000.0, burton - BURTON_BASELINE_NMOL, "Burton 2010 (escalation peak)",
             published.loc["dose_40000", "citation"])]
    return pd.DataFrame(rows, columns=["dose_iu", "rise_nmol", "label", "citation"])


def rise_by_dose(people: pd.DataFrame, doses, vitamin_d, max_people: int = 20_000):
    """Individual rises of long-term 25(OH)D (nmol/L) over no supplement, by daily dose.

    The rise of a person on ``D`` IU/day is their level on ``D`` minus their level on no
    supplement (diet only), so it includes their diet and person factor, like the
    published rises over placebo. The first ``max_people`` people are used (a random
    sample: people are independent), so the curve redraws fast.

    Returns
    -------
    pandas.DataFrame
        One row per dose (IU/day): ``mean``, ``p5`` and ``p95`` of the rise (nmol/L).
    """
    sample = people.iloc[:max_people]
    base = reached_level_nmol(sample, 0.0, vitamin_d)
    rows = []
    for dose in doses:
        rise = reached_level_nmol(sample, float(dose), vitamin_d) - base
        rows.append({"dose_iu": float(dose), "mean": rise.mean(),
                     "p5": np.percentile(rise, 5), "p95": np.percentile(rise, 95)})
    return pd.DataFrame(rows).set_index("dose_iu")


def plot_dose_response(vitamin_d, people: pd.DataFrame | None = None, ax=None,
                       max_dose_iu: float = 50_000.0, mark=()):
    """The world's oral dose-response (rise of 25(OH)D, nmol/L) with the published figures.

    Parameters
    ----------
    vitamin_d : simlib.sections.VitaminDParams
        Hill parameters (see :func:`hill_params`).
    people : pandas.DataFrame, optional
        A population (:func:`dose_population`): draws the mean rise over no supplement and
        the 5th-95th percentiles of individual rises (:func:`rise_by_dose`).
    ax : matplotlib.axes.Axes, optional
    max_dose_iu : float
        Right end of the dose axis (IU/day).
    mark : sequence of float
        Doses (IU/day) marked with a dotted line (the claims' doses).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.subplots(figsize=(6.0, 4.2))[1]
    doses = np.linspace(0.0, max_dose_iu, 101)
    ax.plot(doses, oral_rise_nmol(doses, vitamin_d), color="0.4", lw=1.2, ls="--",
            label="Hill curve (no diet, person factor 1)")
    if people is not None:
        rises = rise_by_dose(people, doses, vitamin_d)
        ax.fill_between(doses, rises["p5"], rises["p95"], color="0.6", alpha=0.35, lw=0,
                        label="world: 5th-95th percentile of people")
        ax.plot(doses, rises["mean"], color="black", lw=2, label="world: mean rise")
    _published_markers(ax, vitamin_d)
    for dose in mark:
        ax.axvline(dose, color="0.5", ls=":", lw=1)
        ax.text(dose, 0.98, f" {dose:,.0f}", transform=ax.get_xaxis_transform(), va="top",
                fontsize="small", color="0.35")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    top = max(360.0, vitamin_d.oral_max_rise_nmol * 1.5)
    ax.set(xlabel="daily oral dose (IU/day)", ylabel="rise of long-term 25(OH)D (nmol/L)",
           xlim=(0, max_dose_iu), ylim=(0, top), title="Dose-response: concave at high doses")
    ax.legend(fontsize="x-small", loc="lower right", ncol=2, framealpha=0.9)
    return ax


def _published_markers(ax, vitamin_d) -> None:
    """The published rises (red) and Ekwaru's slope at 15,000-20,000 IU/day on the curve."""
    points = published_dose_points()
    for (label, rows), marker in zip(points.groupby("label", sort=False), "osD", strict=True):
        ax.plot(rows["dose_iu"], rows["rise_nmol"], marker, color=TRUTH, ms=7, label=label)
    slope = float(published_figures().loc["dose_high", "value"]) / 1000.0
    at = float(oral_rise_nmol(17_500.0, vitamin_d))
    ax.plot([15_000, 20_000], [at - 2500 * slope, at + 2500 * slope], color=TRUTH, lw=5,
            alpha=0.6, label="Ekwaru 2014 slope at 15,000-20,000")


BAND_LABELS = ("insufficient (IOM)", "sufficient (IOM)", "above IOM concern level",
               "above Endocrine Soc. limit", "typical of intoxication")


def _shade_bands(ax, levels) -> list:
    """Shade the bands between reference ``levels`` (nmol/L); return legend patches."""
    edges = [0.0, *levels, np.inf]
    patches = []
    for low, high, colour, name in zip(edges[:-1], edges[1:], BAND_COLOURS, BAND_LABELS,
                                       strict=False):
        ax.axvspan(low, min(high, 1e4), color=colour, alpha=0.7, lw=0, zorder=0)
        span = f"> {low:g}" if not np.isfinite(high) else f"{low:g}-{high:g}"
        patches.append(Patch(color=colour, alpha=0.7, label=f"{span}: {name}"))
    for level in levels:
        ax.axvline(level, color="0.3", lw=0.8, ls="--")
    return patches


def plot_reached_levels(people: pd.DataFrame, doses, vitamin_d, ax=None,
                        max_level_nmol: float = 600.0):
    """Histograms of the long-term 25(OH)D people reach at each dose, on the reference bands.

    The bands are shaded between 50, 125, 250 and 375 nmol/L (:func:`reference_levels`);
    the legend gives each dose's median and the shares above 125 and 375 nmol/L.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.subplots(figsize=(6.4, 4.2))[1]
    patches = _shade_bands(ax, [50.0, 125.0, 250.0, 375.0])
    bins = np.linspace(0.0, max_level_nmol, 101)
    for index, dose in enumerate(doses):
        reached = reached_level_nmol(people, float(dose), vitamin_d)
        label = (f"{dose:,.0f} IU/day: median {np.median(reached):.0f}, "
                 f">125: {np.mean(reached > 125):.0%}, >375: {np.mean(reached > 375):.2%}")
        ax.hist(np.minimum(reached, max_level_nmol - 1e-6), bins=bins, density=True,
                histtype="step", lw=2, color=f"C{index}", label=label)
    ax.set(xlabel="long-term 25(OH)D reached (nmol/L)", ylabel="density (per nmol/L)",
           xlim=(0, max_level_nmol), title="Levels reached, on the reference bands")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.3)
    bands = ax.legend(handles=patches, title="nmol/L", fontsize="x-small", loc="center right",
                      title_fontsize="x-small", framealpha=0.9)
    ax.add_artist(bands)
    ax.legend(fontsize="small", loc="upper right", framealpha=0.9)
    return ax


def dose_figure(people: pd.DataFrame, vitamin_d, doses=CLAIM_DOSES_IU):
    """Two panels: the dose-response with published figures; the levels reached at ``doses``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.6))
    plot_dose_response(vitamin_d, people, ax=left, mark=doses)
    plot_reached_levels(people, doses, vitamin_d, ax=right)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------- implied benefit
def _onset_columns(world) -> tuple[str, ...]:
    return tuple(sorted(world.ancestors("ms_onset_age"))) + ("ms_onset_age",)


def prevention_by_dose(scenario_names, doses, n: int, seed) -> pd.DataFrame:
    """Risk of MS onset by age 50 if everyone took ``dose`` IU/day from birth, vs usual intake.

    For each scenario, the natural world and ``world.do(supplement_iu=dose)`` are evaluated
    on the same ``n`` people (same noise): the risk ratio is a true causal effect, as
    ``cir_supplement_2000iu`` of :mod:`simlib.truth` but at any dose.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, dose): ``mean_level_nmol`` (long-term 25(OH)D under the
        dose), ``onsets`` (onsets before 50 under the dose), ``natural_onsets`` and
        ``risk_ratio`` (dose vs usual intake).
    """
    rows = []
    for name in scenario_names:
        world = build_world(load_scenario(name) if isinstance(name, str) else name)
        natural = world.evaluate(n, seed, keep=_onset_columns(world))
        base = int(np.sum(natural["ms_onset_age"] < TRUTH_AGE))
        for dose in doses:
            done = world.do(supplement_iu=float(dose)).evaluate(
                n, seed, reuse=natural, keep=("ms_onset_age", "vitd_mean_nmol"))
            onsets = int(np.sum(done["ms_onset_age"] < TRUTH_AGE))
            rows.append({"scenario": name if isinstance(name, str) else name.name,
                         "dose_iu": float(dose),
                         "mean_level_nmol": float(done["vitd_mean_nmol"].mean()),
                         "onsets": onsets, "natural_onsets": base,
                         "risk_ratio": onsets / base if base else np.nan})
    return pd.DataFrame(rows)


def plot_prevention(table: pd.DataFrame, ax=None, mark=CLAIM_DOSES_IU):
    """Risk ratio of MS onset by age 50 against the daily dose, one line per world.

    The null world's line is the truth of "no effect" (1). Dotted lines mark ``mark``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.subplots(figsize=(6.4, 4.2))[1]
    ax.axhline(1.0, color="0.6", lw=0.8)
    styles = {"null": (TRUTH, "o"), "causal": ("C0", "s"), "threshold": ("C2", "D")}
    for name, rows in table.groupby("scenario", sort=False):
        colour, marker = styles.get(name, ("C4", "^"))
        ax.plot(rows["dose_iu"], rows["risk_ratio"], marker=marker, color=colour, lw=1.5,
                label=f"{name} world")
    for dose in mark:
        ax.axvline(dose, color="0.5", ls=":", lw=1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set(xlabel="daily dose taken by everyone from birth (IU/day)",
           ylabel="risk ratio of MS onset by age 50\n(vs usual intake)", ylim=(0, 1.15),
           title="True effect of the dose on MS onset, by world")
    ax.legend(fontsize="small", loc="lower left")
    return ax


def relapse_ratio_at_dose(scenario: Scenario, dose_iu: float, n: int, seed) -> float:
    """Relapse rate ratio among people with MS if everyone took ``dose_iu`` IU/day.

    Relapses per year lived with MS (onset before the survey, alive), in the world
    ``do(supplement_iu=dose_iu)`` over the natural world, on the same people with the same
    onset ages (onset is held at its natural value, so only the effect on relapses is
    compared, not a change in who gets MS). It is 1 in every shipped scenario
    (``relapse.vitd_rr_per_25nmol = 1``): set that parameter to give vitamin D an effect on
    relapses. No world models reversal of MS.
    """
    world = build_world(scenario)
    keep = ("relapse_expected", "ms_onset_age", "age", "alive")
    natural = world.evaluate(n, seed, keep=tuple(sorted(world.ancestors("relapse_expected")))
                             + ("relapse_expected", "alive"))
    dosed = world.do(supplement_iu=float(dose_iu), ms_onset_age=natural["ms_onset_age"])
    done = dosed.evaluate(n, seed, reuse=natural, keep=keep)

    def rate(columns):
        with_ms = columns["alive"] & (columns["ms_onset_age"] < columns["age"])
        years = (columns["age"] - columns["ms_onset_age"])[with_ms].sum()
        return columns["relapse_expected"][with_ms].sum() / years

    return float(rate(done) / rate(natural))

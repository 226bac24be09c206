"""Latitude and the ecological fallacy: the experiments of notebook 01.

The claim: MS is commoner far from the equator, where there is less sunshine and so less
vitamin D. The evidence it rests on is *ecological*: regions, not people, are the units
(prevalence against latitude, Simpson et al. 2011, 2019). Regions differ in far more than
25(OH)D: ancestry and HLA-DRB1*15:01, the age at EBV infection (infectious mononucleosis),
sunlight acting on the immune system without vitamin D, and the factors nobody has named
(``ms.latitude_hr_per_10_degrees``). This module runs the ``ecological`` design in several
worlds, compares it with the individual-level truth, splits an individual analysis into its
within-region and between-region parts, and draws the figures of the lesson.

References
----------
Robinson WS. Ecological correlations and the behavior of individuals. Am Sociol Rev
1950;15:351-357.
Morgenstern H. Ecologic studies in epidemiology: concepts, principles, and methods. Annu
Rev Public Health 1995;16:61-81.
Simpson S Jr, Blizzard L, Otahal P, et al. Latitude is significantly associated with the
prevalence of multiple sclerosis: a meta-analysis. J Neurol Neurosurg Psychiatry
2011;82:1132-1141.
Simpson S Jr, Wang W, Otahal P, et al. Latitude continues to be significantly associated
with the prevalence of multiple sclerosis: an updated meta-analysis. J Neurol Neurosurg
Psychiatry 2019;90:1193-1200.
Noonan CW, Williamson DM, Henry JP, et al. The prevalence of multiple sclerosis in 3 US
communities. Prev Chronic Dis 2010;7:A12.
Ascherio A, Munger KL. Environmental risk factors for multiple sclerosis. Part I: the role
of infection. Ann Neurol 2007;61:288-299.
Lucas RM, Ponsonby AL, Dear K, et al. Sun exposure and vitamin D are independent risk
factors for CNS demyelination. Neurology 2011;76:540-548.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from .. import calibrate, estimators, world
from ..designs import get_design, run_study
from ..plots import TRUTH, forest_plot
from ..scenario import Scenario, load_scenario

WORLDS = ("null", "causal")
PER_NMOL = 25.0
INDIVIDUAL_AGE_MAX = 50.0  # years: the individual analysis follows everyone to age 50
CELL_NMOL = 2.5  # width of the 25(OH)D cells of the individual analysis (nmol/L)

#: Region-level outcome measures: (events, denominator, axis label, ecological estimator).
MEASURES = {
    "prevalence": ("prevalent", "population", "MS prevalence (diagnosed, per 100,000)",
                   "poisson-prevalence"),
    "incidence": ("incident", "person_years",
                  "MS incidence (diagnoses per 100,000 person-years)", "poisson-incidence"),
}

#: Region-level causes of MS other than 25(OH)D, switched off one after another
#: (cumulative overrides of the null world).
CONFOUNDER_STEPS = (
    ("null world: every region-level factor", {}),
    ("without the unexplained latitude factors", {"ms.latitude_hr_per_10_degrees": 1.0}),
    ("... and without sun acting on MS directly", {"ms.uvb_hr_per_doubling": 1.0}),
    ("... and HLA and IM alike in every region and group",
     {"ancestry.hla_carrier_low": 0.2, "ancestry.hla_carrier_high": 0.2,
      "ancestry.group_hla_carrier": (0.2, 0.2, 0.2), "ancestry.group_ms_hr": (1.0, 1.0, 1.0),
      "infection.im_log_or_per_degree": 0.0}),
)


def _scenario(world_or_name) -> Scenario:
    return load_scenario(world_or_name) if isinstance(world_or_name, str) else world_or_name


# ------------------------------------------------------------------ the ecological study
def ecological_studies(worlds: Mapping | tuple = WORLDS, population: int = 2_000_000,
                       seed: int = 1, survey_per_region: int = 500) -> dict:
    """Run the ``ecological`` design once in each world, on the same people (same seed).

    Parameters
    ----------
    worlds : tuple of str, or mapping of label to Scenario (or scenario name)
        The worlds to compare, e.g. ``("null", "causal")``.
    population : int
        People simulated per world (MS is rare: about 2 million for stable regions).
    seed : int
        Seed of the population and of the survey samples.
    survey_per_region : int
        Adults per region whose blood is drawn once to estimate the regional mean 25(OH)D.

    Returns
    -------
    dict of str to Study
        One study per world; ``study.data`` has one row per region (see
        :func:`simlib.designs.observational.ecological_sample`).
    """
    if not isinstance(worlds, Mapping):
        worlds = {name: name for name in worlds}
    options = {"population": int(population), "survey_per_region": int(survey_per_region)}
    studies = {label: run_study(_scenario(scenario), "ecological", seed=seed, options=options)
               for label, scenario in worlds.items()}
    for study in studies.values():
        study.options.update(options)
    return studies


def region_rates(study) -> pd.DataFrame:
    """The regions of an ecological study with prevalence and incidence per 100,000.

    Returns
    -------
    pandas.DataFrame
        ``study.data`` plus ``prevalence_per_100k`` (diagnosed, alive) and
        ``incidence_per_100k`` (diagnoses per 100,000 person-years, register window).
    """
    data = study.data.copy()
    data["prevalence_per_100k"] = data["prevalent"] / data["population"] * 1e5
    data["incidence_per_100k"] = data["incident"] / data["person_years"] * 1e5
    return data


def ecological_table(studies: Mapping) -> pd.DataFrame:
    """Both ecological estimators in every world, beside the individual truth.

    Returns
    -------
    pandas.DataFrame
        One row per world and estimator: ``label``, ``estimate``, ``ci_low``,
        ``ci_high`` (log rate ratio per +25 nmol/L of regional mean 25(OH)D),
        ``estimand_value`` (true individual log HR per +25 nmol/L on the same people),
        ``ratio`` and ``truth_ratio`` (exponentiated), ``n_cases`` and ``scale``.
    """
    design, rows = get_design("ecological"), []
    for label, study in studies.items():
        for measure, (_, _, _, name) in MEASURES.items():
            fit = design.estimator(name)(study)
            truth = study.estimand_for(name).value
            rows.append({"world": label, "measure": measure, "label": f"{label}: {measure}",
                         **fit.to_row(), "estimand_value": truth,
                         "ratio": np.exp(fit.estimate), "truth_ratio": np.exp(truth)})
    return pd.DataFrame(rows)


def ecological_fit(data: pd.DataFrame, measure: str = "prevalence"):
    """Poisson regression of regional cases on regional mean 25(OH)D, for any set of regions.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of an ecological study's ``data`` (all regions or a subset).
    measure : {"prevalence", "incidence"}

    Returns
    -------
    simlib.estimators.Estimate
        Log prevalence (or incidence) ratio per +25 nmol/L of regional mean 25(OH)D.
    """
    events, denominator, _, _ = MEASURES[measure]
    return estimators.poisson_rate(data, events, denominator, "mean_vitd_nmol")


def region_groups_table(study, groups=("all", "us", "europe", "north"),
                        measure: str = "prevalence") -> pd.DataFrame:
    """The ecological estimate within groups of regions (``simlib.world.REGION_GROUPS``).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``regions`` (how many), ``vitd_range_nmol`` (highest minus
        lowest regional mean 25(OH)D, nmol/L), ``ratio`` and its 95% CI per +25 nmol/L,
        ``truth_ratio`` (the individual truth of the whole population).
    """
    rows = []
    for group in groups:
        data = study.data[study.data["region"].isin(world.REGION_GROUPS[group])]
        fit = ecological_fit(data, measure)
        spread = data["mean_vitd_nmol"].max() - data["mean_vitd_nmol"].min()
        rows.append({"group": group, "regions": len(data), "vitd_range_nmol": spread,
                     "ratio": np.exp(fit.estimate),
                     "ci_low": np.exp(fit.ci_low), "ci_high": np.exp(fit.ci_high),
                     "truth_ratio": np.exp(study.estimand.value)})
    return pd.DataFrame(rows)


def _anchored_rate(data, events, denominator, log_rr, vitd_nmol) -> np.ndarray:
    """Rate per 100,000 at ``vitd_nmol`` on a log-linear curve of slope ``log_rr`` per 25.

    The intercept solves the Poisson score equation (observed = expected events), so for
    the fitted slope this is the fitted curve and for the true slope the curve the regions
    would follow if 25(OH)D were the only difference between them.
    """
    x = data["mean_vitd_nmol"].to_numpy(float) / PER_NMOL
    expected = (data[denominator].to_numpy(float) * np.exp(log_rr * x)).sum()
    intercept = np.log(data[events].sum() / expected)
    return 1e5 * np.exp(intercept + log_rr * np.asarray(vitd_nmol, float) / PER_NMOL)


def draw_regions(ax, data, events, denominator, fit_log_rr, truth_log_rr, fit_text):
    """Draw regions as points, the ecological fit (dashed) and the truth (red), log y axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    data : pandas.DataFrame
        One row per region: ``region``, ``mean_vitd_nmol`` and the two columns below.
    events, denominator : str
        Case counts and people (or person-years); rates are drawn per 100,000.
    fit_log_rr, truth_log_rr : float
        Fitted and true log rate ratios per +25 nmol/L.
    fit_text : str
        Legend text of the fitted line.
    """
    rate = data[events] / data[denominator] * 1e5
    shown = rate > 0
    ax.scatter(data["mean_vitd_nmol"][shown], rate[shown], s=28, color="C0", zorder=3,
               label="regions")
    for rank, (_, row) in enumerate(data[shown].sort_values("mean_vitd_nmol").iterrows()):
        ax.annotate(row["region"], (row["mean_vitd_nmol"], row[events] / row[denominator] * 1e5),
                    fontsize=7, xytext=(4, 4 if rank % 2 else -10), textcoords="offset points",
                    color="0.3")
    grid = np.linspace(data["mean_vitd_nmol"].min() - 2, data["mean_vitd_nmol"].max() + 2, 50)
    if np.isfinite(fit_log_rr):
        ax.plot(grid, _anchored_rate(data, events, denominator, fit_log_rr, grid), "k--",
                label=fit_text)
    ax.plot(grid, _anchored_rate(data, events, denominator, truth_log_rr, grid), color=TRUTH,
            lw=2, label=f"truth: individual HR {np.exp(truth_log_rr):.2f} per +25 nmol/L")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.tick_params(axis="y", which="both", labelsize="small")
    if (~shown).any():
        ax.text(0.98, 0.02, f"{int((~shown).sum())} region(s) without cases not shown",
                transform=ax.transAxes, ha="right", fontsize=7, color="0.4")


def region_scatter(study, measure: str = "prevalence", ax=None, title: str | None = None):
    """Regional MS prevalence (or incidence) against regional mean 25(OH)D.

    Parameters
    ----------
    study : Study
        An ``ecological`` study.
    measure : {"prevalence", "incidence"}
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Regions as points (log y axis), the ecological Poisson fit (dashed) and, in red,
        the curve of the true individual effect anchored to the same cases.
    """
    events, denominator, label, name = MEASURES[measure]
    fit = get_design("ecological").estimator(name)(study)
    ax = ax if ax is not None else plt.subplots(figsize=(5.6, 4.4))[1]
    draw_regions(ax, study.data, events, denominator, fit.estimate,
                  study.estimand_for(name).value,
                  f"ecological fit: RR {np.exp(fit.estimate):.2f} per +25 nmol/L")
    survey = int(study.options.get("survey_per_region", 0)) or None
    ax.set_xlabel("regional mean 25(OH)D (nmol/L, one blood draw"
                  + (f", {survey} adults per region)" if survey else ")"))
    ax.set_ylabel(label)
    ax.legend(fontsize="small", loc="lower left")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def ecological_figure(studies: Mapping, measure: str = "prevalence"):
    """One region scatter per world, side by side, on a shared y axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, len(studies), figsize=(5.8 * len(studies), 4.6), sharey=True,
                             squeeze=False)
    for ax, (label, study) in zip(axes[0], studies.items(), strict=True):
        region_scatter(study, measure, ax=ax, title=f"{label} world")
        if ax is not axes[0][0]:
            ax.set_ylabel("")
    fig.tight_layout()
    return fig


# -------------------------------------------------------------- the published gradient
def published_gradient() -> pd.DataFrame:
    """The published latitude gradients and the three US sites (``data/published``).

    Returns
    -------
    pandas.DataFrame
        Rows ``lat_prev_slope_2011`` (Simpson 2011, unadjusted), ``..._adj`` (adjusted
        for prevalence year), ``lat_prev_slope_2019`` (Simpson 2019), each per 100,000
        per degree; and the age-adjusted prevalences of Texas, Missouri and Ohio (Noonan
        2010, per 100,000) with their ``latitude_deg``.
    """
    table = calibrate.published_figures()
    ids = ["lat_prev_slope_2011", "lat_prev_slope_2011_adj", "lat_prev_slope_2019",
           "us_prev_texas", "us_prev_missouri", "us_prev_ohio"]
    rows = table.loc[ids, ["quantity", "value", "unit", "citation"]].copy()
    rows["value"] = rows["value"].astype(float)
    latitude = world.REGIONS.set_index("region")["latitude_deg"]
    rows["latitude_deg"] = [np.nan] * 3 + [latitude[r] for r in calibrate.US_REGIONS]
    return rows


def prevalence_slope(study) -> float:
    """Least-squares slope of regional prevalence on latitude (per 100,000 per degree)."""
    return calibrate.prevalence_slope(region_rates(study))


def latitude_plot(studies: Mapping, ax=None):
    """Regional prevalence against latitude in each world, with the published figures.

    Returns
    -------
    matplotlib.axes.Axes
        Simulated regions (one colour per world) with their least-squares lines, the three
        US sites of Noonan et al. 2010 (black crosses), and the slopes of Simpson et al.
        2011 and 2019 in a text box.
    """
    ax = ax if ax is not None else plt.subplots(figsize=(6.4, 4.4))[1]
    for index, (label, study) in enumerate(studies.items()):
        data = region_rates(study)
        slope, intercept = np.polyfit(data["latitude_deg"], data["prevalence_per_100k"], 1)
        ax.scatter(data["latitude_deg"], data["prevalence_per_100k"], color=f"C{index}",
                   s=24, zorder=3, label=f"{label} world: {slope:.1f} per degree")
        grid = np.array([data["latitude_deg"].min(), data["latitude_deg"].max()])
        ax.plot(grid, intercept + slope * grid, color=f"C{index}", lw=1)
    published = published_gradient()
    sites = published.dropna(subset=["latitude_deg"])
    ax.scatter(sites["latitude_deg"], sites["value"], marker="x", s=60, color="black",
               zorder=4, label="US sites, Noonan 2010 (published)")
    slopes = published["value"].iloc[:3].to_numpy()
    ax.text(0.02, 0.97, "published gradients (per 100,000 per degree):\n"
            f"Simpson 2011: {slopes[0]:.2f} (adjusted {slopes[1]:.2f})\n"
            f"Simpson 2019: {slopes[2]:.2f}", transform=ax.transAxes, va="top",
            fontsize="small", bbox={"fc": "white", "ec": "0.8", "boxstyle": "round"})
    ax.set(xlabel="latitude (degrees from the equator)",
           ylabel="MS prevalence (diagnosed, per 100,000)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", loc="lower right")
    return ax


# ---------------------------------------------- within regions and between regions
def individual_cells(scenario, n: int, seed: int) -> pd.DataFrame:
    """An ideal individual study, grouped into cells of region x 2.5 nmol/L of 25(OH)D.

    Everyone is followed from birth to age 50 with their long-term 25(OH)D known exactly
    (no measurement error, no reverse causation, no losses): the same people and the same
    window as :func:`simlib.truth.true_effects` with the same ``n`` and ``seed``. Grouping
    people with nearly the same level into cells makes the Poisson fits fast.

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``region``, ``onsets`` (MS onsets before 50), ``person_years``
        (at risk, to onset or 50), ``people``, ``vitd_nmol`` (mean long-term 25(OH)D).
    """
    people = world.build_world(_scenario(scenario)).sample(
        n, seed, columns=("region_id", "vitd_mean_nmol", "ms_onset_age"))
    onset, vitd = people["ms_onset_age"].to_numpy(), people["vitd_mean_nmol"].to_numpy()
    frame = pd.DataFrame({
        "region": world.REGIONS["region"].to_numpy()[people["region_id"].to_numpy()],
        "cell": np.floor(vitd / CELL_NMOL).astype(int),
        "onsets": onset < INDIVIDUAL_AGE_MAX,
        "person_years": np.minimum(onset, INDIVIDUAL_AGE_MAX), "vitd_sum": vitd})
    cells = frame.groupby(["region", "cell"], as_index=False).agg(
        onsets=("onsets", "sum"), person_years=("person_years", "sum"),
        people=("vitd_sum", "size"), vitd_sum=("vitd_sum", "sum"))
    cells["vitd_nmol"] = cells["vitd_sum"] / cells["people"]
    return cells


def three_levels(cells: pd.DataFrame, truth_log_hr: float) -> pd.DataFrame:
    """The same people analysed three ways: pooled, within regions, between regions.

    Parameters
    ----------
    cells : pandas.DataFrame
        Output of :func:`individual_cells`.
    truth_log_hr : float
        The true individual log HR per +25 nmol/L (e.g. ``log(true_effects(...)
        ["hr_per_25"])`` on the same people).

    Returns
    -------
    pandas.DataFrame
        Rows ``individuals, regions pooled`` (crude Poisson), ``individuals within
        regions`` (region fixed effects: only within-region contrasts) and ``regions
        (ecological)`` (10 regional totals against regional means), each a log rate ratio
        per +25 nmol/L with its 95% CI, ``estimand_value`` and ``scale``.
    """
    regions = cells.groupby("region", as_index=False)[
        ["onsets", "person_years", "people", "vitd_sum"]].sum()
    regions["vitd_nmol"] = regions["vitd_sum"] / regions["people"]
    fits = {
        "individuals, regions pooled": estimators.poisson_rate(
            cells, "onsets", "person_years", "vitd_nmol"),
        "individuals within regions": estimators.poisson_rate(
            cells, "onsets", "person_years", "vitd_nmol", covariates=("region",)),
        "regions (ecological)": estimators.poisson_rate(
            regions, "onsets", "person_years", "vitd_nmol"),
    }
    rows = [{"label": label, **fit.to_row(), "estimand_value": truth_log_hr}
            for label, fit in fits.items()]
    return pd.DataFrame(rows).assign(ratio=lambda t: np.exp(t["estimate"]))


def levels_figure(tables: Mapping):
    """Forest plots of :func:`three_levels`, one panel per world, truth in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(6.2 * len(tables), 2.9), squeeze=False)
    for ax, (label, table) in zip(axes[0], tables.items(), strict=True):
        forest_plot(table, ax=ax)
        ax.set_title(f"{label} world", fontsize="medium")
        ax.set_xlabel("rate ratio of MS onset per +25 nmol/L 25(OH)D (log scale)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------- taking the confounders away
def confounder_worlds(base: str = "null") -> dict:
    """The worlds of :data:`CONFOUNDER_STEPS`: ``base`` with region-level causes removed.

    Returns
    -------
    dict of str to Scenario
        Each step keeps the changes of the steps before it.
    """
    scenario, worlds = load_scenario(base), {}
    for label, changes in CONFOUNDER_STEPS:
        scenario = scenario.with_values(changes) if changes else scenario
        worlds[label] = scenario
    return worlds


def steps_figure(studies: Mapping, measure: str = "prevalence"):
    """Forest plot of the ecological estimate as region-level causes are removed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = ecological_table(studies)
    table = table[table["measure"] == measure].assign(label=lambda t: t["world"])
    fig, ax = plt.subplots(figsize=(7.4, 3.2))
    forest_plot(table, ax=ax)
    ax.set_xlabel(f"ecological {measure} ratio per +25 nmol/L (log scale)")
    fig.tight_layout()
    return fig

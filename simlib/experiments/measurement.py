"""Notebook 04: what one 25(OH)D value means, and how measurement error weakens associations.

A measured 25(OH)D value is the long-term mean (the causal exposure), drifting within
the person over the years (:mod:`simlib.drift`), plus the season of the draw,
short-term within-person variation, multiplicative assay error and a lab or method bias
(:mod:`simlib.measure`). The helpers here

* describe the season of the draw (monthly means, amplitude by latitude, the UK shares
  below 40 nmol/L of Hypponen & Power 2007);
* split the variance of one draw into its parts (reliability);
* show season of draw acting as a confounder when cases and controls are bled in
  different seasons.

Regression dilution (one draw attenuates the association) is in
:mod:`simlib.experiments.dilution`.

References
----------
Hypponen E, Power C. Hypovitaminosis D in British adults at age 45 y. Am J Clin Nutr
2007;85:860-8.
Jorde R et al. Tracking of serum 25-hydroxyvitamin D levels during 14 years in a
population-based study. Am J Epidemiol 2010;171:903-8.
Snellman G et al. Determining vitamin D status: a comparison between commercially
available assays. PLoS One 2010;5:e11555.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import drift, measure
from .. import estimators as est
from ..calibrate import published_figures
from ..designs.common import LEVEL_COLUMNS, blood_draw, true_log_hr
from ..plots import TRUTH
from ..sections import MeasurementParams
from ..world import REGIONS, build_world

HAZARD = "ms_log_hazard_ratio"
PER_NMOL = 25.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WINTER_SPRING = (11, 0, 1, 2, 3, 4)  # December-May, as in Hypponen & Power 2007
UK_REGIONS = ("Wales", "Scotland")
SURVEY_COLUMNS = ("region_id", "latitude_deg", "age", "alive", "diagnosis_age",
                  "vitd_survey_nmol") + LEVEL_COLUMNS


# ------------------------------------------------------------------- worlds
def with_measurement_error(scenario, within_person_sd_nmol: float = 4.0, assay_cv: float = 0.10,
                           lab_bias_factor: float = 1.0,
                           seasonal_fraction_per_degree: float = 0.0,
                           drift_log_sd: float = 0.0, drift_years: float = 6.0):
    """``scenario`` with the blood draw's errors set (e.g. ``no_bias`` plus error).

    Parameters
    ----------
    scenario : simlib.Scenario
        Usually ``no_bias``: the causal effect without confounding or reverse causation.
    within_person_sd_nmol : float
        Short-term SD (weeks to months) around the person's current level (nmol/L;
        default 4, the world's; see ``MeasurementParams``).
    assay_cv : float
        Assay coefficient of variation (0.10 is the VDSP target).
    lab_bias_factor : float
        Measured / true (1 = LC-MS reference; Snellman 2010: RIA 0.82, CLIA 0.71).
    seasonal_fraction_per_degree : float
        Seasonal amplitude per degree latitude (0 = no season; the other worlds: 0.010).
    drift_log_sd, drift_years : float
        The drift of a person's level over the years around the long-term mean
        (:mod:`simlib.drift`; 0 = none, as in ``no_bias``; the other worlds: 0.20 and 6
        years, fitted to the ARIC, WHI and HUNT repeat-draw correlations).

    Returns
    -------
    simlib.Scenario
    """
    return scenario.with_values({
        "measurement.within_person_sd_nmol": within_person_sd_nmol,
        "measurement.assay_cv": assay_cv, "measurement.lab_bias_factor": lab_bias_factor,
        "sun.seasonal_fraction_per_degree": seasonal_fraction_per_degree,
        "measurement.drift_log_sd": drift_log_sd, "measurement.drift_years": drift_years})


def local_month(birth_year_fraction, age, southern):
    """Month of a draw (0 = January) in northern-hemisphere terms.

    Southern draws are shifted by six months, so month 7 (August) is late summer, the
    25(OH)D peak, in both hemispheres.
    """
    fraction = np.mod(np.asarray(birth_year_fraction) + np.asarray(age)
                      + 0.5 * np.asarray(southern), 1.0)
    return np.minimum((fraction * 12).astype(int), 11)


def survey_people(scenario, population: int, seed: int) -> pd.DataFrame:
    """Adults (18+, alive, no MS onset yet) with one survey-day draw and its month.

    Returns
    -------
    pandas.DataFrame
        World columns plus ``region`` (name) and ``month`` (0-11, see :func:`local_month`).
    """
    people = build_world(scenario).sample(population, seed, columns=SURVEY_COLUMNS)
    keep = people["alive"] & (people["age"] >= 18) & (people["ms_onset_age"] > people["age"])
    people = people[keep].reset_index(drop=True)
    people["region"] = REGIONS["region"].to_numpy()[people["region_id"].to_numpy()]
    people["month"] = local_month(people["birth_year_fraction"], people["age"],
                                  people["southern"])
    people.attrs.update(seed=seed, scenario=scenario)
    return people


# ------------------------------------------------------------------- season
def monthly_means(people: pd.DataFrame, regions=("Texas", "Central Europe", "Scotland")):
    """Mean measured 25(OH)D (nmol/L) by month of draw, one column per region."""
    chosen = people[people["region"].isin(regions)]
    table = chosen.pivot_table(index="month", columns="region", values="vitd_survey_nmol",
                               aggfunc="mean")
    return table[[r for r in regions if r in table]]


def seasonal_amplitude_table(people: pd.DataFrame) -> pd.DataFrame:
    """Per region: latitude, mean long-term 25(OH)D and the seasonal half-swing (nmol/L).

    ``amplitude_share`` is the half-swing as a share of the long-term mean.
    """
    table = people.groupby("region", sort=False).agg(
        latitude_deg=("latitude_deg", "first"), vitd_mean_nmol=("vitd_mean_nmol", "mean"),
        amplitude_nmol=("seasonal_amplitude_nmol", "mean"))
    table["amplitude_share"] = table["amplitude_nmol"] / table["vitd_mean_nmol"]
    return table.sort_values("latitude_deg")


def uk_season_shares(people: pd.DataFrame, threshold_nmol: float = 40.0) -> pd.DataFrame:
    """Share below ``threshold_nmol`` at ages 40-50 in Wales and Scotland, by season of draw.

    Beside the 1958 British birth cohort at age 45 (Hypponen & Power 2007, from
    ``published-figures.csv``): 46.6% in winter-spring (December-May), 15.4% in
    summer-autumn.

    Returns
    -------
    pandas.DataFrame
        Index ``season``; columns ``simulated_percent``, ``published_percent``, ``n``.
    """
    uk = people[people["region"].isin(UK_REGIONS) & people["age"].between(40, 50)]
    winter = uk["month"].isin(WINTER_SPRING)
    published = [float(v) for v in
                 published_figures().loc["vitd_season_uk", "value"].split(" vs ")]
    rows = []
    for label, part, value in (("winter-spring (Dec-May)", uk[winter], published[0]),
                               ("summer-autumn (Jun-Nov)", uk[~winter], published[1])):
        below = 100 * float((part["vitd_survey_nmol"] < threshold_nmol).mean())
        rows.append({"season": label, "simulated_percent": below,
                     "published_percent": value, "n": len(part)})
    return pd.DataFrame(rows).set_index("season")


def plot_season(monthly: pd.DataFrame, amplitude: pd.DataFrame, shares: pd.DataFrame):
    """Three panels: monthly means by region; half-swing vs latitude; UK shares below 40.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    for region in monthly:
        left.plot(monthly.index, monthly[region], marker="o", ms=3,
                  label=f"{region} ({REGIONS.set_index('region').loc[region, 'latitude_deg']:g}°)")
    left.set_xticks(range(12), labels=[m[0] for m in MONTHS])
    left.set(xlabel="month of the blood draw (southern hemisphere shifted 6 months)",
             ylabel="mean measured 25(OH)D (nmol/L)", title="Season of the draw")
    left.legend(fontsize="small")
    _amplitude_panel(middle, amplitude)
    _shares_bars(right, shares)
    fig.tight_layout()
    return fig


def _amplitude_panel(ax, amplitude):
    """Half-swing in nmol/L (left axis) and as % of the long-term mean (right axis)."""
    latitude = amplitude["latitude_deg"]
    ax.scatter(latitude, amplitude["amplitude_nmol"], color="C0", label="nmol/L (left axis)")
    for region in (amplitude.index[0], amplitude.index[-1]):  # lowest, highest latitude
        row = amplitude.loc[region]
        ax.annotate(region, (row["latitude_deg"], row["amplitude_nmol"]), fontsize=8,
                    xytext=(0, 6), textcoords="offset points", ha="center", color="0.3")
    ax.set(xlabel="latitude (degrees)", ylabel="seasonal half-swing (nmol/L)",
           title="Seasonal amplitude by region",
           ylim=(0, 1.3 * amplitude["amplitude_nmol"].max()))
    twin = ax.twinx()
    twin.scatter(latitude, 100 * amplitude["amplitude_share"], marker="s", color="C1",
                 label="% of the long-term mean (right axis)")
    twin.set_ylabel("half-swing (% of long-term mean)", color="C1")
    twin.set_ylim(0, 1.3 * 100 * amplitude["amplitude_share"].max())
    ax.legend(handles=[*ax.collections, *twin.collections], fontsize="small",
              loc="lower right")


def _shares_bars(ax, shares):
    x = np.arange(len(shares))
    ax.bar(x - 0.2, shares["simulated_percent"], 0.4, label="simulated (Wales, Scotland)")
    ax.bar(x + 0.2, shares["published_percent"], 0.4, color=TRUTH, alpha=0.75,
           label="Hypponen & Power 2007")
    for position, value in zip(x - 0.2, shares["simulated_percent"], strict=True):
        ax.text(position, value, f"{value:.1f}", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, labels=[s.replace(" (", "\n(") for s in shares.index])
    ax.set(ylabel="adults aged 40-50 below 40 nmol/L (%)", title="UK: season of the draw",
           ylim=(0, 1.25 * shares[["simulated_percent", "published_percent"]].max().max()))
    ax.legend(fontsize="small")


# ------------------------------------------------------- one draw, its parts
def variance_components(people: pd.DataFrame, measurement: MeasurementParams | None = None,
                        seed: int = 1) -> pd.DataFrame:
    """SD (nmol/L) of each layer of one draw, and the draw's reliability.

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`survey_people` (people without MS, so no reverse causation).
    measurement : MeasurementParams, optional
        Error settings; the people's scenario's by default.
    seed : int
        Seed of the fresh within-person and assay draws.

    Returns
    -------
    pandas.DataFrame
        Rows: between-person (long-term mean), drift over the years, season of the
        draw, short-term within-person, assay and lab, one draw in total; column
        ``sd_nmol``. ``attrs["reliability"]`` is the regression-dilution ratio
        ``cov(true, draw) / var(draw)``.
    """
    scenario = people.attrs["scenario"]
    measurement = measurement or scenario.measurement
    true = people["vitd_mean_nmol"].to_numpy()
    age = people["age"].to_numpy()
    level = true_levels(people, age, scenario)
    current = true * drift.drift_factor(people["vitd_drift_key"].to_numpy(), age,
                                        scenario.measurement.drift_log_sd,
                                        scenario.measurement.drift_years)
    rng = np.random.default_rng(seed)
    visit = level + measurement.within_person_sd_nmol * rng.standard_normal(len(level))
    assay_only = MeasurementParams(0.0, measurement.assay_cv, measurement.lab_bias_factor)
    draw = measure.assay(rng, visit, assay_only)
    table = pd.DataFrame({"sd_nmol": [np.std(true), np.std(current - true),
                                      np.std(level - current), np.std(visit - level),
                                      np.std(draw - visit), np.std(draw)]},
                         index=["between people (long-term mean)",
                                "drift over the years (current minus long-term)",
                                "season of the draw", "within person (weeks to months)",
                                "assay and lab", "one draw in total"])
    table.attrs["reliability"] = float(np.cov(true, draw)[0, 1] / np.var(draw, ddof=1))
    return table


def true_levels(people: pd.DataFrame, age, scenario) -> np.ndarray:
    """True serum 25(OH)D (nmol/L) of every row of ``people`` at ``age`` (years).

    Long-term mean, season of the day and MS-related changes (:func:`simlib.measure.true_level`),
    before within-person variation and assay error.
    """
    return measure.true_level(age, *(people[c].to_numpy() for c in LEVEL_COLUMNS),
                              scenario.sun, scenario.reverse_causation, scenario.measurement,
                              scenario.calendar)


# ------------------------------------------------ season as a confounder
def season_case_control(scenario, population: int, seed: int, case_years: float = 5.0,
                        controls_per_case: int = 3, case_winter_share: float = 0.8,
                        control_winter_share: float = 0.2) -> pd.DataFrame:
    """A case-control study whose cases and controls are bled in different seasons.

    Cases: adults diagnosed in the ``case_years`` before the survey; controls: a random
    sample of adults without MS. Each is bled at the most recent winter trough (with
    probability ``case_winter_share`` or ``control_winter_share``) or summer peak
    before the survey, +- 1.5 months; the hemisphere's seasons are respected.

    Returns
    -------
    pandas.DataFrame
        ``case``, ``age``, ``female``, ``winter`` (drawn in winter, 0/1), ``vitd_nmol``;
        ``attrs["truth"]``: the true individual log HR per +25 nmol/L (ages 0-80).
    """
    world = build_world(scenario)
    columns = SURVEY_COLUMNS + ("female",) + tuple(world.ancestors(HAZARD)) + (HAZARD,)
    people = world.sample(population, seed, columns=tuple(dict.fromkeys(columns)))
    people.attrs.update(seed=seed, scenario=scenario)
    rng = np.random.default_rng(seed)
    age, dx = people["age"].to_numpy(), people["diagnosis_age"].to_numpy()
    adult = people["alive"].to_numpy() & (age >= 18)
    cases = np.flatnonzero(adult & (dx < age) & (dx >= age - case_years))
    pool = np.flatnonzero(adult & (dx >= age))
    controls = np.sort(rng.choice(pool, controls_per_case * len(cases), replace=False))
    rows = np.concatenate([cases, controls])
    is_case = np.repeat([1, 0], [len(cases), len(controls)])
    winter = rng.random(len(rows)) < np.where(is_case == 1, case_winter_share,
                                              control_winter_share)
    draw_age = _seasonal_draw_age(people, rows, winter, rng, scenario)
    data = pd.DataFrame({"case": is_case, "age": age[rows],
                         "female": people["female"].to_numpy()[rows],
                         "winter": winter.astype(int),
                         "vitd_nmol": blood_draw(people, rows, draw_age, rng, scenario)})
    data.attrs["truth"] = true_log_hr(world, people, np.arange(len(people)), 0.0, 80.0)
    return data


def _seasonal_draw_age(people, rows, winter, rng, scenario):
    """Age at the latest winter-trough (or summer-peak) date, +- 1.5 months, before the survey."""
    peak = scenario.sun.peak_day / measure.DAYS_PER_YEAR \
        + 0.5 * people["southern"].to_numpy()[rows]
    target = peak + 0.5 * winter + rng.uniform(-0.125, 0.125, len(rows))
    age = people["age"].to_numpy()[rows]
    return age - np.mod(people["birth_year_fraction"].to_numpy()[rows] + age - target, 1.0)


def season_estimates(data: pd.DataFrame) -> pd.DataFrame:
    """Logistic estimates adjusted for age and sex, then also for season of the draw.

    Rows are ready for :func:`simlib.plots.forest_plot` (the truth in ``estimand_value``).
    """
    truth, rows = data.attrs["truth"], []
    for label, covariates in (("adjusted for age and sex", ("age", "female")),
                              ("... and season of the draw", ("age", "female", "winter"))):
        fit = est.logit(data, "case", "vitd_nmol", covariates=covariates)
        rows.append({"label": label, **fit.to_row(), "estimand_value": truth})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------- DAG
def plot_measurement_dag(ax=None):
    """A hand-drawn DAG: what a blood draw adds to the long-term mean.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        ax = plt.subplots(figsize=(9, 3.6))[1]
    nodes = {"long-term mean\n25(OH)D (true)": (0.12, 0.5), "MS": (0.12, 0.08),
             "season of draw\n(latitude, month)": (0.42, 0.92),
             "within-person\nvariation": (0.42, 0.62), "assay error\n(CV)": (0.42, 0.34),
             "lab / method bias": (0.42, 0.08), "measured 25(OH)D\n(one draw)": (0.8, 0.5)}
    for name, (x, y) in nodes.items():
        exposure = name.startswith(("long-term", "measured"))
        ax.text(x, y, name, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "ec": "0.5",
                      "fc": "#fdae6b" if exposure else "#deebf7"})
    measured = nodes["measured 25(OH)D\n(one draw)"]
    for name in list(nodes)[:1] + list(nodes)[2:6]:
        ax.annotate("", xy=(measured[0] - 0.1, measured[1]), xytext=nodes[name],
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "shrinkA": 30})
    ax.annotate("", xy=(0.12, 0.15), xytext=(0.12, 0.42),
                arrowprops={"arrowstyle": "-|>", "color": TRUTH, "lw": 2})
    ax.text(0.14, 0.28, "causal effect\n(the question)", color=TRUTH, fontsize=8)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.set_axis_off()
    return ax

"""A tour of the simulated world: the experiments of notebook 00 ("Start here").

A small population sample summarised (25(OH)D by region and latitude, MS prevalence and
incidence), the four shipped scenarios side by side, and the recurring headline of the
suite: the true effect beside one crude observational estimate in the null and the causal
world.

References
----------
Hagenau T, Vestergaard R, Gissel T, et al. Global vitamin D levels in relation to age,
gender, skin pigmentation and latitude: an ecologic meta-regression analysis. Osteoporos
Int 2009;20:133-140 (mean 54 nmol/L; -0.69 nmol/L per degree in fair skin).
Alonso A, Hernan MA. Temporal trends in the incidence of multiple sclerosis: a systematic
review. Neurology 2008;71:129-135 (women 3.6, men 2.0 per 100,000 person-years).
Munger KL, Zhang SM, O'Reilly E, et al. Vitamin D intake and incidence of multiple
sclerosis. Neurology 2004;62:60-65 (prospective cohorts, the design of the crude estimate).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import world
from ..designs import get_design, run_study
from ..plots import TRUTH, forest_plot
from ..scenario import Scenario, describe, load_scenario, scenario_names
from ..truth import true_effects

ADULT_AGE = 18.0  # years
WINDOW_YEARS = 10.0  # register window of incidence (years before the survey)
WORLD_ORDER = ("null", "causal", "threshold", "no_bias")  # the shipped scenarios, taught order
CUTOFFS_NMOL = (30.0, 50.0)  # deficiency (IOM 2011: < 30) and sufficiency (>= 50) in nmol/L
TOUR_COLUMNS = ("female", "region_id", "latitude_deg", "age", "alive", "diagnosis_age",
                "vitd_survey_nmol", "vitd_mean_nmol", "supplement_iu")


def _scenario(world_or_name) -> Scenario:
    return load_scenario(world_or_name) if isinstance(world_or_name, str) else world_or_name


def sample_people(scenario="null", n: int = 1_000_000, seed: int = 1) -> pd.DataFrame:
    """A population sample with the columns the tour needs, and each person's region name.

    Parameters
    ----------
    scenario : str or Scenario
    n : int
        Number of people (all ages, alive or dead by the survey date).
    seed : int

    Returns
    -------
    pandas.DataFrame
        :data:`TOUR_COLUMNS` plus ``region``. 25(OH)D in nmol/L, ages in years.
    """
    people = world.build_world(_scenario(scenario)).sample(n, seed, columns=TOUR_COLUMNS)
    people["region"] = world.REGIONS["region"].to_numpy()[people["region_id"].to_numpy()]
    return people


def _adults(people: pd.DataFrame) -> pd.DataFrame:
    return people[people["alive"] & (people["age"] >= ADULT_AGE)]


def vitd_by_region(people: pd.DataFrame) -> pd.DataFrame:
    """25(OH)D of living adults by region (one blood draw on the survey day), by latitude.

    Returns
    -------
    pandas.DataFrame
        One row per region, sorted by latitude: ``latitude_deg``, ``adults``,
        ``mean_nmol``, ``sd_nmol`` and the shares below 30 and 50 nmol/L.
    """
    adults = _adults(people)
    vitd = adults["vitd_survey_nmol"]
    table = vitd.groupby(adults["region"]).agg(adults="size", mean_nmol="mean", sd_nmol="std")
    for cutoff in CUTOFFS_NMOL:
        table[f"share_below_{cutoff:g}"] = (vitd < cutoff).groupby(adults["region"]).mean()
    latitude = world.REGIONS.set_index("region")["latitude_deg"]
    return table.join(latitude).sort_values("latitude_deg")[
        ["latitude_deg", *table.columns]]


def ms_by_region(people: pd.DataFrame) -> pd.DataFrame:
    """MS prevalence and incidence by region, as a register would count them.

    Returns
    -------
    pandas.DataFrame
        One row per region, sorted by latitude: ``latitude_deg``, ``alive``,
        ``prevalent`` (diagnosed, alive), ``prevalence_per_100k``, ``incident``
        (diagnosed in the last 10 years, alive) and ``incidence_per_100k``
        (per 100,000 person-years).
    """
    age, dx = people["age"], people["diagnosis_age"]
    frame = pd.DataFrame({
        "region": people["region"], "alive": people["alive"],
        "prevalent": people["alive"] & (dx < age),
        "incident": people["alive"] & (dx < age) & (dx >= age - WINDOW_YEARS),
        "person_years": people["alive"] * np.minimum(age, WINDOW_YEARS)})
    table = frame.groupby("region").sum()
    table["prevalence_per_100k"] = table["prevalent"] / table["alive"] * 1e5
    table["incidence_per_100k"] = table["incident"] / table["person_years"] * 1e5
    latitude = world.REGIONS.set_index("region")["latitude_deg"]
    return table.join(latitude).sort_values("latitude_deg")[
        ["latitude_deg", "alive", "prevalent", "prevalence_per_100k", "incident",
         "incidence_per_100k"]]


def _region_labels(table: pd.DataFrame) -> list[str]:
    return [f"{name}\n{lat:g}°" for name, lat in zip(table.index, table["latitude_deg"],
                                                     strict=True)]


def tour_figure(people: pd.DataFrame):
    """The world in three panels, regions ordered by latitude.

    Returns
    -------
    matplotlib.figure.Figure
        Top: 25(OH)D of adults (box plots of one draw, nmol/L) with the 30 and 50 nmol/L
        cut-offs. Middle: MS prevalence per 100,000. Bottom: MS incidence per 100,000
        person-years (last 10 years).
    """
    vitd, ms = vitd_by_region(people), ms_by_region(people)
    adults = _adults(people)
    fig, axes = plt.subplots(3, 1, figsize=(10, 8.6), sharex=True)
    groups = [adults.loc[adults["region"] == region, "vitd_survey_nmol"] for region in vitd.index]
    axes[0].boxplot(groups, positions=range(len(groups)), widths=0.6, showfliers=False)
    axes[0].plot(range(len(groups)), vitd["mean_nmol"], "o", color="C0", label="mean")
    for cutoff, style in zip(CUTOFFS_NMOL, (":", "--"), strict=True):
        axes[0].axhline(cutoff, color="0.4", ls=style, lw=1, label=f"{cutoff:g} nmol/L")
    axes[0].set_ylabel("25(OH)D, adults\n(nmol/L, one draw)")
    axes[0].legend(fontsize="small", loc="upper right", ncol=3)
    axes[1].bar(range(len(ms)), ms["prevalence_per_100k"], color="C1")
    axes[1].set_ylabel("MS prevalence\n(per 100,000)")
    axes[2].bar(range(len(ms)), ms["incidence_per_100k"], color="C2")
    axes[2].set_ylabel("MS incidence\n(per 100,000 person-years)")
    axes[2].set_xticks(range(len(ms)), labels=_region_labels(ms), fontsize="small")
    axes[2].set_xlabel("region (absolute latitude, degrees)")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------- the worlds
def _shipped() -> list[str]:
    """The shipped scenarios: the taught four first, then any others."""
    names = scenario_names()
    return [n for n in WORLD_ORDER if n in names] + [n for n in names if n not in WORLD_ORDER]


def scenario_differences(names=None) -> pd.DataFrame:
    """The parameters that differ between the shipped scenarios.

    Returns
    -------
    pandas.DataFrame
        One row per parameter (``section.key``) that is not the same in every scenario:
        its value in each scenario, its unit and meaning.
    """
    names = list(names) if names is not None else _shipped()
    rows = {name: {r["key"]: r["value"] for r in describe(load_scenario(name))}
            for name in names}
    meta = {r["key"]: r for r in describe(load_scenario(names[0]))}
    table = pd.DataFrame(rows)
    differs = table.apply(lambda row: len({repr(v) for v in row}) > 1, axis=1)
    table = table[differs]
    table["unit"] = [meta[key]["unit"] for key in table.index]
    table["meaning"] = [meta[key]["meaning"] for key in table.index]
    return table


def truth_table(names=None, n: int = 500_000, seed: int = 1) -> pd.DataFrame:
    """:func:`simlib.truth.true_effects` of each scenario on the same ``n`` people.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: HR per +25 nmol/L (onset to age 50), risk ratio by 50 for
        +25 nmol/L, risk ratio by 50 for 2,000 IU/day from childhood, relapse rate ratio.
    """
    names = list(names) if names is not None else _shipped()
    return pd.DataFrame({name: true_effects(load_scenario(name), n, seed)
                         for name in names}).T


def crude_estimates(names=("null", "causal"), design: str = "cohort",
                    population: int = 1_000_000, seed: int = 1) -> pd.DataFrame:
    """One crude observational estimate per world, beside the truth on the same people.

    Parameters
    ----------
    names : sequence of str
        Scenarios (worlds).
    design : str
        A registered design; its default (crude) estimator is used.
    population : int
        People simulated per world.
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per world: ``label``, the estimate (log scale, per +25 nmol/L) and its
        95% CI, ``estimand_value`` (the design's truth), ``ratio``, ``truth_ratio``,
        ``n_cases``, ``scale``.
    """
    chosen, rows = get_design(design), []
    for name in names:
        study = run_study(load_scenario(name), design, seed=seed,
                          options={"population": int(population)})
        fit = chosen.estimator(None)(study)
        truth = study.estimand_for(chosen.default_estimator).value
        rows.append({"world": name, "label": f"{name} world: {design}, crude", **fit.to_row(),
                     "estimand_value": truth, "ratio": np.exp(fit.estimate),
                     "truth_ratio": np.exp(truth)})
    return pd.DataFrame(rows)


def truth_vs_estimate_figure(table: pd.DataFrame):
    """Forest plot of :func:`crude_estimates`: each world's estimate and its truth (red).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    forest_plot(table, ax=ax)
    ax.set_xlabel("hazard ratio of MS per +25 nmol/L 25(OH)D (log scale)")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------ the panel
def nearest_region(latitude: float) -> str:
    """The region whose absolute latitude (degrees) is closest to ``latitude``."""
    distance = (world.REGIONS["latitude_deg"] - float(latitude)).abs()
    return str(world.REGIONS.loc[distance.idxmin(), "region"])


def draw_vitd_panel(people: pd.DataFrame, latitude: float, sample_size: int, seed: int = 1):
    """25(OH)D of a random sample of adults in the region nearest ``latitude``.

    Parameters
    ----------
    people : pandas.DataFrame
        Output of :func:`sample_people` (simulated once).
    latitude : float
        Degrees from the equator; the nearest of the world's regions is shown.
    sample_size : int
        Adults drawn at random from that region (a survey of this size).
    seed : int

    Returns
    -------
    matplotlib.figure.Figure
        Histogram of the sample (density), the region's whole adult distribution as a
        line, and the region's true mean (red) beside the sample mean.
    """
    region = nearest_region(latitude)
    adults = _adults(people)
    everyone = adults.loc[adults["region"] == region, "vitd_survey_nmol"].to_numpy()
    rng = np.random.default_rng(seed)
    sample = rng.choice(everyone, size=min(int(sample_size), len(everyone)), replace=False)
    bins = np.arange(0, 205, 5.0)
    fig, ax = plt.subplots(figsize=(6.8, 4.2))
    ax.hist(sample, bins=bins, density=True, color="C0", alpha=0.55,
            label=f"sample of {len(sample):,} adults: mean {sample.mean():.1f} nmol/L, "
                  f"{(sample < 50).mean():.0%} below 50")
    ax.hist(everyone, bins=bins, density=True, histtype="step", color="black",
            label=f"all {len(everyone):,} simulated adults")
    ax.axvline(everyone.mean(), color=TRUTH, lw=2,
               label=f"true regional mean {everyone.mean():.1f} nmol/L")
    ax.axvspan(0, 50, color="0.92", zorder=0,
               label="below 50 nmol/L (short of IOM 2011 sufficiency)")
    ax.set(xlabel="25(OH)D, one blood draw (nmol/L)", ylabel="density (per nmol/L)",
           title=f"{region}, {world.REGIONS.set_index('region').loc[region, 'latitude_deg']:g}"
                 " degrees from the equator", xlim=(0, 200))
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return fig

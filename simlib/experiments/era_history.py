"""The era flip as history: one world surveyed in 1995, 2000, ... 2015.

The experiment behind the section "The same world in 1995 and 2015" of notebook
``03_reverse_causation``. The world has calendar time (:mod:`simlib.era`): high-dose
vitamin D supplements spread through the 2000s (Kantor et al. 2016), and people with
MS start them after diagnosis, but not before the era reaches them
(``calendar.patient_era_lag_years`` after their own adoption year). A survey of
prevalent MS therefore finds patients' 25(OH)D below that of controls in the 1990s and
far above it in the 2010s, in a world where vitamin D has no effect on MS at all.

:func:`era_table` surveys the same world (same seed: common random numbers) in each
year, as :mod:`simlib.validate` does for its era figures, and measures prevalent
diagnosed adults against controls matched on sex and 10-year age band
(:func:`simlib.validate.cases_minus_controls_pooled`). :func:`era_plot` draws the
history beside the two published figures it reproduces: a meta-analysis of studies
bled mostly in the 1990s-2000s (Duan et al. 2014) and the UK MS Register survey of
2019 (Vickaryous et al. 2020), both read from ``data/published/published-figures.csv``.

References
----------
Kantor ED et al. Trends in dietary supplement use among US adults from 1999-2012.
JAMA 2016;316:1464-74. doi:10.1001/jama.2016.14403
Duan S et al. Neurosci Lett 2014;570:108-13. doi:10.1016/j.neulet.2014.04.021
Vickaryous N et al. PLoS One 2020;15:e0241459. doi:10.1371/journal.pone.0241459
Jelinek GA et al. BMC Neurol 2015;15:132 (vitamin D use by people with MS).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import calibrate, validate
from ..era import CalendarParams
from ..errors import ParameterError
from ..params import spec_of
from ..scenario import Scenario
from ..scm import as_seed_sequence, check_size
from ..world import build_world

#: Population columns the table reads.
COLUMNS = ("alive", "age", "female", "diagnosis_age", "vitd_survey_nmol",
           "post_dx_supplement_start_age")
#: Published figures drawn by :func:`era_plot` (ids in ``published-figures.csv``).
POOLED_ID = "val_cases_controls_wmd"
UK_ID = "val_uk_cases_controls_2019"
#: Colour-blind-safe colours (Okabe & Ito): simulation, pooled study, UK survey, share.
COLOURS = {"simulated": "#0072B2", "pooled": "#E69F00", "uk": "#CC79A7", "share": "#009E73"}
TABLE_COLUMNS = ("survey_year", "cases_minus_controls_nmol", "standard_error_nmol",
                 "patients_on_vitamin_d_share", "n_cases")


# --------------------------------------------------------------- simulation
def _check_years(years) -> list[float]:
    """Survey years as floats: a non-empty list of distinct years in the calendar's range."""
    spec = spec_of(CalendarParams, "survey_year")
    allowed = f"use a non-empty list of distinct calendar years in [{spec.low:g}, {spec.high:g}]"
    if isinstance(years, str | bytes) or not isinstance(years, Sequence | np.ndarray):
        raise ParameterError(f"years = {years!r} is not allowed: {allowed}")
    values = list(years)
    bad = [y for y in values if isinstance(y, bool) or not isinstance(y, int | float | np.number)
           or not np.isfinite(y) or not spec.low <= y <= spec.high]
    if not values or bad or len(set(values)) != len(values):
        raise ParameterError(f"years = {years!r} is not allowed: {allowed}")
    return [float(y) for y in values]


def survey(scenario: Scenario, year: float, n: int, seed: int) -> pd.DataFrame:
    """The population of ``scenario`` surveyed in calendar ``year``.

    Parameters
    ----------
    scenario : Scenario
        The world; only ``calendar.survey_year`` is changed
        (:func:`simlib.validate.at_year`).
    year : float
        Calendar year of the survey day.
    n : int
        People simulated (all ages, alive or not).
    seed : int
        Seed of the population; the same seed in every year gives the same people born
        ``year - age`` (common random numbers).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per person; ``attrs["scenario"]`` is the scenario in
        ``year``.
    """
    at = validate.at_year(scenario, year)
    people = build_world(at).sample(n, seed, columns=list(COLUMNS))
    people.attrs.update(seed=seed, scenario=at)
    return people


def era_row(people: pd.DataFrame, year: float) -> dict:
    """One survey's row of :func:`era_table`.

    Cases are prevalent diagnosed adults (aged 18 or more, alive, diagnosed before the
    survey day); controls are the other living adults, weighted to the cases' sex x
    10-year age distribution (:mod:`simlib.validate`). A patient is on vitamin D if
    their post-diagnosis supplements had started by the survey
    (``post_dx_supplement_start_age <= age``); supplements taken before MS (the general
    population's) are not counted.

    Returns
    -------
    dict
        ``survey_year``; ``cases_minus_controls_nmol``, mean measured 25(OH)D of cases
        minus that of matched controls (nmol/L; NaN with fewer than 20 cases);
        ``standard_error_nmol``, its Monte Carlo standard error from the cases alone
        (SD of the cases' values / sqrt(n_cases), nmol/L: the controls outnumber them
        hundreds to one); ``patients_on_vitamin_d_share`` (proportion, 0-1) and
        ``n_cases``.
    """
    cases = validate.alive_adults(people) & validate.prevalent(people)
    n_cases = int(cases.sum())
    difference = validate.cases_minus_controls_pooled(people, people.attrs["scenario"], None)
    values = people["vitd_survey_nmol"].to_numpy()[cases]
    started = people["post_dx_supplement_start_age"].to_numpy()[cases] \
        <= people["age"].to_numpy()[cases]
    return {"survey_year": year,
            "cases_minus_controls_nmol": np.nan if difference is None else difference,
            "standard_error_nmol": float(values.std(ddof=1) / np.sqrt(n_cases))
            if n_cases > 1 else np.nan,
            "patients_on_vitamin_d_share": float(started.mean()) if n_cases else np.nan,
            "n_cases": n_cases}


def era_table(scenario: Scenario, years, n: int, seed: int) -> pd.DataFrame:
    """Prevalent MS against matched controls, the same world surveyed in each year.

    Parameters
    ----------
    scenario : Scenario
        The world (e.g. ``load_scenario("null")``: vitamin D has no effect on MS).
    years : sequence of float
        Calendar years of the surveys, distinct, within the range of
        ``calendar.survey_year`` (1950-2030).
    n : int
        People simulated per survey (all ages); a few hundred thousand give a few
        hundred cases.
    seed : int
        Seed of every survey's population (the same people in every year).

    Returns
    -------
    pandas.DataFrame
        One row per year (in the order given) with the columns of :func:`era_row`:
        ``survey_year``, ``cases_minus_controls_nmol`` (nmol/L),
        ``standard_error_nmol`` (nmol/L), ``patients_on_vitamin_d_share`` (0-1),
        ``n_cases``. ``attrs`` hold the scenario name, ``n`` and ``seed``.

    Examples
    --------
    >>> from simlib import load_scenario
    >>> table = era_table(load_scenario("null"), [1995, 2015], 400_000, 1)  # doctest: +SKIP
    """
    if not isinstance(scenario, Scenario):
        raise ParameterError(f"scenario = {scenario!r} is not allowed: use a Scenario "
                             "(e.g. load_scenario('null'))")
    years = _check_years(years)
    n = check_size(n)
    as_seed_sequence(seed)  # a whole number >= 0, else ParameterError naming the seed
    rows = [era_row(survey(scenario, year, n, seed), year) for year in years]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table.attrs.update(scenario=scenario.name, n=n, seed=seed)
    return table


def flip_year(table: pd.DataFrame) -> float:
    """The calendar year at which cases' 25(OH)D first rises above the controls'.

    Linear interpolation between the two survey years around the first change of sign
    from below to above zero; the first survey year if cases are already above then; NaN
    if they never are.
    """
    _check_table(table)
    years = table["survey_year"].to_numpy(float)
    difference = table["cases_minus_controls_nmol"].to_numpy(float)
    above = np.flatnonzero(difference > 0)
    if len(above) == 0:
        return float("nan")
    i = above[0]
    if i == 0:
        return float(years[0])
    low, high = difference[i - 1], difference[i]
    return float(years[i - 1] + (years[i] - years[i - 1]) * -low / (high - low))


# ------------------------------------------------------------------ figure
def _check_table(table) -> None:
    missing = [] if not isinstance(table, pd.DataFrame) else \
        [c for c in TABLE_COLUMNS if c not in table.columns]
    if not isinstance(table, pd.DataFrame) or missing or table.empty:
        raise ParameterError(f"table = {type(table).__name__} with missing columns {missing} "
                             f"is not allowed: use the output of era_table (columns "
                             f"{', '.join(TABLE_COLUMNS)})")


def _published_rows(published) -> pd.DataFrame:
    """The two published rows (pooled, UK), from ``published`` or the CSV."""
    published = calibrate.published_figures() if published is None else published
    if not isinstance(published, pd.DataFrame) or \
            not {POOLED_ID, UK_ID} <= set(published.index):
        raise ParameterError(f"published = {type(published).__name__} is not allowed: use "
                             f"None or simlib.calibrate.published_figures() (rows {POOLED_ID}, "
                             f"{UK_ID})")
    return published.loc[[POOLED_ID, UK_ID]]


def _label(row, what: str) -> str:
    """``"Duan S et al., Neurosci Lett 2014: what"`` from a published row."""
    return f"{str(row['citation']).split(';')[0]}:\n{what}"


def _axes(ax):
    """``ax`` as (top, bottom), or two new stacked panels sharing the year axis."""
    if ax is None:
        fig, axes = plt.subplots(2, 1, figsize=(8.5, 6.4), sharex=True,
                                 gridspec_kw={"height_ratios": (2.2, 1)})
        fig.set_layout_engine("tight")
        return axes
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if len(axes) != 2 or not all(isinstance(a, plt.Axes) for a in axes):
        raise ParameterError(f"ax = {ax!r} is not allowed: use None or two matplotlib Axes "
                             "(difference panel, share panel)")
    return axes


def era_plot(table: pd.DataFrame, published: pd.DataFrame | None = None, ax=None):
    """The era flip as history: cases minus controls by survey year, and patients on
    vitamin D.

    Top panel: the simulated difference in measured 25(OH)D (nmol/L, with a 95% Monte
    Carlo interval, +-1.96 standard errors), a zero line ("no difference"), the
    published pooled estimate with its 95% CI at the year :mod:`simlib.validate` surveys
    it in (the middle of its studies' era) and the UK 2019 survey (a difference of
    medians, no CI published) at 2019. Bottom panel: percent of prevalent patients
    taking vitamin D after diagnosis.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`era_table` output.
    published : pandas.DataFrame, optional
        Published figures indexed by id (default: :func:`simlib.calibrate.published_figures`).
    ax : pair of matplotlib.axes.Axes, optional
        (difference panel, share panel); default two new stacked panels.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The two panels (top, bottom).
    """
    _check_table(table)
    rows = _published_rows(published)
    top, bottom = _axes(ax)
    years = {check.figure_id: check.year for check in validate.CHECKS}
    pooled, uk = rows.loc[POOLED_ID], rows.loc[UK_ID]
    x = table["survey_year"].to_numpy(float)
    y = table["cases_minus_controls_nmol"].to_numpy(float)
    simulated = (f"simulated, {table.attrs.get('scenario', 'this')} world: prevalent cases\n"
                 "minus matched controls (mean, 95% interval)")
    pooled_label = _label(pooled, "meta-analysis, studies of the 1990s-2000s (95% CI)")
    uk_label = _label(uk, "UK MS Register 2019 (difference of medians)")
    top.axhline(0.0, color="0.35", ls=":", lw=1.3, label="no difference")
    top.errorbar(x, y, yerr=1.96 * table["standard_error_nmol"].to_numpy(float), fmt="o-",
                 color=COLOURS["simulated"], lw=2, ms=7, capsize=3, label=simulated)
    value = float(pooled["value"])
    top.errorbar([years[POOLED_ID]], [value], fmt="s", ms=9, capsize=5, lw=2,
                 yerr=[[value - float(pooled["ci_low"])], [float(pooled["ci_high"]) - value]],
                 color=COLOURS["pooled"], mec="black", label=pooled_label)
    top.plot([years[UK_ID]], [float(uk["value"])], "D", ms=9, color=COLOURS["uk"], mec="black",
             label=uk_label)
    top.set_ylabel("25(OH)D of people with MS\nminus controls (nmol/L)")
    top.set_title("One world, surveyed in different years (vitamin D has no effect on MS)"
                  if table.attrs.get("scenario") == "null" else
                  "One world, surveyed in different years", fontsize=10)
    handles = dict(zip(*reversed(top.get_legend_handles_labels()), strict=True))
    order = [simulated, "no difference", pooled_label, uk_label]  # the simulation first
    top.legend([handles[label] for label in order], order, fontsize="small",
               loc="upper left", framealpha=0.92)
    low, high = min(np.nanmin(y), float(pooled["ci_low"])), max(np.nanmax(y), float(uk["value"]))
    top.set_ylim(low - 8, high + 0.9 * (high - low))  # room for the legend
    share = 100 * table["patients_on_vitamin_d_share"].to_numpy(float)
    bottom.plot(x, share, "^--", color=COLOURS["share"], lw=2, ms=7,
                label="simulated: patients whose post-diagnosis\nvitamin D had started")
    bottom.set_ylim(0, 100)
    bottom.set_ylabel("people with MS taking\nvitamin D (%)")
    bottom.set_xlabel("survey year (calendar year)")
    bottom.legend(fontsize="small", loc="upper left", framealpha=0.92)
    every = sorted(set(x) | {years[POOLED_ID], years[UK_ID]})
    for panel in (top, bottom):
        panel.set_xlim(every[0] - 2, every[-1] + 2)
        panel.grid(alpha=0.3)
    return np.array([top, bottom], dtype=object)


__all__ = ["COLUMNS", "era_plot", "era_row", "era_table", "flip_year", "survey"]

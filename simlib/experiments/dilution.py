"""Notebook 04: regression dilution, where one 25(OH)D draw weakens a true association.

In a world where the truth is known (``no_bias`` with the blood draw's random errors
switched on), a cohort's future cases and random controls are measured with one or
several yearly draws. The measured association is attenuated towards the null by the
regression-dilution ratio (the reliability of the measurement); averaging draws reduces
the attenuation; a ratio estimated from repeat draws in a subsample corrects it.

The true serum levels are stored once, so the study can be re-measured with any error
in milliseconds (the notebook's slider panel). Several independent cohorts are
simulated, because with a few hundred cases the sampling error of one study is as large
as the dilution itself: their average shows the bias.

References
----------
MacMahon S, Peto R, Cutler J et al. Blood pressure, stroke, and coronary heart disease.
Part 1: prolonged differences in blood pressure: prospective observational studies
corrected for the regression dilution bias. Lancet 1990;335:765-74.
Hutcheon JA, Chiolero A, Hanley JA. Random measurement error and regression dilution
bias. BMJ 2010;340:c2289.
Clarke R, Shipley M, Lewington S et al. Underestimation of risk associations due to
regression dilution in long-term follow-up of prospective studies. Am J Epidemiol
1999;150:341-53.
Snellman G et al. Determining vitamin D status: a comparison between commercially
available assays. PLoS One 2010;5:e11555.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import estimators as est
from .. import measure
from ..designs.common import true_log_hr
from ..errors import ParameterError
from ..plots import TRUTH
from ..sections import MeasurementParams
from ..world import build_world
from .measurement import HAZARD, SURVEY_COLUMNS, true_levels


# --------------------------------------------------------------- the study
def dilution_study(scenario, population: int, seed, age_low: float = 18.0,
                   age_high: float = 60.0, follow_up_years: float = 20.0,
                   controls_per_case: int = 4, draws: int = 5) -> pd.DataFrame:
    """A cohort's future cases and random non-cases, with true 25(OH)D at yearly draws.

    People aged ``[age_low, age_high)`` without MS are enrolled on the survey day and
    followed ``follow_up_years``; cases are those diagnosed during follow-up, controls a
    random sample of the others (a case-control study nested in the cohort). For each,
    the true serum level at the enrollment draw and ``draws - 1`` yearly repeats is kept,
    so the study can be measured again with any error, cheaply.

    Returns
    -------
    pandas.DataFrame
        ``case`` (0/1), ``age``, ``female``, ``vitd_mean_nmol`` (the true long-term mean,
        the causal exposure) and ``level_0`` ... ``level_{draws-1}`` (nmol/L).
        ``attrs["truth"]`` is the true log HR per +25 nmol/L over follow-up on the
        enrolled people (by intervention).
    """
    world = build_world(scenario)
    columns = SURVEY_COLUMNS + ("female", "death_age") + tuple(world.ancestors(HAZARD)) \
        + (HAZARD,)
    people = world.sample(population, seed, columns=tuple(dict.fromkeys(columns)))
    people.attrs.update(seed=seed, scenario=scenario)
    age, dx = people["age"].to_numpy(), people["diagnosis_age"].to_numpy()
    enrolled = np.flatnonzero(people["alive"].to_numpy() & (age >= age_low)
                              & (age < age_high) & (dx >= age))
    end = np.minimum(age + follow_up_years, people["death_age"].to_numpy())[enrolled]
    is_case = dx[enrolled] < end
    controls = np.random.default_rng(seed).choice(
        enrolled[~is_case], size=controls_per_case * is_case.sum(), replace=False)
    rows = np.concatenate([enrolled[is_case], np.sort(controls)])
    data = pd.DataFrame({"case": np.repeat([1, 0], [is_case.sum(), len(controls)]),
                         "age": age[rows], "female": people["female"].to_numpy()[rows],
                         "vitd_mean_nmol": people["vitd_mean_nmol"].to_numpy()[rows]})
    part = people.iloc[rows]
    for k in range(draws):
        data[f"level_{k}"] = true_levels(part, age[rows] + k, scenario)
    data.attrs["truth"] = true_log_hr(world, people, enrolled, age[enrolled],
                                      age[enrolled] + follow_up_years)
    return data


def measure_draws(data: pd.DataFrame, measurement: MeasurementParams, seed) -> np.ndarray:
    """Measure every stored level once: an array (people x draws) in nmol/L.

    The same ``seed`` gives the same standard-normal errors, so changing the error sizes
    rescales the same errors (a slider moves the points smoothly).
    """
    levels = data.filter(like="level_").to_numpy()
    rng = np.random.default_rng(seed)
    return np.column_stack([measure.assay(rng, levels[:, k], measurement)
                            for k in range(levels.shape[1])])


# ----------------------------------------------------- dilution and correction
def spearman_brown(reliability: float, samples: int) -> float:
    """Reliability of the mean of ``samples`` draws, from that of one draw.

    ``lambda_k = k lambda / (1 + (k - 1) lambda)`` (independent errors of equal size).
    """
    return samples * reliability / (1.0 + (samples - 1) * reliability)


def repeat_reliability(draws: np.ndarray, data: pd.DataFrame, size: int, seed,
                       years_later: int = 1) -> float:
    """Regression-dilution ratio from a repeat draw ``years_later`` in ``size`` controls.

    MacMahon et al. (1990): the slope of the repeat on the first draw,
    ``cov(x1, x2) / var(x1)``, estimates the reliability of one draw. When the level
    itself drifts over the years (:mod:`simlib.drift`), a repeat soon after the first
    draw shares most of the drift and overestimates the reliability for the long-term
    level; a later repeat estimates it better (Clarke et al. 1999).
    """
    if not 1 <= years_later < draws.shape[1]:
        raise ParameterError(f"years_later={years_later!r} is not allowed: the study has "
                             f"yearly draws 1 to {draws.shape[1] - 1} years after the first")
    controls = np.flatnonzero(data["case"].to_numpy() == 0)
    chosen = np.random.default_rng(seed).choice(controls, min(size, len(controls)),
                                                replace=False)
    first, repeat = draws[chosen, 0], draws[chosen, years_later]
    return float(np.cov(first, repeat)[0, 1] / np.var(first, ddof=1))


def repeat_interval_table(data: pd.DataFrame, measurement: MeasurementParams,
                          years=(1, 2, 4), seed=1, size: int = 1000) -> pd.DataFrame:
    """The repeat-draw ratio by the years between the draws, beside the true ratio.

    Returns
    -------
    pandas.DataFrame
        ``years_later``, ``repeat_ratio``, ``oracle_ratio`` (of one draw, known only in a
        simulation) and ``share_recovered`` = oracle / repeat: the share of the true
        association a correction with that repeat recovers on average.
    """
    draws = measure_draws(data, measurement, seed)
    true = data["vitd_mean_nmol"].to_numpy()
    oracle = float(np.cov(true, draws[:, 0])[0, 1] / np.var(draws[:, 0], ddof=1))
    rows = [{"years_later": k, "repeat_ratio": repeat_reliability(draws, data, size, seed, k),
             "oracle_ratio": oracle} for k in years]
    table = pd.DataFrame(rows)
    table["share_recovered"] = table["oracle_ratio"] / table["repeat_ratio"]
    return table


def dilution_row(data: pd.DataFrame, draws: np.ndarray, samples: int,
                 reliability_one: float) -> dict:
    """Estimates from the mean of ``samples`` draws: observed, oracle ratio, corrected.

    Returns
    -------
    dict
        ``samples``; ``estimate``, ``ci_low``, ``ci_high`` (log OR per 25 nmol/L of the
        measured mean); ``oracle_ratio`` = ``cov(true, mean) / var(mean)``, known only in
        a simulation; ``repeat_ratio`` (Spearman-Brown from the repeat draws);
        ``corrected`` = estimate / repeat_ratio (with its CI); ``true_exposure`` (log OR
        on the long-term mean itself); ``truth``; ``n_cases``.
    """
    observed = draws[:, :samples].mean(axis=1)
    frame = data[["case", "vitd_mean_nmol"]].assign(vitd_nmol=observed)
    fit, ideal = est.logit(frame, "case", "vitd_nmol"), est.logit(frame, "case",
                                                                  "vitd_mean_nmol")
    true = data["vitd_mean_nmol"].to_numpy()
    ratio = spearman_brown(reliability_one, samples)
    return {"samples": samples, "estimate": fit.estimate, "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "oracle_ratio": float(np.cov(true, observed)[0, 1] / np.var(observed, ddof=1)),
            "repeat_ratio": ratio, "corrected": fit.estimate / ratio,
            "corrected_low": fit.ci_low / ratio, "corrected_high": fit.ci_high / ratio,
            "true_exposure": ideal.estimate, "truth": data.attrs["truth"],
            "n_cases": int(data["case"].sum())}


def dilution_table(data: pd.DataFrame, measurement: MeasurementParams, samples=(1, 2, 3, 5),
                   seed=1, reliability_size: int = 1000) -> pd.DataFrame:
    """:func:`dilution_row` for each number of samples averaged (same errors throughout)."""
    draws = measure_draws(data, measurement, seed)
    reliability = repeat_reliability(draws, data, reliability_size, seed)
    return pd.DataFrame([dilution_row(data, draws, k, reliability) for k in samples])


def dilution_experiment(scenario, population: int, seed: int, cohorts: int,
                        samples=(1, 2, 3, 5), reliability_size: int = 1000):
    """:func:`dilution_table` in ``cohorts`` independent cohorts (a Monte Carlo study).

    Cohort ``r`` uses ``SeedSequence(seed, spawn_key=(r,))`` and the scenario's own
    measurement error.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The tidy table (one row per cohort and number of samples, column ``cohort``)
        and the first cohort's study (for re-measuring in the slider panel).
    """
    tables, first = [], None
    for cohort in range(cohorts):
        stream = np.random.SeedSequence(seed, spawn_key=(cohort,))
        data = dilution_study(scenario, population, stream)
        first = data if first is None else first
        tables.append(dilution_table(data, scenario.measurement, samples, stream,
                                     reliability_size).assign(cohort=cohort))
    return pd.concat(tables, ignore_index=True), first


def summarise_dilution(table: pd.DataFrame) -> pd.DataFrame:
    """Average over cohorts per number of samples, with Monte Carlo SEs (``*_mcse``).

    ``share_kept`` is mean(measured log OR) / mean(error-free log OR): the share of the
    association that survives the measurement error.
    """
    columns = ["estimate", "corrected", "true_exposure", "oracle_ratio", "repeat_ratio",
               "truth", "n_cases"]
    grouped = table.groupby("samples")
    summary = grouped[columns].mean()
    cohorts = grouped.size()
    for column in ("estimate", "corrected", "true_exposure"):
        summary[f"{column}_mcse"] = grouped[column].std() / np.sqrt(cohorts)
    summary["share_kept"] = summary["estimate"] / summary["true_exposure"]
    summary["cohorts"] = cohorts
    return summary.reset_index()


# ------------------------------------------------------------------ figures
def plot_dilution(table: pd.DataFrame):
    """Left: OR per +25 nmol/L against the number of draws averaged. Right: share kept.

    Left: the truth, and the average over cohorts (± 1.96 Monte Carlo SE) of the estimate
    on the true long-term mean (no error), on the measured mean (attenuated) and
    corrected with the repeat-draw ratio; single cohorts as small dots. Right: the share
    of the error-free log OR that the measured estimate keeps, beside the true and the
    repeat-draw dilution ratios.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8), width_ratios=(1.3, 1))
    summary = summarise_dilution(table)
    k = summary["samples"].to_numpy(float)
    left.axhline(np.exp(summary["truth"].iloc[0]), color=TRUTH, lw=2, label="truth (HR)")
    for column, offset, colour, label in (
            ("true_exposure", -0.12, "0.55", "on the true long-term mean (no error)"),
            ("estimate", 0.0, "black", "on the measured mean"),
            ("corrected", 0.12, "C0", "corrected with repeat draws")):
        _mean_and_cohorts(left, table, summary, column, offset, colour, label)
    left.axhline(1.0, color="0.6", lw=0.8)
    left.set_xticks(k, labels=[f"{int(v)}" for v in k])
    left.set(xlabel="yearly blood draws averaged per person",
             ylabel="odds ratio per +25 nmol/L (log scale)",
             title=f"Average of {int(summary['cohorts'].iloc[0])} cohorts beside the truth")
    left.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    _share_kept(right, summary)
    fig.tight_layout()
    return fig


def _mean_and_cohorts(ax, table, summary, column, offset, colour, label):
    k = summary["samples"].to_numpy(float) + offset
    mean, half = summary[column].to_numpy(), 1.96 * summary[f"{column}_mcse"].fillna(0)
    ax.errorbar(k, np.exp(mean), yerr=[np.exp(mean) - np.exp(mean - half),
                                       np.exp(mean + half) - np.exp(mean)],
                fmt="o", color=colour, ms=7, capsize=3, mfc="white" if column == "corrected"
                else colour, label=f"{label}: mean (± 1.96 MCSE)")
    ax.scatter(table["samples"] + offset, np.exp(table[column]), s=8, color=colour,
               alpha=0.3)
    ax.set_yscale("log")
    ax.minorticks_off()
    ticks = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.set_ylim(0.6, 1.1)


def _share_kept(ax, summary):
    k = summary["samples"].to_numpy(float)
    ax.plot(k, summary["share_kept"], "o", color="black", ms=7,
            label="measured / error-free log OR (mean of cohorts)")
    ax.plot(k, summary["oracle_ratio"], "-", color="C2", label="true dilution ratio")
    ax.plot(k, summary["repeat_ratio"], "--", color="C0", label="ratio from repeat draws")
    ax.axhline(1.0, color="0.5", lw=1, ls=":", label="no dilution")
    ax.set_xticks(k, labels=[f"{int(v)}" for v in k])
    ax.set(xlabel="yearly blood draws averaged per person",
           ylabel="share of the log OR kept", ylim=(0, 1.2),
           title="How much of the association survives")
    ax.legend(fontsize="small", loc="lower right")


def draw_dilution_panel(data: pd.DataFrame, assay_cv: float, within_person_sd_nmol: float,
                        samples: int, seed=1, points: int = 1500):
    """The slider panel: measured vs true 25(OH)D, and the attenuated and corrected ORs.

    Re-measures the stored levels of one study with the chosen errors (no new simulation).

    Returns
    -------
    matplotlib.figure.Figure
    """
    measurement = MeasurementParams(within_person_sd_nmol=within_person_sd_nmol,
                                    assay_cv=assay_cv)
    draws = measure_draws(data, measurement, seed)
    reliability = repeat_reliability(draws, data, 1000, seed)
    row = dilution_row(data, draws, int(samples), reliability)
    observed = draws[:, :int(samples)].mean(axis=1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.5), width_ratios=(1.2, 1))
    _calibration_scatter(left, observed, data, row, points, seed)
    _ratio_points(right, row)
    fig.tight_layout()
    return fig


def _calibration_scatter(ax, observed, data, row, points, seed):
    true, case = data["vitd_mean_nmol"].to_numpy(), data["case"].to_numpy() == 1
    shown = np.random.default_rng(seed).choice(len(true), min(points, len(true)), replace=False)
    for label, group, colour in (("controls", ~case, "0.4"), ("cases", case, "C1")):
        chosen = shown[group[shown]]
        ax.scatter(observed[chosen], true[chosen], s=6, alpha=0.4, color=colour, label=label)
    grid = np.array([0.0, 150.0])
    ax.plot(grid, grid, color="0.6", lw=1, label="measured = true")
    ax.plot(grid, true.mean() + row["oracle_ratio"] * (grid - observed.mean()), color="C0",
            lw=2, label=f"regression of true on measured: slope {row['oracle_ratio']:.2f}")
    ax.set(xlim=(0, 150), ylim=(0, 150),
           xlabel=f"measured 25(OH)D, mean of {int(row['samples'])} draw(s) (nmol/L)",
           ylabel="true long-term mean 25(OH)D (nmol/L)",
           title="What the study sees vs the truth")
    ax.legend(fontsize="small", loc="upper left")


def _ratio_points(ax, row):
    """OR on the true mean, measured OR (95% CI), corrected OR (95% CI), and the truth."""
    labels = ["on the true long-term mean", "on the measured value", "corrected (repeat draws)"]
    values = np.exp([row["true_exposure"], row["estimate"], row["corrected"]])
    low = np.exp([np.nan, row["ci_low"], row["corrected_low"]])
    high = np.exp([np.nan, row["ci_high"], row["corrected_high"]])
    y = np.arange(3)[::-1]
    ax.errorbar(values, y, xerr=[values - low, high - values], fmt="o", color="black",
                capsize=3, ms=7)
    ax.axvline(np.exp(row["truth"]), color=TRUTH, lw=2.5, label="truth (HR)")
    ax.axvline(1.0, color="0.6", lw=0.8, label="no effect")
    for position, value in zip(y, values, strict=True):
        ax.text(value, position + 0.18, f"{value:.3f}", ha="center", fontsize="small")
    ax.set_yticks(y, labels=labels)
    ax.set(xlim=(0.5, 1.2), ylim=(-0.6, 2.6), xlabel="odds ratio per +25 nmol/L",
           title=f"one study, {row['n_cases']} cases: dilution ratio {row['oracle_ratio']:.2f}"
                 f" (from repeats {row['repeat_ratio']:.2f})")
    ax.legend(fontsize="small", loc="lower right")


# ----------------------------------------------------------------- lab bias
def lab_bias_table(data: pd.DataFrame, factors=(1.0, 0.82, 0.71), seed=1,
                   base: MeasurementParams | None = None) -> pd.DataFrame:
    """The same sera measured by methods with different bias (Snellman 2010).

    Returns
    -------
    pandas.DataFrame
        Per ``lab_bias_factor``: mean measured (nmol/L) among controls, share below
        50 nmol/L (%), and the odds ratio per +25 *measured* nmol/L (one draw).
    """
    base = base or MeasurementParams()
    controls = data["case"].to_numpy() == 0
    rows = []
    for factor in factors:
        measurement = MeasurementParams(base.within_person_sd_nmol, base.assay_cv, factor)
        draw = measure_draws(data, measurement, seed)[:, 0]
        fit = est.logit(data[["case"]].assign(vitd_nmol=draw), "case", "vitd_nmol")
        rows.append({"lab_bias_factor": factor, "mean_nmol": draw[controls].mean(),
                     "below_50_percent": 100 * (draw[controls] < 50).mean(),
                     "odds_ratio_per_25": fit.ratio})
    return pd.DataFrame(rows).set_index("lab_bias_factor")

"""How much bias would explain it: bias sweeps in the null world, and the E-value.

The lesson of notebook ``10_how_much_bias``. Published serum studies found that people with
higher 25(OH)D before diagnosis developed MS less often (Munger et al. 2006: OR 0.59 per
+50 nmol/L). How strong would confounding or reverse causation have to be to produce that
association in a world where vitamin D does nothing? Two answers:

* by simulation: :func:`run_bias_sweeps` runs :func:`simlib.montecarlo.sweep` over a grid of
  confounding strength (the unexplained latitude factors of MS, ``ms.latitude_hr_per_10_
  degrees``) and reverse-causation strength (the sun-derived 25(OH)D lost in the prodrome,
  or after onset for a hospital case-control) in the null world, for three designs, and
  :func:`sweep_summary` says which combinations reproduce the published estimate;
* by formula: the E-value (:func:`e_value`), the minimum strength of association, on the
  risk-ratio scale, that an unmeasured confounder would need with both the exposure and the
  outcome to explain the estimate away (VanderWeele & Ding 2017). It speaks of confounding
  only, not of reverse causation.

Estimates are put on the published scale: log OR (or rate ratio) per +50 nmol/L
(:func:`per_50`), twice the library's log ratio per 25 nmol/L.

References
----------
Munger KL et al. Serum 25-hydroxyvitamin D levels and risk of multiple sclerosis. JAMA
2006;296:2832-8.
Munger KL et al. 25-Hydroxyvitamin D deficiency and risk of MS among women in the Finnish
Maternity Cohort. Neurology 2017;89:1578-83.
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-74. doi:10.7326/M16-2607
Ding P, VanderWeele TJ. Sensitivity analysis without assumptions. Epidemiology
2016;27:368-77.
Wijnands JMA et al. Health-care use before a first demyelinating event suggestive of a
multiple sclerosis prodrome. Lancet Neurol 2017;16:445-51.
"""

from __future__ import annotations

import concurrent.futures as cf
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import bias as bias_tools
from ..calibrate import published_figures
from ..errors import ParameterError
from ..montecarlo import diagnose, init_worker, replicate, sweep
from ..plots import TRUTH, forest_plot, sweep_plot
from ..scenario import Scenario

PER_NMOL = 50.0  # the published contrast: per +50 nmol/L
LIBRARY_PER_NMOL = 25.0  # the library's estimates: per +25 nmol/L
PUBLISHED_IDS = ("munger2006_or50", "munger2017_rr50")

CONFOUNDING_KEY = "ms.latitude_hr_per_10_degrees"
CONFOUNDING_LEVELS = (0.0, 1.0)
"""Confounding strength as a share of the null world's log HR of the latitude factors
(0 = no unexplained latitude effect on MS, 1 = the calibrated 3.116 per 10 degrees)."""
REVERSE_LEVELS = (0.0, 1.0, 2.0)
"""Reverse-causation strength as a multiple of the null world's sun loss (0 none, 1 default)."""

#: The designs swept: the scenario key of the reverse causation each is exposed to, a label.
DESIGNS = {
    "nested-case-control": {"reverse_key": "reverse_causation.prodrome_sun_loss",
                            "label": "biobank nested case-control (US)"},
    "cohort": {"reverse_key": "reverse_causation.prodrome_sun_loss",
               "label": "prospective cohort"},
    "hospital-case-control": {"reverse_key": "reverse_causation.onset_sun_loss",
                              "label": "hospital case-control"},
}


# ------------------------------------------------------------------ E-value
def e_value(ratio: float) -> float:
    """E-value of a ratio read as a risk ratio (MS is rare, so an OR or HR is one):
    :func:`simlib.bias.e_value_rr`.

    Examples
    --------
    >>> round(e_value(3.9), 2)  # VanderWeele & Ding 2017, their worked example
    7.26
    """
    return bias_tools.e_value_rr(ratio)


def e_value_ci(ci_low: float, ci_high: float) -> float:
    """E-value of a confidence interval: of the limit closest to 1, or 1 if it includes 1
    (:func:`simlib.bias.e_value`)."""
    if not 0 < ci_low <= ci_high < math.inf:
        raise ParameterError(f"CI ({ci_low!r}, {ci_high!r}) is not allowed: use "
                             "0 < low <= high")
    return bias_tools.e_value_interval(ci_low, ci_high)


def confounder_needed(ratio: float, rr_exposure_confounder) -> np.ndarray:
    """Confounder-outcome risk ratio needed, with a given exposure-confounder ratio, to
    explain away ``ratio`` (Ding & VanderWeele 2016 bias factor).

    Solves ``RR_EU x RR_UD / (RR_EU + RR_UD - 1) = RR`` (``RR`` >= 1, the inverse of a
    protective ratio) for ``RR_UD``; infinite where ``RR_EU <= RR`` (no strength suffices).
    """
    target = 1.0 / ratio if ratio < 1 else ratio
    rr_eu = np.asarray(rr_exposure_confounder, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = target * (rr_eu - 1.0) / (rr_eu - target)
    return np.where(rr_eu > target, needed, np.inf)


def plot_e_value(ratio: float, ci_limit: float | None = None, ax=None, top: float = 8.0):
    """The E-value picture: confounder strengths that explain away an estimate and its CI.

    Every (RR_EU, RR_UD) above a curve would explain the estimate away; the E-value is where
    the curve meets the diagonal (equal strengths).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else plt.subplots(figsize=(5.0, 4.4))[1]
    grid = np.linspace(1.0, top, 400)
    for value, colour, name in ((ratio, "black", "estimate"), (ci_limit, "0.5", "CI limit")):
        if value is None or math.isclose(value, 1.0):
            continue
        ax.plot(grid, confounder_needed(value, grid), color=colour, lw=2,
                label=f"explains away the {name} {value:.2f}")
        point = e_value(value)
        ax.plot(point, point, "o", color=colour, ms=7)
        ax.annotate(f"E-value {point:.2f}", (point, point), xytext=(8, -4),
                    textcoords="offset points", fontsize="small", color=colour)
    ax.plot([1, top], [1, top], color="0.8", lw=0.8, ls="--")
    ax.set(xlim=(1, top), ylim=(1, top), xlabel="confounder-exposure risk ratio (RR$_{EU}$)",
           ylabel="confounder-MS risk ratio (RR$_{UD}$)",
           title="How strong a confounder must be (E-value)")
    ax.legend(fontsize="small", loc="upper right")
    return ax


# ------------------------------------------------------------ published figures
def published_estimates() -> pd.DataFrame:
    """The published observational estimates per +50 nmol/L (``data/published``).

    Returns
    -------
    pandas.DataFrame
        Indexed by figure id: ``label``, ``ratio``, ``ci_low``, ``ci_high`` (per +50 nmol/L),
        ``log_ratio`` and ``log_low``, ``log_high`` (log ratio per +50 nmol/L), ``citation``.
    """
    table = published_figures().loc[list(PUBLISHED_IDS)]
    out = pd.DataFrame({
        "label": ["Munger 2006 (US military, NCC)", "Munger 2017 (Finnish maternity, NCC)"],
        "ratio": table["value"].astype(float).to_numpy(),
        "ci_low": table["ci_low"].astype(float).to_numpy(),
        "ci_high": table["ci_high"].astype(float).to_numpy(),
        "citation": table["citation"].to_numpy()}, index=table.index)
    for column, new in (("ratio", "log_ratio"), ("ci_low", "log_low"), ("ci_high", "log_high")):
        out[new] = np.log(out[column])
    return out


def per_50(table: pd.DataFrame) -> pd.DataFrame:
    """A replicate or sweep table rescaled from log ratio per 25 nmol/L to per 50 nmol/L."""
    out = table.copy()
    factor = PER_NMOL / LIBRARY_PER_NMOL
    for column in ("estimand_value", "estimate", "se", "ci_low", "ci_high"):
        out[column] = out[column] * factor
    out["scale"] = out["scale"].str.replace("per 25 nmol/L", "per 50 nmol/L", regex=False)
    return out


# -------------------------------------------------------------------- sweeps
def bias_grid(design: str, scenario: Scenario, confounding=CONFOUNDING_LEVELS,
              reverse=REVERSE_LEVELS) -> dict:
    """The sweep grid of a design: confounding and reverse-causation strengths as values.

    Levels are turned into parameter values of ``scenario`` (the null world): the latitude
    HR is ``default ** level`` (a share of its log), the sun loss ``default x level``.
    """
    latitude = scenario.get(CONFOUNDING_KEY)
    reverse_key = DESIGNS[design]["reverse_key"]
    loss = scenario.get(reverse_key)
    return {CONFOUNDING_KEY: [round(latitude ** level, 3) for level in confounding],
            reverse_key: [round(min(loss * level, 1.0), 3) for level in reverse]}


def run_bias_sweeps(scenario: Scenario, options: dict, reps, seed: int,
                    workers: int = 2, progress: bool = False) -> pd.DataFrame:
    """Sweep confounding x reverse causation for each design in ``options`` (one table).

    Parameters
    ----------
    scenario : Scenario
        The world (the null world: every estimate away from 0 is bias).
    options : dict
        ``{design name: design options}`` (e.g. ``{"cohort": {"population": 1_000_000}}``).
    reps : int or dict
        Replicates per grid point, or ``{design name: replicates}``.
    seed : int
        The same seed at every point and design (common random numbers).
    workers : int
        Processes shared by all the sweeps (at most 2 on a shared machine).

    Returns
    -------
    pandas.DataFrame
        The sweep tables, with ``confounding_level`` and ``reverse_level`` columns and
        ``reverse_value`` (the value of the design's reverse-causation key).
    """
    tables = []
    pool = cf.ProcessPoolExecutor(workers, initializer=init_worker) if workers > 1 else None
    try:
        for design, design_options in options.items():
            grid = bias_grid(design, scenario)
            design_reps = reps[design] if isinstance(reps, dict) else reps
            table = sweep(scenario, design, grid, reps=design_reps, seed=seed,
                          options=design_options,
                          executor=pool, workers=workers, chunk=1, progress=progress)
            tables.append(_with_levels(table, design, grid))
    finally:
        if pool is not None:
            pool.shutdown()
    return pd.concat(tables, ignore_index=True)


def _with_levels(table: pd.DataFrame, design: str, grid: dict) -> pd.DataFrame:
    reverse_key = DESIGNS[design]["reverse_key"]
    table = table.rename(columns={reverse_key: "reverse_value"})
    table["confounding_level"] = table[CONFOUNDING_KEY].map(
        dict(zip(grid[CONFOUNDING_KEY], CONFOUNDING_LEVELS, strict=True)))
    table["reverse_level"] = table["reverse_value"].map(
        dict(zip(grid[reverse_key], REVERSE_LEVELS, strict=True)))
    return table


def sweep_summary(table: pd.DataFrame, published_id: str = "munger2006_or50") -> pd.DataFrame:
    """Mean estimate per design and grid point, per +50 nmol/L, beside a published figure.

    Returns
    -------
    pandas.DataFrame
        One row per (design, confounding level, reverse level): the grid values,
        ``ratio`` (exp of the mean log ratio per 50 nmol/L), ``log_ratio``, ``model_se``
        (root mean square model SE: the typical SE of one study), ``mcse`` (Monte Carlo SE
        of the mean, ``model_se / sqrt(reps)``: stable with the few replicates a notebook
        affords, unlike the empirical SD of 2 values), ``truth`` (0 on the log scale in the
        null world), ``reps``, ``n_failed``, ``n_cases`` (mean) and ``within_ci`` (the
        mean estimate lies inside the published 95% CI).
    """
    published = published_estimates().loc[published_id]
    keys = ["design", "confounding_level", "reverse_level", CONFOUNDING_KEY, "reverse_value"]
    diag = diagnose(per_50(table), by=keys)
    cases = table.groupby(keys[:3])["n_cases"].mean().rename("n_cases").reset_index()
    out = diag[keys].assign(log_ratio=diag["mean_estimate"],
                            mcse=diag["model_se"] / np.sqrt(diag["n_used"]),
                            model_se=diag["model_se"], truth=diag["estimand_value"],
                            reps=diag["n_used"], n_failed=diag["n_failed"])
    out["ratio"] = np.exp(out["log_ratio"])
    out["within_ci"] = out["ratio"].between(published["ci_low"], published["ci_high"])
    return out.merge(cases, on=keys[:3])


def bias_heatmaps(table: pd.DataFrame, summary: pd.DataFrame,
                  published_id: str = "munger2006_or50"):
    """One ``plots.sweep_plot`` heatmap of bias per design (log ratio per 50 nmol/L).

    The colour scale is centred on the truth (bias 0); cells whose mean estimate lies
    inside the published 95% CI are outlined in black.

    Returns
    -------
    matplotlib.figure.Figure
    """
    designs = list(dict.fromkeys(table["design"]))
    fig, axes = plt.subplots(1, len(designs), figsize=(5.2 * len(designs), 3.9))
    for ax, design in zip(np.atleast_1d(axes), designs, strict=True):
        rows = per_50(table[table["design"] == design])
        sweep_plot(rows, [CONFOUNDING_KEY, "reverse_value"], ax=ax, measure="bias")
        inside = summary[(summary["design"] == design) & summary["within_ci"]]
        values = sorted(rows[CONFOUNDING_KEY].unique()), sorted(rows["reverse_value"].unique())
        for _, cell in inside.iterrows():
            x, y = values[0].index(cell[CONFOUNDING_KEY]), values[1].index(cell["reverse_value"])
            ax.add_patch(plt.Rectangle((x - 0.47, y - 0.47), 0.94, 0.94, fill=False, lw=2.2,
                                       ec="black"))
        ax.set(xlabel="latitude HR per 10 degrees (confounding)",
               ylabel=DESIGNS[design]["reverse_key"].split(".")[1] + " (share)",
               title=DESIGNS[design]["label"])
    label = published_estimates().loc[published_id, "label"]
    fig.suptitle(f"Bias in the null world (truth 0); outlined: inside the 95% CI of {label}",
                 fontsize="medium")
    fig.tight_layout()
    return fig


def plot_bias_lines(summary: pd.DataFrame):
    """Mean OR per +50 nmol/L against reverse-causation strength, per design and confounding.

    Lines: confounding levels; shaded band and line: Munger 2006 (95% CI); dashed line:
    Munger 2017; red line: the truth (OR 1, the null world). Bars: +-1.96 Monte Carlo SE.

    Returns
    -------
    matplotlib.figure.Figure
    """
    designs = list(dict.fromkeys(summary["design"]))
    fig, axes = plt.subplots(1, len(designs), figsize=(4.4 * len(designs), 4.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, design in zip(axes, designs, strict=True):
        _published_lines(ax)
        _bias_lines(ax, summary[summary["design"] == design])
        ax.set(yscale="log", title=DESIGNS[design]["label"],
               xlabel=DESIGNS[design]["reverse_key"].split(".")[1] + " (share of sun 25(OH)D)")
    _ratio_ticks(axes, summary)
    axes[0].set_ylabel("mean OR per +50 nmol/L (log scale)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def _published_lines(ax) -> None:
    """Munger 2006 (line and 95% CI band), Munger 2017 (dashed) and the truth (red, OR 1)."""
    published = published_estimates()
    first, second = published.iloc[0], published.iloc[1]
    ax.axhspan(first["ci_low"], first["ci_high"], color="0.88", zorder=0,
               label=f"{first['label']}: OR {first['ratio']:.2f}, 95% CI")
    ax.axhline(first["ratio"], color="0.35", lw=1.2)
    ax.axhline(second["ratio"], color="0.35", lw=1.0, ls="--",
               label=f"{second['label']}: {second['ratio']:.2f}")
    ax.axhline(1.0, color=TRUTH, lw=2, label="truth in the null world: OR 1")


def _ratio_ticks(axes, summary: pd.DataFrame) -> None:
    """Shared log-scale limits covering every bar, with plain ratio ticks."""
    bars = 1.96 * summary["mcse"].fillna(0.0)
    bottom = min(0.3, 0.9 * float(np.exp((summary["log_ratio"] - bars).min())))
    top = max(1.4, 1.1 * float(np.exp((summary["log_ratio"] + bars).max())))
    ticks = [t for t in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)
             if bottom <= t <= top]
    for ax in axes:
        ax.set_ylim(bottom, top)
        ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
        ax.minorticks_off()


def _bias_lines(ax, rows: pd.DataFrame) -> None:
    for index, (_, line) in enumerate(rows.groupby("confounding_level")):
        line = line.sort_values("reverse_value")
        bars = 1.96 * line["mcse"].fillna(0.0).to_numpy()
        low, high = np.exp(line["log_ratio"] - bars), np.exp(line["log_ratio"] + bars)
        ratio = line["ratio"].to_numpy()
        ax.errorbar(line["reverse_value"], ratio, yerr=[ratio - low, high - ratio], fmt="o-",
                    color=f"C{index}", capsize=3, lw=1.5,
                    label=f"latitude HR {line[CONFOUNDING_KEY].iloc[0]:g} per 10 degrees "
                          "(± 1.96 MCSE)")


def rerun_point(scenario: Scenario, design: str, values: dict, options: dict, reps: int,
                seed: int) -> dict:
    """Replicate one design in ``scenario`` with ``values`` changed, on the published scale.

    Returns
    -------
    dict
        ``ratio`` (exp of the mean log ratio per +50 nmol/L), ``log_ratio``, ``model_se``
        (one study's SE), ``mcse`` (``model_se / sqrt(reps)``) and ``n_cases`` (mean).
    """
    table = replicate(scenario.with_values(values), design, reps=reps, seed=seed,
                      options=options, workers=1, progress=False)
    row = diagnose(per_50(table)).iloc[0]
    return {"ratio": float(np.exp(row["mean_estimate"])), "log_ratio": row["mean_estimate"],
            "model_se": row["model_se"], "mcse": row["model_se"] / np.sqrt(row["n_used"]),
            "n_cases": float(table["n_cases"].mean())}


def null_significance_chance(log_ratio: float, se: float) -> float:
    """Chance that one study finds a 'significant' protective association (two-sided 5%).

    With a mean log ratio ``log_ratio`` (the bias, in the null world) and a standard error
    ``se``, a study's estimate is about normal: P(estimate < -1.96 se) =
    Phi(-1.96 - log_ratio / se).
    """
    if not se > 0:
        raise ParameterError(f"se = {se!r} is not allowed: use a positive standard error")
    return float(norm.cdf(-1.959963984540054 - log_ratio / se))


def nearest_cell(summary: pd.DataFrame, confounding_level: float,
                 reverse_level: float) -> pd.DataFrame:
    """The rows (one per design) of the grid point nearest to the requested levels."""
    conf = min(CONFOUNDING_LEVELS, key=lambda v: abs(v - confounding_level))
    rev = min(REVERSE_LEVELS, key=lambda v: abs(v - reverse_level))
    return summary[(summary["confounding_level"] == conf) & (summary["reverse_level"] == rev)]


def cell_figure(summary: pd.DataFrame, confounding_level: float, reverse_level: float,
                observed_ratio: float, ci_upper: float):
    """Widget figure: the designs at one grid point beside the published estimates, and the
    E-value picture of an observed ratio and its upper CI limit.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cell = nearest_cell(summary, confounding_level, reverse_level)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 4.2),
                                      gridspec_kw={"width_ratios": [1.5, 1]})
    half = 1.96 * cell["model_se"]
    rows = pd.DataFrame({
        "label": [f"{DESIGNS[d]['label']} ({c:.0f} cases)"
                  for d, c in zip(cell["design"], cell["n_cases"], strict=True)],
        "estimate": cell["log_ratio"], "ci_low": cell["log_ratio"] - half,
        "ci_high": cell["log_ratio"] + half, "estimand_value": cell["truth"]})
    published = published_estimates()
    rows = pd.concat([rows, pd.DataFrame({
        "label": published["label"], "estimate": published["log_ratio"],
        "ci_low": published["log_low"], "ci_high": published["log_high"]})],
        ignore_index=True).assign(scale="log OR per 50 nmol/L")
    forest_plot(rows, ax=left, interval_label="mean estimate; 95% CI of one study")
    first = cell.iloc[0]
    left.set_title(f"null world, latitude HR {first[CONFOUNDING_KEY]:g} per 10 deg, "
                   f"reverse causation x{first['reverse_level']:g}", fontsize="medium")
    ci_upper = max(ci_upper, observed_ratio)
    plot_e_value(observed_ratio, ci_upper if ci_upper < 1 else None, ax=right)
    fig.tight_layout()
    return fig

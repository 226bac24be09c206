"""Figures of notebook 05 (the biobank nested case-control): timing of the draw, lag curves.

Every function returns its figure or axes, with the truth drawn and axes labelled with
units; the tables come from :mod:`simlib.experiments.biobank`.

References
----------
Munger KL et al. Serum 25-hydroxyvitamin D levels and risk of multiple sclerosis.
JAMA 2006;296:2832-8.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plots import TRUTH
from .biobank import summarise_grid

STATUS_COLOURS = {"healthy at the draw": "#9ecae1", "in the prodrome at the draw": "#fd8d3c",
                  "MS onset before the draw": "#a50f15"}
WORLD_COLOURS = {"null": "#1f77b4", "causal": "#2ca02c"}


def plot_draw_timing(cases: pd.DataFrame, before_after: pd.DataFrame, lags=(2.0, 5.0)):
    """Left: years from draw to diagnosis, by the case's state at the draw. Right: means.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=(1.5, 1))
    bins = np.arange(0, np.ceil(cases["years_to_diagnosis"].max()) + 1)
    stacks = [cases.loc[cases["status"] == s, "years_to_diagnosis"] for s in STATUS_COLOURS]
    left.hist(stacks, bins=bins, stacked=True, color=list(STATUS_COLOURS.values()),
              label=list(STATUS_COLOURS), edgecolor="white", linewidth=0.5)
    for lag in lags:
        left.axvline(lag, color="0.3", ls="--", lw=1)
        left.text(lag, 0.98, f" lag {lag:g} y", transform=left.get_xaxis_transform(),
                  va="top", fontsize="small")
    left.set(xlabel="years from the stored draw to diagnosis", ylabel="cases",
             title="Future cases: where were they when bled?")
    left.legend(fontsize="small", loc="upper right", bbox_to_anchor=(1.0, 0.9))
    y = np.arange(len(before_after))[::-1]
    right.barh(y, before_after["mean_nmol"], color=["#fd8d3c", "#756bb1", "#9ecae1"])
    for position, value in zip(y, before_after["mean_nmol"], strict=True):
        right.text(value, position, f" {value:.1f}", va="center", fontsize="small")
    right.set_yticks(y, labels=[s.replace(": ", ":\n") for s in before_after["sample"]],
                     fontsize="small")
    right.set(xlabel="mean measured 25(OH)D (nmol/L)", title="Before vs after diagnosis",
              xlim=(0, 1.25 * before_after["mean_nmol"].max()))
    fig.tight_layout()
    return fig


def _world_curve(ax, rows, single, colour, label, offset):
    """Mean over repositories (+- 1.96 MCSE) and each repository's estimate (dots)."""
    rows = rows.sort_values("lag_years")
    x = rows["lag_years"].to_numpy(float) + offset
    mean = np.exp(rows["mean_estimate"].to_numpy(float))
    half = 1.96 * rows["mcse"].fillna(0.0).to_numpy(float)
    ax.errorbar(x, mean, yerr=[mean - mean * np.exp(-half), mean * np.exp(half) - mean],
                fmt="o-", color=colour, capsize=3, ms=6, lw=1.8,
                label=f"{label} world: mean of repositories (± 1.96 MCSE)")
    ax.scatter(single["lag_years"].to_numpy(float) + offset,
               np.exp(single["estimate"].to_numpy(float)), s=9, color=colour, alpha=0.35,
               label=f"{label} world: one repository each")
    truth = np.exp(rows["estimand_value"].iloc[0])
    ax.axhline(truth, color=colour, ls=":", lw=1.5)
    ax.text(1.0, truth, f" truth {label}\n {truth:.2f}", color=colour, va="center",
            fontsize="small", transform=ax.get_yaxis_transform())


def plot_lag_estimates(grid: pd.DataFrame, prodrome_sun_loss: float, munger: dict,
                       highlight_lag: float | None = None, ax=None):
    """Odds ratio per +25 nmol/L against the lag exclusion, null vs causal world.

    Each world's truth (the study's estimand, a hazard ratio) is a dotted line in its
    colour; Munger 2006's published OR (rescaled to per 25 nmol/L) is the grey band.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`lag_prodrome_grid` (one row per repository).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        ax = plt.subplots(figsize=(8, 4.5))[1]
    chosen = grid[np.isclose(grid["prodrome_sun_loss"], prodrome_sun_loss)]
    summary = summarise_grid(chosen)
    for k, (name, part) in enumerate(summary.groupby("world", sort=False)):
        single = chosen[(chosen["world"] == name) & chosen["converged"]]
        _world_curve(ax, part, single, WORLD_COLOURS.get(name, f"C{k + 2}"), name,
                     0.1 * (2 * k - 1))
    ax.axhspan(munger["ci_low"], munger["ci_high"], color="0.85", zorder=0,
               label=f"Munger 2006: OR {munger['odds_ratio']:.2f} "
                     f"({munger['ci_low']:.2f}-{munger['ci_high']:.2f}) per 25 nmol/L")
    ax.axhline(munger["odds_ratio"], color="0.6", ls="--", lw=1, zorder=0)
    ax.axhline(1.0, color="0.5", lw=0.8)
    if highlight_lag is not None:
        ax.axvline(highlight_lag, color=TRUTH, lw=6, alpha=0.15)
    _ratio_axis(ax, "y")
    ax.set(xlabel="lag exclusion: cases diagnosed within this many years of the draw "
                  "dropped (years)",
           ylabel="odds ratio per +25 nmol/L (log scale)",
           title=f"Biobank nested case-control, prodrome sun loss {prodrome_sun_loss:.0%}")
    ax.legend(fontsize="x-small", loc="lower left", ncol=2)
    return ax


def draw_lag_panel(grid: pd.DataFrame, munger: dict, lag_years: float,
                   prodrome_sun_loss: float):
    """The slider panel's figure: select a lag and prodrome strength from the grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), width_ratios=(1.6, 1))
    prodrome = _nearest(grid["prodrome_sun_loss"], prodrome_sun_loss)
    lag = _nearest(grid["lag_years"], lag_years)
    plot_lag_estimates(grid, prodrome, munger, highlight_lag=lag, ax=left)
    chosen = grid[np.isclose(grid["prodrome_sun_loss"], prodrome)
                  & np.isclose(grid["lag_years"], lag)]
    _bias_bars(right, chosen)
    right.set_title(f"lag {lag:g} y, prodrome sun loss {prodrome:.0%}")
    fig.tight_layout()
    return fig


def _bias_bars(ax, chosen):
    """Each repository's estimate (95% CI) and the truth, per world."""
    worlds = list(dict.fromkeys(chosen["world"]))
    for w, world in enumerate(worlds):
        rows = chosen[(chosen["world"] == world) & chosen["converged"]]
        y = len(worlds) - 1 - w + np.linspace(-0.25, 0.25, max(len(rows), 1))[:len(rows)]
        ratio, low, high = (np.exp(rows[c].to_numpy(float)) for c in ("estimate", "ci_low",
                                                                      "ci_high"))
        ax.errorbar(ratio, y, xerr=[ratio - low, high - ratio], fmt="o", ms=5, capsize=2,
                    color=WORLD_COLOURS.get(world, "0.3"))
        truth = np.exp(rows["estimand_value"].mean()) if len(rows) else np.nan
        ax.plot([truth] * 2, [y.min() - 0.15, y.max() + 0.15] if len(rows) else [0, 0],
                color=TRUTH, lw=3, label="truth" if w == 0 else None)
        ax.text(0.4, len(worlds) - 1 - w + 0.36,
                f"mean OR {np.exp(rows['estimate'].mean()):.2f}, "
                f"{rows['n_cases'].mean():.0f} cases each", ha="left", fontsize="small")
    ax.axvline(1.0, color="0.5", lw=0.8)
    ax.set_yticks(range(len(worlds))[::-1], labels=[f"{w} world\n(one row per\nrepository)"
                                                    for w in worlds])
    ax.set(xlabel="odds ratio per +25 nmol/L, 95% CI (log scale)",
           ylim=(-0.5, len(worlds) - 0.4))
    _ratio_axis(ax, "x", 0.38, 1.7)
    ax.legend(fontsize="small", loc="lower right")


def _ratio_axis(ax, which, low=0.45, high=1.35):
    """A log axis from ``low`` to ``high`` with ratio ticks."""
    ticks = [t for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5) if low <= t <= high]
    labels = [f"{t:g}" for t in ticks]
    if which == "y":
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_yticks(ticks, labels=labels)
    else:
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_xticks(ticks, labels=labels)
    ax.minorticks_off()


def _nearest(values, wanted):
    values = np.unique(np.asarray(values, dtype=float))
    return float(values[np.argmin(np.abs(values - wanted))])

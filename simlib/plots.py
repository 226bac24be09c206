"""Plots for teaching: estimates beside the truth, Monte Carlo sweeps and the world's DAG.

Every plotting function takes ``ax=None`` (a new pyplot figure if None) and returns the
axes; none changes global matplotlib state (no ``rcParams``, no styles). Axes carry units
and the truth is drawn beside every estimate. :func:`save` writes a PNG and closes it.

Examples
--------
>>> from simlib import load_scenario
>>> from simlib.montecarlo import replicate
>>> table = replicate(load_scenario("causal"), "cohort", 200, seed=1)  # doctest: +SKIP
>>> save(sampling_distribution(table), "cohort.png")  # doctest: +SKIP
"""

from __future__ import annotations

import numbers
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .dag import TEACHING_NODES, _new_axes, dag_plot  # noqa: F401  (plotting API)
from .diagnosis import diagnose
from .errors import ParameterError, SimlibError

TRUTH = "#d62728"  # colour of the truth in every plot
MEASURES = ("mean_estimate", "bias", "relative_bias", "empirical_se", "model_se", "rmse",
            "coverage", "power")
REFERENCE = {"bias": (0.0, "truth (no bias)"), "relative_bias": (0.0, "truth (no bias)"),
             "coverage": (0.95, "nominal 95%")}
RATIO_TICKS = ((0.5, 0.67, 1, 1.5, 2), (0.5, 0.67, 0.8, 1, 1.25, 1.5, 2),
               (0.8, 0.9, 1, 1.1, 1.25), (0.9, 0.95, 1, 1.05, 1.1))  # if few powers of 2
def _scale(frame) -> str:
    """The table's ``scale`` text; ``"log ratio (see each row)"`` when rows differ."""
    if "scale" not in frame:
        return ""
    scales = [v for v in frame["scale"].dropna().astype(str).unique() if v]
    if len(scales) > 1:
        return "log ratio (each row on its own estimand's scale)" \
            if all(v.startswith("log") for v in scales) else "estimate (see each row)"
    return scales[0] if scales else ""


def _tick(value) -> str:
    """A grid value as a tick label: ``100,000``, ``1.5``, ``True``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


# ----------------------------------------------------------------- forest plots
def forest_plot(rows: pd.DataFrame, ax=None, truth: float | None = None,
                label_column: str = "label", log_scale: bool = True, *,
                interval_label: str = "estimate (95% CI)"):
    """Forest plot: one estimate and 95% CI per row (first row on top) beside the truth.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``label`` (see ``label_column``), ``estimate``, ``ci_low``, ``ci_high`` on the
        estimate's scale (log OR/HR/RR), optionally ``estimand_value`` (each row's truth)
        and ``scale`` (e.g. ``"log OR per 25 nmol/L"``). NaN estimates (failed fits) are
        shown as "not estimable".
    ax : matplotlib.axes.Axes, optional
    truth : float, optional
        A common truth (estimate's scale) drawn as a vertical line. By default
        ``estimand_value``: a line if all rows share it, else a marker per row.
    label_column : str
        Column of row labels.
    log_scale : bool
        Plot ``exp()`` of everything on a log axis with ratio ticks (0.25, 0.5, 1, 2, 4).
    interval_label : str
        Legend text of the intervals.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = rows.reset_index(drop=True)
    ax = _new_axes(ax, (6.4, 1.6 + 0.4 * len(rows)))
    show = np.exp if log_scale else np.asarray
    y = np.arange(len(rows))[::-1].astype(float)
    estimate, low, high = (rows[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    ok = np.isfinite(estimate)
    if ok.any():
        x = show(estimate[ok])
        ax.errorbar(x, y[ok], xerr=np.clip([x - show(low[ok]), show(high[ok]) - x], 0, None),
                    fmt="s", color="black", ms=5, capsize=3, label=interval_label, zorder=3)
    for position in y[~ok]:
        ax.text(0.5, position, "not estimable", transform=ax.get_yaxis_transform(),
                ha="center", va="center", color="0.35", style="italic", zorder=4,
                bbox={"fc": "white", "ec": "0.8", "boxstyle": "round"})
    span = [-0.7, len(rows) - 0.45]  # vertical lines stop below the legend's band
    truths = _forest_truths(ax, rows, y, truth, show, span)
    ax.plot([show(0.0)] * 2, span, color="0.6", lw=0.8, zorder=0, label="no effect")
    ax.set_yticks(y, labels=rows[label_column].astype(str))
    ax.set_ylim(-0.7, len(rows) + 0.4)
    scale = _scale(rows)
    if log_scale:
        _ratio_axis(ax, np.concatenate([estimate, low, high, truths]))
        ratio = scale[4:] if scale.startswith("log ") else f"exp({scale})" if scale else "ratio"
        scale = f"{ratio} (log scale)"
    ax.set_xlabel(scale or "estimate")
    ax.legend(fontsize="small", loc="upper center", ncol=3, framealpha=1, edgecolor="none")
    return ax


def _forest_truths(ax, rows, y, truth, show, span) -> np.ndarray:
    """Draw the truth: one line if common, else a marker per row; return the truths."""
    values = rows.get("estimand_value", pd.Series(np.nan, rows.index)).to_numpy(float)
    known = np.isfinite(values)
    distinct = np.unique(values[known])
    common = truth if truth is not None else (distinct[0] if len(distinct) == 1 else None)
    if common is not None:
        ax.plot([show(common)] * 2, span, color=TRUTH, lw=1.5, label="truth", zorder=2)
    if len(distinct) and (common is None or not np.allclose(distinct, common)):
        ax.plot(show(values[known]), y[known], ls="none", marker="|", ms=18, mew=2.5,
                color=TRUTH, label="truth" if common is None else "truth (per row)", zorder=2)
    return np.append(values, np.nan if common is None else common)


def _ratio_axis(ax, logs) -> None:
    """Log x axis over the finite ``exp(logs)`` and 1, ticks at simple ratios."""
    ratios = np.exp(logs[np.isfinite(logs)])
    low, high = min(ratios.min(initial=1.0), 1.0) / 1.2, max(ratios.max(initial=1.0), 1.0) * 1.2
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    powers = [k for k in range(-12, 13) if low <= 2.0**k <= high]
    step = -(-len(powers) // 9)
    for ticks in ([2.0**k for k in powers if k % step == 0], *RATIO_TICKS):
        ticks = [t for t in ticks if low <= t <= high]
        if len(ticks) >= 3:
            break
    ax.minorticks_off()
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])


def forest_from_diagnosis(diag: pd.DataFrame, ax=None, label_columns=("design", "estimator"),
                          log_scale: bool | None = None):
    """Forest plot of :func:`~simlib.montecarlo.diagnose` groups beside their truth.

    Each row is a group's mean estimate +- 1.96 empirical SE: the sampling interval,
    where 95% of the replicate estimates fall (not a confidence interval).

    Parameters
    ----------
    diag : pandas.DataFrame
        Output of ``diagnose(table, by=...)``.
    ax : matplotlib.axes.Axes, optional
    label_columns : sequence of str
        Columns joined by " / " into the row labels (missing ones skipped).
    log_scale : bool, optional
        As for :func:`forest_plot`; by default, whether the ``scale`` starts with "log".

    Returns
    -------
    matplotlib.axes.Axes
    """
    if diag.empty:
        raise ParameterError("nothing to plot: the diagnosis table has no rows")
    diag = diag.reset_index(drop=True)
    columns = [c for c in label_columns if c in diag]
    labels = ([" / ".join(map(str, row)) for row in diag[columns].itertuples(index=False)]
              if columns else diag.index.astype(str))
    mean, half = diag["mean_estimate"], 1.96 * diag["empirical_se"]
    rows = pd.DataFrame({"label": labels, "estimate": mean, "ci_low": mean - half,
                         "ci_high": mean + half, "estimand_value": diag["estimand_value"],
                         "scale": diag.get("scale", "")})
    if log_scale is None:
        log_scale = _scale(rows).startswith("log ")
    return forest_plot(rows, ax=ax, log_scale=log_scale,
                       interval_label="mean estimate ± 1.96 empirical SE")


# ----------------------------------------------------------------- Monte Carlo
def sampling_distribution(table: pd.DataFrame, ax=None, bins: int = 30):
    """Histogram of the replicate estimates of one design and estimator, with the truth.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.montecarlo.replicate`; failed replicates are left out.
    ax : matplotlib.axes.Axes, optional
    bins : int
        Number of histogram bins.

    Returns
    -------
    matplotlib.axes.Axes
        Truth (mean ``estimand_value``) and mean estimate as vertical lines; bias,
        empirical SE and coverage with their Monte Carlo SEs in a text box.
    """
    for column in ("design", "estimator"):
        if column in table and table[column].nunique() > 1:
            found = ", ".join(map(str, table[column].unique()))
            raise ParameterError(f"table holds several {column}s ({found}): plot one at a "
                                 f"time, e.g. table[table['{column}'] == ...]")
    used = table[table["converged"].astype(bool) & (table["error"].fillna("") == "")]
    if used.empty:
        raise SimlibError("no replicate converged: nothing to plot (see 'error' and 'reason')")
    result = diagnose(table).iloc[0]
    ax = _new_axes(ax, (6.4, 4.2))
    ax.hist(used["estimate"], bins=bins, color="C0", alpha=0.6, edgecolor="white",
            label=f"estimates ({len(used)} replicates)")
    ax.axvline(result["estimand_value"], color=TRUTH, lw=2, label="truth")
    ax.axvline(result["mean_estimate"], color="black", ls="--", lw=1.5, label="mean estimate")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.45)  # room for the text box and legend
    ax.set(xlabel=_scale(table) or "estimate", ylabel="replicates",
           title=" / ".join(str(result[c]) for c in ("design", "estimator") if c in result))
    text = (f"bias {result['bias']:+.3f} (MCSE {result['mcse_bias']:.3f})\n"
            f"empirical SE {result['empirical_se']:.3f} (MCSE {result['mcse_empirical_se']:.3f})"
            f"\ncoverage {result['coverage']:.1%} (MCSE {result['mcse_coverage']:.1%})")
    failed = f"\n{result['n_failed']} failed replicates left out" if result["n_failed"] else ""
    ax.text(0.02, 0.97, text + failed, transform=ax.transAxes, va="top", fontsize="small",
            bbox={"fc": "white", "ec": "0.8", "boxstyle": "round"})
    ax.legend(fontsize="small", loc="upper right")
    return ax


def sweep_plot(table: pd.DataFrame, keys, ax=None, measure: str = "bias"):
    """A performance measure over a sweep: a line for one grid key, a heatmap for two.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.montecarlo.sweep`.
    keys : str or sequence of str
        One or two grid keys (columns of ``table``); the first is the x axis.
    ax : matplotlib.axes.Axes, optional
    measure : str
        A measure of :func:`~simlib.montecarlo.diagnose`: ``bias`` (default),
        ``relative_bias``, ``mean_estimate``, ``empirical_se``, ``model_se``, ``rmse``,
        ``coverage`` or ``power``.

    Returns
    -------
    matplotlib.axes.Axes
        One key: the measure with +-1.96 MCSE bars and its reference (0 for bias, 0.95 for
        coverage, the truth for the mean estimate). Two keys: a heatmap with a colorbar and
        the values in the cells, diverging about 0 (bias) or 0.95 (coverage).
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    if measure not in MEASURES:
        raise ParameterError(f"measure {measure!r} is not allowed: use one of "
                             f"{', '.join(MEASURES)}")
    if len(keys) not in (1, 2) or any(k not in table for k in keys):
        raise ParameterError(f"keys {keys!r} are not allowed: give one or two grid columns of "
                             "the sweep table")
    diag = diagnose(table, by=keys)
    label = {"relative_bias": "relative bias (share of the truth)",
             "coverage": "coverage of 95% CIs (share)", "power": "power (share with p < 0.05)"
             }.get(measure, f"{measure.replace('_', ' ')} ({_scale(table) or 'estimate scale'})")
    if len(keys) == 1:
        return _sweep_line(diag, keys[0], measure, label, ax)
    return _sweep_heatmap(diag, keys, measure, label, ax)


def _sweep_line(diag, key, measure, label, ax):
    diag = diag.sort_values(key).reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(diag[key]) and diag[key].dtype != bool
    x = diag[key].to_numpy(float) if numeric else np.arange(len(diag), dtype=float)
    ax = _new_axes(ax, (6.4, 4.2))
    ax.errorbar(x, diag[measure], yerr=1.96 * diag[f"mcse_{measure}"], fmt="o-",
                color="black", capsize=3, label=f"{measure.replace('_', ' ')} ± 1.96 MCSE")
    if measure == "mean_estimate":
        ax.plot(x, diag["estimand_value"], color=TRUTH, lw=1.5, label="truth")
    elif measure in REFERENCE:
        ax.axhline(REFERENCE[measure][0], color=TRUTH, lw=1.5, label=REFERENCE[measure][1])
    if not numeric:
        ax.set_xticks(x, labels=diag[key].astype(str))
    ax.set(xlabel=key, ylabel=label)
    ax.legend(fontsize="small")
    return ax


def _sweep_heatmap(diag, keys, measure, label, ax):
    grid = diag.pivot(index=keys[1], columns=keys[0], values=measure)
    values = grid.to_numpy(float)
    ax = _new_axes(ax, (2.6 + 0.9 * values.shape[1], 1.4 + 0.5 * values.shape[0]))
    image = ax.imshow(values, origin="lower", aspect="auto", **_colours(measure, values))
    bar = ax.figure.colorbar(image, ax=ax, label=label)
    if measure == "coverage":  # 0.95 sits mid-bar: tick it, thin the ticks below it
        low = image.norm.vmin
        below = matplotlib.ticker.MaxNLocator(4).tick_values(low, 0.95)
        bar.set_ticks([*(t for t in below if low <= t <= 0.95 - 0.2 * (0.95 - low)), 0.95, 1])
    ax.set_xticks(range(values.shape[1]), labels=map(_tick, grid.columns))
    ax.set_yticks(range(values.shape[0]), labels=map(_tick, grid.index))
    for (row, column), value in np.ndenumerate(values):
        red, green, blue, _ = image.cmap(image.norm(value)) if np.isfinite(value) else (1,) * 4
        ink = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"
        ax.text(column, row, f"{value:.3g}" if np.isfinite(value) else "n/a", ha="center",
                va="center", color=ink, fontsize="small")
    ax.set(xlabel=keys[0], ylabel=keys[1])
    return ax


def _colours(measure, values) -> dict:
    """Colour map and norm: diverging about the reference for bias and coverage."""
    finite = values[np.isfinite(values)]
    if measure in ("bias", "relative_bias"):
        limit = float(np.abs(finite).max(initial=0.0)) or 1.0
        return {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit}
    if measure == "coverage":
        low = min(float(finite.min(initial=0.9)), 0.9)
        return {"cmap": "RdBu", "norm": matplotlib.colors.TwoSlopeNorm(0.95, low, 1.0)}
    return {"cmap": "viridis"}


# ----------------------------------------------------------------- the DAG
def save(fig_or_ax, path) -> Path:
    """Save a figure (or an axes' figure) as a PNG at 150 dpi, tight, and close it.

    Parameters
    ----------
    fig_or_ax : matplotlib.figure.Figure or matplotlib.axes.Axes
    path : str or os.PathLike
        The ``.png`` file to write.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib.pyplot as plt

    figure = fig_or_ax if isinstance(fig_or_ax, Figure) else fig_or_ax.figure
    figure.savefig(path, dpi=150, bbox_inches="tight", format="png")
    plt.close(figure)
    return Path(path)

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

import itertools
import numbers
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.path import Path as Curve

from .errors import ModelError, ParameterError, SimlibError, nearest
from .montecarlo import diagnose

TRUTH = "#d62728"  # colour of the truth in every plot
MEASURES = ("mean_estimate", "bias", "relative_bias", "empirical_se", "model_se", "rmse",
            "coverage", "power")
REFERENCE = {"bias": (0.0, "truth (no bias)"), "relative_bias": (0.0, "truth (no bias)"),
             "coverage": (0.95, "nominal 95%")}
RATIO_TICKS = ((0.5, 0.67, 1, 1.5, 2), (0.5, 0.67, 0.8, 1, 1.25, 1.5, 2),
               (0.8, 0.9, 1, 1.1, 1.25), (0.9, 0.95, 1, 1.05, 1.1))  # if few powers of 2
DUMMY = 0.35  # height of an edge's waypoint slot in a DAG layer, in node heights
BEND = 0.38  # half-width of an arrow's straight run in a layer it crosses, in layers

#: Key nodes of the world for a readable teaching DAG (``dag_plot(..., collapse=True)``).
TEACHING_NODES = (
    "region_id", "latitude_deg", "ancestry_north", "hla_drb1_1501", "vitd_gene_score_nmol",
    "health_consciousness", "outdoor_propensity", "uvb_dose", "adolescent_bmi", "obese",
    "smoker", "ebv_infected", "infectious_mononucleosis", "supplement_iu", "vitd_mean_nmol",
    "ms_log_hazard_ratio", "ms_onset_age", "prodrome_start_age", "diagnosis_age",
    "post_dx_supplement_iu", "vitd_survey_nmol",
)


def _new_axes(ax, figsize):
    """``ax``, or the axes of a new pyplot figure ``figsize`` inches large."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _scale(frame) -> str:
    """The non-empty ``scale`` texts of a table, joined (``""`` if none)."""
    if "scale" not in frame:
        return ""
    return ", ".join(v for v in frame["scale"].dropna().astype(str).unique() if v)


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
    diag = diag.reset_index(drop=True)
    columns = [c for c in label_columns if c in diag]
    labels = diag[columns].astype(str).agg(" / ".join, axis=1) if columns else diag.index
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
def dag_plot(model, ax=None, nodes=None, highlight=(), *, collapse: bool = False):
    """Draw a model's causal graph in layers, left to right.

    A node's layer is the longest path to it from a root; a root sits one layer before
    its first child. Arrows leave a box on the right and enter on the left, running level
    through the layers they cross, in slots of their own.

    Parameters
    ----------
    model : simlib.scm.Model
    ax : matplotlib.axes.Axes, optional
        If None, a new figure whose width grows with the number of layers.
    nodes : iterable of str, optional
        Draw only these nodes (e.g. :data:`TEACHING_NODES`); all if None.
    highlight : iterable of str
        Nodes drawn in another colour (e.g. exposure and outcome).
    collapse : bool
        With ``nodes``: draw ``a -> b`` when ``b`` is reachable from ``a`` through
        unselected nodes only, so causal paths survive. Otherwise only edges between
        selected nodes are drawn.

    Returns
    -------
    matplotlib.axes.Axes
        One text per node, one annotation (arrow) per edge; no ticks or frame.
    """
    chosen = _chosen(model, nodes)
    edges = (_collapsed_edges(model, chosen) if collapse and nodes is not None else
             [(p, c) for p, c in model.edges() if p in chosen and c in chosen])
    place, routes = _layout(chosen, edges)
    layers = 1 + max(x for x, _ in place.values())
    stops = [*place.values(), *itertools.chain(*routes.values())]
    tallest = 1 + 2 * max(abs(y) for _, y in stops)
    size = 7 if len(chosen) > 25 else 9
    column = 0.7 + 0.0085 * size * max(map(len, chosen))  # inches: the widest box and a gap
    ax = _new_axes(ax, (max(3.0, column * layers), max(1.5, 0.45 * tallest)))
    marked = set(_chosen(model, highlight))
    boxes = {name: ax.text(x, y, name, ha="center", va="center", fontsize=size, zorder=3,
                           weight="bold" if name in marked else "normal",
                           bbox={"boxstyle": "round,pad=0.3", "ec": "0.5",
                                 "fc": "#fdae6b" if name in marked else "#deebf7"})
             for name, (x, y) in place.items()}
    for (parent, child), waypoints in routes.items():
        (x0, y0), (x1, y1) = place[parent], place[child]
        points = [(x0 + 0.5 - BEND, y0), *[(x + side, y) for x, y in waypoints
                                            for side in (BEND - 0.5, 0.5 - BEND)],
                  (x1 - 0.5 + BEND, y1)]
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[child], xytext=(1, 0.5),
                    textcoords=boxes[parent], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "lw": 0.7, "shrinkA": 4,
                                "shrinkB": 4, "mutation_scale": 9,
                                "connectionstyle": _Route(points, ax.transData)})
    ax.set(xlim=(-0.6, layers - 0.4), ylim=(-tallest / 2, tallest / 2))
    ax.set_axis_off()
    return ax


class _Route:
    """Connection style of an arrow from A through ``points`` (data coordinates) to B.

    Between stops, a cubic Bezier with horizontal tangents: level along a layer, an
    S-bend between layers. Matplotlib calls it in display coordinates at draw time.
    """

    def __init__(self, points, transform):
        self.points, self.transform = np.reshape(points, (-1, 2)), transform

    def __call__(self, pos_a, pos_b, patchA=None, patchB=None, shrinkA=0.0, shrinkB=0.0):
        start, end = (pos_a[0] + shrinkA, pos_a[1]), (pos_b[0] - shrinkB, pos_b[1])
        inner = self.transform.transform(self.points)
        inner = inner[(inner[:, 0] > start[0]) & (inner[:, 0] < end[0])]  # none inside boxes
        vertices, codes = [start], [Curve.MOVETO]
        for (x0, y0), (x1, y1) in itertools.pairwise([start, *inner, end]):
            vertices += [((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1), (x1, y1)]
            codes += [Curve.CURVE4] * 3
        return Curve(vertices, codes)


def _chosen(model, nodes) -> list[str]:
    """``nodes`` (all if None) in the model's topological order; unknown names raise."""
    if nodes is None:
        return list(model.order)
    nodes = {nodes} if isinstance(nodes, str) else set(nodes)
    unknown = sorted(nodes - set(model.nodes))
    if unknown:
        raise ModelError(f"unknown node '{unknown[0]}'{nearest(unknown[0], model.nodes)}")
    return [name for name in model.order if name in nodes]


def _collapsed_edges(model, chosen) -> list[tuple[str, str]]:
    """``(a, b)`` for selected ``a``, ``b`` joined by a path through unselected nodes."""
    selected, rank = set(chosen), {name: i for i, name in enumerate(model.order)}
    edges = set()
    for source in chosen:
        seen, frontier = set(), list(model.children(source))
        while frontier:
            node = frontier.pop()
            if node in selected:
                edges.add((source, node))
            elif node not in seen:
                seen.add(node)
                frontier.extend(model.children(node))
    return sorted(edges, key=lambda edge: (rank[edge[1]], rank[edge[0]]))


def _layout(names, edges, sweeps: int = 12):
    """Node positions ``{name: (layer, y)}`` and edge waypoints ``{edge: [(layer, y)]}``.

    ``names`` must be in topological order. An edge spanning several layers gets a
    waypoint (a slot of height ``DUMMY``) in each layer it crosses; sweeps down and up
    reorder each layer by the mean height of the neighbours above (below), to reduce
    crossings (Sugiyama K, Tagawa S, Toda M. IEEE Trans Syst Man Cybern 1981;11:109-125).
    """
    parents = {n: [p for p, c in edges if c == n] for n in names}
    depth: dict = {}
    for name in names:
        depth[name] = 1 + max((depth[p] for p in parents[name]), default=-1)
    for name in names:
        children = [c for p, c in edges if p == name]
        if not parents[name] and children:
            depth[name] = min(depth[c] for c in children) - 1
    up, down, routes = {n: [] for n in names}, {n: [] for n in names}, {}
    for p, c in edges:
        hops = [p, *((p, c, k) for k in range(depth[p] + 1, depth[c])), c]
        routes[p, c] = hops[1:-1]
        for hop in routes[p, c]:
            depth[hop], up[hop], down[hop] = hop[2], [], []
        for a, b in itertools.pairwise(hops):
            up[b].append(a)
            down[a].append(b)
    layers = [[n for n in up if depth[n] == d] for d in range(1 + max(depth.values()))]
    height = _heights(layers, up, down, sweeps)
    return ({n: (depth[n], height[n]) for n in names},
            {edge: [(depth[h], height[h]) for h in hops] for edge, hops in routes.items()})


def _heights(layers, up, down, sweeps) -> dict:
    """Heights of the nodes of each layer, stacked about 0, in barycentre order."""
    height: dict = {}

    def place(layer):
        sizes = [1.0 if isinstance(n, str) else DUMMY for n in layer]
        top = sum(sizes) / 2
        for name, size in zip(layer, sizes, strict=True):
            height[name], top = top - size / 2, top - size

    for layer in layers:
        place(layer)
    for sweep in range(sweeps):
        links = up if sweep % 2 == 0 else down
        for layer in layers if sweep % 2 == 0 else layers[::-1]:
            layer.sort(key=lambda n, links=links: -np.mean([height[m] for m in links[n]])
                       if links[n] else -height[n])
            place(layer)
    return height


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

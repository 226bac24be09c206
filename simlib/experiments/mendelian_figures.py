"""Figures of notebook 06 (Mendelian randomization): the IV DAG, instruments, violations.

Every function returns its figure, with the truth drawn and axes labelled with units:
the instrumental-variable DAG with its three assumptions (:func:`iv_dag_figure`), 25(OH)D
and ancestry by fifth of the allele score (:func:`score_groups_figure`), precision and
weak-instrument bias by study size (:func:`weak_instruments_figure`), the Wald ratio under
pleiotropy and population stratification (:func:`violations_figure`), the slider panel's
drawing (:func:`widget_figure`) and forest plots of MR against the observational estimate
by world (:func:`two_sample_figure`, :func:`world_comparison_figure`). The simulations
and tables come from :mod:`simlib.experiments.mendelian`.

Units: 25(OH)D in nmol/L; odds ratios of MS per +25 nmol/L 25(OH)D (log axes); BMI in
kg/m2.

References
----------
Lawlor DA et al. Mendelian randomization: using genes as instruments for making causal
inferences in epidemiology. Stat Med 2008;27:1133-63.
Burgess S, Thompson SG. Bias in causal estimates from Mendelian randomization studies
with weak instruments. Stat Med 2011;30:1312-23.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import plots
from ..plots import TRUTH, forest_plot
from ..world import SNP_COLUMNS
from .mendelian import Z_95, grid_estimates

ESTIMATOR_LABELS = {"wald-ratio": "MR (Wald ratio)",
                    "observational-logit": "observational logistic"}
#: World nodes of the MR story: genes, ancestry, 25(OH)D and MS (``plots.dag_plot``).
MR_NODES = ("ancestry_north", *SNP_COLUMNS, "vitd_gene_score_nmol", "vitd_raising_alleles",
            "hla_drb1_1501", "latitude_deg", "uvb_dose", "vitd_mean_nmol",
            "ms_log_hazard_ratio", "ms_onset_age")


# ------------------------------------------------------------------ the DAG
def _box(ax, xy, text, colour="#deebf7"):
    """A rounded box of ``text`` centred at ``xy`` (a DAG node)."""
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=3,
            bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.4"})


def _arrow(ax, start, end, colour="0.3", style="-", rad=0.0, shrink=(34, 30)):
    """An arrow from ``start`` to ``end`` (a DAG edge), stopping short of the boxes."""
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "ls": style,
                            "shrinkA": shrink[0], "shrinkB": shrink[1], "mutation_scale": 14,
                            "connectionstyle": f"arc3,rad={rad}"})


def _draw_iv_dag(ax):
    """Boxes and arrows of the IV DAG: genes -> 25(OH)D -> MS, confounders, violations."""
    genes, vitd, ms = (0.0, 0.0), (1.6, 0.0), (3.2, 0.0)
    confounders, ancestry = (2.4, 1.15), (0.0, 1.15)
    _box(ax, genes, "vitamin-D genes\nGC, CYP2R1,\nDHCR7, CYP24A1", "#fdae6b")
    _box(ax, vitd, "25(OH)D\n(nmol/L)", "#fdae6b")
    _box(ax, ms, "MS", "#fdae6b")
    _box(ax, confounders, "confounders: sun, latitude,\nbehaviour, reverse causation")
    _box(ax, ancestry, "ancestry\n(northern European share)")
    _arrow(ax, genes, vitd)
    _arrow(ax, vitd, ms, colour="black")
    _arrow(ax, confounders, vitd, shrink=(18, 24))
    _arrow(ax, confounders, ms, shrink=(18, 16))
    _arrow(ax, ancestry, genes, colour="#d62728", style="--", shrink=(18, 30))
    _arrow(ax, ancestry, ms, colour="#d62728", style="--", rad=-0.12, shrink=(50, 14))
    _arrow(ax, genes, ms, colour="#d62728", style="--", rad=0.32, shrink=(40, 14))


def iv_dag_figure():
    """The instrumental-variable DAG of MR, with the three assumptions and their violations.

    Solid arrows are the paths MR relies on (genes -> 25(OH)D -> MS) and the confounding
    it sidesteps; dashed red arrows are the violations this notebook switches on:
    population stratification (ancestry -> genes and ancestry -> MS) and pleiotropy
    (genes -> MS directly).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    _draw_iv_dag(ax)
    notes = [((0.8, 0.13), "1 relevance"),
             ((-0.55, 0.62), "2 independence:\nno arrow into the genes\n"
                             "(broken: stratification)"),
             ((1.6, -0.78), "3 exclusion restriction: no path genes -> MS except\n"
                            "through 25(OH)D (broken: pleiotropy)")]
    for xy, text in notes:
        ax.text(*xy, text, ha="center", va="center", fontsize=8, color="0.15", style="italic")
    ax.set(xlim=(-1.2, 3.7), ylim=(-1.0, 1.45))
    ax.set_axis_off()
    ax.set_title("Mendelian randomization as an instrumental-variable DAG\n"
                 "(dashed red: violations the notebook switches on)", fontsize=10)
    return fig


# ------------------------------------------------------------------ instruments
def _ratio_ticks(ax, ratios):
    """Log y axis spanning ``ratios`` and 1, with ticks at simple ratios (no minor labels)."""
    ratios = np.asarray(ratios, dtype=float)
    ratios = ratios[np.isfinite(ratios)]
    low, high = min(ratios.min(initial=1.0), 1.0) / 1.15, max(ratios.max(initial=1.0), 1.0) * 1.15
    ticks = [t for t in (0.1, 0.25, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 4, 8, 16)
             if low <= t <= high]
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())


def _fifths(score):
    """Fifth (0-4) of each value of ``score``, ties broken by order."""
    return pd.qcut(pd.Series(score).rank(method="first"), 5, labels=False).to_numpy()


def score_groups_figure(data):
    """Mean 25(OH)D and mean ancestry by fifth of the allele score (relevance, independence).

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean measured 25(OH)D (nmol/L, 95% CI) per fifth of the allele score, the
        population mean as a reference. Right: mean ancestry principal component
        (northern-European share) per fifth: a trend there means the genes are not
        independent of ancestry (population stratification).
    """
    group = _fifths(data["allele_score"].to_numpy())
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8))
    panels = (("vitd_nmol", "measured 25(OH)D (nmol/L)", "relevance: genes move 25(OH)D"),
              ("ancestry_pc", "ancestry PC (northern-European share)",
               "independence: genes vs ancestry"))
    for ax, (column, label, title) in zip(axes, panels, strict=True):
        summary = data.groupby(group)[column].agg(["mean", "sem"])
        ax.errorbar(summary.index + 1, summary["mean"], yerr=Z_95 * summary["sem"], fmt="o-",
                    color="black", capsize=3, label="mean ± 95% CI")
        ax.axhline(data[column].mean(), color="0.6", lw=1, ls=":", label="everyone")
        ax.set(xlabel="fifth of the allele score (1 = fewest raising alleles)", ylabel=label,
               title=title, xticks=range(1, 6))
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ weak instruments
def _precision_panel(ax, precision, truth):
    """Wald-ratio OR of MS with its 95% CI by study size, cases and F annotated."""
    estimate = np.exp(precision["estimate"])
    ax.errorbar(precision["adults"], estimate, fmt="s", color="black", capsize=3,
                yerr=[estimate - np.exp(precision["ci_low"]),
                      np.exp(precision["ci_high"]) - estimate], label="Wald ratio, 95% CI")
    for _, row in precision.iterrows():
        ax.annotate(f"{row['cases']:,.0f} cases\nF={row['F']:,.0f}",
                    (row["adults"], np.exp(row["ci_high"])), textcoords="offset points",
                    xytext=(0, 4), ha="center", fontsize=7)
    ax.axhline(np.exp(truth), color=TRUTH, lw=1.8, label="truth")
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set(xscale="log", yscale="log", xlabel="adults in the MR study (log scale)",
           ylabel="OR of MS per +25 nmol/L 25(OH)D (log scale)",
           title="MS: strong instrument, few cases, wide CIs")
    _ratio_ticks(ax, [*np.exp(precision["ci_low"]), *np.exp(precision["ci_high"]) * 1.6])
    ax.set_xlim(precision["adults"].min() / 1.6, precision["adults"].max() * 1.6)
    ax.set_xticks(precision["adults"], labels=[f"{v:,}" for v in precision["adults"]])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.legend(fontsize="small", loc="lower right")


def _weak_panel(ax, weak):
    """Mean and middle 50% of 2SLS on BMI by study size, against OLS and the truth (0)."""
    ax.fill_between(weak["people"], weak["q25_2sls"], weak["q75_2sls"], color="C0",
                    alpha=0.2, label="2SLS, middle 50% of studies")
    ax.errorbar(weak["people"], weak["mean_2sls"], yerr=Z_95 * weak["mcse_2sls"], fmt="o-",
                color="C0", capsize=3, label="2SLS, mean ± 1.96 MCSE")
    ax.plot(weak["people"], weak["mean_ols"], "^--", color="0.35",
            label="observational (OLS), mean")
    ax.axhline(0.0, color=TRUTH, lw=1.8, label="truth (no effect)")
    if "pool_2sls" in weak.attrs:
        ax.axhline(weak.attrs["pool_2sls"], color="C0", lw=1, ls=":",
                   label=f"2SLS in all {weak.attrs['pool_adults']:,} adults of the pool")
    for _, row in weak.iterrows():
        ax.annotate(f"F={row['median_f']:.1f}", (row["people"], row["q75_2sls"]),
                    textcoords="offset points", xytext=(0, 4), ha="center", fontsize=7)
    ax.margins(y=0.1)
    ax.set(xscale="log", xlabel="people in a one-sample MR study (log scale)",
           ylabel="BMI difference per +25 nmol/L (kg/m²)",
           title="BMI: weak instruments pull 2SLS towards OLS")
    ax.legend(fontsize="small", loc="lower right")


def weak_instruments_figure(precision, weak, truth):
    """Two panels: CIs of MS MR by study size; weak-instrument drift of 2SLS on BMI.

    Parameters
    ----------
    precision : pandas.DataFrame
        Output of :func:`~simlib.experiments.mendelian.precision_by_size` (MS, log OR
        per +25 nmol/L).
    weak : pandas.DataFrame
        Output of :func:`~simlib.experiments.mendelian.weak_instrument_experiment` (BMI,
        kg/m2 per +25 nmol/L).
    truth : float
        True lifelong log HR of MS per +25 nmol/L (the BMI truth is 0).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.4))
    _precision_panel(left, precision, truth)
    _weak_panel(right, weak)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ violations
def _violation_panel(ax, part, key, labels, xlabel):
    """Wald ratios (95% CI) against one violation knob, one line per analysis; the truth."""
    for offset, (label, colour) in enumerate(zip(labels, ("C0", "C1"), strict=False)):
        rows = part[part["label"] == label].sort_values(key)
        x = rows[key].to_numpy() + (offset - 0.5 * (len(labels) - 1)) * 0.004
        ax.errorbar(x, np.exp(rows["estimate"]), fmt="o-", color=colour, capsize=3,
                    yerr=[np.exp(rows["estimate"]) - np.exp(rows["ci_low"]),
                          np.exp(rows["ci_high"]) - np.exp(rows["estimate"])],
                    label=f"{label} (95% CI)")
    truth = part.groupby(key)["estimand_value"].first().sort_index()
    ax.plot(truth.index, np.exp(truth.to_numpy()), color=TRUTH, lw=1.8, label="truth")
    ax.set_xticks(truth.index, labels=[f"{v:g}" for v in truth.index])
    ax.set_xlabel(xlabel)
    ax.legend(fontsize="small")


def violations_figure(table, pleiotropy_at, stratification_at):
    """Wald ratio against pleiotropy and against stratification, the truth drawn.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.experiments.mendelian.violations_table`.
    pleiotropy_at, stratification_at : float
        The value the other knob is held at in each panel (e.g. 1.0 and the default 0.1).

    Returns
    -------
    matplotlib.figure.Figure
        Left: MR (ancestry-adjusted) OR per +25 nmol/L against the direct HR per allele.
        Right: MR with and without ancestry adjustment against the ancestry shift.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    panels = ((left, "pleiotropy", table["stratification"] == stratification_at,
               ["MR Wald ratio, ancestry-adjusted"],
               "direct HR of MS per raising allele (pleiotropy; 1 = none)"),
              (right, "stratification", table["pleiotropy"] == pleiotropy_at,
               ["MR Wald ratio, ancestry-adjusted", "MR Wald ratio, not adjusted"],
               "raising-allele frequency difference, ancestry 1 vs 0 (stratification)"))
    for ax, key, keep, labels, xlabel in panels:
        _violation_panel(ax, table[keep], key, labels, xlabel)
    _ratio_ticks(left, np.exp(table[["ci_low", "ci_high"]].to_numpy().ravel()))
    left.set_ylabel("OR of MS per +25 nmol/L 25(OH)D (log scale)")
    left.set_title(f"pleiotropy (ancestry shift {stratification_at:g})")
    right.set_title(f"population stratification (no pleiotropy: HR {pleiotropy_at:g})")
    fig.tight_layout()
    return fig


def widget_figure(grid, pleiotropy, stratification, participants, world="null"):
    """The slider panel's figure: MR and observational estimates at one grid point.

    Parameters
    ----------
    grid : dict
        Output of :func:`~simlib.experiments.mendelian.violation_grid`.
    pleiotropy, stratification : float
        Slider values (nearest grid point used).
    participants : int
        Adults analysed.
    world : str
        Name of the grid's world, for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = grid_estimates(grid, pleiotropy, stratification, participants)
    fig, ax = plt.subplots(figsize=(7.6, 3.2))
    forest_plot(table, ax=ax)
    info = table.attrs
    ax.set_title(f"{world} world: pleiotropy HR {info['pleiotropy']:g} per allele, ancestry "
                 f"shift {info['stratification']:g}\n{info['participants']:,} adults, "
                 f"first-stage F = {table['first_stage_f'].iloc[0]:,.0f}", fontsize=9)
    ax.set_xlabel("OR of MS per +25 nmol/L 25(OH)D (log scale)")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ MR vs observational
def two_sample_figure(tables, population):
    """Forest plot of one two-sample MR study per world, the truth drawn.

    Parameters
    ----------
    tables : dict
        ``{world name: replicate table of mr-two-sample}`` (the first replicate is shown).
    population : int
        People simulated per study, for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = pd.DataFrame([table.iloc[0][["estimate", "ci_low", "ci_high", "estimand_value",
                                         "scale"]].to_dict()
                         | {"label": f"{world} world / two-sample MR (IVW)"}
                         for world, table in tables.items()])
    fig, ax = plt.subplots(figsize=(7.6, 2.6))
    forest_plot(rows, ax=ax)
    ax.set_title(f"Two-sample MR (IVW over 4 SNPs), one study per world ({population:,} "
                 "people simulated)", fontsize=10)
    fig.tight_layout()
    return fig


def world_comparison_figure(diag, title):
    """Forest plot of MR and observational estimates by world, from a diagnosis table.

    Parameters
    ----------
    diag : pandas.DataFrame
        ``diagnose(table, by=["scenario", "estimator"])``; only log-scale estimators
        (``wald-ratio``, ``observational-logit``) are drawn.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Mean estimate ± 1.96 empirical SE per world and estimator, the truth per row.
    """
    rows = diag[diag["estimator"].isin(ESTIMATOR_LABELS)].reset_index(drop=True)
    rows = rows.assign(analysis=[f"{world} world / {ESTIMATOR_LABELS[name]}" for world, name
                                 in zip(rows["scenario"], rows["estimator"], strict=True)])
    fig, ax = plt.subplots(figsize=(7.8, 3.4))
    plots.forest_from_diagnosis(rows, ax=ax, label_columns=("analysis",))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig

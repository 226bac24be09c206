"""Figures and the slider panel of notebook ``02_confounding``.

The figures draw the tables of :mod:`simlib.experiments.confounding_estimates`: the real
and the unlimited cohort beside the truth (:func:`estimates_figure`), the unlimited
cohort as confounding paths are switched off (:func:`decomposition_plot`) and the
adjusted estimate against the strength of an unmeasured confounder
(:func:`unmeasured_plot`). Each returns a matplotlib Figure made with ``plt.subplots``:
rate ratios per +25 nmol/L on a log axis, the truth in the suite's truth colour.
:class:`ConfounderPanel` refits the cohort of :mod:`simlib.experiments.confounding` with
the reader's confounder strengths and draws the slider panel's figure. (The causal
diagram of the notebook is drawn by :func:`simlib.plots.dag_plot`.)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import estimators as est
from ..plots import TRUTH
from ..world import build_world
from .confounding import (
    HAZARD,
    MECHANISMS,
    Cohort,
    expected_onsets,
    member_log_hazard,
    remeasured,
    with_direct_effect,
)
from .confounding_estimates import ANALYSES, group_codes, summed_counts

ANALYSIS_LABELS = {"crude": "crude",
                   "adjusted": "adjusted for age, sex, latitude, obesity, smoking"}
DECOMPOSITION_STYLES = {"crude": {"marker": "o", "mfc": "white", "color": "0.45"},
                        "adjusted": {"marker": "s", "color": "black"}}


# ---------------------------------------------------------------------- plots
def _interval(ax, y, row, **style):
    x = np.exp(row["estimate"])
    error = [[x - np.exp(row["ci_low"])], [np.exp(row["ci_high"]) - x]]
    ax.errorbar([x], [y], xerr=np.clip(error, 0, None), capsize=2, **style)


def _ratio_ticks(ax, ticks=(0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6)):
    low, high = ax.get_xlim()
    ax.minorticks_off()
    ax.set_xticks([t for t in ticks if low <= t <= high],
                  labels=[f"{t:g}" for t in ticks if low <= t <= high])


def estimates_figure(table: pd.DataFrame):
    """Headline figure: this cohort and the unlimited cohort, crude and adjusted, vs truth.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.experiments.confounding_estimates.crude_and_adjusted`.

    Returns
    -------
    matplotlib.figure.Figure
        Rate ratio per +25 nmol/L on a log axis; the truth as a red bar on each row.
    """
    real = table[table["cohort"] == "this cohort"].reset_index(drop=True)
    limit = table[table["cohort"] == "unlimited cohort"].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.0, 3.9))
    y = -np.arange(len(real), dtype=float)
    for position, row in zip(y, real.to_dict("records"), strict=True):
        _interval(ax, position, row, fmt="s", color="black",
                  label="this cohort (95% CI)" if position == 0 else None)
    ax.plot(np.exp(limit["estimate"]), y, "D", mfc="white", color="C0", ms=7,
            label="unlimited cohort (no chance, no prodrome)")
    ax.plot(np.exp(real["estimand_value"]), y, "|", color=TRUTH, ms=20, mew=2.5, label="truth")
    ax.axvline(1.0, color="0.7", lw=0.8, ls=":")
    ax.set_yticks(y, labels=[f"{w} world\n{a}" for w, a
                             in zip(real["world"], real["analysis"], strict=True)])
    ax.set_xscale("log")
    ax.set_xlim(0.4, 1.3)
    _ratio_ticks(ax, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2))
    ax.set_ylim(y[-1] - 0.6, 0.6)
    ax.set_xlabel("rate ratio of MS diagnosis per +25 nmol/L 25(OH)D (log scale)\n"
                  "adjusted: for age, sex, latitude, obesity and smoking")
    fig.legend(loc="upper center", ncol=3, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig


def _decomposition_panel(ax, part: pd.DataFrame, world: str, steps: list, legend: bool):
    """One world's panel of :func:`decomposition_plot`: a row per step, top to bottom.

    ``legend`` labels the markers and the truth line (for the first panel only).
    """
    y = -np.arange(len(steps), dtype=float)
    for analysis, style in DECOMPOSITION_STYLES.items():
        rows = part[part["analysis"] == analysis].set_index("step").loc[steps]
        ax.plot(np.exp(rows["estimate"]), y, ls="none", ms=7,
                label=ANALYSIS_LABELS[analysis] if legend else None, **style)
    truth = np.exp(part["estimand_value"].iloc[0])
    ax.axvline(truth, color=TRUTH, lw=1.5, zorder=0, label="truth" if legend else None)
    ax.axvline(1.0, color="0.7", lw=0.8, ls=":", zorder=0)
    ax.set(xscale="log", xlim=(0.6, 1.25), title=f"{world} world (truth {truth:.2f})",
           xlabel="rate ratio per +25 nmol/L\n(unlimited cohort, log scale)")
    _ratio_ticks(ax, (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2))


def decomposition_plot(table: pd.DataFrame):
    """Unlimited-cohort rate ratios per +25 nmol/L for each step, one panel per world.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.experiments.confounding_estimates.switch_off`.

    Returns
    -------
    matplotlib.figure.Figure
        Log-scale x axis; the truth as a red line in each panel.
    """
    worlds, steps = list(dict.fromkeys(table["world"])), list(dict.fromkeys(table["step"]))
    fig, axes = plt.subplots(1, len(worlds), figsize=(4.2 * len(worlds) + 2.6, 4.9),
                             sharey=True, squeeze=False)
    for ax, world in zip(axes[0], worlds, strict=True):
        _decomposition_panel(ax, table[table["world"] == world], world, steps,
                             legend=ax is axes[0, 0])
    axes[0, 0].set_yticks(-np.arange(len(steps), dtype=float), labels=steps)
    fig.legend(loc="upper center", ncol=3, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def unmeasured_plot(table: pd.DataFrame):
    """Adjusted rate ratio per +25 nmol/L against the strength of an unmeasured confounder.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~simlib.experiments.confounding_estimates.unmeasured_sweep`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(6.6, 4.2))
    adjusted = table[table["analysis"] == "adjusted"]
    for (world, part), colour in zip(adjusted.groupby("world", sort=False), ("C0", "C1"),
                                     strict=False):
        ax.plot(part["hr_per_sd"], np.exp(part["estimate"]), "o-", color=colour,
                label=f"{world} world, adjusted")
        ax.axhline(np.exp(part["estimand_value"].iloc[0]), color=TRUTH, lw=1.5,
                   ls="-" if world == "null" else "--", label=f"truth, {world} world")
    ax.set_yscale("log")
    ax.minorticks_off()
    ticks = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.set_xlabel("HR of MS per SD of health consciousness, not measured\n"
                  "(1 = no direct effect; further right = stronger)")
    ax.set_ylabel("rate ratio per +25 nmol/L\n(unlimited cohort, log scale)")
    ax.invert_xaxis()
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------- widget
class ConfounderPanel:
    """Re-fit the cohort with changed confounder strengths, in about a second.

    The cohort is simulated once (:func:`~simlib.experiments.confounding.run_cohort`).
    Each redraw recomputes every member's MS hazard with the world's own equation and the
    chosen strengths, then refits the crude and adjusted models to the real cohort's first
    ``participants`` (cases re-weighted, as
    :func:`~simlib.experiments.confounding.realized_data`) and to the unlimited cohort of
    the first ``unlimited_members`` (as
    :func:`~simlib.experiments.confounding.unlimited_data`).

    Parameters
    ----------
    cohort : Cohort
        Usually the null world's.
    unlimited_members : int, optional
        Members used for the unlimited cohort (all if None); no chance is involved, so a
        few hundred thousand suffice.
    """

    def __init__(self, cohort: Cohort, unlimited_members: int | None = None):
        self.cohort, self.limit = cohort, cohort.head(unlimited_members)
        data = self.limit.study.data
        unlimited = data.assign(vitd_nmol=remeasured(self.limit, (MECHANISMS["reverse"],)))
        self.groups = {(source, name): group_codes(frame, covariates)
                       for source, frame in (("this cohort", cohort.study.data),
                                             ("unlimited cohort", unlimited))
                       for name, covariates in ANALYSES.items()}
        self.natural = member_log_hazard(cohort)

    def log_hazard(self, hr_obesity: float, uvb_hr_per_doubling: float,
                   health_hr_per_sd: float) -> np.ndarray:
        """Members' log hazard with these strengths (health consciousness acting directly).

        The hazard equation draws no random numbers, so it is evaluated on the members'
        own columns only.
        """
        scenario = self.cohort.scenario.with_values(
            {"ms.hr_obesity": hr_obesity, "ms.uvb_hr_per_doubling": uvb_hr_per_doubling})
        world = with_direct_effect(build_world(scenario), "health_consciousness",
                                   health_hr_per_sd)
        parents = world.ancestors(HAZARD)
        reuse = {c: self.cohort.columns[c][self.cohort.rows] for c in parents}
        values = world.evaluate(len(self.cohort.rows), self.cohort.people.attrs["seed"],
                                reuse=reuse, keep=(HAZARD,))
        return values[HAZARD]

    def estimates(self, hr_obesity: float, uvb_hr_per_doubling: float,
                  health_hr_per_sd: float = 1.0, participants: int | None = None) -> dict:
        """``{(cohort, analysis): Estimate}`` in the world with these strengths."""
        log_hazard = self.log_hazard(hr_obesity, uvb_hr_per_doubling, health_hr_per_sd)
        data, keep = self.cohort.study.data, slice(None, participants)
        weights = np.exp(log_hazard - self.natural)
        members = len(self.limit.rows)
        sources = {"this cohort": ((data["event"].to_numpy() * weights)[keep],
                                   data["person_years"].to_numpy()[keep], keep),
                   "unlimited cohort": (*expected_onsets(self.limit, log_hazard[:members]),
                                        slice(None))}
        found = {}
        for (source, name), (table, codes) in self.groups.items():
            events, years, rows = sources[source]
            grouped = summed_counts(table, codes[rows], events, years)
            found[source, name] = est.poisson_rate(grouped, "event", "person_years",
                                                   "vitd_nmol", covariates=ANALYSES[name])
        return found

    def draw(self, hr_obesity: float, uvb_hr_per_doubling: float, health_hr_per_sd: float,
             participants_thousands: int):
        """The panel's figure: crude and adjusted rate ratios beside the truth."""
        participants = min(int(participants_thousands * 1000), len(self.cohort.rows))
        found = self.estimates(hr_obesity, uvb_hr_per_doubling, health_hr_per_sd, participants)
        fig, ax = plt.subplots(figsize=(7.6, 3.0))
        _panel_rows(ax, found)
        _panel_axes(ax, np.exp(self.cohort.truth), participants,
                    found["this cohort", "crude"].n_cases)
        fig.tight_layout()
        return fig


def _panel_rows(ax, found: dict):
    """The panel's crude (top) and adjusted rows: this cohort's CI and the unlimited cohort.

    ``found`` is :meth:`ConfounderPanel.estimates`; each point is labelled with its ratio.
    """
    for y, name in zip((1.0, 0.0), ANALYSES, strict=True):
        real, limit = found["this cohort", name], found["unlimited cohort", name]
        if real.converged:
            _interval(ax, y, real.to_row(), fmt="s", color="black",
                      label="this cohort (95% CI)" if y else None)
            ax.annotate(f"{real.ratio:.2f}", (real.ratio, y), xytext=(0, 8),
                        textcoords="offset points", ha="center", fontsize="small")
        ax.plot([limit.ratio], [y], "D", mfc="white", color="C0", ms=7,
                label="unlimited cohort" if y else None)
        ax.annotate(f"{limit.ratio:.2f}", (limit.ratio, y), xytext=(0, -15), color="C0",
                    textcoords="offset points", ha="center", fontsize="small")


def _panel_axes(ax, truth: float, participants: int, cases: int):
    """The panel's truth line (rate ratio ``truth``), axes, labels and legend."""
    ax.axvline(truth, color=TRUTH, lw=1.5, label=f"truth ({truth:.2f})")
    ax.set(xscale="log", xlim=(0.45, 1.8), ylim=(-0.6, 1.9))
    ax.set_yticks([1.0, 0.0], labels=["crude", "adjusted for age, sex,\nlatitude, "
                                      "obesity, smoking"])
    _ratio_ticks(ax, (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6))
    ax.set_xlabel(f"rate ratio of MS diagnosis per +25 nmol/L (log scale)\n"
                  f"{participants:,} participants, {cases:,} diagnoses (re-weighted)")
    ax.legend(fontsize="small", loc="upper center", ncol=3, framealpha=1, edgecolor="none")

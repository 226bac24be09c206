"""Figures and planning helpers for the mystery-world seminar (notebook 11).

The game itself is :class:`simlib.mystery.MysteryWorld`. Here: forest plots of the
studies a group ran (without the truth before the reveal, with each study's estimand
after it), a planning table of how precise each design is per participant (from pilot
studies in the *public* ``causal`` scenario, never the hidden world), the budget-split
figure of the notebook's slider panel, and the notebook's example decision rule.

References
----------
Lawlor DA, Tilling K, Davey Smith G. Triangulation in aetiological epidemiology. Int J
Epidemiol 2016;45:1866-86.
Hahn J et al. VITAL autoimmune disease trial. BMJ 2022;376:e066452 (a trial's cost: 25,871
people for 5 years, too few MS cases for MS alone).
Mokry LE et al. Vitamin D and risk of MS: a Mendelian randomization study. PLoS Med
2015;12:e1001866.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from .. import plots
from ..designs import get_design, run_study
from ..mystery import study_sizes
from ..scenario import load_scenario

PLANNING_DESIGNS = ("trial", "mr-one-sample", "cohort")
Z_95 = stats.norm.ppf(0.975)


def forest_figure(table: pd.DataFrame, title: str):
    """Forest plot of a group's studies; draws each estimand if ``table`` has them.

    Parameters
    ----------
    table : pandas.DataFrame
        ``world.log`` (before the reveal: no truth) or ``reveal.studies`` (after it:
        column ``estimand_value`` is drawn as the truth of each row).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Ratios per +25 nmol/L (trial: assigned vs placebo) on a log axis. Rows on
        another scale (2SLS risk differences) are listed under the axis, not drawn.
    """
    ratio = table["scale"].astype(str).str.startswith("log")
    rows = table[ratio].assign(label=[f"{r.study}. {r.design} ({r.estimator}), {r.people:,}"
                                      for r in table[ratio].itertuples()])
    fig, ax = plt.subplots(figsize=(8.0, 1.9 + 0.42 * max(len(rows), 1)))
    if len(rows):
        plots.forest_plot(rows, ax=ax)
    ax.set_title(title, fontsize="medium")
    others = table[~ratio]
    if len(others):
        ax.text(0, -0.32, "not drawn (not a ratio): " + "; ".join(
            f"study {r.study} {r.scale} {r.estimate:.2g}" for r in others.itertuples()),
            transform=ax.transAxes, fontsize="small", color="0.35")
    fig.tight_layout()
    return fig


def pilot_precision(participants: int, seed: int, designs=PLANNING_DESIGNS,
                    scenario: str = "causal") -> pd.DataFrame:
    """One pilot study per design in a public scenario: the SE a number of people buys.

    Parameters
    ----------
    participants : int
        People in each pilot study.
    seed : int
    designs : sequence of str
        Designs of :data:`simlib.mystery.DESIGN_NAMES` (default options).
    scenario : str
        A shipped scenario (not the hidden world): ``causal`` gives the effect a design
        would have to detect if vitamin D worked as the MR studies suggest.

    Returns
    -------
    pandas.DataFrame
        ``design, people, se, reference`` (the estimand, log scale), ``scale`` and
        ``n_cases``. Default options, so each person costs one participant.
    """
    world, rows = load_scenario(scenario), []
    for index, design in enumerate(designs):
        spec = get_design(design)
        options = study_sizes(design, participants, spec.resolve_options({}))
        study = run_study(world, design, seed, index, options)
        fit = spec.estimator(None)(study)
        rows.append({"design": design, "people": len(study.data), "se": fit.se,
                     "reference": study.estimand.value, "scale": study.estimand.scale,
                     "n_cases": fit.n_cases})
    return pd.DataFrame(rows)


def expected_intervals(pilot: pd.DataFrame, spend: dict) -> pd.DataFrame:
    """Expected 95% CI of each design if ``spend[design]`` participants buy it.

    The SE shrinks as one over the square root of the people: ``se * sqrt(pilot people /
    people)``. Intervals are centred on the pilot's estimand (the reference effect);
    ``power`` is the chance that the interval excludes no effect,
    ``Phi(|effect| / se - 1.96)``. A design with no budget gets NaN.
    """
    table = pilot.set_index("design").loc[list(spend)].reset_index()
    people = np.array([spend[d] for d in table["design"]], float)
    se = table["se"] * np.sqrt(table["people"] / np.where(people > 0, people, np.nan))
    return table.assign(participants=people.astype(int), expected_se=se,
                        ci_low=table["reference"] - Z_95 * se,
                        ci_high=table["reference"] + Z_95 * se,
                        power=stats.norm.cdf(np.abs(table["reference"]) / se - Z_95))


def budget_split_figure(pilot: pd.DataFrame, budget: int, trial_percent: float,
                        mr_percent: float):
    """The slider figure: expected CIs when the budget is split trial / MR / cohort.

    The cohort gets what is left; if trial and MR ask for more than 100% both are
    scaled down. Intervals are centred on the ``causal`` scenario's effects (red):
    the width is what the budget buys; where a real estimate falls also depends on
    bias, which no budget removes (the cohort's narrow interval can sit far off).
    """
    total = max(trial_percent + mr_percent, 100.0)
    shares = {"trial": trial_percent / total, "mr-one-sample": mr_percent / total}
    shares["cohort"] = 1.0 - sum(shares.values())
    table = expected_intervals(pilot, {d: round(budget * s) for d, s in shares.items()})
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    y = np.arange(len(table))[::-1]
    for yi, row in zip(y, table.itertuples(), strict=True):
        ax.plot(math.exp(row.reference), yi, "|", color=plots.TRUTH, ms=16, mew=2.5)
        if np.isfinite(row.expected_se):
            ax.errorbar(math.exp(row.reference), yi, fmt="none", ecolor="black", capsize=4,
                        xerr=[[math.exp(row.reference) - math.exp(row.ci_low)],
                              [math.exp(row.ci_high) - math.exp(row.reference)]])
        note = (f"{row.participants:,} people, power {row.power:.0%}"
                if np.isfinite(row.expected_se) else "no budget")
        ax.text(1.02, yi, note, transform=ax.get_yaxis_transform(), va="center",
                fontsize="small")
    ax.axvline(1.0, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(0.45, 2.0)
    ax.set_xticks([0.5, 0.67, 0.8, 1, 1.25, 1.5, 2], labels=["0.5", "0.67", "0.8", "1",
                                                              "1.25", "1.5", "2"])
    ax.minorticks_off()
    ax.set_yticks(y, labels=[f"{d} ({s:.0%})" for d, s in shares.items()])
    ax.set_xlabel("expected 95% CI: HR per +25 nmol/L (trial: RR assigned vs placebo)")
    ax.set_title(f"Budget {budget:,} participants. Red: the effect in the public 'causal' "
                 "world.\nThe width is what the budget buys; bias is not in this picture.",
                 fontsize="medium")
    fig.tight_layout()
    return fig


def trial_rule(log: pd.DataFrame) -> tuple[str, str]:
    """The notebook's example decision: trust only randomized evidence.

    Returns ``("causal", why)`` if the inverse-variance pooled ITT estimate of the
    group's trials has a 95% CI below no effect, else ``("not causal", why)``.
    """
    trials = log[(log["design"] == "trial") & log["converged"]]
    if trials.empty:
        return "not causal", "no trial was run: no randomized evidence of an effect"
    weight = 1.0 / trials["se"] ** 2
    pooled, se = float((weight * trials["estimate"]).sum() / weight.sum()), float(
        weight.sum() ** -0.5)
    high = pooled + Z_95 * se
    decision = "causal" if high < 0 else "not causal"
    return decision, (f"pooled trial RR {math.exp(pooled):.2f} (95% CI "
                      f"{math.exp(pooled - Z_95 * se):.2f} to {math.exp(high):.2f})")


def reveal_table(reveal) -> pd.DataFrame:
    """Each study's estimate beside its estimand, as ratios (``reveal.studies``, readable)."""
    table = reveal.studies
    ratio = table["scale"].astype(str).str.startswith("log")
    show = {c: np.where(ratio, np.exp(table[c]), table[c])
            for c in ("estimate", "ci_low", "ci_high", "estimand_value")}
    return pd.DataFrame({"study": table["study"], "design": table["design"],
                         "estimator": table["estimator"], "people": table["people"],
                         "estimate": show["estimate"].round(3),
                         "95% CI": [f"{lo:.3g} to {hi:.3g}" for lo, hi in
                                    zip(show["ci_low"], show["ci_high"], strict=True)],
                         "truth (estimand)": show["estimand_value"].round(3),
                         "CI covers truth": table["ci_covers_truth"],
                         "scale": table["scale"]})


def hidden_table(reveal) -> pd.DataFrame:
    """The hidden world's parameters with what each does (after the reveal)."""
    from ..mystery import NUISANCE

    meaning = {key: doc for key, (_, _, doc) in NUISANCE.items()}
    meaning.update({
        "ms.vitd_hr_per_25nmol": "the causal effect (1 = none)",
        "genetics.ancestry_shift": "MR: allele frequency vs ancestry (stratification)",
        "genetics.pleiotropy_hr_per_allele": "MR: direct effect of each vitamin-D allele "
                                             "on MS (1 = none; else the instrument is invalid)"})
    return pd.DataFrame([{"parameter": key, "value": round(reveal.hidden[key], 3),
                          "what it does": doc} for key, doc in meaning.items()])


def finding(reveal, seed: int) -> str:
    """One line for the headline: the truth, each study against its truth, the score."""
    table = reveal_table(reveal)
    table = table[table["scale"].str.startswith("log")]
    parts = [f"{design} {estimate:.2f} (truth {truth:.2f})" for design, estimate, truth in
             zip(table["design"], table["estimate"], table["truth (estimand)"], strict=True)]
    return (f"Mystery world {seed}: vitamin D was {reveal.truth} ({reveal.hidden['effect']}); "
            f"ratios estimated vs true: {'; '.join(parts)}; the decision "
            f"'{reveal.decision}' scored {reveal.score} of 125.")


def pleiotropy_pull(hidden: dict) -> float:
    """Shift of the MR Wald ratio (log HR per +25 nmol/L) that pleiotropy alone causes.

    Each raising allele multiplies the MS hazard by ``h`` directly. Regressing MS on the
    weighted allele score picks up ``log(h) * sum(w v) / sum(w^2 v)`` per score unit
    (``w`` the per-allele effects in nmol/L, ``v = 2p(1-p)`` the allele-count variances),
    and the score raises measured 25(OH)D by the lab bias factor per unit, so the ratio
    per 25 nmol/L moves by ``25 log(h) sum(w v) / sum(w^2 v) / lab bias`` (Burgess et al.,
    Genet Epidemiol 2013;37:658). Close to a large study's mean in the world it describes.
    """
    genetics = load_scenario("null").genetics
    weights = np.asarray(genetics.effect_nmol)
    variance = 2 * np.asarray(genetics.allele_freq) * (1 - np.asarray(genetics.allele_freq))
    per_score = (weights * variance).sum() / (weights**2 * variance).sum()
    return float(25 * math.log(hidden["genetics.pleiotropy_hr_per_allele"]) * per_score
                 / hidden["measurement.lab_bias_factor"])

"""Migrants by age at arrival: when does place act on MS? (notebook 01, last section)

People born in a high-risk place (the UK regions) who live in a low-risk one
(Australia) have MS at a rate that depends on how old they were when they moved: the
classic migrant studies (Dean & Kurtzke 1971; McLeod et al. 2011). In the world this
comes from the exposure window of :mod:`simlib.residence`. This module runs the
``migrants`` design in several worlds, tabulates prevalence by age at arrival and
draws it beside the window.

The lesson: the age-at-arrival gradient appears in the null world as strongly as in the
causal one. It says that something about place acts in childhood; it cannot say that
the something is vitamin D.

References
----------
Dean G, Kurtzke JF. On the risk of multiple sclerosis according to age at immigration
to South Africa. BMJ 1971;3:725-9.
McLeod JG, Hammond SR, Kurtzke JF. Migration and multiple sclerosis in immigrants to
Australia from United Kingdom and Ireland: a reassessment. I. Risk of MS by age at
immigration. J Neurol 2011;258:1140-9.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import calibrate
from ..designs import get_design, run_study
from ..residence import window_share_after
from ..scenario import Scenario, load_scenario

WORLDS = ("null", "causal")
#: Edges of the age-at-arrival bands of the table and figure (years).
ARRIVAL_EDGES = (0, 5, 10, 15, 20, 25, 30, 40, 80)


def _scenario(world_or_name) -> Scenario:
    return load_scenario(world_or_name) if isinstance(world_or_name, str) else world_or_name


def migrant_studies(worlds: Mapping | tuple = WORLDS, population: int = 4_000_000,
                    seed: int = 1, **options) -> dict:
    """The ``migrants`` study in each world: ``{label: Study}``.

    ``worlds`` is a tuple of scenario names or a mapping ``label -> Scenario``;
    ``options`` are the design's (``origin``, ``child_age``, ``regions``, ``year``).
    """
    items = worlds.items() if isinstance(worlds, Mapping) else ((w, w) for w in worlds)
    return {label: run_study(_scenario(world), "migrants", seed,
                             options={"population": population, **options})
            for label, world in items}


def arrival_table(study, edges=ARRIVAL_EDGES) -> pd.DataFrame:
    """MS prevalence (per 100,000) among the migrants by age at arrival band."""
    data = study.data
    bands = pd.cut(data["age_at_move"], list(edges), right=False)
    table = data.groupby(bands, observed=False).agg(migrants=("ms", "size"),
                                                   cases=("ms", "sum"),
                                                   mean_age=("age", "mean"))
    table["prevalence_per_100k"] = [calibrate.ratio(c, m) * 1e5 if m else np.nan
                                    for c, m in zip(table["cases"], table["migrants"],
                                                    strict=True)]
    table.index = [f"{int(b.left)}-{int(b.right) - 1}" for b in table.index]
    table.index.name = "age at arrival"
    return table


def estimates_table(studies: Mapping) -> pd.DataFrame:
    """Prevalence ratio (moved as a child vs later) and the true rate ratio per world."""
    design = get_design("migrants")
    rows = []
    for label, study in studies.items():
        for name in design.estimators:
            fit = design.estimator(name)(study)
            rows.append({"world": label, "estimator": name, "ratio": np.exp(fit.estimate),
                         "ci_low": np.exp(fit.ci_low), "ci_high": np.exp(fit.ci_high),
                         "truth_ratio": np.exp(study.estimand.value), "cases": fit.n_cases,
                         "migrants": fit.n, "reason": fit.reason})
    return pd.DataFrame(rows)


def arrival_figure(studies: Mapping, scenario: Scenario | str = "null"):
    """Left: prevalence by age at arrival per world; right: the exposure window."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for index, (label, study) in enumerate(studies.items()):
        table = arrival_table(study)
        middle = [(a + b) / 2 for a, b in zip(ARRIVAL_EDGES[:-1], ARRIVAL_EDGES[1:],
                                                 strict=True)]
        left.plot(middle, table["prevalence_per_100k"], "o-", color=f"C{index}",
                  label=f"{label}: born in the UK regions")
        left.axhline(study.extra["natives_per_100k"], color=f"C{index}", ls=":",
                     label=f"{label}: born where they live")
    left.set(xlabel="age at arrival (years)", ylabel="MS prevalence (per 100,000)",
             title="Migrants to Australia by age at arrival")
    left.legend(fontsize=8)
    params = _scenario(scenario).residence
    ages = np.linspace(0, 60, 241)
    right.plot(ages, window_share_after(ages, params), color="black")
    right.axvline(params.window_mid_age, color="grey", ls="--", lw=1)
    right.set(xlabel="age at moving (years)", ylim=(0, 1.02),
              ylabel="share of the exposure window at the new home",
              title="The exposure window (simlib.residence)")
    fig.tight_layout()
    return fig


__all__ = ["ARRIVAL_EDGES", "arrival_figure", "arrival_table", "estimates_table",
           "migrant_studies"]

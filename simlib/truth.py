"""True causal effects, computed by intervention on the very people a study samples.

Because every node draws from its own stream, ``world.do(...)`` gives the same
people in a different world: potential outcomes. Each true effect compares the
intervened world with the natural one on the same population:

``hr_per_25``
    Marginal hazard ratio of MS onset, ages 0-50, for +25 nmol/L long-term 25(OH)D
    for everyone: the ratio of onset rates (onsets per person-year at risk to age
    50, ignoring competing mortality). Under proportional hazards and a rare
    disease this is the marginal HR; it differs slightly from the conditional HR
    (non-collapsibility).
``cir_per_25_age50``
    Cumulative-incidence (risk) ratio of MS onset by age 50 for the same intervention.
``cir_supplement_2000iu``
    Risk ratio by age 50 of "everyone takes 2,000 IU/day" (from childhood, which
    covers the exposure window around age 15 (McLeod et al. 2011)) vs usual intake.
``relapse_rr_per_25``
    Ratio of expected relapse counts among people with MS onset before the survey,
    for +25 nmol/L 25(OH)D after onset.

In the null world every one is exactly 1 (the intervened nodes have no path to
the outcome); in the causal world they follow ``ms.vitd_hr_per_25nmol``.
"""

from __future__ import annotations

import numpy as np

from .scenario import Scenario
from .scm import Model, check_size
from .world import build_world

TRUTH_AGE = 50.0
SHIFT_NMOL = 25.0
SUPPLEMENT_IU = 2000.0

_ONSET = ("ms_onset_age",)
_RELAPSE = ("relapse_expected", "ms_onset_age", "age", "alive")


def interventions() -> dict[str, dict]:
    """The interventions behind each true effect, as ``{effect: do-arguments}``."""
    return {
        "vitd_plus_25": {"vitd_mean_nmol": lambda natural: natural + SHIFT_NMOL},
        "supplement_2000iu": {"supplement_iu": SUPPLEMENT_IU},
        "relapse_vitd_plus_25": {"vitd_after_onset_nmol": lambda natural: natural + SHIFT_NMOL},
    }


def _onset_sums(onset: np.ndarray) -> np.ndarray:
    """(onsets before 50, person-years at risk to 50, people)."""
    events = onset < TRUTH_AGE
    return np.array([events.sum(), np.minimum(onset, TRUTH_AGE).sum(), len(onset)], float)


def _relapse_sum(columns: dict) -> float:
    with_ms = columns["alive"] & (columns["ms_onset_age"] < columns["age"])
    return float(columns["relapse_expected"][with_ms].sum())


def _chunk_sums(world: Model, worlds: dict, size: int, seed, index: int) -> dict:
    natural = world.evaluate(size, seed, index, keep=_ONSET + _RELAPSE)
    sums = {"natural": _onset_sums(natural["ms_onset_age"]),
            "natural_relapses": _relapse_sum(natural)}
    for name in ("vitd_plus_25", "supplement_2000iu"):
        done = worlds[name].evaluate(size, seed, index, reuse=natural, keep=_ONSET)
        sums[name] = _onset_sums(done["ms_onset_age"])
    done = worlds["relapse_vitd_plus_25"].evaluate(size, seed, index, reuse=natural,
                                                   keep=_RELAPSE)
    sums["relapses_plus_25"] = _relapse_sum(done)
    return sums


def true_effects(scenario: Scenario, n: int, seed, chunk_size: int | None = None,
                 world: Model | None = None) -> dict[str, float]:
    """The four true effects of ``scenario`` on ``n`` people (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    n : int
        Number of people (the same people as ``world.sample(n, seed)``).
    seed : int or numpy.random.SeedSequence
    chunk_size : int, optional
        Evaluate in chunks of this many people (same people as ``iter_chunks``).
    world : Model, optional
        The natural world; defaults to ``build_world(scenario)``.

    Returns
    -------
    dict
        ``hr_per_25``, ``cir_per_25_age50``, ``cir_supplement_2000iu``,
        ``relapse_rr_per_25`` (NaN where there are no events to compare).
    """
    world = build_world(scenario) if world is None else world
    n = check_size(n)
    chunk_size = n if chunk_size is None else check_size(chunk_size, "chunk_size")
    worlds = {name: world.do(**spec) for name, spec in interventions().items()}
    total: dict = {}
    for index, start in enumerate(range(0, n, chunk_size)):
        sums = _chunk_sums(world, worlds, min(chunk_size, n - start), seed, index)
        total = {k: total.get(k, 0) + v for k, v in sums.items()}
    return _ratios(total)


def _ratios(total: dict) -> dict[str, float]:
    def rate(sums):
        return sums[0] / sums[1]

    def ratio(a, b):
        return float(a / b) if b > 0 else float("nan")

    nat = total["natural"]
    return {
        "hr_per_25": ratio(rate(total["vitd_plus_25"]), rate(nat)),
        "cir_per_25_age50": ratio(total["vitd_plus_25"][0], nat[0]),
        "cir_supplement_2000iu": ratio(total["supplement_2000iu"][0], nat[0]),
        "relapse_rr_per_25": ratio(total["relapses_plus_25"], total["natural_relapses"]),
    }

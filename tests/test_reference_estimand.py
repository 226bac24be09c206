"""The whole-population designs' estimand, computed once per scenario on a reference
population, is the population quantity each replicate's own population gives."""

from __future__ import annotations

import numpy as np

from simlib import load_scenario
from simlib.designs import observational
from simlib.designs.base import cached_world, run_study
from simlib.world import build_world


def own_population_truth(study_seed: int, n: int) -> float:
    """The estimand computed the old way: on the replicate's own population."""
    scenario = load_scenario("causal")
    world = build_world(scenario)  # not the cached world: the per-population path
    study = run_study(scenario, "cross-sectional", study_seed, world=world,
                      options={"population": n})
    return study.estimand.value


def test_reference_truth_is_each_populations_truth_within_its_spread():
    scenario = load_scenario("causal")
    reference = observational.reference_log_hr(scenario)
    own = np.array([own_population_truth(seed, 400_000) for seed in (1, 2, 3)])
    assert -0.3 < reference < -0.15  # about log(0.8) per +25 nmol/L in the causal world
    # three 400k populations spread by their person-to-person variation; the reference
    # (1M people) lies among them: within 4 SDs of their mean
    spread = max(own.std(ddof=1), 1e-4)
    assert abs(reference - own.mean()) < 4 * spread + 1e-3, (reference, own)


def test_the_default_world_uses_the_cached_reference_and_null_is_exactly_zero():
    causal = [run_study(load_scenario("causal"), "cross-sectional", 5, index,
                        options={"population": 200_000}).estimand.value for index in (0, 1)]
    assert causal[0] == causal[1]  # one target for every replicate
    assert -0.3 < causal[0] < -0.15
    null = run_study(load_scenario("null"), "hospital-case-control", 5, 0,
                     options={"population": 200_000})
    assert null.estimand.value == 0.0
    assert cached_world(load_scenario("null")) is cached_world(load_scenario("null"))


def test_a_custom_world_is_computed_on_its_own_population():
    scenario = load_scenario("causal")
    world = build_world(scenario)  # a world object of its own, as a teacher's extension is
    assert world is not cached_world(scenario)
    study = run_study(scenario, "cross-sectional", 7, world=world,
                      options={"population": 100_000})
    assert np.isfinite(study.estimand.value)
    assert study.estimand.value != observational.reference_log_hr(scenario)

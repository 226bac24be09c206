"""The estimand computed once per scenario (and, for the cohort and biobank, enrollment
ages and follow-up) on a reference population is the population quantity each
replicate's own population gives."""

from __future__ import annotations

import numpy as np
import pytest

from simlib import load_scenario
from simlib.designs import get_design, observational, prospective
from simlib.designs.base import (
    _apply_scenario_options,
    age_band_world,
    cached_world,
    run_study,
    simulate_people,
)
from simlib.designs.common import shifted_hazard_inputs, true_log_hr
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


# ------------------------------------------- cohort and biobank: people of enrollment age
def band_population_truth(scenario, options: dict, seed: int) -> float:
    """The prospective estimand computed the old way: on one population's enrollees."""
    design = get_design("cohort")
    resolved = design.resolve_options(options)
    scenario = _apply_scenario_options(scenario, design, resolved)
    low, high, years = resolved["age_low"], resolved["age_high"], resolved["follow_up_years"]
    world = age_band_world(scenario, low, high)[0]
    columns = tuple(dict.fromkeys((*prospective.COLUMNS, *shifted_hazard_inputs(world))))
    _, people = simulate_people(scenario, cached_world(scenario), resolved["population"],
                                np.random.SeedSequence(seed), columns, (low, high))
    rows = prospective._enrolled(people, low, high)
    entry = people["age"].to_numpy()[rows]
    return true_log_hr(world, people, rows, entry, entry + years)


def test_cohort_reference_truth_is_each_populations_truth_within_its_spread():
    # the threshold world, where the truth depends on who is enrolled (ages, calendar
    # year: the cohort's `year` option moves the survey to 1990) and a wrong population
    # would show: the same cohort surveyed in 2010 has a truth about 0.007 further from 0
    scenario, options = load_scenario("threshold"), {"population": 300_000}
    reference = run_study(scenario, "cohort", 11, 0, options=options).estimand.value
    own = np.array([band_population_truth(scenario, options, seed) for seed in (1, 2, 3)])
    assert -0.15 < reference < -0.05
    spread = max(own.std(ddof=1), 1e-4)
    assert abs(reference - own.mean()) < 4 * spread + 1e-3, (reference, own)
    later = band_population_truth(scenario, {**options, "year": 2010}, 1)
    assert abs(later - reference) > 4 * spread + 1e-3, (later, reference)


def test_prospective_designs_share_one_truth_across_replicates_and_null_is_zero():
    options = {"population": 400_000}
    causal = [run_study(load_scenario("causal"), "nested-case-control", 5, index,
                        options=options).estimand.value for index in (0, 1)]
    assert causal[0] == causal[1]
    assert causal[0] == pytest.approx(np.log(0.8), abs=0.01)  # linear: the HR per +25
    null = run_study(load_scenario("null"), "cohort", 5, 0, options={"population": 100_000})
    assert null.estimand.value == 0.0
    # a custom world (the cohort surveys in 1990) is computed on its own enrollees
    causal_1990 = load_scenario("causal").with_values({"calendar.survey_year": 1990.0})
    own = run_study(load_scenario("causal"), "cohort", 5, 0, world=build_world(causal_1990),
                    options={"population": 100_000})
    shared = run_study(load_scenario("causal"), "cohort", 5, 0, options={"population": 100_000})
    assert np.isfinite(own.estimand.value) and own.estimand.value != shared.estimand.value


# ------------------------------------------------------------- Mendelian randomization
def test_mr_reference_truths_are_each_samples_truths_within_their_spread():
    # the threshold world, where both truths depend on who the adults are
    scenario, options = load_scenario("threshold"), {"population": 300_000}
    shared = [run_study(scenario, "mr-one-sample", 4, index, options=options)
              for index in (0, 1)]
    assert shared[0].estimand.value == shared[1].estimand.value
    own = [run_study(scenario, "mr-one-sample", 4, index, world=build_world(scenario),
                     options=options) for index in (2, 3, 4)]
    for pick in (lambda s: s.estimand.value,
                 lambda s: s.extra["estimands"]["2sls"].value):
        values = np.array([pick(study) for study in own])
        # the reference is one population of as many adults: its own draw counts once
        spread = max(values.std(ddof=1), 1e-6) * np.sqrt(1 + 1 / 3)
        assert abs(pick(shared[0]) - values.mean()) < 4 * spread + 1e-4, (pick(shared[0]),
                                                                          values)
    two = run_study(scenario, "mr-two-sample", 4, 0, options=options)
    assert two.estimand.value == shared[0].estimand.value  # one adult population's truth
    null = run_study(load_scenario("null"), "mr-one-sample", 4, 0, options=options)
    assert null.estimand.value == 0.0 and null.extra["estimands"]["2sls"].value == 0.0

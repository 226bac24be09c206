"""Designs that enrol one age band simulate only that band (issue 11), and it is the
same study in distribution as simulating everyone and keeping the band."""

import numpy as np
import pytest

from simlib import history, load_scenario
from simlib.designs import get_design, run_study
from simlib.designs.base import (
    DesignDataError,
    _apply_scenario_options,
    age_band_world,
    cached_world,
    simulate_people,
)

LOW, HIGH = 18.0, 26.0


def test_band_ages_are_the_stationary_ages_in_the_band():
    pop = load_scenario("null").population
    everyone = history.stationary_age(np.random.default_rng(1), 2_000_000, pop)
    inside = everyone[(everyone >= LOW) & (everyone < HIGH)]
    # share of the band: binomial SE of a share near 0.09 among 2 million is 0.0002
    share = history.age_share(pop, LOW, HIGH)
    assert len(inside) / len(everyone) == pytest.approx(share, abs=4 * 0.0002)
    banded = history.stationary_age_between(np.random.default_rng(2), 200_000, pop, LOW, HIGH)
    assert banded.min() >= LOW and banded.max() < HIGH
    # quantiles of two samples of ~180k and 200k ages spread over 8 years: the SE of a
    # sample quantile is about 8 / sqrt(n) * 0.6, 0.01 years; allow 0.05
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(banded, q) == pytest.approx(np.quantile(inside, q), abs=0.05)


def test_band_world_changes_only_the_age_node():
    scenario = load_scenario("null")
    world, share = age_band_world(scenario, LOW, HIGH)
    full = cached_world(scenario)
    assert list(world.order) == list(full.order)
    assert 0.05 < share < 0.15
    people = world.sample(5_000, 3, columns=["age", "female", "vitd_mean_nmol"])
    natural = full.sample(5_000, 3, columns=["female"])
    assert people["age"].between(LOW, HIGH, inclusive="left").all()
    np.testing.assert_array_equal(people["female"], natural["female"])  # same streams


def _summary(study):
    data = study.data
    return np.array([len(data), data["event"].sum(), data["vitd_nmol"].mean(),
                     study.estimand.value])


def test_banded_cohort_is_the_same_study_in_distribution():
    """Six replicates of the cohort with and without banding: enrolled, cases, mean
    25(OH)D and the causal estimand agree within 4 Monte Carlo SEs of their difference.

    The banded replicates share one estimand, computed on a reference population of as
    many people of enrollment age (``prospective.reference_log_hr``): one population's
    draw, so its error is one full replicate's spread, not a sixth of it."""
    scenario = load_scenario("causal")
    options = {"population": 150_000, "age_low": 30.0, "age_high": 45.0}
    design = get_design("cohort")
    # a world given is not banded; it must be the world of the design's survey year
    world = cached_world(_apply_scenario_options(scenario, design,
                                                 design.resolve_options(options)))
    banded = np.array([_summary(run_study(scenario, "cohort", 7, rep, options))
                       for rep in range(6)])
    full = np.array([_summary(run_study(scenario, "cohort", 7, rep, options, world=world))
                     for rep in range(6)])
    assert banded[:, 0].max() < 0.5 * options["population"]  # banded people are only enrolled
    difference = banded.mean(axis=0) - full.mean(axis=0)
    se = np.sqrt(banded.var(axis=0, ddof=1) / 6 + full.var(axis=0, ddof=1) / 6)
    assert banded[:, 3].min() == banded[:, 3].max()  # one estimand for every replicate
    se[3] = np.sqrt(full[:, 3].var(ddof=1) * (1 + 1 / 6))
    assert (np.abs(difference) < 4 * se + 1e-12).all(), (difference, se)


def test_nobody_in_a_tiny_band_is_a_named_error():
    scenario = load_scenario("null")
    with pytest.raises(DesignDataError, match="nobody aged 79.999-80 among the 100 people"):
        simulate_people(scenario, cached_world(scenario), 100, 1, ["age"], (79.999, 80.0))

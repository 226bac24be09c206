"""The replicate profile (simlib.timing) and the faster estimand path it led to.

Phases nest and charge time to the innermost; keeping the estimand's inputs with the
population (Design.estimand_columns) changes no number, only what is computed again.
"""

import time
from dataclasses import replace

import numpy as np
import pytest

from simlib import load_scenario, timing
from simlib.designs import get_design
from simlib.designs.base import run_study
from simlib.montecarlo import replicate


def test_nothing_is_recorded_without_a_ledger():
    with timing.phase("fit"):
        pass
    with timing.record() as seconds:
        pass
    assert dict(seconds) == {}


def test_nested_phases_charge_the_innermost():
    with timing.record() as seconds:
        with timing.phase("sample"):
            time.sleep(0.02)
            with timing.phase("estimand"):
                time.sleep(0.05)
    assert seconds["estimand"] >= 0.05
    assert 0.02 <= seconds["sample"] < 0.05  # the estimand's time is not counted twice


def test_a_replicate_is_split_into_its_phases():
    # the hospital case-control draws blood from the people it recruits (measure); the
    # cohort reads the survey draw, a world node, so its measuring is simulate time
    for design, phases in (("hospital-case-control", set(timing.PHASES)),
                           ("cohort", set(timing.PHASES) - {"measure"})):
        with timing.record() as seconds:
            table = replicate(load_scenario("null"), design, 1, seed=1, workers=1,
                              progress=False, options={"population": 200_000})
        assert table["error"].tolist() == [""]
        assert set(seconds) == phases
        assert all(value > 0 for value in seconds.values())


@pytest.mark.parametrize("design", ["cohort", "nested-case-control", "cross-sectional",
                                    "mr-one-sample"])
def test_keeping_the_estimands_inputs_changes_no_number(design):
    scenario = load_scenario("causal")
    fast = get_design(design)
    assert fast.estimand_columns is not None
    slow = replace(fast, estimand_columns=None)
    options = {"population": 150_000}
    studies = [run_study(scenario, d, seed=4, options=options) for d in (fast, slow)]
    assert studies[0].estimand.value == studies[1].estimand.value
    assert studies[0].data.equals(studies[1].data)
    np.testing.assert_array_equal(studies[0].data.to_numpy(), studies[1].data.to_numpy())

"""Tests of simlib.experiments.trials and trials_figures (notebook 07): seeded, small, fast."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simlib import load_scenario  # noqa: E402
from simlib.designs import run_study  # noqa: E402
from simlib.designs.base import replicate_streams  # noqa: E402
from simlib.experiments import trials as tr  # noqa: E402
from simlib.experiments import trials_figures as tr_figures  # noqa: E402

POPULATION = 150_000


@pytest.fixture(scope="module")
def people():
    return {name: tr.eligible_adults(load_scenario(name), POPULATION, 7)
            for name in ("null", "causal", "threshold")}


def test_itt_truth_matches_the_trial_design_on_the_same_people():
    scenario = load_scenario("causal")
    options = {"population": POPULATION, "participants": 10_000_000, "adherence": 1.0,
               "follow_up_years": 5.0, "year": 2010}  # the scenario's year, as eligible_adults
    study = run_study(scenario, "trial", 11, options=options)  # everyone eligible
    population_seed, _ = replicate_streams(11, 0)
    same = tr.eligible_adults(scenario, POPULATION, population_seed)
    assert len(same) == len(study.data)
    result = tr.expected_trial(same, len(same), 5.0, 2000.0, 1.0)
    assert result["log_rate_ratio"] == pytest.approx(study.estimand.value, abs=0.005)


def test_null_world_is_exactly_null_and_power_is_alpha(people):
    result = tr.expected_trial(people["null"], 20_000, 5.0, 2000.0, 0.8)
    assert result["rate_ratio"] == 1.0
    assert result["power"] == pytest.approx(tr.ALPHA)
    assert 2 < result["events_placebo"] < 10  # a handful of onsets (VITAL-like)
    assert tr.participants_for_power(people["null"], 5.0, 2000.0, 0.8) == np.inf


def test_power_rises_with_size_and_meets_the_target(people):
    needed = tr.participants_for_power(people["causal"], 5.0, 2000.0, 0.8)
    result = tr.expected_trial(people["causal"], needed, 5.0, 2000.0, 0.8)
    assert result["power"] == pytest.approx(tr.POWER_TARGET, abs=0.01)
    powers = tr.expected_trial(people["causal"], np.array([1e4, 1e5, 1e6]), 5.0, 2000.0,
                               0.8)["power"]
    assert np.all(np.diff(powers) > 0)


def test_dilution_and_thresholds(people):
    table = tr.dilution_table(people["causal"], 5.0, [2000.0], [0.0, 0.5, 1.0])
    assert table["rate_ratio"].iloc[0] == 1.0
    assert np.all(np.diff(table["rate_ratio"]) < 0)
    groups = tr.subgroup_effects({"threshold": people["threshold"]}, 5.0, 2000.0, 0.8)
    replete = groups[groups["group"].isin(["50-75 nmol/L", "≥ 75 nmol/L"])]
    assert np.allclose(replete["rate_ratio"], 1.0)
    assert groups["rate_ratio"].iloc[0] < 0.9  # deficient adults benefit


def test_expected_events_match_simulated_trials(people):
    from simlib.montecarlo import replicate

    options = {"population": 100_000, "participants": 30_000, "follow_up_years": 10.0}
    table = replicate(load_scenario("causal"), "trial", reps=4, seed=3, options=options,
                      progress=False)
    expected = tr.expected_trial(people["causal"], 30_000, 10.0, 2000.0, 0.8)
    total = 4 * (expected["events_placebo"] + expected["events_dose"])
    assert abs(table["n_cases"].sum() - total) < 4 * np.sqrt(total)


def test_figures_have_labelled_axes(people):
    pair = {k: people[k] for k in ("causal", "threshold")}
    curve = tr.power_curve(pair, [1e4, 1e5, 1e6], [5.0], 2000.0, 0.8)
    figures = [tr_figures.power_figure(curve, mark=(20_000, 5.0, "VITAL-like")),
               tr_figures.widget_figure(pair, 20_000, 5.0, 2000.0, 0.8),
               tr_figures.dilution_figure(tr.dilution_table(pair["causal"], 5.0, [1000.0],
                                                            [0.0, 1.0]))]
    for figure in figures:
        for ax in figure.axes:
            assert ax.get_xlabel() or ax.get_xticklabels()
            assert ax.get_ylabel()
        plt.close(figure)
    assert tr_figures.trial_dag_figure().axes[0].get_title()

"""The dose lesson's helpers (simlib.experiments.dose): reached levels, published points,
true effects by dose, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simlib import build_world, load_scenario  # noqa: E402
from simlib.errors import ParameterError  # noqa: E402
from simlib.experiments import dose  # noqa: E402


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("null")


@pytest.fixture(scope="module")
def people(scenario):
    return dose.dose_population(scenario, 20_000, seed=3)


def test_reached_level_equals_the_world_under_intervention(scenario, people):
    world = build_world(scenario)
    for dose_iu in (0.0, 14_000.0):
        expected = world.do(supplement_iu=dose_iu).sample(20_000, 3, columns=["vitd_mean_nmol"])
        reached = dose.reached_level_nmol(people, dose_iu, scenario.vitamin_d)
        np.testing.assert_allclose(reached, expected["vitd_mean_nmol"].to_numpy(), rtol=1e-12)


def test_dose_response_is_concave_at_high_doses(scenario, people):
    summary = dose.level_summary(people, (1_000, 4_000, 14_000, 40_000), scenario.vitamin_d)
    medians = summary["median"]
    low_slope = (medians[4_000] - medians[1_000]) / 3_000
    high_slope = (medians[40_000] - medians[14_000]) / 26_000
    assert high_slope < low_slope / 10
    assert summary.loc[14_000, "above_125"] > 0.95  # far above the IOM's level of concern
    assert (summary["above_375"] <= summary["above_250"]).all()


def test_world_rises_meet_ekwaru_and_best_d_but_not_burton(scenario, people):
    points = dose.published_dose_points().set_index("dose_iu")["rise_nmol"]
    rises = dose.rise_by_dose(people, points.index, scenario.vitamin_d)["mean"]
    assert rises[1_000] == pytest.approx(points[1_000], rel=0.2)  # Ekwaru 2014
    assert rises[4_000] == pytest.approx(points[4_000], rel=0.2)  # BEST-D 2017
    assert rises[40_000] < 0.7 * points[40_000]  # under-predicts Burton's escalation peak


def test_fit_max_rise_reaches_the_target(scenario, people):
    fitted = dose.fit_max_rise(people, 40_000.0, 413.0, scenario.vitamin_d)
    params = dose.hill_params(scenario, max_rise_nmol=fitted)
    natural = dose.reached_level_nmol(people, 0.0, scenario.vitamin_d)
    like_burton = people[(natural >= 60) & (natural < 100)]
    reached = dose.reached_level_nmol(like_burton, 40_000.0, params).mean()
    assert reached == pytest.approx(413.0, abs=0.5)
    assert fitted > scenario.vitamin_d.oral_max_rise_nmol


def test_true_effect_by_dose_follows_the_world():
    table = dose.prevention_by_dose(["null", "threshold"], (2_000, 14_000), 60_000, seed=2)
    null = table[table["scenario"] == "null"]
    assert (null["risk_ratio"] == 1.0).all()  # same people, same draws: exactly no effect
    threshold = table[table["scenario"] == "threshold"].set_index("dose_iu")["risk_ratio"]
    assert threshold[2_000] < 1.0
    assert threshold[14_000] == pytest.approx(threshold[2_000], abs=0.02)  # plateau above 50


def test_relapse_ratio_is_one_in_shipped_worlds_and_follows_the_parameter():
    assert dose.relapse_ratio_at_dose(load_scenario("causal"), 14_000, 40_000, 1) == \
        pytest.approx(1.0, abs=1e-9)
    world = load_scenario("null").with_values({"relapse.vitd_rr_per_25nmol": 0.8})
    assert dose.relapse_ratio_at_dose(world, 14_000, 40_000, 1) < 0.6


def test_reference_levels_mark_what_is_in_the_project_data():
    levels = dose.reference_levels().set_index("nmol_per_l")
    assert levels.loc[375.0, "in_project_data"]
    assert not levels.loc[125.0, "in_project_data"]
    assert levels.loc[125.0, "ng_per_ml"] == 50


def test_figure_has_labelled_axes_and_the_published_points(scenario, people):
    fig = dose.dose_figure(people, scenario.vitamin_d)
    left, right = fig.axes
    assert "IU/day" in left.get_xlabel() and "nmol/L" in left.get_ylabel()
    assert "nmol/L" in right.get_xlabel()
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert any("Burton" in label for label in labels)
    plt.close(fig)


def test_bad_dose_is_refused(scenario, people):
    with pytest.raises(ParameterError, match="dose_iu"):
        dose.reached_level_nmol(people, -5.0, scenario.vitamin_d)

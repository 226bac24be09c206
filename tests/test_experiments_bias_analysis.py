"""The bias-analysis lesson's helpers (simlib.experiments.bias_analysis): the E-value, the
published figures on the per-50 scale, a small bias sweep, figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simlib import load_scenario  # noqa: E402
from simlib.errors import ParameterError  # noqa: E402
from simlib.experiments import bias_analysis as bias  # noqa: E402


def test_e_value_matches_hand_computed_values():
    # VanderWeele & Ding 2017's worked example: RR 3.9 -> 3.9 + sqrt(3.9 * 2.9) = 7.26
    assert bias.e_value(3.9) == pytest.approx(7.263, abs=1e-3)
    # Munger 2006, OR 0.59 per +50 nmol/L: 1/0.59 = 1.6949, + sqrt(1.6949 * 0.6949) = 2.780
    assert bias.e_value(0.59) == pytest.approx(2.7802, abs=1e-4)
    assert bias.e_value(1.0) == 1.0
    assert bias.e_value(0.5) == pytest.approx(bias.e_value(2.0))  # a protective ratio inverted


def test_e_value_of_a_confidence_interval():
    assert bias.e_value_ci(0.36, 0.97) == pytest.approx(bias.e_value(0.97))
    assert bias.e_value_ci(1.2, 3.0) == pytest.approx(bias.e_value(1.2))
    assert bias.e_value_ci(0.8, 1.3) == 1.0  # the interval includes 1
    with pytest.raises(ParameterError, match="CI"):
        bias.e_value_ci(0.9, 0.5)
    with pytest.raises(ParameterError, match="ratio"):
        bias.e_value(-1.0)


def test_the_e_value_sits_on_the_explain_away_curve():
    ratio = 0.59
    e = bias.e_value(ratio)
    assert bias.confounder_needed(ratio, e) == pytest.approx(e)
    # the Ding-VanderWeele bias factor of a point on the curve equals the observed 1/RR
    rr_eu = 5.0
    rr_ud = bias.confounder_needed(ratio, rr_eu)
    assert rr_eu * rr_ud / (rr_eu + rr_ud - 1) == pytest.approx(1 / ratio)
    assert math.isinf(bias.confounder_needed(ratio, 1.5))  # too weak to explain it away


def test_published_estimates_are_on_the_per_50_scale():
    table = bias.published_estimates()
    row = table.loc["munger2006_or50"]
    assert (row["ratio"], row["ci_low"], row["ci_high"]) == (0.59, 0.36, 0.97)
    assert row["log_ratio"] == pytest.approx(math.log(0.59))


def test_bias_grid_scales_the_null_world():
    null = load_scenario("null")
    grid = bias.bias_grid("hospital-case-control", null)
    assert grid[bias.CONFOUNDING_KEY] == [1.0, round(null.ms.latitude_hr_per_10_degrees, 3)]
    assert grid["reverse_causation.onset_sun_loss"] == [0.0, 0.25, 0.5]


@pytest.fixture(scope="module")
def small_sweep():
    """A tiny cohort sweep in the null world (about 3 s)."""
    options = {"cohort": {"population": 100_000, "participants": 100_000}}
    return bias.run_bias_sweeps(load_scenario("null"), options, reps=1, seed=4, workers=1)


def test_small_sweep_is_biased_downwards_in_the_null_world(small_sweep):
    summary = bias.sweep_summary(small_sweep)
    assert len(summary) == len(bias.CONFOUNDING_LEVELS) * len(bias.REVERSE_LEVELS)
    assert (summary["truth"] == 0.0).all()  # the null world: the truth is no effect
    # same people at every point: more prodrome loss, lower estimate, at each confounding
    for _, rows in summary.groupby("confounding_level"):
        ratios = rows.sort_values("reverse_value")["ratio"].to_numpy()
        assert np.all(np.diff(ratios) < 0)
    # per_50 doubles the library's per-25 log ratio
    assert summary["log_ratio"].iloc[0] == pytest.approx(2 * small_sweep["estimate"].iloc[0])


def test_figures_have_labelled_axes_and_the_truth(small_sweep):
    summary = bias.sweep_summary(small_sweep)
    fig = bias.plot_bias_lines(summary)
    ax = fig.axes[0]
    assert "OR per +50 nmol/L" in ax.get_ylabel() and ax.get_xlabel()
    truth = [line for line in ax.get_lines() if line.get_label().startswith("truth")]
    assert truth and truth[0].get_ydata()[0] == 1.0
    heat = bias.bias_heatmaps(small_sweep, summary)
    assert "latitude HR" in heat.axes[0].get_xlabel()
    cell = bias.cell_figure(summary, 1, 1, 0.59, 0.97)
    assert "E-value 2.78" in [t.get_text() for t in cell.axes[1].texts]
    for figure in (fig, heat, cell):
        plt.close(figure)


def test_null_significance_chance():
    assert bias.null_significance_chance(0.0, 0.2) == pytest.approx(0.025, abs=1e-4)
    assert bias.null_significance_chance(-0.4, 0.2) > 0.5

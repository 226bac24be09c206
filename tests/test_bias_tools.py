"""simlib.bias: E-values, bounding factor, probabilistic bias analysis, regression calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simlib import bias
from simlib.errors import ParameterError


# ------------------------------------------------------------------- E-values
@pytest.mark.parametrize(("estimate", "low", "high", "scale", "common", "point", "ci"), [
    # VanderWeele & Ding 2017 worked examples
    (10.73, 8.02, 14.36, "rr", False, 20.95, 15.52),  # smoking and lung cancer
    (3.9, 1.8, 8.7, "or", False, 7.26, 3.00),  # breastfeeding (rare outcome: OR ~ RR)
    (0.80, 0.71, 0.91, "rr", False, 1.81, 1.43),  # protective: ratios inverted
])
def test_e_values_equal_the_papers_worked_examples(estimate, low, high, scale, common,
                                                   point, ci):
    result = bias.e_value(estimate, low, high, scale=scale, common=common)
    assert round(result.point, 2) == point
    assert round(result.ci, 2) == ci


def test_common_outcome_conversions_follow_table_2():
    odds = bias.e_value(0.86, 0.75, 0.99, scale="or", common=True)
    assert odds.rr == pytest.approx(math.sqrt(0.86))
    assert round(odds.point, 2) == 1.37 and round(odds.ci, 2) == 1.08
    hazard = bias.e_value(0.56, 0.46, 0.69, scale="hr", common=True)
    root = math.sqrt(0.56)
    assert hazard.rr == pytest.approx((1 - 0.5 ** root) / (1 - 0.5 ** (1 / root)))
    # a rare outcome leaves an HR as it is; a common one moves it towards the null
    assert bias.e_value(0.56, scale="hr").rr == 0.56 and hazard.rr > 0.56
    assert hazard.point < bias.e_value(0.56, scale="hr").point


def test_an_interval_across_the_null_has_e_value_1_and_the_null_itself_1():
    assert bias.e_value(1.3, 0.9, 1.8).ci == 1.0
    assert bias.e_value(1.0).point == 1.0
    assert bias.e_value(0.5).point == pytest.approx(bias.e_value(2.0).point)


def test_the_e_value_is_where_the_bounding_factor_reaches_the_ratio():
    for ratio in (1.2, 2.0, 3.9, 10.73):
        e = bias.e_value_rr(ratio)
        assert bias.bounding_factor(e, e) == pytest.approx(ratio)
        assert bias.bounding_factor(e * 0.9, e * 0.9) < ratio  # weaker cannot explain it
    assert bias.bounding_factor(2.0, 3.0) == pytest.approx(6 / 4)
    assert bias.bounding_factor(0.5, 3.0) == bias.bounding_factor(2.0, 3.0)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: bias.e_value(-0.5), "estimate=-0.5: a ratio must be a positive number"),
    (lambda: bias.e_value(0.0), "estimate=0.0"),
    (lambda: bias.e_value(0.6, 0.7, 0.9), "must contain the estimate"),
    (lambda: bias.e_value(0.6, 0.5), "give both confidence limits"),
    (lambda: bias.e_value(2.0, scale="rd"), "scale='rd': allowed rr, or, hr"),
    (lambda: bias.e_value("x"), "estimate='x'"),
])
def test_bad_e_value_input_is_one_line_naming_the_parameter(call, words):
    with pytest.raises(ParameterError, match=words) as error:
        call()
    assert "\n" not in str(error.value)


# ------------------------------------------------------ probabilistic bias analysis
def test_fixed_confounder_parameters_give_the_simple_bias_adjusted_estimate():
    # Schlesselman's external adjustment with fixed values: every draw is the same
    result = bias.unmeasured_confounder(0.4, 0.2, 3.0, estimate=0.59, se=0.2, draws=1000,
                                        seed=1)
    simple = 0.59 / ((0.4 * 2 + 1) / (0.2 * 2 + 1))
    assert result.median == pytest.approx(simple)
    assert result.low == pytest.approx(simple) and result.high == pytest.approx(simple)
    # random error only: the conventional interval around the adjusted estimate,
    # within Monte Carlo error of its percentiles (1000 draws)
    assert result.total_low == pytest.approx(simple * math.exp(-1.96 * 0.2), rel=0.05)
    assert result.total_high == pytest.approx(simple * math.exp(1.96 * 0.2), rel=0.05)


def test_fixed_sensitivity_and_specificity_give_the_simple_corrected_table():
    table = bias.Table2x2(45, 94, 257, 945)  # exposed/unexposed cases, non-cases
    result = bias.misclassification(table, 0.9, 0.8, draws=500, seed=3)
    a = (45 - 0.2 * 139) / 0.7
    c = (257 - 0.2 * 1202) / 0.7
    simple = a * (1202 - c) / ((139 - a) * c)
    assert result.median == pytest.approx(simple)
    assert result.kept == 500 and result.discarded == {}


def test_differential_misclassification_uses_each_groups_values():
    table = bias.Table2x2(45, 94, 257, 945)
    same = bias.misclassification(table, 0.9, 0.95, 0.9, 0.95, draws=200, seed=1)
    other = bias.misclassification(table, 0.9, 0.95, 0.7, 0.95, draws=200, seed=1)
    assert same.median == pytest.approx(bias.misclassification(table, 0.9, 0.95, draws=200,
                                                               seed=1).median)
    assert other.median != pytest.approx(same.median)


def test_a_probabilistic_analysis_is_seeded_and_counts_impossible_draws():
    table = bias.Table2x2(45, 94, 257, 945)
    run = [bias.misclassification(table, stats.uniform(0.6, 0.4), stats.uniform(0.7, 0.35),
                                  draws=5000, seed=seed) for seed in (7, 7, 8)]
    assert run[0].median == run[1].median and run[0].total_low == run[1].total_low
    assert run[0].median != run[2].median
    # specificity above 1 in 0.05/0.35 of draws: discarded and counted by reason
    outside = run[0].discarded["sensitivity or specificity outside 0-1"]
    assert abs(outside / 5000 - 1 / 7) < 4 * math.sqrt((1 / 7) * (6 / 7) / 5000)
    assert run[0].kept + sum(run[0].discarded.values()) == 5000
    assert run[0].low < run[0].median < run[0].high
    assert run[0].total_low < run[0].low and run[0].total_high > run[0].high


def test_every_draw_impossible_is_an_error_not_a_nan_table():
    with pytest.raises(ParameterError, match="every draw of the bias parameters was "
                                             "impossible"):
        bias.unmeasured_confounder(1.5, 0.2, 2.0, estimate=0.8, se=0.1, draws=200)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: bias.misclassification(None, 0.9, 0.9), "needs the 2 x 2 table"),
    (lambda: bias.Table2x2(0, 1, 2, 3), "exposed_cases=0: a cell count must be a positive number"),
    (lambda: bias.unmeasured_confounder(0.4, 0.2, 2.0), "give the ratio and the SE"),
    (lambda: bias.unmeasured_confounder(0.4, 0.2, "big", estimate=0.8, se=0.1),
     "rr_confounder_outcome='big'"),
    (lambda: bias.unmeasured_confounder(0.4, 0.2, 2.0, estimate=0.8, se=0.1, draws=5),
     "draws=5"),
])
def test_bad_bias_analysis_input_is_one_line(call, words):
    with pytest.raises(ParameterError, match=words):
        call()


# ------------------------------------------------------------ regression calibration
def _repeat_sample(people, reliability_true, seed, draws=2):
    rng = np.random.default_rng(seed)
    usual = rng.normal(60.0, 15.0, people)
    error_sd = 15.0 * math.sqrt(1 / reliability_true - 1)
    return usual[:, None] + rng.normal(0.0, error_sd, (people, draws))


def test_reliability_recovers_the_variance_ratio_within_its_standard_error():
    repeats = _repeat_sample(4000, 0.6, seed=1)
    result = bias.regression_calibration(-0.12, 0.04, repeats, seed=2)
    assert abs(result.reliability - 0.6) < 4 * result.reliability_se
    assert 0.005 < result.reliability_se < 0.03
    assert result.estimate == pytest.approx(-0.12 / result.reliability)
    assert result.se > 0.04 / result.reliability  # lambda's uncertainty adds to the SE
    # averaging three draws in the main study (Spearman-Brown): a higher reliability
    three = bias.reliability(repeats, draws_in_main_study=3)
    assert three == pytest.approx(3 * result.reliability / (1 + 2 * result.reliability))


def test_calibration_undoes_simulated_regression_dilution():
    """A logistic slope on an error-prone exposure, corrected, covers the true slope."""
    import statsmodels.api as sm
    rng = np.random.default_rng(11)
    usual = rng.normal(0.0, 1.0, 40_000)
    measured = usual + rng.normal(0.0, 1.0, usual.size)  # reliability 0.5
    outcome = rng.random(usual.size) < 1 / (1 + np.exp(-(-4.0 - 0.5 * usual)))
    fit = sm.Logit(outcome.astype(float), sm.add_constant(measured)).fit(disp=0)
    repeats = _repeat_sample(2000, 0.5, seed=12)
    result = bias.regression_calibration(fit.params[1], fit.bse[1], repeats, seed=13)
    assert fit.params[1] > -0.35  # diluted about halfway to 0
    assert result.ci_low < -0.5 < result.ci_high


def test_bad_repeats_are_refused():
    with pytest.raises(ParameterError, match="people x draws array"):
        bias.regression_calibration(0.1, 0.05, np.ones(10))
    with pytest.raises(ParameterError, match="no between-person variance"):
        bias.regression_calibration(0.1, 0.05, np.tile([[0.0, 1.0], [1.0, 0.0]], (25, 1)))
    with pytest.raises(ParameterError, match="draws_in_main_study=0"):
        bias.reliability(np.ones((5, 2)), draws_in_main_study=0)


# ------------------------------------------------------------------------- CLI
def test_cli_evalue_prints_the_e_values_and_json(capsys):
    from simlib.cli import main
    assert main(["evalue", "--estimate", "0.59", "--ci-low", "0.36", "--ci-high", "0.97",
                 "--scale", "or"]) == 0
    assert "E-value 2.78; for the confidence limit nearer the null, 1.21" in \
        capsys.readouterr().out
    assert main(["evalue", "--estimate", "0.56", "--scale", "hr", "--common",
                 "--format", "json"]) == 0
    import json
    result = json.loads(capsys.readouterr().out)
    assert result["scale"] == "hr" and result["common"] is True
    assert result["point"] == pytest.approx(bias.e_value(0.56, scale="hr", common=True).point)


@pytest.mark.parametrize(("argv", "words"), [
    (["--estimate", "-1"], "estimate=-1.0: a ratio must be a positive number"),
    (["--estimate", "0"], "estimate=0.0"),
    (["--estimate", "nan"], "estimate=nan"),
    (["--estimate", "x"], "invalid float value: 'x'"),
    (["--estimate", "0.5", "--ci-low", "0.6", "--ci-high", "0.9"], "must contain the estimate"),
    (["--estimate", "0.5", "--scale", "rd"], "invalid choice: 'rd'"),
])
def test_cli_evalue_bad_input_exits_2_with_one_line(argv, words, capsys):
    from simlib.cli import main
    try:
        status = main(["evalue", *argv])
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err

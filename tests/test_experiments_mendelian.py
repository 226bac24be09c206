"""Tests of simlib.experiments.mendelian, mendelian_batched and mendelian_figures (notebook 06).

Seeded, small, fast.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simlib import estimators as est  # noqa: E402
from simlib import instruments as iv  # noqa: E402
from simlib import load_scenario  # noqa: E402
from simlib.designs import run_study  # noqa: E402
from simlib.experiments import mendelian as mr  # noqa: E402
from simlib.experiments import mendelian_batched as batched  # noqa: E402
from simlib.experiments import mendelian_figures as mr_figures  # noqa: E402
from simlib.montecarlo import replicate  # noqa: E402

SMALL = {"population": 40_000}


@pytest.fixture(scope="module")
def causal_study():
    return run_study(load_scenario("causal"), "mr-one-sample", 3, options=SMALL)


def test_replicate_estimators_matches_replicate():
    scenario = load_scenario("causal")
    table, first = mr.replicate_estimators(scenario, "mr-one-sample",
                                           ["wald-ratio", "observational-logit"], 2, 5, SMALL)
    reference = replicate(scenario, "mr-one-sample", reps=2, seed=5, options=SMALL,
                          progress=False)
    mine = table[table["estimator"] == "wald-ratio"].reset_index(drop=True)
    assert list(table.columns) == list(reference.columns)
    np.testing.assert_allclose(mine["estimate"], reference["estimate"], rtol=1e-12)
    np.testing.assert_allclose(mine["estimand_value"], reference["estimand_value"])
    assert len(table) == 4 and first.design == "mr-one-sample"


def test_fast_mr_equals_library_estimators(causal_study):
    data = causal_study.data
    fast = batched.fast_mr(*(data[c].to_numpy(float)[None] for c in mr.WIDGET_COLUMNS))
    wald = iv.mr_wald_ratio(data, "ms", "vitd_nmol", "allele_score", ["ancestry_pc"])
    logit = est.logit(data, "ms", "vitd_nmol", ["ancestry_pc"])
    np.testing.assert_allclose(fast["wald"][0], wald.estimate, rtol=1e-6)
    np.testing.assert_allclose(fast["wald_se"][0], wald.se, rtol=1e-6)
    np.testing.assert_allclose(fast["observational"][0], logit.estimate, rtol=1e-6)
    assert fast["first_stage_f"][0] > 500  # the score is a strong instrument here


def test_instrument_strength_recovers_per_allele_effects(causal_study):
    scenario = load_scenario("causal")
    table = mr.instrument_strength(causal_study.data, scenario.genetics.effect_nmol)
    snps = table.iloc[:4]
    error = (snps["estimated (nmol/L per allele)"]
             - snps["effect in the world (nmol/L per allele)"]) / snps["SE"]
    assert np.all(np.abs(error) < 4)
    assert 2.5 < table["variance explained (%)"].iloc[5] < 8  # about 5% (Revez 2020)


def test_weak_instruments_pull_two_stage_towards_ols():
    adults = mr.bmi_adults(load_scenario("causal"), 100_000, 1)
    pool, pool_ols, _ = batched.batched_two_stage(*(adults[k][None] for k in
                                                    ("bmi", "vitd", "snps", "ancestry")))
    table = mr.weak_instrument_experiment(adults, [50, 1600], 50_000, 2).set_index("people")
    weak, strong = table.loc[50], table.loc[1600]
    assert weak["median_f"] < 3 < 10 < strong["median_f"]
    assert pool_ols[0] < -0.3  # observational slope: low 25(OH)D goes with high BMI
    assert weak["mean_2sls"] < pool[0] - 0.1  # small studies drift towards OLS
    # large studies: the pool's own 2SLS estimate (the truth, 0, up to the pool's noise)
    assert abs(strong["mean_2sls"] - pool[0]) < 4 * strong["mcse_2sls"] + 0.02
    assert abs(pool[0]) < 0.25


def test_violations_move_the_wald_ratio_in_the_expected_direction():
    grid = mr.violation_grid(load_scenario("null"), [0.95, 1.0], [0.0, 0.3], 60_000, 4)
    adults = len(next(iter(grid.values()))[0])

    def wald(hr, shift, label="MR Wald ratio, ancestry-adjusted"):
        rows = mr.grid_estimates(grid, hr, shift, adults)
        return rows.loc[rows["label"] == label, "estimate"].iloc[0]

    assert wald(0.95, 0.0) < wald(1.0, 0.0) - 0.1  # pleiotropy fakes protection
    assert wald(1.0, 0.3, "MR Wald ratio, not adjusted") > wald(1.0, 0.3) + 0.3
    assert mr.grid_estimates(grid, 0.97, 0.26, 1000).attrs["stratification"] == 0.3


def test_per_log_unit_conversion():
    assert mr.per_log_unit(np.log(0.8), 25.0) == pytest.approx(np.log(0.8))
    assert mr.per_log_unit(-0.2, 50.0) == pytest.approx(-0.4)


def test_figures_have_labelled_axes(causal_study):
    figures = [mr_figures.iv_dag_figure(), mr_figures.score_groups_figure(causal_study.data)]
    precision = mr.precision_by_size(causal_study.data, [10_000, 20_000], 1)
    adults = mr.bmi_adults(load_scenario("causal"), 20_000, 1)
    weak = mr.weak_instrument_experiment(adults, [100, 400], 2000, 1)
    figures.append(mr_figures.weak_instruments_figure(precision, weak, -0.22))
    assert figures[0].axes[0].get_title()
    for figure in figures[1:]:
        for ax in figure.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
    for figure in figures:
        plt.close(figure)

"""The seasonal swing of the relapse rate (simlib.history): what the calibration and the
validation read off it, checked against direct integration of the rate's factor."""

from dataclasses import replace

import numpy as np
import pytest

from simlib import history, load_scenario
from simlib.calibrate import published_figures


@pytest.fixture(scope="module")
def relapse():
    return load_scenario("null").relapse


def test_month_factors_average_one_and_peak_in_early_spring(relapse):
    factors = history.relapse_month_factors(relapse)
    # the cosine integrates to about zero over 365 days of a 365.25-day cycle
    assert np.average(factors, weights=history.MONTH_DAYS) == pytest.approx(1.0, abs=1e-3)
    assert np.argmax(factors) in (1, 2)  # February-March: Spelman's peak is 7 March
    assert np.argmax(factors) != np.argmin(factors)
    assert 7 <= np.argmin(factors) <= 8  # August-September


def test_a_flat_season_gives_ratios_of_one(relapse):
    flat = replace(relapse, spring_amplitude=0.0)
    assert history.relapse_season_range(flat) == pytest.approx(1.0)
    assert history.relapse_month_ratio(flat, 3) == pytest.approx(1.0)


def test_month_ratio_is_the_ratio_of_day_weighted_means(relapse):
    day = np.arange(365) + 0.5
    factor = 1 + relapse.spring_amplitude * np.cos(2 * np.pi * (day - relapse.peak_day) / 365.25)
    march = (day >= 59) & (day < 90)
    assert history.relapse_month_ratio(relapse, 3) == pytest.approx(
        factor[march].mean() / factor[~march].mean(), rel=1e-12)


def test_the_default_swing_meets_the_pooled_figure_and_grows_with_the_amplitude(relapse):
    row = published_figures().loc["relapse_season_range"]
    swing = history.relapse_season_range(relapse)
    assert float(row["ci_low"]) <= swing <= float(row["ci_high"])
    stronger = history.relapse_season_range(replace(relapse, spring_amplitude=0.2))
    assert stronger > 1.3  # the old assumed amplitude: far outside the pooled 7-13%

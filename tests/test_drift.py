"""simlib.drift: a person's 25(OH)D drift over the years (an OU process by random features)."""

import numpy as np
import pytest

from simlib import drift

N = 400_000


@pytest.fixture(scope="module")
def keys():
    return drift.drift_key(np.random.default_rng(7), N)


def test_unit_variance_and_zero_mean(keys):
    z = drift.standard_drift(keys, 40.0, 6.0)
    # SE of the mean 1/sqrt(N) = 0.0016; of the SD about 0.0011 (plus the non-normal tail)
    assert abs(z.mean()) < 0.008
    assert z.std() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("lag", [1.0, 3.0, 5.0, 11.0, 21.0])
def test_correlation_decays_as_exp_minus_lag_over_years(keys, lag):
    first = drift.standard_drift(keys, 40.0, 6.0)
    later = drift.standard_drift(keys, 40.0 + lag, 6.0)
    r = np.corrcoef(first, later)[0, 1]
    # MCSE of r about (1 - r^2) / sqrt(N) <= 0.0016; 0.01 is more than 6 MCSE
    assert r == pytest.approx(np.exp(-lag / 6.0), abs=0.01)


def test_a_persons_drift_does_not_depend_on_who_else_is_evaluated(keys):
    ages = np.linspace(20.0, 80.0, N)
    every = drift.standard_drift(keys, ages, 6.0)
    rows = np.arange(0, N, 97)
    np.testing.assert_array_equal(drift.standard_drift(keys[rows], ages[rows], 6.0),
                                  every[rows])


def test_no_drift_is_exactly_one(keys):
    np.testing.assert_array_equal(drift.drift_factor(keys[:100], 50.0, 0.0, 6.0), 1.0)
    factor = drift.drift_factor(keys, 50.0, 0.2, 6.0)
    assert factor.mean() == pytest.approx(1.0, abs=0.005)  # mean preserved (SE 0.0003)

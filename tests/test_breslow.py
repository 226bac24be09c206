"""The vectorized Breslow Cox fit equals statsmodels ``PHReg`` (ties="breslow")."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from simlib import estimators as est
from simlib.breslow import fit_breslow

SEED = 20250301
RTOL, ATOL = 1e-6, 1e-8


def cohort(rng, n=2000, p=3, whole_years=False):
    """Delayed entry, exponential onsets after entry, uniform censoring."""
    x = rng.normal(size=(n, p))
    log_hr = np.linspace(0.5, -0.3, p)
    entry = rng.uniform(0, 5, n)
    onset = entry + rng.exponential(10 * np.exp(-x @ log_hr))
    censor = entry + rng.uniform(0, 15, n)
    time, status = np.minimum(onset, censor), (onset <= censor).astype(float)
    if whole_years:  # many tied event times; floor/ceil keeps entry <= time
        entry, time = np.floor(entry), np.ceil(time)
    return time, status, x, entry


def assert_equals_phreg(time, status, exog, entry=None, strata=None):
    """fit_breslow and PHReg agree on params, bse and the log partial likelihood."""
    fit = fit_breslow(time, status, exog, entry=entry, strata=strata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PHReg(time, exog, status=status, entry=entry, strata=strata, ties="breslow")
        direct = model.fit()
    assert fit.converged
    np.testing.assert_allclose(fit.params, direct.params, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(fit.bse, direct.bse, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(fit.cov_params, direct.cov_params(), rtol=RTOL, atol=ATOL)
    assert fit.loglike == pytest.approx(model.loglike(fit.params), rel=1e-12)
    assert fit.loglike == pytest.approx(model.loglike(direct.params), rel=1e-10)
    assert fit.n_obs == len(time) and fit.n_events == status.sum()
    return fit


def test_delayed_entry_and_censoring():
    assert_equals_phreg(*cohort(np.random.default_rng(SEED)))


def test_tied_times_use_breslow():
    time, status, x, entry = cohort(np.random.default_rng(SEED + 1), whole_years=True)
    assert len(np.unique(time[status == 1])) < status.sum() / 5  # heavily tied
    assert_equals_phreg(time, status, x, entry)


def test_strata_including_one_without_events():
    time, status, x, entry = cohort(np.random.default_rng(SEED + 2), whole_years=True)
    strata = np.array(["north", "south", "east"])[np.arange(len(time)) % 3]
    status = np.where(strata == "east", 0.0, status)
    fit = assert_equals_phreg(time, status, x, entry, strata)
    # an event-free stratum changes nothing: the fit equals that without its rows
    kept = strata != "east"
    alone = fit_breslow(time[kept], status[kept], x[kept], entry[kept], strata[kept])
    np.testing.assert_allclose(fit.params, alone.params, rtol=1e-12)


def test_entry_at_an_event_time_is_in_the_risk_set():
    time, status, x, entry = cohort(np.random.default_rng(SEED + 3), whole_years=True)
    time[:40], status[:40] = entry[:40], np.arange(40) % 2  # at risk at their entry only
    at_event = np.isin(entry, time[status == 1])
    assert at_event.sum() > 100 and ((entry == time) & (status == 1)).sum() == 20
    assert_equals_phreg(time, status, x, entry)


def test_single_covariate_as_a_vector():
    time, status, x, entry = cohort(np.random.default_rng(SEED + 4), p=1)
    fit = assert_equals_phreg(time, status, x[:, 0], entry)
    assert fit.params.shape == fit.bse.shape == (1,)


def test_no_delayed_entry():
    time, status, x, _ = cohort(np.random.default_rng(SEED + 5))
    assert_equals_phreg(time, status, x)


def test_collinear_design_raises_or_fails():
    time, status, x, entry = cohort(np.random.default_rng(SEED + 6))
    collinear = np.column_stack([x, 2 * x[:, 0] - x[:, 1]])
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        fit_breslow(time, status, collinear, entry)
    data = pd.DataFrame({"t": time, "e": status, "entry": entry, "a": x[:, 0], "b": 2 * x[:, 0]})
    fit = est.cox(data, "t", "e", "a", ["b"], entry="entry", per=1.0)
    assert not fit.converged and np.isnan(fit.estimate) and "singular" in fit.reason


def test_monotone_likelihood_does_not_converge():
    """No events among the exposed: the log HR runs off to minus infinity."""
    time, status, x, entry = cohort(np.random.default_rng(SEED + 7), p=1)
    exposed = (np.arange(len(time)) % 2).astype(float)
    fit = fit_breslow(time, np.where(exposed == 1, 0.0, status), exposed, entry)
    assert not fit.converged


@pytest.mark.parametrize(("change", "words"), [
    (lambda t, s, x, e: (t, s, x, t + 1.0), "entry times may not occur after"),
    (lambda t, s, x, e: (t - 100.0, s, x, None), "non-negative"),
    (lambda t, s, x, e: (t, s[:-1], x, e), "same length"),
    (lambda t, s, x, e: (t, 2 * s, x, e), "status"),
    (lambda t, s, x, e: (np.where(s == 1, np.nan, t), s, x, e), "finite"),
    (lambda t, s, x, e: (t, 0 * s, x, e), "no events"),
])
def test_invalid_inputs_raise_value_error(change, words):
    arguments = change(*cohort(np.random.default_rng(SEED + 8), n=200))
    with pytest.raises(ValueError, match=words):
        fit_breslow(*arguments)


def test_estimators_cox_equals_phreg():
    rng = np.random.default_rng(SEED + 9)
    time, status, x, entry = cohort(rng, n=3000)
    data = pd.DataFrame({"age_out": time, "ms": status.astype(int), "age_in": entry,
                         "vitd": 60 + 20 * x[:, 0], "bmi": x[:, 1],
                         "sex": rng.choice(["F", "M"], len(time))})
    fit = est.cox(data, "age_out", "ms", "vitd", ["bmi", "sex"], entry="age_in")
    exog = np.column_stack([data.vitd / 25, data.bmi, data.sex == "M"]).astype(float)
    direct = PHReg(time, exog, status=status, entry=entry, ties="breslow").fit()
    assert fit.converged and fit.method == "cox-adjusted" and fit.n_cases == status.sum()
    assert fit.estimate == pytest.approx(direct.params[0], rel=RTOL, abs=ATOL)
    assert fit.se == pytest.approx(direct.bse[0], rel=RTOL, abs=ATOL)
    assert fit.model.converged and fit.scale == "log HR per 25 nmol/L"


def test_import_is_light():
    probe = ("import sys, simlib.breslow\n"
             "print([m for m in ('pandas', 'scipy', 'statsmodels') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"

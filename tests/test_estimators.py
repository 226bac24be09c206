"""Estimators: exact on hand-computable tables, equal to statsmodels, robust to failure."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.discrete.conditional_models import ConditionalLogit
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.sandbox.regression.gmm import IV2SLS

from simlib import estimators as est
from simlib import instruments as iv
from simlib.errors import ParameterError

EXACT = 1e-10


def table_rows(cells: dict[tuple[int, int], int]) -> pd.DataFrame:
    """Expand {(exposed, case): count} into one row per person."""
    rows = [(x, y) for (x, y), count in cells.items() for _ in range(count)]
    return pd.DataFrame(rows, columns=["x", "y"])


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """Seeded cohort: 25(OH)D lowers the hazard; age and sex confound nothing much."""
    rng = np.random.default_rng(20240611)
    n = 3000
    vitd = rng.normal(60, 20, n)
    age = rng.uniform(20, 60, n)
    sex = rng.choice(["F", "M"], n, p=[0.7, 0.3])
    rate = 0.01 * np.exp(-0.02 * (vitd - 60) + 0.01 * (age - 40) + 0.4 * (sex == "F"))
    onset = rng.exponential(1 / rate)
    follow = rng.uniform(5, 20, n)
    entry = rng.uniform(0, 4, n)
    return pd.DataFrame({
        "vitd": vitd, "age": age, "sex": sex, "entry": entry,
        "time": np.minimum(onset, follow) + entry, "event": (onset < follow).astype(int),
        "py": np.minimum(onset, follow), "weight": rng.uniform(0.5, 2, n),
        "set": np.repeat(np.arange(n // 3), 3), "region": rng.integers(0, 4, n),
    })


def test_logit_two_by_two_table_is_exact():
    a, b, c, d = 30, 20, 70, 180  # exposed cases, unexposed cases, exposed / unexposed non-cases
    data = table_rows({(1, 1): a, (0, 1): b, (1, 0): c, (0, 0): d})
    fit = est.logit(data, "y", "x", per=1.0, unit="unit")
    assert fit.converged and fit.n == a + b + c + d and fit.n_cases == a + b
    assert fit.estimate == pytest.approx(math.log(a * d / (b * c)), abs=1e-6)
    assert fit.se == pytest.approx(math.sqrt(1 / a + 1 / b + 1 / c + 1 / d), abs=1e-6)
    assert fit.ci_low == pytest.approx(fit.estimate - 1.959964 * fit.se, abs=1e-6)
    assert fit.ratio == pytest.approx(a * d / (b * c), rel=1e-6)
    assert fit.ratio_ci[0] < fit.ratio < fit.ratio_ci[1]
    assert fit.scale == "log OR per 1 unit" and fit.method == "logit"


def test_poisson_two_groups_is_exact():
    e1, py1, e0, py0 = 25, 1000.0, 40, 3000.0
    data = pd.DataFrame({"x": [1, 1, 0, 0], "events": [10, e1 - 10, 15, e0 - 15],
                         "py": [400.0, py1 - 400, 1000.0, py0 - 1000]})
    fit = est.poisson_rate(data, "events", "py", "x", per=1.0)
    assert fit.converged and fit.n_cases == e1 + e0
    assert fit.estimate == pytest.approx(math.log((e1 / py1) / (e0 / py0)), abs=1e-6)
    assert fit.se == pytest.approx(math.sqrt(1 / e1 + 1 / e0), abs=1e-6)
    assert fit.scale.startswith("log RR")


def test_conditional_logit_matched_pairs_is_discordant_ratio():
    n10, n01, n11, n00 = 30, 12, 25, 40  # (case exposed, control exposed) pair counts
    rows = []
    for (case_x, control_x), count in {(1, 0): n10, (0, 1): n01, (1, 1): n11,
                                       (0, 0): n00}.items():
        for _ in range(count):
            pair = len(rows) // 2
            rows += [(pair, 1, case_x), (pair, 0, control_x)]
    data = pd.DataFrame(rows, columns=["pair", "y", "x"])
    fit = est.conditional_logit(data, "y", "x", "pair", per=1.0)
    assert fit.converged and fit.method == "conditional-logit"
    assert fit.estimate == pytest.approx(math.log(n10 / n01), abs=1e-6)
    assert fit.se == pytest.approx(math.sqrt(1 / n10 + 1 / n01), abs=1e-6)


def test_cox_strata_of_pairs_is_discordant_ratio():
    # Each pair is a stratum; the first to fail has the event with both at risk, the other
    # is censored later. The partial likelihood is that of matched pairs: log HR = log(n10/n01).
    n10, n01, n11, n00 = 18, 7, 10, 12  # (failing member exposed, censored member exposed)
    rows = []
    for (first_x, second_x), count in {(1, 0): n10, (0, 1): n01, (1, 1): n11,
                                       (0, 0): n00}.items():
        for _ in range(count):
            pair = len(rows) // 2
            rows += [(pair, 1.0 + pair, 1, first_x), (pair, 2.0 + pair, 0, second_x)]
    data = pd.DataFrame(rows, columns=["pair", "t", "e", "x"])
    fit = est.cox(data, "t", "e", "x", strata="pair", per=1.0)
    assert fit.converged and fit.n_cases == n10 + n01 + n11 + n00
    assert fit.estimate == pytest.approx(math.log(n10 / n01), abs=1e-6)
    assert fit.se == pytest.approx(math.sqrt(1 / n10 + 1 / n01), abs=1e-6)


def test_cox_equals_phreg_with_entry_and_strata(people):
    fit = est.cox(people, "time", "event", "vitd", ["age", "sex"], entry="entry", strata="region")
    exog = np.column_stack([people.vitd / 25, people.age, people.sex == "M"]).astype(float)
    direct = PHReg(people.time.to_numpy(), exog, status=people.event.to_numpy(),
                   entry=people.entry.to_numpy(), strata=people.region.to_numpy()).fit()
    assert fit.converged and fit.method == "cox-adjusted" and fit.n_cases == people.event.sum()
    assert fit.estimate == pytest.approx(direct.params[0], abs=EXACT)
    assert fit.se == pytest.approx(direct.bse[0], abs=EXACT)
    assert fit.model is not None and fit.scale == "log HR per 25 nmol/L"


def test_logit_equals_statsmodels_formula(people):
    fit = est.logit(people, "event", "vitd", ["age", "sex"])
    direct = smf.logit("event ~ I(vitd / 25) + age + C(sex)", people).fit(disp=0)
    assert fit.method == "logit-adjusted"
    assert fit.estimate == pytest.approx(direct.params["I(vitd / 25)"], abs=EXACT)
    assert fit.se == pytest.approx(direct.bse["I(vitd / 25)"], abs=EXACT)
    assert fit.p_value == pytest.approx(direct.pvalues["I(vitd / 25)"], abs=EXACT)


def test_poisson_equals_statsmodels_formula(people):
    fit = est.poisson_rate(people, "event", "py", "vitd", ["age", "sex"])
    direct = smf.glm("event ~ I(vitd / 25) + age + C(sex)", people,
                     family=sm.families.Poisson(), offset=np.log(people.py)).fit()
    assert fit.estimate == pytest.approx(direct.params["I(vitd / 25)"], abs=EXACT)
    assert fit.se == pytest.approx(direct.bse["I(vitd / 25)"], abs=EXACT)


@pytest.mark.filterwarnings("ignore:Dropped")
def test_conditional_logit_equals_statsmodels(people):
    fit = est.conditional_logit(people, "event", "vitd", "set", ["age"])
    exog = np.column_stack([people.vitd / 25, people.age])
    direct = ConditionalLogit(people.event.to_numpy(), exog, groups=people.set.to_numpy()).fit(
        method="newton", disp=0)
    assert fit.estimate == pytest.approx(direct.params[0], abs=EXACT)
    assert fit.se == pytest.approx(direct.bse[0], abs=EXACT)


@pytest.mark.filterwarnings("ignore:Dropped")
def test_conditional_logit_with_one_case_per_set_equals_statsmodels(people):
    """Risk-set sampled sets (one case each) are fitted as a stratified Cox model
    (simlib.breslow); statsmodels ConditionalLogit is the reference."""
    rng = np.random.default_rng(7)
    sets = people.assign(set=np.repeat(np.arange(len(people) // 4), 4)[:len(people)])
    first = ~sets["set"].duplicated()
    case = first & (rng.random(len(sets)) < 0.9)  # one case in most sets, none in some
    sets = sets.assign(event=case.astype(int), x2=rng.normal(size=len(sets)))
    fit = est.conditional_logit(sets, "event", "vitd", "set", ["age", "x2"])
    assert fit.model.__class__.__name__ == "BreslowFit"
    exog = np.column_stack([sets.vitd / 25, sets.age, sets.x2])
    direct = ConditionalLogit(sets.event.to_numpy(), exog, groups=sets.set.to_numpy()).fit(
        method="newton", disp=0)
    assert fit.estimate == pytest.approx(direct.params[0], abs=1e-9)
    assert fit.se == pytest.approx(direct.bse[0], rel=1e-7)
    assert fit.n_cases == case.sum()


def test_ols_and_wls_equal_statsmodels(people):
    for weights, method in ((None, "ols"), ("weight", "wls")):
        fit = est.ols(people, "age", "vitd", ["sex"], weights=weights)
        kwargs = {} if weights is None else {"weights": people.weight}
        direct = (smf.wls if weights else smf.ols)("age ~ vitd + C(sex)", people,
                                                   **kwargs).fit()
        assert fit.method == f"{method}-adjusted" and fit.scale == "difference per 1 nmol/L"
        assert fit.estimate == pytest.approx(direct.params["vitd"], abs=EXACT)
        assert fit.se == pytest.approx(direct.bse["vitd"], abs=EXACT)
    assert est.ols(people, "age", "vitd", scale="years per nmol/L").scale == "years per nmol/L"


@pytest.mark.parametrize("fit", [
    lambda d, per: est.logit(d, "event", "vitd", ["age"], per=per),
    lambda d, per: est.poisson_rate(d, "event", "py", "vitd", per=per),
    lambda d, per: est.cox(d, "time", "event", "vitd", entry="entry", per=per),
    lambda d, per: est.conditional_logit(d, "event", "vitd", "set", per=per),
    lambda d, per: est.ols(d, "age", "vitd", per=per),
])
def test_per_scaling(people, fit):
    per_one, per_25 = fit(people, 1.0), fit(people, 25.0)
    assert per_25.estimate == pytest.approx(25 * per_one.estimate, rel=1e-6)
    assert per_25.se == pytest.approx(25 * per_one.se, rel=1e-6)
    assert per_25.p_value == pytest.approx(per_one.p_value, rel=1e-4, abs=1e-12)
    assert "per 25 nmol/L" in per_25.scale and "per 1 nmol/L" in per_one.scale


@pytest.fixture(scope="module")
def confounded() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 20000
    z, u = rng.binomial(2, 0.3, n).astype(float), rng.normal(size=n)
    x = z + u + rng.normal(size=n)
    return pd.DataFrame({"z": z, "x": x, "y": 0.5 * x + u + rng.normal(size=n)})


def test_two_stage_least_squares_removes_confounding(confounded):
    naive = est.ols(confounded, "y", "x")
    fit = iv.two_stage_least_squares(confounded, "y", "x", "z", per=1.0)
    assert naive.ci_low > 0.6  # confounded upwards
    assert fit.converged and fit.method == "2sls"
    assert abs(fit.estimate - 0.5) < 4 * fit.se
    cov = np.cov(confounded.z, confounded[["y", "x"]].T)
    assert fit.estimate == pytest.approx(cov[0, 1] / cov[0, 2], abs=1e-8)


def test_two_stage_least_squares_equals_iv2sls(confounded):
    data = confounded.assign(w=np.random.default_rng(3).normal(size=len(confounded)),
                             z2=np.random.default_rng(4).binomial(2, 0.4, len(confounded)))
    fit = iv.two_stage_least_squares(data, "y", "x", ["z", "z2"], ["w"])
    exog = sm.add_constant(np.column_stack([data.x / 25, data.w]))
    instruments = sm.add_constant(np.column_stack([data.z, data.z2, data.w]))
    direct = IV2SLS(data.y.to_numpy(), exog, instruments).fit()
    assert fit.estimate == pytest.approx(direct.params[1], abs=EXACT)
    assert fit.se == pytest.approx(direct.bse[1], abs=EXACT)


def test_mr_wald_ratio_is_ratio_of_regressions(confounded):
    data = confounded.assign(case=(confounded.y > 1.5).astype(int))
    fit = iv.mr_wald_ratio(data, "case", "x", "z")
    first = sm.OLS(data.x, sm.add_constant(data.z)).fit()
    second = sm.Logit(data.case, sm.add_constant(data.z)).fit(disp=0)
    slope = first.params["z"] / 25
    assert fit.converged and fit.scale == "log OR per 25 nmol/L (Wald ratio)"
    assert fit.estimate == pytest.approx(second.params["z"] / slope, abs=EXACT)
    assert fit.se == pytest.approx(second.bse["z"] / abs(slope), abs=EXACT)
    via_2sls = iv.two_stage_least_squares(data, "case", "x", "z", outcome_model="logit")
    assert via_2sls == fit


def test_ivw_closed_form():
    bx = np.array([2.0, 3.5, 1.2, 4.0])  # nmol/L per allele
    by = np.array([-0.05, -0.06, -0.01, -0.09])  # log OR per allele
    sy = np.array([0.02, 0.025, 0.03, 0.02])
    fit = iv.ivw(by, sy, bx, per=1.0)
    weights = bx**2 / sy**2
    assert fit.estimate == pytest.approx(np.sum(bx * by / sy**2) / weights.sum(), abs=EXACT)
    assert fit.se == pytest.approx(1 / np.sqrt(weights.sum()), abs=EXACT)
    assert fit.n == 4 and fit.method == "ivw"
    per_25 = iv.ivw(by, sy, bx)
    assert per_25.estimate == pytest.approx(25 * fit.estimate, rel=1e-10)
    assert per_25.se == pytest.approx(25 * fit.se, rel=1e-10)
    assert iv.ivw(by, sy, bx, per=1.0, random_effects=True).se >= fit.se
    single = iv.ivw(by[:1], sy[:1], bx[:1], per=1.0)
    assert single.estimate == pytest.approx(by[0] / bx[0]) and single.converged


def test_snp_summary_statistics_feed_ivw(confounded):
    data = confounded.assign(case=(confounded.y > 1.5).astype(int))
    exposure = iv.snp_summary_statistics(data, ["z"], "x")
    outcome = iv.snp_summary_statistics(data, ["z"], "case", binary=True)
    assert list(exposure.columns[:2]) == ["beta", "se"] and exposure.index.tolist() == ["z"]
    fit = iv.ivw(outcome.beta, outcome.se, exposure.beta)
    assert fit.estimate == pytest.approx(iv.mr_wald_ratio(data, "case", "x", "z").estimate)


def test_to_row_is_plain():
    fit = est.logit(table_rows({(1, 1): 5, (0, 1): 3, (1, 0): 10, (0, 0): 20}), "y", "x")
    row = fit.to_row()
    assert "model" not in row and row["estimate"] == fit.estimate and row["converged"]
    with pytest.raises(ParameterError, match="not a log ratio"):
        _ = est.ols(pd.DataFrame({"y": [1.0, 2, 4], "x": [0, 1, 2]}), "y", "x").ratio


def _split(d):
    """Exposure x = odd rows; events only among the unexposed (no events in one group)."""
    return d.assign(x=d.index % 2, event=d.event * (d.index % 2 == 0))


FAILURES = {  # name: (fit on the cohort, words the reason must contain)
    "all-zero outcome": (lambda d: est.logit(d.assign(event=0), "event", "vitd"), "cases"),
    "all-one outcome": (lambda d: est.logit(d.assign(event=1), "event", "vitd"), "non-cases"),
    "no events (cox)": (lambda d: est.cox(d.assign(event=0), "time", "event", "vitd"),
                        "cases"),
    "no events (poisson)": (
        lambda d: est.poisson_rate(d.assign(event=0), "event", "py", "vitd"), "cases"),
    "no cases (clogit)": (
        lambda d: est.conditional_logit(d.assign(event=0), "event", "vitd", "set"), "cases"),
    "no cases (wald ratio)": (
        lambda d: iv.mr_wald_ratio(d.assign(event=0), "event", "vitd", "region"), "cases"),
    "zero exposure variance": (
        lambda d: est.logit(d.assign(vitd=50.0), "event", "vitd"), "variation"),
    "zero exposure variance (ols)": (
        lambda d: est.ols(d.assign(vitd=50.0), "age", "vitd"), "variation"),
    "empty data": (lambda d: est.cox(d.iloc[:0], "time", "event", "vitd"), "no complete rows"),
    "all missing": (lambda d: est.logit(d.assign(vitd=np.nan), "event", "vitd"), "no complete"),
    "perfect separation": (
        lambda d: est.logit(d.assign(vitd=d.event * 100.0), "event", "vitd"), "separation"),
    "quasi separation": (
        lambda d: est.logit(d.assign(x=(d.event == 1) | (d.index % 2 == 0)), "event", "x",
                            per=1.0), "converge"),
    "collinear covariate (ols)": (
        lambda d: est.ols(d.assign(v2=d.vitd * 2), "age", "vitd", ["v2"]), "collinear"),
    "collinear covariate (logit)": (
        lambda d: est.logit(d.assign(v2=d.vitd * 2), "event", "vitd", ["v2"]), "collinear"),
    "constant instrument": (
        lambda d: iv.two_stage_least_squares(d.assign(z=1.0), "age", "vitd", "z"), "Singular"),
    "no events in exposed (cox)": (
        lambda d: est.cox(_split(d), "time", "event", "x", per=1.0), "converge"),
    "no events in exposed (poisson)": (
        lambda d: est.poisson_rate(_split(d), "event", "py", "x", per=1.0), "diverged"),
    "ivw without usable SNPs": (lambda d: iv.ivw([0.1], [0.0], [1.0]), "no SNPs"),
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_failures_are_recorded_not_raised(people, name):
    fit_failing, words = FAILURES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the wrappers must not leak statsmodels warnings
        fit = fit_failing(people)
    assert not fit.converged
    assert math.isnan(fit.estimate) and math.isnan(fit.se) and math.isnan(fit.p_value)
    assert fit.reason and words in fit.reason


@pytest.mark.parametrize("call", [
    lambda d: est.logit(d, "evnt", "vitd"),
    lambda d: est.logit(d, "event", "vitd", ["age", "evnt"]),
    lambda d: est.conditional_logit(d, "event", "vitd", "evnt"),
    lambda d: est.cox(d, "time", "event", "vitd", entry="evnt"),
    lambda d: est.poisson_rate(d, "event", "evnt", "vitd"),
    lambda d: est.ols(d, "age", "vitd", weights="evnt"),
    lambda d: iv.two_stage_least_squares(d, "age", "vitd", ["evnt"]),
    lambda d: iv.mr_wald_ratio(d, "event", "vitd", "evnt"),
    lambda d: iv.snp_summary_statistics(d, ["evnt"], "vitd"),
])
def test_missing_column_raises_parameter_error(people, call):
    with pytest.raises(ParameterError, match="'evnt'"):
        call(people)


def test_invalid_arguments_raise():
    data = pd.DataFrame({"y": [0, 1, 2], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ParameterError, match="0/1"):
        est.logit(data, "y", "x")
    with pytest.raises(ParameterError, match="per"):
        est.logit(data.assign(y=[0, 1, 1]), "y", "x", per=0)
    with pytest.raises(ParameterError, match="outcome_model"):
        iv.two_stage_least_squares(data, "y", "x", "x", outcome_model="probit")
    with pytest.raises(ParameterError, match="equal length"):
        iv.ivw([0.1, 0.2], [0.1], [1.0, 2.0])


def test_cluster_robust_poisson_matches_statsmodels_and_widens_correlated_data():
    import statsmodels.api as sm

    rng = np.random.default_rng(8)
    people = np.repeat(np.arange(300), 4)
    frailty = np.repeat(rng.gamma(1.0, 1.0, 300), 4)
    x = np.repeat(rng.normal(50, 20, 300), 4) + rng.normal(0, 5, 1200)
    data = pd.DataFrame({"person": people, "x": x, "years": 0.5,
                         "events": rng.poisson(0.4 * frailty * 0.5)})
    robust = est.poisson_rate(data, "events", "years", "x", cluster="person")
    naive = est.poisson_rate(data, "events", "years", "x")
    direct = sm.GLM(data["events"], sm.add_constant(data["x"] / 25),
                    family=sm.families.Poisson(), offset=np.log(data["years"])).fit(
        cov_type="cluster", cov_kwds={"groups": data["person"]})
    assert robust.method == "poisson-robust" and robust.converged
    assert robust.estimate == pytest.approx(naive.estimate, abs=1e-12)
    assert robust.se == pytest.approx(direct.bse["x"], rel=1e-10)
    assert robust.se > naive.se  # within-person correlation inflates the variance

"""Study designs: their data and estimands, and what they find in each world.

Statistical checks run seeded Monte Carlo replicates (simlib.montecarlo) and assert
within stated Monte Carlo standard errors (Morris, White & Crowther 2019).
"""

import math

import numpy as np
import pytest

import simlib.designs  # noqa: F401  (registers the designs)
from simlib import load_scenario
from simlib.designs import DESIGNS, get_design, run_study
from simlib.errors import ParameterError, UnknownParameterError
from simlib.montecarlo import diagnose, replicate

SMALL = {  # options that make each design quick to run once
    "ecological": {"population": 100_000},
    "cross-sectional": {"population": 100_000},
    "hospital-case-control": {"population": 300_000, "case_years": 10.0},
    "cohort": {"population": 100_000},
    "nested-case-control": {"population": 300_000, "regions": "all"},
    "trial": {"population": 100_000, "participants": 20_000},
    "mr-one-sample": {"population": 100_000},
    "mr-two-sample": {"population": 100_000, "exposure_sample": 20_000},
    "relapse-cohort": {"population": 300_000, "participants": 100},
    "supplement-users": {"population": 300_000, "participants": 100},
    "supplement-starters": {"population": 300_000, "participants": 200},
}
REAL_DESIGNS = [name for name in DESIGNS if name in SMALL]


def test_every_shipped_design_is_exercised():
    expected = {"ecological", "cross-sectional", "hospital-case-control", "nested-case-control",
                "cohort", "trial", "mr-one-sample", "mr-two-sample", "relapse-cohort",
                "supplement-users", "supplement-starters"}
    assert expected <= set(DESIGNS) and set(REAL_DESIGNS) == expected


@pytest.mark.parametrize("name", REAL_DESIGNS)
def test_design_runs_every_estimator_and_its_null_truth_is_exactly_zero(name):
    design = get_design(name)
    study = run_study(load_scenario("null"), name, seed=1, index=0, options=SMALL[name])
    assert len(study.data) > 0 and study.design == name
    for estimator in design.estimators:
        truth = study.estimand_for(estimator)
        assert truth.value == 0.0 and truth.scale
        fit = design.estimator(estimator)(study)
        assert fit.scale and (fit.converged or fit.reason), (estimator, fit)


@pytest.mark.parametrize("name", ["cohort", "nested-case-control", "mr-one-sample"])
def test_causal_truth_matches_the_scenario(name):
    study = run_study(load_scenario("causal"), name, seed=2, index=0, options=SMALL[name])
    assert study.estimand.value == pytest.approx(math.log(0.8), abs=0.02)


def test_same_replicate_same_study_and_next_replicate_differs():
    a = run_study(load_scenario("null"), "cohort", seed=3, index=4, options=SMALL["cohort"])
    b = run_study(load_scenario("null"), "cohort", seed=3, index=4, options=SMALL["cohort"])
    c = run_study(load_scenario("null"), "cohort", seed=3, index=5, options=SMALL["cohort"])
    assert a.data.equals(b.data) and not a.data.equals(c.data)


def test_bad_options_are_named_errors():
    with pytest.raises(UnknownParameterError, match="did you mean 'follow_up_years'"):
        run_study(load_scenario("null"), "cohort", 1, options={"follow_up_year": 3})
    with pytest.raises(ParameterError, match="follow_up_years=-1"):
        run_study(load_scenario("null"), "cohort", 1, options={"follow_up_years": -1})
    with pytest.raises(ParameterError, match="one of general, early-ms"):
        run_study(load_scenario("null"), "trial", 1, options={"eligibility": "elderly"})
    with pytest.raises(UnknownParameterError, match="did you mean 'cohort'"):
        get_design("cohrt")


def test_nested_case_control_matches_within_sets():
    study = run_study(load_scenario("null"), "nested-case-control", 4, options={
        **SMALL["nested-case-control"], "controls_per_case": 2})
    sets = study.data.groupby("set")
    assert (sets["case"].sum() == 1).all()
    assert (sets["female"].nunique() == 1).all()
    assert (sets["age"].agg(lambda a: np.floor(a).nunique()) == 1).all()


def test_lag_exclusion_removes_early_cases():
    base = {**SMALL["nested-case-control"], "population": 600_000}
    with_lag = run_study(load_scenario("null"), "nested-case-control", 5,
                         options={**base, "lag_years": 5.0})
    without = run_study(load_scenario("null"), "nested-case-control", 5, options=base)
    assert 0 < with_lag.data["case"].sum() < without.data["case"].sum()


def diagnosis(scenario, design, reps, options=None, estimator=None, sets=(), seed=2026):
    table = replicate(load_scenario(scenario).with_overrides(list(sets)), design, reps, seed,
                      options=options, estimator=estimator, workers=2, progress=False)
    assert (table["error"] == "").all(), set(table["error"])
    return diagnose(table).iloc[0]


# ------------------------------------------------------- coverage without bias
COVERAGE_REPS = 220
# Replicates are chosen from the expected coverage (Morris et al. 2019, section 5.3):
# sqrt(0.95 * 0.05 / 220) = 0.0147 <= 0.015; the test's tolerance uses the observed MCSE.
EXPECTED_MCSE = math.sqrt(0.95 * 0.05 / COVERAGE_REPS)


@pytest.mark.slow
@pytest.mark.parametrize("design, options", [
    ("cohort", {"population": 600_000}),
    ("nested-case-control", {"population": 1_500_000, "regions": "all"}),
    ("trial", {"population": 600_000, "participants": 300_000, "follow_up_years": 10.0}),
])
def test_no_bias_world_gives_nominal_coverage(design, options):
    assert EXPECTED_MCSE <= 0.015
    result = diagnosis("no_bias", design, COVERAGE_REPS, options)
    assert abs(result["coverage"] - 0.95) <= 3 * result["mcse_coverage"], result.to_dict()
    assert abs(result["bias"]) <= 3 * result["mcse_bias"], result.to_dict()


# ------------------------------------------------------------- the null world
@pytest.mark.slow
def test_null_hospital_case_control_finds_protection():
    """Reverse causation and latitude make cases look vitamin D deficient: OR below 0.9."""
    result = diagnosis("null", "hospital-case-control", 24)
    assert result["estimand_value"] == 0.0
    assert result["mean_estimate"] + 3 * result["mcse_bias"] < math.log(0.9), result.to_dict()


@pytest.mark.slow
def test_null_cross_sectional_flips_sign_with_post_diagnosis_supplements():
    """Prevalent cases look deficient without supplements and replete with them."""
    options = {"population": 600_000}
    without = diagnosis("null", "cross-sectional", 8, options, "logit-adjusted",
                        sets=["reverse_causation.supplement_share=0"])
    surveyed = diagnosis("null", "cross-sectional", 8, options, "logit-adjusted")
    assert without["mean_estimate"] + 3 * without["mcse_bias"] < 0
    assert surveyed["mean_estimate"] - 3 * surveyed["mcse_bias"] > 0


@pytest.mark.slow
def test_null_trial_covers_the_null():
    result = diagnosis("null", "trial", 100, {"population": 600_000, "participants": 300_000,
                                              "follow_up_years": 10.0})
    assert abs(result["coverage"] - 0.95) <= 3 * result["mcse_coverage"], result.to_dict()


# ------------------------------------------------------ Mendelian randomization
@pytest.mark.slow
def test_mendelian_randomization_and_population_stratification():
    """Adjusted for ancestry, MR covers the null; unadjusted, stratification biases it."""
    options = {"population": 1_000_000, "stratification": 0.2}
    adjusted = diagnosis("null", "mr-one-sample", 40, options)
    unadjusted = diagnosis("null", "mr-one-sample", 40, {**options, "adjust_ancestry": False})
    assert abs(adjusted["bias"]) <= 3 * adjusted["mcse_bias"], adjusted.to_dict()
    assert adjusted["coverage"] >= 0.95 - 3 * adjusted["mcse_coverage"]
    assert unadjusted["bias"] > 5 * unadjusted["mcse_bias"], unadjusted.to_dict()
    no_strat = diagnosis("null", "mr-one-sample", 40, {"population": 1_000_000,
                                                       "stratification": 0.0,
                                                       "adjust_ancestry": False})
    assert abs(no_strat["bias"]) <= 3 * no_strat["mcse_bias"], no_strat.to_dict()


@pytest.mark.slow
def test_null_relapse_cohort_reproduces_the_observational_association():
    """Simpson et al. 2010: HR 0.91 (0.85-0.97) per +10 nmol/L, i.e. log HR -0.41 to -0.08 per
    +25 nmol/L, in a world where vitamin D does not affect relapses (season and disease
    activity confound it)."""
    result = diagnosis("null", "relapse-cohort", 60)
    assert result["estimand_value"] == 0.0
    low, high = 2.5 * math.log(0.85), 2.5 * math.log(0.97)
    assert low < result["mean_estimate"] - 3 * result["mcse_bias"], result.to_dict()
    assert result["mean_estimate"] + 3 * result["mcse_bias"] < high, result.to_dict()


@pytest.mark.slow
def test_null_supplement_starters_show_regression_to_the_mean():
    """Starting after a relapse: the before-after comparison finds a large 'benefit' and the
    comparison with non-starters a large 'harm', in a world where supplements do nothing
    (Martinez-Yelamos et al. 2006)."""
    options = {"population": 1_000_000}
    before_after = diagnosis("null", "supplement-starters", 12, options, "before-after")
    versus = diagnosis("null", "supplement-starters", 12, options, "after-vs-non-starters")
    assert before_after["estimand_value"] == 0.0
    assert before_after["mean_estimate"] + 3 * before_after["mcse_bias"] < -0.5
    assert versus["mean_estimate"] - 3 * versus["mcse_bias"] > 0.3


def test_repeated_biobank_samples_stop_at_the_cases_diagnosis(monkeypatch):
    """With samples > 1 only draws taken before the set's index (the case's diagnosis) are
    averaged: a case diagnosed 0.5 years after enrollment has one pre-diagnostic sample."""
    import pandas as pd

    from simlib.designs import prospective

    monkeypatch.setattr(prospective, "blood_draw",
                        lambda people, rows, age, rng, scenario: np.asarray(age, dtype=float))
    people = pd.DataFrame({"x": [0, 0, 0]})
    people.attrs["scenario"] = load_scenario("null")
    mean = prospective._stored_serum(None, people, np.arange(3), np.array([20.0, 20.0, 20.0]),
                                     3, np.random.default_rng(1), np.array([0.5, 1.5, 5.0]))
    assert mean.tolist() == [20.0, 20.5, 21.0]


def test_ecological_study_keeps_only_populated_regions_and_records_its_options():
    study = run_study(load_scenario("null"), "ecological", seed=3,
                      options={"population": 100_000, "regions": "us"})
    assert len(study.data) >= 2 and study.data["mean_vitd_nmol"].notna().all()
    assert (study.data["population"] > 0).all()
    assert study.options["regions"] == "us" and study.options["population"] == 100_000

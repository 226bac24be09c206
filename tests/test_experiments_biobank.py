"""Tests of simlib.experiments.biobank (notebook 05): the biobank nested case-control."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from simlib import load_scenario
from simlib.designs import get_design
from simlib.experiments import biobank, biobank_figures

matplotlib.use("Agg")

SIZE = 300_000


@pytest.fixture(scope="module")
def causal():
    return biobank.biobank_people(load_scenario("causal"), SIZE, seed=5)


def test_munger_rescaling():
    per_50 = biobank.munger_or(50.0)
    assert (per_50["odds_ratio"], per_50["ci_low"], per_50["ci_high"]) == \
        pytest.approx((0.59, 0.36, 0.97))
    per_25 = biobank.munger_or(25.0)
    assert per_25["odds_ratio"] == pytest.approx(np.sqrt(0.59))


def test_enrollment_subset_gives_the_same_study_as_the_whole_population(causal):
    world, kept = causal
    design = get_design(biobank.DESIGN)
    columns = tuple(kept.columns)
    everyone = world.sample(SIZE, 5, columns=columns)
    everyone.attrs.update(seed=5, scenario=kept.attrs["scenario"])
    options = {k: v for k, v in design.resolve_options({}).items()
               if not design.options[k].scenario_key}
    full = design.sample(world, everyone, np.random.default_rng(1), **options)
    subset, _ = biobank.run_biobank(world, kept, seed=1)
    assert subset.estimand.value == pytest.approx(full.estimand.value, abs=1e-12)
    assert np.array_equal(subset.data["vitd_nmol"], full.data["vitd_nmol"])


def test_cases_match_the_design(causal):
    world, people = causal
    study, _ = biobank.run_biobank(world, people, seed=1)
    cases = biobank.biobank_cases(people)
    assert len(cases) == int(study.data["case"].sum())
    healthy = cases["status"] == "healthy at the draw"
    # the prodrome starts at least 5 years before onset, and diagnosis follows onset
    minimum = people.attrs["scenario"].ms.prodrome_min_years
    assert (cases.loc[healthy, "years_to_diagnosis"] >= minimum).all()
    assert (~healthy).any()


def test_post_diagnosis_draws_are_raised_by_supplements(causal):
    _, people = causal
    cases = biobank.biobank_cases(people)
    means = biobank.serum_before_and_after(people, cases, seed=1).set_index("sample")
    stored, after, others = means["mean_nmol"]
    assert after > stored + 20  # 82% start 2000-5000 IU/day after diagnosis (Jelinek 2015)
    assert means["n"].iloc[0] == len(cases) and means["n"].iloc[2] > 1000
    fig = biobank_figures.plot_draw_timing(cases, means.reset_index())
    assert all(ax.get_xlabel() for ax in fig.axes)
    assert fig.axes[0].get_ylabel() == "cases"


def test_prodrome_changes_only_the_serum_of_people_in_it(causal):
    _, people = causal
    _, weak = biobank.with_prodrome(people, 0.0)
    _, strong = biobank.with_prodrome(people, 0.6)
    age = people["age"].to_numpy()
    in_prodrome = (people["prodrome_start_age"].to_numpy() <= age) \
        & (people["ms_onset_age"].to_numpy() > age)
    weak_serum, strong_serum = weak["vitd_survey_nmol"], strong["vitd_survey_nmol"]
    assert np.array_equal(weak_serum[~in_prodrome], strong_serum[~in_prodrome])
    assert in_prodrome.sum() > 0
    assert (strong_serum[in_prodrome] < weak_serum[in_prodrome]).mean() > 0.9


def test_unlimited_biobank_recovers_the_truth_without_bias():
    _, people = biobank.biobank_people(load_scenario("no_bias"), SIZE, seed=6)
    assert biobank.expected_onset_association(people) == pytest.approx(np.log(0.8), abs=0.02)


def test_repositories_hold_the_same_people_in_both_worlds():
    repos = biobank.simulate_repositories(("null", "causal"), 50_000, seed=2, repositories=2)
    assert set(repos) == {("null", 0), ("causal", 0), ("null", 1), ("causal", 1)}
    null_ages, causal_ages = (repos[(w, 0)][1]["age"].to_numpy() for w in ("null", "causal"))
    assert np.array_equal(null_ages, causal_ages)
    assert not np.array_equal(repos[("null", 0)][1]["age"].to_numpy()[:100],
                              repos[("null", 1)][1]["age"].to_numpy()[:100])


def test_summarise_grid_by_hand():
    grid = pd.DataFrame({"world": ["null"] * 3, "repository": [0, 1, 2],
                         "prodrome_sun_loss": [0.15] * 3, "lag_years": [0] * 3,
                         "estimate": [-0.1, -0.3, np.nan], "converged": [True, True, False],
                         "n_cases": [100, 120, 0], "estimand_value": [0.0] * 3})
    row = biobank.summarise_grid(grid).iloc[0]
    assert row["mean_estimate"] == pytest.approx(-0.2)
    assert row["empirical_se"] == pytest.approx(np.sqrt(0.02))
    assert row["mcse"] == pytest.approx(0.1)
    assert row["repositories"] == 2 and row["n_cases"] == 110


def test_grid_and_panel(causal):
    grid = biobank.lag_prodrome_grid({("causal", 0): causal}, lags=(0, 5), prodromes=(0.15,),
                                     seed=1)
    assert list(grid["lag_years"]) == [0, 5]
    assert grid["n_cases"].iloc[1] <= grid["n_cases"].iloc[0]
    fig = biobank_figures.draw_lag_panel(grid, biobank.munger_or(), lag_years=4.6,
                                 prodrome_sun_loss=0.2)
    assert "lag 5 y" in fig.axes[1].get_title()
    assert all(ax.get_xlabel() for ax in fig.axes)
    assert fig.axes[0].get_ylabel().startswith("odds ratio")

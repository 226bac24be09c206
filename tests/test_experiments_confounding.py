"""Tests of simlib.experiments.confounding, confounding_estimates and confounding_figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib import build_world, load_scenario  # noqa: E402
from simlib.designs import get_design, run_study  # noqa: E402
from simlib.experiments import confounding as cf  # noqa: E402
from simlib.experiments import confounding_estimates as fits  # noqa: E402
from simlib.experiments import confounding_figures as figures  # noqa: E402
from simlib.plots import TRUTH  # noqa: E402


@pytest.fixture(scope="module")
def cohorts():
    return cf.null_and_causal(150_000, seed=3)


@pytest.mark.parametrize("name", list(cf.MECHANISMS))
def test_resimulate_equals_a_fresh_simulation(name):
    mechanism = cf.MECHANISMS[name]
    null = load_scenario("null")
    people = cf.population(null, 4_000, seed=5)
    changed = null.with_values(mechanism.overrides)
    _, again = cf.resimulate(people, changed, mechanism.changes)
    fresh = cf.population(changed, 4_000, seed=5)
    pd.testing.assert_frame_equal(again[fresh.columns], fresh)
    assert not again[cf.HAZARD].equals(people[cf.HAZARD]) or mechanism.acts_on != "risk"


def test_causal_cohort_is_the_cohort_run_study_gives(cohorts):
    study = run_study(load_scenario("causal"), "cohort", seed=3,
                      options={"population": 150_000, "year": 2010})  # cf's year
    pd.testing.assert_frame_equal(study.data, cohorts["causal"].study.data)
    # run_study's truth comes from a reference population of the scenario; the
    # experiment's re-simulated worlds compute theirs on the cohort's own people: two
    # draws of the same quantity, apart by the spread between populations (~1e-4)
    assert study.estimand.value == pytest.approx(cohorts["causal"].truth, abs=1e-3)


@pytest.mark.parametrize(("estimator", "covariates"),
                         [("poisson", ()), ("poisson-adjusted", fits.ADJUST)])
def test_grouped_fit_matches_the_design_estimator(cohorts, estimator, covariates):
    study = cohorts["null"].study
    reference = get_design("cohort").estimator(estimator)(study)
    grouped = fits.fit_poisson(study.data, covariates)
    assert grouped.n_cases == reference.n_cases
    assert grouped.estimate == pytest.approx(reference.estimate, abs=0.01)
    assert grouped.se == pytest.approx(reference.se, rel=0.02)


def test_unlimited_cohort_finds_the_truth_once_every_bias_is_off(cohorts):
    everything = [cf.MECHANISMS[name] for name in (*cf.CONFOUNDERS, "measurement")]
    for cohort in cohorts.values():
        data = cf.unlimited_data(cohort, everything)
        crude = fits.fit_poisson(data)
        assert crude.estimate == pytest.approx(cohort.truth, abs=0.03)
    as_is = fits.fit_poisson(cf.unlimited_data(cohorts["null"]))
    assert as_is.estimate < -0.08  # confounding makes vitamin D look protective


def test_reweighted_cases_agree_with_a_resimulated_cohort():
    # MS made 30 times commoner so that one small population has thousands of cases
    common = load_scenario("null").with_values({"ms.baseline_per_100k": 100.0})
    people = cf.population(common, 200_000, seed=2)
    cohort = cf.run_cohort(build_world(common), people, seed=2)
    mechanisms = [cf.MECHANISMS["latitude"], cf.MECHANISMS["obesity"]]
    weighted = fits.fit_poisson(cf.realized_data(cohort, mechanisms))
    overrides, changes = cf._merged(mechanisms)
    world, changed = cf.resimulate(people, common.with_values(overrides), changes)
    fresh = fits.fit_poisson(cf.run_cohort(world, changed, seed=2).study.data)
    assert fresh.n_cases > 1000
    assert weighted.estimate == pytest.approx(fresh.estimate, abs=3 * fresh.se)
    assert weighted.n_cases == pytest.approx(fresh.n_cases, rel=0.1)


def test_added_confounder_lowers_vitamin_d_and_raises_risk():
    world = cf.add_unmeasured_confounder(build_world(load_scenario("null")), share=0.5,
                                         vitd_ratio=0.7, hr=3.0)
    base = build_world(load_scenario("null")).sample(3_000, 4)
    people = world.sample(3_000, 4)
    factor = people["unmeasured_factor"].to_numpy()
    assert 0.4 < factor.mean() < 0.6
    np.testing.assert_allclose(people["vitd_mean_nmol"],
                               base["vitd_mean_nmol"] * np.where(factor, 0.7, 1.0))
    np.testing.assert_allclose(people[cf.HAZARD] - base[cf.HAZARD], np.log(3.0) * factor)


def test_panel_at_the_default_strengths_refits_the_real_cohort(cohorts):
    cohort = cohorts["null"]
    panel = figures.ConfounderPanel(cohort, unlimited_members=50_000)
    scenario = cohort.scenario
    found = panel.estimates(scenario.ms.hr_obesity, scenario.ms.uvb_hr_per_doubling, 1.0)
    crude = fits.fit_poisson(cohort.study.data)
    assert found["this cohort", "crude"].estimate == pytest.approx(crude.estimate, abs=1e-9)
    stronger = panel.estimates(4.0, 0.6, 0.6)
    assert stronger["unlimited cohort", "crude"].estimate < \
        found["unlimited cohort", "crude"].estimate


def test_figures_label_their_axes_and_draw_the_truth(cohorts):
    steps = {"the world as it is": (), "all five confounding paths off": cf.CONFOUNDERS}
    fig = figures.decomposition_plot(fits.switch_off(cohorts, steps))
    for ax in fig.axes:
        assert "per +25 nmol/L" in ax.get_xlabel()
        assert any(line.get_color() == TRUTH for line in ax.get_lines())
    plt.close(fig)
    fig = figures.unmeasured_plot(fits.unmeasured_sweep(cohorts, [1.0, 0.6]))
    assert "nmol/L" in fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel()
    plt.close(fig)

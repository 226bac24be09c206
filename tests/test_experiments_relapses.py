"""Tests of the relapses lesson (simlib.experiments.relapses and relapses_figures)."""

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from simlib.experiments import relapses  # noqa: E402
from simlib.experiments import relapses_figures as figures  # noqa: E402
from simlib.montecarlo import replicate  # noqa: E402
from simlib.plots import TRUTH  # noqa: E402
from simlib.world import build_world  # noqa: E402

POPULATION, REPS, SEED = 300_000, 2, 11


@pytest.fixture(scope="module")
def worlds():
    null = relapses.relapse_scenario(1.0)
    return {"null": null, "causal": relapses.relapse_scenario(0.8),
            "off": relapses.mechanism_worlds(null)[relapses.ALL_OFF]}


@pytest.fixture(scope="module")
def pools(worlds):
    return relapses.simulate_patients(worlds.values(), POPULATION, REPS, SEED)


@pytest.fixture(scope="module")
def table(pools, worlds):
    return relapses.estimate_designs(pools, worlds, relapses.lesson_options(1000))


def _row(table, world, design, estimator, rep=0):
    rows = table[(table["world"] == world) & (table["design"] == design)
                 & (table["estimator"] == estimator) & (table["rep"] == rep)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("design", ["relapse-cohort", "supplement-users"])
def test_shared_populations_give_the_rows_replicate_gives(pools, worlds, design):
    """The shortcut (one population per replicate, shared) is exact: same people, same
    sample, same estimate as replicate(); the relapse cohort's pool is a recomputed variant
    (its supplement_share option changes a node)."""
    ours = relapses.estimate_designs(pools, {"null": worlds["null"]},
                                     estimators={design: ("poisson",)}, reps=1)
    direct = replicate(worlds["null"], design, reps=1, seed=SEED,
                       options={"population": POPULATION}, progress=False)
    assert ours["estimate"].iloc[0] == direct["estimate"].iloc[0]
    assert ours["estimand_value"].iloc[0] == direct["estimand_value"].iloc[0]
    # cluster-robust SEs sum the clusters (person ids) in another order: last-bit changes
    assert ours["se"].iloc[0] == pytest.approx(direct["se"].iloc[0], rel=1e-12)


def test_recomputed_nodes_equal_a_fresh_simulation(worlds):
    """Switching healthy users off by recomputing two nodes gives the people a fresh
    simulation of that world gives."""
    off = worlds["null"].with_values(relapses.MECHANISMS["healthy users"])
    pools = relapses.simulate_patients([worlds["null"], off], 100_000, 1, SEED)
    seed = pools.patients(off, 0).attrs["seed"]
    fresh = relapses._patients(build_world(off).sample(100_000, seed,
                                                       columns=relapses.PATIENT_COLUMNS))
    shared = pools.patients(off, 0)
    assert len(shared) > 50
    for column in relapses.PATIENT_COLUMNS:
        np.testing.assert_array_equal(shared[column].to_numpy(), fresh[column].to_numpy(),
                                      err_msg=column)
    natural = pools.patients(worlds["null"], 0)
    assert not np.array_equal(natural["ms_activity"], shared["ms_activity"])


def test_worlds_with_other_parameters_are_simulated_afresh(worlds):
    """A parameter outside the relapse ones (here smoking and MS) gives a new population."""
    other = worlds["null"].with_values({"ms.hr_smoking": 1.0})
    pools = relapses.simulate_patients([worlds["null"], other], 100_000, 1, SEED)
    seed = pools.patients(other, 0).attrs["seed"]
    fresh = relapses._patients(build_world(other).sample(100_000, seed,
                                                         columns=relapses.PATIENT_COLUMNS))
    np.testing.assert_array_equal(pools.patients(other, 0)["ms_onset_age"],
                                  fresh["ms_onset_age"])
    assert len(pools.patients(other, 0)) != len(pools.patients(worlds["null"], 0))


def test_truths_follow_the_relapse_effect(table):
    null = table[table["world"] == "null"]
    assert np.abs(null["estimand_value"]).max() < 1e-12
    cohort = _row(table, "causal", "relapse-cohort", "poisson")
    assert cohort["estimand_value"] == pytest.approx(math.log(0.8), abs=1e-12)
    users = _row(table, "causal", "supplement-users", "poisson")
    assert users["estimand_value"] < -0.1  # supplements raise 25(OH)D, which now helps


def test_starter_analyses_point_in_opposite_directions_in_the_null_world(pools, worlds,
                                                                        table):
    """Regression to the mean: before-after says 'helps', starters vs non-starters 'harms'."""
    diag = relapses.summarize(table)
    before_after = diag[(diag["world"] == "null") & (diag["estimator"] == "before-after")]
    after_vs = diag[(diag["world"] == "null")
                    & (diag["estimator"] == "after-vs-non-starters")]
    assert before_after["mean_estimate"].iloc[0] < -0.5
    assert after_vs["mean_estimate"].iloc[0] > 0.3


def test_with_all_mechanisms_off_the_cohort_and_users_are_unbiased(table):
    diag = relapses.summarize(table)
    for design in ("relapse-cohort", "supplement-users"):
        row = diag[(diag["world"] == "off") & (diag["design"] == design)
                   & (diag["estimator"] == "poisson")].iloc[0]
        assert abs(row["bias"]) < 3 * row["mcse_bias"] + 0.05, row.to_dict()


def test_unsimulated_world_is_refused(pools, worlds):
    other = worlds["null"].with_values({"relapse.health_rr_per_sd": 0.5})
    with pytest.raises(KeyError, match="was not simulated"):
        pools.patients(other, 0)


def test_seasonal_profile_peaks_in_spring_and_is_flat_without_a_peak(pools, worlds):
    patients = pools.patients(worlds["null"], 0)
    profile = figures.seasonal_profile(patients)
    # the peak of the profile's yearly harmonic (months as twelfths of the year) is the
    # world's peak day (66, early March): 65.8 in a 1.5M-people pool; months Feb and Mar
    # are within 1% of each other, so the largest month alone would be a coin toss
    rates = profile["relapses_per_person_year"].to_numpy()
    harmonic = np.sum(rates * np.exp(2j * np.pi * (np.arange(12) + 0.5) / 12))
    peak_day = np.mod(np.angle(harmonic) / (2 * np.pi), 1.0) * 365.25
    assert abs(peak_day - worlds["null"].relapse.peak_day) < 15
    assert profile["vitd_nmol"].idxmin() in (0, 1, 2, 3)  # January-April
    flat = pools.patients(worlds["null"].with_values({"relapse.spring_amplitude": 0.0}), 0)
    rates = figures.seasonal_profile(flat)["relapses_per_person_year"]
    assert rates.max() / rates.min() < 1.03


def test_starter_rates_truth_equals_observed_only_in_the_null_world(pools, worlds):
    for name, equal in (("null", True), ("causal", False)):
        studies = [relapses.run_design(pools, worlds[name], "supplement-starters", rep)
                   for rep in range(REPS)]
        rates = figures.starter_rates(studies).set_index(["group", "period"])["rate"]
        observed = rates["starters", "after"]
        truth = rates["starters had they not started (truth)", "after"]
        assert bool(truth == pytest.approx(observed)) is equal
        assert rates["starters", "before"] > observed  # regression to the mean


def _has_truth(ax):
    colour = matplotlib.colors.to_rgba(TRUTH)
    return any(matplotlib.colors.to_rgba(line.get_color()) == colour for line in ax.lines)


def test_figures_have_labelled_axes_and_the_truth(pools, worlds, table):
    diag = relapses.summarize(table)
    forest = figures.forest_figure(diag, ["null", "causal"])
    mechanisms = figures.mechanism_figure(diag[diag["world"].isin(["null", "off"])],
                                          ["null", "off"])
    draw = figures.panel_draw(pools, worlds["null"], (1.0,), reps=1)
    panel = draw(healthy_user=1.2, spring_amplitude=0.4, relapse_rr=0.9, participants=300)
    for fig in (forest, mechanisms, panel):
        for ax in fig.axes:
            assert "relapse rate ratio" in ax.get_xlabel()
            assert _has_truth(ax)
        plt.close(fig)
    dag = figures.dag_figure()
    assert len(dag.axes[0].texts) >= len(figures.DAG_NODES)
    plt.close(dag)

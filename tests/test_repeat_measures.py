"""25(OH)D over the years: repeated draws in the world (simlib.repeat_measures, drift)."""

import numpy as np
import pytest

from simlib import load_scenario
from simlib.errors import ParameterError
from simlib.repeat_measures import COLUMNS, correlation_by_lag, draw_correlation, tracking_figures
from simlib.world import build_world

N = 300_000


def _mcse(r, pairs):
    return (1 - r ** 2) / np.sqrt(pairs)


@pytest.mark.parametrize("name", ["null", "causal"])
def test_draws_5_years_apart_correlate_less_than_draws_1_year_apart(name):
    table = correlation_by_lag(load_scenario(name), lags=(1, 5), n=N, seed=3).set_index(
        "years_apart")
    one, five = table.loc[1.0], table.loc[5.0]
    gap = one["correlation"] - five["correlation"]
    se = np.hypot(_mcse(one["correlation"], one["pairs"]),
                  _mcse(five["correlation"], five["pairs"]))
    assert gap > 3 * se, table
    # the drift (drift_years 6, SD 0.20) makes the gap about 0.1, not a trace
    assert gap > 0.05, table


def test_without_drift_the_lag_does_not_matter():
    """A lifelong constant plus per-draw noise (the world before the drift, and with no
    supplement era: every user on their full dose in every year) tracks equally well
    over 1 and 21 years: the property the drift and the era were added to remove."""
    still = load_scenario("null").with_values({"measurement.drift_log_sd": 0.0,
                                               "vitamin_d.person_log_sd": 0.16,
                                               "calendar.pre_era_dose_iu": 4000.0})
    table = correlation_by_lag(still, lags=(1, 21), n=N, seed=3).set_index("years_apart")
    r1, r21 = table.loc[1.0, "correlation"], table.loc[21.0, "correlation"]
    se = np.hypot(_mcse(r1, table.loc[1.0, "pairs"]), _mcse(r21, table.loc[21.0, "pairs"]))
    assert abs(r1 - r21) < 4 * se + 0.02


def test_tracking_figures_are_seeded_and_in_their_study_years():
    first = tracking_figures(load_scenario("null"), n=200_000, seed=5)
    again = tracking_figures(load_scenario("null"), n=200_000, seed=5)
    other = tracking_figures(load_scenario("null"), n=200_000, seed=6)
    assert first.equals(again)
    assert not first["simulated"].equals(other["simulated"])
    assert first["year"].tolist() == [1993, 2003, 2007]
    assert (first["pairs"] > 5_000).all()
    # correlation falls with the years between the draws in the same kind of people
    assert first["simulated"].iloc[-1] < first["simulated"].iloc[1]


def test_the_drift_leaves_the_long_term_mean_and_the_disease_untouched():
    base = load_scenario("causal")
    wider = base.with_values({"measurement.drift_log_sd": 0.4, "measurement.drift_years": 2.0})
    columns = ("vitd_mean_nmol", "ms_onset_age", "diagnosis_age", "vitd_survey_nmol")
    a = build_world(base).sample(50_000, 9, columns=columns)
    b = build_world(wider).sample(50_000, 9, columns=columns)
    for column in columns[:3]:
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy())
    assert not np.array_equal(a["vitd_survey_nmol"].to_numpy(), b["vitd_survey_nmol"].to_numpy())


def test_the_drift_keeps_the_mean_level():
    """The drift is mean-preserving: mean measured 25(OH)D moves by under 1 nmol/L
    (SE about 0.1) whether the drift is off or doubled."""
    means = []
    for log_sd in (0.0, 0.44):
        world = build_world(load_scenario("null").with_values(
            {"measurement.drift_log_sd": log_sd}))
        people = world.sample(200_000, 4, columns=("vitd_survey_nmol", "alive"))
        means.append(people.loc[people["alive"], "vitd_survey_nmol"].mean())
    assert means[0] == pytest.approx(means[1], abs=1.0)


def test_bad_arguments_are_named():
    scenario = load_scenario("null")
    people = build_world(scenario).sample(2_000, 1, columns=COLUMNS)
    rng = np.random.default_rng(1)
    with pytest.raises(ParameterError, match="method='kendall'"):
        draw_correlation(people, np.arange(100), 3.0, rng, scenario, method="kendall")
    with pytest.raises(ParameterError, match="only 5 people"):
        draw_correlation(people, np.arange(5), 3.0, rng, scenario)


def test_users_who_adopt_between_two_draws_change_level_between_them():
    """The supplement era in each draw's year (Kantor et al. 2016): a user whose
    adoption year falls between the draws is lower at the first; nobody else moves."""
    scenario = load_scenario("null").with_values({"measurement.drift_log_sd": 0.0,
                                                  "measurement.within_person_sd_nmol": 0.0,
                                                  "measurement.assay_cv": 0.0,
                                                  "sun.seasonal_fraction_per_degree": 0.0})
    people = build_world(scenario).sample(100_000, 2, columns=COLUMNS + (
        "supplement_dose_iu", "diagnosis_age"))
    from simlib.designs.common import blood_draw

    rows = np.flatnonzero(people["alive"].to_numpy() & (people["age"].to_numpy() > 40)
                          & (people["diagnosis_age"].to_numpy() > 200))
    age = people["age"].to_numpy()[rows]
    rng = np.random.default_rng(1)
    now = blood_draw(people, rows, age, rng, scenario)
    before = blood_draw(people, rows, age - 15, rng, scenario)
    adoption = people["supplement_adoption_year"].to_numpy()[rows]
    change = people["supplement_era_change_nmol"].to_numpy()[rows]
    switched = (adoption > scenario.calendar.survey_year - 15) \
        & (adoption <= scenario.calendar.survey_year) & (change > 0)
    assert switched.sum() > 100
    np.testing.assert_allclose(now[switched] - before[switched], change[switched])
    np.testing.assert_allclose(now[~switched], before[~switched])
    np.testing.assert_allclose(now, people["vitd_mean_nmol"].to_numpy()[rows])

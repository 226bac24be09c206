"""Disability (EDSS) after MS onset: simlib.disability in the world."""

import numpy as np
import pytest

from simlib import disability, load_scenario
from simlib.designs import run_study
from simlib.errors import ParameterError
from simlib.world import build_world

PARAMS = disability.DisabilityParams()
N = 200_000  # patients in the curve tests: MCSE of a share near 0.5 is 0.0011


def _share_at_least(years, level, progressive):
    rng = np.random.default_rng(11)
    speed = disability.progression_speed(rng, N, PARAMS)
    course = np.full(N, progressive)
    score = disability.progression_edss(np.full(N, years), course, speed, PARAMS)
    return float(np.mean(score >= level))


@pytest.mark.parametrize("years, level, progressive", [
    (11.4, 4.0, False), (23.1, 6.0, False), (33.1, 7.0, False),
    (7.1, 6.0, True), (13.4, 7.0, True)])
def test_half_reach_each_milestone_at_its_published_median(years, level, progressive):
    """Confavreux et al. 2000: median years from onset to EDSS 4, 6 and 7."""
    assert _share_at_least(years, level, progressive) == pytest.approx(0.5, abs=0.01)


@pytest.fixture(scope="module")
def patients():
    people = build_world(load_scenario("null")).sample(
        2_000_000, 5, columns=("age", "alive", "ms_onset_age", "edss", "edss_progression",
                               "progressive_onset", "relapse_count", "relapse_expected"))
    return people[people["alive"] & (people["ms_onset_age"] <= people["age"])]


def test_edss_is_on_the_scale_and_grows_with_duration(patients):
    score = patients["edss"].to_numpy()
    assert ((score >= 0) & (score <= 9.5)).all()
    np.testing.assert_array_equal(score * 2, np.round(score * 2))
    years = (patients["age"] - patients["ms_onset_age"]).to_numpy()
    early, late = score[years < 5].mean(), score[(years > 20) & (years < 30)].mean()
    assert late > early + 2.0
    # 15% progressive from onset (about 3,000 patients: MCSE 0.007)
    assert patients["progressive_onset"].mean() == pytest.approx(0.15, abs=0.025)


def test_no_ms_means_edss_zero():
    people = build_world(load_scenario("null")).sample(100_000, 6, columns=(
        "age", "ms_onset_age", "edss", "edss_progression"))
    healthy = people["ms_onset_age"].to_numpy() > people["age"].to_numpy()
    assert healthy.sum() > 90_000
    assert (people.loc[healthy, ["edss", "edss_progression"]].to_numpy() == 0).all()


def test_more_relapses_than_expected_means_more_disability(patients):
    extra_relapses = patients["relapse_count"] - patients["relapse_expected"]
    extra_disability = patients["edss"] - patients["edss_progression"]
    r = np.corrcoef(extra_relapses, extra_disability)[0, 1]
    assert r > 0.3 + 3 / np.sqrt(len(patients))


def test_disability_lowers_25ohd_through_less_sun():
    """Among untreated patients in 1998 (before the supplement era), more time-on-curve
    disability means less sun: the correlation of 25(OH)D with EDSS falls as
    disability_sun_loss_per_edss rises (same people; SE of r about 0.016)."""
    correlations = []
    for per_edss in (0.0, 0.08):
        scenario = load_scenario("null").with_values({
            "calendar.survey_year": 1998,
            "reverse_causation.disability_sun_loss_per_edss": per_edss})
        people = build_world(scenario).sample(3_000_000, 2027, columns=(
            "age", "alive", "diagnosis_age", "edss", "vitd_survey_nmol",
            "post_dx_supplement_start_age"))
        untreated = people[people["alive"] & (people["diagnosis_age"] < people["age"])
                           & (people["post_dx_supplement_start_age"] > people["age"])]
        correlations.append(np.corrcoef(untreated["vitd_survey_nmol"], untreated["edss"])[0, 1])
    assert correlations[1] < correlations[0] - 0.1


def test_decreasing_milestones_are_refused_with_one_line():
    with pytest.raises(ParameterError, match=r"disability.relapsing_years_to_edss = "
                                             r"\[11.4, 9.0, 33.1\] is not allowed"):
        load_scenario("null").with_values({"disability.relapsing_years_to_edss":
                                           (11.4, 9.0, 33.1)})


def test_cross_sectional_survey_reports_edss_for_people_with_ms():
    study = run_study(load_scenario("null"), "cross-sectional", seed=3,
                      options={"population": 400_000, "survey_size": 300_000, "year": 2010})
    data = study.data
    assert (data.loc[~data["ms"], "edss"] == 0).all()
    assert data.loc[data["ms"], "edss"].mean() > 2.0

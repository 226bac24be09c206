"""The vitamin D / MS world: reproducibility, isolation of parameters, mechanisms."""

import numpy as np
import pytest
from scipy import integrate

from simlib import build_world, load_scenario
from simlib import history as hist
from simlib.world import REGIONS, oral_rise_nmol

N = 50_000


@pytest.fixture(scope="module")
def null_people():
    return build_world(load_scenario("null")).sample(N, seed=1)


def identical(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def test_same_seed_bitwise_identical_and_seeds_differ(null_people):
    again = build_world(load_scenario("null")).sample(N, seed=1)
    assert all(identical(null_people[c], again[c]) for c in null_people)
    other = build_world(load_scenario("null")).sample(N, seed=2)
    assert not identical(null_people["vitd_mean_nmol"], other["vitd_mean_nmol"])


@pytest.mark.parametrize("override, roots", [
    ("ms.hr_female=1.5", ["ms_log_hazard_ratio"]),
    ("behaviour.supplement_share=0.5", ["supplement_dose_iu"]),
    ("measurement.assay_cv=0.2", ["vitd_survey_nmol"]),
    ("reverse_causation.onset_sun_loss=0.5", ["after_onset_sun_loss"]),
    ("disability.residual_step_share=0.8", ["edss"]),
    ("measurement.drift_log_sd=0.4", ["vitd_survey_nmol"]),
    ("residence.migration_scale=2", ["born_elsewhere"]),
    ("residence.window_mid_age=30", ["residence_window_share"]),
])
def test_changing_a_parameter_leaves_unrelated_columns_bitwise_identical(
        null_people, override, roots):
    """Only the nodes whose equations use the parameter, and their descendants, change."""
    world = build_world(load_scenario("null"))
    affected = set(roots) | world.descendants(roots)
    changed = build_world(load_scenario("null").with_overrides([override])).sample(N, seed=1)
    unaffected = [c for c in null_people if c not in affected]
    assert len(unaffected) > 10
    for column in unaffected:
        assert identical(null_people[column], changed[column]), column
    assert not identical(null_people[roots[0]], changed[roots[0]])


def test_vitamin_d_intervention_moves_onset_only_in_the_causal_world():
    for name, moves in (("null", False), ("causal", True)):
        world = build_world(load_scenario(name))
        natural = world.evaluate(N, seed=3)
        shifted = world.do(vitd_mean_nmol=lambda v: v + 25).evaluate(N, seed=3, reuse=natural)
        assert identical(natural["female"], shifted["female"])
        assert identical(natural["sun_vitd_nmol"], shifted["sun_vitd_nmol"])
        assert identical(natural["ms_onset_age"], shifted["ms_onset_age"]) != moves
        if moves:  # more vitamin D, later (or no) onset for every person
            assert np.all(shifted["ms_onset_age"] >= natural["ms_onset_age"])


def test_a_teacher_can_add_a_node_and_route_it_into_the_world():
    world = build_world(load_scenario("null"))

    def oily_fish_servings(rng, n, latitude_deg):
        return rng.poisson(0.5 + 0.03 * latitude_deg)

    def diet_vitd_iu(rng, n, oily_fish_servings):
        return 100.0 + 400.0 * oily_fish_servings + rng.normal(0, 20, n)

    fishy = world.add_node("oily_fish_servings", oily_fish_servings) \
        .replace_node("diet_vitd_iu", diet_vitd_iu)
    people = fishy.sample(20_000, seed=4)
    base = world.sample(20_000, seed=4)
    assert people["diet_vitd_iu"].mean() > 3 * base["diet_vitd_iu"].mean()
    assert people["vitd_mean_nmol"].mean() > base["vitd_mean_nmol"].mean()
    assert identical(people["ms_onset_age"], base["ms_onset_age"])  # null world


def test_event_ages_are_ordered(null_people):
    p = null_people
    onset = np.isfinite(p["ms_onset_age"])
    assert (p.loc[onset, "prodrome_start_age"] <= p.loc[onset, "ms_onset_age"]).all()
    assert (p.loc[onset, "diagnosis_age"] >= p.loc[onset, "ms_onset_age"]).all()
    assert (p.loc[p["alive"], "death_age"] > p.loc[p["alive"], "age"]).all()
    assert p["age"].between(0, 100).all()
    assert (p.loc[~onset, "relapse_count"] == 0).all()


def test_shares_match_their_parameters(null_people):
    p, s = null_people, load_scenario("null")
    assert abs(p["female"].mean() - s.population.female_share) < 0.01
    assert abs(p["ebv_infected"].mean() - s.infection.ebv_share) < 0.005
    assert 0.02 < p["obese"].mean() < 0.06
    weights = np.bincount(p["region_id"], minlength=len(REGIONS)) / len(p)
    assert np.allclose(weights, REGIONS["weight"], atol=0.01)
    im_by_lat = p[p["ebv_infected"]].groupby("latitude_deg")["infectious_mononucleosis"].mean()
    assert im_by_lat.iloc[-1] > im_by_lat.iloc[0]  # IM commoner in the north


def test_confounding_and_reverse_causation_are_present(null_people):
    p = null_people
    north = p["latitude_deg"] > 50
    assert p.loc[north, "vitd_mean_nmol"].mean() < p.loc[~north, "vitd_mean_nmol"].mean() - 5
    assert p.loc[p["obese"], "vitd_mean_nmol"].mean() < p.loc[~p["obese"], "vitd_mean_nmol"].mean()
    after_onset = p["vitd_after_onset_nmol"] - p["vitd_mean_nmol"]
    assert (after_onset <= 0).all() and after_onset.mean() < -5
    assert (p["post_dx_rise_nmol"] >= 0).all()


def test_onset_inversion_is_exact_for_a_constant_hazard():
    ms = load_scenario("null").ms.__class__(age_shape=(1.0,) * 16, baseline_per_100k=1000.0)
    draws = np.array([0.001, 0.01, 0.05])
    ages = hist.onset_age_from_draw(draws, np.zeros(3), ms)
    assert np.allclose(ages, draws / 0.01)  # H(a) = 0.01 a
    later = hist.onset_age_from_draw(draws, np.full(3, np.log(2)), ms)
    assert np.allclose(later, draws / 0.02)


def test_gompertz_inverse_round_trip():
    pop = load_scenario("null").population
    ages = np.array([0.0, 10.0, 45.5, 90.0])
    assert np.allclose(hist.gompertz_inverse(hist.gompertz_cumulative(ages, pop), pop), ages)


def test_expected_relapses_matches_numerical_integration():
    rel = load_scenario("null").relapse.__class__(vitd_rr_per_25nmol=0.7)

    def rate(age, onset, start, v1, v2, birth, south):
        duration = age - onset
        season = 1 + rel.spring_amplitude * np.cos(
            2 * np.pi * (birth + age - rel.peak_day / 365.25 - 0.5 * south))
        vitd = v1 if age < start else v2
        return rel.rate_at_onset * 2 ** (-duration / rel.halving_years) * season \
            * 0.7 ** ((vitd - 50) / 25)

    cases = [(30.0, 45.0, 33.0, 40.0, 90.0, 0.3, 0), (22.5, 70.0, np.inf, 55.0, 55.0, 0.9, 1)]
    for onset, end, start, v1, v2, birth, south in cases:
        closed = hist.expected_relapses(np.array([onset]), np.array([end]), np.array([start]),
                                        np.array([v1]), np.array([v2]), np.array([birth]),
                                        np.array([south]), rel)[0]
        numeric = integrate.quad(rate, onset, end, args=(onset, start, v1, v2, birth, south),
                                 limit=400, points=[min(start, end)])[0]
        assert closed == pytest.approx(numeric, rel=1e-6)


def test_oral_dose_response_is_saturating():
    vd = load_scenario("null").vitamin_d
    doses = np.array([0, 1000, 4000, 14000, 40000, 1e6])
    rise = oral_rise_nmol(doses, vd)
    assert rise[0] == 0 and np.all(np.diff(rise) > 0) and rise[-1] < vd.oral_max_rise_nmol
    slope_high = (oral_rise_nmol(20000, vd) - oral_rise_nmol(15000, vd)) / 5
    slope_low = oral_rise_nmol(1000, vd)
    assert slope_high < slope_low / 5


def test_health_consciousness_drives_supplement_uptake_and_relapse_activity(null_people):
    """Healthy-user mechanisms: supplement uptake after diagnosis (log OR 0.5 per SD) and
    disease activity (rate ratio 0.9 per SD, mean activity 1)."""
    scenario = load_scenario("null")
    health = null_people["health_consciousness"].to_numpy()
    starts = null_people["post_dx_supplement_iu"].to_numpy() > 0
    assert starts[health > 1].mean() > starts[health < -1].mean() + 0.1
    log_activity = np.log(null_people["ms_activity"].to_numpy())
    slope = np.polyfit(health, log_activity, 1)[0]
    se = scenario.relapse.activity_log_sd / np.sqrt(len(health))
    assert abs(slope - np.log(scenario.relapse.health_rr_per_sd)) < 4 * se
    activity = null_people["ms_activity"].to_numpy()
    assert activity[starts].mean() < activity[~starts].mean()  # healthy users
    mean = null_people["ms_activity"].mean()
    assert abs(mean - 1.0) < 4 * null_people["ms_activity"].std() / np.sqrt(len(health))


def test_the_estimand_path_is_recomputed_for_the_sampled_people_only():
    """From vitd_mean_nmol to the log HR no node draws, so the shifted log HR of a sample
    is computed for the sample (Model.evaluate_rows) and equals the whole population's."""
    from simlib.designs.common import log_hazard_ratios, shifted_hazard_inputs

    scenario = load_scenario("causal")
    world = build_world(scenario)
    columns = sorted(set(shifted_hazard_inputs(world)) | {"age", "ms_onset_age"})
    people = world.sample(20_000, 8, columns=columns)
    people.attrs.update(seed=8, scenario=scenario)
    path = world.descendants({"vitd_mean_nmol"}) & world.ancestors("ms_log_hazard_ratio")
    assert path and not any(world.nodes[name].draws for name in path | {"ms_log_hazard_ratio"})
    rows = np.arange(3, 20_000, 7)
    natural, shifted = log_hazard_ratios(world, people, rows=rows)
    everyone = world.do(vitd_mean_nmol=lambda v: v + 25.0).evaluate(
        20_000, 8, keep=("ms_log_hazard_ratio",))["ms_log_hazard_ratio"]
    assert np.array_equal(shifted, everyone[rows])
    assert np.array_equal(natural, people["ms_log_hazard_ratio"].to_numpy()[rows])
    assert (shifted < natural).all()  # causal world: more vitamin D, lower hazard

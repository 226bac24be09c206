"""Residence history: birthplace, age at moving, the exposure window, the migrants design."""

import numpy as np
import pytest

from simlib import build_world, load_scenario
from simlib.designs import get_design, run_study
from simlib.designs.base import DesignDataError
from simlib.errors import ParameterError, UnknownParameterError
from simlib.residence import MIGRATION_FLOWS, ResidenceParams, window_share_after
from simlib.world import REGIONS

N = 400_000
COLUMNS = ("region_id", "birth_region_id", "born_elsewhere", "age", "age_at_move",
           "residence_window_share", "latitude_deg", "birth_latitude_deg", "vitd_mean_nmol",
           "window_vitd_nmol", "ancestry_north")


@pytest.fixture(scope="module")
def people():
    return build_world(load_scenario("null")).sample(N, seed=11, columns=COLUMNS)


def test_window_share_is_one_at_birth_and_closes_with_age():
    params = ResidenceParams()
    ages = np.array([0.0, 5.0, 10.0, 15.0, 25.0, 40.0, 70.0])
    share = window_share_after(ages, params)
    assert share[0] == pytest.approx(1.0)
    assert np.all(np.diff(share) < 0)
    assert share[-2] < 0.01
    assert window_share_after(np.inf, params) == 0.0
    later = window_share_after(ages, ResidenceParams(window_mid_age=30.0))
    assert np.all(later[1:] > share[1:])  # a later-closing window keeps more of the new place


def test_migrants_moved_before_the_survey_and_natives_never_moved(people):
    moved = people["born_elsewhere"].to_numpy()
    age, at_move = people["age"].to_numpy(), people["age_at_move"].to_numpy()
    assert np.all(at_move[moved] <= age[moved]) and np.all(np.isinf(at_move[~moved]))
    assert np.array_equal(people["birth_region_id"][~moved], people["region_id"][~moved])
    assert np.all(people["birth_region_id"][moved] != people["region_id"][moved])
    assert np.all(people["residence_window_share"][~moved] == 1.0)
    assert np.array_equal(people["window_vitd_nmol"][~moved], people["vitd_mean_nmol"][~moved])


@pytest.mark.parametrize("region", ["Queensland", "Central Europe", "Missouri"])
def test_adults_born_elsewhere_at_the_census_share(people, region):
    index = int(np.flatnonzero(REGIONS["region"] == region)[0])
    adults = (people["region_id"] == index) & (people["age"] >= 50)
    share = MIGRATION_FLOWS[region][0]
    observed = people["born_elsewhere"][adults]
    mcse = np.sqrt(share * (1 - share) / len(observed))
    # the age schedule's CDF at 50+ is above 0.93 with the defaults
    assert share * 0.93 - 3 * mcse < observed.mean() < share + 3 * mcse


def test_migrants_bring_the_ancestry_of_their_birthplace(people):
    scotland = int(np.flatnonzero(REGIONS["region"] == "Scotland")[0])
    queensland = int(np.flatnonzero(REGIONS["region"] == "Queensland")[0])
    in_queensland = people["region_id"].to_numpy() == queensland
    scots = in_queensland & (people["birth_region_id"].to_numpy() == scotland)
    natives = in_queensland & ~people["born_elsewhere"].to_numpy()
    assert scots.sum() > 200
    ancestry = people["ancestry_north"].to_numpy()
    # region means 0.92 vs 0.80; SD of a person's share about 0.13, so the SE of the
    # Scots' mean is under 0.01
    assert ancestry[scots].mean() > ancestry[natives].mean() + 0.06


def test_without_migration_everyone_lives_where_they_were_born():
    world = build_world(load_scenario("null").with_values({"residence.migration_scale": 0.0}))
    quiet = world.sample(50_000, seed=2, columns=COLUMNS)
    assert not quiet["born_elsewhere"].any()
    assert np.array_equal(quiet["latitude_deg"], quiet["birth_latitude_deg"])
    assert np.array_equal(quiet["window_vitd_nmol"], quiet["vitd_mean_nmol"])


def test_residence_parameters_are_validated():
    with pytest.raises(ParameterError, match="residence.migration_scale"):
        load_scenario("null").with_values({"residence.migration_scale": -1.0})
    with pytest.raises(UnknownParameterError, match="window_spred_years.*window_spread_years"):
        load_scenario("null").with_values({"residence.window_spred_years": 3.0})


# ------------------------------------------------------------------ migrants design
@pytest.fixture(scope="module", params=["null", "causal"])
def migrant_study(request):
    return run_study(load_scenario(request.param), "migrants", seed=5,
                     options={"population": 3_000_000})


def test_migrants_who_moved_as_children_take_the_new_places_risk(migrant_study):
    """UK-born Australians: lower MS prevalence if they arrived as children (3 SE)."""
    estimate = get_design("migrants").estimator(None)(migrant_study)
    assert estimate.converged and estimate.n_cases > 150
    assert estimate.estimate + 3 * estimate.se < 0
    assert migrant_study.estimand.value < -0.3  # the truth, by intervention on age at moving
    data = migrant_study.data
    assert data["moved_as_child"].between(0, 1).all() and 0.1 < data["moved_as_child"].mean() < 0.6
    assert (data["birth_latitude_deg"] >= 52).all() and (data["latitude_deg"] <= 42).all()


def test_a_window_closed_at_birth_removes_the_age_at_move_effect():
    """If only the birthplace acted, arriving as a child would not matter (truth ~ 0)."""
    scenario = load_scenario("null").with_values({"residence.window_mid_age": 0.0,
                                                  "residence.window_spread_years": 0.5})
    closed = run_study(scenario, "migrants", seed=5, options={"population": 1_000_000})
    default = run_study(load_scenario("null"), "migrants", seed=5,
                        options={"population": 1_000_000})
    assert abs(closed.estimand.value) < 0.05 * abs(default.estimand.value)


def test_migrants_design_is_seeded():
    one = run_study(load_scenario("null"), "migrants", seed=8, options={"population": 300_000})
    two = run_study(load_scenario("null"), "migrants", seed=8, options={"population": 300_000})
    assert one.data.equals(two.data) and one.estimand == two.estimand


def test_migrants_design_errors_name_the_problem():
    design = get_design("migrants")
    with pytest.raises(ParameterError, match="origin"):
        design.resolve_options({"origin": "mars"})
    with pytest.raises(ParameterError, match="child_age=50.*age_high=40"):
        design.resolve_options({"child_age": 50.0, "age_high": 40.0})
    quiet = load_scenario("null").with_values({"residence.migration_scale": 0.0})
    with pytest.raises(DesignDataError, match="no migrants born in north"):
        run_study(quiet, "migrants", seed=1, options={"population": 100_000})


def test_birthplaces_and_move_ages_are_drawn_for_movers_only_with_everyones_draws():
    """The fast path (computing only for people born elsewhere) gives each person what
    the all-rows formula gives: the same draws, so the same birthplace and age at move."""
    from scipy.stats import norm

    from simlib import residence as res

    names = tuple(REGIONS["region"])
    _, origin = res._flow_arrays(names)
    params = ResidenceParams()
    gen = np.random.default_rng(3)
    n = 50_000
    region_id = gen.integers(0, len(names), n).astype(np.int16)
    age = gen.uniform(0, 100, n)
    moved = gen.random(n) < 0.3
    # reference: every row through the formula, as the world first computed it
    rng = np.random.default_rng(11)
    drawn = (rng.random(n)[:, None] > np.cumsum(origin[region_id], axis=1)).sum(axis=1)
    expected_birth = np.where(moved, np.minimum(drawn, len(names) - 1), region_id)
    got_birth = res.birth_region_id(np.random.default_rng(11), n, region_id, moved, names)
    assert np.array_equal(got_birth, expected_birth)
    rng = np.random.default_rng(12)
    share = params.child_move_share
    child_mass, adult_mass = share * res._child_cdf(age), (1 - share) * res._adult_cdf(age, params)
    as_child = rng.random(n) * np.maximum(child_mass + adult_mass, 1e-300) < child_mass
    u = rng.random(n)
    top = res._child_cdf(age) * -np.expm1(-res.CHILD_MOVE_RATE * res.CHILD_MOVE_END)
    child_age = -np.log1p(-np.clip(u * top, 0.0, 1 - 1e-12)) / res.CHILD_MOVE_RATE
    adult_u = np.clip(u * res._adult_cdf(age, params), 1e-12, 1 - 1e-12)
    adult_age = np.exp(np.log(params.move_age_median) + params.move_age_log_sd * norm.ppf(adult_u))
    expected_move = np.where(moved, np.minimum(np.where(as_child, child_age, adult_age), age),
                             np.inf)
    got_move = res.age_at_move(np.random.default_rng(12), n, age, moved, params)
    assert np.array_equal(got_move, expected_move)

"""Ancestry groups, northern ancestry and skin pigmentation as separate attributes
(simlib.ancestry)."""

import numpy as np
import pytest

from simlib import ancestry, load_scenario
from simlib.world import REGIONS, build_world

N = 400_000
COLUMNS = ["region_id", "birth_region_id", "born_elsewhere", "ancestry_group",
           "ancestry_north", "skin_dark", "hla_drb1_1501", "ms_log_hazard_ratio",
           "vitd_mean_nmol", "birth_year"]


@pytest.fixture(scope="module")
def people():
    return build_world(load_scenario("null")).sample(N, seed=11, columns=COLUMNS)


def _region(name):
    return int(np.flatnonzero(REGIONS["region"].to_numpy() == name)[0])


def test_groups_follow_the_census_shares_of_the_birth_region(people):
    group = people["ancestry_group"].to_numpy()
    born = people["birth_region_id"].to_numpy()
    texas = group[born == _region("Texas")]
    expected = ancestry.REGION_GROUP_SHARES["Texas"]
    shares = np.bincount(texas, minlength=4) / len(texas)
    # binomial SE of a share near 0.3 among about 50,000 people: 0.002
    assert shares == pytest.approx(expected, abs=0.01)
    europe = np.isin(born, [_region(r) for r in ("Scotland", "Southern Europe", "Queensland")])
    assert (group[europe] == ancestry.EUROPEAN).all()


def test_migrants_bring_the_group_of_their_birthplace(people):
    """People born in Texas and living in Ohio are a third Hispanic, as in Texas."""
    group = people["ancestry_group"].to_numpy()
    moved = (people["birth_region_id"].to_numpy() == _region("Texas")) \
        & (people["region_id"].to_numpy() == _region("Ohio"))
    assert moved.sum() > 200
    code = ancestry.GROUPS.index("hispanic")
    hispanic = np.mean(group[moved] == code)
    assert hispanic == pytest.approx(ancestry.REGION_GROUP_SHARES["Texas"][code],
                                     abs=4 * np.sqrt(0.3 * 0.7 / moved.sum()))


def test_pigmentation_is_drawn_by_group_not_by_northern_ancestry(people):
    group, dark = people["ancestry_group"].to_numpy(), people["skin_dark"].to_numpy()
    north = people["ancestry_north"].to_numpy()
    assert not dark[group == ancestry.EUROPEAN].any()
    shares = load_scenario("null").ancestry.group_dark_skin
    for code, share in enumerate(shares, start=1):
        inside = group == code
        assert dark[inside].mean() == pytest.approx(share, abs=4 * np.sqrt(0.25 / inside.sum()))
    african = group == ancestry.GROUPS.index("african")
    # within a group, pigmentation is independent of northern ancestry
    assert abs(np.corrcoef(dark[african], north[african])[0, 1]) < 4 / np.sqrt(african.sum())


def test_hla_carriage_by_group_and_by_northern_ancestry_in_europeans(people):
    group, hla = people["ancestry_group"].to_numpy(), people["hla_drb1_1501"].to_numpy()
    north = people["ancestry_north"].to_numpy()
    params = load_scenario("null").ancestry
    for code, share in enumerate(params.group_hla_carrier, start=1):
        inside = group == code
        assert hla[inside].mean() == pytest.approx(share, abs=4 * np.sqrt(0.12 / inside.sum()))
    european = group == ancestry.EUROPEAN
    high, low = european & (north > 0.8), european & (north < 0.3)
    assert hla[high].mean() > hla[low].mean() + 0.08


def test_pigmentation_acts_on_ms_only_through_vitamin_d():
    """do(skin_dark = fair) moves 25(OH)D in both worlds, the MS hazard only in the causal."""
    for name, moves in (("null", False), ("causal", True)):
        world = build_world(load_scenario(name))
        natural = world.evaluate(50_000, seed=4)
        fair = world.do(skin_dark=lambda v: np.zeros_like(v)).evaluate(50_000, seed=4,
                                                                        reuse=natural)
        dark = natural["skin_dark"]
        assert dark.any()
        assert (fair["vitd_mean_nmol"][dark] > natural["vitd_mean_nmol"][dark]).all()
        same = np.array_equal(fair["ms_log_hazard_ratio"], natural["ms_log_hazard_ratio"])
        assert same != moves, name


def test_the_groups_residual_hazard_adds_exactly_its_log(people):
    scenario = load_scenario("null")
    flat = scenario.with_values({"ancestry.group_ms_hr": (1.0, 1.0, 1.0)})
    base = build_world(scenario).sample(50_000, seed=5, columns=COLUMNS)
    other = build_world(flat).sample(50_000, seed=5, columns=COLUMNS)
    group = base["ancestry_group"].to_numpy()
    added = np.log(np.asarray((1.0, *scenario.ancestry.group_ms_hr)))[group]
    assert base["ms_log_hazard_ratio"].to_numpy() - other["ms_log_hazard_ratio"].to_numpy() \
        == pytest.approx(added, abs=1e-12)


def test_bad_group_parameters_are_refused_with_the_name():
    from simlib.errors import ParameterError

    with pytest.raises(ParameterError, match="group_dark_skin"):
        load_scenario("null").with_values({"ancestry.group_dark_skin": (0.9, 1.5, 0.2)})
    with pytest.raises(ParameterError, match="group_ms_hr"):
        load_scenario("null").with_values({"ancestry.group_ms_hr": (1.0, 0.5)})

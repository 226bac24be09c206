"""The calendar-period onset hazard (simlib.period): reduces to the world's onset
equation without a period effect, integrates the hazard exactly, and inverts it."""

import numpy as np
import pytest

from simlib import history, load_scenario
from simlib.errors import ParameterError
from simlib.period import (
    LAST_AGE,
    CalendarCurve,
    OnsetHazard,
    cumulative_hazard,
    onset_age_from_draw,
)

MS = load_scenario("null").ms
PERIOD = CalendarCurve((1950.0, 1980.0, 2020.0), (-1.2, 0.0, 0.3))  # log HR by calendar year
LATITUDE = CalendarCurve((1980.0, 2010.0), (1.0, 0.4))  # the latitude term fades after 1980


@pytest.fixture(scope="module")
def people():
    rng = np.random.default_rng(7)
    n = 5000
    return {"birth_year": rng.uniform(1900, 2010, n), "lp": rng.normal(3.0, 1.0, n),
            "latitude_term": rng.normal(0.8, 0.5, n), "draw": rng.standard_exponential(n),
            "age": rng.uniform(0, 100, n)}


def test_without_a_period_effect_it_is_the_worlds_onset_equation(people):
    edges, cumulative = history.band_edges(), history.baseline_cumulative(MS)
    age = np.minimum(people["age"], edges[-1])
    expected = np.interp(age, edges, cumulative) * np.exp(people["lp"])
    got = cumulative_hazard(age, people["birth_year"], people["lp"], people["latitude_term"], MS)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    onset = onset_age_from_draw(people["draw"], people["birth_year"], people["lp"],
                                people["latitude_term"], MS)
    world = history.onset_age_from_draw(people["draw"], people["lp"], MS)
    assert np.array_equal(np.isinf(onset), np.isinf(world))
    finite = np.isfinite(world)
    np.testing.assert_allclose(onset[finite], world[finite], rtol=1e-9, atol=1e-9)


def test_cumulative_hazard_is_the_integral_of_the_hazard(people):
    rows = slice(0, 40)
    birth, lp, term = (people[k][rows] for k in ("birth_year", "lp", "latitude_term"))
    ages = np.linspace(0.0, 95.0, 190_001)  # midpoint rule, step 0.0005 years
    step = ages[1] - ages[0]
    middle = ages[:-1] + step / 2
    for i in range(len(birth)):
        year = birth[i] + middle
        hazard = history.baseline_hazard(middle, MS) * np.exp(
            lp[i] + PERIOD(year) + term[i] * (LATITUDE(year) - 1.0))
        numeric = hazard.sum() * step
        exact = cumulative_hazard(np.array([95.0]), birth[i:i + 1], lp[i:i + 1],
                                  term[i:i + 1], MS, PERIOD, LATITUDE)[0]
        assert exact == pytest.approx(numeric, rel=1e-6)


def test_onset_inverts_the_cumulative_hazard(people):
    args = (people["birth_year"], people["lp"], people["latitude_term"], MS, PERIOD, LATITUDE)
    onset = onset_age_from_draw(people["draw"], *args)
    finite = np.isfinite(onset)
    assert 0.02 < finite.mean() < 0.98  # both outcomes occur in this test population
    back = cumulative_hazard(onset[finite], *(a[finite] for a in args[:3]), *args[3:])
    np.testing.assert_allclose(back, people["draw"][finite], rtol=1e-9)
    never = cumulative_hazard(np.full((~finite).sum(), LAST_AGE),
                              *(a[~finite] for a in args[:3]), *args[3:])
    assert np.all(never < people["draw"][~finite])


def test_a_later_birth_year_under_a_rising_period_effect_brings_onset_earlier(people):
    same = {k: np.full(3, v) for k, v in (("lp", 3.0), ("latitude_term", 0.0), ("draw", 0.01))}
    onset = onset_age_from_draw(same["draw"], np.array([1930.0, 1950.0, 1970.0]), same["lp"],
                                same["latitude_term"], MS, PERIOD, LATITUDE)
    assert onset[0] > onset[1] > onset[2]


def test_a_fading_latitude_term_lowers_the_hazard_of_high_latitude_people_only(people):
    birth = np.full(2, 1970.0)
    lp = np.full(2, 3.0)
    term = np.array([0.0, 1.0])  # equator-like and high-latitude
    flat = cumulative_hazard(np.full(2, 60.0), birth, lp, term, MS)
    fading = cumulative_hazard(np.full(2, 60.0), birth, lp, term, MS, latitude=LATITUDE)
    assert fading[0] == pytest.approx(flat[0], rel=1e-12)
    assert fading[1] < 0.8 * flat[1]


@pytest.mark.parametrize("years, values", [((2000.0, 1990.0), (0.0, 1.0)), ((), ()),
                                           ((2000.0,), (0.0, 1.0)), ((np.nan,), (0.0,))])
def test_a_bad_calendar_curve_is_refused(years, values):
    with pytest.raises(ParameterError, match="calendar curve"):
        CalendarCurve(years, values)


def test_the_lifetime_bound_is_never_below_the_lifetime_hazard(people):
    from simlib.period import _lifetime_bound
    args = (people["birth_year"], people["lp"], people["latitude_term"], MS, PERIOD, LATITUDE)
    lifetime = cumulative_hazard(np.full(len(people["lp"]), LAST_AGE), *args)
    bound = _lifetime_bound(people["lp"], people["latitude_term"], MS, PERIOD, LATITUDE)
    assert np.all(bound >= lifetime)
    assert np.median(bound / lifetime) < 3  # tight enough to settle most people cheaply


# ------------------------------------------------------------ the world's onset hazard
HAZARD = OnsetHazard(MS, PERIOD, 2010.0)


def test_the_tabulated_cumulative_hazard_matches_the_closed_form(people):
    age, birth, lp = people["age"], people["birth_year"], people["lp"]
    table = HAZARD.cumulative(age, birth, lp)
    exact = HAZARD.exact_cumulative(age, birth, lp)
    adult = age >= 10  # below, the hazard is near zero and so is any error
    np.testing.assert_allclose(table[adult], exact[adult], rtol=2e-4)
    assert np.max(np.abs(table - exact) / exact.max()) < 1e-5


def test_without_a_period_effect_the_hazard_is_the_constant_one(people):
    flat = OnsetHazard(MS, CalendarCurve((1955.0, 1980.0, 2005.0), (0.0, 0.0, 0.0)))
    assert flat.flat and not HAZARD.flat
    onset = flat.onset_age(people["draw"], people["birth_year"], people["lp"])
    assert np.array_equal(onset, history.onset_age_from_draw(people["draw"], people["lp"], MS))
    below_80 = people["age"] < 80
    edges, cumulative = history.band_edges(), history.baseline_cumulative(MS)
    old = np.interp(people["age"], edges, cumulative) * np.exp(people["lp"])
    got = flat.cumulative(people["age"], people["birth_year"], people["lp"])
    np.testing.assert_allclose(got[below_80], old[below_80], rtol=1e-12)


def test_after_a_change_of_hazard_the_rest_of_the_draw_is_spent_at_the_new_one(people):
    birth, lp, draw = people["birth_year"], people["lp"], people["draw"]
    natural = HAZARD.onset_age(draw, birth, lp)
    same = HAZARD.after_change(natural, birth, lp, lp, np.full(len(lp), 30.0))
    assert np.array_equal(same, natural)
    # a change at birth is the same as having the new hazard all along
    lower = lp - 0.5
    moved = HAZARD.after_change(natural, birth, lp, lower, np.zeros(len(lp)))
    direct = HAZARD.onset_age(draw, birth, lower)
    assert np.array_equal(np.isinf(moved), np.isinf(direct))
    finite = np.isfinite(direct)
    np.testing.assert_allclose(moved[finite], direct[finite], rtol=1e-8)
    # a change at 30 leaves earlier onsets alone and delays (or removes) later ones
    at_30 = HAZARD.after_change(natural, birth, lp, lower, np.full(len(lp), 30.0))
    early = natural <= 30
    assert np.array_equal(at_30[early], natural[early])
    assert np.all(at_30[~early] >= natural[~early])


def test_onset_period_years_must_increase():
    scenario = load_scenario("null")
    with pytest.raises(ParameterError, match="calendar.onset_period_years"):
        scenario.with_values({"calendar.onset_period_years": (1980.0, 1955.0, 2005.0)})


def _onsets_and_compensator(scenario, n, seed, first_year, last_year):
    """Simulated onsets with calendar year in [first_year, last_year) and their expected
    number (each person's integrated hazard over their time at risk in the window)."""
    from simlib.period import onset_hazard
    from simlib.world import build_world

    people = build_world(scenario).evaluate(
        n, seed, keep=["age", "birth_year", "ms_log_hazard_ratio", "ms_onset_age"])
    hazard = onset_hazard(scenario)
    birth, onset = people["birth_year"], people["ms_onset_age"]
    start = np.clip(first_year - birth, 0.0, None)
    end = np.clip(last_year - birth, 0.0, None)
    at_risk = (onset >= start) & (end > start)
    stop = np.minimum(onset, end)
    lp = people["ms_log_hazard_ratio"]
    expected = hazard.cumulative(stop[at_risk], birth[at_risk], lp[at_risk]) \
        - hazard.cumulative(start[at_risk], birth[at_risk], lp[at_risk])
    return int(np.sum(at_risk & (onset < end))), float(expected.sum())


@pytest.mark.parametrize("first_year", [1950.0, 1975.0, 2000.0])
def test_the_worlds_onsets_follow_its_period_hazard(first_year):
    """Counted onsets in a calendar decade agree with the compensator within 4 Poisson
    SDs: the world's inversion and the tabulated hazard the studies use are one hazard."""
    from simlib.calibrate import at_era

    scenario = at_era(load_scenario("null"), first_year + 15, "north")
    count, expected = _onsets_and_compensator(scenario, 1_000_000, 11, first_year,
                                              first_year + 10)
    assert expected > 100
    assert abs(count - expected) < 4 * np.sqrt(expected)


def test_the_period_effect_lowers_onset_in_the_1950s_only():
    from simlib.calibrate import at_era

    scenario = at_era(load_scenario("null"), 2010.0, "north")
    flat = scenario.with_values({"calendar.onset_period_log_hr": (0.0, 0.0, 0.0)})
    period = {when: _onsets_and_compensator(scenario, 400_000, 11, when, when + 10)[1]
              for when in (1950.0, 2000.0)}
    none = {when: _onsets_and_compensator(flat, 400_000, 11, when, when + 10)[1]
            for when in (1950.0, 2000.0)}
    p1955 = scenario.calendar.onset_period_log_hr[0]
    assert period[1950.0] / none[1950.0] == pytest.approx(np.exp(p1955), rel=0.25)
    assert period[2000.0] / none[2000.0] == pytest.approx(1.0, abs=0.1)

"""The calendar-period onset hazard (simlib.period): reduces to the world's onset
equation without a period effect, integrates the hazard exactly, and inverts it."""

import numpy as np
import pytest

from simlib import history, load_scenario
from simlib.errors import ParameterError
from simlib.period import LAST_AGE, CalendarCurve, cumulative_hazard, onset_age_from_draw

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

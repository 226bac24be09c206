"""The fits that set the world's MS defaults (simlib.fitting) and the era populations
they use (simlib.calibrate.at_era)."""

import numpy as np
import pytest

from simlib import calibrate, fitting, load_scenario


def test_at_era_surveys_the_year_and_regions_asked():
    scenario = calibrate.at_era(load_scenario("null"), 1985, "us")
    assert scenario.calendar.survey_year == 1985.0
    assert scenario.population.regions == "us"


def test_the_published_ratios_have_no_gap():
    assert fitting.latitude_gaps(fitting.INCIDENCE_TARGETS) == pytest.approx([0.0, 0.0])


def test_a_steeper_latitude_factor_widens_both_ratios():
    """Both between-site ratios move the same way with the latitude factor, so the fit
    has one best value (seeded: the same people in both worlds)."""
    scenario = load_scenario("null")
    flat, steep = (fitting.incidence_contrasts(
        scenario.with_values({"ms.latitude_hr_per_10_degrees": hr}), 100_000, 3)
        for hr in (1.5, 3.0))
    assert steep["mid_latitude_1985"] / steep["high_latitude_2010"] \
        < flat["mid_latitude_1985"] / flat["high_latitude_2010"]
    assert steep["ohio_texas_2000"] > flat["ohio_texas_2000"]


def test_group_hazard_fit_meets_its_targets_on_the_same_people():
    """A group's expected incidence is proportional to its residual hazard ratio, so one
    rescaling meets the target exactly on the people it was fitted on (up to rounding)."""
    start = load_scenario("null").with_values({"ancestry.group_ms_hr": (1.0, 1.0, 1.0)})
    fitted = fitting.fit_group_hazard(start, n=200_000, seed=9)
    table = calibrate.tally(calibrate.at_era(fitted, 2009, "us"), 200_000, 9)
    for group, target in fitting.GROUP_TARGETS.items():
        got = calibrate.group_incidence_ratio(table, "Texas", group)
        assert got == pytest.approx(target, rel=1e-3)
    assert fitted.ancestry.group_ms_hr[0] == 1.0  # the African group is not fitted
    assert np.all(np.asarray(fitted.ancestry.group_ms_hr[1:]) < 1.0)

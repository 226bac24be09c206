"""Fit the world's MS incidence parameters to published figures, each in its era.

Four sets of MS parameters are not known from any single study and are fitted, once,
to published incidence and prevalence (the results are written in
``data/scenarios/*.toml``; the calibration tests check them):

* ``calendar.onset_period_log_hr`` (the calendar-period effect on onset,
  :mod:`simlib.period`) to the Hordaland register's incidence in 1953-57, 1978-82 and
  2003-07 (Grytten et al. 2016: 1.9, 7.2, 8.5 per 100,000 person-years), as ratios to
  the last period (:func:`fit_period`);

* ``ms.latitude_hr_per_10_degrees`` (the unexplained latitude factors) to two
  between-site ratios at once: the pooled mid-latitude incidence of studies around
  1985 (Alonso & Hernan 2008: 2.75 per 100,000 person-years) against the
  high-latitude registers of 2003-2017 (Scotland, Wales, Hordaland: 8.8), and Noonan
  et al.'s Ohio / Texas prevalence ratio of 1998-2000 (109.5 / 47.2);
* ``ms.baseline_per_100k``, the level, to the registers;
* ``ancestry.group_ms_hr`` (Hispanic, Asian) to the groups' incidence ratios to White
  Americans in the same health plan (Langer-Gould et al. 2013: 0.42 and 0.20).

Each figure is computed in a population surveyed in its study's year, among the
regions it stands for (:func:`simlib.calibrate.at_era`): the women's hazard ratio
rises by birth cohort (:mod:`simlib.era`), so the 1985 pool of studies sees a lower
mid-latitude incidence than a 2010 survey would, and Texas is a third Hispanic
(:mod:`simlib.ancestry`). With both, one latitude factor of about 2.2 per 10 degrees
met both ratios; fitted to the 1985 pool as if it were of 2010 and to a Texas of
one ancestry, it had been 3.1, far steeper than within-country cohorts find. The
calendar-period effect (:func:`fit_period`) makes 1978-82 onset slightly commoner than
2003-07 net of the women's cohort trend, which raises it again to about 2.4.
The fits use each person's expected onsets and expected risk by their age (smooth in
the parameters, with common random numbers), not simulated counts.
"""

from __future__ import annotations

import numpy as np

from .ancestry import GROUPS
from .calibrate import (
    HIGH_LATITUDE,
    MID_LATITUDE,
    _rate,
    at_era,
    figures_from_tally,
    hordaland_incidence,
    incidence_rows,
    tally,
)
from .scenario import Scenario

#: Published figures the latitude factor and the baseline are fitted to: incidence per
#: 100,000 person-years, and the Ohio / Texas prevalence ratio (Noonan et al. 2010).
INCIDENCE_TARGETS = {"mid_latitude_1985": 2.75, "high_latitude_2010": 8.8,
                     "ohio_texas_2000": 109.5 / 47.2}
#: Weights of the two ratios in the latitude fit: 1 / their calibration tolerance
#: (the pooled incidences' CIs are about +-17%, the prevalence ratio's rule 30%).
RATIO_WEIGHTS = {"mid_high": 1 / 0.17, "ohio_texas": 1 / 0.30}
#: Incidence ratios to White Americans the groups' residual hazard ratios are fitted to
#: (Langer-Gould et al. 2013: Hispanic 2.9, Asian 1.4, White 6.9 per 100,000
#: person-years); the African group is left at 1 (its contrast is a validation figure).
GROUP_TARGETS = {"hispanic": 2.9 / 6.9, "asian": 1.4 / 6.9}
#: MS incidence per 100,000 person-years in Hordaland, western Norway, in 1953-57,
#: 1978-82 and 2003-07 (Grytten et al. 2016), at ``calendar.onset_period_years``.
PERIOD_TARGETS = (1.9, 7.2, 8.5)


def incidence_contrasts(scenario: Scenario, n: int, seed) -> dict:
    """The figures of :data:`INCIDENCE_TARGETS`, each in its study's era and regions."""
    high = tally(at_era(scenario, 2010, "north"), n, seed)
    mid = tally(at_era(scenario, 1985, "all"), n, seed)
    sites = tally(at_era(scenario, 2000, "us"), n, seed).groupby(level="region").sum()
    ever = sites["expected_prevalent"] / sites["alive"]
    return {"mid_latitude_1985": _rate(incidence_rows(mid, *MID_LATITUDE), "expected_incident",
                                       "person_years"),
            "high_latitude_2010": _rate(incidence_rows(high, HIGH_LATITUDE, 90),
                                        "expected_incident", "person_years"),
            "ohio_texas_2000": float(ever["Ohio"] / ever["Texas"])}


def latitude_gaps(contrasts: dict) -> np.ndarray:
    """Weighted log gaps of the two between-site ratios from their published values."""
    got, want = contrasts, INCIDENCE_TARGETS
    mid_high = np.log(got["mid_latitude_1985"] / got["high_latitude_2010"]) \
        - np.log(want["mid_latitude_1985"] / want["high_latitude_2010"])
    ohio_texas = np.log(got["ohio_texas_2000"] / want["ohio_texas_2000"])
    return np.array([RATIO_WEIGHTS["mid_high"] * mid_high,
                     RATIO_WEIGHTS["ohio_texas"] * ohio_texas])


def fit_incidence(scenario: Scenario, n: int = 500_000, seed: int = 2024) -> Scenario:
    """Refit ``ms.latitude_hr_per_10_degrees`` and ``ms.baseline_per_100k`` (see above).

    The latitude factor minimises the sum of squared :func:`latitude_gaps` (bounded
    search on its logarithm, 1 to 9); the level is then linear in the baseline.
    """
    from scipy.optimize import minimize_scalar

    def with_latitude(log_hr):
        return scenario.with_values({"ms.latitude_hr_per_10_degrees":
                                     round(float(np.exp(log_hr)), 3)})

    def loss(log_hr):
        return float(np.sum(latitude_gaps(incidence_contrasts(with_latitude(log_hr), n,
                                                              seed)) ** 2))

    best = minimize_scalar(loss, bounds=(0.0, np.log(9.0)), method="bounded",
                           options={"xatol": 2e-3})
    fitted = with_latitude(best.x)
    high = incidence_contrasts(fitted, n, seed)["high_latitude_2010"]
    baseline = fitted.ms.baseline_per_100k * INCIDENCE_TARGETS["high_latitude_2010"] / high
    return fitted.with_values({"ms.baseline_per_100k": round(float(baseline), 4)})


def fit_group_hazard(scenario: Scenario, n: int = 1_000_000, seed: int = 2024) -> Scenario:
    """Refit ``ancestry.group_ms_hr`` (Hispanic, Asian) to :data:`GROUP_TARGETS` in Texas.

    A group's expected incidence is proportional to its residual hazard ratio, so one
    rescaling per group meets the target (up to the Monte Carlo error of ``n`` people).
    """
    figures = figures_from_tally(tally(at_era(scenario, 2009, "us"), n, seed))
    hr = dict(zip(GROUPS[1:], scenario.ancestry.group_ms_hr, strict=True))
    for group, target in GROUP_TARGETS.items():
        hr[group] = round(hr[group] * target / figures[f"inc_{group}_white"], 4)
    return scenario.with_values({"ancestry.group_ms_hr": tuple(hr[g] for g in GROUPS[1:])})


def fit_period(scenario: Scenario, n: int = 500_000, seed: int = 2024,
               rounds: int = 4) -> Scenario:
    """Refit ``calendar.onset_period_log_hr`` to the Hordaland trend (:data:`PERIOD_TARGETS`).

    The last knot stays at 0 (the registers' era, where the baseline is fitted); each
    earlier knot moves by the log gap of its period's incidence ratio to the last
    period's. The women's birth-cohort trend (:mod:`simlib.era`) already raises
    incidence over the calendar, so the period effect is what remains of the trend.
    """
    years = scenario.calendar.onset_period_years
    target = np.log(np.asarray(PERIOD_TARGETS) / PERIOD_TARGETS[-1])
    for _ in range(rounds):
        rates = np.array([hordaland_incidence(scenario, year, n, seed) for year in years])
        values = np.asarray(scenario.calendar.onset_period_log_hr) + target \
            - np.log(rates / rates[-1])
        values[-1] = 0.0
        scenario = scenario.with_values({"calendar.onset_period_log_hr":
                                         tuple(round(float(v), 4) for v in values)})
    return scenario


def fit_scenario(scenario: Scenario, n: int = 500_000, seed: int = 2024) -> Scenario:
    """All fits: the period trend, group hazards (they change Texas), then incidence,
    twice over."""
    for _ in range(2):
        scenario = fit_period(scenario, n, seed)
        scenario = fit_incidence(fit_group_hazard(scenario, 2 * n, seed), n, seed)
    return scenario

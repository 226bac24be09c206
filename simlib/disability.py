"""Disability after MS onset: an EDSS trajectory per person with MS.

Each person with MS has an onset course (relapsing or progressive from onset) and a
progression speed. Irreversible disability follows the course's natural-history curve
in *speed-adjusted* years since onset, ``tau = speed * years``, a curve through the
median times from onset to EDSS 4, 6 and 7 of the Lyon cohort (Confavreux et al. 2000:
relapsing onset 11.4, 23.1 and 33.1 years; progressive onset 0, 7.1 and 13.4 years).
With a median speed of 1 the median time to each milestone is the published one, and
the spread of the speed spreads the times around it.

Relapses leave residual disability in about 42% of cases (Lublin et al. 2003, a step
of at least 0.5 EDSS point). The curve already holds the average of those steps, so a
person's own relapses move them from it: ``0.5 * (residual steps - expected steps)``,
where the residual steps are drawn from the person's relapse count and the expected
ones from their expected relapses. More relapses than expected, more disability.

Disability reduces time outdoors (van der Mei et al. 2007: lower 25(OH)D with higher
EDSS, through less sun exposure): ``reverse_causation.disability_sun_loss_per_edss``
of sun-derived 25(OH)D is lost per EDSS point of the progression curve at the survey
(the relapse steps are left out of it, because relapses themselves depend on 25(OH)D
in the causal worlds).

EDSS is 0 for people without MS onset by the survey, and is rounded to the scale's
half points, 0 to 9.5.

References
----------
Confavreux C, Vukusic S, Moreau T, Adeleine P. Relapses and progression of disability in
multiple sclerosis. N Engl J Med 2000;343:1430-8. doi:10.1056/NEJM200011163432001
Lublin FD, Baier M, Cutter G. Effect of relapses on development of residual deficit in
multiple sclerosis. Neurology 2003;61:1528-32.
van der Mei IA et al. Vitamin D levels in people with multiple sclerosis and community
controls in Tasmania, Australia. J Neurol 2007;254:581-90.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .params import Section, param

#: EDSS points the speed-adjusted curves pass through beyond the published milestones
#: (assumption: slow progression towards 8.5, bed-bound, after about 60 years).
LATE_EDSS = 8.5
LATE_YEARS = 60.0
EDSS_MAX = 9.5
STEP_EDSS = 0.5


@dataclass(frozen=True)
class DisabilityParams(Section):
    """Course, progression and relapse steps of disability (see :mod:`simlib.disability`)."""

    section_name = "disability"
    progressive_onset_share: float = param(0.15, "proportion", 0.0, 1.0,
                                           "Confavreux et al., N Engl J Med 2000;343:1430 "
                                           "(282 of 1844 progressive from onset)",
                                           "share of people with MS progressive from onset")
    relapsing_years_to_edss: tuple = param((11.4, 23.1, 33.1), "years", 0.0, 100.0,
                                           "Confavreux et al. 2000 (relapsing onset)",
                                           "median years from onset to EDSS 4, 6 and 7, "
                                           "relapsing onset")
    progressive_years_to_edss: tuple = param((0.0, 7.1, 13.4), "years", 0.0, 100.0,
                                             "Confavreux et al. 2000 (progressive onset)",
                                             "median years from onset to EDSS 4, 6 and 7, "
                                             "progressive onset")
    speed_log_sd: float = param(0.8, "log ratio", 0.0, 3.0,
                                "assumption: in Confavreux et al. 2000 a quarter of "
                                "relapsing-onset patients reached EDSS 4 within about 4 "
                                "years and a quarter had not in 25",
                                "spread of each person's progression speed (median 1)")
    residual_step_share: float = param(0.42, "proportion", 0.0, 1.0,
                                       "Lublin et al., Neurology 2003;61:1528 (42% of "
                                       "relapses left a residual deficit of 0.5 EDSS or more)",
                                       "share of relapses that leave a 0.5-point EDSS step")

    def check(self):
        for name in ("relapsing_years_to_edss", "progressive_years_to_edss"):
            years = list(getattr(self, name))
            if len(years) != 3 or not years[0] < years[1] < years[2] < LATE_YEARS:
                raise ParameterError(
                    f"disability.{name} = {years} is not allowed: use three increasing "
                    f"years to EDSS 4, 6 and 7 (the first may be 0), below {LATE_YEARS:g}")


def _curve(years_to_edss):
    """(speed-adjusted years, EDSS) points of one course's curve, from onset."""
    to_4, to_6, to_7 = years_to_edss
    if to_4 > 0:
        return np.array([0.0, to_4, to_6, to_7, LATE_YEARS]), \
            np.array([1.0, 4.0, 6.0, 7.0, LATE_EDSS])
    return np.array([0.0, to_6, to_7, LATE_YEARS]), np.array([4.0, 6.0, 7.0, LATE_EDSS])


def progressive_onset(rng, n, disability: DisabilityParams):
    """Would have MS progressive from onset (primary progressive course)."""
    return rng.random(n) < disability.progressive_onset_share


def progression_speed(rng, n, disability: DisabilityParams):
    """Multiplier of the years since onset on the natural-history curve (median 1)."""
    return np.exp(disability.speed_log_sd * rng.standard_normal(n))


def progression_edss(years_since_onset, progressive_onset, progression_speed,
                     disability: DisabilityParams):
    """EDSS of the natural-history curve (continuous) ``years_since_onset`` after onset.

    0 where ``years_since_onset`` is negative or not finite (no MS yet).
    """
    years = np.asarray(years_since_onset, dtype=float)
    has_ms = np.isfinite(years) & (years >= 0)
    tau = np.where(has_ms, years, 0.0) * progression_speed
    relapsing = np.interp(tau, *_curve(disability.relapsing_years_to_edss))
    progressive = np.interp(tau, *_curve(disability.progressive_years_to_edss))
    return np.where(has_ms, np.where(progressive_onset, progressive, relapsing), 0.0)


def edss_progression(age, ms_onset_age, progressive_onset, progression_speed, disability):
    """EDSS of the progression curve at the survey (0 without MS onset by then)."""
    return progression_edss(np.asarray(age) - ms_onset_age, progressive_onset,
                            progression_speed, disability)


def edss(rng, edss_progression, relapse_count, relapse_expected, ms_onset_age, age,
         disability: DisabilityParams):
    """EDSS at the survey: the progression curve plus the person's own relapse steps.

    Rounded to the half points of the scale, 0 to 9.5; 0 without MS onset by the survey.
    """
    share = disability.residual_step_share
    steps = rng.binomial(np.asarray(relapse_count, dtype=np.int64), share)
    deviation = STEP_EDSS * (steps - share * np.asarray(relapse_expected))
    has_ms = np.asarray(ms_onset_age) <= np.asarray(age)
    score = np.clip(edss_progression + deviation, 0.0, EDSS_MAX)
    return np.where(has_ms, np.round(score / STEP_EDSS) * STEP_EDSS, 0.0)

"""MS onset hazard that changes with calendar time: its integral and its inverse.

Not yet wired into the world (issue 10, item 5): the building block of a calendar-period
effect on MS onset, tested on its own first, as :mod:`simlib.drift` was.

Why. Incidence registers show MS onset rates changing with the calendar, not only with
birth cohort: in Hordaland (western Norway) incidence rose from 1.9 per 100,000 in
1953-57 to 7.2 in 1978-82 and then levelled off (8.5 in 2003-07; Grytten et al. 2016),
and a systematic review of 38 incidence studies found the latitude gradient weakened
after 1980, "apparently due to increased incidence of MS in lower latitudes" (Alonso &
Hernan 2008; Alcalde-Cabero et al. 2013 found the European rates of 1985-2009 doubling
with study midpoint year). The world's onset equation uses a constant log hazard ratio
per person, so it cannot hold Alonso's 1985 gradient and the flat recent gradient
(Kaiser Permanente 2008-10, Langer-Gould et al. 2013) at once.

The model. For a person born in calendar year ``b`` with a constant log hazard ratio
``lp`` and a latitude term ``L`` (the part of ``lp`` that fades), the onset hazard at age
``a`` is::

    h(a) = h0(a) * exp(lp + P(b + a) + L * (G(b + a) - 1))

with ``h0`` the piecewise-constant baseline by 5-year age band (:mod:`simlib.history`),
``P`` a period log hazard ratio and ``G`` a multiplier of the latitude term, both
piecewise linear between calendar-year knots and flat outside them. Within a segment
where the age band and the calendar piece are fixed the log hazard is linear in age, so
the cumulative hazard and its inverse have closed forms; a person has at most
``bands + knots + 1`` segments. With ``P = 0`` and ``G = 1`` everything reduces to
:func:`simlib.history.onset_age_from_draw` and ``H0(a) exp(lp)``.

Cost, measured on this 2-core machine (with another job running), 10^6 people with
three period knots and two latitude knots: the full segment table costs about 5 s, so
the inversion first settles everyone whose draw exceeds a bound on their lifetime
hazard (see :func:`onset_age_from_draw`) and builds the table only for the rest. On the
null world's people that inversion takes 0.07-0.14 s per million (median of 5), about
8 times the constant-hazard inversion (0.008-0.017 s).
:func:`cumulative_hazard` has no such shortcut: before it serves every person of a
population (expected onsets in :mod:`simlib.calibrate`) it needs a faster path, for
example tables by birth year on a fine grid, since the period factors depend on
calendar year only.

References
----------
Grytten N, Aarseth JH, Lunde HMB, Myhr KM. A 60-year follow-up of the incidence and
prevalence of multiple sclerosis in Hordaland County, Western Norway. J Neurol
Neurosurg Psychiatry 2016;87:100-5 (PMC4717445)
Alonso A, Hernan MA. Temporal trends in the incidence of multiple sclerosis: a
systematic review. Neurology 2008;71:129-35. doi:10.1212/01.wnl.0000316802.35974.34
Alcalde-Cabero E et al. Incidence of multiple sclerosis among European Economic Area
populations, 1985-2009: the framework for monitoring. BMC Neurol 2013;13:58.
doi:10.1186/1471-2377-13-58
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import exprel

from . import history
from .errors import ParameterError
from .sections import MSParams

#: Last age (years) to which onset is followed; beyond it, no onset in this life (as in
#: :func:`simlib.history.onset_age_from_draw`).
LAST_AGE = history.AGE_MAX + 20.0


@dataclass(frozen=True)
class CalendarCurve:
    """A function of calendar year, piecewise linear between ``years``, flat outside.

    Parameters
    ----------
    years : tuple of float
        Knots (calendar years), strictly increasing.
    values : tuple of float
        Value at each knot (a log hazard ratio for ``P``, a multiplier for ``G``).
    """

    years: tuple
    values: tuple

    def __post_init__(self):
        years, values = np.asarray(self.years, float), np.asarray(self.values, float)
        if years.ndim != 1 or len(years) == 0 or years.shape != values.shape:
            raise ParameterError(f"calendar curve years={self.years!r}, values={self.values!r}:"
                                 " use two lists of the same non-zero length")
        if np.any(np.diff(years) <= 0) or not np.all(np.isfinite(years)) \
                or not np.all(np.isfinite(values)):
            raise ParameterError(f"calendar curve years={self.years!r}: use finite, strictly "
                                 "increasing calendar years and finite values")

    def __call__(self, year):
        return np.interp(year, self.years, self.values)

    def slope(self, year):
        """Slope (per calendar year) of the piece holding ``year`` (0 outside the knots)."""
        years, values = np.asarray(self.years, float), np.asarray(self.values, float)
        slopes = np.concatenate([[0.0], np.diff(values) / np.diff(years), [0.0]])
        return slopes[np.searchsorted(years, year, side="right")]


FLAT_PERIOD = CalendarCurve((2000.0,), (0.0,))
FULL_LATITUDE = CalendarCurve((2000.0,), (1.0,))


def _segments(birth_year, ms: MSParams, period: CalendarCurve, latitude: CalendarCurve):
    """Per person, the ages (n x k+1) that bound the segments of constant band and piece."""
    knots = np.union1d(period.years, latitude.years)
    knot_ages = np.clip(knots[None, :] - np.asarray(birth_year, float)[:, None], 0.0, LAST_AGE)
    band = np.broadcast_to(np.append(history.band_edges(), LAST_AGE),
                           (len(knot_ages), history.band_edges().size + 1))
    return np.sort(np.concatenate([band, knot_ages], axis=1), axis=1)


def _baseline_rate(start, ms: MSParams):
    """Baseline hazard (per person-year) of the age band starting at or holding ``start``,
    with the floor of :func:`simlib.history.baseline_cumulative` (so the two agree)."""
    index = np.clip((start // history.BAND_YEARS).astype(int), 0, len(ms.age_shape) - 1)
    return np.maximum(np.asarray(ms.age_shape), 1e-12)[index] * ms.baseline_per_100k / 1e5


def _log_rate_and_slope(start, birth_year, lp, latitude_term, ms: MSParams,
                        period: CalendarCurve, latitude: CalendarCurve):
    """Log hazard at each segment's start and its slope in age (per year) within it."""
    year = np.asarray(birth_year, float)[:, None] + start
    middle = year + 1e-9  # the piece that starts at a knot
    term = np.asarray(latitude_term, float)[:, None]
    log_rate = (np.log(_baseline_rate(start, ms))
                + np.asarray(lp, float)[:, None] + period(year) + term * (latitude(year) - 1.0))
    slope = period.slope(middle) + term * latitude.slope(middle)
    return log_rate, slope


def _segment_table(birth_year, lp, latitude_term, ms, period, latitude):
    """(segment starts, lengths, log rates, slopes, cumulative hazard at each start)."""
    bounds = _segments(birth_year, ms, period, latitude)
    start, length = bounds[:, :-1], np.diff(bounds, axis=1)
    log_rate, slope = _log_rate_and_slope(start, birth_year, lp, latitude_term, ms,
                                          period, latitude)
    hazard = np.exp(log_rate) * length * exprel(slope * length)
    cumulative = np.concatenate([np.zeros((len(start), 1)), np.cumsum(hazard, axis=1)], axis=1)
    return start, length, log_rate, slope, cumulative


def cumulative_hazard(age, birth_year, lp, latitude_term, ms: MSParams,
                      period: CalendarCurve = FLAT_PERIOD,
                      latitude: CalendarCurve = FULL_LATITUDE):
    """Cumulative onset hazard from birth to ``age`` (years), one value per person.

    Parameters
    ----------
    age, birth_year, lp, latitude_term : array_like
        Per person: age (years, capped at :data:`LAST_AGE`), calendar year of birth, the
        constant log hazard ratio and the latitude part of it (log hazard ratio) that
        ``latitude`` scales.
    ms : MSParams
        Baseline hazard by age band.
    period, latitude : CalendarCurve
        ``P`` (log hazard ratio by calendar year) and ``G`` (multiplier of the latitude
        term by calendar year).
    """
    start, length, log_rate, slope, cumulative = _segment_table(
        birth_year, lp, latitude_term, ms, period, latitude)
    age = np.minimum(np.asarray(age, float), LAST_AGE)[:, None]
    within = np.clip(age - start, 0.0, length)
    return np.sum(np.exp(log_rate) * within * exprel(slope * within), axis=1)


def onset_age_from_draw(exponential_draw, birth_year, lp, latitude_term, ms: MSParams,
                        period: CalendarCurve = FLAT_PERIOD,
                        latitude: CalendarCurve = FULL_LATITUDE):
    """Age (years) at which the cumulative hazard reaches the person's draw; ``inf`` if it
    does not before :data:`LAST_AGE`. The inverse of :func:`cumulative_hazard`.

    Most people never reach their draw (MS is rare): a bound on the lifetime hazard
    (the baseline's times the largest period factor over the calendar, which a
    piecewise-linear curve takes at a knot) settles them without the segment table.
    """
    draw, birth_year, lp, latitude_term = (np.asarray(x, float) for x in (
        exponential_draw, birth_year, lp, latitude_term))
    onset = np.full(len(draw), np.inf)
    rows = np.flatnonzero(draw <= _lifetime_bound(lp, latitude_term, ms, period, latitude))
    if len(rows):
        onset[rows] = _invert(draw[rows], birth_year[rows], lp[rows], latitude_term[rows], ms,
                              period, latitude)
    return onset


def _lifetime_bound(lp, latitude_term, ms, period, latitude):
    """An upper bound of each person's cumulative hazard at :data:`LAST_AGE`."""
    knots = np.union1d(period.years, latitude.years)
    factor = period(knots)[None, :] + latitude_term[:, None] * (latitude(knots)[None, :] - 1.0)
    last_rate = max(ms.age_shape[-1], 1e-12) * ms.baseline_per_100k / 1e5
    lifetime = history.baseline_cumulative(ms)[-1] \
        + last_rate * (LAST_AGE - history.band_edges()[-1])
    return np.exp(lp + factor.max(axis=1)) * lifetime * (1.0 + 1e-9)


def _invert(draw, birth_year, lp, latitude_term, ms, period, latitude):
    """:func:`onset_age_from_draw` for people whose draw may be reached."""
    start, length, log_rate, slope, cumulative = _segment_table(
        birth_year, lp, latitude_term, ms, period, latitude)
    rows = np.arange(len(draw))
    segment = np.minimum((cumulative[:, 1:] < draw[:, None]).sum(axis=1), length.shape[1] - 1)
    remaining = draw - cumulative[rows, segment]
    rate, rise = np.exp(log_rate[rows, segment]), slope[rows, segment]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tilted = np.log1p(remaining * rise / rate) / rise
        into = np.where(np.abs(rise) > 1e-12, tilted, remaining / rate)
    onset = start[rows, segment] + into
    reached = draw <= cumulative[:, -1]
    return np.where(reached & np.isfinite(onset), onset, np.inf)

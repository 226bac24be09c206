"""MS onset hazard that changes with calendar time: its integral and its inverse.

The world's onset equation (:func:`simlib.world.ms_onset_age`) and every study that
integrates the onset hazard (expected onsets in :mod:`simlib.calibrate` and
:mod:`simlib.validate`, true effects of interventions in :mod:`simlib.designs`) take it
from one :class:`OnsetHazard` (:func:`onset_hazard` of a scenario), so they see one
hazard. The period log hazard ratio ``P`` is ``calendar.onset_period_log_hr`` at
``calendar.onset_period_years``, fitted to the Hordaland register's incidence by period
(:func:`simlib.fitting.fit_period`). The register's rise folds together a real rise and
better case finding (CT from the late 1970s, MRI from the mid 1980s); the world does not
separate them: both enter as the onset hazard, since a case never found is not counted
by any study the world runs. The fading latitude term ``G`` is supported here but not
used by the world (``latitude_term = 0``).

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
:func:`cumulative_hazard` has no such shortcut; :meth:`OnsetHazard.cumulative`, which
serves whole populations, reads a table by birth year and age on a 0.25-year grid
(:data:`TABLE_STEP`) instead: 0.06-0.10 s per million people, relative error below 2e-4
after age 10.

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
from functools import lru_cache

import numpy as np

from . import history
from .errors import ParameterError
from .sections import MSParams
from .special import exprel

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
    if np.all(np.asarray(latitude.values) == 1.0):  # no fading: one bound for everyone
        factor = np.max(period(knots))
    else:
        factor = (period(knots)[None, :] + latitude_term[:, None]
                  * (latitude(knots)[None, :] - 1.0)).max(axis=1)
    lifetime = _extended_baseline(ms)[1][-1]
    return np.exp(lp + factor) * lifetime * (1.0 + 1e-9)


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


# ------------------------------------------------------------ the world's onset hazard
#: Grid step (years) of the tabulated cumulative hazard, in age and in birth year. It
#: divides the 5-year age bands, so for whole-year knots every grid cell has one band and
#: one calendar piece and its integral is exact; between nodes the table is interpolated.
TABLE_STEP = 0.25


@lru_cache(maxsize=8)
def _period_table(age_shape: tuple, period: CalendarCurve):
    """Cumulative hazard per unit baseline and unit ``exp(lp)``, on a grid.

    Returns ``(first birth year, table, slope, exprel(slope * TABLE_STEP))``; ``table[i, j]`` is
    ``int_0^{j step} shape(s) exp(P(b_i + s)) ds`` for birth year ``b_i = first + i step``
    and ``slope[i, j]`` the slope of the log hazard within cell ``j`` of that row.
    Birth years before ``first`` (everyone's life before the first knot) or after the
    last knot have a cumulative hazard that does not depend on birth year, so clamping to
    the grid's ends is exact.
    """
    first = period.years[0] - LAST_AGE
    births = first + TABLE_STEP * np.arange(int(np.ceil((period.years[-1] - first)
                                                        / TABLE_STEP)) + 1)
    starts = TABLE_STEP * np.arange(int(round(LAST_AGE / TABLE_STEP)))
    band = np.minimum((starts // history.BAND_YEARS).astype(int), len(age_shape) - 1)
    shape = np.maximum(np.asarray(age_shape, float), 1e-12)[band]
    year = births[:, None] + starts[None, :]
    slope = period.slope(year + TABLE_STEP / 2)
    cell_exprel = exprel(slope * TABLE_STEP)
    cell = shape * np.exp(period(year)) * TABLE_STEP * cell_exprel
    table = np.concatenate([np.zeros((len(births), 1)), np.cumsum(cell, axis=1)], axis=1)
    return first, table, slope, cell_exprel


def _lookup(age, birth_year, first, table, slope, cell_exprel):
    """:func:`_period_table` at (age, birth year): within an age cell, the integral of
    the cell's exponential hazard (exact on a grid row); between rows, linear.
    ``cell_exprel`` is ``exprel(slope * TABLE_STEP)``, tabulated once with the table."""
    rows, cols = table.shape
    x = np.clip((np.asarray(birth_year, float) - first) / TABLE_STEP, 0.0, rows - 1.0)
    y = np.clip(np.asarray(age, float) / TABLE_STEP, 0.0, cols - 1.0)
    i, j = np.minimum(x.astype(np.intp), rows - 2), np.minimum(y.astype(np.intp), cols - 2)
    fx, fy = x - i, y - j

    def along_row(r):
        rise = slope[r, j] * TABLE_STEP
        share = fy * exprel(rise * fy) / cell_exprel[r, j]
        return table[r, j] + share * (table[r, j + 1] - table[r, j])

    low = along_row(i)
    return low + fx * (along_row(i + 1) - low)


@dataclass(frozen=True)
class OnsetHazard:
    """A scenario's MS onset hazard ``h0(a) exp(lp + P(birth year + a))``.

    The one place where the world and every study that integrates the onset hazard
    (expected onsets in :mod:`simlib.calibrate`, true effects of interventions in
    :mod:`simlib.designs`) get it, so all of them see the same calendar-period effect.
    Without one (``P = 0``) every method is the world's constant-hazard equation.

    Parameters
    ----------
    ms : MSParams
        Baseline hazard by age band.
    period : CalendarCurve
        ``P``, the period log hazard ratio by calendar year (``calendar.onset_period_*``).
    survey_year : float
        Calendar year of the survey day (birth year = survey year - age at the survey).
    """

    ms: MSParams
    period: CalendarCurve = FLAT_PERIOD
    survey_year: float = 2010.0

    @property
    def flat(self) -> bool:
        """True when there is no period effect (``P = 0`` at every knot)."""
        return not any(self.period.values)

    def birth_year(self, survey_age):
        """Calendar year of birth of people ``survey_age`` years old on the survey day."""
        return self.survey_year - np.asarray(survey_age, float)

    def cumulative(self, age, birth_year, lp):
        """Cumulative hazard from birth to ``age`` (years): tabulated, relative error
        below 2e-4 after age 10 with a period effect (see :data:`TABLE_STEP`), exact without."""
        age = np.minimum(np.asarray(age, float), LAST_AGE)
        if self.flat:
            edges, cumulative = _extended_baseline(self.ms)
            return np.interp(age, edges, cumulative) * np.exp(np.asarray(lp, float))
        scale = np.exp(np.asarray(lp, float)) * self.ms.baseline_per_100k / 1e5
        return scale * _lookup(age, birth_year,
                               *_period_table(tuple(self.ms.age_shape), self.period))

    def between(self, start, end, birth_year, lp):
        """Expected onsets from age ``start`` to ``end`` (the integrated hazard)."""
        return self.cumulative(end, birth_year, lp) - self.cumulative(start, birth_year, lp)

    def exact_cumulative(self, age, birth_year, lp):
        """:meth:`cumulative` by the closed form (slower; for the few people of a study)."""
        lp = np.asarray(lp, float)
        return cumulative_hazard(np.asarray(age, float), birth_year, lp, np.zeros(lp.shape),
                                 self.ms, self.period)

    def onset_age(self, exponential_draw, birth_year, lp):
        """Age at which the cumulative hazard reaches the draw (``inf``: no onset)."""
        if self.flat:
            return history.onset_age_from_draw(exponential_draw, lp, self.ms)
        lp = np.asarray(lp, float)
        return onset_age_from_draw(exponential_draw, birth_year, lp, np.zeros(lp.shape),
                                   self.ms, self.period)

    def after_change(self, natural_onset, birth_year, lp_before, lp_after, change_age):
        """Onset age when the log hazard ratio changes at ``change_age`` (same draw).

        For people still without onset at ``change_age`` the part of their draw left at
        the change is spent at the new hazard; earlier onsets are untouched (see
        :func:`simlib.history.onset_after_change`, which this is without a period effect).
        """
        if self.flat:
            return history.onset_after_change(natural_onset, lp_before, lp_after, change_age,
                                              self.ms)
        onset = np.array(natural_onset, dtype=float)
        change_age = np.broadcast_to(np.asarray(change_age, float), onset.shape)
        changed = np.asarray(lp_before, float) != np.asarray(lp_after, float)
        later = np.flatnonzero(np.isfinite(onset) & (onset > change_age) & changed)
        if len(later) == 0:
            return onset
        birth = np.broadcast_to(np.asarray(birth_year, float), onset.shape)[later]
        before = np.asarray(lp_before, float)[later]
        after = np.asarray(lp_after, float)[later]
        change = change_age[later]
        remaining = self.exact_cumulative(onset[later], birth, before) \
            - self.exact_cumulative(change, birth, before)
        target = self.exact_cumulative(change, birth, after) + remaining
        onset[later] = self.onset_age(target, birth, after)
        return onset


def _extended_baseline(ms: MSParams):
    """Band edges and baseline cumulative hazard, extended at the last band's rate to
    :data:`LAST_AGE` (as :func:`simlib.history.onset_age_from_draw` extends it)."""
    edges, cumulative = history.band_edges(), history.baseline_cumulative(ms)
    last_rate = max(ms.age_shape[-1], 1e-12) * ms.baseline_per_100k / 1e5
    return (np.append(edges, LAST_AGE),
            np.append(cumulative, cumulative[-1] + last_rate * (LAST_AGE - edges[-1])))


def onset_hazard(scenario) -> OnsetHazard:
    """The :class:`OnsetHazard` of ``scenario`` (its ``ms`` and ``calendar`` sections)."""
    calendar = scenario.calendar
    period = CalendarCurve(tuple(calendar.onset_period_years),
                           tuple(calendar.onset_period_log_hr))
    return OnsetHazard(scenario.ms, period, float(calendar.survey_year))

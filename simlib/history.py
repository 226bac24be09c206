"""Life histories: age at survey, death, MS onset, prodrome, diagnosis and relapses.

All functions are vectorized over people (no per-person loops). Ages are in years.
Event ages are drawn by inverting cumulative hazards: a person with linear predictor
``lp`` and a standard exponential draw ``E`` has onset where
``H0(age) * exp(lp) = E``, so the same draw ``E`` gives the same person's onset in
any world (potential outcomes under :meth:`simlib.scm.Model.do`).

References
----------
Koch-Henriksen N, Sorensen PS. The changing demographic pattern of multiple
sclerosis epidemiology. Lancet Neurol 2010;9:520-32.
Lunde HMB et al. Survival and cause of death in multiple sclerosis: a 60-year
longitudinal population study. J Neurol Neurosurg Psychiatry 2017;88:621-5.
Spelman T et al. Seasonal variation of relapse rate in multiple sclerosis is
latitude dependent. Ann Neurol 2014;76:880-90.
Jin Y, de Pedro-Cuesta J, Soderstrom M, Stawiarz L, Link H. Seasonal patterns in
optic neuritis and multiple sclerosis: a meta-analysis. J Neurol Sci 2000;181:56-64.
"""

from __future__ import annotations

import numpy as np

from .sections import AGE_BANDS, MSParams, PopulationParams, RelapseParams

BAND_YEARS = 5.0
AGE_MAX = 100.0
REFERENCE_VITD_NMOL = 50.0
REFERENCE_LATITUDE = 45.0


# ------------------------------------------------------------------ mortality
def gompertz_cumulative(age, pop: PopulationParams):
    """Cumulative background death hazard from birth to ``age`` (Gompertz)."""
    rate, slope = pop.mortality_at_30, pop.mortality_slope
    return rate / slope * (np.exp(slope * (np.asarray(age) - 30.0)) - np.exp(-30.0 * slope))


def gompertz_inverse(cumulative, pop: PopulationParams):
    """Age at which the cumulative background hazard reaches ``cumulative``."""
    rate, slope = pop.mortality_at_30, pop.mortality_slope
    return 30.0 + np.log(cumulative * slope / rate + np.exp(-30.0 * slope)) / slope


def _age_distribution(pop: PopulationParams):
    """(age grid, unnormalised distribution function) of the stationary population."""
    grid = np.linspace(0.0, AGE_MAX, 2001)
    survival = np.exp(-gompertz_cumulative(grid, pop))
    cdf = np.concatenate([[0.0], np.cumsum((survival[1:] + survival[:-1]) / 2)])
    return grid, cdf


def stationary_age(rng, n: int, pop: PopulationParams):
    """Ages of a stationary population: density proportional to survival, 0-100 years."""
    grid, cdf = _age_distribution(pop)
    return np.interp(rng.random(n) * cdf[-1], cdf, grid)


def _band(pop: PopulationParams, low: float, high: float):
    """(age grid, distribution function, its values at ``low`` and at ``high``)."""
    grid, cdf = _age_distribution(pop)
    below_low, below_high = np.interp([low, high], grid, cdf)
    return grid, cdf, below_low, below_high


def age_share(pop: PopulationParams, low: float, high: float) -> float:
    """Share of the stationary population aged ``[low, high)`` years."""
    _, cdf, below_low, below_high = _band(pop, low, high)
    return float((below_high - below_low) / cdf[-1])


def stationary_age_between(rng, n: int, pop: PopulationParams, low: float, high: float):
    """Ages of the stationary population's people aged ``[low, high)`` (years).

    The same inversion as :func:`stationary_age`, with the uniform draw mapped into the
    band's part of the distribution function: these are the ages of a stationary
    population's people conditional on being in the band, so a design that enrols only
    them can simulate only them (:func:`simlib.designs.base.run_study`).
    """
    grid, cdf, below_low, below_high = _band(pop, low, high)
    age = np.interp(below_low + rng.random(n) * (below_high - below_low), cdf, grid)
    return np.clip(age, low, np.nextafter(high, low))


def background_death_age(rng, age, pop: PopulationParams):
    """Age at death from background mortality, given alive at ``age``."""
    extra = rng.standard_exponential(len(age))
    return gompertz_inverse(gompertz_cumulative(age, pop) + extra, pop)


def ms_excess_death_age(rng, ms_onset_age, pop: PopulationParams):
    """Age at death from the excess mortality of MS (hazard ratio - 1 times background).

    ``inf`` for people without onset or when ``ms_mortality_hr`` is 1.
    """
    extra = rng.standard_exponential(len(ms_onset_age))
    excess = pop.ms_mortality_hr - 1.0
    if excess <= 0:
        return np.full(len(ms_onset_age), np.inf)
    onset = np.where(np.isfinite(ms_onset_age), ms_onset_age, 0.0)
    death = gompertz_inverse(gompertz_cumulative(onset, pop) + extra / excess, pop)
    return np.where(np.isfinite(ms_onset_age), death, np.inf)


# ------------------------------------------------------------------- MS onset
def band_edges():
    """Edges of the 5-year age bands of ``ms.age_shape`` (0, 5, ..., 80)."""
    return np.arange(AGE_BANDS + 1) * BAND_YEARS


def baseline_cumulative(ms: MSParams):
    """Cumulative baseline onset hazard (per person) at the band edges."""
    rates = np.maximum(np.asarray(ms.age_shape), 1e-12) * ms.baseline_per_100k / 1e5
    return np.concatenate([[0.0], np.cumsum(rates * BAND_YEARS)])


def baseline_hazard(age, ms: MSParams):
    """Baseline onset hazard (per person-year) at ``age`` (piecewise constant)."""
    index = np.clip((np.asarray(age) // BAND_YEARS).astype(int), 0, AGE_BANDS - 1)
    return np.asarray(ms.age_shape)[index] * ms.baseline_per_100k / 1e5


def onset_age_from_draw(exponential_draw, log_hazard_ratio, ms: MSParams):
    """Invert the cumulative hazard: age at which ``H0(age) exp(lp)`` reaches the draw.

    ``inf`` where the hazard never gets there before age 120 (no onset in this life).
    """
    edges, cumulative = band_edges(), baseline_cumulative(ms)
    if ms.baseline_per_100k == 0:
        return np.full(len(exponential_draw), np.inf)
    target = exponential_draw * np.exp(-log_hazard_ratio)
    inside = np.interp(target, cumulative, edges)
    last_rate = ms.age_shape[-1] * ms.baseline_per_100k / 1e5
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = edges[-1] + (target - cumulative[-1]) / last_rate
    onset = np.where(target <= cumulative[-1], inside, beyond)
    return np.where(onset <= AGE_MAX + 20.0, onset, np.inf)


def prodrome_start_age(rng, ms_onset_age, ms: MSParams):
    """Start of the prodrome: 5-10 years (uniform) before onset, not before birth."""
    length = rng.uniform(ms.prodrome_min_years, ms.prodrome_max_years, len(ms_onset_age))
    return np.maximum(ms_onset_age - length, 0.0)


def diagnosis_age(rng, ms_onset_age, ms: MSParams):
    """Onset plus a gamma-distributed diagnostic delay."""
    shape = ms.delay_shape
    delay = rng.gamma(shape, ms.delay_mean_years / shape, len(ms_onset_age))
    return ms_onset_age + delay


# ------------------------------------------------------------------- relapses
def _seasonal_integral(start, end, decay, phase, amplitude):
    """Integral over [start, end] (years since onset) of
    exp(-decay d) (1 + amplitude cos(2 pi d + phase))."""
    smooth = (np.exp(-decay * start) - np.exp(-decay * end)) / decay
    rate = complex(-decay, 2.0 * np.pi)
    wave = np.exp(1j * phase) * (np.exp(rate * end) - np.exp(rate * start)) / rate
    return smooth + amplitude * wave.real


def expected_relapses(onset, end, supplement_start, vitd_before, vitd_on_supplement,
                      birth_year_fraction, southern, relapse: RelapseParams, activity=1.0):
    """Expected number of relapses between onset and ``end`` (ages, years).

    The rate is ``rate_at_onset * 2**(-duration/halving) * (1 + a cos(season))
    * rr**((vitd - 50)/25) * activity``, with the 25(OH)D level changing when
    post-diagnosis supplements start. Zero where ``end <= onset``.
    """
    total = np.zeros(len(onset))
    with_ms = np.flatnonzero(np.isfinite(onset) & (end > onset))
    if len(with_ms) == 0:
        return total
    onset, end = onset[with_ms], end[with_ms]
    duration = end - onset
    start = supplement_start[with_ms]
    switch = np.clip(np.where(np.isfinite(start), start - onset, np.inf), 0.0, duration)
    decay = np.log(2.0) / relapse.halving_years
    peak = relapse.peak_day / 365.25 + 0.5 * southern[with_ms]
    phase = 2.0 * np.pi * (birth_year_fraction[with_ms] + onset - peak)
    amp = relapse.spring_amplitude
    log_rr = np.log(relapse.vitd_rr_per_25nmol) / 25.0
    before = _seasonal_integral(0.0, switch, decay, phase, amp)
    after = _seasonal_integral(switch, duration, decay, phase, amp)
    scale_before = np.exp(log_rr * (vitd_before[with_ms] - REFERENCE_VITD_NMOL))
    scale_after = np.exp(log_rr * (vitd_on_supplement[with_ms] - REFERENCE_VITD_NMOL))
    activity = np.broadcast_to(np.asarray(activity, dtype=float), total.shape)[with_ms]
    total[with_ms] = relapse.rate_at_onset * activity * (before * scale_before
                                                         + after * scale_after)
    return total


#: Days in each month of a common year, January first.
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: Calendar seasons as months (1-12) in northern-hemisphere terms, as Jin et al. (2000)
#: grouped them.
SEASONS = {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8),
           "autumn": (9, 10, 11)}


def relapse_month_factors(relapse: RelapseParams) -> np.ndarray:
    """Mean seasonal factor of the relapse rate in each calendar month (12 values,
    January first), northern hemisphere: ``1 + a cos(2 pi (day - peak) / 365.25)``
    averaged over the days of the month (the factor of :func:`expected_relapses`)."""
    day = np.arange(MONTH_DAYS.sum()) + 0.5
    factor = 1.0 + relapse.spring_amplitude * np.cos(
        2.0 * np.pi * (day - relapse.peak_day) / 365.25)
    month = np.repeat(np.arange(12), MONTH_DAYS)
    return np.bincount(month, weights=factor) / MONTH_DAYS


def relapse_month_ratio(relapse: RelapseParams, month: int) -> float:
    """Relapse rate in ``month`` (1-12) over the rate in the other eleven months, as a
    meta-analysis of monthly counts compares them (Nabizadeh et al. 2022)."""
    factors = relapse_month_factors(relapse)
    inside = np.arange(1, 13) == month
    return float(factors[inside] @ MONTH_DAYS[inside] / MONTH_DAYS[inside].sum()
                 / (factors[~inside] @ MONTH_DAYS[~inside] / MONTH_DAYS[~inside].sum()))


def relapse_season_range(relapse: RelapseParams) -> float:
    """Relapse rate of the highest calendar season over that of the lowest (northern
    hemisphere; :data:`SEASONS`): the size of the seasonal swing that Jin et al.
    (2000) pooled over nine reports of MS exacerbations (10%, 95% CI 7-13%)."""
    factors = relapse_month_factors(relapse)
    rates = []
    for months in SEASONS.values():
        index = np.asarray(months) - 1
        rates.append(np.average(factors[index], weights=MONTH_DAYS[index]))
    return float(max(rates) / min(rates))


# ------------------------------------------------- survey-time status (nodes)
def alive(ms_excess_death_age, age):
    """Alive at the survey (people with MS may have died of its excess mortality)."""
    return ms_excess_death_age > age


def death_age(background_death_age, ms_excess_death_age):
    """Age at death (background or MS-related, whichever comes first)."""
    return np.minimum(background_death_age, ms_excess_death_age)


def relapse_expected(ms_onset_age, age, post_dx_supplement_start_age, vitd_after_onset_nmol,
                     vitd_on_supplement_nmol, birth_year_fraction, southern, ms_activity,
                     relapse):
    """Expected number of relapses from onset to the survey (see :mod:`simlib.history`)."""
    return expected_relapses(ms_onset_age, age, post_dx_supplement_start_age,
                             vitd_after_onset_nmol, vitd_on_supplement_nmol,
                             birth_year_fraction, southern, relapse, ms_activity)


def relapse_count(rng, relapse_expected):
    """Number of relapses from onset to the survey (Poisson)."""
    return rng.poisson(relapse_expected).astype(np.int16)


def onset_after_change(natural_onset, log_hr_before, log_hr_after, change_age, ms: MSParams):
    """Onset age when the log hazard ratio changes at ``change_age`` (same person, same draw).

    For people still without onset at ``change_age``, the unit-exponential draw that set
    the natural onset is recovered from ``H0(onset) exp(lp_before)``; after the change the
    remaining part of it is spent at the new hazard. Onset before the change is untouched.
    Used for interventions that start in adulthood (trials).
    """
    edges, cumulative = band_edges(), baseline_cumulative(ms)
    natural_onset = np.asarray(natural_onset, dtype=float)
    later = np.isfinite(natural_onset) & (natural_onset > change_age)
    onset = natural_onset.copy()
    if not later.any():
        return onset
    change_age = np.broadcast_to(np.asarray(change_age, dtype=float), natural_onset.shape)
    at_change = np.interp(change_age[later], edges, cumulative)
    at_onset = np.interp(np.minimum(natural_onset[later], edges[-1]), edges, cumulative)
    remaining = (at_onset - at_change) * np.exp(log_hr_before[later] - log_hr_after[later])
    onset[later] = onset_age_from_draw(at_change + remaining, 0.0, ms)
    return onset

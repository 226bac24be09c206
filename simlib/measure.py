"""The observation model: what a blood draw on a given date measures.

A measured 25(OH)D value (nmol/L) is built in layers:

1. the long-term mean ``vitd_mean_nmol`` (the causal exposure);
2. minus the sun-derived 25(OH)D lost during the prodrome and after onset
   (less time outdoors, disability, heat sensitivity: **reverse causation**);
3. plus the rise from supplements started after diagnosis;
4. plus the seasonal cycle (peak late August in the north, six months later in the
   south; amplitude grows with latitude and with sun-derived 25(OH)D);
5. the long-term part drifts within a person over the years (a mean-reverting process
   on the log scale, :mod:`simlib.drift`), so draws years apart agree less than draws
   months apart;
6. plus short-term within-person variation (weeks to months, beyond season), then
   multiplicative assay error (CV about 10%) and a lab/method bias factor.

References
----------
Hypponen E, Power C. Hypovitaminosis D in British adults at age 45 y. Am J Clin Nutr
2007;85:860-8.
Major JM et al. Variability and reproducibility of circulating vitamin D in a nationwide
U.S. population. J Clin Endocrinol Metab 2013;98:97-104.
Snellman G et al. Determining vitamin D status: a comparison between commercially
available assays. PLoS One 2010;5:e11555.
"""

from __future__ import annotations

import numpy as np

from . import drift
from .era import CalendarParams
from .sections import MeasurementParams, ReverseCausationParams, SunParams

DAYS_PER_YEAR = 365.25
LOWEST_NMOL = 2.0  # below the lowest level any assay reports


def year_fraction(birth_year_fraction, age):
    """Position in the calendar year (0 = 1 January) at a given age."""
    return np.mod(birth_year_fraction + age, 1.0)


def seasonal_cycle(year_fraction_at_draw, southern, sun: SunParams):
    """cos of the seasonal phase: +1 at the late-summer peak, -1 at the winter trough."""
    peak = sun.peak_day / DAYS_PER_YEAR + 0.5 * np.asarray(southern)
    return np.cos(2.0 * np.pi * (year_fraction_at_draw - peak))


def sun_loss_share(age, prodrome_start_age, ms_onset_age, after_onset_sun_loss,
                   rc: ReverseCausationParams):
    """Share of sun-derived 25(OH)D lost at ``age`` because of MS (0 before the prodrome)."""
    after_onset = np.asarray(age) >= ms_onset_age
    in_prodrome = (np.asarray(age) >= prodrome_start_age) & ~after_onset
    loss = np.where(after_onset, after_onset_sun_loss,
                    np.where(in_prodrome, rc.prodrome_sun_loss, 0.0))
    return np.minimum(loss, 1.0)


def true_level(age, vitd_mean_nmol, sun_vitd_nmol, seasonal_amplitude_nmol, birth_year_fraction,
               southern, prodrome_start_age, ms_onset_age, after_onset_sun_loss,
               post_dx_supplement_start_age, post_dx_rise_nmol, vitd_drift_key, birth_year,
               supplement_adoption_year, supplement_era_change_nmol, sun: SunParams,
               rc: ReverseCausationParams, measurement: MeasurementParams,
               calendar: CalendarParams):
    """True serum 25(OH)D (nmol/L) at ``age``.

    The long-term mean of the survey year, changed by the person's supplement era in
    the draw's calendar year (``birth_year + age``; see
    :func:`simlib.world.supplement_era_change_nmol`) and drifting over the years
    (:mod:`simlib.drift`), then MS-related changes and the season.
    """
    loss = sun_loss_share(age, prodrome_start_age, ms_onset_age, after_onset_sun_loss, rc)
    season = seasonal_cycle(year_fraction(birth_year_fraction, age), southern, sun)
    supplements = np.where(np.asarray(age) >= post_dx_supplement_start_age, post_dx_rise_nmol, 0)
    adopted_at_draw = np.asarray(birth_year) + np.asarray(age) >= supplement_adoption_year
    adopted_at_survey = calendar.survey_year >= np.asarray(supplement_adoption_year)
    era_shift = supplement_era_change_nmol * (adopted_at_draw.astype(float)
                                              - adopted_at_survey.astype(float))
    usual = (vitd_mean_nmol + era_shift) * drift.drift_factor(
        vitd_drift_key, age, measurement.drift_log_sd, measurement.drift_years)
    return (usual - loss * sun_vitd_nmol + supplements
            + (1.0 - loss) * seasonal_amplitude_nmol * season)


def assay(rng, level_nmol, measurement: MeasurementParams):
    """Measured value: within-person variation, multiplicative assay error, lab bias.

    Draws two arrays of one standard normal per person, in that order and nothing else,
    so the survey draw can be computed for a study's sampled people alone
    (``row_draws`` in :class:`simlib.scm.Node`).
    """
    n = len(level_nmol)
    visit = level_nmol + measurement.within_person_sd_nmol * rng.standard_normal(n)
    sigma = np.sqrt(np.log1p(measurement.assay_cv ** 2))
    error = np.exp(sigma * rng.standard_normal(n) - sigma ** 2 / 2)
    return np.maximum(visit, LOWEST_NMOL) * error * measurement.lab_bias_factor


def vitd_survey_nmol(rng, age, vitd_mean_nmol, sun_vitd_nmol, seasonal_amplitude_nmol,
                     birth_year_fraction, southern, prodrome_start_age, ms_onset_age,
                     after_onset_sun_loss, post_dx_supplement_start_age, post_dx_rise_nmol,
                     vitd_drift_key, birth_year, supplement_adoption_year,
                     supplement_era_change_nmol, sun, reverse_causation, measurement,
                     calendar):
    """25(OH)D measured in one blood draw at the survey date (nmol/L)."""
    level = true_level(age, vitd_mean_nmol, sun_vitd_nmol, seasonal_amplitude_nmol,
                       birth_year_fraction, southern, prodrome_start_age, ms_onset_age,
                       after_onset_sun_loss, post_dx_supplement_start_age, post_dx_rise_nmol,
                       vitd_drift_key, birth_year, supplement_adoption_year,
                       supplement_era_change_nmol, sun, reverse_causation, measurement,
                       calendar)
    return assay(rng, level, measurement)

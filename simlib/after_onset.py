"""What changes after MS onset: time outdoors lost, disease activity and supplements
started after diagnosis (the world's reverse-causation nodes).

Each function is a structural equation of :func:`simlib.world.build_world`: a plain
vectorized function of its parents and its parameter section, with the evidence in its
docstring. Together they make measured 25(OH)D a consequence of MS: patients lose sun
(fatigue, heat sensitivity, disability; :mod:`simlib.disability`), and many start
supplements once diagnosed and once the high-dose era has reached them
(:mod:`simlib.era`). The rise those supplements bring stays with the oral dose curve in
:mod:`simlib.world` (``post_dx_rise_nmol``).
"""

from __future__ import annotations

import numpy as np

from .special import expit, logit


def heat_sensitive(rng, n, reverse_causation):
    """Would become heat sensitive with MS (Uhthoff phenomenon)."""
    return rng.random(n) < reverse_causation.heat_sensitive_share


def post_dx_supplement_iu(rng, n, health_consciousness, reverse_causation):
    """Supplement dose (IU/day) a person would start after an MS diagnosis; 0 if none.

    Health-conscious patients start more often (Jelinek et al., BMC Neurol 2015;15:132):
    the root of the healthy-user bias when users and non-users are compared.
    """
    rc = reverse_causation
    log_odds = logit(rc.supplement_share) + rc.supplement_health_log_or * health_consciousness
    starts = rng.random(n) < expit(log_odds)
    doses = np.asarray(reverse_causation.supplement_doses_iu)
    return np.where(starts, doses[rng.integers(0, len(doses), n)], 0.0)


def post_dx_supplement_start_age(rng, n, diagnosis_age, post_dx_supplement_iu, birth_year,
                                 supplement_adoption_year, reverse_causation, calendar):
    """Age at starting supplements after diagnosis; ``inf`` if never.

    Not before the person's adoption year (:mod:`simlib.era`): a patient diagnosed in
    1995 starts when the vitamin D era reaches them, not in 1996.
    """
    delay = rng.exponential(reverse_causation.uptake_mean_years, n) \
        if reverse_causation.uptake_mean_years > 0 else np.zeros(n)
    era_start = supplement_adoption_year + calendar.patient_era_lag_years - birth_year
    start = np.maximum(diagnosis_age + delay, era_start)
    return np.where(post_dx_supplement_iu > 0, start, np.inf)


def ms_activity(rng, n, health_consciousness, relapse):
    """A person's MS disease activity: multiplies the relapse rate (log-normal, mean 1).

    Biological activity (log SD ``relapse.activity_log_sd``) times the effect of adherence
    to disease-modifying therapy, better in health-conscious people
    (``relapse.health_rr_per_sd`` per SD; Tan et al., Adv Ther 2011;28:51).
    """
    sigma = relapse.activity_log_sd
    log_health = np.log(relapse.health_rr_per_sd)
    return np.exp(sigma * rng.standard_normal(n) - sigma ** 2 / 2
                  + log_health * health_consciousness - log_health ** 2 / 2)


def after_onset_sun_loss(heat_sensitive, ms_activity, edss_progression, reverse_causation):
    """Share of sun-derived 25(OH)D lost after onset: fatigue, heat, disability.

    Grows with disease activity (more active MS, more fatigue and disability, less time
    outdoors) and with the disability of progression at the survey
    (``disability_sun_loss_per_edss`` per EDSS point; :mod:`simlib.disability`).
    """
    rc = reverse_causation
    base = rc.onset_sun_loss + rc.heat_sun_loss * heat_sensitive
    disabled = rc.disability_sun_loss_per_edss * edss_progression
    return np.minimum(base * ms_activity ** rc.activity_disability_power + disabled, 1.0)


def vitd_after_onset_nmol(vitd_mean_nmol, sun_vitd_nmol, after_onset_sun_loss):
    """Long-term 25(OH)D after onset, before any post-diagnosis supplement (nmol/L)."""
    return vitd_mean_nmol - after_onset_sun_loss * sun_vitd_nmol


def vitd_on_supplement_nmol(vitd_after_onset_nmol, post_dx_rise_nmol):
    """Long-term 25(OH)D after onset once post-diagnosis supplements have started."""
    return vitd_after_onset_nmol + post_dx_rise_nmol

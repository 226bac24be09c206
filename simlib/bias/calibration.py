"""Regression calibration for classical measurement error, from repeat measurements.

One blood draw measures a person's usual 25(OH)D with error (season, within-person
variation, assay error, drift over the years; :mod:`simlib.measure`). Under the
classical error model ``W = X + U`` (error independent of the usual level ``X``), the
slope of an outcome on ``W`` is the slope on ``X`` times the **reliability**
``lambda = var(X) / var(W)`` (regression dilution; Clarke et al. 1999), and
**regression calibration** divides by it (Rosner, Spiegelman & Willett 1989; Carroll
et al. 2006, ch. 4). For log odds ratios this holds approximately when the outcome is
rare and the error moderate, which is the setting of the biobank studies.

``lambda`` is estimated from a reliability sample in which each person has ``k >= 2``
draws, by the one-way random-effects analysis of variance: within-person variance
``s2_w`` (the pooled variance of a person's draws about their own mean) and
between-person variance ``s2_b = var(person means) - s2_w / k``; then, for a main study
whose exposure is the mean of ``m`` draws, ``lambda_m = s2_b / (s2_b + s2_w / m)``.
When the draws are years apart, drift counts as error and ``lambda`` is the reliability
for the long-term level; draws weeks apart over-state it (notebook 04).

The standard error combines the estimate's own SE with the uncertainty of ``lambda``
by the delta method, ``var(b / l) = var(b) / l**2 + b**2 var(l) / l**4``, with
``var(l)`` from a bootstrap over the reliability sample's people (seeded).

References
----------
Rosner B, Spiegelman D, Willett WC. Correction of logistic regression relative risk
estimates and confidence intervals for systematic within-person measurement error.
Stat Med 1989;8:1051-69. doi:10.1002/sim.4780080905
Carroll RJ, Ruppert D, Stefanski LA, Crainiceanu CM. Measurement Error in Nonlinear
Models. 2nd ed. Chapman & Hall/CRC; 2006. doi:10.1201/9781420010138
Clarke R et al. Underestimation of risk associations due to regression dilution in
long-term follow-up of prospective studies. Am J Epidemiol 1999;150:341-53.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ..errors import ParameterError

#: Bootstrap resamples of the reliability sample.
BOOTSTRAP = 500


@dataclass(frozen=True)
class Calibrated:
    """A slope corrected for regression dilution.

    ``estimate``/``se``: the corrected slope (e.g. log OR per +25 nmol/L) and its SE;
    ``ci_low``/``ci_high``: its 95% Wald interval; ``reliability``/``reliability_se``:
    lambda for the main study's measurement and its bootstrap SE; ``observed``/
    ``observed_se``: the slope given.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    reliability: float
    reliability_se: float
    observed: float
    observed_se: float
    people: int
    draws_per_person: int


def reliability(repeats, draws_in_main_study: int = 1) -> float:
    """``lambda = s2_b / (s2_b + s2_w / m)`` from an (people x draws) array of repeats."""
    values = _repeats(repeats)
    return _reliability(values, _count("draws_in_main_study", draws_in_main_study))


def _reliability(values: np.ndarray, m: int) -> float:
    k = values.shape[1]
    within = float(values.var(axis=1, ddof=1).mean())
    between = float(values.mean(axis=1).var(ddof=1)) - within / k
    if between <= 0:
        return float("nan")
    return between / (between + within / m)


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name}={value!r}: a positive integer")
    return int(value)


def _repeats(repeats) -> np.ndarray:
    values = np.asarray(repeats, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2 or values.shape[0] < 3:
        raise ParameterError(f"repeats: shape {values.shape}; give a people x draws array "
                             "with at least 3 people and 2 draws each")
    if not np.isfinite(values).all():
        raise ParameterError("repeats: every draw must be a finite number (no NaN)")
    return values


def regression_calibration(estimate: float, se: float, repeats,
                           draws_in_main_study: int = 1, bootstrap: int = BOOTSTRAP,
                           seed=0) -> Calibrated:
    """Correct a slope on a single (or averaged) measurement for regression dilution.

    Parameters
    ----------
    estimate, se : float
        The observed slope per unit of the measured exposure (e.g. log OR per +25 nmol/L)
        and its SE.
    repeats : array of shape (people, draws)
        A reliability sample: each row one person's repeat measurements (nmol/L).
    draws_in_main_study : int
        How many draws were averaged for the main study's exposure.
    bootstrap : int
        Bootstrap resamples of people for the SE of lambda.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Calibrated

    Raises
    ------
    ParameterError
        Bad shapes or values, or a reliability sample with no between-person variance.
    """
    values = _repeats(repeats)
    m = _count("draws_in_main_study", draws_in_main_study)
    resamples = _count("bootstrap", bootstrap)
    estimate, se = float(estimate), float(se)
    if not (math.isfinite(estimate) and math.isfinite(se) and se >= 0):
        raise ParameterError(f"estimate={estimate!r}, se={se!r}: finite, with se >= 0")
    lam = _reliability(values, m)
    if not lam > 0:
        raise ParameterError("repeats: no between-person variance beyond the within-person "
                             "variance; the reliability cannot be estimated")
    sequence = seed if isinstance(seed, np.random.SeedSequence) \
        else np.random.SeedSequence(seed)
    rng = np.random.default_rng(sequence)
    people = len(values)
    boot = np.array([_reliability(values[rng.integers(0, people, people)], m)
                     for _ in range(resamples)])
    lam_se = float(np.nanstd(boot, ddof=1))
    corrected = estimate / lam
    corrected_se = math.sqrt(se ** 2 / lam ** 2 + estimate ** 2 * lam_se ** 2 / lam ** 4)
    z = norm.ppf(0.975)
    return Calibrated(corrected, corrected_se, corrected - z * corrected_se,
                      corrected + z * corrected_se, lam, lam_se, estimate, se, people,
                      values.shape[1])

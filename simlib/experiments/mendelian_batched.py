"""Vectorized regressions for Mendelian randomization: many small studies at once (notebook 06).

The slider panel and the weak-instrument experiment of :mod:`simlib.experiments.mendelian`
fit thousands of small one-sample MR studies; fitting them one by one with statsmodels
would take minutes. This module holds batched versions of the same estimators, each
taking arrays of shape (B, n) for ``B`` samples of ``n`` people: logistic and
least-squares regressions by linear algebra (:func:`batched_logit`, :func:`batched_ols`),
the Wald ratio with its first-stage F and the observational log OR (:func:`fast_mr`),
and two-stage least squares with four SNPs (:func:`batched_two_stage`).

Units: 25(OH)D in nmol/L; causal estimates per +25 nmol/L 25(OH)D (:data:`PER_NMOL`).

References
----------
Burgess S, Thompson SG. Bias in causal estimates from Mendelian randomization studies
with weak instruments. Stat Med 2011;30:1312-23.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

PER_NMOL = 25.0  # estimates are per +25 nmol/L 25(OH)D


# ------------------------------------------------------------------ regressions
def batched_logit(outcome, design, iterations=50):
    """Logistic regressions of many samples at once, by Newton's method (vectorized).

    Parameters
    ----------
    outcome : ndarray, shape (B, n)
        0/1 outcomes of ``B`` samples of ``n`` people.
    design : ndarray, shape (B, n, p)
        Design matrices, constant first.

    Returns
    -------
    coef, se : ndarray, shape (B, p)
        Coefficients and their model-based standard errors (NaN where a fit failed).
    """
    coef = np.zeros(design.shape[::2])
    mean = np.clip(outcome.mean(axis=1), 1e-9, 1 - 1e-9)
    coef[:, 0] = np.log(mean / (1 - mean))
    for _ in range(iterations):
        prob = expit(np.einsum("bnp,bp->bn", design, coef))
        hessian = np.einsum("bni,bn,bnj->bij", design, prob * (1 - prob), design)
        gradient = np.einsum("bnp,bn->bp", design, outcome - prob)
        with np.errstate(all="ignore"):
            step = np.linalg.solve(hessian + 1e-12 * np.eye(design.shape[2]),
                                   gradient[..., None])[..., 0]
        coef = coef + step
        if np.nanmax(np.abs(step)) < 1e-9:
            break
    with np.errstate(all="ignore"):
        se = np.sqrt(np.diagonal(np.linalg.inv(hessian), axis1=1, axis2=2))
    bad = ~np.isfinite(se).all(axis=1) | (se > 100).any(axis=1)
    return np.where(bad[:, None], np.nan, coef), np.where(bad[:, None], np.nan, se)


def batched_ols(outcome, design):
    """Least-squares fits of many samples at once: coefficients, SEs and residual variance.

    Parameters
    ----------
    outcome : ndarray, shape (B, n)
    design : ndarray, shape (B, n, p)
        Design matrices, constant first.

    Returns
    -------
    coef, se : ndarray, shape (B, p)
    """
    gram = np.einsum("bni,bnj->bij", design, design)
    coef = np.linalg.solve(gram, np.einsum("bnp,bn->bp", design, outcome)[..., None])[..., 0]
    residual = outcome - np.einsum("bnp,bp->bn", design, coef)
    sigma2 = (residual ** 2).sum(axis=1) / (design.shape[1] - design.shape[2])
    se = np.sqrt(sigma2[:, None] * np.diagonal(np.linalg.inv(gram), axis1=1, axis2=2))
    return coef, se


def _design_matrix(columns):
    """Stack ``[1, columns...]`` into a (B, n, p) design."""
    return np.stack([np.ones_like(columns[0]), *columns], axis=-1)


def fast_mr(outcome, exposure, instrument, ancestry=None):
    """Wald ratio, first-stage F and observational log OR of many samples (vectorized).

    The same numbers as :func:`simlib.instruments.mr_wald_ratio` (OLS first stage,
    logistic outcome regression, ``se = se_ZY / |beta_ZX|``) and
    :func:`simlib.estimators.logit`, for ``B`` samples at once.

    Parameters
    ----------
    outcome, exposure, instrument : ndarray, shape (B, n)
        MS (0/1), measured 25(OH)D (nmol/L) and the allele score (nmol/L).
    ancestry : ndarray, shape (B, n), optional
        Ancestry principal component, adjusted for in every regression.

    Returns
    -------
    dict of ndarray, shape (B,)
        ``wald``, ``wald_se`` (log OR per +25 nmol/L), ``first_stage_f`` (nmol/L per
        score unit, squared t), ``observational``, ``observational_se`` (log OR per
        +25 nmol/L from a logistic regression of MS on measured 25(OH)D).
    """
    extra = [] if ancestry is None else [ancestry]
    first, first_se = batched_ols(exposure, _design_matrix([instrument, *extra]))
    reduced, reduced_se = batched_logit(outcome, _design_matrix([instrument, *extra]))
    observed, observed_se = batched_logit(outcome,
                                          _design_matrix([exposure / PER_NMOL, *extra]))
    slope = first[:, 1] / PER_NMOL
    return {"wald": reduced[:, 1] / slope, "wald_se": reduced_se[:, 1] / np.abs(slope),
            "first_stage_f": (first[:, 1] / first_se[:, 1]) ** 2,
            "observational": observed[:, 1], "observational_se": observed_se[:, 1]}


# ------------------------------------------------------------------ two-stage least squares
def batched_two_stage(outcome, exposure, snps, ancestry):
    """2SLS with four SNPs (and ancestry) for many samples; also OLS and first-stage F.

    Parameters
    ----------
    outcome, exposure, ancestry : ndarray, shape (B, n)
    snps : ndarray, shape (B, n, 4)

    Returns
    -------
    two_stage, ols, first_stage_f : ndarray, shape (B,)
        Outcome units per +25 nmol/L (2SLS and ordinary least squares), and the F test
        of the four SNPs in the first stage.
    """
    ones = np.ones_like(exposure)
    base = np.stack([ones, ancestry], axis=-1)
    full = np.concatenate([base, snps], axis=-1)
    coef, _ = batched_ols(exposure, full)
    fitted = np.einsum("bnp,bp->bn", full, coef)
    restricted, _ = batched_ols(exposure, base)
    rss_full = ((exposure - fitted) ** 2).sum(axis=1)
    rss_base = ((exposure - np.einsum("bnp,bp->bn", base, restricted)) ** 2).sum(axis=1)
    k, n = snps.shape[2], exposure.shape[1]
    first_stage_f = (rss_base - rss_full) / k / (rss_full / (n - full.shape[2]))
    two_stage, _ = batched_ols(outcome, np.stack([ones, fitted / PER_NMOL, ancestry], -1))
    ols, _ = batched_ols(outcome, np.stack([ones, exposure / PER_NMOL, ancestry], -1))
    return two_stage[:, 1], ols[:, 1], first_stage_f

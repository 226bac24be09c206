"""Instrumental-variable and Mendelian-randomization estimators.

Two-stage least squares, the Wald ratio of one instrument, the inverse-variance
weighted (IVW) estimate over several SNPs from summary statistics, and per-SNP
summary statistics. They return :class:`~simlib.estimators.Estimate` records on the
conventions of :mod:`simlib.estimators`.

References
----------
Burgess S, Butterworth A, Thompson SG. Mendelian randomization analysis with multiple
genetic variants using summarized data. Genet Epidemiol 2013;37:658-65.
Lawlor DA et al. Mendelian randomization: using genes as instruments for making causal
inferences in epidemiology. Stat Med 2008;27:1133-63.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.sandbox.regression.gmm import IV2SLS

from .errors import ParameterError
from .estimators import (
    Estimate,
    _check_per,
    _design,
    _fit,
    _Meta,
    _meta,
    _names,
    _prepare,
    _problem,
    logit,
    ols,
)

Z_95 = 1.959963984540054  # standard normal 97.5th percentile

def two_stage_least_squares(data: pd.DataFrame, outcome: str, exposure: str,
                            instruments: str | Sequence[str], covariates: Sequence[str] = (),
                            per: float = 25.0, unit: str = "nmol/L", outcome_model: str = "linear",
                            scale: str | None = None) -> Estimate:
    """Instrumental-variable estimate by two-stage least squares (one-sample MR).

    Parameters
    ----------
    data, outcome, exposure, per, unit, scale
        As in :func:`logit`; the outcome may be continuous.
    instruments : str or sequence of str
        Instrument columns, e.g. allele counts of vitamin D SNPs.
    covariates : sequence of str
        Exogenous covariates, in both stages (numeric or categorical).
    outcome_model : {"linear", "logit"}
        ``"linear"``: 2SLS (statsmodels ``IV2SLS``); with a 0/1 outcome the coefficient
        is a risk difference. ``"logit"``: :func:`mr_wald_ratio` (one instrument).

    Returns
    -------
    Estimate
        Method ``"2sls"``: ``"(risk) difference per 25 nmol/L"``.
    """
    instruments = _names(instruments)
    if outcome_model == "logit" and len(instruments) == 1:
        return mr_wald_ratio(data, outcome, exposure, instruments[0], covariates, per, unit)
    if outcome_model != "linear" or not instruments:
        raise ParameterError(f"outcome_model={outcome_model!r} with {len(instruments)} "
                             "instruments: use 'linear', or 'logit' with one instrument")
    frame, covariates, y = _prepare(data, outcome, exposure, covariates, per, *instruments,
                                    binary=False)
    binary = np.isin(y, (0.0, 1.0)).all()
    meta = _meta(frame, y.sum() if binary else 0, "risk difference" if binary else "difference",
                 per, unit, "2sls", covariates, scale)
    if problem := _problem(frame, exposure, y, cases=binary, non_cases=binary):
        return meta.failed(problem)
    x = _design(frame, exposure, covariates, per)
    z = pd.concat([x[["const"]], frame[list(instruments)].astype(float), x.iloc[:, 2:]], axis=1)
    return _fit(meta, lambda: IV2SLS(y, x.to_numpy(), z.to_numpy()).fit())


def mr_wald_ratio(data: pd.DataFrame, outcome: str, exposure: str, instrument: str,
                  covariates: Sequence[str] = (), per: float = 25.0,
                  unit: str = "nmol/L") -> Estimate:
    """Log OR per ``per`` units of exposure by the Wald ratio (one-sample MR).

    OLS of the exposure on the instrument gives :math:`\\beta_{ZX}` (per ``per`` units),
    logistic regression of the outcome on the instrument :math:`\\beta_{ZY}`; the
    estimate is :math:`\\beta_{ZY}/\\beta_{ZX}`, its SE :math:`se_{ZY}/|\\beta_{ZX}|`
    (first-order delta method, ignoring first-stage uncertainty).

    Parameters
    ----------
    data, outcome, exposure, per, unit
        As in :func:`logit`.
    instrument : str
        Instrument column, e.g. an allele count or genetic score.
    covariates : sequence of str
        Covariates in both regressions.

    Returns
    -------
    Estimate
        Scale ``"log OR per 25 nmol/L (Wald ratio)"``, method ``"wald-ratio"``;
        ``model`` a dict of the two fitted results.

    References
    ----------
    Burgess S, Butterworth A, Thompson SG (2013). Mendelian randomization analysis with
    multiple genetic variants using summarized data. Genet Epidemiol 37:658-665.
    """
    frame, covariates, _ = _prepare(data, outcome, exposure, covariates, per, instrument)
    first = ols(frame, exposure, instrument, covariates)
    second = logit(frame, outcome, instrument, covariates, per=1.0)
    meta = _meta(frame, second.n_cases, "log OR", per, unit, "wald-ratio", covariates,
                 f"log OR per {per:g} {unit} (Wald ratio)")
    model = {"first_stage": first.model, "outcome": second.model}
    if not (first.converged and second.converged):
        return meta.failed(second.reason or f"first stage: {first.reason}", model)
    slope = first.estimate / per
    return meta.estimate(second.estimate / slope, second.se / abs(slope), model)


def ivw(beta_outcome, se_outcome, beta_exposure, per: float = 25.0, unit: str = "nmol/L",
        random_effects: bool = False, scale: str | None = None) -> Estimate:
    """Inverse-variance weighted MR estimate from per-SNP summary statistics.

    :math:`\\sum b_X b_Y s_Y^{-2} / \\sum b_X^2 s_Y^{-2}`, fitted by weighted least
    squares of :math:`b_Y` on :math:`b_X / per` through the origin, weights
    :math:`s_Y^{-2}`. The SE is the fixed-effect :math:`(\\sum b_X^2 s_Y^{-2})^{-1/2}`,
    computed directly (the WLS SE over the square root of its residual scale, which is
    undefined for one SNP).

    Parameters
    ----------
    beta_outcome, se_outcome : array_like
        Per-SNP outcome associations (e.g. log OR per allele) and their SEs.
    beta_exposure : array_like
        Per-SNP exposure associations (e.g. nmol/L per allele).
    per, unit
        Exposure units per reported estimate, and their name.
    random_effects : bool
        Multiply the SE by the residual standard error when above 1 (multiplicative
        random effects, for heterogeneous SNPs).
    scale : str, optional
        Scale text instead of ``"log OR per 25 nmol/L (IVW)"``.

    Returns
    -------
    Estimate
        Method ``"ivw"``; ``n`` the SNPs used (finite, positive SE), ``n_cases`` 0.

    References
    ----------
    Burgess S, Butterworth A, Thompson SG (2013). Mendelian randomization analysis with
    multiple genetic variants using summarized data. Genet Epidemiol 37:658-665.
    """
    _check_per(per)
    by, sy, bx = (np.atleast_1d(np.asarray(v, dtype=float))
                  for v in (beta_outcome, se_outcome, beta_exposure))
    if not by.shape == sy.shape == bx.shape or by.ndim != 1:
        raise ParameterError(f"beta_outcome, se_outcome and beta_exposure must be 1-d and of "
                             f"equal length, not {by.shape}, {sy.shape}, {bx.shape}")
    keep = np.isfinite(by) & np.isfinite(sy) & np.isfinite(bx) & (sy > 0)
    by, sy, x = by[keep], sy[keep], bx[keep] / per
    meta = _Meta(int(keep.sum()), 0, scale or f"log OR per {per:g} {unit} (IVW)", "ivw")
    if not np.any(x != 0):
        return meta.failed("no SNPs with usable summary statistics (non-zero exposure effect)")

    def extract(result):
        se = 1.0 / np.sqrt(np.sum(x**2 / sy**2))
        if random_effects and result.df_resid > 0:
            se *= max(1.0, np.sqrt(result.scale))
        return result.params[0], se

    return _fit(meta, lambda: sm.WLS(by, x, weights=sy**-2.0).fit(), term=extract)


def snp_summary_statistics(data: pd.DataFrame, snps: Sequence[str], variable: str,
                           covariates: Sequence[str] = (), binary: bool = False) -> pd.DataFrame:
    """Per-SNP associations with one variable, as a GWAS publishes them.

    Parameters
    ----------
    data, covariates
        As in :func:`logit`.
    snps : sequence of str
        Allele-count columns.
    variable : str
        The exposure (e.g. 25(OH)D) or outcome (e.g. MS) column.
    binary : bool
        Logistic regression (log OR per allele) for a 0/1 ``variable``, else OLS.

    Returns
    -------
    pandas.DataFrame
        Indexed by SNP: ``beta``, ``se``, ``p_value``, ``n``, ``converged`` (inputs of
        :func:`ivw` for two-sample MR).
    """
    fit = logit if binary else ols
    fits = {snp: fit(data, variable, snp, covariates, per=1.0, unit="allele")
            for snp in _names(snps)}
    return pd.DataFrame([{"beta": e.estimate, "se": e.se, "p_value": e.p_value, "n": e.n,
                          "converged": e.converged} for e in fits.values()],
                        index=pd.Index(list(fits), name="snp"))

"""Cox proportional hazards fit by the Breslow partial likelihood, with vectorized risk sets.

The estimator is the one of statsmodels ``PHReg(..., ties="breslow").fit()``: same risk
sets (delayed entry, strata), same maximiser, same model-based standard errors. It is
computed with array operations, O(n) per Newton iteration, instead of Python loops over
subjects and failure times (about ten times faster on a 365,000-row cohort).

Risk sets. Within a stratum let ``u_0 < u_1 < ...`` be the distinct event times. Subject
``i`` is at risk at ``u_k`` when ``entry_i <= u_k <= time_i``, that is for the failure-time
indices ``first_i <= k < stop_i``. Sums over risk sets are then difference arrays: add a
subject's value at ``first_i``, subtract it at ``stop_i``, take a cumulative sum.
The ``d_k`` events at ``u_k`` share one denominator (Breslow's handling of ties).
Strata are laid end to end on one failure-time axis, so one pass handles them all.

Reference: Breslow NE (1974). Covariance analysis of censored survival data.
Biometrics 30:89-99.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SINGULAR = 1e-12  # smallest eigenvalue of the scaled information that counts as non-zero
MAX_HALVINGS = 40  # step halvings tried before giving up on a Newton step
ROUNDING = 1e-12  # relative fall of the log-likelihood put down to rounding, not to the step


@dataclass(frozen=True, eq=False)
class BreslowFit:
    """A fitted Cox model; ``params`` are log hazard ratios per unit of each exog column.

    ``cov_params`` is the inverse of the observed information (minus the Hessian of the
    log partial likelihood) at ``params``; ``bse`` its square-rooted diagonal. ``loglike``
    is the log partial likelihood at ``params``. ``converged`` is False when Newton's
    method stopped early or gave non-finite numbers. ``n_obs`` counts all rows given,
    ``n_events`` the rows with an event. ``model`` is None (no statsmodels model).
    """

    params: np.ndarray
    bse: np.ndarray
    cov_params: np.ndarray
    loglike: float
    converged: bool
    iterations: int
    n_obs: int
    n_events: int
    model: None = None


@dataclass(frozen=True)
class _RiskSets:
    """The data arranged for the likelihood: only subjects at risk at some event time."""

    xt: np.ndarray  # centred covariates, one row per covariate (p x n)
    first: np.ndarray  # index of the first failure time each subject is at risk at
    stop: np.ndarray  # one past the last such index
    stratum: np.ndarray  # stratum number of each subject
    deaths: np.ndarray  # d_k, events at each failure time (all strata end to end)
    x_events: np.ndarray  # sum of the centred covariates over the events
    stratum_events: np.ndarray  # events in each stratum


def fit_breslow(time, status, exog, entry=None, strata=None, *, max_iter: int = 50,
                tol: float = 1e-10) -> BreslowFit:
    """Fit a Cox model by Newton's method on the Breslow log partial likelihood.

    Parameters
    ----------
    time : array_like
        Exit time of each subject (event or censoring), >= 0, e.g. age in years.
    status : array_like
        1 (or True) if the subject had the event at ``time``, 0 if censored.
    exog : array_like
        Covariates, one row per subject (n x p, or length n for one covariate).
    entry : array_like, optional
        Entry time (delayed entry, left truncation), ``0 <= entry <= time``; default 0.
    strata : array_like, optional
        Stratum labels; each stratum has its own baseline hazard. Strata without events
        carry no information and are dropped.
    max_iter : int
        Newton iterations allowed before giving up (``converged=False``).
    tol : float
        Convergence: the Newton step is at most ``tol * (1 + max|params|)`` in every
        coordinate. The returned ``params`` are the point where that step was computed.

    Returns
    -------
    BreslowFit

    Raises
    ------
    ValueError
        Arrays of different lengths, non-finite values, negative times, entry after exit.
    numpy.linalg.LinAlgError
        The information matrix is singular at the start (a collinear design, or a
        covariate that does not vary within the risk sets).
    """
    time, status, exog, entry = _check(time, status, exog, entry)
    risk = _risk_sets(time, status, exog, entry, strata)
    params, (loglike, _, info), converged, iterations = _newton(risk, max_iter, tol)
    with np.errstate(invalid="ignore"):
        cov = np.linalg.inv(info) if _positive_definite(info) else np.full_like(info, np.nan)
        bse = np.sqrt(np.diag(cov))
    finite = np.isfinite(loglike) and np.isfinite(params).all() and np.isfinite(bse).all()
    return BreslowFit(params, bse, cov, float(loglike), bool(converged and finite), iterations,
                      len(time), int(status.sum()))


def _newton(risk: _RiskSets, max_iter: int, tol: float):
    """Newton-Raphson from zero: ``(params, derivatives there, converged, iterations)``."""
    params = np.zeros(len(risk.xt))
    current = _derivatives(risk, params)
    _check_information(current[2])
    for iteration in range(max_iter):
        loglike, score, info = current
        if not (np.isfinite(loglike) and _positive_definite(info)):
            return params, current, False, iteration  # diverging (e.g. monotone likelihood)
        step = np.linalg.solve(info, score)
        if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(params))):
            return params, current, True, iteration
        step, trial = _halve_until_no_fall(risk, params, step, loglike)
        if trial is None:
            return params, current, False, iteration
        params, current = params + step, trial
    return params, current, False, max_iter


def _halve_until_no_fall(risk: _RiskSets, params, step, loglike):
    """Halve ``step`` until the log-likelihood does not fall (beyond rounding)."""
    for _ in range(MAX_HALVINGS):
        trial = _derivatives(risk, params + step)
        if trial[0] >= loglike - ROUNDING * (1.0 + abs(loglike)):
            return step, trial
        step = step / 2
    return step, None


def _check(time, status, exog, entry):
    """Validate the inputs (as statsmodels does) and return them as float arrays."""
    time, status = np.asarray(time, dtype=float), np.asarray(status, dtype=float)
    exog = np.asarray(exog, dtype=float)
    exog = exog[:, None] if exog.ndim == 1 else exog
    entry = np.zeros_like(time) if entry is None else np.asarray(entry, dtype=float)
    if not len(time) == len(status) == len(exog) == len(entry):
        raise ValueError("time, status, exog and entry must all have the same length")
    if not (np.isfinite(time).all() and np.isfinite(entry).all() and np.isfinite(exog).all()):
        raise ValueError("time, entry and exog must be finite (no NaN or infinity)")
    if not np.isin(status, (0.0, 1.0)).all():
        raise ValueError("status must be 0 (censored) or 1 (event)")
    if (time < 0).any() or (entry < 0).any():
        raise ValueError("time and entry must be non-negative")
    if (entry > time).any():
        raise ValueError("entry times may not occur after event or censoring times")
    if not status.any():
        raise ValueError("no events: the partial likelihood is empty")
    return time, status, exog, entry


def _risk_sets(time, status, exog, entry, strata) -> _RiskSets:
    """Failure-time indices of each subject's risk period, strata laid end to end.

    An event time ``u`` of stratum ``s`` gets the integer key ``s * m + rank(u)`` (``m``
    distinct event times over all strata), so sorting keys sorts by stratum, then time.
    """
    stratum = np.zeros(len(time), dtype=np.intp) if strata is None else \
        np.unique(np.asarray(strata), return_inverse=True)[1].ravel()
    event = status == 1
    times = np.unique(time[event])  # all distinct event times, every stratum
    m = len(times)
    keys, deaths = np.unique(stratum[event] * m + np.searchsorted(times, time[event]),
                             return_counts=True)
    # first: failure times before entry (< entry); stop: failure times up to exit (<= time)
    first = np.searchsorted(times, entry, "left")
    stop = np.searchsorted(times, time, "right")
    if strata is not None:  # without strata the keys are 0..m-1: ranks are indices already
        first = np.searchsorted(keys, stratum * m + first)
        stop = np.searchsorted(keys, stratum * m + stop)
    keep = first < stop  # at risk at one event time at least
    x = exog[keep] - exog[keep].mean(axis=0)  # centring changes no estimate, aids rounding
    return _RiskSets(np.ascontiguousarray(x.T), first[keep], stop[keep], stratum[keep],
                     deaths.astype(float), x[event[keep]].sum(axis=0),
                     np.bincount(stratum[event], minlength=stratum.max() + 1).astype(float))


def _at_risk_sums(values: np.ndarray, risk: _RiskSets) -> np.ndarray:
    """Sum of ``values`` over the subjects at risk at each failure time."""
    n_times = len(risk.deaths)
    change = (np.bincount(risk.first, values, n_times + 1)
              - np.bincount(risk.stop, values, n_times + 1))
    return np.cumsum(change[:n_times])


def _derivatives(risk: _RiskSets, params: np.ndarray):
    """Log partial likelihood, score and information (minus the Hessian) at ``params``.

    ``loglike = sum_events x.b - sum_k d_k log S0(k)``, with ``S0(k)``, ``S1(k)`` the sums
    of ``w = exp(x.b)`` and ``w x`` over the risk set at ``u_k``. The information
    ``sum_k d_k (S2/S0 - S1 S1'/S0^2)`` uses ``sum_k d_k S2(k)/S0(k) = sum_i w_i c_i x_i x_i'``
    where ``c_i`` sums ``d_k/S0(k)`` over subject ``i``'s risk period: one weighted cross
    product instead of p(p+1)/2 risk-set sums.
    """
    linear = params @ risk.xt
    peak = np.full(len(risk.stratum_events), -np.inf)
    np.maximum.at(peak, risk.stratum, linear)  # exp(x.b - max) per stratum cannot overflow
    weight = np.exp(linear - peak[risk.stratum])
    s0 = _at_risk_sums(weight, risk)
    s1 = np.stack([_at_risk_sums(weight * column, risk) for column in risk.xt], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        loglike = (params @ risk.x_events - risk.stratum_events @ np.where(
            np.isfinite(peak), peak, 0.0) - risk.deaths @ np.log(s0))
        hazard = risk.deaths / s0  # d_k / S0(k)
        cumulative = np.concatenate(([0.0], np.cumsum(hazard)))
        exposure = weight * (cumulative[risk.stop] - cumulative[risk.first])  # w_i c_i
        score = risk.x_events - hazard @ s1
        info = (risk.xt * exposure) @ risk.xt.T - (s1.T * (hazard / s0)) @ s1
    return loglike, score, info


def _positive_definite(info: np.ndarray) -> bool:
    """Whether the information matrix is finite and positive definite."""
    if not np.isfinite(info).all():
        return False
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return False
    return True


def _check_information(info: np.ndarray) -> None:
    """Raise ``LinAlgError`` when the information (scaled to unit diagonal) is singular."""
    scale = np.sqrt(np.abs(np.diag(info)))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = info / np.outer(scale, scale)
    if not np.isfinite(scaled).all() or np.linalg.eigvalsh(scaled).min() < SINGULAR:
        raise np.linalg.LinAlgError(
            "singular information matrix: covariates collinear within the risk sets")

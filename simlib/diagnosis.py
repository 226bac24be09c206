"""Diagnosis of a Monte Carlo table: performance measures with their Monte Carlo SEs.

:func:`diagnose` turns a replicate table (:func:`simlib.montecarlo.replicate`) into bias,
relative bias, empirical and model SE, RMSE, coverage and power, each with its Monte
Carlo standard error; :func:`diagnosis_record` gives one row as the JSON record the
command line prints.

References
----------
Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical
methods. Stat Med 2019;38:2074-2102 (Table 6). doi:10.1002/sim.8086
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .errors import ParameterError

RECORD = ("mean_estimate", "bias", "empirical_se", "model_se", "rmse", "coverage", "power")


def usable(table: pd.DataFrame) -> pd.Series:
    """Replicates that count: the fit converged and nothing raised (the others failed)."""
    return table["converged"].astype(bool) & (table["error"].fillna("") == "")

def diagnose(table: pd.DataFrame, by: list[str] | None = None,
             alpha: float = 0.05) -> pd.DataFrame:
    """Performance measures of an estimator and their Monte Carlo standard errors.

    Computed over the replicates that converged without error (``n_used`` of them),
    with :math:`d_i = \\hat\\theta_i - \\theta_i` (per-replicate truth
    :math:`\\theta_i`) and :math:`n` = ``n_used``:

    - bias :math:`\\bar d`, MCSE :math:`\\sqrt{s_d^2 / n}`;
    - relative bias :math:`\\bar d / \\bar\\theta` (NaN if :math:`\\bar\\theta = 0`),
      MCSE ``mcse_bias`` / :math:`|\\bar\\theta|`;
    - empirical SE :math:`s_{\\hat\\theta}`, MCSE :math:`s_{\\hat\\theta}/\\sqrt{2(n-1)}`;
    - model SE :math:`\\sqrt{\\overline{\\widehat{se}^2}}`, MCSE
      :math:`\\sqrt{\\mathrm{Var}(\\widehat{se}^2) / (4 n\\, \\mathrm{ModSE}^2)}`;
    - RMSE :math:`\\sqrt{\\overline{d^2}}`, MCSE that of the MSE,
      :math:`\\sqrt{\\sum (d_i^2 - \\mathrm{MSE})^2 / (n(n-1))}`, over :math:`2\\,\\mathrm{RMSE}`;
    - coverage (share of ``ci_low <= truth <= ci_high``) and power (share of
      ``p_value < alpha``), MCSE :math:`\\sqrt{p(1-p)/n}`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`replicate` or :func:`sweep`.
    by : list of str, optional
        Columns to group by (e.g. the sweep's grid keys); None summarises the whole table.
    alpha : float
        Significance level for power.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``design, estimator, estimand, scale,
        reps, n_failed, n_used, estimand_value``, the measures ``mean_estimate, bias,
        relative_bias, empirical_se, model_se, rmse, coverage, power`` and ``mcse_<measure>``.

    References
    ----------
    Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical
    methods. Stat Med 2019;38:2074-2102, Table 6.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha = {alpha!r} is not allowed: use a number in (0, 1)")
    by = list(by or [])
    groups = table.groupby(by, sort=False, dropna=False) if by else [((), table)]
    rows = []
    for key, group in groups:
        labels = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        names = {column: ", ".join(v for v in group[column].astype(str).unique() if v)
                 for column in ("design", "estimator", "estimand", "scale") if column in group}
        rows.append({**labels, **names, **_measures(group, alpha)})
    return pd.DataFrame(rows)


def _measures(group: pd.DataFrame, alpha: float) -> dict:
    """Measures of one group and their MCSEs (NaN where undefined, e.g. n_used < 2)."""
    used = group[usable(group)]
    n = len(used)
    truth, estimate, se, low, high, p_value = (used[c].to_numpy(float) for c in (
        "estimand_value", "estimate", "se", "ci_low", "ci_high", "p_value"))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        diff, mean_truth = estimate - truth, np.mean(truth)
        relative = 1 / mean_truth if mean_truth != 0 else math.nan
        mse, empirical_se = np.mean(diff**2), np.std(estimate, ddof=1)
        model_se, mcse_bias = np.sqrt(np.mean(se**2)), np.sqrt(np.var(diff, ddof=1) / n)
        coverage = _share((low <= truth) & (truth <= high), low + high)
        power = _share(p_value < alpha, p_value)
        values = {"mean_estimate": np.mean(estimate), "bias": np.mean(diff),
                  "relative_bias": np.mean(diff) * relative, "empirical_se": empirical_se,
                  "model_se": model_se, "rmse": np.sqrt(mse), "coverage": coverage,
                  "power": power}
        mcse = {"mean_estimate": empirical_se / np.sqrt(n), "bias": mcse_bias,
                "relative_bias": mcse_bias * abs(relative),
                "empirical_se": empirical_se / np.sqrt(2 * (n - 1)),
                "model_se": np.sqrt(np.var(se**2, ddof=1) / (4 * n * model_se**2)),
                "rmse": np.sqrt(np.sum((diff**2 - mse) ** 2) / (n * (n - 1)))
                / (2 * np.sqrt(mse)),
                "coverage": np.sqrt(coverage * (1 - coverage) / n),
                "power": np.sqrt(power * (1 - power) / n)}
    return {"reps": len(group), "n_failed": len(group) - n, "n_used": n,
            "estimand_value": float(mean_truth), **{k: float(v) for k, v in values.items()},
            **{f"mcse_{k}": float(v) for k, v in mcse.items()}}


def _share(hits, inputs) -> float:
    """Share of replicates with ``hits``; NaN if any input is NaN."""
    return np.mean(np.where(np.isnan(inputs), np.nan, hits))


def diagnosis_record(row) -> dict:
    """One :func:`diagnose` row as the JSON shape printed by the command line.

    Returns
    -------
    dict
        ``{"design", "estimand": {"name", "value", "scale"}, "reps", "mean_estimate",
        "bias", "empirical_se", "model_se", "rmse", "coverage", "power", "mcse": {same
        measures}, "n_failed"}``; NaN becomes None so the record is valid JSON.
    """
    def number(value):
        value = float(value)
        return None if math.isnan(value) else value

    return {"design": str(row["design"]),
            "estimand": {"name": str(row["estimand"]), "value": number(row["estimand_value"]),
                         "scale": str(row["scale"])},
            "reps": int(row["reps"]),
            **{k: number(row[k]) for k in RECORD},
            "mcse": {k: number(row[f"mcse_{k}"]) for k in RECORD},
            "n_failed": int(row["n_failed"])}

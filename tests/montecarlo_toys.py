"""Toy designs for the Monte Carlo tests, registered at import.

Worker processes import this module (``simlib.montecarlo`` sends the name of the module
that defines a design's ``sample`` function), so the toys exist there too.

``toy-slope``: a simple random sample of ``sample`` people from a population of the real
world; the outcome is ``y = slope * x + e`` with ``x`` the long-run mean 25(OH)D per 25 nmol/L
(centred) and ``e`` standard normal noise drawn from the design generator. The OLS
slope is unbiased for ``slope`` and its t interval covers it 95% of the time.
"""

import numpy as np
import pandas as pd
from scipy import stats

from simlib.designs.base import Design, Estimand, Option, Study, register_design
from simlib.estimators import Estimate

SAMPLED: list[int] = []  # replicates whose sample was drawn in this process
INTERRUPT_AT: int | None = None  # replicate at which sample raises KeyboardInterrupt


def replicate_index(people: pd.DataFrame) -> int:
    """The replicate index, read from the population seed of ``run_study``."""
    return int(people.attrs["seed"].spawn_key[0])


def sample_slope(world, people, rng, population, sample, slope, fail_rep):
    rep = replicate_index(people)
    SAMPLED.append(rep)
    if rep == INTERRUPT_AT:
        raise KeyboardInterrupt
    if rep == fail_rep:
        raise ValueError(f"toy failure at replicate {rep}\n(second line)")
    chosen = people.iloc[rng.choice(len(people), size=sample, replace=False)]
    x = (chosen["vitd_mean_nmol"].to_numpy() - 50.0) / 25.0
    y = slope * x + rng.standard_normal(sample)
    data = pd.DataFrame({"x": x, "y": y, "female": chosen["female"].to_numpy(),
                         "high_risk": chosen["ms_log_hazard_ratio"].to_numpy() > 1.0})
    truth = Estimand("slope of y per 25 nmol/L", float(slope), "y per 25 nmol/L")
    return Study("toy-slope", data, truth)


def ols_slope(study: Study) -> Estimate:
    """OLS slope of y on x with a t interval; ``n_cases`` counts high-risk people."""
    x, y = study.data["x"].to_numpy(), study.data["y"].to_numpy()
    xc = x - x.mean()
    slope = np.sum(xc * (y - y.mean())) / np.sum(xc**2)
    residual = y - y.mean() - slope * xc
    df = len(y) - 2
    se = np.sqrt(np.sum(residual**2) / df / np.sum(xc**2))
    half = stats.t.ppf(0.975, df) * se
    p_value = 2 * stats.t.sf(abs(slope / se), df)
    return Estimate(float(slope), float(se), float(slope - half), float(slope + half),
                    float(p_value), len(y), int(study.data["high_risk"].sum()), True,
                    study.estimand.scale, method="OLS")


def never_converges(study: Study) -> Estimate:
    """An estimator that reports a failed fit."""
    nan = float("nan")
    return Estimate(nan, nan, nan, nan, nan, len(study.data), 0, False, study.estimand.scale,
                    reason="toy: never converges")


def warns(study: Study) -> Estimate:
    """``ols`` after a NumPy floating-point warning and a statsmodels-style warning."""
    import warnings

    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    np.log(np.zeros(1))  # RuntimeWarning: divide by zero encountered in log
    warnings.warn("toy: iteration limit reached", ConvergenceWarning, stacklevel=1)
    return ols_slope(study)


TOY = register_design(Design(
    name="toy-slope",
    description="Toy: OLS slope of a simulated outcome on mean 25(OH)D",
    sample=sample_slope,
    estimators={"ols": ols_slope, "never": never_converges, "warns": warns},
    options={
        "population": Option(2000, "people simulated", 10, 1_000_000),
        "sample": Option(200, "people sampled", 3, 1_000_000),
        "slope": Option(0.3, "true slope per 25 nmol/L", -10.0, 10.0),
        "fail_rep": Option(-1, "replicate that raises ValueError (-1: none)", -1, 1_000_000),
    },
    columns=("vitd_mean_nmol", "female", "ms_log_hazard_ratio"),
))

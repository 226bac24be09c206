"""Probabilistic (Monte Carlo) bias analysis: an unmeasured confounder, misclassification.

In the style of Lash, Fox & Fink (2021, chapters 5-6 and 8): the analyst gives a
distribution to each bias parameter (what the literature says about it), the analysis
draws the parameters many times, corrects the observed data or estimate for each draw,
and reports the median of the bias-adjusted estimates with a 95% simulation interval,
for systematic error alone and with conventional random error added.

Two biases:

* **an unmeasured binary confounder** ``U`` with prevalence ``p1`` among the exposed,
  ``p0`` among the unexposed and risk ratio ``rr_ud`` with the outcome: the observed
  ratio is divided by the bias factor ``(p1 (rr_ud - 1) + 1) / (p0 (rr_ud - 1) + 1)``
  (the external adjustment of Schlesselman 1978 / Lash, Fox & Fink ch. 5, which assumes
  no effect modification by ``U``; for an odds ratio, a rare outcome). It works on a
  2 x 2 table or on any ratio estimate with its standard error.
* **exposure misclassification**, non-differential (the same sensitivity and
  specificity in cases and non-cases) or differential (their own): each draw
  back-calculates the true 2 x 2 table, ``A = (a - (1 - Sp) N) / (Se + Sp - 1)`` among
  the ``N`` cases (likewise among the non-cases). It needs the table: an estimate and its
  SE do not say how many people were exposed.

Bias parameters are given as constants or as frozen :mod:`scipy.stats` distributions
(``stats.uniform(0.7, 0.2)`` is uniform on 0.7-0.9; ``stats.triang``,
``stats.trapezoid``, ``stats.beta``, ``stats.lognorm`` ...), drawn with a NumPy
``Generator`` seeded by :class:`numpy.random.SeedSequence`: the same seed gives the
same result. A draw that is impossible (a prevalence outside 0-1, sensitivity plus
specificity at most 1, a corrected cell count at or below 0) is discarded and counted
by reason, as Lash, Fox & Fink do; if every draw is impossible the analysis raises.

Random error is added as they and ``episensr`` do: the bias-adjusted log ratio minus
``z * SE`` with ``z`` standard normal and ``SE`` the conventional standard error of the
observed log ratio.

References
----------
Lash TL, Fox MP, Fink AK. Applying Quantitative Bias Analysis to Epidemiologic Data.
2nd ed. Springer; 2021. doi:10.1007/978-3-030-82673-4
Schlesselman JJ. Assessing effects of confounding variables. Am J Epidemiol
1978;108:3-8.
Fox MP, Lash TL, Greenland S. A method to automate probabilistic sensitivity analyses of
misclassified binary variables. Int J Epidemiol 2005;34:1370-6.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError

#: Default number of Monte Carlo draws.
DRAWS = 50_000


@dataclass(frozen=True)
class Table2x2:
    """Counts of a 2 x 2 table: exposed and unexposed among cases and non-cases.

    For a case-control study the non-cases are the controls and the ratio is the odds
    ratio; for a cohort (``measure="rr"``) the risk ratio of cases among the exposed
    (``exposed_cases + exposed_noncases``) and the unexposed.
    """

    exposed_cases: float
    unexposed_cases: float
    exposed_noncases: float
    unexposed_noncases: float
    measure: str = "or"

    def __post_init__(self):
        for name in ("exposed_cases", "unexposed_cases", "exposed_noncases",
                     "unexposed_noncases"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float, np.integer, np.floating))
                    and math.isfinite(value) and value > 0):
                raise ParameterError(f"{name}={value!r}: a cell count must be a positive "
                                     "number")
        if self.measure not in ("or", "rr"):
            raise ParameterError(f"measure={self.measure!r}: allowed or, rr")

    @property
    def cells(self) -> tuple[float, float, float, float]:
        return (self.exposed_cases, self.unexposed_cases, self.exposed_noncases,
                self.unexposed_noncases)

    def log_ratio(self) -> float:
        """Observed log odds ratio or log risk ratio."""
        return float(_log_ratio(*map(np.asarray, self.cells), self.measure))

    def se(self) -> float:
        """Conventional SE of the log ratio (Woolf for the OR, Katz for the RR)."""
        a, b, c, d = self.cells
        if self.measure == "or":
            return math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        return math.sqrt(1 / a - 1 / (a + c) + 1 / b - 1 / (b + d))


@dataclass(frozen=True)
class BiasAnalysis:
    """Result of a probabilistic bias analysis (ratios, not logs).

    ``median``, ``low``, ``high``: median and 2.5th/97.5th percentiles of the
    bias-adjusted ratio (systematic error only); ``total_*``: with random error added;
    ``kept``: draws used; ``discarded``: impossible draws by reason; ``adjusted``: the
    kept bias-adjusted ratios (for a histogram).
    """

    observed: float
    median: float
    low: float
    high: float
    total_median: float
    total_low: float
    total_high: float
    kept: int
    discarded: dict = field(default_factory=dict)
    adjusted: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def covers(self, ratio: float, total: bool = True) -> bool:
        """Whether the (total, by default) 95% simulation interval contains ``ratio``."""
        low, high = (self.total_low, self.total_high) if total else (self.low, self.high)
        return bool(low <= ratio <= high)


def _log_ratio(a, b, c, d, measure: str):
    if measure == "or":
        return np.log(a) + np.log(d) - np.log(b) - np.log(c)
    return np.log(a / (a + c)) - np.log(b / (b + d))


def draw(name: str, prior, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws of a bias parameter: a constant, or a frozen scipy.stats distribution."""
    if isinstance(prior, (int, float, np.integer, np.floating)) and not isinstance(prior, bool):
        if not math.isfinite(prior):
            raise ParameterError(f"{name}={prior!r}: must be finite")
        return np.full(size, float(prior))
    if not hasattr(prior, "rvs"):
        raise ParameterError(f"{name}={prior!r}: give a number or a frozen scipy.stats "
                             "distribution, e.g. scipy.stats.uniform(0.7, 0.2)")
    return np.asarray(prior.rvs(size=size, random_state=rng), dtype=float)


def _generator(seed) -> np.random.Generator:
    sequence = seed if isinstance(seed, np.random.SeedSequence) \
        else np.random.SeedSequence(seed)
    return np.random.default_rng(sequence)


def _check_draws(draws: int) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 100:
        raise ParameterError(f"draws={draws!r}: an integer of at least 100")
    return int(draws)


def _summarise(observed_log: float, adjusted_log: np.ndarray, keep: np.ndarray, se: float,
               z: np.ndarray, discarded: Counter) -> BiasAnalysis:
    kept = int(keep.sum())
    if kept == 0:
        reasons = ", ".join(f"{reason}: {count}" for reason, count in discarded.items())
        raise ParameterError(f"every draw of the bias parameters was impossible ({reasons}): "
                             "check their distributions")
    systematic = adjusted_log[keep]
    total = systematic - z[keep] * se
    s_low, s_mid, s_high = np.percentile(systematic, [2.5, 50, 97.5])
    t_low, t_mid, t_high = np.percentile(total, [2.5, 50, 97.5])
    return BiasAnalysis(math.exp(observed_log), math.exp(s_mid), math.exp(s_low),
                        math.exp(s_high), math.exp(t_mid), math.exp(t_low), math.exp(t_high),
                        kept, dict(discarded), np.exp(systematic))


def _observed(estimate, se, table):
    if table is not None:
        if estimate is not None or se is not None:
            raise ParameterError("estimate/se and table: give a table or an estimate with "
                                 "its SE, not both")
        if not isinstance(table, Table2x2):
            raise ParameterError(f"table={table!r}: a simlib.bias.Table2x2")
        return table.log_ratio(), table.se()
    if estimate is None or se is None:
        raise ParameterError("estimate, se: give the ratio and the SE of its log (or a table)")
    ratio = float(estimate)
    if not math.isfinite(ratio) or ratio <= 0:
        raise ParameterError(f"estimate={estimate!r}: a ratio must be a positive number")
    if not math.isfinite(float(se)) or float(se) < 0:
        raise ParameterError(f"se={se!r}: the SE of the log ratio, a number >= 0")
    return math.log(ratio), float(se)


def unmeasured_confounder(prevalence_exposed, prevalence_unexposed, rr_confounder_outcome,
                          estimate: float | None = None, se: float | None = None,
                          table: Table2x2 | None = None, draws: int = DRAWS,
                          seed=0) -> BiasAnalysis:
    """Probabilistic bias analysis for an unmeasured binary confounder.

    Parameters
    ----------
    prevalence_exposed, prevalence_unexposed : float or scipy.stats frozen distribution
        Prevalence of the confounder among the exposed and the unexposed (0-1).
    rr_confounder_outcome : float or distribution
        Risk ratio of the confounder with the outcome (> 0).
    estimate, se : float, optional
        Observed ratio and SE of its log (give these, or ``table``).
    table : Table2x2, optional
    draws : int
        Monte Carlo draws.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    BiasAnalysis
        Discards draws with a prevalence outside [0, 1] or a non-positive risk ratio.
    """
    observed_log, se = _observed(estimate, se, table)
    draws, rng = _check_draws(draws), _generator(seed)
    p1 = draw("prevalence_exposed", prevalence_exposed, rng, draws)
    p0 = draw("prevalence_unexposed", prevalence_unexposed, rng, draws)
    rr_ud = draw("rr_confounder_outcome", rr_confounder_outcome, rng, draws)
    z = rng.standard_normal(draws)
    discarded = Counter()
    bad_prevalence = ~((p1 >= 0) & (p1 <= 1) & (p0 >= 0) & (p0 <= 1))
    bad_rr = ~(rr_ud > 0)
    discarded["prevalence outside 0-1"] = int(bad_prevalence.sum())
    discarded["confounder-outcome RR <= 0"] = int((bad_rr & ~bad_prevalence).sum())
    keep = ~(bad_prevalence | bad_rr)
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = (p1 * (rr_ud - 1) + 1) / (p0 * (rr_ud - 1) + 1)
        adjusted = observed_log - np.log(bias)
    return _summarise(observed_log, adjusted, keep, se, z, +discarded)


def misclassification(table: Table2x2, sensitivity_cases, specificity_cases,
                      sensitivity_noncases=None, specificity_noncases=None,
                      draws: int = DRAWS, seed=0) -> BiasAnalysis:
    """Probabilistic bias analysis for misclassified exposure on a 2 x 2 table.

    Non-differential when ``sensitivity_noncases`` and ``specificity_noncases`` are
    omitted (the cases' draws are used for the non-cases too); differential otherwise
    (independent draws; Lash, Fox & Fink discuss correlating them, not done here).

    Parameters
    ----------
    table : Table2x2
        The observed (misclassified) counts.
    sensitivity_cases, specificity_cases : float or scipy.stats frozen distribution
        Of the exposure classification among cases (0-1).
    sensitivity_noncases, specificity_noncases : float or distribution, optional
    draws : int
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    BiasAnalysis
        Discards draws with sensitivity or specificity outside [0, 1], sensitivity plus
        specificity at most 1, or a corrected cell at or below 0.
    """
    if not isinstance(table, Table2x2):
        raise ParameterError(f"table={table!r}: misclassification needs the 2 x 2 table "
                             "(simlib.bias.Table2x2), not only an estimate")
    if (sensitivity_noncases is None) != (specificity_noncases is None):
        raise ParameterError("sensitivity_noncases/specificity_noncases: give both "
                             "(differential) or neither (non-differential)")
    draws, rng = _check_draws(draws), _generator(seed)
    se1 = draw("sensitivity_cases", sensitivity_cases, rng, draws)
    sp1 = draw("specificity_cases", specificity_cases, rng, draws)
    if sensitivity_noncases is None:
        se0, sp0 = se1, sp1
    else:
        se0 = draw("sensitivity_noncases", sensitivity_noncases, rng, draws)
        sp0 = draw("specificity_noncases", specificity_noncases, rng, draws)
    z = rng.standard_normal(draws)
    a, b, c, d = table.cells
    with np.errstate(invalid="ignore", divide="ignore"):
        true_a = (a - (1 - sp1) * (a + b)) / (se1 + sp1 - 1)
        true_c = (c - (1 - sp0) * (c + d)) / (se0 + sp0 - 1)
        true_b, true_d = a + b - true_a, c + d - true_c
        adjusted = _log_ratio(true_a, true_b, true_c, true_d, table.measure)
    in_range = np.all([(x >= 0) & (x <= 1) for x in (se1, sp1, se0, sp0)], axis=0)
    informative = in_range & (se1 + sp1 > 1) & (se0 + sp0 > 1)
    positive = informative & (true_a > 0) & (true_b > 0) & (true_c > 0) & (true_d > 0)
    discarded = Counter({
        "sensitivity or specificity outside 0-1": int((~in_range).sum()),
        "sensitivity + specificity <= 1": int((in_range & ~informative).sum()),
        "corrected cell <= 0": int((informative & ~positive).sum()),
    })
    return _summarise(table.log_ratio(), adjusted, positive, table.se(), z, +discarded)

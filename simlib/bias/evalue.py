"""E-values and the bounding factor: how strong unmeasured confounding would have to be.

The **E-value** of a ratio estimate is the minimum strength of association, on the
risk-ratio scale, that an unmeasured confounder would need with both the exposure and
the outcome, conditional on the measured covariates, to move the estimate to the null
(VanderWeele & Ding 2017). For a risk ratio ``RR >= 1`` it is ``RR + sqrt(RR (RR - 1))``;
a protective ratio is inverted first. The E-value of the confidence interval is that of
the limit nearer the null (1 when the interval contains the null).

Other ratios are first put on the risk-ratio scale (their Table 2):

* odds ratio, rare outcome (under about 15%): ``RR ~ OR``;
* odds ratio, common outcome: ``RR ~ sqrt(OR)``;
* hazard ratio, rare outcome: ``RR ~ HR``;
* hazard ratio, common outcome: ``RR ~ (1 - 0.5**sqrt(HR)) / (1 - 0.5**sqrt(1 / HR))``.

The **bounding factor** (Ding & VanderWeele 2016) is the largest factor by which a
confounder with risk ratio ``RR_EU`` with the exposure and ``RR_UD`` with the outcome
can move a risk ratio: ``RR_EU * RR_UD / (RR_EU + RR_UD - 1)``; the E-value is the
``RR_EU = RR_UD`` at which it equals the observed ratio.

What an E-value does not speak of: reverse causation (MS lowering 25(OH)D in the
prodrome), selection and measurement error. A large E-value for a biobank's odds ratio
says that *confounding* alone would have to be strong, not that the association is
causal (notebook 10).

References
----------
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-74. doi:10.7326/M16-2607
Ding P, VanderWeele TJ. Sensitivity analysis without assumptions. Epidemiology
2016;27:368-77. doi:10.1097/EDE.0000000000000457
VanderWeele TJ, Ding P, Mathur M. Technical considerations in the use of the E-value.
J Causal Inference 2019;7:20180007. doi:10.1515/jci-2018-0007
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ParameterError

#: Ratio scales an E-value accepts.
SCALES = ("rr", "or", "hr")


@dataclass(frozen=True)
class EValue:
    """The E-values of an estimate and its confidence interval.

    ``rr``, ``rr_low``, ``rr_high``: the estimate and limits on the risk-ratio scale;
    ``point``: E-value of the estimate; ``ci``: E-value of the limit nearer the null
    (1 when the interval contains the null; None without an interval).
    """

    estimate: float
    scale: str
    common: bool
    rr: float
    point: float
    ci_low: float | None = None
    ci_high: float | None = None
    rr_low: float | None = None
    rr_high: float | None = None
    ci: float | None = None

    def summary(self) -> str:
        """One sentence a reader can quote."""
        kind = {"rr": "risk ratio", "or": "odds ratio", "hr": "hazard ratio"}[self.scale]
        text = (f"{kind} {self.estimate:.3g}"
                + (" (common outcome)" if self.common and self.scale != "rr" else "")
                + f": E-value {self.point:.2f}")
        if self.ci is not None:
            text += f"; for the confidence limit nearer the null, {self.ci:.2f}"
        return text


def _positive(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={value!r}: a ratio must be a positive number") from None
    if not math.isfinite(number) or number <= 0:
        raise ParameterError(f"{name}={value!r}: a ratio must be a positive number "
                             "(give the ratio, not its log)")
    return number


def to_risk_ratio(ratio: float, scale: str = "rr", common: bool = False) -> float:
    """A ratio on the risk-ratio scale (VanderWeele & Ding 2017, Table 2).

    Parameters
    ----------
    ratio : float
        Risk, odds or hazard ratio (> 0).
    scale : {"rr", "or", "hr"}
    common : bool
        Whether the outcome is common (over about 15% by the end of follow-up); ignored
        for ``"rr"``.
    """
    ratio = _positive("estimate", ratio)
    if scale not in SCALES:
        raise ParameterError(f"scale={scale!r}: allowed {', '.join(SCALES)}")
    if scale == "rr" or not common:
        return ratio
    if scale == "or":
        return math.sqrt(ratio)
    root = math.sqrt(ratio)
    return (1 - 0.5 ** root) / (1 - 0.5 ** (1 / root))


def e_value_rr(rr: float) -> float:
    """E-value of a risk ratio: ``RR + sqrt(RR (RR - 1))`` after inverting a protective one."""
    rr = _positive("rr", rr)
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def e_value(estimate: float, ci_low: float | None = None, ci_high: float | None = None,
            scale: str = "rr", common: bool = False) -> EValue:
    """E-values of a ratio estimate and (optionally) of its confidence interval.

    Parameters
    ----------
    estimate : float
        The ratio (not its log), > 0.
    ci_low, ci_high : float, optional
        Confidence limits (both or neither), ``ci_low <= estimate <= ci_high``.
    scale : {"rr", "or", "hr"}
        Risk, odds or hazard ratio.
    common : bool
        Common outcome (over about 15%): converts odds and hazard ratios as in the
        module docstring.

    Returns
    -------
    EValue

    Examples
    --------
    VanderWeele & Ding's (2017) first example, breastfeeding and infant death from
    respiratory infection, RR 3.9 (95% CI 1.8 to 8.7):

    >>> result = e_value(3.9, 1.8, 8.7)
    >>> round(result.point, 2), round(result.ci, 2)
    (7.26, 3.0)
    """
    rr = to_risk_ratio(estimate, scale, common)
    result = dict(estimate=float(estimate), scale=scale, common=bool(common), rr=rr,
                  point=e_value_rr(rr))
    if (ci_low is None) != (ci_high is None):
        raise ParameterError("ci_low/ci_high: give both confidence limits or neither")
    if ci_low is None:
        return EValue(**result)
    low, high = _positive("ci_low", ci_low), _positive("ci_high", ci_high)
    if not low <= float(estimate) <= high:
        raise ParameterError(f"ci_low={ci_low!r}, ci_high={ci_high!r}: the interval must "
                             f"contain the estimate {estimate!r} (ci_low <= estimate <= "
                             "ci_high)")
    rr_low, rr_high = to_risk_ratio(low, scale, common), to_risk_ratio(high, scale, common)
    return EValue(**result, ci_low=low, ci_high=high, rr_low=rr_low, rr_high=rr_high,
                  ci=e_value_interval(rr_low, rr_high))


def e_value_interval(rr_low: float, rr_high: float) -> float:
    """E-value of a confidence interval on the risk-ratio scale: of the limit nearer the
    null, or 1 when the interval contains the null."""
    if rr_low <= 1 <= rr_high:
        return 1.0
    return e_value_rr(rr_low if rr_low > 1 else rr_high)


def bounding_factor(rr_exposure_confounder: float, rr_confounder_outcome: float) -> float:
    """The largest factor by which such a confounder can move a risk ratio.

    ``B = RR_EU RR_UD / (RR_EU + RR_UD - 1)`` (Ding & VanderWeele 2016): an observed
    ratio divided by ``B`` (or, if protective, multiplied) is the least extreme true
    ratio the confounder is compatible with. Both ratios are taken >= 1 (a protective
    association is inverted), as in the paper.
    """
    eu = _positive("rr_exposure_confounder", rr_exposure_confounder)
    ud = _positive("rr_confounder_outcome", rr_confounder_outcome)
    eu, ud = max(eu, 1 / eu), max(ud, 1 / ud)
    return eu * ud / (eu + ud - 1)

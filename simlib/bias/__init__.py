"""Bias analysis: how strong would a bias have to be, and what is left after it.

The library's sensitivity-analysis tools, used by notebook 10 and the experiments:

* :mod:`~simlib.bias.evalue`: E-values for risk, odds and hazard ratios and the bounding
  factor (VanderWeele & Ding 2017; Ding & VanderWeele 2016);
* :mod:`~simlib.bias.probabilistic`: probabilistic bias analysis for an unmeasured
  binary confounder and for exposure misclassification (Lash, Fox & Fink 2021);
* :mod:`~simlib.bias.calibration`: regression calibration for classical measurement
  error from repeat measurements (Rosner, Spiegelman & Willett 1989);
* :mod:`~simlib.bias.auditing`: :func:`audit` scores each tool against the truth the
  simulator knows (imported on first use: it needs the designs).

Each speaks of one bias. None of them speaks of reverse causation (MS lowering
25(OH)D before diagnosis): only the simulator, which knows the truth, can show what
they miss.
"""

from .calibration import Calibrated, regression_calibration, reliability
from .evalue import (
    SCALES,
    EValue,
    bounding_factor,
    e_value,
    e_value_interval,
    e_value_rr,
    to_risk_ratio,
)
from .probabilistic import BiasAnalysis, Table2x2, misclassification, unmeasured_confounder


def __getattr__(name):
    if name in ("audit", "summarise"):
        from . import auditing
        return getattr(auditing, name)
    raise AttributeError(f"module 'simlib.bias' has no attribute {name!r}")


__all__ = [
    "audit", "summarise",
    "SCALES", "BiasAnalysis", "Calibrated", "EValue", "Table2x2", "bounding_factor",
    "e_value", "e_value_interval", "e_value_rr", "misclassification",
    "regression_calibration", "reliability", "to_risk_ratio", "unmeasured_confounder",
]

"""SciPy's special functions, imported on first use.

``import scipy.special`` costs about 0.25 s and ``scipy.stats`` about 0.8 s, more than the
rest of ``import simlib`` together; a command-line error or ``--help`` should not pay it
(issue 11: ``import simlib`` under 0.3 s). These wrappers call exactly the SciPy
functions, so results are bit-for-bit those of calling SciPy directly:
``scipy.stats.norm.cdf`` and ``.ppf`` are ``ndtr`` and ``ndtri`` with location 0 and
scale 1, which leave their argument and result unchanged.
"""

from __future__ import annotations


def expit(x):
    """Logistic function ``1 / (1 + exp(-x))`` (:func:`scipy.special.expit`)."""
    from scipy.special import expit as _expit
    return _expit(x)


def logit(p):
    """Log odds ``log(p / (1 - p))`` (:func:`scipy.special.logit`)."""
    from scipy.special import logit as _logit
    return _logit(p)


def exprel(x):
    """``(exp(x) - 1) / x``, 1 at 0 (:func:`scipy.special.exprel`)."""
    from scipy.special import exprel as _exprel
    return _exprel(x)


def normal_cdf(z):
    """Standard normal distribution function (:func:`scipy.special.ndtr`)."""
    from scipy.special import ndtr
    return ndtr(z)


def normal_quantile(p):
    """Standard normal quantile function (:func:`scipy.special.ndtri`)."""
    from scipy.special import ndtri
    return ndtri(p)

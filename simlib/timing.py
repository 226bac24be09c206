"""Where a replicate's time goes: simulate, sample, measure, estimand, fit.

The profile that speed work starts from (``benchmarks/bench_montecarlo.py --split``).
The library marks its phases with :func:`phase` (a context manager) or :func:`timed`
(a decorator); they cost one context-variable look-up each and record nothing unless
a caller has opened a ledger with :func:`record`. Phases nest, and time is charged to
the innermost one: the world that an estimand re-simulates under an intervention is
estimand time, not simulate time, and a blood draw inside a design's sampling is
measure time.

Phases
------
simulate
    The replicate's population (:meth:`simlib.scm.Model.sample` in
    :func:`simlib.designs.base.run_study`).
sample
    The design's own work on that population: choosing people, building the data set
    (what is left of :meth:`Design.sample` after the two below).
measure
    Measuring the sampled people: blood draws with season and assay error
    (:func:`simlib.designs.common.blood_draw`).
estimand
    The replicate's true effect, computed on the same people under an intervention.
fit
    The estimator (statsmodels).

Examples
--------
>>> from simlib import timing
>>> with timing.record() as seconds:
...     with timing.phase("fit"):
...         pass
>>> sorted(seconds)
['fit']
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

PHASES = ("simulate", "sample", "measure", "estimand", "fit")

# (seconds by phase, stack of [phase, start, time spent in nested phases]) or None
_LEDGER: ContextVar[tuple | None] = ContextVar("simlib_timing_ledger", default=None)


@contextmanager
def record():
    """Open a ledger: yields a dict of seconds by phase, filled as phases end."""
    seconds: dict[str, float] = defaultdict(float)
    token = _LEDGER.set((seconds, []))
    try:
        yield seconds
    finally:
        _LEDGER.reset(token)


@contextmanager
def phase(name: str):
    """Charge the time inside the block to ``name`` (less any nested phase's time)."""
    ledger = _LEDGER.get()
    if ledger is None:
        yield
        return
    seconds, stack = ledger
    frame = [name, time.perf_counter(), 0.0]
    stack.append(frame)
    try:
        yield
    finally:
        stack.pop()
        elapsed = time.perf_counter() - frame[1]
        seconds[name] += elapsed - frame[2]
        if stack:
            stack[-1][2] += elapsed


def timed(name: str):
    """Decorator: every call of the function is a :func:`phase` called ``name``."""
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            with phase(name):
                return func(*args, **kwargs)
        return wrapper
    return decorate

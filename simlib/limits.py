"""Upper and lower bounds on run sizes, tied to this kind of machine's memory and time.

The command line refuses sizes outside these bounds before any work starts, with one
line saying what is allowed; ``--allow-large`` lifts the *soft* bounds (time) up to the
*hard* ones (memory, or what NumPy can index). The Python API checks the hard bounds
only. Figures measured on a 2-core, 24 GiB machine (``benchmarks/``):

* a population summary (observed world plus the four true effects) costs about 4 s per
  million people, in chunks of 1,000,000 that take about 45 MiB each per column set; so
  10^8 people take about 7 minutes, and memory stays bounded by the chunk whatever n is;
* a full chunk of 2 x 10^7 people with every column takes about 0.9 GiB, the largest
  chunk allowed; chunks below 10,000 people spend most of their time in per-chunk
  overhead (1,000 people in chunks of 1 took 10 s instead of 0.1 s);
* one Monte Carlo replicate costs 0.1-5 s (a biobank nested case-control about 5 s), so
  10,000 replicates are hours; the replicate table itself is about 1 KiB per replicate.
"""

from __future__ import annotations

import os

from .errors import ParameterError

MAX_PEOPLE = 100_000_000
"""People in one ``population`` run without ``--allow-large`` (about 7 minutes)."""
HARD_MAX_PEOPLE = 10_000_000_000
"""People in one run at all (about 11 hours; memory is bounded by the chunk)."""
MIN_CHUNK = 10_000
"""Smallest ``--chunk`` (smaller chunks are all overhead); a smaller n is one chunk."""
MAX_CHUNK = 20_000_000
"""Largest ``--chunk`` (about 0.9 GiB of columns)."""
MAX_REPS = 10_000
"""Replicates (summed over grid points) without ``--allow-large``."""
HARD_MAX_REPS = 1_000_000
"""Replicates at all (the table and checkpoint are about 1 GiB)."""
MAX_GRID_POINTS = 1_000
"""Points in one sweep grid (every combination of the grid's values)."""


def max_workers() -> int:
    """Largest ``--workers``: twice the cores (more processes only share the same cores)."""
    return max(2, 2 * (os.cpu_count() or 1))


def check_bound(name: str, value: int, soft: int, hard: int, allow_large: bool,
                unit: str, cost: str) -> int:
    """Refuse ``value`` above ``soft`` (unless ``allow_large``) or above ``hard``.

    Parameters
    ----------
    name : str
        The option, for the message (``"--n"``).
    value : int
    soft, hard : int
        The bound without and with ``--allow-large``.
    allow_large : bool
    unit : str
        What is counted (``"people"``).
    cost : str
        Why the soft bound is there (``"about 7 minutes"``).
    """
    if value > hard:
        raise ParameterError(f"{name} {value:,} is not allowed: at most {hard:,} {unit}")
    if value > soft and not allow_large:
        raise ParameterError(f"{name} {value:,} is above {soft:,} {unit} ({cost}): "
                             "pass --allow-large to run it anyway")
    return value

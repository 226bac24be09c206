"""Helpers the teaching notebooks share: simulation sizes, headline figures, the claims table.

Every notebook imports this module and keeps no simulation logic of its own. Three things
live here:

* :func:`size` picks the number of people or replicates. The environment variable
  ``VITD_SIM_QUICK=1`` (set by the test suite only) selects smaller simulations; the code
  path is the same, only the numbers shrink.
* :func:`headline` shows a notebook's headline figure and its one-line finding, and marks
  both so that :mod:`simlib.notebooks` can put them on the report's index page.
* :func:`claims_table` reads ``data/claims.toml``: the articles' claims, paraphrased, the
  observation each rests on, the mechanisms that produce it without causation, and where
  the suite shows it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd

from .errors import ParameterError

QUICK_ENV = "VITD_SIM_QUICK"
HEADLINE_KEY = "vitd_sim"
CLAIMS_PATH = Path(__file__).resolve().parent.parent / "data" / "claims.toml"


def quick() -> bool:
    """True when ``VITD_SIM_QUICK`` asks for small simulations (tests only)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes"}


def size(default: int, quick_value: int | None = None) -> int:
    """Number of people (or replicates) to simulate.

    Parameters
    ----------
    default : int
        The size a reader runs: large enough for the finding to be clear.
    quick_value : int, optional
        The size under ``VITD_SIM_QUICK=1`` (tests). Defaults to a tenth of ``default``.

    Returns
    -------
    int

    Examples
    --------
    >>> size(1_000_000, 200_000) in (1_000_000, 200_000)
    True
    """
    if int(default) < 1:
        raise ParameterError(f"size: default {default!r} must be a positive integer")
    if not quick():
        return int(default)
    return int(quick_value) if quick_value is not None else max(1, int(default) // 10)


def show(fig) -> None:
    """Display a matplotlib figure once, then close it (no duplicate inline copy)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def headline(fig, finding: str) -> None:
    """Display the notebook's headline figure and one-line finding, marked for the report.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure that carries the notebook's main result, with the truth drawn.
    finding : str
        One sentence, in figures, of what the experiment showed (e.g. "In the null world
        the cohort's crude HR per +25 nmol/L was 0.74; the truth is 1").
    """
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    if not isinstance(finding, str) or not finding.strip() or "\n" in finding.strip():
        raise ParameterError(f"headline: finding {finding!r} must be one non-empty line")
    display(fig, metadata={HEADLINE_KEY: "headline-figure"})
    plt.close(fig)
    display(Markdown(f"**Finding.** {finding.strip()}"),
            metadata={HEADLINE_KEY: "headline-finding"})


def load_claims(path: str | os.PathLike | None = None) -> list[dict]:
    """The claims in ``data/claims.toml`` as a list of dicts (one per ``[[claim]]``)."""
    path = Path(path) if path is not None else CLAIMS_PATH
    with open(path, "rb") as handle:
        return tomllib.load(handle)["claim"]


def claims_table(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The claims as a table: claim, source article, observation, mechanisms, where shown."""
    rows = []
    for claim in load_claims(path):
        rows.append({
            "claim (paraphrased)": claim["claim"],
            "article": claim["article"],
            "rests on": claim["observation"],
            "mechanisms without causation": "; ".join(claim["mechanisms"]),
            "shown in": "; ".join(f"{ref['notebook']} § {ref['section']}"
                                  for ref in claim["shown_in"]),
        })
    return pd.DataFrame(rows)

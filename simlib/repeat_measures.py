"""Repeated-measure (tracking) studies of 25(OH)D: how well one draw predicts another.

Each published tracking study measured the same adults twice, years apart, and
reported the correlation of the two values. :func:`tracking_figures` runs the same
study on the world: the people of the study's region, ages and sex (and, for ARIC,
fair skin), surveyed in the calendar year of the second draw, with the first draw
``years_apart`` earlier at the same time of year (so the season mostly cancels, as in
studies that revisit on the anniversary or adjust for month). The three studies here
are the calibration targets of ``measurement.drift_log_sd`` and
``measurement.drift_years`` (:mod:`simlib.drift`); the Tromso figures over 13 and 21
years are kept back for validation (:mod:`simlib.validate`).

References
----------
McKibben RA et al. J Clin Endocrinol Metab 2016;101:33-43 (ARIC visits 2 and 3).
Meng JE et al. Cancer Epidemiol Biomarkers Prev 2012;21:916-24 (WHI, 5 years).
Mai XM et al. SER abstract 226500 (HUNT2 1995-97 to HUNT3 2006-08).

Notes
-----
HUNT (Nord-Trondelag, 64 N) is stood for by the world's Western Norway (60.4 N), its
nearest region. The world reproduces WHI and HUNT within 0.1 but not ARIC's high
3-year correlation together with them (about 0.66 against 0.73): in the US regions
the season and short-term variation weigh more against the between-person spread
than ARIC found. The Tromso figures over 13 and 21 years (0.40, 0.29) remain far
below the world's (about 0.59), because most of a person's level (sun habits, diet,
supplements, BMI, genes) is a lifelong constant in the world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .designs.common import LEVEL_COLUMNS, blood_draw
from .errors import ParameterError
from .scenario import Scenario
from .world import REGION_GROUPS, REGIONS, build_world

#: People simulated for each tracking study (about 20,000 pairs in the smallest).
DEFAULT_N = 400_000
#: Pairs used per study (more adds nothing but time: the Monte Carlo SE of r is
#: about (1 - r^2) / sqrt(pairs), 0.004 at 40,000 pairs).
MAX_PAIRS = 40_000
COLUMNS = ("region_id", "alive", "age", "female", "skin_dark") + LEVEL_COLUMNS


@dataclass(frozen=True)
class TrackingStudy:
    """One published repeated-measure study.

    Parameters
    ----------
    figure_id : str
        Row of ``data/published/published-figures.csv``.
    regions : tuple of str
        World regions standing for the study's population.
    ages : (float, float)
        Age range (years) at the first draw.
    years_apart : float
        Years between the two draws.
    year : int
        Calendar year of the second draw (the survey year of the simulated population).
    women_only, fair_skin_only : bool
        Restrictions of the study population (WHI: women; ARIC: the white cohort).
    method : {"pearson", "spearman"}
        The correlation the study reported.
    """

    figure_id: str
    regions: tuple
    ages: tuple
    years_apart: float
    year: int
    women_only: bool = False
    fair_skin_only: bool = False
    method: str = "pearson"


STUDIES = (
    TrackingStudy("track_aric_3y", REGION_GROUPS["us"], (47.0, 70.0), 3.0, 1993,
                  fair_skin_only=True),
    TrackingStudy("track_whi_5y", REGION_GROUPS["us"], (53.0, 84.0), 5.0, 2003,
                  women_only=True, method="spearman"),
    TrackingStudy("track_hunt_11y", ("Western Norway",), (20.0, 80.0), 11.0, 2007),
)


def pairs(people: pd.DataFrame, study: TrackingStudy) -> np.ndarray:
    """Rows of ``people`` eligible for ``study``: region, sex, skin, age at the first draw
    and alive at the second (the survey day)."""
    age = people["age"].to_numpy()
    first_age = age - study.years_apart
    ids = np.flatnonzero(REGIONS["region"].isin(study.regions).to_numpy())
    keep = np.isin(people["region_id"].to_numpy(), ids) & people["alive"].to_numpy() \
        & (first_age >= study.ages[0]) & (first_age <= study.ages[1])
    if study.women_only:
        keep &= people["female"].to_numpy()
    if study.fair_skin_only:
        keep &= ~people["skin_dark"].to_numpy()
    return np.flatnonzero(keep)


def draw_correlation(people: pd.DataFrame, rows, years_apart: float, rng,
                     scenario: Scenario, method: str = "pearson") -> float:
    """Correlation of two measured 25(OH)D values of ``rows``, ``years_apart`` apart.

    The second draw is on the survey day, the first ``years_apart`` earlier (same time
    of year); each has its own short-term variation and assay error.
    """
    if method not in ("pearson", "spearman"):
        raise ParameterError(f"method={method!r} is not allowed: use pearson or spearman")
    rows = np.asarray(rows)
    if len(rows) < 30:
        raise ParameterError(f"only {len(rows)} people for a tracking correlation: at "
                             "least 30 are needed (raise n)")
    age = people["age"].to_numpy()[rows]
    first = blood_draw(people, rows, age - years_apart, rng, scenario)
    second = blood_draw(people, rows, age, rng, scenario)
    if method == "spearman":
        return float(spearmanr(first, second).statistic)
    return float(np.corrcoef(first, second)[0, 1])


def tracking_figures(scenario: Scenario, n: int = DEFAULT_N, seed: int = 1,
                     studies=STUDIES) -> pd.DataFrame:
    """Each tracking study run on the world, in its own calendar year.

    Returns
    -------
    pandas.DataFrame
        One row per study: ``figure_id``, ``years_apart``, ``year``, ``pairs``,
        ``simulated`` (the correlation), ``mcse`` (about ``(1 - r^2) / sqrt(pairs)``).
    """
    rows = []
    for index, study in enumerate(studies):
        surveyed = scenario.with_values({"calendar.survey_year": study.year})
        people = build_world(surveyed).sample(n, seed, columns=COLUMNS)
        people.attrs.update(scenario=surveyed)
        chosen = pairs(people, study)[:MAX_PAIRS]
        rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
        r = draw_correlation(people, chosen, study.years_apart, rng, surveyed, study.method)
        rows.append({"figure_id": study.figure_id, "years_apart": study.years_apart,
                     "year": study.year, "pairs": len(chosen), "simulated": r,
                     "mcse": (1 - r ** 2) / np.sqrt(len(chosen))})
    return pd.DataFrame(rows)


def correlation_by_lag(scenario: Scenario, lags=(1, 3, 5, 8, 13, 21), n: int = DEFAULT_N,
                       seed: int = 1, regions=("Western Norway",),
                       ages=(30.0, 65.0)) -> pd.DataFrame:
    """Correlation of two draws against the years between them, in one population.

    Returns
    -------
    pandas.DataFrame
        ``years_apart``, ``correlation``, ``pairs``.
    """
    people = build_world(scenario).sample(n, seed, columns=COLUMNS)
    people.attrs.update(scenario=scenario)
    out = []
    for index, lag in enumerate(lags):
        study = TrackingStudy("", tuple(regions), tuple(ages), float(lag), 0)
        chosen = pairs(people, study)[:MAX_PAIRS]
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1000 + index]))
        out.append({"years_apart": float(lag), "pairs": len(chosen),
                    "correlation": draw_correlation(people, chosen, lag, rng, scenario)})
    return pd.DataFrame(out)


#: Tromso's correlations over 13 and 21 years, kept back for validation (simlib.validate).
VALIDATION_POINTS = (("val_tracking_13y", 13.0), ("val_tracking_21y", 21.0))


def plot_tracking(by_lag: pd.DataFrame, figures: pd.DataFrame, ax=None):
    """Correlation of two 25(OH)D draws against the years between them.

    The world in one population (line, :func:`correlation_by_lag`), each tracking study
    run on the world (crosses, :func:`tracking_figures`) beside its published value
    (filled circles, fitted), and Tromso's figures, which the world was not fitted to
    (open circles).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .calibrate import published_figures

    published = published_figures()
    fig, ax = plt.subplots(figsize=(7.5, 4.2)) if ax is None else (ax.figure, ax)
    ax.plot(by_lag["years_apart"], by_lag["correlation"], "-o", color="C0", ms=4,
            label="world, Western Norway aged 30-65")
    ax.plot(figures["years_apart"], figures["simulated"], "x", color="C1", ms=9, mew=2,
            label="world, each study's people and year")
    values = [float(published.loc[f, "value"]) for f in figures["figure_id"]]
    ax.plot(figures["years_apart"], values, "o", color="black", ms=7,
            label="published, fitted (ARIC 3 y, WHI 5 y, HUNT 11 y)")
    kept = [float(published.loc[f, "value"]) for f, _ in VALIDATION_POINTS]
    ax.plot([lag for _, lag in VALIDATION_POINTS], kept, "o", mfc="none", color="black", ms=7,
            label="published, not fitted (Tromso 13 and 21 y)")
    ax.set(xlabel="years between the two blood draws", ylim=(0, 1),
           ylabel="correlation of the two 25(OH)D values (r)",
           title="How well one blood draw predicts another, years later")
    ax.legend(fontsize="small", loc="lower left")
    return fig

"""Migrants by age at migration: does moving as a child bring the new place's risk?

The classic migrant study (Dean & Kurtzke 1971; McLeod et al. 2011): people born in
a high-risk place who live, on a census day, in a low-risk one. Their prevalence of
MS is compared by age at immigration, under ``child_age`` (15) against later. If
the place acts in childhood (:mod:`simlib.residence`), those who moved as children
took on more of the new place's risk and have lower prevalence.

The estimand is causal and on the study's own migrants: the log rate ratio of MS
onset from birth to the census day, had every one of them moved at the mean age at
moving of the study's child movers against at the mean age of its later movers, all
else as it was (potential outcomes by intervention on ``age_at_move``, expected onsets
over time at risk: :func:`simlib.designs.common.window_rate`). The prevalence ratio
estimates it only roughly: prevalence counts diagnosed survivors, and the child movers
are younger on the census day (less time to develop MS), which the crude ratio mixes
in. The default estimator adjusts for sex and 10-year age band; within a young age
band the later movers moved younger than the later movers as a whole, so the adjusted
contrast is smaller than the truth's. Neither is the truth; both show its direction.

References
----------
Dean G, Kurtzke JF. On the risk of multiple sclerosis according to age at immigration
to South Africa. BMJ 1971;3:725-9.
McLeod JG, Hammond SR, Kurtzke JF. Migration and multiple sclerosis in immigrants to
Australia from United Kingdom and Ireland: a reassessment. I. Risk of MS by age at
immigration. J Neurol 2011;258:1140-9.
Zou G. A modified Poisson regression approach to prospective studies with binary data.
Am J Epidemiol 2004;159:702-6 (robust standard errors of prevalence ratios).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import estimators as est
from ..period import onset_hazard
from ..timing import timed
from ..world import REGION_GROUPS, REGIONS
from .base import (
    REGION_CHOICES,
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    below,
    regions_option,
    register_design,
)
from .common import log_difference, population_seed, window_rate

MIGRANT_COLUMNS = ("female", "age", "alive", "region_id", "latitude_deg", "diagnosis_age",
                   "ms_onset_age", "ms_log_hazard_ratio", "born_elsewhere", "birth_region_id",
                   "birth_latitude_deg", "age_at_move", "residence_window_share",
                   "birth_year",
                   # parents of the onset hazard, kept so the truth reuses them
                   "hla_drb1_1501", "ebv_infected", "infectious_mononucleosis", "obese",
                   "smoker", "uvb_dose", "birth_uvb_dose", "vitd_raising_alleles",
                   "vitd_mean_nmol", "sun_vitd_nmol", "birth_sun_vitd_nmol")
SCALE = "log prevalence ratio, moved as a child vs later"
TRUTH_SCALE = "log rate ratio of onset by the census, moved at the child vs the adult mean age"


def _migrants(people, origin, age_high):
    born = people["birth_region_id"].to_numpy()
    from_origin = np.isin(REGIONS["region"].to_numpy()[born], REGION_GROUPS[origin])
    return np.flatnonzero(people["born_elsewhere"].to_numpy() & from_origin
                          & people["alive"].to_numpy() & (people["age"].to_numpy() < age_high))


def _age_bands(age, width=10.0):
    low = np.floor(age / width) * width
    return pd.Series([f"{a:02.0f}-{a + width - 1:02.0f}" for a in low], dtype="category")


def migrants_sample(world, people, rng, population, origin, child_age, age_high):
    """Migrants born in ``origin``, alive and under ``age_high`` on the census day.

    One row per migrant: ``ms`` (diagnosed by the census), ``moved_as_child``
    (age at moving under ``child_age``), ``age_at_move``, ``age``, ``age_band``
    (10-year), ``female``, ``birth_year``, ``latitude_deg`` (residence),
    ``birth_latitude_deg`` and ``one`` (the unit exposure of a prevalence ratio).
    ``extra["natives_per_100k"]``: prevalence among people born where they live.
    """
    rows = _migrants(people, origin, age_high)
    if len(rows) == 0:
        raise DesignDataError(f"no migrants born in {origin} live in the simulated regions "
                              f"among the {len(people):,} people: choose regions another "
                              "group than origin (e.g. regions=australia, origin=north) or "
                              "raise population")
    column = {c: people[c].to_numpy()[rows] for c in MIGRANT_COLUMNS}
    moved = column["age_at_move"]
    data = pd.DataFrame({
        "person": np.arange(len(rows)), "ms": column["diagnosis_age"] < column["age"],
        "moved_as_child": (moved < child_age).astype(int), "age_at_move": moved,
        "age": column["age"], "age_band": _age_bands(column["age"]),
        "female": column["female"].astype(int), "birth_year": column["birth_year"],
        "latitude_deg": column["latitude_deg"],
        "birth_latitude_deg": column["birth_latitude_deg"], "one": 1.0,
    })
    estimand = _estimand(world, people, rows, data, child_age)
    natives = people["alive"].to_numpy() & ~people["born_elsewhere"].to_numpy() \
        & (people["age"].to_numpy() < age_high)
    prevalence = float(np.mean(people["diagnosis_age"].to_numpy()[natives]
                               < people["age"].to_numpy()[natives])) * 1e5
    return Study("migrants", data, estimand, extra={"natives_per_100k": prevalence})


@timed("estimand")
def _estimand(world, people, rows, data, child_age) -> Estimand:
    """Log rate ratio of onset to the census at the child vs the adult mean age at moving."""
    child = data["moved_as_child"].to_numpy() == 1
    if child.all() or not child.any():
        when = "before" if child.all() else "at or after"
        raise DesignDataError(f"all {len(data):,} migrants moved {when} age {child_age:g}: "
                              "change child_age or raise population")
    hazard = onset_hazard(people.attrs["scenario"])
    birth = hazard.birth_year(people["age"].to_numpy()[rows])
    ages = data["age_at_move"].to_numpy()
    natural_lp = people["ms_log_hazard_ratio"].to_numpy()[rows]
    natural = people["ms_onset_age"].to_numpy()[rows]
    census = data["age"].to_numpy()
    migrants = {c: people[c].to_numpy()[rows] for c in people}
    seed = population_seed(people)
    rates = []
    for move_age in (ages[child].mean(), ages[~child].mean()):
        lp = _log_hazard_if_moved_at(world, migrants, seed, move_age)
        onset = hazard.after_change(natural, birth, natural_lp, lp, np.zeros(len(rows)))
        expected, time = window_rate(onset, lp, np.zeros(len(rows)), census, hazard, birth)
        rates.append(expected / time if time > 0 else 0.0)
    return Estimand("log rate ratio of MS onset to the census, moved as a child vs later",
                    log_difference(*rates), TRUTH_SCALE)


def _log_hazard_if_moved_at(world, migrants, seed, move_age):
    """The migrants' log hazard ratios had they moved at ``move_age``.

    Only the migrants are evaluated: every node between ``age_at_move`` and the hazard
    (window share, window 25(OH)D, hazard) is deterministic given its reused parents,
    so their values are those of the whole population's evaluation, bit for bit.
    """
    moved = world.do(age_at_move=lambda natural: np.where(np.isfinite(natural), move_age,
                                                          natural))
    n = len(next(iter(migrants.values())))
    return moved.evaluate(n, seed, reuse=migrants,
                          keep=("ms_log_hazard_ratio",))["ms_log_hazard_ratio"]


def prevalence_ratio(study, covariates=("female", "age_band")):
    """Prevalence ratio of MS, moved as a child vs later: Poisson regression with robust
    (sandwich) standard errors, adjusted for sex and 10-year age band (Zou 2004)."""
    return est.poisson_rate(study.data, "ms", "one", "moved_as_child", covariates=covariates,
                            per=1.0, unit="moved as a child", scale=SCALE, cluster="person")


def prevalence_ratio_crude(study):
    """Crude prevalence ratio of MS, moved as a child vs later (robust standard errors)."""
    return prevalence_ratio(study, covariates=())


register_design(Design(
    "migrants",
    "migrants by age at migration: prevalence of MS, moved as a child vs later",
    migrants_sample,
    {"poisson-prevalence": prevalence_ratio, "poisson-prevalence-crude": prevalence_ratio_crude},
    {"population": Option(4_000_000, "people simulated (residents of regions)", 10_000,
                          50_000_000),
     "origin": Option("north", "region group the migrants were born in",
                      choices=REGION_CHOICES),
     "child_age": Option(15.0, "moved as a child: age at moving below this (years)", 1.0,
                         60.0),
     "age_high": Option(80.0, "migrants younger than this on the census day (McLeod et al. "
                        "2011: 0-79)", 20.0, 100.0),
     "regions": regions_option("australia")},
    MIGRANT_COLUMNS,
    constraints=(below("child_age", "age_high", "migrants",
                       "some migrants must have moved later than child_age"),),
))

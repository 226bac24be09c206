"""Notebook 05: the biobank nested case-control (serum stored years before diagnosis).

A serum repository stores blood from young adults at enrollment (ages 18-25 in the US
military); years later, the people diagnosed with MS are the cases and risk-set sampled
people still free of MS the controls (the library's ``nested-case-control`` design).
Serum drawn before diagnosis cannot be lowered by what a diagnosis brings (supplements,
disability, heat sensitivity), but it can be lowered by the *prodrome*, which starts 5-10
years before onset, and it shares every confounder of the observational designs.

The helpers simulate a population once, keep the people of enrollment age, and rerun the
design on them with other lags or prodrome strengths (well under a second per run), so
the notebook's slider panel selects from a precomputed grid. The figures are in
:mod:`simlib.experiments.biobank_figures`.

References
----------
Munger KL, Levin LI, Hollis BW, Howard NS, Ascherio A. Serum 25-hydroxyvitamin D levels
and risk of multiple sclerosis. JAMA 2006;296:2832-8.
Munger KL et al. 25-Hydroxyvitamin D deficiency and risk of MS among women in the
Finnish Maternity Cohort. Neurology 2017;89:1578-83.
Wijnands JMA et al. Health-care use before a first demyelinating event suggestive of a
multiple sclerosis prodrome. Lancet Neurol 2017;16:445-51.
Langholz B, Goldstein L. Risk set sampling in epidemiologic cohort studies. Stat Sci
1996;11:35-53.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .. import estimators as est
from ..calibrate import published_figures
from ..designs import get_design
from ..designs.common import blood_draw
from ..period import onset_hazard
from ..scenario import load_scenario
from ..world import build_world

DESIGN = "nested-case-control"
HAZARD = "ms_log_hazard_ratio"
PER_NMOL = 25.0


# ------------------------------------------------------------ the population
def biobank_people(scenario, population: int, seed, regions: str = "us",
                   age_low: float = 18.0, age_high: float = 26.0):
    """Simulate ``population`` people once; keep those of enrollment age.

    Parameters
    ----------
    scenario : simlib.Scenario
        The world (``null``, ``causal`` ...).
    population : int
        People simulated (the design's default is 4,000,000).
    seed : int or numpy.random.SeedSequence
        Population seed.
    regions : str
        Where the biobank's population lives (``"us"``: Texas, Missouri, Ohio).
    age_low, age_high : float
        Enrollment ages (years) the design will use; only these people are kept.

    Returns
    -------
    (simlib.Model, pandas.DataFrame)
        The world and its people aged ``[age_low, age_high)`` on the survey day. The frame
        carries every ancestor of the MS hazard, so the design's truth (computed by
        intervention) needs no random draw and is the same as on the whole population.
    """
    scenario = scenario.with_values({"population.regions": regions})
    world = build_world(scenario)
    columns = (get_design(DESIGN).columns + ("vitd_survey_nmol",)  # kept: people are subset
               + tuple(sorted(world.ancestors(HAZARD))) + (HAZARD,))
    people = world.sample(population, seed, columns=tuple(dict.fromkeys(columns)))
    age = people["age"].to_numpy()
    people = people[(age >= age_low) & (age < age_high)].reset_index(drop=True)
    people.attrs.update(seed=seed, scenario=scenario)
    return world, people


def simulate_repositories(world_names, population: int, seed: int, repositories: int,
                          regions: str = "us") -> dict:
    """Several independent serum repositories per world (same people in every world).

    Repository ``r`` uses the population seed ``SeedSequence(seed, spawn_key=(r,))`` in
    every world, so the null and the causal repository ``r`` hold the same people.

    Parameters
    ----------
    world_names : sequence of str
        Scenario names, e.g. ``("null", "causal")``.
    population : int
        People simulated per repository (Munger 2006's repository held millions).
    seed : int
        Seed of the run.
    repositories : int
        Repositories per world: their average shows the bias, their spread the noise of
        one study.
    regions : str
        Where the repositories' populations live.

    Returns
    -------
    dict
        ``(world name, repository) -> (world, people)`` from :func:`biobank_people`.
    """
    return {(name, rep): biobank_people(load_scenario(name), population,
                                        np.random.SeedSequence(seed, spawn_key=(rep,)),
                                        regions)
            for rep in range(repositories) for name in world_names}


def with_prodrome(people: pd.DataFrame, prodrome_sun_loss: float):
    """The same people in a world whose prodrome removes ``prodrome_sun_loss`` of sun 25(OH)D.

    Only the stored serum (``vitd_survey_nmol``) is measured again; onsets, controls and
    the truth are unchanged (the prodrome follows onset, it does not cause it).

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`biobank_people`.
    prodrome_sun_loss : float
        Share (0-1) of sun-derived 25(OH)D lost during the prodrome (default 0.15;
        Wijnands 2017 for the prodrome itself, the size is an assumption).

    Returns
    -------
    (simlib.Model, pandas.DataFrame)
    """
    scenario = people.attrs["scenario"].with_values(
        {"reverse_causation.prodrome_sun_loss": float(prodrome_sun_loss)})
    world = build_world(scenario)
    kept = {c: people[c].to_numpy() for c in people if c != "vitd_survey_nmol"}
    serum = world.evaluate(len(people), people.attrs["seed"], reuse=kept,
                           keep=("vitd_survey_nmol",))["vitd_survey_nmol"]
    remeasured = people.assign(vitd_survey_nmol=serum)
    remeasured.attrs.update(seed=people.attrs["seed"], scenario=scenario)
    return world, remeasured


def run_biobank(world, people: pd.DataFrame, seed: int = 1, estimator: str | None = None,
                **options):
    """Run the ``nested-case-control`` design on already simulated people.

    Parameters
    ----------
    world, people
        From :func:`biobank_people` or :func:`with_prodrome`.
    seed : int
        Seed of the design's generator (risk-set sampling of controls).
    estimator : str, optional
        ``"conditional-logit"`` (default) or ``"conditional-logit-adjusted"``.
    **options
        Design options (``lag_years``, ``samples``, ``controls_per_case`` ...).

    Returns
    -------
    (Study, Estimate)
        Log OR per +25 nmol/L and the study's estimand (true log HR per +25 nmol/L).
    """
    design = get_design(DESIGN)
    resolved = design.resolve_options(options)
    sample_options = {k: v for k, v in resolved.items() if not design.options[k].scenario_key}
    study = design.sample(world, people, np.random.default_rng(seed), **sample_options)
    return study, design.estimator(estimator)(study)


def estimate_row(study, estimate, **labels) -> dict:
    """One tidy row: labels, log OR, 95% CI, cases and the truth (log HR per 25 nmol/L)."""
    return {**labels, "estimate": estimate.estimate, "se": estimate.se,
            "ci_low": estimate.ci_low, "ci_high": estimate.ci_high,
            "n_cases": estimate.n_cases, "converged": estimate.converged,
            "estimand_value": study.estimand.value, "scale": estimate.scale}


def lag_prodrome_grid(populations: dict, lags, prodromes, seed: int = 1,
                      estimator: str | None = None) -> pd.DataFrame:
    """Estimates for every repository x prodrome strength x lag exclusion (a tidy table).

    Parameters
    ----------
    populations : dict
        ``(world name, repository) -> (world, people)`` from :func:`simulate_repositories`.
    lags : sequence of float
        ``lag_years`` values: cases diagnosed within this many years of the draw are
        excluded (with their matched sets).
    prodromes : sequence of float
        ``reverse_causation.prodrome_sun_loss`` values.
    seed : int
        Design seed (the same controls for every lag of a repository).
    estimator : str, optional
        The design's estimator.

    Returns
    -------
    pandas.DataFrame
        Columns ``world, repository, prodrome_sun_loss, lag_years, estimate, se, ci_low,
        ci_high, n_cases, converged, estimand_value, scale``.
    """
    rows = []
    for ((name, rep), (_, people)), prodrome in itertools.product(populations.items(),
                                                                  prodromes):
        world, remeasured = with_prodrome(people, prodrome)
        for lag in lags:
            study, estimate = run_biobank(world, remeasured, seed, estimator, lag_years=lag)
            rows.append(estimate_row(study, estimate, world=name, repository=rep,
                                     prodrome_sun_loss=prodrome, lag_years=lag))
    return pd.DataFrame(rows)


def summarise_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """Mean over repositories of each world x prodrome x lag, with Monte Carlo errors.

    Returns
    -------
    pandas.DataFrame
        ``world, prodrome_sun_loss, lag_years, mean_estimate`` (log OR per 25 nmol/L),
        ``empirical_se`` (SD between repositories: the noise of one study), ``mcse``
        (Monte Carlo SE of the mean), ``n_cases`` (mean), ``estimand_value`` (mean
        truth), ``repositories`` (converged fits).
    """
    fitted = grid[grid["converged"]]
    keys = ["world", "prodrome_sun_loss", "lag_years"]
    summary = fitted.groupby(keys, sort=False).agg(
        mean_estimate=("estimate", "mean"), empirical_se=("estimate", "std"),
        n_cases=("n_cases", "mean"), estimand_value=("estimand_value", "mean"),
        repositories=("estimate", "size")).reset_index()
    summary["mcse"] = summary["empirical_se"] / np.sqrt(summary["repositories"])
    return summary


def expected_onset_association(people: pd.DataFrame, age_low: float = 18.0,
                               age_high: float = 26.0, follow_up_years: float = 20.0,
                               covariates=()) -> float:
    """Log rate ratio per +25 nmol/L of stored serum that a biobank of unlimited size finds.

    Each enrolled person still free of MS contributes their *expected* number of onsets
    during follow-up (the integrated hazard, which does not depend on chance), so the
    Poisson regression of expected onsets on stored serum has no event noise: it is the
    association that confounding (and dilution) alone produce. Use it on people
    re-measured with no prodrome (:func:`with_prodrome` with 0), since the prodrome is
    tied to the onsets that happen, not to the expected ones.

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`biobank_people` or :func:`with_prodrome`.
    covariates : sequence of str
        Covariates to adjust for (e.g. ``("latitude_deg", "obese", "smoker")``).

    Returns
    -------
    float
        Log rate ratio of MS onset per +25 nmol/L.
    """
    age, onset = people["age"].to_numpy(), people["ms_onset_age"].to_numpy()
    enrolled = people["alive"].to_numpy() & (age >= age_low) & (age < age_high) & (onset > age)
    start = age[enrolled]
    stop = np.minimum.reduce([start + follow_up_years, onset[enrolled],
                              people["death_age"].to_numpy()[enrolled]])
    hazard = onset_hazard(people.attrs["scenario"])
    birth, lp = hazard.birth_year(start), people[HAZARD].to_numpy()[enrolled]
    data = people.loc[enrolled, ["vitd_survey_nmol", *covariates]].assign(
        expected=hazard.between(start, stop, birth, lp),
        person_years=stop - start)
    fit = est.poisson_rate(data, "expected", "person_years", "vitd_survey_nmol",
                           covariates=tuple(covariates))
    return fit.estimate


# ------------------------------------------------------------- published figure
def munger_or(per_nmol: float = PER_NMOL) -> dict:
    """Munger 2006's OR (white participants), rescaled from per +50 nmol/L to ``per_nmol``.

    A log-linear OR per 50 nmol/L becomes ``OR ** (per_nmol / 50)``; the CI likewise.

    Returns
    -------
    dict
        ``odds_ratio``, ``ci_low``, ``ci_high`` (ratios), ``per_nmol``, ``citation``.
    """
    row = published_figures().loc["munger2006_or50"]
    power = per_nmol / 50.0
    return {"odds_ratio": float(row["value"]) ** power, "ci_low": float(row["ci_low"]) ** power,
            "ci_high": float(row["ci_high"]) ** power, "per_nmol": per_nmol,
            "citation": row["citation"]}


# --------------------------------------------------------- cases and their draw
def biobank_cases(people: pd.DataFrame, age_low: float = 18.0, age_high: float = 26.0,
                  follow_up_years: float = 20.0) -> pd.DataFrame:
    """The biobank's future cases: enrolled, then diagnosed during follow-up.

    Mirrors the design's enrollment (alive, undiagnosed, aged ``[age_low, age_high)`` on
    the survey day, which is the day of the draw) and follow-up (diagnosis before death
    and before the end of follow-up).

    Returns
    -------
    pandas.DataFrame
        One row per case: ``row`` (index into ``people``), ``draw_age``,
        ``prodrome_start_age``, ``onset_age``, ``diagnosis_age`` (years),
        ``years_to_diagnosis`` and ``status`` at the draw (healthy, in the prodrome, or
        after an undiagnosed onset).
    """
    age, dx = people["age"].to_numpy(), people["diagnosis_age"].to_numpy()
    enrolled = people["alive"].to_numpy() & (age >= age_low) & (age < age_high) & (dx >= age)
    end = np.minimum(age + follow_up_years, people["death_age"].to_numpy())
    rows = np.flatnonzero(enrolled & (dx < end))
    onset, prodrome = (people[c].to_numpy()[rows] for c in ("ms_onset_age",
                                                             "prodrome_start_age"))
    draw = age[rows]
    status = np.where(onset <= draw, "MS onset before the draw",
                      np.where(prodrome <= draw, "in the prodrome at the draw",
                               "healthy at the draw"))
    return pd.DataFrame({"row": rows, "draw_age": draw, "prodrome_start_age": prodrome,
                         "onset_age": onset, "diagnosis_age": dx[rows],
                         "years_to_diagnosis": dx[rows] - draw, "status": status})


def serum_before_and_after(people: pd.DataFrame, cases: pd.DataFrame, seed: int = 1,
                           years_after_diagnosis: float = 2.0) -> pd.DataFrame:
    """Mean 25(OH)D of the same cases in stored serum and in a draw after diagnosis.

    The post-diagnosis draw is what a hospital case-control would measure: lowered by
    disability and heat sensitivity, raised by supplements started after diagnosis.

    Returns
    -------
    pandas.DataFrame
        ``sample``, ``mean_nmol`` and ``n`` for: cases' stored serum, the same cases
        ``years_after_diagnosis`` after diagnosis, and the enrolled people who stayed
        free of MS (stored serum).
    """
    rng = np.random.default_rng(seed)
    rows = cases["row"].to_numpy()
    after = blood_draw(people, rows, cases["diagnosis_age"].to_numpy() + years_after_diagnosis,
                       rng, people.attrs["scenario"])
    serum = people["vitd_survey_nmol"].to_numpy()
    age, dx = people["age"].to_numpy(), people["diagnosis_age"].to_numpy()
    never = np.isinf(dx) & people["alive"].to_numpy() & (age >= cases["draw_age"].min()) \
        & (age <= cases["draw_age"].max())
    samples = {"cases: stored serum (before diagnosis)": serum[rows],
               f"same cases: {years_after_diagnosis:g} y after diagnosis": after,
               "non-cases: stored serum": serum[never]}
    return pd.DataFrame([{"sample": k, "mean_nmol": float(np.mean(v)), "n": len(v)}
                         for k, v in samples.items()])

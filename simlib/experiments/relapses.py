"""Relapses and supplement users: why "patients who take vitamin D relapse less" misleads.

The lesson runs the three relapse designs of :mod:`simlib.designs.relapses` (a relapse
cohort with repeated 25(OH)D draws, supplement users vs non-users, and patients who start
vitamin D after a relapse) in a world where 25(OH)D has no effect on relapses and in one
where it has (``relapse.vitd_rr_per_25nmol``), and switches the biasing mechanisms off
one at a time.

Each replicate's population is simulated once and shared by every design and every world
that differs from the base scenario only in relapse parameters (common random numbers):
worlds whose parameters enter a node of the world (for example health consciousness ->
supplement start) have only that node and its descendants recomputed, with the same
noise. The rows of :func:`estimate_designs` are those :func:`simlib.montecarlo.replicate`
gives for the same seed and replicate; only the population is not rebuilt each time.

References
----------
Simpson S et al. Higher 25-hydroxyvitamin D is associated with lower relapse risk in
multiple sclerosis. Ann Neurol 2010;68:193-203.
Spelman T et al. Seasonal variation of relapse rate in multiple sclerosis is latitude
dependent. Ann Neurol 2014;76:880-90.
Martinez-Yelamos S et al. Regression to the mean in multiple sclerosis. Mult Scler
2006;12:826-9.
Jelinek GA et al. Association of fish consumption and omega 3 supplementation with
quality of life, disability and disease activity in an international cohort of people
with multiple sclerosis (HOLISM). BMC Neurol 2015;15:132.
Tan H et al. Adherence to disease-modifying therapies and relapses in MS. Adv Ther
2011;28:51-61.
Hanaei S et al. The role of vitamin D in multiple sclerosis: a systematic review and
meta-analysis of randomized controlled trials. Mult Scler Relat Disord 2021;53:103063.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..designs import get_design
from ..designs.base import replicate_streams
from ..diagnosis import diagnose
from ..params import field_names
from ..scenario import Scenario, load_scenario
from ..world import build_world

#: The designs and the estimators the lesson compares (the first is each design's headline
#: one); the trial (early MS, like D-Lay MS) is the randomized reference.
ESTIMATORS = {
    "relapse-cohort": ("poisson", "poisson-season"),
    "supplement-users": ("poisson", "poisson-duration"),
    "supplement-starters": ("before-after", "after-vs-non-starters"),
    "trial": ("poisson-itt",),
}
DESIGNS = tuple(ESTIMATORS)

#: Parameter values that switch one mechanism off (each can be passed to ``with_values``).
MECHANISMS = {
    "spring peak of relapses": {"relapse.spring_amplitude": 0.0},
    "active MS keeps patients indoors": {"reverse_causation.activity_disability_power": 0.0},
    "a relapse lowers the next draw": {"reverse_causation.relapse_vitd_drop_nmol": 0.0},
    "healthy users": {"relapse.health_rr_per_sd": 1.0,
                      "reverse_causation.supplement_health_log_or": 0.0},
    "relapse rate falls with duration": {"relapse.halving_years": 100.0},
}
ALL_ON, ALL_OFF = "all mechanisms on", "all mechanisms off"

#: Parameters that enter a node (or nodes) of the world, recomputed when they change.
NODE_OF_PARAMETER = {
    "relapse.health_rr_per_sd": "ms_activity",
    "relapse.activity_log_sd": "ms_activity",
    "reverse_causation.supplement_share": "post_dx_supplement_iu",
    "reverse_causation.supplement_health_log_or": "post_dx_supplement_iu",
    "reverse_causation.supplement_doses_iu": "post_dx_supplement_iu",
    "reverse_causation.uptake_mean_years": "post_dx_supplement_start_age",
    "reverse_causation.activity_disability_power": "after_onset_sun_loss",
    "reverse_causation.onset_sun_loss": "after_onset_sun_loss",
    "reverse_causation.heat_sun_loss": "after_onset_sun_loss",
    "reverse_causation.disability_sun_loss_per_edss": "after_onset_sun_loss",
    # each design's year (simlib.era): birth years (and so the women's hazard and who
    # has MS), the survey year's supplement dose and the patients' start of vitamin D
    "calendar.survey_year": ("birth_year", "supplement_iu", "post_dx_supplement_start_age"),
}
#: Parameters the relapse designs use only when they sample and count (no node uses them
#: among the columns the designs read).
DESIGN_TIME_PARAMETERS = frozenset({
    "relapse.rate_at_onset", "relapse.halving_years", "relapse.spring_amplitude",
    "relapse.peak_day", "relapse.vitd_rr_per_25nmol",
    "reverse_causation.relapse_vitd_drop_nmol"})
#: Population columns the designs read (plus health consciousness, for teaching).
PATIENT_COLUMNS = tuple(sorted(set().union(*(get_design(d).columns for d in DESIGNS))
                               | {"health_consciousness"}))


# ---------------------------------------------------------------------- worlds
def relapse_scenario(relapse_rr: float = 1.0, changes: dict | None = None,
                     base: str | Scenario = "null") -> Scenario:
    """A world with a chosen causal effect of 25(OH)D on relapses.

    Parameters
    ----------
    relapse_rr : float
        True relapse rate ratio per +25 nmol/L of current 25(OH)D
        (``relapse.vitd_rr_per_25nmol``; 1 = no effect, the shipped value).
    changes : dict, optional
        Further ``{"section.key": value}`` changes (e.g. a mechanism of :data:`MECHANISMS`).
    base : str or Scenario
        Shipped scenario name or a scenario; ``"null"``: no effect on MS onset either.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> relapse_scenario(0.8).relapse.vitd_rr_per_25nmol
    0.8
    """
    scenario = load_scenario(base) if isinstance(base, str) else base
    values = {"relapse.vitd_rr_per_25nmol": float(relapse_rr), **(changes or {})}
    name = f"{scenario.name}, relapse RR {relapse_rr:g}" + (" (changed)" if changes else "")
    return replace(scenario.with_values(values), name=name)


def mechanism_worlds(base: Scenario) -> dict[str, Scenario]:
    """``base`` with everything on, each mechanism of :data:`MECHANISMS` off (labelled
    ``"off: <mechanism>"``), and all of them off."""
    worlds = {ALL_ON: base}
    for label, values in MECHANISMS.items():
        worlds[f"off: {label}"] = base.with_values(values)
    everything = {k: v for values in MECHANISMS.values() for k, v in values.items()}
    worlds[ALL_OFF] = base.with_values(everything)
    return worlds


def healthy_user_values(base: Scenario, strength: float) -> dict:
    """Healthy-user parameters at ``strength`` times the base world's (0 = none).

    Scales the log OR of starting supplements per SD of health consciousness
    (Jelinek 2015) and the log relapse rate ratio per SD through better adherence to
    disease-modifying therapy (Tan 2011).
    """
    return {"relapse.health_rr_per_sd": base.relapse.health_rr_per_sd ** strength,
            "reverse_causation.supplement_health_log_or":
                base.reverse_causation.supplement_health_log_or * strength}


def lesson_options(participants: int | None = None) -> dict:
    """Design options of the lesson: ``{design: {option: value}}``.

    The trial randomizes people within two years of onset (``eligibility="early-ms"``,
    like D-Lay MS, Thouvenot 2025); ``participants`` sets the number of patients of each
    observational design (their defaults if None; Simpson 2010 followed 145).
    """
    options = {"trial": {"eligibility": "early-ms"}}
    if participants is not None:
        options.update({d: {"participants": int(participants)} for d in DESIGNS if d != "trial"})
    return options


def study_scenario(scenario: Scenario, design: str, options: dict | None = None) -> Scenario:
    """The scenario a design's study runs in: its options that stand for world parameters
    (the relapse cohort's ``supplement_share``, 0.1 as in a 2000s cohort) written in."""
    spec = get_design(design)
    resolved = spec.resolve_options(options)
    values = {opt.scenario_key: resolved[name] for name, opt in spec.options.items()
              if opt.scenario_key and resolved.get(name) is not None}
    return scenario.with_values(values) if values else scenario


def changed_parameters(base: Scenario, scenario: Scenario) -> list[str]:
    """Dotted keys whose values differ between two scenarios."""
    return [f"{name}.{key}" for name, section in base.sections()
            for key in field_names(section)
            if getattr(section, key) != scenario.get(f"{name}.{key}")]


# -------------------------------------------------------------------- patients
def _patients(people: pd.DataFrame) -> pd.DataFrame:
    """People alive at the survey after MS onset (the designs sample nobody else; the
    trial takes undiagnosed early MS, the other designs diagnosed MS)."""
    keep = people["alive"].to_numpy() & (people["ms_onset_age"].to_numpy()
                                         <= people["age"].to_numpy())
    return people.loc[keep, list(PATIENT_COLUMNS)].reset_index(drop=True)


def _pool_key(base: Scenario, scenario: Scenario):
    """Node parameters changed from ``base`` (a hashable key), or the scenario itself
    when a parameter outside the known ones changed (then it is simulated afresh)."""
    changed = changed_parameters(base, scenario)
    if any(k not in NODE_OF_PARAMETER and k not in DESIGN_TIME_PARAMETERS for k in changed):
        return scenario
    return tuple(sorted((k, scenario.get(k)) for k in changed if k in NODE_OF_PARAMETER))


def _variant(base, people, key, population, population_seed) -> pd.DataFrame:
    """Patients of the world ``key`` describes: the changed nodes recomputed on the same
    people with the same noise (an identity intervention marks them as changed)."""
    if isinstance(key, Scenario):
        return _patients(build_world(key).sample(population, population_seed,
                                                 columns=PATIENT_COLUMNS))
    if not key:
        return _patients(people)
    scenario = base.with_values(dict(key))
    nodes = set()
    for name, _ in key:
        node = NODE_OF_PARAMETER[name]
        nodes.update((node,) if isinstance(node, str) else node)
    world = build_world(scenario).do(**{node: _unchanged for node in nodes})
    reuse = {column: people[column].to_numpy() for column in people}
    return _patients(world.sample(population, population_seed, columns=PATIENT_COLUMNS,
                                  reuse=reuse))


def _unchanged(value):
    return value


@dataclass
class PatientPools:
    """People with MS, one table per replicate and per distinct world of the nodes.

    Build with :func:`simulate_patients`; :meth:`patients` returns a replicate's patients
    in any world whose node parameters were simulated, with the scenario attached.
    """

    base: Scenario
    population: int
    seed: int
    reps: int
    frames: dict = field(default_factory=dict)

    def patients(self, scenario: Scenario, rep: int) -> pd.DataFrame:
        """Replicate ``rep``'s patients in ``scenario`` (read by the designs)."""
        key = _pool_key(self.base, scenario)
        if (rep, key) not in self.frames:
            raise KeyError(f"world {scenario.name!r} was not simulated: pass it to "
                           "simulate_patients")
        frame = self.frames[rep, key].copy(deep=False)
        frame.attrs = {"scenario": scenario, "seed": replicate_streams(self.seed, rep)[0]}
        return frame


def simulate_patients(worlds, population: int, reps: int, seed: int,
                      options: dict | None = None) -> PatientPools:
    """Simulate each replicate's population once; keep its people with MS in every world.

    Parameters
    ----------
    worlds : iterable of Scenario
        Every world the lesson will study; the first is the base. Worlds that differ
        from it only in relapse parameters share its people exactly.
    population : int
        People simulated per replicate (about 0.15% have diagnosed MS: 1-2 million give
        1,500-3,000 patients).
    reps : int
        Replicates; replicate ``i`` has the population of ``replicate(..., seed)``'s ``i``.
    seed : int
    options : dict, optional
        ``{design: options}`` (see ``python -m simlib designs``); default
        :func:`lesson_options`.

    Returns
    -------
    PatientPools
    """
    options = {**lesson_options(), **(options or {})}
    worlds = list(worlds)
    base = worlds[0]
    # each world as it is (its own survey year) and as each design's study sees it
    # (the design's year and world options written in)
    keys = list(dict.fromkeys([_pool_key(base, w) for w in worlds]
                              + [_pool_key(base, study_scenario(w, d, options.get(d)))
                                 for w in worlds for d in DESIGNS]))
    world = build_world(base)
    columns = set(PATIENT_COLUMNS).union(*(world.ancestors(c) for c in PATIENT_COLUMNS))
    pools = PatientPools(base, population, seed, reps)
    for rep in range(reps):
        population_seed, _ = replicate_streams(seed, rep)
        people = world.sample(population, population_seed, columns=columns)
        for key in keys:
            pools.frames[rep, key] = _variant(base, people, key, population, population_seed)
        del people
    return pools


# ----------------------------------------------------------------- estimation
def run_design(pools: PatientPools, scenario: Scenario, design: str, rep: int,
               options: dict | None = None):
    """One study of ``design`` on replicate ``rep``'s patients in ``scenario``.

    Uses the design generator :func:`simlib.montecarlo.replicate` gives replicate ``rep``,
    so the study is the one ``replicate`` would run (without rebuilding the population).
    The lesson's designs read only the patients, not the world model (passed as None).

    Returns
    -------
    simlib.designs.Study
    """
    spec = get_design(design)
    resolved = spec.resolve_options(options)
    scenario = study_scenario(scenario, design, options)
    people = pools.patients(scenario, rep)
    _, rng = replicate_streams(pools.seed, rep)
    kwargs = {k: v for k, v in resolved.items() if not spec.options[k].scenario_key}
    return spec.sample(None, people, rng, **kwargs)


def _fit_row(study, design: str, estimator: str) -> dict:
    """One estimator's row, in the columns of ``replicate``'s table (failures recorded)."""
    truth = study.estimand_for(estimator)
    row = {"design": design, "estimator": estimator, "estimand": truth.name,
           "estimand_value": float(truth.value), "scale": truth.scale, "error": ""}
    try:
        fit = get_design(design).estimator(estimator)(study)
    except Exception as err:  # recorded, as replicate does: never crash a Monte Carlo run
        return {**row, "converged": False, "error": f"{type(err).__name__}: {err}",
                **dict.fromkeys(("estimate", "se", "ci_low", "ci_high", "p_value"), math.nan)}
    return {**row, **{k: float(getattr(fit, k)) for k in
                      ("estimate", "se", "ci_low", "ci_high", "p_value")},
            "n": int(fit.n), "n_cases": int(fit.n_cases), "converged": bool(fit.converged),
            "reason": fit.reason}


def estimate_designs(pools: PatientPools, worlds: dict, options: dict | None = None,
                     estimators: dict | None = None, reps: int | None = None) -> pd.DataFrame:
    """Run every design and estimator in every world on every replicate.

    Parameters
    ----------
    pools : PatientPools
        From :func:`simulate_patients` (every world's node parameters simulated).
    worlds : dict of str to Scenario
        Label -> world.
    options : dict, optional
        ``{design: {option: value}}``, e.g. ``{"relapse-cohort": {"participants": 1000}}``,
        added to :func:`lesson_options` (a design's entry replaces its default).
    estimators : dict, optional
        ``{design: (estimator, ...)}``; default :data:`ESTIMATORS`.
    reps : int, optional
        Use only the first ``reps`` replicates (all by default).

    Returns
    -------
    pandas.DataFrame
        One row per (replicate, world, design, estimator): ``world, rep, seed, scenario``
        and the columns of ``replicate``'s table; summarise with :func:`summarize`.
    """
    options, estimators = {**lesson_options(), **(options or {})}, estimators or ESTIMATORS
    rows = []
    for rep in range(min(reps or pools.reps, pools.reps)):
        for label, scenario in worlds.items():
            for design, names in estimators.items():
                study = run_design(pools, scenario, design, rep, options.get(design))
                meta = {"world": label, "rep": rep, "seed": pools.seed,
                        "scenario": scenario.name}
                rows += [{**meta, **_fit_row(study, design, name)} for name in names]
    return pd.DataFrame(rows)


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Bias, empirical SE, coverage ... with Monte Carlo SEs, per world, design, estimator
    (:func:`simlib.diagnosis.diagnose`, Morris et al. 2019); ``rate_ratio`` and
    ``true_rate_ratio`` added (exp of the mean log estimate and of the truth)."""
    diag = diagnose(table, by=["world", "design", "estimator"])
    return diag.assign(rate_ratio=np.exp(diag["mean_estimate"]),
                       true_rate_ratio=np.exp(diag["estimand_value"]))


def rate_ratio(diag: pd.DataFrame, world: str, design: str, estimator: str) -> float:
    """Mean estimated rate ratio of one row of :func:`summarize`."""
    rows = diag[(diag["world"] == world) & (diag["design"] == design)
                & (diag["estimator"] == estimator)]
    return float(rows["rate_ratio"].iloc[0])

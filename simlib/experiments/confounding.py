"""Confounding: common causes of 25(OH)D and MS make low vitamin D look harmful.

The experiment behind notebook ``02_confounding``. A prospective cohort (the ``cohort``
design: one baseline blood draw, 15 years of follow-up for an MS diagnosis) is run in the
null and the causal world; its crude Poisson estimate of the rate ratio per +25 nmol/L is
compared with the estimate adjusted for age, sex, latitude, obesity and smoking (the
model of the design's ``poisson-adjusted`` estimator), beside the truth. The confounding
paths are then switched off one at a time, and a confounder nobody measured is added.

Three devices make the lesson fast and keep chance from hiding the bias:

* **Same people, different world** (:func:`resimulate`). The population is simulated once;
  a scenario override re-evaluates only the nodes whose equations it changes and their
  descendants, with the same random streams, so the result equals a fresh simulation of
  the changed world exactly.
* **The unlimited cohort** (:func:`unlimited_data`). Each member contributes their
  *expected* number of MS onsets during follow-up (their integrated hazard, the
  compensator the designs' truth also uses) instead of the 0 or 1 that chance gave
  them: what the cohort would find if it were infinitely large. Their baseline blood
  draw is measured without reverse causation, so the unlimited cohort shows confounding
  and measurement error alone; the prodrome is the subject of notebook
  ``03_reverse_causation``.
* **Same cases, re-weighted** (:func:`realized_data`). For the real, finite cohort, a change
  that acts on MS risk keeps the members and cases and weights each case by
  ``exp(new - old log hazard)``: MS is rare, so each person's expected number of diagnoses
  scales by that factor (importance weighting). A change that acts on the blood draw
  re-measures the same people.

The module holds the worlds and the cohort: the mechanisms, the simulations, the cohort
data as the unlimited and the real cohort see them in changed worlds, and the world
edits that add an unmeasured confounder. The grouped Poisson fits and the tables of the
notebook are in :mod:`simlib.experiments.confounding_estimates`; the figures and the
slider panel in :mod:`simlib.experiments.confounding_figures`.

References
----------
Hernan MA, Robins JM. Causal Inference: What If. Chapman & Hall/CRC; 2020, ch. 7.
Hedstrom AK et al. Mult Scler 2016;22:878 (adolescent obesity and MS).
Handel AE et al. PLoS One 2011 (smoking and MS).
Lucas RM et al. Neurology 2011;76:540 (sun exposure acts partly without 25(OH)D).
Vimaleswaran KS et al. PLoS Med 2013;10:e1001383 (higher BMI lowers 25(OH)D).
Munger KL et al. JAMA 2006;296:2832 (pre-diagnostic 25(OH)D and MS).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..designs import Study, get_design
from ..designs.base import cached_world, replicate_streams, simulate_people
from ..errors import SimlibError
from ..period import onset_hazard
from ..scenario import Scenario, load_scenario
from ..scm import Model
from ..world import build_world

DESIGN = "cohort"
HAZARD = "ms_log_hazard_ratio"


@dataclass(frozen=True)
class Mechanism:
    """One path that links 25(OH)D and MS without vitamin D causing MS.

    Parameters
    ----------
    label : str
        What the path is, e.g. ``"adolescent obesity raises MS risk"``.
    off : str
        The world without it, e.g. ``"obesity does not cause MS"``.
    overrides : dict
        Scenario values (``"section.key": value``) that switch the path off.
    changes : tuple of str
        World nodes whose equations the overrides change.
    acts_on : str
        ``"risk"`` (changes the MS hazard) or ``"blood draw"`` (changes measured 25(OH)D).
    """

    label: str
    off: str
    overrides: dict = field(hash=False)
    changes: tuple[str, ...]
    acts_on: str = "risk"


MECHANISMS = {
    "obesity": Mechanism("adolescent obesity raises MS risk and lowers 25(OH)D",
                         "obesity does not cause MS", {"ms.hr_obesity": 1.0}, (HAZARD,)),
    "smoking": Mechanism("smoking raises MS risk (smokers are less health conscious)",
                         "smoking does not cause MS", {"ms.hr_smoking": 1.0}, (HAZARD,)),
    "uvb": Mechanism("sun (UVB) lowers MS risk without 25(OH)D", "no direct effect of sun",
                     {"ms.uvb_hr_per_doubling": 1.0}, (HAZARD,)),
    "latitude": Mechanism("latitude adds risk of its own (and more mononucleosis)",
                          "latitude adds no risk of its own",
                          {"ms.latitude_hr_per_10_degrees": 1.0,
                           "infection.im_log_or_per_degree": 0.0},
                          (HAZARD, "infectious_mononucleosis")),
    "ancestry": Mechanism("HLA-DRB1*15:01 and residual risk follow ancestry (as skin does)",
                          "HLA-DRB1*15:01 and MS risk unrelated to ancestry",
                          {"ancestry.hla_carrier_low": 0.2, "ancestry.hla_carrier_high": 0.2,
                           "ancestry.group_hla_carrier": (0.2, 0.2, 0.2),
                           "ancestry.group_ms_hr": (1.0, 1.0, 1.0)},
                          ("hla_drb1_1501", HAZARD)),
    "reverse": Mechanism("the MS prodrome lowers 25(OH)D before diagnosis",
                         "no reverse causation",
                         {"reverse_causation.prodrome_sun_loss": 0.0,
                          "reverse_causation.onset_sun_loss": 0.0,
                          "reverse_causation.heat_sun_loss": 0.0,
                          "reverse_causation.disability_sun_loss_per_edss": 0.0},
                         ("after_onset_sun_loss", "vitd_survey_nmol"), "blood draw"),
    "measurement": Mechanism("one blood draw measures long-term 25(OH)D with error",
                             "perfect measurement",
                             {"measurement.within_person_sd_nmol": 0.0,
                              "measurement.assay_cv": 0.0, "measurement.drift_log_sd": 0.0,
                              "sun.seasonal_fraction_per_degree": 0.0},
                             ("seasonal_amplitude_nmol", "vitd_survey_nmol"), "blood draw"),
}
#: The confounding paths among :data:`MECHANISMS`.
CONFOUNDERS = ("obesity", "smoking", "uvb", "latitude", "ancestry")


@dataclass
class Cohort:
    """A cohort study with the world and population it was drawn from.

    ``rows`` are the population rows of the cohort's members, in the order of
    ``study.data``; ``follow_up_years`` the design's follow-up; ``cache`` keeps
    re-measured blood draws.
    """

    world: Model
    people: pd.DataFrame
    study: Study
    rows: np.ndarray
    follow_up_years: float
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def scenario(self) -> Scenario:
        return self.people.attrs["scenario"]

    @property
    def truth(self) -> float:
        """True log rate ratio per +25 nmol/L on the cohort's people (the estimand)."""
        return self.study.estimand.value

    def head(self, members: int | None) -> Cohort:
        """The first ``members`` members: a random subset (members are in random order).

        Shares the population and the cache; the truth stays the whole cohort's.
        """
        if members is None or members >= len(self.rows):
            return self
        study = replace(self.study, data=self.study.data.iloc[:members])
        return Cohort(self.world, self.people, study, self.rows[:members],
                      self.follow_up_years, self.cache)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The population's columns as arrays (read once: DataFrame access copies attrs)."""
        if "columns" not in self.cache:
            self.cache["columns"] = {c: self.people[c].to_numpy() for c in self.people.columns}
        return self.cache["columns"]


# --------------------------------------------------------------- simulation
def population(scenario: Scenario, n: int, seed: int, world: Model | None = None,
               options: dict | None = None):
    """Simulate ``n`` people as replicate 0 of ``seed`` (the people ``run_study`` draws).

    Keeps the cohort design's columns and every ancestor of the MS hazard, so later
    re-simulations and the truth reuse them instead of recomputing. Like ``run_study``,
    the scenario's own world simulates only the cohort's enrollment ages (``options``:
    the design's; see :func:`simlib.designs.base.simulate_people`); a ``world`` given
    (a custom one) simulates everyone.

    Returns
    -------
    pandas.DataFrame
        One row per person; ``attrs`` hold the population seed and the scenario.
    """
    design = get_design(DESIGN)
    band = design.age_band(design.resolve_options(options)) if world is None else None
    world = cached_world(scenario) if world is None else world
    columns = set(design.columns) | {HAZARD} | world.ancestors(HAZARD)
    population_seed, _ = replicate_streams(seed, 0)
    _, people = simulate_people(scenario, world, n, population_seed, sorted(columns), band)
    return people


def resimulate(people: pd.DataFrame, scenario: Scenario, changes=None,
               world: Model | None = None) -> tuple[Model, pd.DataFrame]:
    """The same people in a changed world: re-evaluate ``changes`` and their descendants.

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`population` (or a previous call).
    scenario : Scenario
        The changed world's parameters.
    changes : iterable of str, optional
        Nodes whose equations differ from those that made ``people``; None re-simulates
        every column.
    world : Model, optional
        The changed world (default ``build_world(scenario)``), e.g. one with a node added.

    Returns
    -------
    (Model, pandas.DataFrame)
        The world and the people in it (same random streams; the columns of ``people``
        that ``world`` has). Columns not re-evaluated are copied, so people from an
        extended world keep their extra nodes' effects on, e.g., ``vitd_mean_nmol``.
    """
    world = build_world(scenario) if world is None else world
    stale = set(world.order) if changes is None else set(changes) | world.descendants(changes)
    reuse = {c: people[c].to_numpy() for c in people.columns if c not in stale}
    keep = [c for c in people.columns if c in world.nodes]
    columns = world.evaluate(len(people), people.attrs["seed"], reuse=reuse, keep=keep)
    changed = pd.DataFrame(columns, copy=False)
    changed.attrs.update(seed=people.attrs["seed"], scenario=scenario)
    return world, changed


def run_cohort(world: Model, people: pd.DataFrame, seed: int,
               options: dict | None = None) -> Cohort:
    """Run the ``cohort`` design on ``people`` with the design stream of replicate 0.

    With the people of :func:`population` this is the study ``run_study(scenario,
    "cohort", seed, options={**options, "year": survey_year})`` returns, where
    ``survey_year`` is the scenario's (the population's) calendar year; ``options`` are
    the design's (ages, follow-up, participants).
    """
    design = get_design(DESIGN)
    resolved = {name: value for name, value in design.resolve_options(options).items()
                if not design.options[name].scenario_key}
    _, rng = replicate_streams(seed, 0)
    study = design.sample(world, people, rng, **resolved)
    return Cohort(world, people, study, _members(people, study, resolved),
                  resolved["follow_up_years"])


def _members(people, study, options) -> np.ndarray:
    """Population rows of the cohort's members, matched on their (continuous) entry age."""
    age = people["age"].to_numpy()
    eligible = np.flatnonzero((age >= options["age_low"]) & (age < options["age_high"]))
    order = eligible[np.argsort(age[eligible])]
    entry = study.data["age"].to_numpy()
    rows = order[np.clip(np.searchsorted(age[order], entry), 0, len(order) - 1)]
    if not np.array_equal(age[rows], entry):
        raise SimlibError("cohort members could not be matched to the population")
    return rows


def null_and_causal(n: int, seed: int, options: dict | None = None) -> dict[str, Cohort]:
    """The cohort in the null world and in the causal world, on the same people.

    The causal world differs from the null world in the MS hazard only (``[ms]`` of
    ``data/scenarios/causal.toml``), so its people are the null world's with the MS
    history re-simulated.
    """
    null, causal = load_scenario("null"), load_scenario("causal")
    people = population(null, n, seed, options=options)
    cohorts = {"null": run_cohort(build_world(null), people, seed, options)}
    world, causal_people = resimulate(people, causal, (HAZARD,))
    cohorts["causal"] = run_cohort(world, causal_people, seed, options)
    return cohorts


# ---------------------------------------------------- changed worlds, same people
def _merged(mechanisms) -> tuple[dict, tuple]:
    overrides, changes = {}, ()
    for mechanism in mechanisms:
        overrides.update(mechanism.overrides)
        changes += mechanism.changes
    return overrides, changes


def member_log_hazard(cohort: Cohort, world: Model | None = None, changes=(HAZARD,)):
    """Each member's log hazard ratio of MS onset, in ``world`` (default: their own)."""
    columns = cohort.columns
    if world is None:
        return columns[HAZARD][cohort.rows]
    stale = set(changes) | world.descendants(changes)
    reuse = {c: values for c, values in columns.items() if c not in stale}
    new = world.evaluate(len(cohort.people), cohort.people.attrs["seed"], reuse=reuse,
                         keep=(HAZARD,))
    return new[HAZARD][cohort.rows]


def _risk_world(cohort: Cohort, mechanisms) -> tuple[Model | None, tuple]:
    risk = [m for m in mechanisms if m.acts_on == "risk"]
    if not risk:
        return None, ()
    overrides, changes = _merged(risk)
    return build_world(cohort.scenario.with_values(overrides)), changes


def remeasured(cohort: Cohort, mechanisms) -> np.ndarray:
    """Members' baseline 25(OH)D (nmol/L) re-measured with blood-draw ``mechanisms`` off.

    Same people, same assay noise; only the switched-off mechanisms change the value.
    """
    draw = tuple(m for m in mechanisms if m.acts_on == "blood draw")
    if not draw:
        return cohort.study.data["vitd_nmol"].to_numpy()
    key = ("vitd_survey_nmol", *sorted(m.off for m in draw))
    if key not in cohort.cache:
        overrides, changes = _merged(draw)
        _, people = resimulate(cohort.people, cohort.scenario.with_values(overrides), changes)
        cohort.cache[key] = people["vitd_survey_nmol"].to_numpy()
    return cohort.cache[key][cohort.rows]


def expected_onsets(cohort: Cohort, log_hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(expected MS onsets, person-years) of each member over the follow-up.

    The integrated hazard from baseline to the end of follow-up or death
    (:meth:`simlib.period.OnsetHazard.between`, with the member's birth year for the
    calendar-period effect): what the member contributes on average.
    """
    hazard = onset_hazard(cohort.scenario)
    entry = cohort.study.data["age"].to_numpy()
    end = np.minimum(entry + cohort.follow_up_years,
                     cohort.columns["death_age"][cohort.rows])
    return hazard.between(entry, end, hazard.birth_year(entry), log_hazard), end - entry


def unlimited_data(cohort: Cohort, mechanisms=(), world: Model | None = None,
                   changes=(HAZARD,)) -> pd.DataFrame:
    """The cohort's data as an infinitely large cohort would see it.

    ``event`` is each member's expected number of MS onsets during follow-up and
    ``vitd_nmol`` their baseline draw without reverse causation. ``mechanisms`` are
    switched off (risk: a changed hazard; blood draw: re-measured); ``world`` (with
    ``changes``, the nodes it changes) replaces the members' world instead.
    """
    if world is None:
        world, changes = _risk_world(cohort, mechanisms)
    events, years = expected_onsets(cohort, member_log_hazard(cohort, world, changes))
    exposure = remeasured(cohort, (MECHANISMS["reverse"], *mechanisms))
    return cohort.study.data.assign(event=events, person_years=years, vitd_nmol=exposure)


def realized_data(cohort: Cohort, mechanisms=(), world: Model | None = None,
                  changes=(HAZARD,)) -> pd.DataFrame:
    """The real cohort's data with ``mechanisms`` switched off: same people, same cases.

    Cases are re-weighted by ``exp(new - old log hazard)`` (risk mechanisms, or
    ``world``); the baseline draw is re-measured (blood-draw mechanisms).
    """
    if world is None:
        world, changes = _risk_world(cohort, mechanisms)
    data = cohort.study.data
    events = data["event"].to_numpy(float)
    if world is not None:
        events = events * np.exp(member_log_hazard(cohort, world, changes)
                                 - member_log_hazard(cohort))
    return data.assign(event=events, vitd_nmol=remeasured(cohort, mechanisms))


# ---------------------------------------- world edits: unmeasured confounders
def with_direct_effect(world: Model, cause: str, hr_per_unit: float) -> Model:
    """The world with one more arrow, ``cause`` -> MS: hazard x ``hr_per_unit`` per unit.

    E.g. ``with_direct_effect(world, "health_consciousness", 0.7)``: health-conscious
    people (the latent trait, in SD) have a lower MS risk through things no study
    measured, on top of their supplements, lower BMI and less smoking.
    """
    old = world.nodes[HAZARD]
    log_hr = float(np.log(hr_per_unit))

    def hazard(rng, n, **values):
        return old.evaluate(rng, n, values) + log_hr * np.asarray(values[cause], dtype=float)

    parents = tuple(dict.fromkeys((*old.parents, cause)))
    return world.replace_node(HAZARD, hazard, parents=parents,
                              doc=f"{old.doc}; x {hr_per_unit:g} per unit of {cause}")


def add_unmeasured_confounder(world: Model, share: float = 0.3, vitd_ratio: float = 0.8,
                              hr: float = 2.0, name: str = "unmeasured_factor") -> Model:
    """Add a binary factor nobody measures that lowers 25(OH)D and raises MS risk.

    Parameters
    ----------
    world : Model
        E.g. ``build_world(load_scenario("null"))``.
    share : float
        Proportion of people with the factor (say, an indoor, sedentary life).
    vitd_ratio : float
        Their long-term 25(OH)D is multiplied by this (0.8: 20% lower).
    hr : float
        Hazard ratio of MS onset with the factor.
    name : str
        The new node's name.

    Returns
    -------
    Model
        Run any design on it with ``replicate(..., world=...)`` or ``run_study``.
    """
    world = world.add_node(name, lambda rng, n: rng.random(n) < share,
                           doc=f"unmeasured factor ({share:.0%} of people)")
    vitd = world.nodes["vitd_mean_nmol"]

    def lowered(rng, n, **values):
        return vitd.evaluate(rng, n, values) * np.where(values[name], vitd_ratio, 1.0)

    world = world.replace_node("vitd_mean_nmol", lowered, parents=(*vitd.parents, name))
    return with_direct_effect(world, name, hr)

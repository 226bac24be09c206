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

The Poisson models are fitted to the cohort grouped by covariate pattern (25(OH)D to
1 nmol/L, age in 5-year bands), which reproduces the individual-level estimates to about
0.002 on the log scale in a tenth of the time (Breslow & Day 1987).

References
----------
Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II: the design and
analysis of cohort studies. IARC Sci Publ 82; 1987 (Poisson regression on grouped data).
Hernan MA, Robins JM. Causal Inference: What If. Chapman & Hall/CRC; 2020, ch. 7.
Hedstrom AK et al. Mult Scler 2016;22:878 (adolescent obesity and MS).
Handel AE et al. PLoS One 2011 (smoking and MS).
Lucas RM et al. Neurology 2011;76:540 (sun exposure acts partly without 25(OH)D).
Vimaleswaran KS et al. PLoS Med 2013;10:e1001383 (higher BMI lowers 25(OH)D).
Munger KL et al. JAMA 2006;296:2832 (pre-diagnostic 25(OH)D and MS).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import estimators as est
from .. import history
from ..designs import Study, get_design
from ..designs.base import replicate_streams
from ..designs.prospective import ADJUST
from ..errors import SimlibError
from ..plots import TRUTH
from ..scenario import Scenario, load_scenario
from ..scm import Model
from ..world import build_world

DESIGN = "cohort"
HAZARD = "ms_log_hazard_ratio"
VITD_STEP_NMOL = 1.0  # 25(OH)D is grouped to this many nmol/L for the grouped fits
AGE_BAND_YEARS = 5.0  # age is grouped in bands this wide (years), at the band's midpoint
ANALYSES = {"crude": (), "adjusted": ADJUST}
ANALYSIS_LABELS = {"crude": "crude",
                   "adjusted": "adjusted for age, sex, latitude, obesity, smoking"}


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
    "ancestry": Mechanism("HLA-DRB1*15:01 follows northern ancestry (as pale skin does)",
                          "HLA-DRB1*15:01 unrelated to ancestry",
                          {"ancestry.hla_carrier_low": 0.2, "ancestry.hla_carrier_high": 0.2},
                          ("hla_drb1_1501",)),
    "reverse": Mechanism("the MS prodrome lowers 25(OH)D before diagnosis",
                         "no reverse causation",
                         {"reverse_causation.prodrome_sun_loss": 0.0,
                          "reverse_causation.onset_sun_loss": 0.0,
                          "reverse_causation.heat_sun_loss": 0.0},
                         ("after_onset_sun_loss", "vitd_survey_nmol"), "blood draw"),
    "measurement": Mechanism("one blood draw measures long-term 25(OH)D with error",
                             "perfect measurement",
                             {"measurement.within_person_sd_nmol": 0.0,
                              "measurement.assay_cv": 0.0,
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
def population(scenario: Scenario, n: int, seed: int, world: Model | None = None):
    """Simulate ``n`` people as replicate 0 of ``seed`` (the people ``run_study`` draws).

    Keeps the cohort design's columns and every ancestor of the MS hazard, so later
    re-simulations and the truth reuse them instead of recomputing.

    Returns
    -------
    pandas.DataFrame
        One row per person; ``attrs`` hold the population seed and the scenario.
    """
    world = build_world(scenario) if world is None else world
    columns = set(get_design(DESIGN).columns) | {HAZARD} | world.ancestors(HAZARD)
    population_seed, _ = replicate_streams(seed, 0)
    people = world.sample(n, population_seed, columns=sorted(columns))
    people.attrs.update(seed=population_seed, scenario=scenario)
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
    "cohort", seed, options=options)`` returns. ``options`` are the design's (ages,
    follow-up, participants).
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
    people = population(null, n, seed)
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

    The integrated hazard ``exp(log_hazard) x [H0(end) - H0(entry)]`` from baseline to
    the end of follow-up or death: what the member contributes on average.
    """
    ms = cohort.scenario.ms
    entry = cohort.study.data["age"].to_numpy()
    end = np.minimum(entry + cohort.follow_up_years,
                     cohort.columns["death_age"][cohort.rows])
    edges, cumulative = history.band_edges(), history.baseline_cumulative(ms)
    baseline = np.interp(np.minimum(end, edges[-1]), edges, cumulative) \
        - np.interp(np.minimum(entry, edges[-1]), edges, cumulative)
    return np.exp(log_hazard) * baseline, end - entry


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


# -------------------------------------------------------------------- fitting
def _group_codes(data: pd.DataFrame, covariates) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct covariate patterns (a table) and each row's pattern number."""
    keys = data[list(covariates)].copy()
    keys["vitd_nmol"] = np.round(data["vitd_nmol"].to_numpy() / VITD_STEP_NMOL) * VITD_STEP_NMOL
    if "age" in keys:
        keys["age"] = (data["age"].to_numpy() // AGE_BAND_YEARS + 0.5) * AGE_BAND_YEARS
    codes = keys.groupby(list(keys.columns), sort=False, observed=True,
                         dropna=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    return keys.iloc[first].reset_index(drop=True), codes


def _summed(table, codes, events, years) -> pd.DataFrame:
    """``table`` with the events and person-years of its rows' members summed."""
    frame = table.copy()
    frame["event"] = np.bincount(codes, weights=events, minlength=len(table))
    frame["person_years"] = np.bincount(codes, weights=years, minlength=len(table))
    return frame


def fit_poisson(data: pd.DataFrame, covariates=()) -> est.Estimate:
    """Log rate ratio per +25 nmol/L: Poisson regression on data grouped by pattern.

    Parameters
    ----------
    data : pandas.DataFrame
        Cohort data (``event``, ``person_years``, ``vitd_nmol`` and the covariates);
        ``event`` may be expected or weighted counts. 25(OH)D is grouped to
        :data:`VITD_STEP_NMOL` nmol/L and ``age`` to :data:`AGE_BAND_YEARS`-year bands.
    covariates : sequence of str
        Adjustment columns: numeric ones enter linearly, strings as categories (use
        bands or categories for continuous ones other than age).

    Returns
    -------
    simlib.estimators.Estimate
        Scale ``"log RR per 25 nmol/L"``. With expected counts, the interval is not a
        sampling interval (there is no sampling error to speak of).
    """
    table, codes = _group_codes(data, covariates)
    frame = _summed(table, codes, data["event"].to_numpy(float),
                    data["person_years"].to_numpy(float))
    return est.poisson_rate(frame, "event", "person_years", "vitd_nmol",
                            covariates=tuple(covariates))


def _row(estimate: est.Estimate, truth: float, interval: bool = True, **labels) -> dict:
    """A table row; ``interval=False`` for expected counts (no sampling interval)."""
    low, high = (estimate.ci_low, estimate.ci_high) if interval else (np.nan, np.nan)
    return {**labels, "estimate": estimate.estimate, "ci_low": low, "ci_high": high,
            "estimand_value": truth, "scale": estimate.scale, "n_cases": estimate.n_cases,
            "converged": estimate.converged}


def crude_and_adjusted(cohorts: dict[str, Cohort]) -> pd.DataFrame:
    """Crude and adjusted estimates of the real cohort and of the unlimited cohort.

    Returns
    -------
    pandas.DataFrame
        One row per (world, analysis, cohort): ``world, analysis, cohort`` ("this cohort"
        or "unlimited cohort"), ``estimate, ci_low, ci_high`` (log RR per 25 nmol/L; no
        interval for the unlimited cohort), ``estimand_value`` (the truth on the same
        people), ``scale, n_cases`` (expected onsets for the unlimited cohort),
        ``converged``.
    """
    rows = []
    for world, cohort in cohorts.items():
        sources = {"this cohort": cohort.study.data, "unlimited cohort": unlimited_data(cohort)}
        for source, data in sources.items():
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth,
                                 source == "this cohort", world=world, analysis=analysis,
                                 cohort=source))
    return pd.DataFrame(rows)


def switch_off_steps() -> dict[str, tuple[str, ...]]:
    """The steps of the decomposition: label -> names of the mechanisms switched off."""
    steps = {"the world as it is": ()}
    steps.update({MECHANISMS[name].off: (name,) for name in CONFOUNDERS})
    steps["all five confounding paths off"] = CONFOUNDERS
    steps["... and perfect measurement"] = (*CONFOUNDERS, "measurement")
    return steps


def switch_off(cohorts: dict[str, Cohort], steps: dict | None = None) -> pd.DataFrame:
    """Unlimited-cohort estimates as mechanisms are switched off, in each world.

    Returns
    -------
    pandas.DataFrame
        One row per (world, step, analysis): ``world, step, analysis, estimate,
        estimand_value`` ... as :func:`crude_and_adjusted`. The truth is each world's
        cohort estimand (switching a confounder off leaves the effect of 25(OH)D as is).
    """
    steps = switch_off_steps() if steps is None else steps
    rows = []
    for world, cohort in cohorts.items():
        for step, names in steps.items():
            data = unlimited_data(cohort, [MECHANISMS[name] for name in names])
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, False,
                                 world=world, step=step, analysis=analysis))
    return pd.DataFrame(rows)


def prodrome_effect(cohorts: dict[str, Cohort]) -> pd.DataFrame:
    """The real cohort's estimates with and without reverse causation (same cases).

    The blood draws are re-measured with the prodrome and post-onset losses switched
    off; nothing else changes, so the difference is the prodrome's share alone.
    """
    rows = []
    for world, cohort in cohorts.items():
        for label, names in {"as measured": (), "without reverse causation": ("reverse",)}.items():
            data = realized_data(cohort, [MECHANISMS[name] for name in names])
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, world=world,
                                 draw=label, analysis=analysis))
    return pd.DataFrame(rows)


# --------------------------------------------------------- unmeasured confounders
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


def unmeasured_sweep(cohorts: dict[str, Cohort], hrs_per_sd,
                     cause: str = "health_consciousness") -> pd.DataFrame:
    """Unlimited-cohort adjusted estimates when ``cause`` also acts on MS, unmeasured.

    For each hazard ratio per unit (SD) of ``cause``, the members' hazard comes from
    :func:`with_direct_effect`; the adjusted model cannot include ``cause``.

    Returns
    -------
    pandas.DataFrame
        ``world, hr_per_sd, analysis, estimate, estimand_value`` ...
    """
    rows = []
    for world_name, cohort in cohorts.items():
        for hr in hrs_per_sd:
            world = with_direct_effect(cohort.world, cause, hr)
            data = unlimited_data(cohort, world=world, changes=(HAZARD,))
            for analysis, covariates in ANALYSES.items():
                rows.append(_row(fit_poisson(data, covariates), cohort.truth, False,
                                 world=world_name, hr_per_sd=hr, analysis=analysis))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- plots
def _interval(ax, y, row, **style):
    x = np.exp(row["estimate"])
    error = [[x - np.exp(row["ci_low"])], [np.exp(row["ci_high"]) - x]]
    ax.errorbar([x], [y], xerr=np.clip(error, 0, None), capsize=2, **style)


def _ratio_ticks(ax, ticks=(0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6)):
    low, high = ax.get_xlim()
    ax.minorticks_off()
    ax.set_xticks([t for t in ticks if low <= t <= high],
                  labels=[f"{t:g}" for t in ticks if low <= t <= high])


def estimates_figure(table: pd.DataFrame):
    """Headline figure: this cohort and the unlimited cohort, crude and adjusted, vs truth.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`crude_and_adjusted`.

    Returns
    -------
    matplotlib.figure.Figure
        Rate ratio per +25 nmol/L on a log axis; the truth as a red bar on each row.
    """
    real = table[table["cohort"] == "this cohort"].reset_index(drop=True)
    limit = table[table["cohort"] == "unlimited cohort"].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.0, 3.9))
    y = -np.arange(len(real), dtype=float)
    for position, row in zip(y, real.to_dict("records"), strict=True):
        _interval(ax, position, row, fmt="s", color="black",
                  label="this cohort (95% CI)" if position == 0 else None)
    ax.plot(np.exp(limit["estimate"]), y, "D", mfc="white", color="C0", ms=7,
            label="unlimited cohort (no chance, no prodrome)")
    ax.plot(np.exp(real["estimand_value"]), y, "|", color=TRUTH, ms=20, mew=2.5, label="truth")
    ax.axvline(1.0, color="0.7", lw=0.8, ls=":")
    ax.set_yticks(y, labels=[f"{w} world\n{a}" for w, a
                             in zip(real["world"], real["analysis"], strict=True)])
    ax.set_xscale("log")
    ax.set_xlim(0.4, 1.3)
    _ratio_ticks(ax, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2))
    ax.set_ylim(y[-1] - 0.6, 0.6)
    ax.set_xlabel("rate ratio of MS diagnosis per +25 nmol/L 25(OH)D (log scale)\n"
                  "adjusted: for age, sex, latitude, obesity and smoking")
    fig.legend(loc="upper center", ncol=3, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig


def decomposition_plot(table: pd.DataFrame):
    """Unlimited-cohort rate ratios per +25 nmol/L for each step, one panel per world.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`switch_off`.

    Returns
    -------
    matplotlib.figure.Figure
        Log-scale x axis; the truth as a red line in each panel.
    """
    worlds, steps = list(dict.fromkeys(table["world"])), list(dict.fromkeys(table["step"]))
    fig, axes = plt.subplots(1, len(worlds), figsize=(4.2 * len(worlds) + 2.6, 4.9),
                             sharey=True, squeeze=False)
    styles = {"crude": {"marker": "o", "mfc": "white", "color": "0.45"},
              "adjusted": {"marker": "s", "color": "black"}}
    y = -np.arange(len(steps), dtype=float)
    for ax, world in zip(axes[0], worlds, strict=True):
        part = table[table["world"] == world]
        for analysis, style in styles.items():
            rows = part[part["analysis"] == analysis].set_index("step").loc[steps]
            ax.plot(np.exp(rows["estimate"]), y, ls="none", ms=7,
                    label=ANALYSIS_LABELS[analysis] if ax is axes[0, 0] else None, **style)
        truth = np.exp(part["estimand_value"].iloc[0])
        ax.axvline(truth, color=TRUTH, lw=1.5, zorder=0,
                   label="truth" if ax is axes[0, 0] else None)
        ax.axvline(1.0, color="0.7", lw=0.8, ls=":", zorder=0)
        ax.set(xscale="log", xlim=(0.6, 1.25), title=f"{world} world (truth {truth:.2f})",
               xlabel="rate ratio per +25 nmol/L\n(unlimited cohort, log scale)")
        _ratio_ticks(ax, (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2))
    axes[0, 0].set_yticks(y, labels=steps)
    fig.legend(loc="upper center", ncol=3, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def unmeasured_plot(table: pd.DataFrame):
    """Adjusted rate ratio per +25 nmol/L against the strength of an unmeasured confounder.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`unmeasured_sweep`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(6.6, 4.2))
    adjusted = table[table["analysis"] == "adjusted"]
    for (world, part), colour in zip(adjusted.groupby("world", sort=False), ("C0", "C1"),
                                     strict=False):
        ax.plot(part["hr_per_sd"], np.exp(part["estimate"]), "o-", color=colour,
                label=f"{world} world, adjusted")
        ax.axhline(np.exp(part["estimand_value"].iloc[0]), color=TRUTH, lw=1.5,
                   ls="-" if world == "null" else "--", label=f"truth, {world} world")
    ax.set_yscale("log")
    ax.minorticks_off()
    ticks = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.set_xlabel("HR of MS per SD of health consciousness, not measured\n"
                  "(1 = no direct effect; further right = stronger)")
    ax.set_ylabel("rate ratio per +25 nmol/L\n(unlimited cohort, log scale)")
    ax.invert_xaxis()
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------- widget
class ConfounderPanel:
    """Re-fit the cohort with changed confounder strengths, in about a second.

    The cohort is simulated once (:func:`run_cohort`). Each redraw recomputes every
    member's MS hazard with the world's own equation and the chosen strengths, then
    refits the crude and adjusted models to the real cohort's first ``participants``
    (cases re-weighted, as :func:`realized_data`) and to the unlimited cohort of the first
    ``unlimited_members`` (as :func:`unlimited_data`).

    Parameters
    ----------
    cohort : Cohort
        Usually the null world's.
    unlimited_members : int, optional
        Members used for the unlimited cohort (all if None); no chance is involved, so a
        few hundred thousand suffice.
    """

    def __init__(self, cohort: Cohort, unlimited_members: int | None = None):
        self.cohort, self.limit = cohort, cohort.head(unlimited_members)
        data = self.limit.study.data
        unlimited = data.assign(vitd_nmol=remeasured(self.limit, (MECHANISMS["reverse"],)))
        self.groups = {(source, name): _group_codes(frame, covariates)
                       for source, frame in (("this cohort", cohort.study.data),
                                             ("unlimited cohort", unlimited))
                       for name, covariates in ANALYSES.items()}
        self.natural = member_log_hazard(cohort)

    def log_hazard(self, hr_obesity: float, uvb_hr_per_doubling: float,
                   health_hr_per_sd: float) -> np.ndarray:
        """Members' log hazard with these strengths (health consciousness acting directly).

        The hazard equation draws no random numbers, so it is evaluated on the members'
        own columns only.
        """
        scenario = self.cohort.scenario.with_values(
            {"ms.hr_obesity": hr_obesity, "ms.uvb_hr_per_doubling": uvb_hr_per_doubling})
        world = with_direct_effect(build_world(scenario), "health_consciousness",
                                   health_hr_per_sd)
        parents = world.ancestors(HAZARD)
        reuse = {c: self.cohort.columns[c][self.cohort.rows] for c in parents}
        values = world.evaluate(len(self.cohort.rows), self.cohort.people.attrs["seed"],
                                reuse=reuse, keep=(HAZARD,))
        return values[HAZARD]

    def estimates(self, hr_obesity: float, uvb_hr_per_doubling: float,
                  health_hr_per_sd: float = 1.0, participants: int | None = None) -> dict:
        """``{(cohort, analysis): Estimate}`` in the world with these strengths."""
        log_hazard = self.log_hazard(hr_obesity, uvb_hr_per_doubling, health_hr_per_sd)
        data, keep = self.cohort.study.data, slice(None, participants)
        weights = np.exp(log_hazard - self.natural)
        members = len(self.limit.rows)
        sources = {"this cohort": ((data["event"].to_numpy() * weights)[keep],
                                   data["person_years"].to_numpy()[keep], keep),
                   "unlimited cohort": (*expected_onsets(self.limit, log_hazard[:members]),
                                        slice(None))}
        found = {}
        for (source, name), (table, codes) in self.groups.items():
            events, years, rows = sources[source]
            found[source, name] = est.poisson_rate(_summed(table, codes[rows], events, years),
                                                   "event", "person_years", "vitd_nmol",
                                                   covariates=ANALYSES[name])
        return found

    def draw(self, hr_obesity: float, uvb_hr_per_doubling: float, health_hr_per_sd: float,
             participants_thousands: int):
        """The panel's figure: crude and adjusted rate ratios beside the truth."""
        participants = min(int(participants_thousands * 1000), len(self.cohort.rows))
        found = self.estimates(hr_obesity, uvb_hr_per_doubling, health_hr_per_sd, participants)
        fig, ax = plt.subplots(figsize=(7.6, 3.0))
        for y, name in zip((1.0, 0.0), ANALYSES, strict=True):
            real, limit = found["this cohort", name], found["unlimited cohort", name]
            if real.converged:
                _interval(ax, y, real.to_row(), fmt="s", color="black",
                          label="this cohort (95% CI)" if y else None)
                ax.annotate(f"{real.ratio:.2f}", (real.ratio, y), xytext=(0, 8),
                            textcoords="offset points", ha="center", fontsize="small")
            ax.plot([limit.ratio], [y], "D", mfc="white", color="C0", ms=7,
                    label="unlimited cohort" if y else None)
            ax.annotate(f"{limit.ratio:.2f}", (limit.ratio, y), xytext=(0, -15), color="C0",
                        textcoords="offset points", ha="center", fontsize="small")
        truth = np.exp(self.cohort.truth)
        ax.axvline(truth, color=TRUTH, lw=1.5, label=f"truth ({truth:.2f})")
        ax.set(xscale="log", xlim=(0.45, 1.8), ylim=(-0.6, 1.9))
        ax.set_yticks([1.0, 0.0], labels=["crude", "adjusted for age, sex,\nlatitude, "
                                          "obesity, smoking"])
        _ratio_ticks(ax, (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6))
        cases = found["this cohort", "crude"].n_cases
        ax.set_xlabel(f"rate ratio of MS diagnosis per +25 nmol/L (log scale)\n"
                      f"{participants:,} participants, {cases:,} diagnoses (re-weighted)")
        ax.legend(fontsize="small", loc="upper center", ncol=3, framealpha=1, edgecolor="none")
        fig.tight_layout()
        return fig

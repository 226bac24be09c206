"""What every study design shares: the estimand, the study record and the registry.

A *design* (DeclareDesign's term) takes a simulated population and a random
generator, samples and measures people as a real study would, and returns a
:class:`Study`: the dataset a real analyst would hold, plus the :class:`Estimand`
it targets with its true value computed on the same people. Each design names the
estimators that suit it (:mod:`simlib.estimators`).

Streams: replicate ``i`` of a Monte Carlo run with seed ``s`` uses the population
seed ``SeedSequence(s, spawn_key=(i,))`` and the design generator
``SeedSequence(s, spawn_key=(i, DESIGN_STREAM))``; :func:`replicate_streams` gives both,
so a replicate is the same whatever process or machine runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial

import numpy as np
import pandas as pd

from .. import history
from ..errors import ParameterError, SimlibError, UnknownParameterError, nearest
from ..scenario import SECTIONS, Scenario
from ..scm import Model, node_rng, stream_key
from ..timing import phase
from ..world import build_world

DESIGN_STREAM = stream_key("design")

#: A check of option values together: ``constraint(options) -> message or None``.
Constraint = Callable[[dict], "str | None"]


class DesignDataError(SimlibError):
    """The simulated sample cannot make the study (no eligible people, no cases, no controls).

    Raised by a design's ``sample``; the message is the reason in epidemiological terms
    and says what to raise or widen. A Monte Carlo replicate records it as its ``error``.
    """


@dataclass(frozen=True)
class Estimand:
    """The quantity a design targets, and its true value on the study's people.

    ``value`` is on ``scale``, the same scale as the estimates (log ratios per
    ``per`` nmol/L, for example ``"log HR per 25 nmol/L"``).
    """

    name: str
    value: float
    scale: str


@dataclass
class Study:
    """A dataset as an analyst would hold it, with the estimand it targets."""

    design: str
    data: pd.DataFrame
    estimand: Estimand
    options: dict = field(default_factory=dict)
    # e.g. {"estimands": {estimator: Estimand}}, or "people_rows": the population rows of
    # the data's rows, in order (what only a simulator knows: simlib.bias.audit reads the
    # sampled people's true confounders with them)
    extra: dict = field(default_factory=dict)

    def estimand_for(self, estimator: str | None) -> Estimand:
        """The estimand of ``estimator`` (most estimators share the design's)."""
        return self.extra.get("estimands", {}).get(estimator, self.estimand)


@dataclass(frozen=True)
class Option:
    """A design option: default, allowed range or choices, and meaning."""

    default: object
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    scenario_key: str | None = None  # if set, the option changes this scenario parameter
    kind: type | None = None  # the value's type when the default is None

    def check(self, design: str, name: str, value):
        if value is None and (self.default is None or self.scenario_key):
            return None
        if self.choices:
            if value not in self.choices:
                raise ParameterError(f"--option {name}={value!r} is not allowed for {design}: "
                                     f"use one of {', '.join(map(str, self.choices))}")
            return value
        kind = self.kind or (float if self.default is None else type(self.default))
        if kind is bool:
            if not isinstance(value, bool):
                raise ParameterError(f"--option {name}={value!r} is not allowed for {design}: "
                                     "use true or false")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise ParameterError(f"--option {name}={value!r} is not allowed for {design}: "
                                 f"use a number in [{self.low:g}, {self.high:g}]")
        if kind is int and not float(value).is_integer():
            raise ParameterError(f"--option {name}={value!r} is not allowed for {design}: "
                                 "use a whole number")
        if not self.low <= value <= self.high:
            raise ParameterError(f"--option {name}={value!r} is not allowed for {design}: "
                                 f"use a number in [{self.low:g}, {self.high:g}]")
        return kind(value)


@dataclass(frozen=True)
class Design:
    """A study design: how to sample and measure, what it targets, how to analyse it.

    Parameters
    ----------
    name : str
        CLI name, e.g. ``"nested-case-control"``.
    description : str
        One line for ``python -m simlib designs``.
    sample : callable
        ``sample(world, population, rng, **options) -> Study``.
    estimators : mapping
        Estimator name -> ``f(study) -> Estimate``; the first is the default.
    options : mapping
        Option name -> :class:`Option`.
    columns : tuple of str
        Population columns the design needs (only these and their ancestors are
        simulated).
    population_default : callable, optional
        ``f(options) -> int``: the population when option ``population`` is None.
    age_band : callable, optional
        ``f(options) -> (low, high) or None``: the survey ages ``[low, high)`` outside
        which the design uses nobody (a cohort's or biobank's enrollment ages; None when
        these options use every age). :func:`run_study`
        then simulates only the source population's people in that band (see
        :func:`simulate_people`).
    estimand_columns : callable, optional
        ``f(world) -> tuple of str``: natural-world columns the design's estimand reads
        to compute the same people under an intervention; kept with the population so
        that only the nodes the intervention changes are computed again (for example
        :func:`simlib.designs.common.shifted_hazard_inputs`).
    constraints : tuple of callables
        Checks of options together, run by :meth:`resolve_options` after each option is
        checked alone: ``constraint(options) -> message or None``, where ``options`` is
        the resolved dict and the message is one line naming the options, their values
        and what is allowed (e.g. ``"--option age_low=60 must be below age_high=30 for
        cohort"``). :func:`below` and :func:`within_ages` make the common ones.
    """

    name: str
    description: str
    sample: Callable
    estimators: Mapping[str, Callable]
    options: Mapping[str, Option]
    columns: tuple[str, ...]
    population_default: Callable[[dict], int] | None = None  # when option population is None
    constraints: tuple[Constraint, ...] = ()
    estimand_columns: Callable[[Model], tuple[str, ...]] | None = None
    age_band: Callable[[dict], tuple[float, float]] | None = None

    @property
    def default_estimator(self) -> str:
        return next(iter(self.estimators))

    def resolve_options(self, given: Mapping | None = None) -> dict:
        """Defaults updated with ``given``, each checked, then the ``constraints``.

        Unknown names, values out of range and option pairs that cannot hold (e.g.
        ``age_low`` above ``age_high``) raise :class:`~simlib.errors.ParameterError`
        here, before anything is simulated.
        """
        given = dict(given or {})
        for name in given:
            if name not in self.options:
                raise UnknownParameterError(
                    f"unknown option '{name}' for design {self.name}"
                    f"{nearest(name, self.options)}; options: {', '.join(self.options)}")
        resolved = {name: option.check(self.name, name, given.get(name, option.default))
                    for name, option in self.options.items()}
        for constraint in self.constraints:
            if message := constraint(resolved):
                raise ParameterError(" ".join(str(message).split()))  # one line
        return resolved

    def estimator(self, name: str | None) -> Callable:
        if name is None:
            return self.estimators[self.default_estimator]
        if name not in self.estimators:
            raise UnknownParameterError(
                f"unknown estimator '{name}' for design {self.name}"
                f"{nearest(name, self.estimators)}; estimators: {', '.join(self.estimators)}")
        return self.estimators[name]


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, int | float) else repr(value)


def below(low: str, high: str, design: str, why: str = "", strict: bool = True,
          when: Callable[[dict], bool] | None = None) -> Constraint:
    """Constraint: option ``low`` below option ``high`` (or at most it if not ``strict``).

    ``why`` (after a colon) says what goes wrong otherwise; ``when(options)`` limits the
    check to some settings (e.g. one eligibility).
    """
    def check(options: dict) -> str | None:
        if when is not None and not when(options):
            return None
        a, b = options[low], options[high]
        if a is None or b is None or (a < b if strict else a <= b):
            return None
        relation = "be below" if strict else "not exceed"
        return (f"--option {low}={_number(a)} must {relation} {high}={_number(b)} for {design}"
                + (f": {why}" if why else ""))
    return check


#: The oldest age in the simulated population (survey ages run from 0 to this).
MAX_AGE = float(history.AGE_MAX)
#: The end of the world's 5-year bands of MS onset hazard (``ms.age_shape``): the true
#: effects (:func:`simlib.designs.common.true_log_hr`) integrate the hazard up to here.
ONSET_AGE_END = float(history.band_edges()[-1])


def within_ages(design: str, age: str = "age_low", years: str = "follow_up_years",
                years_default: Callable[[dict], float] | None = None,
                when: Callable[[dict], bool] | None = None) -> Constraint:
    """Constraint: a follow-up of ``years`` from age ``age`` fits the world's ages.

    The youngest entry age must be below :data:`ONSET_AGE_END` (80; from there on the
    world has no onset hazard to define the true effect with), and the youngest
    participant's follow-up must end by :data:`MAX_AGE` (100). ``years_default(options)``
    gives the follow-up when the option is None (trial presets).
    """
    def check(options: dict) -> str | None:
        if when is not None and not when(options):
            return None
        start, span = options[age], options[years]
        if span is None and years_default is not None:
            span = years_default(options)
        if start is None or span is None:
            return None
        if start >= ONSET_AGE_END:
            return (f"--option {age}={_number(start)} is too old for {design}: the world's MS "
                    f"onset hazard (ms.age_shape) ends at age {ONSET_AGE_END:g}, so the true "
                    f"effect of a follow-up starting there is undefined; use {age} below "
                    f"{ONSET_AGE_END:g}")
        if start + span > MAX_AGE:
            return (f"--option {years}={_number(span)} with {age}={_number(start)} follows "
                    f"people past age {MAX_AGE:g}, the oldest age in the simulated world, for "
                    f"{design}: use {years} <= {MAX_AGE - start:g} or {age} <= "
                    f"{MAX_AGE - span:g}")
        return None
    return check


DESIGNS: dict[str, Design] = {}

REGION_CHOICES = ("all", "us", "europe", "north", "australia")


def regions_option(default=None) -> Option:
    """The ``regions`` option every design has: restrict the simulated population."""
    return Option(default, "regions the population lives in (default: the scenario's)",
                  choices=REGION_CHOICES, scenario_key="population.regions")


#: Default calendar year of each design: the era of the studies it stands for (the
#: survey day, or the baseline of a prospective design). A design not listed here
#: uses the scenario's ``calendar.survey_year`` (2010).
DESIGN_YEARS = {
    "ecological": 2005,  # prevalence surveys pooled by Simpson 2011/2019: mostly 1990s-2010s
    "cross-sectional": 2005,  # the prevalent-case surveys of the 1990s-2000s (Duan 2014)
    "hospital-case-control": 2000,  # hospital series of the 1990s-2000s (Duan 2014)
    "cohort": 1990,  # Nurses' Health Studies: baselines 1980 and 1989 (Munger 2004)
    "nested-case-control": 1995,  # DoD serum 1992-2004 (Munger 2006); Finnish maternity
    #                               cohort 1983-2009 (Munger 2017)
    "relapse-cohort": 2003,  # Tasmanian cohort 2002-2005 (Simpson 2010)
    "supplement-users": 2012,  # HOLISM online survey 2012 (Jelinek 2015)
    "supplement-starters": 2012,
    "trial": 2014,  # VITAL 2011-2017, D-Lay MS 2013-2020
    "mr-one-sample": 2008,  # UK Biobank baseline 2006-2010
    "mr-two-sample": 2008,
    "migrants": 1981,  # Australian census of 1981 (McLeod et al. 2011)
}


def year_option(default=None) -> Option:
    """The ``year`` option every design has: the calendar year of its survey or baseline."""
    return Option(default, "calendar year of the survey day or baseline (sets "
                  "calendar.survey_year; see simlib.era and DESIGN_YEARS)", 1950, 2030,
                  scenario_key="calendar.survey_year", kind=int)


def check_not_shadowed(design: Design, scenario: Scenario, options: Mapping | None = None,
                       keys=()) -> None:
    """Refuse a scenario value that one of the design's own option defaults would overwrite.

    The ``year`` option sets ``calendar.survey_year`` to the design's era
    (:data:`DESIGN_YEARS`) unless it is given. A survey year set another way (``--set``,
    a grid key, a scenario file, ``Scenario.with_values``) would be silently replaced, so
    it is refused with the option to use instead. ``keys`` are the scenario keys the user
    set explicitly; a value that differs from the parameter's default counts as set.
    """
    given = dict(options or {})
    for name, option in design.options.items():
        key = option.scenario_key
        if key is None or option.default is None or given.get(name) is not None:
            continue
        section, field_name = key.split(".")
        default = getattr(SECTIONS[section](), field_name)
        value = scenario.get(key)
        if key in keys or value != default:
            raise ParameterError(
                f"{key}={value:g} would be replaced by {design.name}'s option {name} "
                f"(default {option.default}): use --option {name}={value:g} "
                f"(options={{'{name}': {value:g}}} in Python) instead")


def register_design(design: Design) -> Design:
    """Add a design to the registry (teachers can add their own).

    Every design gets the ``regions`` and ``year`` options unless it declares its own;
    the ``year`` default comes from :data:`DESIGN_YEARS`.
    """
    if "regions" not in design.options:
        design = replace(design, options={**design.options, "regions": regions_option()})
    if "year" not in design.options:
        year = year_option(DESIGN_YEARS.get(design.name))
        design = replace(design, options={**design.options, "year": year})
    DESIGNS[design.name] = design
    return design


def get_design(name: str) -> Design:
    """The registered design called ``name``."""
    if name not in DESIGNS:
        raise UnknownParameterError(
            f"unknown design '{name}'{nearest(name, DESIGNS)}; designs: {', '.join(DESIGNS)}")
    return DESIGNS[name]


def replicate_streams(seed: int, index: int) -> tuple[np.random.SeedSequence, np.random.Generator]:
    """Population seed and design generator of replicate ``index`` of a run with ``seed``."""
    population = np.random.SeedSequence(seed, spawn_key=(index,))
    design = np.random.SeedSequence(seed, spawn_key=(index, DESIGN_STREAM))
    return population, np.random.default_rng(design)


@lru_cache(maxsize=8)
def cached_world(scenario: Scenario) -> Model:
    """``build_world(scenario)``, built once per process."""
    return build_world(scenario)


def run_study(scenario: Scenario, design: str | Design, seed: int, index: int = 0,
              options: Mapping | None = None, population_size: int | None = None,
              world: Model | None = None) -> Study:
    """Simulate replicate ``index``: a population, then the design's sample and measures.

    ``options`` may include ``population`` (the number of people simulated before the
    design samples from them); each design has its own default.
    """
    return simulate_study(scenario, design, seed, index, options, population_size, world)[0]


def simulate_study(scenario: Scenario, design: str | Design, seed: int, index: int = 0,
                   options: Mapping | None = None, population_size: int | None = None,
                   world: Model | None = None, extra_columns=()) -> tuple[Study, Model,
                                                                          pd.DataFrame]:
    """:func:`run_study`, returning also the world and the population the study was drawn
    from (with ``extra_columns`` kept besides the design's): what a simulator can check
    against, e.g. the sampled people's true confounders (``Study.extra["people_rows"]``)."""
    design = get_design(design) if isinstance(design, str) else design
    resolved = design.resolve_options(options)
    check_not_shadowed(design, scenario, options)
    population_seed, rng = replicate_streams(seed, index)
    size = population_size or resolved["population"] or design.population_default(resolved)
    scenario = _apply_scenario_options(scenario, design, resolved)
    band = design.age_band(resolved) if design.age_band is not None and world is None else None
    world = cached_world(scenario) if world is None else world
    columns = design.columns
    if design.estimand_columns is not None and columns is not None:
        columns = tuple(dict.fromkeys((*columns, *design.estimand_columns(world))))
    if columns is not None and extra_columns:
        columns = tuple(dict.fromkeys((*columns, *extra_columns)))
    with phase("simulate"):
        world, people = simulate_people(scenario, world, size, population_seed, columns, band)
    with phase("sample"):
        study = design.sample(world, people, rng, **{
            name: value for name, value in resolved.items()
            if not design.options[name].scenario_key})
    study.options.update(resolved)  # the options the study ran with, defaults included
    return study, world, people


def simulate_people(scenario: Scenario, world: Model, size: int, seed, columns=None,
                    age_band: tuple[float, float] | None = None) -> tuple[Model, pd.DataFrame]:
    """The people of a replicate: ``size`` people of ``world``, or, given ``age_band``
    ``(low, high)``, only those of them aged ``[low, high)`` on the survey day.

    With a band, the number in it is drawn as Binomial(``size``, share of the stationary
    population in the band) from the population seed's stream ``"age_band_people"``, and
    each of them is simulated with the world's ``age`` node replaced by
    :func:`simlib.history.stationary_age_between`. Age is a root of the causal graph
    and every other equation acts person by person, so these are, in distribution,
    exactly the people of the band among ``size`` simulated people, and a design that
    enrols only them has the same sample, estimand and sampling distribution; only the
    random numbers differ. The biobank's source population of 4 million has about
    9% aged 18-26, so it is simulated at a tenth of the cost (issue 11). Only a
    scenario's own world is banded (``world`` as :func:`cached_world` builds it): a
    custom world may have changed the age node.

    Returns
    -------
    (Model, pandas.DataFrame)
        The world the people come from (the banded one, if banded) and the people, with
        ``attrs`` ``seed``, ``scenario``, ``source_population`` (``size``) and
        ``simulated`` (the rows simulated, in order: what row-by-row draws rely on).
    """
    count = size
    if age_band is not None:
        world, share = age_band_world(scenario, *age_band)
        count = int(node_rng(seed, "age_band_people").binomial(size, share))
        if count == 0:
            raise DesignDataError(f"nobody aged {age_band[0]:g}-{age_band[1]:g} among the "
                                  f"{size:,} people simulated: raise population or widen "
                                  "the ages")
    people = world.sample(count, seed, columns=columns)
    people.attrs.update(seed=seed, scenario=scenario, source_population=size,
                        simulated=count)
    return world, people


#: Seed of the reference populations on which designs compute their estimand once per
#: scenario instead of per replicate (the same for every scenario and design: common
#: random numbers), and the bounds on the number of people of a banded one.
REFERENCE_SEED = 20_261_207
REFERENCE_PEOPLE_RANGE = (20_000, 1_000_000)


def reference_size(world: Model, people: pd.DataFrame, low: float, high: float) -> int | None:
    """People in the reference population of a design that enrols ages ``[low, high)``:
    as many as its source population holds in the band on average (within
    :data:`REFERENCE_PEOPLE_RANGE`), or None when ``world`` is not the scenario's own
    banded world (a custom world: its estimand is computed on the replicate's people)."""
    band_world, share = age_band_world(people.attrs["scenario"], low, high)
    if world is not band_world:
        return None
    smallest, largest = REFERENCE_PEOPLE_RANGE
    return int(np.clip(round(people.attrs["source_population"] * share), smallest, largest))


def reference_people(scenario: Scenario, low: float, high: float, size: int,
                     columns) -> tuple[Model, pd.DataFrame]:
    """``size`` people aged ``[low, high)`` of ``scenario`` with ``columns``, seed
    :data:`REFERENCE_SEED`, and their (banded) world."""
    world, _ = age_band_world(scenario, low, high)
    seed = np.random.SeedSequence(REFERENCE_SEED)
    people = world.sample(size, seed, columns)
    people.attrs.update(seed=seed, scenario=scenario)
    return world, people


@lru_cache(maxsize=16)
def age_band_world(scenario: Scenario, low: float, high: float) -> tuple[Model, float]:
    """The scenario's world with ages drawn within ``[low, high)``, and the share of the
    stationary population in that band (see :func:`simulate_people`)."""
    world = cached_world(scenario)
    age = partial(history.stationary_age_between, pop=scenario.population, low=low, high=high)
    band_world = world.replace_node("age", age, parents=(),
                                    doc=f"age at the survey, within [{low:g}, {high:g})")
    return band_world, history.age_share(scenario.population, low, high)


def _apply_scenario_options(scenario: Scenario, design: Design, options: dict) -> Scenario:
    """Write options that stand for world parameters (e.g. MR pleiotropy) into the scenario."""
    values = {option.scenario_key: options[name] for name, option in design.options.items()
              if option.scenario_key and options.get(name) is not None}
    return scenario.with_values(values) if values else scenario

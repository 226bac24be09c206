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
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import ParameterError, UnknownParameterError, nearest
from ..scenario import Scenario
from ..scm import Model, stream_key
from ..world import build_world

DESIGN_STREAM = stream_key("design")


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
    extra: dict = field(default_factory=dict)  # e.g. {"estimands": {estimator: Estimand}}

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
    """

    name: str
    description: str
    sample: Callable
    estimators: Mapping[str, Callable]
    options: Mapping[str, Option]
    columns: tuple[str, ...]
    population_default: Callable[[dict], int] | None = None  # when option population is None

    @property
    def default_estimator(self) -> str:
        return next(iter(self.estimators))

    def resolve_options(self, given: Mapping | None = None) -> dict:
        """Defaults updated with ``given``, each checked; unknown names are errors."""
        given = dict(given or {})
        for name in given:
            if name not in self.options:
                raise UnknownParameterError(
                    f"unknown option '{name}' for design {self.name}"
                    f"{nearest(name, self.options)}; options: {', '.join(self.options)}")
        return {name: option.check(self.name, name, given.get(name, option.default))
                for name, option in self.options.items()}

    def estimator(self, name: str | None) -> Callable:
        if name is None:
            return self.estimators[self.default_estimator]
        if name not in self.estimators:
            raise UnknownParameterError(
                f"unknown estimator '{name}' for design {self.name}"
                f"{nearest(name, self.estimators)}; estimators: {', '.join(self.estimators)}")
        return self.estimators[name]


DESIGNS: dict[str, Design] = {}

REGION_CHOICES = ("all", "us", "europe", "north", "australia")


def regions_option(default=None) -> Option:
    """The ``regions`` option every design has: restrict the simulated population."""
    return Option(default, "regions the population lives in (default: the scenario's)",
                  choices=REGION_CHOICES, scenario_key="population.regions")


def register_design(design: Design) -> Design:
    """Add a design to the registry (teachers can add their own).

    Every design gets the ``regions`` option unless it declares its own.
    """
    if "regions" not in design.options:
        design = replace(design, options={**design.options, "regions": regions_option()})
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
    design = get_design(design) if isinstance(design, str) else design
    resolved = design.resolve_options(options)
    population_seed, rng = replicate_streams(seed, index)
    size = population_size or resolved["population"] or design.population_default(resolved)
    scenario = _apply_scenario_options(scenario, design, resolved)
    world = cached_world(scenario) if world is None else world
    people = world.sample(size, population_seed, columns=design.columns)
    people.attrs.update(seed=population_seed, scenario=scenario)
    study = design.sample(world, people, rng, **{name: value for name, value in resolved.items()
                                                 if not design.options[name].scenario_key})
    study.options.update(resolved)  # the options the study ran with, defaults included
    return study


def _apply_scenario_options(scenario: Scenario, design: Design, options: dict) -> Scenario:
    """Write options that stand for world parameters (e.g. MR pleiotropy) into the scenario."""
    values = {option.scenario_key: options[name] for name, option in design.options.items()
              if option.scenario_key and options.get(name) is not None}
    return scenario.with_values(values) if values else scenario

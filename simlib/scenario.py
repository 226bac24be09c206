"""Scenarios: a complete, validated set of the world's parameters.

A scenario file is TOML with one table per section of :mod:`simlib.sections`
(``[ms]``, ``[vitamin_d]``, ...) and an optional ``[scenario]`` table with ``name``
and ``description``. Keys left out keep their defaults. Command-line overrides use
``section.key=value`` with a TOML value (``ms.hr_female=2.1``,
``ms.age_shape=[0, 0.1, ...]``, ``ms.vitd_effect_shape="threshold"``).

Unknown keys, wrong types and out-of-range values raise a one-line
:class:`~simlib.errors.SimlibError` naming the key, the value and what is allowed,
with the nearest key suggested for a typo.

Examples
--------
>>> from simlib.scenario import load_scenario
>>> causal = load_scenario("causal")
>>> causal.ms.vitd_hr_per_25nmol < 1
True
>>> tweaked = causal.with_overrides(["ms.hr_female=2.0"])
>>> tweaked.ms.hr_female
2.0
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import ParameterError, ScenarioFileError, UnknownParameterError, nearest
from .params import field_names, spec_of
from .sections import (
    AncestryParams,
    BehaviourParams,
    GeneticsParams,
    InfectionParams,
    MeasurementParams,
    MSParams,
    PopulationParams,
    RelapseParams,
    ReverseCausationParams,
    SunParams,
    VitaminDParams,
)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"

SECTIONS = {
    cls.section_name: cls
    for cls in (PopulationParams, AncestryParams, GeneticsParams, BehaviourParams,
                InfectionParams, SunParams, VitaminDParams, MSParams, ReverseCausationParams,
                RelapseParams, MeasurementParams)
}


@dataclass(frozen=True)
class Scenario:
    """All parameters of one world. Change one with :meth:`with_overrides` or ``replace``."""

    name: str = "custom"
    description: str = ""
    population: PopulationParams = field(default_factory=PopulationParams)
    ancestry: AncestryParams = field(default_factory=AncestryParams)
    genetics: GeneticsParams = field(default_factory=GeneticsParams)
    behaviour: BehaviourParams = field(default_factory=BehaviourParams)
    infection: InfectionParams = field(default_factory=InfectionParams)
    sun: SunParams = field(default_factory=SunParams)
    vitamin_d: VitaminDParams = field(default_factory=VitaminDParams)
    ms: MSParams = field(default_factory=MSParams)
    reverse_causation: ReverseCausationParams = field(default_factory=ReverseCausationParams)
    relapse: RelapseParams = field(default_factory=RelapseParams)
    measurement: MeasurementParams = field(default_factory=MeasurementParams)

    def __deepcopy__(self, memo):
        """A scenario is immutable (frozen records of numbers, strings and tuples), so a
        deep copy is the scenario itself. pandas deep-copies ``DataFrame.attrs`` (where the
        designs keep the scenario) on every column access; copying it each time cost more
        than the designs' own work."""
        return self

    def sections(self):
        """``(section name, section record)`` pairs in file order."""
        return [(name, getattr(self, name)) for name in SECTIONS]

    def with_values(self, values: dict) -> Scenario:
        """Return a copy with ``{"section.key": value}`` changed (validated)."""
        changes: dict[str, dict] = {}
        for dotted, value in values.items():
            section, key = split_key(dotted)
            changes.setdefault(section, {})[key] = value
        updated = {s: replace(getattr(self, s), **kv) for s, kv in changes.items()}
        return replace(self, **updated)

    def with_overrides(self, assignments) -> Scenario:
        """Apply ``--set`` style strings ``"section.key=value"``."""
        return self.with_values(dict(parse_assignment(a) for a in assignments))

    def get(self, dotted: str):
        """Value of ``"section.key"``."""
        section, key = split_key(dotted)
        return getattr(getattr(self, section), key)

    def to_toml(self) -> str:
        """A complete, editable scenario file with units, ranges and sources as comments."""
        lines = ["[scenario]", f"name = {_toml_value(self.name)}",
                 f"description = {_toml_value(self.description)}"]
        for name, section in self.sections():
            lines += ["", f"[{name}]"]
            for key in field_names(section):
                spec = spec_of(section, key)
                lines.append(f"# {spec.doc} [{spec.unit or 'choice'}; {spec.allowed()}]")
                lines.append(f"# source: {spec.source}")
                lines.append(f"{key} = {_toml_value(getattr(section, key))}")
        return "\n".join(lines) + "\n"


def split_key(dotted: str) -> tuple[str, str]:
    """Check ``"section.key"`` and return its two parts."""
    all_keys = [f"{s}.{k}" for s, cls in SECTIONS.items() for k in field_names(cls)]
    if not isinstance(dotted, str) or dotted.count(".") != 1:
        raise UnknownParameterError(
            f"parameter {dotted!r} is not of the form section.key{nearest(str(dotted), all_keys)}")
    section, key = dotted.split(".")
    if section not in SECTIONS:
        raise UnknownParameterError(
            f"unknown section '{section}' in '{dotted}'{nearest(dotted, all_keys)}; sections: "
            + ", ".join(SECTIONS))
    if key not in field_names(SECTIONS[section]):
        raise UnknownParameterError(f"unknown parameter '{dotted}'{nearest(dotted, all_keys)}")
    return section, key


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse ``"section.key=value"``; the value is read as TOML (bare words as strings)."""
    if not isinstance(text, str) or "=" not in text:
        raise ParameterError(f"--set {text!r} is not of the form section.key=value")
    dotted, raw = (part.strip() for part in text.split("=", 1))
    split_key(dotted)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return dotted, value


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def scenario_names() -> list[str]:
    """Names of the scenarios shipped in ``data/scenarios``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path) -> Scenario:
    """Load a shipped scenario by name (``"null"``) or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        if str(name_or_path) not in scenario_names():
            raise UnknownParameterError(
                f"unknown scenario '{name_or_path}'{nearest(str(name_or_path), scenario_names())}"
                f"; shipped: {', '.join(scenario_names())}, or give a path to a .toml file")
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioFileError(f"cannot read scenario file {path}: {err.strerror}") from None
    return scenario_from_toml(text, default_name=path.stem, origin=str(path))


def scenario_from_toml(text: str, default_name: str = "custom", origin: str = "<text>"):
    """Build a :class:`Scenario` from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioFileError(f"{origin} is not valid TOML: {err}") from None
    meta = data.pop("scenario", {})
    if not isinstance(meta, dict) or set(meta) - {"name", "description"}:
        raise UnknownParameterError(
            f"{origin}: [scenario] takes only 'name' and 'description'")
    values = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise UnknownParameterError(
                f"{origin}: unknown section [{section}]{nearest(section, SECTIONS)}")
        if not isinstance(table, dict):
            raise ParameterError(f"{origin}: '{section}' must be a [{section}] table")
        values.update({f"{section}.{key}": value for key, value in table.items()})
    base = Scenario(name=str(meta.get("name", default_name)),
                    description=str(meta.get("description", "")))
    return base.with_values(values)


def describe(scenario: Scenario) -> list[dict]:
    """One row per parameter: key, value, unit, allowed, default, source, meaning."""
    rows = []
    for name, section in scenario.sections():
        for f in fields(section):
            spec = f.metadata["spec"]
            rows.append({"key": f"{name}.{f.name}", "value": getattr(section, f.name),
                         "unit": spec.unit, "allowed": spec.allowed(), "default": f.default,
                         "source": spec.source, "meaning": spec.doc})
    return rows

"""Scenarios: a complete, validated set of the world's parameters.

A scenario file is TOML with one table per section of :mod:`simlib.sections`
(``[ms]``, ``[vitamin_d]``, ...) and an optional ``[scenario]`` table with ``name``
and ``description``. Keys left out keep their defaults. Command-line overrides use
``section.key=value`` with a TOML value (``ms.hr_female=2.1``,
``ms.age_shape=[0, 0.1, ...]``, ``ms.vitd_effect_shape="threshold"``).

Unknown keys, wrong types and out-of-range values raise a one-line
:class:`~simlib.errors.SimlibError` naming the file, the key, the value and what is
allowed, with the nearest key suggested for a typo. So does a file that is not a
scenario at all: not UTF-8 text, binary, empty, larger than :data:`MAX_SCENARIO_BYTES`
(read bounded, so ``/dev/zero`` cannot hang it), not a regular file, a key above the
first ``[section]`` header, a key or table set twice, or any other TOML syntax error
(the message quotes the offending line). Reading the file and wording those messages is
:mod:`simlib.scenario_files`; this module builds and validates the :class:`Scenario`.

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

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .disability import DisabilityParams
from .era import CalendarParams
from .errors import (
    ParameterError,
    ScenarioFileError,
    SimlibError,
    UnknownParameterError,
    nearest,
)
from .params import field_names, spec_of
from .residence import ResidenceParams
from .scenario_files import (
    _MAKE_ONE,
    _brief,
    _decode,
    _meta,
    _not_text,
    _outside_sections,
    _parse_toml,
    _printable,
    _read_bounded,
    _unknown_key,
)
from .scenario_files import MAX_SCENARIO_BYTES as MAX_SCENARIO_BYTES  # re-exported
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
                RelapseParams, MeasurementParams, CalendarParams, DisabilityParams,
                ResidenceParams)
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
    calendar: CalendarParams = field(default_factory=CalendarParams)
    disability: DisabilityParams = field(default_factory=DisabilityParams)
    residence: ResidenceParams = field(default_factory=ResidenceParams)

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
            _check_not_huge(dotted, value, spec_of(SECTIONS[section], key))
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
    except (ValueError, RecursionError):  # not TOML (TOMLDecodeError), 4300+ digits, nesting
        value = raw
    return dotted, value


def _check_not_huge(dotted: str, value, spec) -> None:
    """Refuse whole numbers too large for a float (validation would overflow)."""
    for item in value if isinstance(value, list | tuple) else [value]:
        if isinstance(item, int) and not isinstance(item, bool):
            try:
                float(item)
            except OverflowError:
                digits = int(item.bit_length() * 0.30103) + 1
                raise ParameterError(
                    f"{dotted} = <a whole number of about {digits} digits> is not allowed "
                    f"(too large): use {spec.allowed()}") from None


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
    """Load a shipped scenario by name or a TOML scenario file by path.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A shipped scenario's name (``"null"``, see :func:`scenario_names`) or the path
        of a scenario file. A path is read even without the ``.toml`` suffix when the
        file exists.

    Returns
    -------
    Scenario
        The validated scenario; keys the file leaves out keep their defaults.

    Raises
    ------
    SimlibError
        A one-line message naming the file and the problem: unknown scenario name,
        unreadable or missing file, not a regular file, larger than
        :data:`MAX_SCENARIO_BYTES`, not UTF-8 text, binary, empty, bad TOML, or a bad
        key or value (see :func:`scenario_from_toml`).
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise ScenarioFileError(
            f"load_scenario needs a scenario name or a path to a .toml file, "
            f"not {_brief(name_or_path)}")
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        if str(name_or_path) not in scenario_names():
            shown = _printable(str(name_or_path))
            raise UnknownParameterError(
                f"unknown scenario '{shown}'{nearest(str(name_or_path), scenario_names())}"
                f"; shipped: {', '.join(scenario_names())}, or give a path to a .toml file")
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    origin = _printable(str(path))
    text = _decode(_read_bounded(path, origin), origin)
    return scenario_from_toml(text, default_name=path.stem, origin=origin)


def scenario_from_toml(text: str, default_name: str = "custom", origin: str = "<text>"):
    """Build a :class:`Scenario` from the TOML text of a scenario file.

    Parameters
    ----------
    text : str
        The TOML: ``[section]`` tables of ``key = value`` and an optional ``[scenario]``
        table with string ``name`` and ``description``. A leading byte-order mark is
        ignored.
    default_name : str
        The scenario's name when ``[scenario]`` gives none.
    origin : str
        Where the text comes from (the file's path), named in every error message.

    Returns
    -------
    Scenario
        The validated scenario; keys left out keep their defaults.

    Raises
    ------
    SimlibError
        A one-line message starting with ``origin``: NUL characters (binary), no table
        at all, TOML syntax (with the line's text; a key or table set twice), a key
        outside any section, an unknown section or key, a non-string ``name`` or
        ``description``, or a bad value (the class of the validation error is kept).
    """
    origin = _printable(str(origin))
    if isinstance(text, bytes | bytearray):
        text = _decode(bytes(text), origin)
    elif not isinstance(text, str):
        raise ScenarioFileError(f"{origin}: scenario text must be a str, not {_brief(text)}")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise _not_text(origin, "it contains NUL characters")
    data = _parse_toml(text, origin)
    if not data:
        what = "is empty" if not text.strip() else "is empty (it has only comments)"
        raise ScenarioFileError(
            f"scenario file {origin} {what}: a scenario needs at least one [section] table "
            f"({_MAKE_ONE})")
    meta = _meta(data.pop("scenario", {}), origin)
    values = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise _outside_sections(section, table, origin, SECTIONS)
        if not isinstance(table, dict):
            raise ParameterError(
                f"{origin}: '{section}' must be a [{section}] table, not {_brief(table)}: "
                f"write [{section}] on a line of its own with its keys below it")
        keys = field_names(SECTIONS[section])
        for key, value in table.items():
            dotted = f"{section}.{key}"
            if key not in keys:
                raise _unknown_key(section, key, origin, SECTIONS)
            values[dotted] = value
    base = Scenario(name=meta.get("name", str(default_name)),
                    description=meta.get("description", ""))
    try:
        return base.with_values(values)
    except SimlibError as err:
        raise type(err)(f"{origin}: {err}") from None


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

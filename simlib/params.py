"""Machinery for validated parameter records (frozen dataclasses).

A parameter section is a frozen dataclass whose fields are declared with
:func:`param`, which records the unit, the allowed range and the source. A section
validates every field on construction, so a bad value can never reach the world.
The sections themselves (the world's parameters) live in :mod:`simlib.scenario`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from .errors import ParameterError


@dataclass(frozen=True)
class Spec:
    """What a parameter means: unit, allowed range or choices, source, description."""

    unit: str
    low: float | None = None
    high: float | None = None
    source: str = ""
    doc: str = ""
    choices: tuple[str, ...] = ()
    length: int | None = None  # for tuples of numbers

    def allowed(self) -> str:
        """Human description of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        bounds = f"a number in [{self.low:g}, {self.high:g}]"
        if self.length is not None:
            return f"a list of {self.length} numbers, each in [{self.low:g}, {self.high:g}]"
        return bounds


def param(default, unit: str, low=None, high=None, source: str = "", doc: str = "",
          choices=(), length=None):
    """Declare a parameter field with its unit, range and source."""
    spec = Spec(unit, low, high, source, doc, tuple(choices), length)
    return field(default=default, metadata={"spec": spec})


def spec_of(section_cls, name: str) -> Spec:
    """The :class:`Spec` of field ``name`` of a section class or instance."""
    for f in fields(section_cls):
        if f.name == name:
            return f.metadata["spec"]
    raise KeyError(name)


def field_names(section) -> list[str]:
    """Names of a section's parameters, in declaration order."""
    return [f.name for f in fields(section)]


class Section:
    """Mixin: validate every field of a frozen dataclass on construction."""

    section_name = "section"

    def __post_init__(self):
        for f in fields(self):
            value = coerce(self.section_name, f.name, getattr(self, f.name), f.metadata["spec"],
                           type(f.default))
            object.__setattr__(self, f.name, value)
        self.check()

    def check(self) -> None:
        """Cross-field checks; sections override this."""


def _bad(section: str, name: str, value, spec: Spec, why: str = "") -> ParameterError:
    extra = f" ({why})" if why else ""
    return ParameterError(
        f"{section}.{name} = {value!r} is not allowed{extra}: use {spec.allowed()}"
        f"{' ' + spec.unit if spec.unit and not spec.choices else ''}"
    )


def coerce(section: str, name: str, value, spec: Spec, kind: type):
    """Check ``value`` against ``spec`` and return it as the field's type."""
    if spec.choices:
        if not isinstance(value, str) or value not in spec.choices:
            raise _bad(section, name, value, spec)
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise ParameterError(f"{section}.{name} = {value!r} is not allowed: use true or false")
        return value
    if kind is tuple:
        if not isinstance(value, list | tuple) or (
            spec.length is not None and len(value) != spec.length
        ):
            raise _bad(section, name, value, spec, "wrong length or not a list")
        return tuple(_number(section, name, v, spec, float, value) for v in value)
    return _number(section, name, value, spec, kind, value)


def _number(section, name, value, spec: Spec, kind: type, shown):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(section, name, shown, spec, "not a number")
    if kind is int and not float(value).is_integer():
        raise _bad(section, name, shown, spec, "not a whole number")
    if not math.isfinite(value):
        raise _bad(section, name, shown, spec, "not finite")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise _bad(section, name, shown, spec, "out of range")
    return int(value) if kind is int else float(value)

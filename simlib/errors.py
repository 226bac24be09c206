"""The ``SimlibError`` family: one-line messages in epidemiological terms.

Every error a user can provoke (a scenario file, a ``--set`` override, a function
argument, a model definition) raises a subclass of :class:`SimlibError` whose message
names the parameter, the bad value and what is allowed. The command-line interface
prints that one line and exits with status 2.
"""

from __future__ import annotations

import difflib


class SimlibError(Exception):
    """Base class of every error raised on purpose by simlib."""


class ParameterError(SimlibError, ValueError):
    """A parameter value is of the wrong type, not finite, or out of range."""


class UnknownParameterError(SimlibError, KeyError):
    """A scenario key or section does not exist."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])


class ScenarioFileError(SimlibError):
    """A scenario file cannot be read or parsed."""


class ModelError(SimlibError):
    """A structural causal model is malformed (cycle, missing parent, bad node)."""


def nearest(name: str, candidates) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


class OutputError(SimlibError):
    """An output path cannot be written (wrong type, missing folder, not writable)."""


class StudyFailedError(SimlibError):
    """Every replicate of a Monte Carlo run failed; the message counts them by reason."""

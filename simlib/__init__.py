"""vitd-sim: simulated worlds in which we know whether vitamin D prevents MS.

The public names are re-exported here; see DESIGN.md for the data flow.
"""

from .errors import (
    ModelError,
    ParameterError,
    ScenarioFileError,
    SimlibError,
    UnknownParameterError,
)
from .scenario import Scenario, load_scenario, scenario_names
from .scm import Model, Node
from .world import build_world


def __getattr__(name):
    # REGIONS is a pandas DataFrame built on first use (see simlib.world), so that
    # `import simlib` does not import pandas.
    if name == "REGIONS":
        from .world import REGIONS
        return REGIONS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REGIONS",
    "Model",
    "ModelError",
    "Node",
    "ParameterError",
    "Scenario",
    "ScenarioFileError",
    "SimlibError",
    "UnknownParameterError",
    "build_world",
    "load_scenario",
    "scenario_names",
]

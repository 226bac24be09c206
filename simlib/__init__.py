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
from .world import REGIONS, build_world

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

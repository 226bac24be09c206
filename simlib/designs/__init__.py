"""Study designs. Importing this package registers every design (see ``DESIGNS``).

Each design takes a simulated population and a random generator and returns a
:class:`~simlib.designs.base.Study`: the dataset an analyst would hold and the
estimand it targets, with its true value computed on the same people.
"""

from . import mendelian, observational, prospective, relapses, trial  # noqa: F401  (registration)
from .base import DESIGNS, Design, Estimand, Option, Study, get_design, register_design, run_study

__all__ = ["DESIGNS", "Design", "Estimand", "Option", "Study", "get_design", "register_design",
           "run_study"]

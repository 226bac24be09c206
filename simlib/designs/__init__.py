"""Study designs. Importing this package registers every design (see ``DESIGNS``).

Each design takes a simulated population and a random generator and returns a
:class:`~simlib.designs.base.Study`: the dataset an analyst would hold and the
estimand it targets, with its true value computed on the same people.
"""

from . import (  # noqa: F401  (registration)
    mendelian,
    migrants,
    observational,
    prospective,
    relapses,
    trial,
)
from .base import (
    DESIGNS,
    Design,
    DesignDataError,
    Estimand,
    Option,
    Study,
    get_design,
    register_design,
    run_study,
)

#: Designs in teaching order (the registry holds them in import order).
ORDER = ("ecological", "cross-sectional", "hospital-case-control", "cohort",
         "nested-case-control", "trial", "mr-one-sample", "mr-two-sample", "relapse-cohort",
         "supplement-users", "supplement-starters", "migrants")


def design_names() -> list[str]:
    """Registered designs: the shipped ones in teaching order, then any added ones."""
    return [n for n in ORDER if n in DESIGNS] + [n for n in DESIGNS if n not in ORDER]


__all__ = ["DESIGNS", "ORDER", "Design", "DesignDataError", "Estimand", "Option", "Study",
           "design_names", "get_design", "register_design", "run_study"]

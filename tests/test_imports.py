"""``import simlib`` and the command line's startup stay light (issue 11).

pandas, SciPy, statsmodels and matplotlib cost about 1.2 s to import together; a
user's ``--help`` or a one-line bad-input error should not wait for them. Their time is
measured in ``benchmarks/bench_engine.py``; here we check only which modules load.
"""

import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "statsmodels", "matplotlib")


def loaded_after(code):
    probe = (f"import sys\n{code}\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    return result.stdout.split()


@pytest.mark.parametrize("code", [
    "import simlib",
    "from simlib import build_world, load_scenario\nload_scenario('null')",
    "import simlib.cli",
])
def test_no_heavy_import(code):
    assert loaded_after(code) == []


def test_regions_table_still_public():
    """``simlib.REGIONS`` is built on first use and is the same table as the arrays."""
    import numpy as np

    import simlib
    from simlib import world

    assert list(simlib.REGIONS["region"]) == list(world.REGION_NAMES)
    assert simlib.REGIONS is world.REGIONS
    for column in world.REGION_COLUMNS[1:]:
        np.testing.assert_array_equal(simlib.REGIONS[column].to_numpy(),
                                      world.region_column(column))
    with pytest.raises(AttributeError, match="no attribute 'REGION'"):
        simlib.REGION  # noqa: B018

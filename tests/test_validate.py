"""The validation set: published figures the world was never fitted to (simlib.validate).

The figures are computed from large seeded populations and compared by their stated
rules. The tests check that every figure is computed (or reported as not computable
for a named reason), and that the number of hits does not fall below the count
recorded when the mechanism it tests was added: a change that loses a hit fails here
and must be argued for (lower the floor in the same commit, with the reason).
"""

import json
import math
from pathlib import Path

import pytest

from simlib import load_scenario
from simlib.calibrate import published_figures
from simlib.cli import main
from simlib.validate import CHECKS, hit, validation_table

N = 2_000_000
#: Hits recorded for N and the default seed. Before issue 10's mechanisms: null 5 of
#: 17 and causal 5 of 17 (3,000,000 people per year). Calendar time (simlib.era) took
#: both to 3: the birth-year trend of the F:M ratio (Orton 2006, 2010) loses the
#: 1930s-cohort ratio the constant ratio met by accident (1.37 vs 1.93) and moves the
#: US prevalence F:M to the edge of its tolerance (2.37 vs 2.38 in null); the era
#: figures it was added for (cases vs controls by era) move the right way but not yet
#: into range (tracking, disability and outdoor time after onset are still missing).
#: The drift of 25(OH)D over the years with the supplement era in each draw's year
#: (simlib.drift, simlib.repeat_measures) hits Tromso's 13-year tracking in both (0.44
#: vs 0.40) and misses the 21-year one less (0.39 vs 0.29); null 4, causal 3.
#: Residence history (simlib.residence) computes the migrant figure chosen before it
#: (McLeod 2011, UK-born Australians arriving at 0-14 vs 15-39: 0.21 vs 0.41, a miss:
#: the world's UK-Australia contrast is far too large) and moves the US cohort latitude
#: HR from 0.34 to 0.38 (published 0.72): null 4 of 18, causal 3 of 18.
#: Ancestry groups (simlib.ancestry) replace skin colour as the proxy for race: the
#: Black-White prevalence ratio is now 0.70 in null (0.80; a hit at the edge of its
#: 15%) and 0.85 in causal (a new hit); the two figures chosen with them (Hispanic-White
#: prevalence 0.35 vs 0.43, White incidence at 34 N 1.7 vs 6.9) miss; the refitted
#: latitude factor moves the Nurses' contrast to 0.52 (0.72) and the migrants to 0.26
#: (0.41), both still misses: null 4 of 20, causal 4 of 20. Relapse seasonality from
#: pooled evidence (amplitude 0.07 from Jin et al. 2000's 10% seasonal swing, peak 7 March
#: from Spelman et al. 2014; it was an assumed 0.2 peaking on 10 April) makes March 1.08
#: (published 1.08, 1.00-1.16) a hit beside August (0.93; 0.85-0.98): null 5, causal 5.
#: The calendar-period effect on onset (Hordaland 1953-2007) moves the migrants to 0.32
#: (a hit) in both worlds, while the causal world's Black/White prevalence ratio moves
#: to 0.92, just past its 15% rule (0.796): null 6, causal 5.
HIT_FLOOR = {"null": 6, "causal": 5}
BUILD = Path(__file__).resolve().parent.parent / "build"


@pytest.fixture(scope="module", params=["null", "causal"])
def table(request):
    result = validation_table(load_scenario(request.param), n=N)
    BUILD.mkdir(exist_ok=True)
    (BUILD / f"validation-{request.param}.json").write_text(json.dumps(result, indent=2))
    return request.param, result


def test_every_validation_row_has_a_check_and_no_check_is_a_calibration_target():
    published = published_figures()
    validation = set(published.index[published["use"] == "validation"])
    checked = {c.figure_id for c in CHECKS}
    assert checked == validation
    assert len(validation) >= 10


@pytest.mark.slow
def test_every_figure_is_computed_or_says_why_not(table):
    _, result = table
    assert result["total"] == len(CHECKS)
    for figure in result["figures"]:
        if figure["simulated"] is None:
            assert figure["missing"], f"{figure['id']} not computed and no reason given"
            assert not figure["hit"]
        else:
            assert math.isfinite(figure["simulated"]), figure["id"]


@pytest.mark.slow
def test_hit_rate_does_not_drop(table):
    scenario, result = table
    misses = [f["id"] for f in result["figures"] if not f["hit"]]
    assert result["hits"] >= HIT_FLOOR[scenario], f"{scenario}: misses {misses}"
    assert result["hit_rate"] == pytest.approx(result["hits"] / result["total"])


@pytest.mark.slow
def test_the_era_figures_move_the_right_way(table):
    """Cases minus controls: below zero in a 2000s pool, above in the 2019 UK survey."""
    _, result = table
    value = {f["id"]: f["simulated"] for f in result["figures"]}
    assert value["val_cases_controls_wmd"] < value["val_uk_cases_controls_2019"]
    assert value["val_supplement_1000iu_1999"] < value["val_supplement_1000iu_2013"]
    assert value["val_sex_ratio_born_1930s"] < value["val_sex_ratio_born_1980s"]


def test_rules():
    assert hit("ci", 1.0, 1.1, 0.9, 1.2) and not hit("ci", 1.3, 1.1, 0.9, 1.2)
    assert hit("rel:0.2", 11.9, 10.0, None, None) and not hit("rel:0.2", 12.1, 10.0, None, None)
    assert hit("abs:8", -7.5, 0.0, None, None) and not hit("abs:8", 8.5, 0.0, None, None)
    assert not hit("ci", None, 1.0, 0.5, 1.5) and not hit("ci", float("nan"), 1.0, 0.5, 1.5)


def test_cli_json_has_the_documented_fields(capsys):
    checks = [c for c in CHECKS if c.year == 2015]  # the relapse figures: cheap
    small = validation_table(load_scenario("null"), n=10_000, checks=checks)
    assert {"figures", "hit_rate"} <= set(small)
    assert main(["validate", "null", "--n", "10000", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"figures", "hit_rate", "hits", "total"} <= set(out)
    for figure in out["figures"]:
        assert {"id", "published", "ci_low", "ci_high", "simulated", "hit"} <= set(figure)


def test_cli_bad_input_is_one_line(capsys):
    assert main(["validate", "nul"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'null'" in err[0]

"""Calendar time (simlib.era): birth years, the vitamin D supplement era, the design year."""

import numpy as np
import pytest

from simlib import build_world, load_scenario
from simlib.designs import get_design
from simlib.designs.base import DESIGN_YEARS, run_study
from simlib.era import adoption_year, era_share
from simlib.errors import ParameterError

NULL = load_scenario("null")


def _at(year):
    return NULL.with_values({"calendar.survey_year": year})


def test_birth_year_is_survey_year_minus_age():
    people = build_world(_at(2003)).sample(2_000, seed=1, columns=["age", "birth_year"])
    np.testing.assert_allclose(people["birth_year"] + people["age"], 2003.0)


def test_adoption_years_follow_the_era_curve():
    calendar = NULL.calendar
    years = adoption_year(np.random.default_rng(1), 200_000, calendar)
    for year in (1995, 2005, 2012):
        share = np.mean(years <= year)
        assert share == pytest.approx(era_share(year, calendar), abs=0.005)  # ~4 SE


def test_high_doses_are_rare_before_the_era_and_common_after():
    shares = []
    for year in (1995, 2015):
        dose = build_world(_at(year)).sample(200_000, seed=2, columns=["supplement_iu"])
        shares.append(np.mean(dose["supplement_iu"] >= 1000))
    assert shares[0] < 0.25 * shares[1]


def test_columns_that_do_not_depend_on_the_calendar_are_unchanged():
    world = build_world(NULL)
    calendar_nodes = ("birth_year", "supplement_adoption_year", "supplement_iu",
                      "ms_log_hazard_ratio", "post_dx_supplement_start_age")
    affected = world.descendants(calendar_nodes) | set(calendar_nodes)
    a = build_world(_at(1990)).sample(5_000, seed=3)
    b = build_world(_at(2020)).sample(5_000, seed=3)
    same = [c for c in a.columns if c not in affected]
    assert "vitd_gene_score_nmol" in same and "age" in same
    for column in same:
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy(), err_msg=column)
    assert not np.array_equal(a["supplement_iu"], b["supplement_iu"])


def test_same_seed_same_numbers():
    a = build_world(_at(2001)).sample(3_000, seed=9)
    b = build_world(_at(2001)).sample(3_000, seed=9)
    for column in a.columns:
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy())


def test_every_design_has_a_year_option_with_its_documented_default():
    for name, year in DESIGN_YEARS.items():
        assert get_design(name).options["year"].default == year
    with pytest.raises(ParameterError, match="year"):
        get_design("cohort").resolve_options({"year": 1800})
    with pytest.raises(ParameterError, match="whole number"):
        get_design("cohort").resolve_options({"year": 2000.5})


def _difference(design, year, reps=4, **options):
    """Mean (cases - controls) of measured 25(OH)D over replicates, and its MCSE."""
    diffs = []
    for index in range(reps):
        data = run_study(NULL, design, seed=3, index=index,
                         options={**options, "year": year}).data
        case = data["case"] if "case" in data else data["ms"]
        diffs.append(data["vitd_nmol"][case].mean() - data["vitd_nmol"][~case].mean())
    return float(np.mean(diffs)), float(np.std(diffs, ddof=1) / np.sqrt(reps))


@pytest.mark.slow
def test_hospital_case_control_era_flip_in_the_null_world():
    """Clinic patients bled up to 10 years after diagnosis: lower in 2000, higher in 2015.

    In 2000 few patients had started vitamin D (the era had not reached them) and the
    after-onset sun loss shows; by 2015 most take 2,000-5,000 IU/day. Same world, no
    causal effect: the sign is set by the calendar.
    """
    clinic = {"case_years": 10.0, "recruit_within_years": 10.0}
    early, early_se = _difference("hospital-case-control", 2000, **clinic)
    late, late_se = _difference("hospital-case-control", 2015, **clinic)
    assert early < -3 * early_se
    assert late > 3 * late_se


def test_a_survey_year_the_design_would_replace_is_refused():
    """A design's year default must not silently replace a survey year set elsewhere."""
    with pytest.raises(ParameterError, match=r"calendar.survey_year=2015 would be replaced "
                                             r"by hospital-case-control's option year"):
        run_study(_at(2015), "hospital-case-control", seed=1)
    study = run_study(_at(2015), "hospital-case-control", seed=1,
                      options={"year": 2015, "population": 100_000})
    assert study.options["year"] == 2015


@pytest.mark.parametrize("argv", [
    ["study", "null", "--design", "cross-sectional", "--reps", "1",
     "--set", "calendar.survey_year=2010"],
    ["sweep", "null", "--design", "cross-sectional", "--reps", "1",
     "--grid", "calendar.survey_year=2000,2015"],
])
def test_cli_refuses_a_survey_year_the_design_would_replace(capsys, tmp_path, argv):
    from simlib.cli import main
    if argv[0] == "sweep":
        argv = [*argv, "--out", str(tmp_path / "sweep")]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--option year=" in err
    assert not (tmp_path / "sweep").exists()

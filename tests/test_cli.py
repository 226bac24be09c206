"""The command line: output formats, files, and one-line errors with exit status 2."""

import contextlib
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import bad_assignment

from simlib.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse usage errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_and_show(capsys):
    code, out, _ = run(capsys, "scenarios")
    assert code == 0 and "null" in out and "no_bias" in out
    code, out, _ = run(capsys, "show", "causal")
    assert code == 0 and "ms.vitd_hr_per_25nmol = 0.8 hazard ratio" in out and "source:" in out


def test_show_toml_is_a_complete_editable_scenario(capsys, tmp_path):
    code, out, _ = run(capsys, "show", "causal", "--format", "toml", "--set", "ms.hr_female=2.2")
    path = tmp_path / "mine.toml"
    path.write_text(out)
    code, out, _ = run(capsys, "show", str(path))
    assert code == 0 and "ms.hr_female = 2.2" in out and "ms.vitd_hr_per_25nmol = 0.8" in out


def test_population_json_has_the_documented_keys(capsys):
    code, out, err = run(capsys, "population", "null", "--n", "30000", "--seed", "1",
                         "--format", "json")
    assert code == 0, err
    summary = json.loads(out)
    for key in ("n", "person_years", "incidence_per_100k", "incidence_by_sex",
                "incidence_by_latitude", "prevalence_by_latitude", "female_male_ratio",
                "mean_age_at_diagnosis", "vitd_mean", "vitd_sd", "vitd_share_below", "truth"):
        assert key in summary, key
    assert set(summary["incidence_by_sex"]) == {"female", "male"}
    assert set(summary["vitd_share_below"]) == {"30", "50", "75"}
    assert set(summary["truth"]) == {"hr_per_25", "cir_per_25_age50", "cir_supplement_2000iu",
                                     "relapse_rr_per_25"}
    assert summary["truth"]["hr_per_25"] == 1.0 and summary["n"] == 30000
    assert set(summary["prevalence_by_latitude"][0]) == {"lat_low", "lat_high", "value"}


def test_population_text_and_files(capsys, tmp_path):
    code, out, _ = run(capsys, "population", "causal", "--n", "25000", "--seed", "2",
                       "--chunk", "10000", "--out", str(tmp_path / "people.csv"))
    assert code == 0 and "truth" in out and "per 100,000" in out
    people = pd.read_csv(tmp_path / "people.csv")
    assert len(people) == 25000 and "region" in people and "vitd_mean_nmol" in people
    code, _, _ = run(capsys, "population", "causal", "--n", "25000", "--seed", "2",
                     "--chunk", "10000", "--out", str(tmp_path / "people.parquet"))
    parquet = pd.read_parquet(tmp_path / "people.parquet")
    assert code == 0 and parquet["vitd_mean_nmol"].equals(people["vitd_mean_nmol"])


@pytest.mark.parametrize("argv, pattern", [
    (["population", "nul", "--n", "10", "--seed", "1"], "did you mean 'null'"),
    (["population", "null", "--n", "-5", "--seed", "1"], "n '-5' is not allowed"),
    (["population", "null", "--n", "ten", "--seed", "1"], "n 'ten' is not allowed"),
    (["population", "null", "--n", "10", "--seed", "-1"], "seed '-1' is not allowed"),
    (["population", "null", "--n", "10", "--seed", "1", "--chunk", "0"], "chunk '0'"),
    (["population", "null", "--n", "10", "--seed", "1", "--set", "ms.hr_femal=2"],
     "did you mean 'ms.hr_female'"),
    (["population", "null", "--n", "10", "--seed", "1", "--set", "ms.hr_female"],
     "section.key=value"),
    (["population", "null", "--n", "10", "--seed", "1", "--out", "x.xlsx"], ".csv or .parquet"),
    (["population", "null", "--n", "10", "--seed", "1", "--out", "/no/such/dir/x.csv"],
     "does not exist"),
    (["population", "null", "--n", "100000", "--seed", "1", "--chunk", "10"],
     "at least 10,000"),
    (["population", "null", "--n", "1000000000", "--seed", "1"], "--allow-large"),
    (["population", "null", "--seed", "1"], "--n"),
    (["show", "null", "--format", "yaml"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, pattern):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and pattern in err and "Traceback" not in err


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["--n", "--seed", "--chunk"]),
       st.one_of(st.integers(max_value=-1), st.text(min_size=1, max_size=6).filter(
           lambda t: not t.strip().replace("_", "").isdigit() and not t.startswith("-"))))
def test_generated_bad_sizes_exit_2_with_one_line(option, value):
    argv = ["population", "null", "--n", "10", "--seed", "1", option, str(value)]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    assert code == 2 and err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()


@settings(max_examples=60, deadline=None)
@given(bad_assignment())
def test_generated_bad_overrides_exit_2_with_one_line_naming_the_key(assignment):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["population", "null", "--n", "10", "--seed", "1", "--set", assignment])
    message = err.getvalue()
    assert code == 2 and message.count("\n") == 1 and assignment.split("=")[0] in message


def test_a_real_process_prints_no_traceback():
    result = subprocess.run([sys.executable, "-m", "simlib", "population", "null", "--n", "10",
                             "--seed", "1", "--set", "ms.hr_female=nan"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "ms.hr_female = nan is not allowed (not finite)" in result.stderr

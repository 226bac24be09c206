"""The designs, study and sweep commands, and executor equivalence on a real design."""

import json

import pandas as pd
import pytest

from simlib import load_scenario
from simlib.cli import main
from simlib.montecarlo import diagnose, replicate

SMALL_COHORT = ["--option", "population=60000", "--option", "follow_up_years=30"]


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_designs_lists_every_design_with_options_and_estimators(capsys):
    code, out, _ = run(capsys, "designs")
    assert code == 0
    for name in ("ecological", "nested-case-control", "trial", "mr-two-sample",
                 "supplement-users"):
        assert f"{name}:" in out
    assert "--option lag_years=0.0" in out and "estimators: conditional-logit" in out


def test_study_json_has_the_documented_keys(capsys, tmp_path):
    code, out, err = run(capsys, "study", "causal", "--design", "cohort", *SMALL_COHORT,
                         "--reps", "3", "--seed", "2", "--format", "json", "--quiet",
                         "--out", str(tmp_path))
    assert code == 0, err
    record = json.loads(out)
    keys = {"mean_estimate", "bias", "empirical_se", "model_se", "rmse", "coverage", "power"}
    assert keys <= set(record) and keys <= set(record["mcse"])
    assert record["design"] == "cohort" and record["reps"] == 3 and record["n_failed"] == 0
    assert set(record["estimand"]) == {"name", "value", "scale"}
    assert record["estimand"]["value"] == pytest.approx(-0.223, abs=0.02)
    assert (tmp_path / "sampling.png").stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "replicates.csv")) == 3


@pytest.mark.parametrize("argv, pattern", [
    (["study", "null", "--design", "cohrt", "--reps", "2"], "did you mean 'cohort'"),
    (["study", "null", "--design", "cohort", "--reps", "0"], "reps '0' is not allowed"),
    (["study", "null", "--design", "cohort", "--reps", "2", "--option", "lag_years=1"],
     "unknown option 'lag_years' for design cohort"),
    (["study", "null", "--design", "trial", "--reps", "2", "--option", "eligibility=old"],
     "use one of general, early-ms"),
    (["study", "null", "--design", "cohort", "--reps", "2", "--estimator", "coxx"],
     "did you mean 'cox'"),
    (["sweep", "null", "--design", "cohort", "--reps", "2", "--grid", "ms.hr_femal=1,2",
      "--out", "/tmp/never-written"], "ms.hr_femal"),
    (["sweep", "null", "--design", "cohort", "--reps", "2", "--grid", "ms.hr_female",
      "--out", "/tmp/never-written"], "key=value1,value2"),
])
def test_bad_study_input_exits_2_with_one_line(capsys, argv, pattern):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and pattern in err, err


def test_sweep_writes_table_and_figure_and_resumes_after_an_interruption(capsys, tmp_path):
    argv = ["sweep", "null", "--design", "cohort", *SMALL_COHORT, "--reps", "3", "--seed", "4",
            "--grid", "ms.hr_smoking=1.0,3.0", "--grid", "option.age_low=20,30", "--quiet"]
    whole, part = tmp_path / "whole", tmp_path / "part"
    code, _, err = run(capsys, *argv, "--out", str(whole))
    assert code == 0, err
    table = pd.read_csv(whole / "sweep.csv")
    assert len(table) == 12 and {"ms.hr_smoking", "option.age_low"} <= set(table)
    assert (whole / "sweep.png").stat().st_size > 0 and (whole / "diagnosis.csv").exists()
    # an interrupted run: a checkpoint holding only its first five rows
    part.mkdir()
    lines = (whole / "checkpoint.csv").read_text().splitlines(keepends=True)
    (part / "checkpoint.csv").write_text("".join(lines[:6]))
    code, _, err = run(capsys, *argv, "--out", str(part))
    assert code == 2 and "--resume" in err  # never overwrites finished work silently
    code, _, err = run(capsys, *argv, "--out", str(part), "--resume")
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(part / "sweep.csv"), table)


@pytest.mark.slow
def test_real_design_gives_identical_tables_serially_in_processes_and_on_dask():
    from dask.distributed import Client, LocalCluster

    scenario = load_scenario("causal")
    options = {"population": 60_000, "follow_up_years": 30.0}
    serial = replicate(scenario, "cohort", 6, 9, options=options, progress=False)
    pooled = replicate(scenario, "cohort", 6, 9, options=options, workers=2, chunk=2,
                       progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = replicate(scenario, "cohort", 6, 9, options=options,
                         executor=client.get_executor(), progress=False)
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, dask)
    pd.testing.assert_frame_equal(diagnose(serial), diagnose(dask))


def test_a_teachers_extended_world_runs_every_design_serially():
    import numpy as np

    from simlib import build_world
    from simlib.errors import ParameterError

    scenario = load_scenario("causal")

    def oily_fish_servings(rng, n, latitude_deg):
        return rng.poisson(0.5 + 0.05 * np.abs(latitude_deg - 20))

    def diet_vitd_iu(rng, n, oily_fish_servings):
        return 100.0 + 600.0 * oily_fish_servings + rng.normal(0, 20, n)

    fishy = build_world(scenario).add_node("oily_fish_servings", oily_fish_servings) \
        .replace_node("diet_vitd_iu", diet_vitd_iu)
    options = {"population": 60_000, "follow_up_years": 30.0}
    custom = replicate(scenario, "cohort", 2, 5, options=options, world=fishy, progress=False)
    plain = replicate(scenario, "cohort", 2, 5, options=options, progress=False)
    assert (custom["error"] == "").all() and not custom["estimate"].equals(plain["estimate"])
    with pytest.raises(ParameterError, match="serially only"):
        replicate(scenario, "cohort", 2, 5, options=options, world=fishy, workers=2)

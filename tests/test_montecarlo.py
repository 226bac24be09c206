"""Monte Carlo: diagnosis by hand, recovery within Monte Carlo error, executors, checkpoints."""

import json
import math

import montecarlo_toys as toys
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from simlib import load_scenario
from simlib.designs.base import run_study
from simlib.errors import ParameterError, SimlibError, UnknownParameterError
from simlib.montecarlo import diagnose, diagnosis_record, replicate, sweep

NULL = load_scenario("null")
GRID = {"ms.hr_female": [1.5, 3.0], "option.slope": [0.0, 0.5]}


@pytest.fixture(autouse=True)
def fresh_toys(monkeypatch):
    monkeypatch.setattr(toys, "SAMPLED", [])
    monkeypatch.setattr(toys, "INTERRUPT_AT", None)


def run(reps=20, seed=1, **kwargs):
    return replicate(NULL, "toy-slope", reps, seed, progress=False, **kwargs)


def hand_table():
    """Five usable replicates (truth 1), one that did not converge, one that raised."""
    return pd.DataFrame({
        "design": "toy", "estimator": "ols", "estimand": "slope", "scale": "per 25",
        "estimand_value": [1.0] * 7,
        "estimate": [1.5, 0.5, 1.0, 2.0, 2.0, 100.0, 100.0],
        "se": [0.5, 0.5, 1.0, 1.0, 0.5, 1.0, 1.0],
        "ci_low": [1.0, 0.0, 0.0, 1.5, 1.5, 99.0, 99.0],
        "ci_high": [2.0, 1.0, 2.0, 2.5, 2.5, 101.0, 101.0],
        "p_value": [0.01, 0.2, 0.05, 0.001, 0.5, 0.0, 0.0],
        "converged": [True] * 5 + [False, True],
        "error": [""] * 6 + ["ValueError: boom"]})


def test_diagnose_matches_hand_computation():
    row = diagnose(hand_table()).iloc[0]
    # d = estimate - truth = 0.5, -0.5, 0, 1, 1; estimates' mean 1.4, sum of squares 1.7
    expected = {
        "reps": 7, "n_failed": 2, "n_used": 5, "estimand_value": 1.0, "mean_estimate": 1.4,
        "bias": 0.4, "mcse_bias": math.sqrt(0.425 / 5),
        "relative_bias": 0.4, "mcse_relative_bias": math.sqrt(0.425 / 5),
        "empirical_se": math.sqrt(0.425), "mcse_empirical_se": math.sqrt(0.425) / math.sqrt(8),
        # se^2 = .25 .25 1 1 .25: mean .55, variance .675 / 4
        "model_se": math.sqrt(0.55), "mcse_model_se": math.sqrt(0.675 / 4 / (4 * 5 * 0.55)),
        # d^2 = .25 .25 0 1 1: MSE .5, sum of (d^2 - MSE)^2 = .875
        "rmse": math.sqrt(0.5), "mcse_rmse": math.sqrt(0.875 / 20) / (2 * math.sqrt(0.5)),
        "coverage": 0.6, "mcse_coverage": math.sqrt(0.6 * 0.4 / 5),  # bounds inclusive
        "power": 0.4, "mcse_power": math.sqrt(0.4 * 0.6 / 5)}  # p = 0.05 is not < 0.05
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, abs=1e-12, rel=0), name
    assert (row["design"], row["estimator"], row["estimand"], row["scale"]) == (
        "toy", "ols", "slope", "per 25")


def test_diagnose_by_group_zero_truth_and_json_record():
    table = pd.concat([hand_table().assign(arm="a"),
                       hand_table().assign(arm="b", estimand_value=0.0)])
    out = diagnose(table, by=["arm"])
    assert list(out["arm"]) == ["a", "b"]
    assert out["bias"].tolist() == pytest.approx([0.4, 1.4], abs=1e-12)
    assert math.isnan(out["relative_bias"].iloc[1])
    record = diagnosis_record(out.iloc[1])
    assert record["estimand"] == {"name": "slope", "value": 0.0, "scale": "per 25"}
    assert record["mcse"]["coverage"] == pytest.approx(math.sqrt(0.24 / 5), abs=1e-12)
    assert (record["reps"], record["n_failed"]) == (7, 2)
    json.dumps(record, allow_nan=False)
    assert set(record["mcse"]) == {"mean_estimate", "bias", "empirical_se", "model_se",
                                   "rmse", "coverage", "power"}


def test_unbiased_toy_recovers_truth_within_monte_carlo_error():
    # 1,000 replicates (about 10 s): the MCSE of the coverage is 0.007. With 300, the
    # first 300 of these happened to cover 91% (3.2 MCSE from an exact 95%).
    summary = diagnose(run(reps=1000, seed=2024)).iloc[0]
    assert summary["n_used"] == 1000
    assert abs(summary["bias"]) < 3 * summary["mcse_bias"]
    assert abs(summary["coverage"] - 0.95) < 3 * math.sqrt(0.95 * 0.05 / 1000)
    assert abs(summary["model_se"] - summary["empirical_se"]) < 3 * summary["mcse_empirical_se"]
    # power of a 5% test of slope 0.3 with the mean model SE (about 0.11 for 200 people:
    # the SD of long-term 25(OH)D is about 16 nmol/L); MCSE of the power about 0.014
    z = 0.3 / summary["model_se"]
    expected = 0.5 * math.erfc(-(z - 1.96) / math.sqrt(2)) \
        + 0.5 * math.erfc((z + 1.96) / math.sqrt(2))
    assert abs(summary["power"] - expected) < 3 * math.sqrt(expected * (1 - expected) / 1000)


def test_serial_processes_and_dask_give_identical_tables(tmp_path):
    from dask.distributed import Client, LocalCluster

    options = {"fail_rep": 5}
    serial = run(reps=24, options=options)
    study = run_study(NULL, "toy-slope", 1, 7, options)  # replicate 7 = streams (1, 7)
    assert serial.loc[7, "estimate"] == toys.ols_slope(study).estimate
    assert not serial.equals(run(reps=24, seed=2, options=options))
    path = tmp_path / "pool.csv"
    assert_frame_equal(run(reps=24, options=options, workers=2, chunk=5, checkpoint=path),
                       serial)
    toys.SAMPLED.clear()
    assert_frame_equal(run(reps=24, options=options, checkpoint=path), serial)
    assert toys.SAMPLED == []  # everything read back from the pool's checkpoint
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        on_dask = run(reps=24, options=options, executor=client.get_executor())
    assert_frame_equal(on_dask, serial)


def test_progress_bar_goes_to_stderr(capsys):
    replicate(NULL, "toy-slope", 3, 1)
    captured = capsys.readouterr()
    assert "3/3" in captured.err and captured.out == ""
    run(reps=3)
    assert capsys.readouterr().err == ""


def test_failing_replicate_is_recorded_and_the_others_complete():
    table = run(reps=6, options={"fail_rep": 3})
    failed = table.loc[3]
    assert failed["error"] == "ValueError: toy failure at replicate 3 (second line)"
    assert not failed["converged"] and math.isnan(failed["estimate"])
    others = table.drop(index=3)
    assert others["converged"].all() and (others["error"] == "").all()
    assert list(table["rep"]) == list(range(6))
    summary = diagnose(table).iloc[0]
    assert (summary["n_failed"], summary["n_used"]) == (1, 5)
    never = run(reps=3, estimator="never")
    assert (never["reason"] == "toy: never converges").all() and not never["converged"].any()
    assert diagnose(never).iloc[0]["n_used"] == 0


def test_interrupted_run_resumes_without_recomputing(tmp_path, monkeypatch):
    reference = run()
    path = tmp_path / "run.csv"
    monkeypatch.setattr(toys, "INTERRUPT_AT", 12)
    with pytest.raises(KeyboardInterrupt):
        run(checkpoint=path)
    assert len(pd.read_csv(path)) == 12
    monkeypatch.setattr(toys, "INTERRUPT_AT", None)
    toys.SAMPLED.clear()
    assert_frame_equal(run(checkpoint=path), reference)
    assert toys.SAMPLED == list(range(12, 20))
    toys.SAMPLED.clear()
    assert_frame_equal(run(checkpoint=path), reference)
    assert toys.SAMPLED == []


def test_checkpoint_cut_mid_line_is_repaired_and_resumed(tmp_path):
    reference = run()
    path = tmp_path / "run.csv"
    run(checkpoint=path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:6]) + lines[6][:30])  # header, 5 rows, part of a row
    toys.SAMPLED.clear()
    assert_frame_equal(run(checkpoint=path), reference)
    assert toys.SAMPLED == list(range(5, 20))
    assert len(pd.read_csv(path)) == 20


def test_sweep_is_tidy_uses_common_random_numbers_and_resumes(tmp_path):
    path = tmp_path / "sweep.csv"
    table = sweep(NULL, "toy-slope", GRID, reps=4, seed=5, progress=False, checkpoint=path)
    assert len(table) == 16 and {"ms.hr_female", "option.slope"} <= set(table.columns)
    assert list(table[["ms.hr_female", "option.slope", "rep"]].itertuples(index=False)) == [
        (h, s, r) for h in (1.5, 3.0) for s in (0.0, 0.5) for r in range(4)]
    assert (table["estimand_value"] == table["option.slope"]).all()
    by_point = {key: group.reset_index(drop=True)
                for key, group in table.groupby(["ms.hr_female", "option.slope"])}
    # hr_female does not touch 25(OH)D: the same people and noise give the same slopes ...
    for slope in (0.0, 0.5):
        np.testing.assert_array_equal(by_point[1.5, slope]["estimate"],
                                      by_point[3.0, slope]["estimate"])
        # ... but the world differs: more women are at high risk of MS
        assert (by_point[3.0, slope]["n_cases"] > by_point[1.5, slope]["n_cases"]).all()
    np.testing.assert_allclose(by_point[1.5, 0.5]["estimate"] - 0.5,
                               by_point[1.5, 0.0]["estimate"], atol=1e-12)
    summary = diagnose(table, by=list(GRID))
    assert len(summary) == 4 and (summary["reps"] == 4).all()

    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:8]))
    toys.SAMPLED.clear()
    resumed = sweep(NULL, "toy-slope", GRID, reps=4, seed=5, progress=False, checkpoint=path)
    assert_frame_equal(resumed, table)
    assert len(toys.SAMPLED) == 16 - 7


@pytest.mark.parametrize("grid, error, match", [
    ({"ms.hr_femal": [2.0]}, UnknownParameterError, "ms.hr_femal"),
    ({"ms.hr_female": [-1.0]}, ParameterError, "hr_female"),
    ({"option.nope": [1]}, UnknownParameterError, "nope"),
    ({"option.slope": []}, ParameterError, "option.slope"),
    ({}, ParameterError, "grid"),
    ({1: [2.0]}, ParameterError, "grid"),
])
def test_sweep_rejects_bad_grid(grid, error, match):
    with pytest.raises(error, match=match):
        sweep(NULL, "toy-slope", grid, reps=2, seed=1, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    ({"reps": 0}, "reps = 0"), ({"reps": 2.5}, "reps = 2.5"), ({"seed": -1}, "seed = -1"),
    ({"workers": 0}, "workers = 0"), ({"chunk": 0}, "chunk = 0"),
    ({"checkpoint": "run.pkl"}, "checkpoint 'run.pkl'"),
    ({"checkpoint": "no/such/folder/run.csv"}, "existing folder"),
])
def test_bad_arguments_raise_parameter_error(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        run(**{"reps": 3, **kwargs})


@pytest.mark.parametrize("kwargs", [{"seed": 2}, {"estimator": "never"},
                                    {"options": {"sample": 50}}])
def test_checkpoint_of_another_run_is_refused(tmp_path, kwargs):
    path = tmp_path / "run.csv"
    run(reps=2, checkpoint=path)
    with pytest.raises(SimlibError, match="was written for design toy-slope .* seed 1, not"):
        run(reps=2, checkpoint=path, **{"seed": 1, **kwargs})
    with pytest.raises(SimlibError, match="was written for design toy-slope .*, not design"):
        sweep(NULL, "toy-slope", {"option.slope": [0.1]}, reps=2, seed=1, progress=False,
              checkpoint=path)


def test_resuming_a_sweep_with_another_grid_is_refused_like_a_study(tmp_path):
    path = tmp_path / "sweep.csv"
    sweep(NULL, "toy-slope", {"option.slope": [0.1, 0.2]}, reps=2, seed=1, progress=False,
          checkpoint=path)
    again = sweep(NULL, "toy-slope", {"option.slope": [0.1, 0.2]}, reps=2, seed=1,
                  progress=False, checkpoint=path)
    assert len(again) == 4
    with pytest.raises(SimlibError, match="was written for design toy-slope .*, not design"):
        sweep(NULL, "toy-slope", {"option.slope": [0.1, 0.3]}, reps=2, seed=1,
              progress=False, checkpoint=path)


def test_failures_are_counted_by_reason_and_warnings_captured_not_printed(capfd):
    from simlib.montecarlo import describe_failures, failure_counts, warning_counts

    table = run(reps=4, estimator="warns", options={"fail_rep": 2})
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # nothing leaked to the terminal
    assert failure_counts(table) == {"ValueError: toy failure at replicate 2 (second line)": 1}
    assert describe_failures(table) == ("1 of 4 replicates failed: ValueError: toy failure at "
                                        "replicate 2 (second line) (1)")
    assert warning_counts(table) == {
        "RuntimeWarning: divide by zero encountered in log": 3,
        "ConvergenceWarning: toy: iteration limit reached": 3}
    never = run(reps=3, estimator="never")
    assert failure_counts(never) == {"toy: never converges": 3}
    assert describe_failures(run(reps=3)) == ""

"""simlib.bias.audit: each sensitivity tool scored against the truth the simulator knows."""

from __future__ import annotations

import pandas as pd
import pytest

from simlib import bias, load_scenario
from simlib.bias import auditing
from simlib.designs import get_design
from simlib.designs.base import run_study
from simlib.errors import ParameterError

SMALL = {"cohort": {"population": 200_000}, "nested-case-control": {"population": 1_500_000},
         "hospital-case-control": {"population": 600_000},
         "cross-sectional": {"population": 200_000}}


@pytest.mark.parametrize("design", list(auditing.AUDITED))
def test_the_audited_fit_is_the_designs_estimator(design):
    """With no extra covariate, the audit's refit is exactly the design's analysis."""
    audited = auditing.AUDITED[design]
    study = run_study(load_scenario("causal"), design, 2, 0, options=SMALL[design])
    own = get_design(design).estimator(audited.estimator)(study)
    again = audited.fit(study.data, ())
    assert (own.estimate, own.se) == (again.estimate, again.se)
    rows = study.extra["people_rows"]
    assert len(rows) == len(study.data)


def test_no_bias_coverage_stays_at_95_percent_before_and_after_each_tool():
    """100 biobank replicates of the world without bias: every tool's interval covers the
    truth in 95% of replicates within 3 Monte Carlo SEs (about 0.066 at 100 replicates)."""
    table = bias.audit(load_scenario("no_bias"), "nested-case-control", 100, 1,
                       options=SMALL["nested-case-control"])
    summary = bias.summarise(table).iloc[0]
    assert summary["scored"] == 100
    for tool in auditing.TOOLS:
        mcse = (0.95 * 0.05 / 100) ** 0.5
        assert abs(summary[f"coverage_{tool}"] - 0.95) <= 3 * mcse, (tool, summary.to_dict())
    # no confounding: the refit moves the estimate by sampling noise only
    assert table["confounding_shift"].abs().median() < 0.15


def test_in_the_null_world_reverse_causation_defeats_the_e_value():
    """A hospital case-control study bleeds cases after diagnosis: the spurious protective
    odds ratio is far from the truth, the confounding present is small, and the E-value
    (which speaks of confounding only) calls the estimate robust."""
    table = bias.audit(load_scenario("null"), "hospital-case-control", 8, 3,
                       options=SMALL["hospital-case-control"])
    summary = bias.summarise(table).iloc[0]
    assert summary["coverage_conventional"] <= 0.25
    assert summary["coverage_bias_analysis"] <= 0.5  # a sun confounder cannot explain it
    assert summary["e_value_exceeds_present"] >= 0.75
    assert (table["estimate"] < 0).all() and (table["truth"] == 0).all()


def test_an_audit_is_seeded():
    first = bias.audit(load_scenario("causal"), "nested-case-control", 2, 5,
                       options=SMALL["nested-case-control"])
    again = bias.audit(load_scenario("causal"), "nested-case-control", 2, 5,
                       options=SMALL["nested-case-control"])
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize(("design", "reps", "words"), [
    ("cohrt", 2, "design='cohrt': the audit covers .*did you mean 'cohort'"),
    ("trial", 2, "design='trial'"),
    ("cohort", 0, "reps=0"),
])
def test_bad_audit_arguments_are_one_line(design, reps, words):
    with pytest.raises(ParameterError, match=words):
        bias.audit(load_scenario("null"), design, reps, 1)


def test_an_interrupted_audit_resumes_to_the_uninterrupted_table(tmp_path):
    scenario, options = load_scenario("causal"), SMALL["nested-case-control"]
    whole = bias.audit(scenario, "nested-case-control", 3, 7, options=options)
    checkpoint = tmp_path / "audit.csv"
    bias.audit(scenario, "nested-case-control", 2, 7, options=options, checkpoint=checkpoint)
    with checkpoint.open("a") as handle:  # a row cut short by the interruption
        handle.write("2,-0.22")
    resumed = bias.audit(scenario, "nested-case-control", 3, 7, options=options,
                         checkpoint=checkpoint)
    pd.testing.assert_frame_equal(whole, resumed, check_dtype=False)
    with pytest.raises(ParameterError, match="holds an audit with other settings"):
        bias.audit(scenario, "nested-case-control", 3, 8, options=options,
                   checkpoint=checkpoint)


def test_cli_bias_audit_prints_coverage_and_counts_failures(tmp_path, capsys):
    import json

    from simlib.cli import main
    assert main(["bias-audit", "no_bias", "--design", "nested-case-control", "--reps", "2",
                 "--option", "population=1500000", "--format", "json", "--quiet",
                 "--out", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["scored"] == 2 and 0 <= record["coverage_conventional"] <= 1
    assert (tmp_path / "summary.json").is_file() and (tmp_path / "audit.csv").is_file()
    # every replicate impossible (nobody aged 79.9-80 to enrol): exit 1, reasons counted
    assert main(["bias-audit", "null", "--design", "nested-case-control", "--reps", "2",
                 "--option", "population=10000", "--option", "age_low=79.9",
                 "--option", "age_high=80", "--quiet"]) == 1
    assert "all 2 replicates failed" in capsys.readouterr().err
    assert main(["bias-audit", "null", "--design", "trial", "--reps", "2"]) == 2
    assert "the audit covers" in capsys.readouterr().err

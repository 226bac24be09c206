"""Tests of simlib.experiments.reverse_causation (notebook 03_reverse_causation)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib import load_scenario  # noqa: E402
from simlib.designs import run_study  # noqa: E402
from simlib.errors import ParameterError  # noqa: E402
from simlib.experiments import reverse_causation as rc  # noqa: E402
from simlib.plots import TRUTH  # noqa: E402

OFF = {"prodrome_sun_loss": 0.0, "onset_sun_loss": 0.0, "heat_sun_loss": 0.0,
       "disability_sun_loss_per_edss": 0.0, "supplement_share": 0.0}


@pytest.fixture(scope="module")
def worlds():
    return rc.null_and_causal(400_000, seed=2)


@pytest.mark.parametrize(("key", "value"), [
    ("prodrome_sun_loss", 0.5), ("onset_sun_loss", 0.0), ("heat_sun_loss", 0.6),
    ("activity_disability_power", 0.0), ("heat_sensitive_share", 0.9),
    ("supplement_share", 0.1), ("supplement_health_log_or", 1.5),
    ("supplement_doses_iu", [1000.0, 1000.0, 10000.0]), ("uptake_mean_years", 4.0)])
def test_with_values_equals_a_fresh_simulation(key, value):
    people = rc.population(load_scenario("null"), 5_000, seed=7)
    _, again = rc.with_values(people, {f"reverse_causation.{key}": value})
    changed = load_scenario("null").with_values({f"reverse_causation.{key}": value})
    fresh = rc.population(changed, 5_000, seed=7)
    pd.testing.assert_frame_equal(again[fresh.columns], fresh)


def test_unknown_parameter_is_named():
    people = rc.population(load_scenario("null"), 100, seed=1)
    with pytest.raises(ParameterError, match="prodrome_sun_los"):
        rc.with_values(people, {"prodrome_sun_los": 0.1})


def test_survey_is_the_study_run_study_gives(worlds):
    study = rc.run_design(worlds["null"], "cross-sectional", seed=2,
                          options={"survey_size": 20_000})
    reference = run_study(load_scenario("null"), "cross-sectional", seed=2,
                          options={"population": 400_000, "survey_size": 20_000,
                                    "year": 2010})  # the experiment's population year
    pd.testing.assert_frame_equal(study.data, reference.data)


def test_supplements_after_diagnosis_flip_the_sign_of_the_survey(worlds):
    table = rc.design_sweep(worlds, "cross-sectional", seed=2,
                            values={"supplement_share": [0.0, 1.0]},
                            options={"survey_size": 400_000})
    for _, part in table.groupby("world"):
        without, every = part.sort_values("supplement_share")["estimate"]
        assert without < -0.3 and every > 0.3  # OR per +25 nmol/L below 0.74, above 1.35
    assert set(table["n_cases"]) and table["n_cases"].min() > 150


def test_late_recruitment_raises_the_hospital_odds_ratio(worlds):
    table = rc.design_sweep({"null": worlds["null"]}, "hospital-case-control", seed=2,
                            option={"recruit_within_years": [0.1, 10.0]},
                            options={"case_years": 10.0})
    at_diagnosis, late = table.sort_values("recruit_within_years")["estimate"]
    assert at_diagnosis < 0 < late
    assert late - at_diagnosis > 0.5


def test_without_reverse_causation_the_trajectory_is_flat(worlds):
    _, people = rc.with_values(worlds["null"], OFF)
    curve = rc.trajectory(people)
    # without reverse causation the curve is the same people had MS changed nothing
    # (the supplement era of each calendar year moves both alike)
    np.testing.assert_allclose(curve["mean_nmol"], curve["without_ms_nmol"], atol=1e-9)
    assert np.allclose(curve["mean_nmol"], curve["before_nmol"], atol=2.5)
    dipped = rc.trajectory(worlds["null"], years=[-3.0, 0.1, 15.0])["mean_nmol"].to_numpy()
    before = curve["before_nmol"].iloc[0]
    assert dipped[0] < before - 1 and dipped[1] < dipped[0] and dipped[2] > before + 20


def test_lagged_drops_only_early_cases():
    data = pd.DataFrame({"event": [1, 1, 0, 0], "entry_age": [30.0] * 4,
                         "exit_age": [32.0, 45.0, 33.0, 45.0]})
    kept = rc.lagged(data, 5.0)
    assert list(kept.index) == [1, 2, 3]


def test_panel_figure_has_labels_and_the_truth(worlds):
    panel = rc.ReversePanel(worlds["null"], seed=2)
    fig = panel.draw(0.82, 0.15, 50)
    left, right = fig.axes
    assert "nmol/L" in left.get_ylabel() and "years" in left.get_xlabel()
    assert "per +25 nmol/L" in right.get_xlabel()
    assert any(line.get_color() == TRUTH for line in right.get_lines())
    plt.close(fig)


def test_reverse_causation_changes_the_blood_draws_of_people_with_ms_only(worlds):
    """The premise of ReversePanel, which re-simulates only people with an MS onset."""
    people = worlds["null"]
    _, changed = rc.with_values(people, {"supplement_share": 1.0, "prodrome_sun_loss": 0.6})
    before, after = (p[rc.SURVEY_DRAW].to_numpy() for p in (people, changed))
    with_ms = np.isfinite(people["ms_onset_age"].to_numpy())
    assert np.array_equal(before[~with_ms], after[~with_ms])
    assert (before[with_ms] != after[with_ms]).mean() > 0.05  # those in the prodrome or after
    panel = rc.ReversePanel(people, seed=2)
    found, _ = panel.estimates(1.0, 0.6)
    again, _ = panel.estimates(1.0, 0.6)
    assert all(found[k].estimate == again[k].estimate for k in found)  # same numbers

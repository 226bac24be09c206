"""The mystery world: reproducible hidden worlds, budgets, validation, reveal and score."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simlib.errors import ParameterError, UnknownParameterError
from simlib.experiments import mystery_plots as mp
from simlib.mystery import DESIGN_NAMES, MysteryWorld, draw_hidden

SMALL = {"max_population": 100_000}  # keep every study small and fast


def test_same_seed_same_world_and_same_results():
    first, second = MysteryWorld(11, **SMALL), MysteryWorld(11, **SMALL)
    assert draw_hidden(11) == draw_hidden(11)
    assert first._hidden["values"] == second._hidden["values"]
    a, b = first.study("cohort", 5_000), second.study("cohort", 5_000)
    assert a == b
    again = first.study("cohort", 5_000)  # a second study samples other people
    assert again.estimate != a.estimate


def test_different_seeds_give_different_worlds():
    worlds = [draw_hidden(seed) for seed in range(20)]
    assert {about["causal"] for _, about in worlds} == {True, False}
    uvb = {values["ms.uvb_hr_per_doubling"] for values, _ in worlds}
    assert len(uvb) == 20
    causal = [values["ms.vitd_hr_per_25nmol"] for values, about in worlds if about["causal"]]
    assert all(0.3 < hr < 1.0 for hr in causal)
    assert all(values["ms.vitd_hr_per_25nmol"] == 1.0
               for values, about in worlds if not about["causal"])


def test_budget_is_enforced_and_nothing_is_charged_when_refused():
    world = MysteryWorld(3, budget=10_000, **SMALL)
    with pytest.raises(ParameterError, match="at most 10,000 participants"):
        world.study("cohort", 20_000)
    with pytest.raises(ParameterError, match="costs up to 12,000"):  # 30 of 15 years: x2
        world.study("cohort", 6_000, follow_up_years=30.0)
    assert world.spent == 0 and world.remaining == 10_000 and world.log.empty
    result = world.study("cohort", 4_000, follow_up_years=30.0)
    assert result.cost == 2 * result.people == 8_000
    assert world.remaining == result.remaining == 2_000


def test_case_control_cost_is_the_people_assayed():
    world = MysteryWorld(5, max_population=200_000)
    result = world.study("nested-case-control", 40)
    assert 0 < result.people <= 40 and result.cost == result.people
    assert world.spent == result.people


def test_names_are_validated_with_suggestions():
    world = MysteryWorld(3, **SMALL)
    with pytest.raises(UnknownParameterError, match="did you mean 'cohort'"):
        world.study("cohrt", 1_000)
    with pytest.raises(ParameterError, match="relapses"):
        world.study("relapse-cohort", 100)
    with pytest.raises(UnknownParameterError, match="did you mean 'poisson'"):
        world.study("cohort", 1_000, estimator="poison")
    with pytest.raises(UnknownParameterError, match="did you mean 'follow_up_years'"):
        world.study("cohort", 1_000, follow_up_year=10.0)
    with pytest.raises(ParameterError, match="hidden world"):
        world.study("mr-one-sample", 1_000, pleiotropy=1.0)
    with pytest.raises(ParameterError, match="participants argument"):
        world.study("cross-sectional", 1_000, survey_size=5)
    with pytest.raises(ParameterError, match="whole number"):
        world.study("cohort", 0.5)
    assert world.spent == 0 and set(DESIGN_NAMES) >= {"trial", "mr-one-sample"}


def test_reveal_validates_the_decision_and_scores():
    world = MysteryWorld(7, budget=40_000, **SMALL)
    truth = "causal" if draw_hidden(7)[1]["causal"] else "not causal"
    wrong = "not causal" if truth == "causal" else "causal"
    with pytest.raises(ParameterError, match="did you mean 'causal'"):
        world.reveal("causl")
    world.study("cohort", 10_000)
    reveal = world.reveal(truth)
    assert reveal.correct and reveal.score == 100 + round(25 * 0.75)
    assert reveal.truth == truth and reveal.hidden["causal"] == (truth == "causal")
    row = reveal.studies.iloc[0]
    assert np.isfinite(row["estimand_value"]) and "estimand" in reveal.studies
    if truth == "not causal":
        assert row["estimand_value"] == 0.0 and reveal.true_effects["hr_per_25"] == 1.0
    assert world.reveal(truth) is reveal
    with pytest.raises(ParameterError, match="cannot be changed"):
        world.reveal(wrong)
    with pytest.raises(ParameterError, match="revealed"):
        world.study("cohort", 1_000)
    other = MysteryWorld(7, budget=40_000, **SMALL)
    assert other.reveal(wrong).score == 0 and not other.reveal(wrong).correct


def test_truth_is_not_visible_before_the_reveal():
    world = MysteryWorld(2, **SMALL)
    result = world.study("cohort", 5_000)
    values, about = draw_hidden(2)
    shown = repr(world) + str(result) + repr(result) + world.log.to_string()
    for secret in ("causal", "estimand", "threshold", about["effect"],
                   f"{values['ms.vitd_hr_per_25nmol']:.3g}"):
        assert secret not in shown
    public = {k: v for k, v in vars(world).items() if not k.startswith("_")}
    assert not any(isinstance(v, dict) for v in public.values())
    assert "estimand_value" not in world.log
    with pytest.raises(ParameterError, match="hidden"):
        world.scenario_after_reveal  # noqa: B018


def test_forest_figure_draws_estimands_only_after_the_reveal():
    world = MysteryWorld(4, **SMALL)
    world.study("cohort", 5_000)
    world.study("mr-one-sample", 5_000, estimator="2sls")
    before = mp.forest_figure(world.log, "studies").axes[0]
    assert "truth" not in [t.get_text() for t in before.get_legend().get_texts()]
    assert before.get_xlabel() and "not a ratio" in " ".join(t.get_text() for t in before.texts)
    after = mp.forest_figure(world.reveal("causal").studies, "after").axes[0]
    assert any("truth" in t.get_text() for t in after.get_legend().get_texts())
    plt.close("all")


def test_expected_intervals_shrink_with_the_square_root_of_people():
    pilot = pd.DataFrame({"design": ["trial", "mr-one-sample", "cohort"],
                          "people": [100_000] * 3, "se": [0.3, 0.4, 0.1],
                          "reference": [-0.27, -0.22, -0.22], "scale": ["log RR"] * 3,
                          "n_cases": [40, 200, 80]})
    table = mp.expected_intervals(pilot, {"trial": 400_000, "mr-one-sample": 0,
                                          "cohort": 100_000})
    assert table.loc[0, "expected_se"] == pytest.approx(0.15)
    assert math.isnan(table.loc[1, "expected_se"]) and table.loc[2, "expected_se"] == 0.1
    assert table.loc[0, "power"] > table.loc[2, "power"] - 1  # defined, in [0, 1]
    fig = mp.budget_split_figure(pilot, 2_000_000, 70, 60)  # over 100%: scaled down
    ax = fig.axes[0]
    assert "HR per +25 nmol/L" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "cohort (0%)"
    plt.close(fig)


def test_trial_rule_pools_trials():
    log = pd.DataFrame({"design": ["trial", "trial", "cohort"], "converged": [True] * 3,
                        "estimate": [-0.3, -0.2, -0.5], "se": [0.1, 0.1, 0.01]})
    decision, why = mp.trial_rule(log)
    assert decision == "causal" and "0.78" in why
    assert mp.trial_rule(log.iloc[2:])[0] == "not causal"


def test_pleiotropy_pull_is_zero_without_pleiotropy_and_grows_with_it():
    hidden = {"genetics.pleiotropy_hr_per_allele": 1.0, "measurement.lab_bias_factor": 1.0}
    assert mp.pleiotropy_pull(hidden) == 0.0
    hidden["genetics.pleiotropy_hr_per_allele"] = 0.956  # a large MR study gave about -0.27
    assert -0.32 < mp.pleiotropy_pull(hidden) < -0.2

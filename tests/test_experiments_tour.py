"""Notebook 00's tour of the world: summaries, scenarios, truth beside a crude estimate."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simlib import REGIONS  # noqa: E402
from simlib.experiments import tour  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def people():
    return tour.sample_people("null", n=200_000, seed=1)


def test_vitd_summary_by_region(people):
    table = tour.vitd_by_region(people)
    assert list(table.index) == list(REGIONS.sort_values("latitude_deg")["region"])
    assert table["adults"].sum() < len(people)  # adults alive only
    assert 45 < (table["mean_nmol"] * table["adults"]).sum() / table["adults"].sum() < 65
    assert (table["share_below_30"] <= table["share_below_50"]).all()


def test_ms_is_commoner_in_the_north(people):
    table = tour.ms_by_region(people)
    north = table.loc[["Scotland", "Western Norway"], "prevalent"].sum() \
        / table.loc[["Scotland", "Western Norway"], "alive"].sum()
    south = table.loc[["Queensland", "Texas"], "prevalent"].sum() \
        / table.loc[["Queensland", "Texas"], "alive"].sum()
    assert north > 3 * south


def test_scenario_differences_list_only_what_differs():
    table = tour.scenario_differences(tour.WORLD_ORDER)
    assert list(table.columns[:4]) == list(tour.WORLD_ORDER)
    assert table.loc["ms.vitd_hr_per_25nmol", list(tour.WORLD_ORDER)].tolist() == [
        1.0, 0.8, 0.5, 0.8]
    assert "population.female_share" not in table.index


def test_true_effects_are_one_in_the_null_world():
    table = tour.truth_table(("null",), n=20_000, seed=1)
    assert np.allclose(table.loc["null"].to_numpy(float), 1.0)


def test_crude_cohort_finds_the_truth_without_bias():
    table = tour.crude_estimates(("no_bias",), "cohort", population=400_000, seed=2)
    row = table.iloc[0]
    assert row["n_cases"] > 50
    assert abs(row["estimate"] - row["estimand_value"]) < 3.5 * row["se"]


def test_vitd_panel_draws_the_regions_truth(people):
    assert tour.nearest_region(57) == "Scotland"
    assert tour.nearest_region(0) == "Queensland"
    fig = tour.draw_vitd_panel(people, 57, 100)
    ax = fig.axes[0]
    assert "nmol/L" in ax.get_xlabel() and "Scotland" in ax.get_title()
    assert any(line.get_label().startswith("true regional mean") for line in ax.get_lines())


def test_tour_figure_has_three_labelled_panels(people):
    fig = tour.tour_figure(people)
    assert len(fig.axes) == 3
    assert all(ax.get_ylabel() for ax in fig.axes)
    assert "latitude" in fig.axes[2].get_xlabel()

"""Notebook 01's experiments: the ecological fallacy, seeded and small."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib import build_world, load_scenario  # noqa: E402
from simlib.experiments import latitude, latitude_panel  # noqa: E402
from simlib.truth import true_effects  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def null_study():
    return latitude.ecological_studies(("null",), population=300_000, seed=1)["null"]


@pytest.fixture(scope="module")
def panel():
    return latitude_panel.panel_population("null", n=60_000, seed=3)


def test_panel_onsets_are_the_worlds_onsets(panel):
    fitted = load_scenario("null").ms.latitude_hr_per_10_degrees
    onset = latitude_panel.panel_onsets(panel, fitted, 0.9, 1.0)
    natural = build_world(load_scenario("null")).sample(60_000, 3, columns=("ms_onset_age",))
    np.testing.assert_array_equal(onset, natural["ms_onset_age"].to_numpy())


def test_panel_onsets_follow_a_changed_parameter(panel):
    changed = load_scenario("null").with_values({"ms.latitude_hr_per_10_degrees": 1.5})
    natural = build_world(changed).sample(60_000, 3, columns=("ms_onset_age",))
    onset = latitude_panel.panel_onsets(panel, 1.5, 0.9, 1.0)
    np.testing.assert_array_equal(onset, natural["ms_onset_age"].to_numpy())


def test_null_world_gives_a_strong_spurious_ecological_association(null_study):
    table = latitude.ecological_table({"null": null_study})
    prevalence = table[table["measure"] == "prevalence"].iloc[0]
    assert prevalence["truth_ratio"] == pytest.approx(1.0)
    assert prevalence["converged"]
    assert np.exp(prevalence["ci_high"]) < 0.5  # far from the truth of no effect


def test_within_regions_recovers_the_truth_without_confounding():
    n, seed = 300_000, 2
    cells = latitude.individual_cells("no_bias", n, seed)
    truth = np.log(true_effects(load_scenario("no_bias"), n, seed)["hr_per_25"])
    row = latitude.three_levels(cells, truth).set_index("label").loc[
        "individuals within regions"]
    assert row["n_cases"] > 200
    assert abs(row["estimate"] - truth) < 3.5 * row["se"]  # within Monte Carlo error


def test_three_levels_shows_the_fallacy_on_a_hand_made_table():
    # Within each region the counts are symmetric about the region's middle 25(OH)D, so
    # the within-region rate ratio is exactly 1; regions with higher 25(OH)D have fewer
    # cases, so the pooled and ecological ratios are below 1.
    cells = pd.DataFrame({
        "region": list("AAABBBCCC"), "onsets": [10, 12, 10, 5, 7, 5, 2, 4, 2],
        "person_years": 1e5, "people": 100,
        "vitd_nmol": [40.0, 45.0, 50.0, 70.0, 75.0, 80.0, 100.0, 105.0, 110.0]})
    cells["vitd_sum"] = cells["vitd_nmol"] * cells["people"]
    table = latitude.three_levels(cells, 0.0).set_index("label")
    assert table["converged"].all()
    assert table.loc["individuals within regions", "estimate"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["individuals, regions pooled", "estimate"] < -0.5
    assert table.loc["regions (ecological)", "estimate"] < -0.5


def test_anchored_curve_reproduces_the_total_cases(null_study):
    data = null_study.data
    for slope in (0.0, -1.0, np.log(0.8)):
        rate = latitude._anchored_rate(data, "prevalent", "population", slope,
                                       data["mean_vitd_nmol"])
        expected = (rate / 1e5 * data["population"]).sum()
        assert expected == pytest.approx(data["prevalent"].sum(), rel=1e-9)


def test_region_scatter_has_labelled_axes_and_the_truth(null_study):
    ax = latitude.region_scatter(null_study)
    assert "nmol/L" in ax.get_xlabel() and "per 100,000" in ax.get_ylabel()
    assert any(line.get_label().startswith("truth") for line in ax.get_lines())


def test_confounder_worlds_remove_the_causes_cumulatively():
    worlds = list(latitude.confounder_worlds("null").values())
    assert worlds[0] == load_scenario("null")
    last = worlds[-1]
    assert last.ms.latitude_hr_per_10_degrees == 1.0 and last.ms.uvb_hr_per_doubling == 1.0
    assert last.ancestry.hla_carrier_low == last.ancestry.hla_carrier_high
    assert last.infection.im_log_or_per_degree == 0.0
    assert last.ms.vitd_hr_per_25nmol == 1.0  # still the null world


def test_region_groups_use_only_their_regions(null_study):
    table = latitude.region_groups_table(null_study, groups=("all", "us", "europe"))
    assert table["regions"].tolist() == [10, 3, 5]
    assert (table["vitd_range_nmol"] > 0).all()


def test_draw_panel_is_labelled(panel):
    fig = latitude_panel.draw_panel(panel, 1.0, 1.0, 0.8, 200)
    ax = fig.axes[0]
    assert "nmol/L" in ax.get_xlabel() and "per 100,000" in ax.get_ylabel()
    truth = [line for line in ax.get_lines() if line.get_label().startswith("truth")]
    assert truth and "0.80" in truth[0].get_label()


def test_survey_size_table_has_one_row_per_size(panel):
    table = latitude_panel.survey_size_table(panel, sizes=(50, 400), seeds=range(1, 3))
    assert table["adults_per_region"].tolist() == [50, 400]
    assert (table["lowest"] <= table["mean_ratio"]).all()
    assert (table["mean_ratio"] <= table["highest"]).all()

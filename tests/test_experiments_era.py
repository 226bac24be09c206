"""Tests of simlib.experiments.era_history (notebook 03, "The same world in 1995 and 2015")."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib import load_scenario  # noqa: E402
from simlib.calibrate import published_figures  # noqa: E402
from simlib.errors import ParameterError  # noqa: E402
from simlib.experiments import era_history as eh  # noqa: E402

NULL = load_scenario("null")
N = 1_000_000  # about 1,300 prevalent cases per survey year
SEED = 3


@pytest.fixture(scope="module")
def history():
    return eh.era_table(NULL, [1995, 2005, 2015], N, SEED)


def test_the_null_world_flips_sign_between_1995_and_2015(history):
    # SE of the difference from the data: SD of the cases' measured 25(OH)D / sqrt(n_cases)
    # (the table's standard_error_nmol, checked against a direct computation below); the
    # controls, hundreds of times more numerous, add little to it.
    first, last = history.iloc[0], history.iloc[-1]
    assert first["n_cases"] > 500 and last["n_cases"] > 500
    assert first["cases_minus_controls_nmol"] < -3 * first["standard_error_nmol"]
    assert last["cases_minus_controls_nmol"] > 3 * last["standard_error_nmol"]
    assert 1995 < eh.flip_year(history) < 2015


def test_the_share_of_patients_on_vitamin_d_rises_with_the_survey_year(history):
    share = history["patients_on_vitamin_d_share"].to_numpy()
    assert np.all(np.diff(share) > 0.05)
    assert share[0] < 0.10 and share[-1] > 0.50  # 2% in 1995, two thirds by 2015


def test_without_supplements_after_diagnosis_there_is_no_flip():
    no_supplements = NULL.with_values({"reverse_causation.supplement_share": 0.0})
    row = eh.era_table(no_supplements, [2015], N, SEED).iloc[0]
    assert row["patients_on_vitamin_d_share"] == 0.0
    assert row["cases_minus_controls_nmol"] < -3 * row["standard_error_nmol"]


def test_a_row_matches_a_direct_computation():
    people = eh.survey(NULL, 2010, 100_000, SEED)
    row = eh.era_row(people, 2010.0)
    adult_cases = people[people["alive"] & (people["age"] >= 18)
                         & (people["diagnosis_age"] < people["age"])]
    values = adult_cases["vitd_survey_nmol"]
    assert row["n_cases"] == len(adult_cases) > 20
    assert row["standard_error_nmol"] == pytest.approx(values.std() / np.sqrt(len(values)))
    on = adult_cases["post_dx_supplement_start_age"] <= adult_cases["age"]
    assert row["patients_on_vitamin_d_share"] == pytest.approx(on.mean())
    assert people.attrs["scenario"].calendar.survey_year == 2010.0


def test_same_seed_same_table_and_the_same_people_every_year():
    first = eh.era_table(NULL, [1995, 2015], 100_000, 11)
    pd.testing.assert_frame_equal(first, eh.era_table(NULL, [1995, 2015], 100_000, 11))
    other = eh.era_table(NULL, [1995, 2015], 100_000, 12)
    assert not first["cases_minus_controls_nmol"].equals(other["cases_minus_controls_nmol"])
    early, late = (eh.survey(NULL, year, 20_000, 11) for year in (1995, 2015))
    np.testing.assert_array_equal(early["female"], late["female"])


def test_flip_year_interpolates_the_first_crossing():
    table = pd.DataFrame({"survey_year": [1995.0, 2000.0, 2005.0],
                          "cases_minus_controls_nmol": [-10.0, -5.0, 5.0],
                          "standard_error_nmol": 1.0, "patients_on_vitamin_d_share": 0.1,
                          "n_cases": 100})
    assert eh.flip_year(table) == pytest.approx(2002.5)
    assert np.isnan(eh.flip_year(table.assign(cases_minus_controls_nmol=-1.0)))
    assert eh.flip_year(table.assign(cases_minus_controls_nmol=1.0)) == 1995.0


@pytest.mark.parametrize(("arguments", "name"), [
    ({"years": []}, "years"), ({"years": [1900]}, "years"), ({"years": [1995, 1995]}, "years"),
    ({"years": "1995"}, "years"), ({"years": [float("nan")]}, "years"),
    ({"n": 0}, "n"), ({"n": 1.5}, "n"), ({"seed": -1}, "seed"), ({"seed": "1"}, "seed"),
    ({"scenario": "null"}, "scenario")])
def test_bad_arguments_are_named(arguments, name):
    call = {"scenario": NULL, "years": [1995], "n": 1_000, "seed": 1} | arguments
    with pytest.raises(ParameterError, match=rf"^{name}\b") as error:
        eh.era_table(**call)
    assert "\n" not in str(error.value) and "allowed" in str(error.value)


# ------------------------------------------------------------------ figure
TABLE = pd.DataFrame({"survey_year": [1995.0, 2005.0, 2015.0],
                      "cases_minus_controls_nmol": [-12.0, 4.0, 37.0],
                      "standard_error_nmol": [0.5, 0.8, 0.9],
                      "patients_on_vitamin_d_share": [0.02, 0.25, 0.67],
                      "n_cases": [1300, 1400, 1500]})


def test_plot_has_units_zero_line_and_published_figures():
    before = dict(matplotlib.rcParams)
    top, bottom = eh.era_plot(TABLE)
    try:
        assert "(nmol/L)" in top.get_ylabel() and "(%)" in bottom.get_ylabel()
        assert "year" in bottom.get_xlabel()
        labels = top.get_legend_handles_labels()[1]
        assert "no difference" in labels and len(labels) == 4
        published = published_figures()
        uk = [line for line in top.get_lines() if list(line.get_xdata()) == [2019]]
        assert uk and uk[0].get_ydata()[0] == float(published.loc[eh.UK_ID, "value"])
        assert any("2014" in label and "95% CI" in label for label in labels)
        assert bottom.get_ylim() == (0.0, 100.0)
        assert dict(matplotlib.rcParams) == before
    finally:
        plt.close(top.figure)


def test_plot_draws_on_given_axes():
    fig, axes = plt.subplots(2, 1)
    try:
        drawn = eh.era_plot(TABLE, published_figures(), ax=axes)
        assert drawn[0] is axes[0] and drawn[1] is axes[1]
    finally:
        plt.close(fig)


@pytest.mark.parametrize(("arguments", "name"), [
    ({"table": TABLE.drop(columns="n_cases")}, "table"), ({"table": [1, 2]}, "table"),
    ({"published": published_figures().drop(index=eh.UK_ID)}, "published"),
    ({"ax": "axes"}, "ax")])
def test_plot_rejects_bad_arguments(arguments, name):
    call = {"table": TABLE} | arguments
    with pytest.raises(ParameterError, match=rf"^{name}\b"):
        eh.era_plot(**call)  # rejected before any figure is made

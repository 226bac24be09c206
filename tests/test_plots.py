"""Plots: the truth is drawn, axes carry units, one mark per row/node/edge, no global state."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from simlib import build_world, load_scenario, plots  # noqa: E402
from simlib.errors import ModelError, ParameterError  # noqa: E402
from simlib.montecarlo import diagnose  # noqa: E402
from simlib.scm import Model, Node  # noqa: E402

SCALE = "log OR per 25 nmol/L"
TRUTH = np.log(0.8)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def replicates(n=50, truth=TRUTH, bias=0.0, sd=0.1, seed=1, **keys):
    """A replicate-like table: normal estimates around ``truth + bias`` with Wald CIs."""
    estimate = truth + bias + sd * np.random.default_rng(seed).standard_normal(n)
    table = pd.DataFrame({
        "rep": np.arange(n), "design": "case-control", "estimator": "logit",
        "scenario": "causal", "estimand": "log OR", "estimand_value": truth, "scale": SCALE,
        "estimate": estimate, "se": sd, "ci_low": estimate - 1.96 * sd,
        "ci_high": estimate + 1.96 * sd, "p_value": 0.5, "n": 1000, "n_cases": 100,
        "converged": True, "reason": "", "error": ""})
    return table.assign(**keys)


def sweep_table():
    """A 3 x 2 sweep over ``ms.hr_female`` and ``option.population``; bias grows with both."""
    return pd.concat([replicates(bias=0.1 * h * (p == 2000), seed=int(10 * h + p),
                                 **{"ms.hr_female": h, "option.population": p})
                      for h in (1.0, 2.0, 3.0) for p in (1000, 2000)], ignore_index=True)


def forest_rows():
    return pd.DataFrame({"label": ["cohort", "case-control", "survey"],
                         "estimate": [-0.2, np.nan, 0.3], "ci_low": [-0.4, np.nan, 0.1],
                         "ci_high": [0.0, np.nan, 0.5], "estimand_value": TRUTH,
                         "scale": SCALE})


def tiny_model():
    return Model([Node("a", lambda n: np.zeros(n)), Node("b", lambda a: a + 1),
                  Node("c", lambda a, b: a + b)])


def truth_lines(ax):
    return [line for line in ax.get_lines() if line.get_label() == "truth"]


def node_texts(ax):
    return [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]


def arrows(ax):
    return [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]


def drawn_edges(ax):
    """(parent, child) of each arrow: it starts at the parent's box, ends at the child's."""
    return {(arrow.anncoords.get_text(), arrow.xycoords.get_text()) for arrow in arrows(ax)}


# ------------------------------------------------------------------ forest plots
def test_forest_plot_draws_rows_truth_and_ratio_axis():
    ax = plots.forest_plot(forest_rows())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = sorted(zip(ax.get_yticks(), labels, strict=True))
    assert [label for _, label in ticks] == ["survey", "case-control", "cohort"]  # first on top
    (line,) = truth_lines(ax)
    assert np.allclose(line.get_xdata(), 0.8)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "OR per 25 nmol/L (log scale)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.67", "1", "1.5"]
    wide = forest_rows().assign(ci_low=np.log([0.3, np.nan, 1.0]), ci_high=np.log([1, np.nan, 4]))
    ticks = [t.get_text() for t in plots.forest_plot(wide).get_xticklabels()]
    assert ticks == ["0.25", "0.5", "1", "2", "4"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"truth", "no effect"}


def test_forest_plot_marks_failed_rows_not_estimable():
    ax = plots.forest_plot(forest_rows())
    assert [t.get_text() for t in ax.texts].count("not estimable") == 1
    assert len(ax.get_yticklabels()) == 3


def test_forest_plot_per_row_truths_and_linear_scale():
    rows = forest_rows().assign(estimand_value=[0.1, 0.2, 0.3])
    ax = plots.forest_plot(rows, log_scale=False)
    (markers,) = truth_lines(ax)
    assert np.allclose(markers.get_xdata(), [0.1, 0.2, 0.3])
    assert ax.get_xscale() == "linear" and ax.get_xlabel() == SCALE


def test_forest_from_diagnosis_uses_mean_and_empirical_se():
    table = pd.concat([replicates(), replicates(bias=0.3, seed=2).assign(design="survey")])
    diag = diagnose(table, by=["design"])
    ax = plots.forest_from_diagnosis(diag)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["case-control / logit", "survey / logit"]
    (bars,) = ax.containers
    assert np.allclose(np.log(bars.lines[0].get_xdata()), diag["mean_estimate"])
    assert np.allclose(truth_lines(ax)[0].get_xdata(), 0.8)
    assert "empirical SE" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    linear = plots.forest_from_diagnosis(diag.assign(scale="y per 25 nmol/L"))
    assert linear.get_xscale() == "linear" and linear.get_xlabel() == "y per 25 nmol/L"


# ------------------------------------------------------------------ Monte Carlo
def test_sampling_distribution_truth_mean_and_summary():
    table = replicates(bias=0.05)
    table.loc[0, ["converged", "estimate"]] = [False, np.nan]
    ax = plots.sampling_distribution(table, bins=10)
    assert np.allclose(truth_lines(ax)[0].get_xdata(), TRUTH)
    mean = [line for line in ax.get_lines() if line.get_label() == "mean estimate"]
    assert np.allclose(mean[0].get_xdata(), table["estimate"].iloc[1:].mean())
    assert sum(patch.get_height() for patch in ax.patches) == 49
    assert ax.get_xlabel() == SCALE and ax.get_ylabel() == "replicates"
    summary = " ".join(t.get_text() for t in ax.texts)
    assert "bias" in summary and "empirical SE" in summary and "coverage" in summary
    assert "1 failed" in summary


def test_sampling_distribution_refuses_several_designs():
    table = pd.concat([replicates(), replicates().assign(design="cohort")])
    with pytest.raises(ParameterError, match="several designs"):
        plots.sampling_distribution(table)


def test_sweep_line_has_mcse_bars_and_reference():
    table = sweep_table()
    ax = plots.sweep_plot(table, "ms.hr_female")
    assert ax.get_xlabel() == "ms.hr_female" and SCALE in ax.get_ylabel()
    (reference,) = [line for line in ax.get_lines() if line.get_label() == "truth (no bias)"]
    assert np.allclose(reference.get_ydata(), 0.0)
    diag = diagnose(table, by=["ms.hr_female"])
    (bars,) = ax.containers
    assert "1.96 MCSE" in bars.get_label()
    assert np.allclose(bars.lines[0].get_ydata(), diag["bias"])
    (low, high) = bars.lines[1][:2]
    assert np.allclose(high.get_ydata() - low.get_ydata(), 2 * 1.96 * diag["mcse_bias"])
    coverage = plots.sweep_plot(table, ["ms.hr_female"], measure="coverage")
    assert [line.get_ydata()[0] for line in coverage.get_lines()
            if line.get_label() == "nominal 95%"] == [0.95]


def test_sweep_heatmap_colorbar_and_cell_numbers():
    table = sweep_table()
    ax = plots.sweep_plot(table, ["ms.hr_female", "option.population"])
    (image,) = ax.get_images()
    assert image.colorbar is not None and SCALE in image.colorbar.ax.get_ylabel()
    assert image.norm.vmin == -image.norm.vmax  # diverging, centred on 0
    diag = diagnose(table, by=["ms.hr_female", "option.population"])
    cells = sorted(float(t.get_text()) for t in ax.texts)
    assert np.allclose(cells, sorted(diag["bias"]), rtol=5e-3, atol=1e-12)
    assert ax.get_xlabel() == "ms.hr_female" and ax.get_ylabel() == "option.population"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1,000", "2,000"]
    coverage = plots.sweep_plot(table, ["ms.hr_female", "option.population"], measure="coverage")
    bar = coverage.get_images()[0].colorbar
    assert "coverage" in bar.ax.get_ylabel() and 0.95 in bar.get_ticks()


def test_sweep_plot_checks_its_arguments():
    with pytest.raises(ParameterError, match="measure"):
        plots.sweep_plot(sweep_table(), "ms.hr_female", measure="accuracy")
    with pytest.raises(ParameterError, match="keys"):
        plots.sweep_plot(sweep_table(), ["a", "b", "c"])


# ------------------------------------------------------------------ the DAG
def test_dag_of_tiny_model_one_text_per_node_one_arrow_per_edge():
    ax = plots.dag_plot(tiny_model(), highlight=["c"])
    assert sorted(node_texts(ax)) == ["a", "b", "c"]
    assert len(arrows(ax)) == 3
    assert drawn_edges(ax) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert not ax.axison
    ax.figure.canvas.draw()  # arrows anchored to the boxes render


def test_dag_subset_skips_unselected_parents():
    ax = plots.dag_plot(tiny_model(), nodes=["a", "c"])
    assert sorted(node_texts(ax)) == ["a", "c"] and drawn_edges(ax) == {("a", "c")}
    collapsed = plots.dag_plot(tiny_model(), nodes=["b", "c"], collapse=True)
    assert drawn_edges(collapsed) == {("b", "c")}  # a is a parent, not a path between them


def test_teaching_dag_keeps_paths_through_unselected_nodes():
    world = build_world(load_scenario("null"))
    ax = plots.dag_plot(world, nodes=plots.TEACHING_NODES, collapse=True,
                        highlight=("vitd_mean_nmol", "ms_onset_age"))
    assert sorted(node_texts(ax)) == sorted(plots.TEACHING_NODES)
    edges = drawn_edges(ax)
    assert len(arrows(ax)) == len(edges)
    assert ("uvb_dose", "vitd_mean_nmol") in edges  # via sun_vitd_nmol
    assert ("latitude_deg", "vitd_survey_nmol") in edges  # via seasonal_amplitude_nmol
    assert ("latitude_deg", "vitd_mean_nmol") not in edges  # only through uvb_dose, selected
    assert ("ancestry_north", "ms_log_hazard_ratio") in edges  # via vitd_raising_alleles


def test_full_world_dag_and_unknown_nodes():
    world = build_world(load_scenario("null"))
    ax = plots.dag_plot(world)
    assert len(node_texts(ax)) == len(world.order)
    assert len(arrows(ax)) == len(world.edges()) and drawn_edges(ax) == set(world.edges())
    assert ax.figure.get_figwidth() > 15
    again = plots.dag_plot(world)
    assert [t.get_position() for t in again.texts] == [t.get_position() for t in ax.texts]
    with pytest.raises(ModelError, match="did you mean 'vitd_mean_nmol'"):
        plots.dag_plot(world, nodes=["vitd_mean_nmo"])


# ------------------------------------------------------------------ files and state
def test_save_writes_a_png(tmp_path):
    ax = plots.forest_plot(forest_rows())
    path = plots.save(ax, tmp_path / "forest.png")
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000
    assert not plt.fignum_exists(ax.figure.number)


def test_no_global_state_changed_and_given_axes_used(tmp_path):
    before = matplotlib.rcParams.copy()
    figures = plt.get_fignums()
    _, axes = plt.subplots(2, 3)
    calls = [lambda ax: plots.forest_plot(forest_rows(), ax=ax),
             lambda ax: plots.forest_from_diagnosis(diagnose(replicates()), ax=ax),
             lambda ax: plots.sampling_distribution(replicates(), ax=ax),
             lambda ax: plots.sweep_plot(sweep_table(), "ms.hr_female", ax=ax),
             lambda ax: plots.sweep_plot(sweep_table(), ["ms.hr_female", "option.population"],
                                         ax=ax),
             lambda ax: plots.dag_plot(tiny_model(), ax=ax)]
    for call, ax in zip(calls, axes.flat, strict=True):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == len(figures) + 1
    for i, call in enumerate(calls):
        plots.save(call(None), tmp_path / f"{i}.png")
    assert plt.get_fignums() == [axes.flat[0].figure.number]
    assert dict(matplotlib.rcParams) == dict(before)


def test_forest_from_a_filtered_diagnosis_table():
    """A slice of a larger diagnosis table (non-default index) plots its own rows."""
    diag = pd.DataFrame({"design": ["a", "b", "c", "d"], "estimator": ["x", "y", "x", "y"],
                         "world": ["null", "null", "causal", "causal"],
                         "mean_estimate": [0.1, -0.2, 0.3, -0.4], "empirical_se": 0.05,
                         "estimand_value": 0.0, "scale": "log OR per 25 nmol/L"})
    ax = plots.forest_from_diagnosis(diag[diag["world"] == "causal"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["c / x", "d / y"]
    plt.close(ax.figure)

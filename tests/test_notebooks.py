"""The notebook suite: every notebook executes (small simulations), has the teaching
structure, claims.toml points at real sections, the report and the student copy work.

Each notebook is executed once per session with ``VITD_SIM_QUICK=1`` (same code paths,
smaller simulations); ``benchmarks/bench_notebooks.py`` times the suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simlib import notebooks, teaching, widgets
from simlib.errors import ParameterError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "notebook_fixtures"
PATHS = notebooks.notebook_paths()
EXPECTED = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]

_EXECUTED: dict[str, object] = {}


def executed(path: Path):
    """Execute a notebook once per test session (quick sizes, live widgets)."""
    if path.stem not in _EXECUTED:
        _EXECUTED[path.stem] = notebooks.run_notebook(path, quick=True, timeout=900)
    return _EXECUTED[path.stem]


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_suite_has_every_notebook():
    assert [p.stem[:2] for p in PATHS] == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_executes_and_draws(path):
    nb = executed(path)
    errors = [out for cell in code_cells(nb) for out in cell.outputs
              if out.get("output_type") == "error"]
    assert not errors
    assert len(notebooks.images(nb)) >= 1, "no figure displayed"
    figure, finding = notebooks.headline(nb)
    assert figure, "no headline figure (teaching.headline)"
    assert len(finding) > 20 and re.search(r"\d", finding), f"finding {finding!r} has no figures"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_has_teaching_structure(path):
    nb = notebooks.read(path)
    first_code = code_cells(nb)[0]
    assert notebooks.PARAMETERS_TAG in notebooks.tags(first_code), "first code cell not tagged"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    text = path.read_text(encoding="utf-8")
    assert text.count("teaching.headline(") == 1
    assert "widgets.panel(" in text
    exercises = re.findall(r"^# #+ Exercise \d", text, flags=re.MULTILINE)
    solutions = [c for c in nb.cells if notebooks.SOLUTION_TAG in notebooks.tags(c)]
    assert 2 <= len(exercises) <= 4, f"{len(exercises)} exercises"
    assert len(solutions) >= len(exercises)


def test_notebooks_are_stored_without_outputs():
    """Only jupytext percent scripts in notebooks/: no .ipynb, so no outputs, committed."""
    tracked = subprocess.run(["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    assert not [name for name in tracked if name.endswith(".ipynb")]
    for path in PATHS:
        head = path.read_text(encoding="utf-8").splitlines()[:12]
        assert "#       format_name: percent" in head, f"{path.name} is not a percent script"
        assert all(not cell.get("outputs") for cell in code_cells(notebooks.read(path)))


def test_claims_reference_existing_notebooks_and_sections():
    claims = teaching.load_claims()
    assert len(claims) >= 8
    headings = {}
    for path in PATHS:
        headings[path.stem] = {line[3:].strip() for cell in notebooks.read(path).cells
                               if cell.cell_type == "markdown"
                               for line in cell.source.splitlines() if line.startswith("## ")}
    for claim in claims:
        assert {"id", "claim", "article", "observation", "mechanisms", "shown_in"} <= set(claim)
        assert claim["article"] in {"ms-and-vitamin-d", "vitamin-d-autoimmune"}
        for ref in claim["shown_in"]:
            assert ref["notebook"] in headings, f"{claim['id']}: no notebook {ref['notebook']}"
            assert ref["section"] in headings[ref["notebook"]], (
                f"{claim['id']}: no section {ref['section']!r} in {ref['notebook']}")


def test_claims_table_has_one_row_per_claim():
    table = teaching.claims_table()
    assert len(table) == len(teaching.load_claims())
    assert table["shown in"].str.contains("§").all()


def test_student_copy_has_no_solutions(tmp_path):
    written = notebooks.student_copy(tmp_path)
    assert [p.stem for p in written] == [p.stem for p in PATHS]
    for student, path in zip(written, PATHS, strict=True):
        copy = notebooks.read(student)
        assert not [c for c in copy.cells if notebooks.SOLUTION_TAG in notebooks.tags(c)]
        original = notebooks.read(path)
        kept = [c for c in original.cells if notebooks.SOLUTION_TAG not in notebooks.tags(c)]
        assert [c.source for c in copy.cells] == [c.source for c in kept]


def test_student_copy_cli(tmp_path):
    out = tmp_path / "students"
    done = subprocess.run([sys.executable, "-m", "simlib", "student-copy", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*.ipynb"))) == len(PATHS)
    for path in out.glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert not [c for c in cells if "solution" in c["metadata"].get("tags", [])]


def test_report_cli_rejects_unknown_notebook(tmp_path):
    done = subprocess.run([sys.executable, "-m", "simlib", "report", "--out", str(tmp_path),
                           "--notebooks", "01_latitude_ecologcal"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "01_latitude_ecological" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------- the machinery
def test_injected_parameters_change_the_result():
    nb = notebooks.run_notebook(FIXTURES / "01_demo.py", {"slope": 2.5})
    _, finding = notebooks.headline(nb)
    assert finding == "The slope was 2.5."
    solution = [c for c in code_cells(nb) if notebooks.SOLUTION_TAG in notebooks.tags(c)][0]
    assert solution.outputs[0]["text"].strip() == "solution 5.0"


def test_injecting_needs_a_parameters_cell():
    nb = notebooks.read(FIXTURES / "01_demo.py")
    nb.cells = [c for c in nb.cells if notebooks.PARAMETERS_TAG not in notebooks.tags(c)]
    with pytest.raises(ParameterError, match="parameters"):
        notebooks.inject_parameters(nb, {"slope": 1.0})


def test_a_failing_cell_names_notebook_and_cell():
    with pytest.raises(notebooks.NotebookError,
                       match=r"02_broken.py: cell 2 .*ZeroDivisionError"):
        notebooks.run_notebook(FIXTURES / "02_broken.py")


def test_report_pages_read_offline(tmp_path):
    index = notebooks.build_report(tmp_path, ["01"], progress=False, directory=FIXTURES)
    page = index.read_text()
    assert 'src="data:image/png;base64,' in page and "The slope was 1.0." in page
    assert "http://" not in page and "https://" not in page
    notebook_page = (tmp_path / "01_demo.html").read_text()
    # static mode: the panel's figure is an embedded PNG, not a widget needing JavaScript
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', notebook_page)) == 2
    assert "static view at the default settings" in notebook_page


def test_report_stops_on_a_failing_notebook(tmp_path):
    with pytest.raises(notebooks.NotebookError, match="02_broken"):
        notebooks.build_report(tmp_path, None, progress=False, directory=FIXTURES)


def test_select_suggests_the_nearest_notebook():
    with pytest.raises(ParameterError, match="01_demo"):
        notebooks.select(["01_dem"], FIXTURES)


def test_size_is_smaller_in_quick_mode(monkeypatch):
    monkeypatch.setenv(teaching.QUICK_ENV, "1")
    assert teaching.size(1_000_000, 200_000) == 200_000
    assert teaching.size(1_000) == 100
    monkeypatch.setenv(teaching.QUICK_ENV, "0")
    assert teaching.size(1_000_000, 200_000) == 1_000_000
    with pytest.raises(ParameterError, match="size"):
        teaching.size(0)


def _printed_json(nb) -> dict:
    last = code_cells(nb)[-1]
    return json.loads("".join(out["text"] for out in last.outputs if out.get("text")))


def test_injected_parameters_give_a_different_correct_result_in_a_real_notebook():
    """Notebook 09 with other doses and another dose-response ceiling: its median reached
    25(OH)D changes, and equals the world's own level under do(supplement_iu=dose) with
    that ceiling (same people, seed 1)."""
    import nbformat
    import numpy as np

    from simlib import build_world, load_scenario

    path = ROOT / "notebooks" / "09_dose_and_safety.py"
    probe = nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps({'median': float(summary.loc[claim_doses_iu[1], "
        "'median']), 'n': n_people, 'seed': seed}))")

    def run(parameters):
        nb = notebooks.inject_parameters(notebooks.read(path), parameters)
        nb.cells.append(probe)
        return _printed_json(notebooks.execute(nb, path.name, cwd=path.parent, quick=True,
                                               static=True))

    default = run({})
    injected = run({"claim_doses_iu": (3_000.0, 8_000.0), "max_rise_nmol": 250.0})
    assert abs(injected["median"] - default["median"]) > 10.0  # 225 -> 240 nmol/L
    scenario = load_scenario("null").with_values({"vitamin_d.oral_max_rise_nmol": 250.0})
    world = build_world(scenario).do(supplement_iu=8_000.0)
    people = world.sample(injected["n"], injected["seed"], columns=["vitd_mean_nmol"])
    expected = float(np.median(people["vitd_mean_nmol"]))
    assert injected["median"] == pytest.approx(expected, rel=1e-9)


def test_seminar_plans_name_existing_notebooks_and_sections():
    text = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    stems = {p.stem for p in PATHS}
    named = set(re.findall(r"`(\d\d_[a-z_]+)`", text))
    assert named and named <= stems, named - stems
    headings = " ".join(line for path in PATHS
                        for line in path.read_text(encoding="utf-8").splitlines()
                        if line.startswith("# ## "))
    sections = re.findall(r"(?<!\*)\*([A-Z][^*]+)\*(?!\*)", text)  # *Section name*
    assert len(sections) >= 10
    for section in sections:
        assert section in headings, section


def test_report_runs_notebooks_in_parallel_and_lists_them_in_order(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    for stem in ("01_demo", "02_demo_again", "03_demo_third"):
        (source / f"{stem}.py").write_text((FIXTURES / "01_demo.py").read_text())
    out = tmp_path / "report"
    index = notebooks.build_report(out, None, progress=False, directory=source, workers=2)
    page = index.read_text()
    positions = [page.index(f'href="{stem}.html"')
                 for stem in ("01_demo", "02_demo_again", "03_demo_third")]
    assert positions == sorted(positions)
    assert all((out / f"{stem}.html").exists() for stem in ("01_demo", "02_demo_again"))


def test_parallel_report_stops_on_a_failing_notebook(tmp_path):
    with pytest.raises(notebooks.NotebookError, match="02_broken"):
        notebooks.build_report(tmp_path, None, progress=False, directory=FIXTURES, workers=2)
    assert not (tmp_path / "index.html").exists()


def test_report_workers_are_bounded_by_cores_and_notebooks(tmp_path):
    assert notebooks.report_workers(1) == 1
    assert 1 <= notebooks.report_workers(12) <= (os.cpu_count() or 1)
    with pytest.raises(ParameterError, match="workers 0"):
        notebooks.build_report(tmp_path, ["01"], directory=FIXTURES, workers=0)


def test_redraw_timing_visits_defaults_then_each_slider_end(tmp_path):
    controls = {"slope": widgets.Slider(0, 3, 0.1, 1.0, "slope"),
                "n": widgets.Slider(10, 100, 10, 100, "people", integer=True)}
    settings = widgets.slider_settings(controls)
    assert [label for label, _ in settings] == ["default", "slope=0", "slope=3", "n=10"]
    assert settings[3][1] == {"slope": 1.0, "n": 10} and isinstance(settings[3][1]["n"], int)
    drawn = []

    def draw(slope, n):
        import matplotlib.pyplot as plt

        drawn.append((slope, n))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, slope * n])
        return fig

    log = tmp_path / "times.jsonl"
    rows = widgets.time_redraws(draw, controls, log, title="demo")
    assert drawn == [(1.0, 100), (0, 100), (3, 100), (1.0, 10)]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == rows and [row["setting"] for row in rows][0] == "default"
    assert all(row["title"] == "demo" and row["seconds"] >= 0 for row in rows)

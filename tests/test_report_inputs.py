"""Bad input to the notebook report and the student copy: one-line errors before any kernel
starts, pages written whole or not at all, and Ctrl-C that leaves no kernel behind.

Fast: notebooks are not executed (``run_notebook`` is replaced by a stub), except in
``test_ctrl_c_while_a_notebook_executes_kills_the_kernel`` (one tiny kernel, ~2 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from simlib import notebooks
from simlib.errors import OutputError, ParameterError

FIXTURES = Path(__file__).resolve().parent / "notebook_fixtures"
NUMBERS = [p.stem[:2] for p in notebooks.notebook_paths()]


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


def tiny_notebook(stem: str):
    """An 'executed' notebook with a heading, a headline figure and a finding."""
    cell = nbformat.v4.new_code_cell("pass")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="},
                               metadata={notebooks.HEADLINE_KEY: "headline-figure"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"**Finding.** {stem}"},
                               metadata={notebooks.HEADLINE_KEY: "headline-finding"})]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {stem}"), cell])


@pytest.fixture
def stub_run(monkeypatch):
    """``run_notebook`` returns a tiny notebook instantly; the calls are recorded."""
    calls = []

    def run(path, parameters=None, **kwargs):
        calls.append(Path(path).stem)
        return tiny_notebook(Path(path).stem)

    monkeypatch.setattr(notebooks, "run_notebook", run)
    return calls


@pytest.fixture
def no_run(monkeypatch):
    def run(*args, **kwargs):
        pytest.fail("a notebook was executed before the input was checked")

    monkeypatch.setattr(notebooks, "run_notebook", run)


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes (``.NAME.*.part*``)."""
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name or p.name.startswith("."))


# ------------------------------------------------------------- select()
def test_select_a_number_that_does_not_exist_lists_the_numbers():
    with pytest.raises(ParameterError) as error:
        notebooks.select(["99"])
    message = one_line(error)
    assert message.startswith("--notebooks '99' is not a notebook")
    assert f"{NUMBERS[0]}-{NUMBERS[-1]}" in message and "did you mean ''" not in message


@pytest.mark.parametrize(("name", "meant"), [
    ("1", "'01'"), ("001", "'01'"), ("latitde", "'01_latitude_ecological'"),
    ("01_latitude_ecologcal", "'01_latitude_ecological'"), ("confound", "'02_confounding'"),
    ("notebooks/02_confounding.py", "'02_confounding'"), ("mystery", "'11_mystery_world'")])
def test_select_suggests_a_real_notebook(name, meant):
    with pytest.raises(ParameterError) as error:
        notebooks.select([name])
    message = one_line(error)
    assert f"--notebooks {name!r} is not a notebook (did you mean {meant}?)" in message


def test_select_without_a_suggestion_lists_every_name():
    with pytest.raises(ParameterError) as error:
        notebooks.select(["xyz"])
    message = one_line(error)
    assert "did you mean" not in message
    assert all(p.stem in message for p in notebooks.notebook_paths())


@pytest.mark.parametrize("names", [[""], ["  "], [], ["", ""]])
def test_select_an_empty_name_is_an_error_not_everything(names):
    with pytest.raises(ParameterError, match="names no notebook: use numbers like 01,02") as err:
        notebooks.select(names)
    one_line(err)


@pytest.mark.parametrize("names", [["01", "", "02"], ["01", " "], ["", "01"]])
def test_select_an_empty_name_in_a_list_is_an_error(names):
    with pytest.raises(ParameterError, match="has an empty name: separate") as error:
        notebooks.select(names)
    assert repr(",".join(n.strip() for n in names)) in one_line(error)


def test_select_runs_a_notebook_named_twice_once():
    chosen = notebooks.select(["02", "01", "02_confounding", " 01 "])
    assert [p.stem for p in chosen] == ["02_confounding", "01_latitude_ecological"]


def test_select_none_is_every_notebook_and_text_is_split_at_commas():
    assert notebooks.select(None) == notebooks.notebook_paths()
    assert [p.stem[:2] for p in notebooks.select("03, 01")] == ["03", "01"]
    with pytest.raises(ParameterError, match="'01,,02' has an empty name"):
        notebooks.select("01,,02")
    with pytest.raises(ParameterError, match="names no notebook"):
        notebooks.select("")


# ------------------------------------------------------------- build_report()
def test_report_into_a_file_fails_before_any_notebook_runs(tmp_path, no_run):
    target = tmp_path / "report.html"
    target.write_text("not a folder")
    with pytest.raises(OutputError) as error:
        notebooks.build_report(target, ["01"], progress=False, directory=FIXTURES)
    assert one_line(error) == f"--out {str(target)!r} is a file, not a folder: give a folder"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        notebooks.build_report(target / "sub", ["01"], progress=False, directory=FIXTURES)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_report_into_an_unwritable_folder_fails_before_any_notebook_runs(no_run):
    with pytest.raises(OutputError) as error:
        notebooks.build_report("/proc/vitd-sim-report", None, progress=False)
    assert one_line(error).startswith("--out '/proc/vitd-sim-report'")


def test_report_with_a_bad_name_makes_no_folder(tmp_path, no_run):
    out = tmp_path / "report"
    with pytest.raises(ParameterError, match="did you mean '01_demo'"):
        notebooks.build_report(out, ["01_dmo"], progress=False, directory=FIXTURES)
    assert not out.exists()


def test_report_writes_pages_and_index(tmp_path, stub_run):
    # workers=1: the stubbed run_notebook lives in this process (the parallel report's
    # workers are other processes; tests/test_notebooks.py runs it for real)
    index = notebooks.build_report(tmp_path, ["02", "01"], progress=False, directory=FIXTURES,
                                   workers=1)
    assert stub_run == ["02_broken", "01_demo"]
    assert index == tmp_path / "index.html" and "01_demo" in index.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "01_demo.html", "02_broken.html", "index.html"]


def test_interrupted_report_leaves_whole_pages_only(tmp_path, stub_run, monkeypatch):
    (tmp_path / "index.html").write_text("previous report")
    real_headline = notebooks.headline
    seen = []

    def headline(nb):
        seen.append(nb)
        if len(seen) == 2:  # Ctrl-C while the second notebook is being collected
            raise KeyboardInterrupt
        return real_headline(nb)

    monkeypatch.setattr(notebooks, "headline", headline)
    with pytest.raises(KeyboardInterrupt):
        notebooks.build_report(tmp_path, None, progress=False, directory=FIXTURES, workers=1)
    assert (tmp_path / "index.html").read_text() == "previous report"
    assert leftovers(tmp_path) == []
    for page in tmp_path.glob("0*.html"):
        assert page.read_text().rstrip().endswith("</html>")


def test_interrupt_while_writing_the_index_keeps_the_old_one(tmp_path, stub_run, monkeypatch):
    (tmp_path / "index.html").write_text("previous report")
    real_write_text = Path.write_text

    def write_text(self, text, *args, **kwargs):
        if "index.html" in self.name:  # the temporary file beside index.html
            real_write_text(self, text[: len(text) // 2], *args, **kwargs)
            raise KeyboardInterrupt  # half written
        return real_write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(KeyboardInterrupt):
        notebooks.build_report(tmp_path, ["01"], progress=False, directory=FIXTURES)
    monkeypatch.undo()
    assert (tmp_path / "index.html").read_text() == "previous report"
    assert (tmp_path / "01_demo.html").read_text().rstrip().endswith("</html>")
    assert leftovers(tmp_path) == []


def test_an_unrenderable_page_leaves_no_file(tmp_path, stub_run, monkeypatch):
    def to_html(nb):
        raise KeyboardInterrupt

    monkeypatch.setattr(notebooks, "to_html", to_html)
    with pytest.raises(KeyboardInterrupt):
        notebooks.build_report(tmp_path, ["01"], progress=False, directory=FIXTURES)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------- student_copy()
def test_student_copy_into_a_file_or_below_one_is_an_output_error(tmp_path):
    target = tmp_path / "students"
    target.write_text("a file")
    with pytest.raises(OutputError) as error:
        notebooks.student_copy(target, directory=FIXTURES)
    assert one_line(error) == (f"student-copy {str(target)!r} is a file, not a folder: "
                               "give a folder")
    with pytest.raises(OutputError) as error:
        notebooks.student_copy(target / "deeper", directory=FIXTURES)
    assert one_line(error) == (f"student-copy {str(target / 'deeper')!r}: {str(target)!r} "
                               "is a file, not a folder")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_student_copy_into_an_unwritable_folder_is_an_output_error():
    with pytest.raises(OutputError) as error:
        notebooks.student_copy("/proc/vitd-sim-students", directory=FIXTURES)
    assert one_line(error).startswith("student-copy '/proc/vitd-sim-students' cannot be made")


def test_student_copy_writes_whole_notebooks_atomically(tmp_path, monkeypatch):
    written = notebooks.student_copy(tmp_path / "new" / "students", directory=FIXTURES)
    assert [p.name for p in written] == ["01_demo.ipynb", "02_broken.ipynb"]
    for path in written:
        cells = json.loads(path.read_text())["cells"]
        assert not [c for c in cells if "solution" in c["metadata"].get("tags", [])]
    # interrupted on the second notebook: the first is whole, the second absent
    out = tmp_path / "again"
    real_strip = notebooks.strip_solutions
    seen = []

    def strip(nb):
        seen.append(nb)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real_strip(nb)

    monkeypatch.setattr(notebooks, "strip_solutions", strip)
    with pytest.raises(KeyboardInterrupt):
        notebooks.student_copy(out, directory=FIXTURES)
    assert [p.name for p in out.iterdir()] == ["01_demo.ipynb"]
    json.loads((out / "01_demo.ipynb").read_text())


# ------------------------------------------------------------- Ctrl-C while executing
class _FakeClient:
    """Stands in for nbclient's client: executes 'forever', records its cleanup."""

    def __init__(self):
        self.km = None
        self.shutdown_kernel = "graceful"
        self.cleaned_up = None

    def create_kernel_manager(self):
        return object()  # no provisioner: nothing for _kill_kernel to kill

    async def async_execute(self):
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0)  # the cleanup awaits (shutting the kernel down)
            self.cleaned_up = self.shutdown_kernel


def _sigint_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_cancels_the_execution_cleans_up_and_raises_keyboard_interrupt():
    client = _FakeClient()
    started = time.perf_counter()
    timer = _sigint_after(0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            notebooks._run_client(client)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 3
    assert client.cleaned_up == "immediate"  # the finally ran, with an immediate shutdown
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


SLEEPER = """# %% [markdown]
# # Sleeper

# %% tags=["parameters"]
seconds = 60

# %%
import os
import pathlib
import time
pathlib.Path("kernel.pid").write_text(str(os.getpid()))
time.sleep(seconds)
"""


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_a_notebook_executes_kills_the_kernel(tmp_path):
    """A real kernel (deselected by ``-k "not execute"``): Ctrl-C in a cell."""
    path = tmp_path / "01_sleeper.py"
    path.write_text(SLEEPER)
    pid_file = tmp_path / "kernel.pid"
    sent = []

    def interrupt_once_running():
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_running, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        notebooks.run_notebook(path, timeout=120)
    interrupted = time.monotonic()
    assert interrupted - sent[0] < 3, "KeyboardInterrupt was not raised promptly"
    pid = int(pid_file.read_text())
    while _running(pid) and time.monotonic() - interrupted < 3:
        time.sleep(0.05)
    assert not _running(pid), "the kernel outlived the interrupt"


# ------------------------------------------------------------- calibration page
def test_the_calibration_page_builds_with_every_published_figure(tmp_path):
    """``make report`` writes it first; a figure missing from the simulated set failed it."""
    import pandas as pd

    from simlib.population import write_report

    page = write_report(tmp_path, 20_000, 1)
    text = page.read_text()
    for name in ("null", "causal", "threshold", "no_bias"):
        assert f"<h2>{name}</h2>" in text
        table = pd.read_csv(tmp_path / f"{name}-calibration.csv", index_col=0)
        assert {"inc_women", "relapse_season_range"} <= set(table.index)
        assert table["simulated"].notna().sum() >= 20

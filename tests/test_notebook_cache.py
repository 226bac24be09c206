"""The report's notebook cache (jupyter-cache): an unchanged notebook is not rerun, a change
to its code, to simlib, to the data or to the libraries reruns it, ``force`` reruns all.

One real execution of the tiny fixture notebook (~3 s); the reruns are counted by wrapping
``run_notebook``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simlib import notebook_cache, notebooks

FIXTURES = Path(__file__).resolve().parent / "notebook_fixtures"


@pytest.fixture
def counted(monkeypatch):
    """Wrap ``run_notebook``: the stems it executes, in order."""
    calls, real = [], notebooks.run_notebook

    def run(path, *args, **kwargs):
        calls.append(Path(path).stem)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(notebooks, "run_notebook", run)
    return calls


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(FIXTURES / "01_demo.py", folder / "01_demo.py")
    return folder


def report(tmp_path, source, **kwargs):
    return notebooks.build_report(tmp_path / "out", None, progress=False, directory=source,
                                  workers=1, cache=tmp_path / "cache", **kwargs)


def test_an_unchanged_notebook_comes_from_the_cache(tmp_path, source, counted):
    first = report(tmp_path, source)
    page = (tmp_path / "out" / "01_demo.html").read_text()
    assert counted == ["01_demo"] and "(outputs from the cache)" not in first.read_text()
    second = report(tmp_path, source)
    assert counted == ["01_demo"]  # not executed again
    assert "(outputs from the cache)" in second.read_text()
    cached_page = (tmp_path / "out" / "01_demo.html").read_text()
    assert cached_page.count("data:image/png;base64,") == page.count("data:image/png;base64,")
    assert "The slope was 1.0." in second.read_text()

    # prose only: still cached; a code cell changed: executed, and cached again
    path = source / "01_demo.py"
    path.write_text(path.read_text().replace("# ## The question", "# ## The question, reworded"))
    report(tmp_path, source)
    assert counted == ["01_demo"]
    path.write_text(path.read_text().replace("slope = 1.0", "slope = 2.0"))
    index = report(tmp_path, source)
    assert counted == ["01_demo", "01_demo"] and "The slope was 2.0." in index.read_text()
    report(tmp_path, source)
    assert counted == ["01_demo", "01_demo"]

    report(tmp_path, source, force=True)
    assert counted == ["01_demo"] * 3


def test_a_change_to_simlib_or_the_libraries_opens_a_fresh_cache(tmp_path, source, counted,
                                                                  monkeypatch):
    report(tmp_path, source)
    monkeypatch.setattr(notebook_cache, "fingerprint", lambda: "0123456789abcdef")
    report(tmp_path, source)
    assert counted == ["01_demo", "01_demo"]
    folders = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(folders) == 2 and "full-static-0123456789abcdef" in folders


def test_the_fingerprint_follows_source_and_data(tmp_path):
    package, data = tmp_path / "simlib", tmp_path / "data"
    (package / "sub").mkdir(parents=True)
    data.mkdir()
    (package / "world.py").write_text("A = 1\n")
    (package / "sub" / "x.py").write_text("B = 2\n")
    (data / "scenario.toml").write_text("n = 1\n")
    base = notebook_cache.fingerprint(package, data)
    assert notebook_cache.fingerprint(package, data) == base
    (package / "sub" / "x.py").write_text("B = 3\n")
    edited = notebook_cache.fingerprint(package, data)
    (data / "scenario.toml").write_text("n = 2\n")
    assert len({base, edited, notebook_cache.fingerprint(package, data)}) == 3


def test_old_cache_folders_are_pruned(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    for number in range(notebook_cache.KEEP + 2):
        monkeypatch.setattr(notebook_cache, "fingerprint", lambda n=number: f"{n:016x}")
        notebook_cache.open_cache(root, quick=True, static=True)
    kept = sorted(p.name for p in root.iterdir())
    assert len(kept) == notebook_cache.KEEP
    assert f"quick-static-{notebook_cache.KEEP + 1:016x}" in kept  # the newest stays
    assert f"quick-static-{0:016x}" not in kept


def test_report_cache_that_is_a_file_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "simlib", "report", "--out",
                             str(tmp_path / "out"), "--cache", str(blocker), "--quick"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--cache" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_calibration_pages_are_cached_by_fingerprint_n_and_seed(tmp_path, monkeypatch):
    calls = []

    def write(folder, n, seed):
        folder.mkdir(parents=True)
        (folder / "calibration.html").write_text(f"<p>{n} {seed} call {len(calls)}</p>")
        (folder / "null.json").write_text("{}")
        calls.append((n, seed))

    out, root = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    page, hit = notebook_cache.cached_pages(root, out, 100, 1, write)
    assert not hit and calls == [(100, 1)] and (out / "null.json").exists()
    page, hit = notebook_cache.cached_pages(root, out, 100, 1, write)
    assert hit and calls == [(100, 1)] and page.read_text() == "<p>100 1 call 0</p>"
    notebook_cache.cached_pages(root, out, 100, 2, write)  # another seed: built
    notebook_cache.cached_pages(root, out, 100, 1, write, force=True)
    assert calls == [(100, 1), (100, 2), (100, 1)]
    monkeypatch.setattr(notebook_cache, "fingerprint", lambda: "f" * 16)
    notebook_cache.cached_pages(root, out, 100, 1, write)
    assert len(calls) == 4

    def interrupted(folder, n, seed):
        folder.mkdir(parents=True)
        (folder / "calibration.html").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        notebook_cache.cached_pages(root, out, 7, 1, interrupted)
    assert not [p for p in root.iterdir() if "n7-" in p.name]

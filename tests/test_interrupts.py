"""Ctrl-C and SIGTERM: a long run stops within seconds, keeps what it finished, and never
leaves a half-written output file; rerunning the command resumes to the same table."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simlib import load_scenario
from simlib.montecarlo import replicate

STOP_WITHIN_SECONDS = 10.0  # "a few seconds"; the stop itself takes well under 1 s here
COHORT = ["--design", "cohort", "--option", "population=30000", "--reps", "30", "--quiet"]


def _start(*argv):
    """The command line in its own process group (as a shell runs a foreground job), with
    Ctrl-C's default disposition: a test run started in the background by a shell
    inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler."""
    return subprocess.Popen([sys.executable, "-m", "simlib", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_default_sigint)


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_rows(path: Path, rows: int, process, limit=240.0):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if path.exists() and path.read_text().count("\n") > rows:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError(f"{path} never reached {rows} rows")


def _stop(process, how: str) -> tuple[int, str, float]:
    started = time.monotonic()
    if how == "ctrl-c":  # the terminal sends SIGINT to the whole foreground group
        os.killpg(process.pid, signal.SIGINT)
    else:  # a scheduler or `kill` sends SIGTERM to the command alone
        process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err, time.monotonic() - started


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("how, workers", [("ctrl-c", "2"), ("sigterm", "2"), ("ctrl-c", "1")])
def test_interrupted_study_keeps_finished_replicates_and_resumes_exactly(tmp_path, how,
                                                                         workers):
    out = tmp_path / "run"
    process = _start("study", "null", *COHORT, "--workers", workers, "--out", str(out))
    _wait_for_rows(out / "replicates.csv", 3, process)
    code, err, seconds = _stop(process, how)
    assert code == 130 and seconds < STOP_WITHIN_SECONDS, (code, err, seconds)
    assert "Traceback" not in err and err.strip().count("\n") == 0
    assert "finished replicates are kept" in err
    kept = pd.read_csv(out / "replicates.csv")
    assert 3 <= len(kept) < 30 and kept["rep"].is_unique
    assert not (out / "diagnosis.json").exists() and not _leftovers(out)
    assert not subprocess.run(["pgrep", "-f", str(out)], capture_output=True).stdout
    if how != "ctrl-c" or workers != "2":
        return  # resuming is the same whatever stopped the run: checked once
    finished = subprocess.run([sys.executable, "-m", "simlib", "study", "null", *COHORT,
                               "--out", str(out)], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    resumed = pd.read_csv(out / "replicates.csv").sort_values("rep").reset_index(drop=True)
    serial = replicate(load_scenario("null"), "cohort", 30, 1, options={"population": 30000},
                       progress=False)
    assert len(resumed) == 30
    pd.testing.assert_series_equal(resumed["estimate"], serial["estimate"], check_dtype=False)


def test_interrupted_population_file_is_never_half_written(tmp_path):
    target = tmp_path / "people.csv"
    process = _start("population", "null", "--n", "3000000", "--seed", "1", "--chunk",
                     "200000", "--out", str(target))
    started = time.monotonic()
    while not _leftovers(tmp_path) and time.monotonic() - started < 120:
        time.sleep(0.05)  # wait until the temporary file is being written
    assert _leftovers(tmp_path), "the population file never started"
    code, err, seconds = _stop(process, "sigterm")
    assert code == 130 and seconds < STOP_WITHIN_SECONDS, (code, err)
    assert "no output file was left half written" in err and "Traceback" not in err
    assert not target.exists() and not _leftovers(tmp_path)


def test_atomic_files_have_ordinary_permissions_and_vanish_on_error(tmp_path):
    from simlib.files import atomic_write, write_text

    written = write_text(tmp_path / "page.html", "<p>x</p>")
    mask = os.umask(0)
    os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o666 & ~mask
    with pytest.raises(KeyboardInterrupt), atomic_write(tmp_path / "other.csv") as part:
        part.write_text("half")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_full_disk_is_one_line_exit_2_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    import errno

    import simlib.population
    from simlib.cli import main

    def full(self, people):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    monkeypatch.setattr(simlib.population._PeopleWriter, "write", full)
    code = main(["population", "null", "--n", "100", "--seed", "1",
                 "--out", str(tmp_path / "people.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no space left on device" in err
    assert list(tmp_path.iterdir()) == []

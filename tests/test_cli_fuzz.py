"""A fuzz test over the whole command line: generated argument vectors for every subcommand.

Each generated case runs in-process with small sizes and must end in one of three ways:
exit 0 with a result on stdout, or exit 1 / 2 with exactly one line on stderr and no
traceback, within a time bound. Wrong types, NaN, inf, huge and negative numbers,
unknown names, odd unicode, and paths that are files, folders, unwritable or missing are
drawn for every option. Hypothesis runs derandomized (the same cases every run), so the
test is deterministic; ``build/fuzz-outcomes.json`` records the outcome table.

``report`` runs its real validation but not the notebooks (the two functions that execute
them are replaced by stubs that record the call): executing twelve notebooks per case
would take hours.
"""

import contextlib
import io
import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simlib.notebooks
import simlib.population
from simlib.cli import main
from simlib.designs import design_names

CASES = 520  # the issue asks for at least 500 per CI run
TIME_BOUND_SECONDS = 60  # per case; a case past it is a hang, and fails the test
ROOT = Path(__file__).resolve().parent.parent

ODD_TEXT = ["", " ", "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "1.5", "1e6", "0x10",
            "1_000", "١٢", "ñ", "\u202e1", "💊", "null", "true", "[1, 2]", "{a = 1}", "'", '"',
            "\\", "--n", "=", "a=b=c", "10" * 40]


def _mostly(valid, bad):
    """``valid`` three times in four, else ``bad``: enough valid runs to reach the work,
    enough bad values to reach every check."""
    return st.integers(0, 3).flatmap(lambda i: bad if i == 0 else valid)


def _numbers(valid: list[str]):
    """Valid small values mixed with everything a user might type instead."""
    return _mostly(st.sampled_from(valid), st.one_of(
        st.sampled_from(ODD_TEXT), st.integers(-10**20, 10**20).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6)))


def _paths(folder: Path, suffix: str):
    """Output paths: fresh, existing file, folder, below a file, missing, unwritable."""
    (folder / "a_file").write_text("x")
    return st.one_of(
        st.integers(0, 10**6).map(lambda i: str(folder / f"new{i}{suffix}")),
        st.sampled_from([str(folder / "a_file"), str(folder), str(folder / "a_file" / f"x{suffix}"),
                         str(folder / "missing" / "deeper" / f"x{suffix}"), f"/proc/x{suffix}",
                         f"/proc/no/x{suffix}", "", "x.xlsx", str(folder / "ñ💊") + suffix,
                         "/dev/null"]))


def _scenarios(folder: Path):
    files = {"good.toml": "[ms]\nhr_female = 2.0\n", "empty.toml": "",
             "bad.toml": "[ms\n", "typo.toml": "[ms]\nhr_femal = 2\n"}
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "binary.toml").write_bytes(bytes(range(256)) * 4)
    return _mostly(st.sampled_from(["null", "causal", "threshold", "no_bias",
                                    str(folder / "good.toml")]),
                   st.sampled_from(["nul", "NULL", "", "ñull", str(folder / "empty.toml"),
                                    str(folder / "bad.toml"), str(folder / "typo.toml"),
                                    str(folder / "binary.toml"), str(folder),
                                    str(folder / "no.toml")]))


BAD_SETS = st.one_of(
    st.sampled_from(["ms.hr_female=nan", "ms.hr_female=1e400", "ms.hr_female=-1",
                     "ms.hr_femal=2", "ms.hr_female", "=1", "ms.=1", "population.regions=mars",
                     "genetics.effect_nmol=[1, 2, 3]", "genetics.effect_nmol=[1, 2, 3, \"x\"]"]),
    st.builds(lambda key, value: f"{key}={value}",
              st.sampled_from(["ms.hr_female", "behaviour.smoking_share", "sun.cloud_effect",
                               "nope.key"]), st.sampled_from(ODD_TEXT)))
SETS = _mostly(st.sampled_from(["ms.hr_female=2.0", "population.regions=us",
                                "ms.vitd_hr_per_25nmol=0.7", "ms.vitd_effect_shape=threshold"]),
               BAD_SETS)


def _option_values(design: str):
    """Options a design has (and some it has not), each with valid and odd values."""
    names = ["population", "participants", "follow_up_years", "age_low", "age_high",
             "regions", "eligibility", "lag_years", "controls_per_case", "nope", "survey_size"]
    return st.builds(lambda name, value: f"{name}={value}", st.sampled_from(names),
                     _mostly(st.sampled_from(["10000", "200", "2", "5", "30", "us", "general",
                                              "early-ms", "true"]),
                             st.sampled_from(ODD_TEXT)))


@st.composite
def _argv(draw, folder: Path):
    command = draw(st.sampled_from(["scenarios", "show", "population", "designs", "study",
                                    "sweep", "report", "student-copy", "bogus", "--help"]))
    scenario = draw(_scenarios(folder))
    if command in ("scenarios", "designs", "bogus", "--help"):
        return [command, *draw(st.lists(st.sampled_from(ODD_TEXT), max_size=1))]
    if command == "show":
        return ["show", scenario, *draw(st.sampled_from([[], ["--format", "toml"],
                                                         ["--format", "yaml"]])),
                *[a for s in draw(st.lists(SETS, max_size=2)) for a in ("--set", s)]]
    if command == "population":
        return _population(draw, folder, scenario)
    if command in ("study", "sweep"):
        return _study(draw, folder, scenario, command)
    if command == "report":
        return ["report", "--notebooks", draw(st.sampled_from(["00", "99", "", "01,,02",
                                                               "latitde", "1", "00,00"])),
                "--out", draw(_paths(folder, "")),
                *draw(st.sampled_from([[], ["--n", "0"], ["--n", "1000"], ["--seed", "-1"],
                                       ["--n", "10" * 10]]))]
    return ["student-copy", draw(_paths(folder, ""))]


def _population(draw, folder, scenario):
    argv = ["population", scenario, "--n", draw(_numbers(["1", "10", "500", "3000"])),
            "--seed", draw(_numbers(["0", "1", "7"])), "--quiet"]
    if draw(st.booleans()):
        argv += ["--chunk", draw(_numbers(["10000", "5", "100000000"]))]
    if draw(st.booleans()):
        argv += ["--out", draw(_paths(folder, draw(st.sampled_from([".csv", ".parquet"]))))]
    if draw(st.booleans()):
        argv += ["--format", draw(st.sampled_from(["json", "text", "xml"]))]
    return argv + [a for s in draw(st.lists(SETS, max_size=2)) for a in ("--set", s)]


def _study(draw, folder, scenario, command):
    design = draw(_mostly(st.sampled_from(design_names()), st.sampled_from(["cohrt", "", "ñ"])))
    argv = [command, scenario, "--design", design, "--reps",
            draw(_numbers(["1", "2"])), "--quiet", "--option", "population=10000"]
    options = draw(_mostly(st.just([]), st.lists(_option_values(design), max_size=2)))
    argv += [a for o in options for a in ("--option", o)]
    argv += [a for s in draw(st.lists(SETS, max_size=1)) for a in ("--set", s)]
    if draw(st.booleans()):
        argv += ["--seed", draw(_numbers(["3"]))]
    if draw(st.integers(0, 5)) == 0:
        argv += ["--workers", draw(st.sampled_from(["2", "0", "1000", "x"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--estimator", draw(st.sampled_from(["poisson", "cox", "bogus", ""]))]
    if command == "study":
        if draw(st.booleans()):
            argv += ["--out", draw(_paths(folder, ""))]
        return argv + draw(st.sampled_from([[], ["--format", "json"], ["--format", "xml"]]))
    grid = draw(_mostly(st.sampled_from([["ms.hr_female=1.5,2.0"], ["option.regions=us,all"]]),
                        st.lists(st.sampled_from(["ms.hr_female=1,1.0", "ms.hr_female=",
                                                  "option.follow_up_years=5,10", "bogus.key=1,2",
                                                  "option.nope=1", "ms.hr_female=nan"]),
                                 max_size=2)))
    argv += [a for g in grid for a in ("--grid", g)]
    argv += ["--out", draw(_paths(folder, ""))]
    return argv + draw(st.sampled_from([[], ["--resume"]]))


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_BOUND_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse: usage errors and --help
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def _outcome(code: int, out: str, err: str) -> str:
    """The outcome's class; raises AssertionError for an outcome that is not allowed."""
    assert code in (0, 1, 2), f"exit status {code}"
    assert "Traceback" not in err and "Traceback" not in out
    if code == 0:
        assert out.strip(), "exit 0 without a result"
        return "0: result"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {err[:2000]!r}"
    assert out == "", f"stdout on failure: {out[:500]!r}"
    return f"{code}: " + ("usage" if ": error: argument" in lines[0] or "invalid choice" in
                          lines[0] or "required" in lines[0] else "one line")


@pytest.fixture
def no_notebooks(monkeypatch):
    """``report`` validates for real but executes no notebook."""
    calls = []

    def fake_report(out, *args, **kwargs):
        calls.append(out)
        return Path(out) / "calibration.html"

    def fake_build(out, names=None, **kwargs):
        simlib.notebooks.select(names)
        calls.append(out)
        return Path(out) / "index.html"

    monkeypatch.setattr(simlib.population, "write_report", fake_report)
    monkeypatch.setattr(simlib.notebooks, "build_report", fake_build)
    return calls


def test_fuzz_the_whole_command_line(tmp_path_factory, no_notebooks, monkeypatch):
    folder = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(folder)
    outcomes, examples, slowest = Counter(), {}, []

    @settings(max_examples=CASES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_argv(folder))
    def check(argv):
        started = time.perf_counter()
        code, out, err = _run(argv)
        slowest.append((round(time.perf_counter() - started, 2), argv))
        try:
            kind = _outcome(code, out, err)
        except AssertionError as failure:
            raise AssertionError(f"{argv!r}: {failure}") from None
        outcomes[(argv[0], kind)] += 1
        examples.setdefault((argv[0], kind), (argv, (err or out).strip().splitlines()[-1:]))

    check()
    total = sum(outcomes.values())
    table = [{"command": command, "outcome": kind, "cases": count,
              "example": examples[command, kind]}
             for (command, kind), count in sorted(outcomes.items())]
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "fuzz-outcomes.json").write_text(
        json.dumps({"cases": total, "outcomes": table,
                    "slowest": sorted(slowest, key=lambda pair: -pair[0])[:10]},
                   indent=1, ensure_ascii=False))
    assert total >= 500
    assert {kind for _, kind in outcomes} >= {"0: result", "2: one line", "2: usage"}

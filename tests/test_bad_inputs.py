"""A hand-made list of bad and edge inputs to the command line, each with its answer.

Every case runs in-process and must exit with the expected status and, on failure,
exactly one line on stderr containing the expected words, with no traceback. ``{tmp}``
in an argument is a fresh folder, ``{file}`` a plain file in it, ``{toml:NAME}`` one of
the scenario files written by :func:`_files`. ``python tests/test_bad_inputs.py`` prints
the list with each command's actual answer (the table in the closing note of issue 9).
"""

import contextlib
import io
import shlex
import sys
from pathlib import Path

import pytest

from simlib.cli import main

P = "population null --n 100 --seed 1"
S = "study null --design cohort --option population=10000 --reps 2 --quiet"
W = "sweep null --design cohort --option population=10000 --reps 1 --quiet"

CASES = [
    # small and degenerate populations (valid input, undefined ratios)
    ("population null --n 10000 --seed 1", 0, "F:M n/a (no male cases)"),
    ("population null --n 2000 --seed 1", 0, "mean age at diagnosis: n/a (no incident cases)"),
    ("population null --n 1 --seed 1 --format json", 0, '"female_male_ratio": null'),
    # sizes and bounds
    ("population null --n 0 --seed 1", 2, "n '0' is not allowed"),
    ("population null --n -5 --seed 1", 2, "n '-5' is not allowed"),
    ("population null --n 1e6 --seed 1", 2, "n '1e6' is not allowed: use a whole number"),
    ("population null --n 2.5 --seed 1", 2, "n '2.5' is not allowed"),
    ("population null --n nan --seed 1", 2, "n 'nan' is not allowed"),
    ("population null --n 1000000000000 --seed 1", 2, "at most 10,000,000,000 people"),
    ("population null --n 200000000 --seed 1", 2, "pass --allow-large"),
    ("population null --n 100 --seed 1.5", 2, "seed '1.5' is not allowed"),
    ("population null --n 100 --seed -1", 2, "seed '-1' is not allowed"),
    ("population null --n 100000 --seed 1 --chunk 5", 2, "use at least 10,000 people"),
    ("population null --n 100 --seed 1 --chunk 100000000", 2, "at most 20,000,000"),
    ("population null --n 100 --seed 1 --chunk 0", 2, "chunk '0' is not allowed"),
    ("population null --seed 1", 2, "the following arguments are required: --n"),
    ("population null --n 100 --seed 1 --format yaml", 2, "invalid choice: 'yaml'"),
    # --set overrides
    (f"{P} --set ms.hr_female=nan", 2, "ms.hr_female = nan is not allowed (not finite)"),
    (f"{P} --set ms.hr_female=1e400", 2, "ms.hr_female = inf is not allowed (not finite)"),
    (f"{P} --set ms.hr_female=-1", 2, "(out of range): use a number in [0.1, 10]"),
    (f"{P} --set ms.hr_femal=2", 2, "did you mean 'ms.hr_female'"),
    (f"{P} --set ms.hr_fémale=2", 2, "did you mean 'ms.hr_female'"),
    (f"{P} --set ms.hr_female", 2, "is not of the form section.key=value"),
    (f"{P} --set =2", 2, "is not of the form section.key"),
    (f"{P} --set nosuch.key=1", 2, "unknown section 'nosuch'"),
    (f"{P} --set population.regions=mars", 2, "use one of 'all', 'us'"),
    (f"{P} --set ms.age_shape=[1,2]", 2, "use a list of 16 numbers"),
    (f"{P} --set genetics.effect_nmol=[1,2,3,[4]]", 2, "(not a number)"),
    (f"{P} --set genetics.effect_nmol={{a=1}}", 2, "use a list of 4 numbers"),
    (f"{P} --set ms.hr_female=", 2, "ms.hr_female = '' is not allowed (not a number)"),
    (f"{P} --set 'ms.hr_female=2 3'", 2, "'2 3' is not allowed (not a number)"),
    (f"{P} --set ms.vitd_effect_shape=3", 2, "use one of 'linear', 'threshold'"),
    (f"{P} --set ms.hr_female={'9' * 400}", 2, "too large"),
    # scenarios and scenario files
    ("population nul --n 10 --seed 1", 2, "did you mean 'null'"),
    ("population '' --n 10 --seed 1", 2, "is a folder, not a file"),
    ("population {toml:latin1} --n 10 --seed 1", 2, "is not UTF-8 text (byte 0xe9"),
    ("population {toml:binary} --n 10 --seed 1", 2, "is not a text scenario file"),
    ("population {toml:empty} --n 10 --seed 1", 2, "is empty: a scenario needs"),
    ("population {toml:comment} --n 10 --seed 1", 2, "is empty (it has only comments)"),
    ("population {toml:huge} --n 10 --seed 1", 2, "is too large"),
    ("population {toml:toplevel} --n 10 --seed 1", 2, "is outside any section: put it under [ms]"),
    ("population {toml:dupkey} --n 10 --seed 1", 2, "line 3 ('hr_female = 3'): key set twice"),
    ("population {toml:dupsection} --n 10 --seed 1", 2, "table set twice"),
    ("population {toml:arraytype} --n 10 --seed 1", 2, "genetics.effect_nmol = [1, 2, 'x', 4]"),
    ("population {toml:arraylen} --n 10 --seed 1", 2, "use a list of 4 numbers"),
    ("population {toml:namenum} --n 10 --seed 1", 2, "[scenario] name must be a string"),
    ("population {toml:strval} --n 10 --seed 1", 2, "ms.hr_female = '2' is not allowed"),
    ("population {toml:arrtable} --n 10 --seed 1", 2, "must be a [ms] table"),
    ("population {toml:typo} --n 10 --seed 1", 2, "did you mean 'ms.hr_female'"),
    ("population {toml:badsyntax} --n 10 --seed 1", 2, "is not valid TOML, line 1 ('[ms')"),
    ("population {tmp}/nothere.toml --n 10 --seed 1", 2, "No such file or directory"),
    ("population {tmp} --n 10 --seed 1", 2, "is a folder, not a file"),
    ("population /dev/null --n 10 --seed 1", 2, "is empty"),
    ("population /dev/zero --n 10 --seed 1", 2, "is too large"),
    ("show {toml:binary}", 2, "is not a text scenario file"),
    ("show null --set ms.hr_female=-1", 2, "(out of range)"),
    # output paths
    (f"{P} --out people.xlsx", 2, "use a .csv or .parquet file"),
    (f"{P} --out {{tmp}}/sub.csv", 0, "per 100,000"),
    (f"{P} --out {{file}}/x.csv", 2, "is a file, not a folder"),
    (f"{P} --out {{tmp}}/no/such/x.csv", 2, "does not exist"),
    (f"{P} --out /proc/x.csv", 2, "is not writable"),
    (f"{P} --out {{tmp}}/dir.csv", 2, "is a folder: give a file name"),
    (f"{S} --out {{file}}", 2, "is a file, not a folder"),
    (f"{S} --out /proc/zz", 2, "cannot be made"),
    (f"{W} --grid ms.hr_female=1,2 --out {{file}}", 2, "is a file, not a folder"),
    (f"{W} --grid ms.hr_female=1,2 --out /proc/sw", 2, "cannot be made"),
    ("student-copy {file}", 2, "is a file, not a folder"),
    ("student-copy /proc/sc", 2, "cannot be made"),
    ("report --notebooks 00 --out {file}", 2, "is a file, not a folder"),
    # study and sweep
    ("study null --design cohrt --reps 2", 2, "did you mean 'cohort'"),
    ("study null --design '' --reps 2", 2, "unknown design ''"),
    ("study null --design cohort --reps 0", 2, "reps '0' is not allowed"),
    ("study null --design cohort --reps 20000", 2, "pass --allow-large"),
    ("study null --design cohort --reps 1000000000", 2, "at most 1,000,000 replicates"),
    ("study null --design cohort --reps 2 --workers 1000", 2, "--workers 1000 is not allowed"),
    ("study null --design cohort --reps 2 --workers 0", 2, "workers '0' is not allowed"),
    ("study null --design cohort --option foo --reps 2", 2, "is not of the form name=value"),
    ("study null --design cohort --option foo=1 --reps 2", 2, "unknown option 'foo'"),
    ("study null --design cohort --option population=nan --reps 2", 2, "population=nan"),
    ("study null --design cohort --option population=1e30 --reps 2", 2, "[10000, 5e+07]"),
    ("study null --design cohort --option population=1 --reps 2", 2, "population=1 is not"),
    ("study null --design cohort --estimator bogus --reps 2", 2, "unknown estimator 'bogus'"),
    ("study null --design cohort --option age_low=60 --option age_high=30 --reps 2", 2,
     "age_low"),
    ("study null --design cohort --option age_low=70 --option age_high=80 "
     "--option follow_up_years=60 --reps 2", 2, "follow_up_years"),
    ("study null --design cohort --reps 2 --format xml", 2, "invalid choice: 'xml'"),
    (f"{S} --set ms.baseline_per_100k=0 --reps 3", 1,
     "3 of 3 replicates failed: no MS cases in this sample"),
    (f"{S} --set ms.baseline_per_100k=0 --format json", 1, "2 of 2 replicates failed"),
    (f"{S} --option follow_up_years=1 --reps 3", 0, "failed: no MS cases in this sample"),
    (f"{W} --out {{tmp}}/s1 --grid ms.hr_female=1,2 --grid ms.hr_female=3", 2, "given twice"),
    (f"{W} --out {{tmp}}/s2 --grid ms.hr_female=1,1.0", 2, "value 1.0 is given twice"),
    (f"{W} --out {{tmp}}/s3 --grid ms.hr_female=", 2, "is not of the form key=value1"),
    (f"{W} --out {{tmp}}/s4 --grid bogus.key=1,2", 2, "unknown section 'bogus'"),
    (f"{W} --out {{tmp}}/s5 --grid option.bogus=1", 2, "unknown option 'bogus'"),
    (f"{W} --out {{tmp}}/s6 --grid ms.hr_female=1,,2", 2, "ms.hr_female = '' is not allowed"),
    (f"{W} --out {{tmp}}/s7 --grid ms.hr_female=nan,2", 2, "(not finite)"),
    (f"{W} --out {{tmp}}/s8 --set ms.baseline_per_100k=0 --grid ms.hr_female=1,2", 1,
     "2 of 2 replicates failed"),
    # report and the rest
    ("report --notebooks 99", 2, "use a number 00-11"),
    ("report --notebooks ''", 2, "names no notebook"),
    ("report --notebooks 01,,02", 2, "has an empty name"),
    ("report --notebooks latitde", 2, "did you mean '01_latitude_ecological'"),
    ("report --n 0", 2, "n '0' is not allowed"),
    ("designs extra", 2, "unrecognized arguments: extra"),
    ("frobnicate", 2, "invalid choice: 'frobnicate'"),
    ("", 2, "the following arguments are required: COMMAND"),
]

FILES = {
    "latin1": b"caf\xe9 = 1\n[ms]\nhr_female = 2\n", "binary": bytes(range(256)) * 8,
    "empty": b"", "comment": b"# only a comment\n",
    "huge": b"[ms]\n" + b"# padding\n" * 200_000 + b"hr_female = 2\n",
    "toplevel": b"hr_female = 2\n[ms]\nbaseline_per_100k = 1\n",
    "dupkey": b"[ms]\nhr_female = 2\nhr_female = 3\n", "dupsection": b"[ms]\n[ms]\n",
    "arraytype": b'[genetics]\neffect_nmol = [1, 2, "x", 4]\n',
    "arraylen": b"[genetics]\neffect_nmol = [1, 2, 3]\n", "namenum": b"[scenario]\nname = 5\n",
    "strval": b'[ms]\nhr_female = "2"\n', "arrtable": b"[[ms]]\nhr_female = 2\n",
    "typo": b"[ms]\nhr_femal = 2\n", "badsyntax": b"[ms\nhr_female = 2\n",
}


def _files(folder: Path) -> dict:
    (folder / "a_file").write_text("x")
    (folder / "dir.csv").mkdir()
    for name, data in FILES.items():
        (folder / f"{name}.toml").write_bytes(data)
    return {"tmp": str(folder), "file": str(folder / "a_file"),
            **{f"toml:{name}": str(folder / f"{name}.toml") for name in FILES}}


def _argv(command: str, places: dict) -> list[str]:
    for key, value in places.items():
        command = command.replace("{" + key + "}", value)
    return shlex.split(command)


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue(), err.getvalue()


def test_the_list_has_at_least_60_distinct_bad_inputs():
    bad = [case for case in CASES if case[1] != 0]
    assert len({command for command, _, _ in bad}) == len(bad) >= 60


@pytest.mark.parametrize("command, code, words", CASES, ids=[c[0][:60] for c in CASES])
def test_each_input_gets_its_answer(tmp_path, monkeypatch, command, code, words):
    monkeypatch.chdir(tmp_path)
    got, out, err = run(_argv(command, _files(tmp_path)))
    assert got == code, (got, out[-500:], err[-500:])
    assert "Traceback" not in err
    if code == 0:
        assert words in out
    else:
        assert err.count("\n") == 1 and words in err, err
        assert code == 1 or out == ""


if __name__ == "__main__":  # the table for the closing note
    import tempfile

    print("| # | input | exit | answer (stderr, or the stdout line checked) |")
    print("|---|---|---|---|")
    for number, (command, _, words) in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as folder:
            places = _files(Path(folder))
            with contextlib.chdir(folder):
                got, out, err = run(_argv(command, places))
        answer = err.strip() or next((line for line in out.splitlines() if words in line), "")
        answer = answer.replace(folder, "TMP").replace("python -m simlib", "").strip(": ")
        print(f"| {number} | `{command}` | {got} | {answer[:160].replace('|', '/')} |")
    sys.exit(0)

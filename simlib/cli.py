"""Command-line interface: ``python -m simlib COMMAND``.

Commands
--------
``scenarios``
    List the shipped scenarios.
``show SCENARIO [--format text|toml] [--set k=v ...]``
    Every parameter with its unit, range and source; ``toml`` prints a complete,
    editable scenario file.
``population SCENARIO --n N --seed S [--set k=v ...] [--chunk C] [--format text|json]
[--out FILE.csv|FILE.parquet]``
    Simulate a population and print its summary (incidence, prevalence, 25(OH)D)
    with the true causal effects.
``report [--out DIR] [--n N] [--seed S] [--notebooks 01,02] [--quick]``
    Execute every notebook and write ``DIR/index.html`` (headline figure and finding of
    each), one HTML page per notebook and ``DIR/calibration.html`` (``make report``).
``student-copy OUTDIR``
    Write the notebooks as ``.ipynb`` without the cells tagged ``solution``.
``designs``
    The study designs, their options and estimators.
``study SCENARIO --design NAME [--option k=v ...] [--estimator E] --reps R --seed S
[--workers W] [--set k=v ...] [--format text|json] [--out DIR]``
    Monte Carlo diagnosis of one design: bias, SEs, coverage and power against the truth.
``sweep SCENARIO --design NAME --grid key=v1,v2,... [--grid ...] --reps R --out DIR
[--resume] [--seed S] [--workers W] [--option k=v ...] [--set k=v ...]``
    The same over a grid of scenario keys (``section.key``) or design options
    (``option.name``); writes a tidy CSV, the diagnosis and a figure.

Bad input (unknown scenario or key, out-of-range value, bad size) prints one line
on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import ParameterError, SimlibError
from .scenario import describe, load_scenario, scenario_names

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _positive_int(name):
    def parse(text):
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} is not allowed: use a whole number >= 1") from None
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} is not allowed: use a whole number >= 1")
        return value
    return parse


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not allowed: use a whole number >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m simlib", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("scenarios", help="list the shipped scenarios")
    show = commands.add_parser("show", help="every parameter of a scenario")
    show.add_argument("scenario", help="a scenario name or a path to a .toml file")
    show.add_argument("--format", choices=("text", "toml"), default="text")
    show.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    pop = commands.add_parser("population", help="simulate and summarise a population")
    pop.add_argument("scenario", help="a scenario name or a path to a .toml file")
    pop.add_argument("--n", type=_positive_int("n"), required=True, help="number of people")
    pop.add_argument("--seed", type=_seed, required=True)
    pop.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    pop.add_argument("--chunk", type=_positive_int("chunk"), default=None,
                     help="people per chunk (bounds memory; default 1,000,000)")
    pop.add_argument("--format", choices=("text", "json"), default="text")
    pop.add_argument("--out", type=Path, default=None, help="write the people to .csv/.parquet")
    _add_study_commands(commands)
    report = commands.add_parser(
        "report", help="execute every notebook; HTML pages, index and calibration")
    report.add_argument("--out", type=Path, default=Path("build/report"))
    report.add_argument("--n", type=_positive_int("n"), default=2_000_000,
                        help="people per scenario in the calibration page")
    report.add_argument("--seed", type=_seed, default=1)
    report.add_argument("--notebooks", default=None,
                        help="comma-separated notebook numbers or names (default: all)")
    report.add_argument("--quick", action="store_true",
                        help="small simulations (as the tests run them)")
    student = commands.add_parser("student-copy",
                                  help="write the notebooks without solution cells")
    student.add_argument("outdir", type=Path)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except SimlibError as err:
        print(f"python -m simlib: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _scenarios(args) -> int:
    for name in scenario_names():
        print(f"{name:10s} {load_scenario(name).description}")
    return 0


def _show(args) -> int:
    scenario = load_scenario(args.scenario).with_overrides(args.set)
    if args.format == "toml":
        print(scenario.to_toml(), end="")
        return 0
    print(f"{scenario.name}: {scenario.description}")
    for row in describe(scenario):
        value = list(row["value"]) if isinstance(row["value"], tuple) else row["value"]
        print(f"  {row['key']} = {value} {row['unit']}  [{row['allowed']}]\n"
              f"      {row['meaning']}; source: {row['source']}")
    return 0


def _check_out(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix not in (".csv", ".parquet"):
        raise ParameterError(f"--out {str(path)!r} is not allowed: use a .csv or .parquet file")
    if not path.parent.exists():
        raise ParameterError(f"--out {str(path)!r}: folder {str(path.parent)!r} does not exist")


def _population(args) -> int:
    from .population import population_summary, write_population

    scenario = load_scenario(args.scenario).with_overrides(args.set)
    _check_out(args.out)
    summary = population_summary(scenario, args.n, args.seed, args.chunk)
    if args.out is not None:
        write_population(scenario, args.n, args.seed, args.out, args.chunk)
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        from .population import format_summary
        print(format_summary(summary))
    return 0


def _report(args) -> int:
    from .notebooks import build_report, select
    from .population import write_report

    names = [name.strip() for name in args.notebooks.split(",")] if args.notebooks else None
    select(names)  # bad names fail before anything runs
    page = write_report(args.out, args.n, args.seed)
    print(f"calibration written to {page}")
    index = build_report(args.out, names, quick=args.quick)
    print(f"report written to {index}")
    return 0


def _student_copy(args) -> int:
    from .notebooks import student_copy

    if args.outdir.exists() and not args.outdir.is_dir():
        raise ParameterError(f"student-copy: {str(args.outdir)!r} exists and is not a folder")
    written = student_copy(args.outdir)
    print(f"{len(written)} notebooks without solutions written to {args.outdir}")
    return 0


def _add_study_commands(commands) -> None:
    commands.add_parser("designs", help="study designs, options and estimators")
    for name in ("study", "sweep"):
        sub = commands.add_parser(name, help=f"Monte Carlo {name} of a design")
        sub.add_argument("scenario", help="a scenario name or a path to a .toml file")
        sub.add_argument("--design", required=True)
        sub.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
        sub.add_argument("--estimator", default=None)
        sub.add_argument("--reps", type=_positive_int("reps"), required=True)
        sub.add_argument("--seed", type=_seed, default=1)
        sub.add_argument("--workers", type=_positive_int("workers"), default=1)
        sub.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
        sub.add_argument("--quiet", action="store_true", help="no progress bar")
    study = commands.choices["study"]
    study.add_argument("--format", choices=("text", "json"), default="text")
    study.add_argument("--out", type=Path, default=None, help="folder for tables and figures")
    sweep = commands.choices["sweep"]
    sweep.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2,...")
    sweep.add_argument("--out", type=Path, required=True)
    sweep.add_argument("--resume", action="store_true", help="continue an interrupted sweep")


def _designs(args) -> int:
    from .studies import describe_designs

    print(describe_designs())
    return 0


def _study(args) -> int:
    from .studies import run_study_command

    return run_study_command(args)


def _sweep(args) -> int:
    from .studies import run_sweep_command

    return run_sweep_command(args)


_COMMANDS = {"scenarios": _scenarios, "show": _show, "population": _population,
             "report": _report, "student-copy": _student_copy, "designs": _designs,
             "study": _study, "sweep": _sweep}

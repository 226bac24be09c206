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
``report [--out DIR] [--n N] [--seed S] [--notebooks 01,02] [--quick] [--workers W]
[--cache DIR] [--force]``
    Execute every notebook and write ``DIR/index.html`` (headline figure and finding of
    each), one HTML page per notebook and ``DIR/calibration.html`` (``make report``).
    Unchanged notebooks come from the jupyter-cache in ``--cache``; ``--force`` reruns.
``student-copy OUTDIR``
    Write the notebooks as ``.ipynb`` without the cells tagged ``solution``.
``validate SCENARIO [--n N] [--seed S] [--set k=v ...] [--format text|json]``
    The published figures the world was not fitted to (``simlib.validate``), simulated
    and compared: hit or miss, and the hit rate.
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
import signal
import sys
import textwrap
from pathlib import Path

from . import limits
from .errors import ParameterError, SimlibError, StudyFailedError
from .scenario import describe, load_scenario, scenario_names

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention

SET_HELP = ("change one scenario parameter; repeatable. VALUE is TOML: a number (2.1), "
            "true/false, a quoted or bare word (\"threshold\" or threshold) or a list "
            "([0.4, 0.35]); 'show SCENARIO' lists every key with its unit and range")
SCENARIO_HELP = "a shipped scenario (null, causal, threshold, no_bias) or a .toml file"

DESCRIPTION = """vitd-sim: simulated worlds in which we know whether vitamin D prevents
multiple sclerosis, and the studies epidemiologists run on them.

Start with 'scenarios', then 'show null', 'population null --n 1000000 --seed 1',
'designs', and 'study null --design cohort --reps 20'. Each command has its own
--help with an example. Bad input prints one line and exits with status 2; a run in
which every replicate failed exits with status 1; Ctrl-C exits with status 130 and
keeps what was finished."""

EXAMPLES = {
    "scenarios": "example:\n  python -m simlib scenarios",
    "show": "examples:\n  python -m simlib show causal\n"
            "  python -m simlib show null --format toml > my.toml   # an editable file",
    "population": "examples:\n  python -m simlib population null --n 1000000 --seed 1\n"
                  "  python -m simlib population my.toml --n 200000 --seed 2 "
                  "--set ms.vitd_hr_per_25nmol=0.7 --format json --out people.parquet",
    "designs": "example:\n  python -m simlib designs",
    "study": "examples:\n  python -m simlib study null --design cohort --reps 20 --seed 1\n"
             "  python -m simlib study null --design nested-case-control --reps 50 "
             "--workers 2 --out build/ncc   # resumable",
    "sweep": "example:\n  python -m simlib sweep null --design cohort --reps 20 "
             "--out build/sweep --grid ms.uvb_hr_per_doubling=1.0,0.8 "
             "--grid option.follow_up_years=5,15",
    "report": "examples:\n  python -m simlib report                  # every notebook\n"
              "  python -m simlib report --notebooks 01,02 --quick --out build/try",
    "student-copy": "example:\n  python -m simlib student-copy build/student",
    "evalue": "examples:\n  python -m simlib evalue --estimate 0.59 --ci-low 0.36 "
              "--ci-high 0.97 --scale or\n"
              "  python -m simlib evalue --estimate 0.56 --scale hr --common --format json",
    "bias-audit": "examples:\n  python -m simlib bias-audit null --design hospital-case-control "
                  "--reps 40 --option population=1000000 --out build/audit\n"
                  "  python -m simlib bias-audit no_bias --design nested-case-control "
                  "--reps 100 --format json",
    "validate": "examples:\n  python -m simlib validate null\n"
                "  python -m simlib validate causal --n 1000000 --format json",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {' '.join(message.split())}\n")


def _whole(name, low=1):
    def parse(text):
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} is not allowed: use a whole number >= {low}")
        return value
    return parse


_seed = _whole("seed", 0)


def _command(commands, name, help_text, description):
    return commands.add_parser(name, help=help_text, description=textwrap.fill(description, 79),
                               epilog=EXAMPLES[name],
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _add_set(parser):
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help=SET_HELP)


def _add_format(parser):
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default) or json")


def _add_large(parser):
    parser.add_argument("--allow-large", action="store_true",
                        help="lift the size bounds set for time (see simlib.limits); the "
                             "bounds set for memory stay")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m simlib", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                     metavar="COMMAND")
    _command(commands, "scenarios", "list the shipped scenarios",
             "List the shipped scenarios with one line each.")
    show = _command(commands, "show", "every parameter of a scenario",
                    "Every parameter of a scenario with its value, unit, allowed range, "
                    "meaning and source; --format toml prints a complete, editable "
                    "scenario file.")
    show.add_argument("scenario", help=SCENARIO_HELP)
    show.add_argument("--format", choices=("text", "toml"), default="text",
                      help="text (default) or toml (a scenario file)")
    _add_set(show)
    _add_population(commands)
    _add_study_commands(commands)
    _add_report(commands)
    _add_validate(commands)
    _add_evalue(commands)
    _add_bias_audit(commands)
    return parser


def _add_bias_audit(commands) -> None:
    audit = _command(commands, "bias-audit", "sensitivity tools scored against the truth",
                     "Run a design's usual adjusted analysis REPS times and score each "
                     "sensitivity tool against what only the simulator knows: coverage of "
                     "the true effect by the conventional CI, by a probabilistic bias "
                     "analysis for an unmeasured confounder and by regression calibration; "
                     "and whether the E-value exceeds the confounding actually present "
                     "(simlib.bias.auditing). Designs: cohort, nested-case-control, "
                     "hospital-case-control, cross-sectional.")
    audit.add_argument("scenario", help=SCENARIO_HELP)
    audit.add_argument("--design", required=True, help="one of the four designs above")
    audit.add_argument("--reps", type=_whole("reps"), required=True,
                       help=f"replicates, 1 to {limits.MAX_REPS:,}")
    audit.add_argument("--seed", type=_seed, default=1, help="seed of the run (default 1)")
    audit.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                       help="set a design option (repeatable); 'designs' lists them")
    _add_set(audit)
    _add_format(audit)
    audit.add_argument("--out", type=Path, default=None,
                       help="folder for audit.csv (kept as it runs, so a rerun resumes) "
                            "and summary.json (default: none)")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_evalue(commands) -> None:
    evalue = _command(commands, "evalue", "E-value of a ratio estimate",
                      "The E-value (VanderWeele & Ding 2017): the minimum strength of "
                      "association, on the risk-ratio scale, that an unmeasured confounder "
                      "would need with both exposure and outcome to explain the estimate "
                      "away; with --ci-low/--ci-high, also for the limit nearer the null. "
                      "It says nothing about reverse causation, selection or measurement "
                      "error.")
    evalue.add_argument("--estimate", type=float, required=True,
                        help="the ratio (not its log), > 0")
    evalue.add_argument("--ci-low", type=float, default=None, help="lower confidence limit")
    evalue.add_argument("--ci-high", type=float, default=None, help="upper confidence limit")
    evalue.add_argument("--scale", choices=("rr", "or", "hr"), default="rr",
                        help="risk (default), odds or hazard ratio")
    evalue.add_argument("--common", action="store_true",
                        help="the outcome is common (over about 15%%): converts an OR or HR "
                             "to the risk-ratio scale")
    _add_format(evalue)


def _add_validate(commands) -> None:
    check = _command(commands, "validate", "figures the world was not fitted to",
                     "Simulate the published figures kept back from calibration (use = "
                     "validation in data/published) and compare each with its published "
                     "value: one population per survey year, about 2 s per million people "
                     "each.")
    check.add_argument("scenario", help=SCENARIO_HELP)
    check.add_argument("--n", type=_whole("n", 10_000), default=3_000_000,
                       help="people per survey year (default 3,000,000)")
    check.add_argument("--seed", type=_seed, default=2027, help="seed (default 2027)")
    _add_set(check)
    _add_format(check)
    _add_large(check)


def _add_population(commands) -> None:
    pop = _command(commands, "population", "simulate and summarise a population",
                   "Simulate N people and print the MS incidence, prevalence and 25(OH)D a "
                   "register and a survey would see, with the true causal effects computed "
                   "on the same people. Ratios a small population cannot define (no male "
                   "cases, say) read n/a (null in JSON).")
    pop.add_argument("scenario", help=SCENARIO_HELP)
    pop.add_argument("--n", type=_whole("n"), required=True,
                     help=f"number of people (1 to {limits.MAX_PEOPLE:,}; about 4 s per "
                          "million)")
    pop.add_argument("--seed", type=_seed, required=True,
                     help="random seed, a whole number >= 0: the same seed gives the same "
                          "people")
    _add_set(pop)
    pop.add_argument("--chunk", type=_whole("chunk"), default=None,
                     help=f"people simulated at a time, {limits.MIN_CHUNK:,} to "
                          f"{limits.MAX_CHUNK:,} (default 1,000,000; bounds memory at about "
                          "45 MiB per million)")
    _add_format(pop)
    pop.add_argument("--out", type=Path, default=None,
                     help="also write every person to this .csv or .parquet file "
                          "(default: none)")
    pop.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_large(pop)


def _add_report(commands) -> None:
    report = _command(commands, "report", "execute every notebook; HTML pages and index",
                      "Execute every notebook (about 8 minutes at full size on 2 cores) and "
                      "write one HTML page each, an index of headline figures and the "
                      "calibration page.")
    report.add_argument("--out", type=Path, default=Path("build/report"),
                        help="folder for the pages (default build/report)")
    report.add_argument("--n", type=_whole("n"), default=2_000_000,
                        help="people per scenario in the calibration page (default "
                             "2,000,000)")
    report.add_argument("--seed", type=_seed, default=1, help="seed (default 1)")
    report.add_argument("--notebooks", default=None,
                        help="comma-separated notebook numbers or names, e.g. 01,02 "
                             "(default: all)")
    report.add_argument("--quick", action="store_true",
                        help="small simulations, as the tests run them")
    report.add_argument("--workers", type=_whole("workers"), default=None,
                        help="notebooks executed at once (default: one per core, as many "
                             "as memory holds)")
    report.add_argument("--cache", type=Path, default=Path("build/notebook-cache"),
                        help="cache folder: a notebook (or calibration page) whose code, "
                             "simlib and data are unchanged is not rerun (default "
                             "build/notebook-cache)")
    report.add_argument("--force", action="store_true",
                        help="rerun every notebook and rebuild the calibration page even "
                             "when the cache has them")
    _add_large(report)
    student = _command(commands, "student-copy", "write the notebooks without solutions",
                       "Write every notebook as .ipynb without the cells tagged solution.")
    student.add_argument("outdir", type=Path, help="folder to write the notebooks to")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    """Run one command; return its exit status (0 done, 1 failed, 2 bad input, 130 stopped)."""
    args = build_parser().parse_args(argv)
    previous = _on_sigterm(_raise_interrupt)
    try:
        return _COMMANDS[args.command](args)
    except StudyFailedError as err:
        print(f"python -m simlib: {err}", file=sys.stderr)
        return EXIT_FAILED
    except SimlibError as err:
        print(f"python -m simlib: error: {' '.join(str(err).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # disk full, permissions changed during the run, ...
        where = f" {err.filename}" if err.filename else ""
        print(f"python -m simlib: error: cannot write{where}: "
              f"{(err.strerror or str(err)).lower()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"python -m simlib: interrupted; {_kept(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        _on_sigterm(previous)


def _on_sigterm(handler):
    """Install ``handler`` for SIGTERM (main thread only); return the previous one."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, TypeError):  # not the main thread, or no previous Python handler
        return None


def _kept(args) -> str:
    """What an interrupted command kept, for the one-line message."""
    out = getattr(args, "out", None)
    if args.command in ("study", "sweep") and out is not None:
        again = " --resume" if args.command == "sweep" else ""
        return (f"finished replicates are kept in {out}; run the same command{again} "
                "to continue")
    if args.command == "study":
        return "no replicate was kept: give --out DIR to keep them as they finish and resume"
    if args.command == "report":
        return f"pages already written are kept in {out}; no page is left half written"
    return "no output file was left half written"


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


def _population(args) -> int:
    from .files import check_output_file
    from .population import format_summary, population_summary

    limits.check_bound("--n", args.n, limits.MAX_PEOPLE, limits.HARD_MAX_PEOPLE,
                       args.allow_large, "people", "about 7 minutes")
    chunk = _chunk(args)
    scenario = load_scenario(args.scenario).with_overrides(args.set)
    if args.out is not None:
        check_output_file(args.out, (".csv", ".parquet"))
    summary = population_summary(scenario, args.n, args.seed, chunk, out=args.out,
                                 progress=not args.quiet and args.n > (chunk or 1_000_000))
    print(json.dumps(summary, indent=2) if args.format == "json" else format_summary(summary))
    return 0


def _chunk(args) -> int | None:
    if args.chunk is None:
        return None
    if args.chunk > limits.MAX_CHUNK:
        raise ParameterError(f"--chunk {args.chunk:,} is not allowed: at most "
                             f"{limits.MAX_CHUNK:,} people (about 0.9 GiB)")
    if args.chunk < min(limits.MIN_CHUNK, args.n):
        raise ParameterError(f"--chunk {args.chunk:,} is not allowed: use at least "
                             f"{limits.MIN_CHUNK:,} people (smaller chunks are all overhead) "
                             "or leave it out")
    return args.chunk


def _report(args) -> int:
    from .files import check_output_folder
    from .notebook_cache import cached_pages
    from .notebooks import build_report, select
    from .population import write_report

    limits.check_bound("--n", args.n, limits.MAX_PEOPLE // 10, limits.HARD_MAX_PEOPLE,
                       args.allow_large, "people per scenario",
                       "about 16 s per million people over the 4 scenarios")
    names = None if args.notebooks is None else [n.strip() for n in args.notebooks.split(",")]
    select(names)  # bad names fail before anything runs
    check_output_folder(args.out)
    check_output_folder(args.cache, "--cache")
    page, cached = cached_pages(args.cache, args.out, args.n, args.seed, write_report,
                                force=args.force)
    print(f"calibration written to {page}{' (from the cache)' if cached else ''}")
    index = build_report(args.out, names, quick=args.quick, workers=args.workers,
                         cache=args.cache, force=args.force)
    print(f"report written to {index}")
    return 0


def _student_copy(args) -> int:
    from .files import check_output_folder
    from .notebooks import student_copy

    check_output_folder(args.outdir, "student-copy")
    written = student_copy(args.outdir)
    print(f"{len(written)} notebooks without solutions written to {args.outdir}")
    return 0


def _add_study_commands(commands) -> None:
    _command(commands, "designs", "study designs, options and estimators",
             "Every study design with its estimators and options (default and range).")
    about = {"study": ("Monte Carlo study of one design",
                       "Run a design REPS times on fresh simulated populations and set its "
                       "estimates beside the truth: bias, empirical and model SE, RMSE, "
                       "coverage and power, each with its Monte Carlo SE. Failed replicates "
                       "are counted by reason; if all fail the command exits with status 1."),
             "sweep": ("Monte Carlo study over a grid of parameters",
                       "The same over every combination of a grid of scenario parameters "
                       "(section.key) and design options (option.name), with the same seed "
                       "at every point; writes sweep.csv, diagnosis.csv and sweep.png.")}
    for name, (help_text, description) in about.items():
        sub = _command(commands, name, help_text, description)
        sub.add_argument("scenario", help=SCENARIO_HELP)
        sub.add_argument("--design", required=True,
                         help="a design name; 'designs' lists them")
        sub.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                         help="set a design option (repeatable); 'designs' lists each with "
                              "its default, range and unit")
        sub.add_argument("--estimator", default=None,
                         help="one of the design's estimators (default: its first)")
        sub.add_argument("--reps", type=_whole("reps"), required=True,
                         help=f"replicates, 1 to {limits.MAX_REPS:,}"
                              + (" in all grid points" if name == "sweep" else ""))
        sub.add_argument("--seed", type=_seed, default=1,
                         help="seed of the run (default 1); replicate i uses stream i")
        sub.add_argument("--workers", type=_whole("workers"), default=1,
                         help=f"processes, 1 to {limits.max_workers()} (default 1); the "
                              "same seed gives the same table with any number")
        _add_set(sub)
        sub.add_argument("--quiet", action="store_true", help="no progress bar")
        _add_large(sub)
    study = commands.choices["study"]
    _add_format(study)
    study.add_argument("--out", type=Path, default=None,
                       help="folder for replicates.csv (kept as it runs, so a rerun "
                            "resumes), diagnosis.json and sampling.png (default: none)")
    sweep = commands.choices["sweep"]
    sweep.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2,...",
                       help="a scenario key (section.key) or option.NAME and its values, "
                            "comma-separated TOML values; repeatable, each key once")
    sweep.add_argument("--out", type=Path, required=True,
                       help="folder for checkpoint.csv, sweep.csv, diagnosis.csv, sweep.png")
    sweep.add_argument("--resume", action="store_true",
                       help="continue the interrupted sweep in --out (same settings)")


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


def _validate(args) -> int:
    from .validate import format_table, validation_table

    limits.check_bound("--n", args.n, limits.MAX_PEOPLE // 10, limits.HARD_MAX_PEOPLE,
                       args.allow_large, "people per survey year",
                       "about 2 s per million for each of 8 survey years")
    scenario = load_scenario(args.scenario).with_overrides(args.set)
    table = validation_table(scenario, n=args.n, seed=args.seed)
    print(json.dumps(table, indent=2) if args.format == "json" else format_table(table))
    return 0


def _evalue(args) -> int:
    from dataclasses import asdict

    from .bias import e_value

    result = e_value(args.estimate, args.ci_low, args.ci_high, args.scale, args.common)
    print(json.dumps(asdict(result), indent=2) if args.format == "json" else result.summary())
    return 0


def _bias_audit(args) -> int:
    from .bias.command import run_audit_command

    return run_audit_command(args)


_COMMANDS = {"validate": _validate, "evalue": _evalue, "bias-audit": _bias_audit,
             "scenarios": _scenarios, "show": _show,
             "population": _population,
             "report": _report, "student-copy": _student_copy, "designs": _designs,
             "study": _study, "sweep": _sweep}

"""The ``designs``, ``study`` and ``sweep`` commands: Monte Carlo studies from the shell.

Kept apart from :mod:`simlib.cli` (argument parsing) so that the commands can also be
called from Python or a notebook with the same behaviour.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

from . import limits
from .designs import design_names, get_design
from .designs.base import check_not_shadowed
from .diagnosis import diagnose, diagnosis_record, usable
from .errors import ParameterError, StudyFailedError
from .files import atomic_write, check_output_folder, write_text
from .montecarlo import (
    canonical_value,
    check_grid,
    describe_failures,
    failure_counts,
    replicate,
    sweep,
    warning_counts,
)
from .scenario import load_scenario, parse_assignment


def parse_value(text: str):
    """A command-line value read as TOML (``2``, ``0.5``, ``true``, ``"us"``); else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def parse_options(assignments) -> dict:
    """``["name=value", ...]`` to ``{name: value}``."""
    options = {}
    for text in assignments:
        if "=" not in text:
            raise ParameterError(f"--option {text!r} is not of the form name=value")
        name, value = (part.strip() for part in text.split("=", 1))
        options[name] = parse_value(value)
    return options


def parse_grid(assignments) -> dict:
    """``["key=v1,v2", ...]`` to ``{key: [v1, v2]}`` (keys: section.key or option.name).

    Each key may appear once and each of its values once (``1`` and ``1.0`` are the
    same value): a repeated point would be run twice and counted twice.
    """
    grid = {}
    for text in assignments:
        if "=" not in text or not text.split("=", 1)[1].strip():
            raise ParameterError(f"--grid {text!r} is not of the form key=value1,value2,...")
        key, values = (part.strip() for part in text.split("=", 1))
        if key in grid:
            raise ParameterError(f"--grid key {key!r} is given twice: give each key once, "
                                 f"with all its values (e.g. {key}=1,2,3)")
        parsed = [parse_value(v) for v in values.split(",")]
        seen = set()
        for value in parsed:
            if canonical_value(value) in seen:
                raise ParameterError(f"--grid {key}: value {value!r} is given twice: give "
                                     "each value once")
            seen.add(canonical_value(value))
        grid[key] = parsed
    return grid


def describe_designs() -> str:
    """Every registered design with its estimators and options."""
    lines = []
    for name in design_names():
        design = get_design(name)
        lines.append(f"{name}: {design.description}")
        lines.append(f"  estimators: {', '.join(design.estimators)} "
                     f"(default {design.default_estimator})")
        for option, spec in design.options.items():
            allowed = ", ".join(map(str, spec.choices)) if spec.choices else (
                "true/false" if isinstance(spec.default, bool) else
                f"{spec.low:g} to {spec.high:g}")
            lines.append(f"  --option {option}={spec.default}  ({allowed}) {spec.doc}")
    return "\n".join(lines)


def _inputs(args):
    scenario = load_scenario(args.scenario).with_overrides(args.set)
    design = get_design(args.design)
    options = parse_options(args.option)
    design.resolve_options(options)
    check_not_shadowed(design, scenario, options,
                       keys={parse_assignment(text)[0] for text in args.set})
    design.estimator(args.estimator)
    if args.workers > limits.max_workers():
        raise ParameterError(f"--workers {args.workers} is not allowed: use 1 to "
                             f"{limits.max_workers()} (twice this machine's cores)")
    return scenario, design, options


def _check_reps(args, points: int = 1) -> None:
    total = args.reps * points
    what = f"--reps {args.reps:,}" + (f" x {points:,} grid points = {total:,} replicates"
                                      if points > 1 else "")
    if total > limits.HARD_MAX_REPS:
        raise ParameterError(f"{what} is not allowed: at most {limits.HARD_MAX_REPS:,} "
                             "replicates (the table would not fit in memory)")
    if total > limits.MAX_REPS and not args.allow_large:
        raise ParameterError(f"{what} is above {limits.MAX_REPS:,} replicates (hours of "
                             "computing): pass --allow-large to run it anyway")


def run_study_command(args) -> int:
    """``python -m simlib study``: replicate, diagnose, print; tables and figure in --out.

    Exits (via :class:`~simlib.errors.StudyFailedError`, status 1) when every replicate
    failed, with the failures counted by reason; when some failed, the text and JSON
    carry the counts.
    """
    scenario, design, options = _inputs(args)
    _check_reps(args)
    checkpoint = None
    if args.out is not None:
        check_output_folder(args.out)
        checkpoint = args.out / "replicates.csv"
    table = replicate(scenario, design.name, args.reps, args.seed, estimator=args.estimator,
                      options=options, workers=args.workers, checkpoint=checkpoint,
                      progress=not args.quiet)
    _fail_if_all_failed(table)
    record = diagnosis_record(diagnose(table).iloc[0])
    record["estimator"] = args.estimator or design.default_estimator
    record["failures"], record["warnings"] = failure_counts(table), warning_counts(table)
    if args.out is not None:
        write_text(args.out / "diagnosis.json", json.dumps(record, indent=2))
        _study_figure(table, args.out / "sampling.png")
    print(json.dumps(record, indent=2) if args.format == "json" else format_record(record))
    return 0


def _fail_if_all_failed(table) -> None:
    if not usable(table).any():
        raise StudyFailedError(describe_failures(table))


def format_record(record: dict) -> str:
    """A diagnosis record as readable lines, ratios shown for log-scale estimands."""
    estimand, mcse = record["estimand"], record["mcse"]

    def show(key, digits=3):
        value = record[key]
        if value is None:
            return "n/a"
        spread = mcse.get(key)
        return f"{value:.{digits}f}" + (f" (MCSE {spread:.{digits}f})" if spread else "")

    lines = [f"design {record['design']}, estimator {record['estimator']}, "
             f"{record['reps']} replicates ({record['n_failed']} failed)",
             *_count_lines(record)[:2],
             f"estimand: {estimand['name']} = {_number(estimand['value'])} "
             f"[{estimand['scale']}]",
             f"mean estimate {show('mean_estimate')}, bias {show('bias')}",
             f"empirical SE {show('empirical_se')}, model SE {show('model_se')}, "
             f"RMSE {show('rmse')}",
             f"95% CI coverage {show('coverage')}, power (p < 0.05) {show('power')}"]
    if estimand["scale"].startswith("log") and record["mean_estimate"] is not None:
        lines.append(f"as ratios: truth {math.exp(estimand['value']):.3f}, mean estimate "
                     f"{math.exp(record['mean_estimate']):.3f}")
    return "\n".join(lines)


def _count_lines(record: dict) -> list[str]:
    """``failed: reason (count), ...`` and ``warnings: ...`` lines, when there are any."""
    lines = []
    for key in ("failures", "warnings"):
        counts = record.get(key) or {}
        if counts:
            listed = ", ".join(f"{text} ({count})" for text, count in counts.items())
            lines.append(f"{'failed' if key == 'failures' else 'warnings'}: {listed}")
    return lines


def _number(value):
    return "n/a" if value is None else f"{value:.4f}"


def _study_figure(table, path: Path) -> None:
    from . import plots

    with atomic_write(path) as temporary:
        plots.save(plots.sampling_distribution(table.loc[usable(table)]), temporary)


def run_sweep_command(args) -> int:
    """``python -m simlib sweep``: tidy CSV, diagnosis CSV and a figure in --out.

    Every point failing in every replicate exits with status 1 (counted by reason);
    partial failures are printed with their counts and kept in ``diagnosis.csv``.
    """
    scenario, design, options = _inputs(args)
    grid = parse_grid(args.grid)
    points = math.prod(len(values) for values in grid.values())
    if points > limits.MAX_GRID_POINTS:
        raise ParameterError(f"--grid gives {points:,} points: at most "
                             f"{limits.MAX_GRID_POINTS:,}")
    _check_reps(args, points)
    check_grid(scenario, design, grid, options)  # before --out is made
    checkpoint = args.out / "checkpoint.csv"
    if checkpoint.exists() and not args.resume:
        raise ParameterError(f"--out {str(args.out)!r} already holds a sweep: pass --resume to "
                             "continue it, or choose another folder")
    check_output_folder(args.out)
    table = sweep(scenario, design.name, grid, args.reps, args.seed, estimator=args.estimator,
                  options=options, workers=args.workers, checkpoint=checkpoint,
                  progress=not args.quiet)
    _fail_if_all_failed(table)
    summary = diagnose(table, by=list(grid))
    with atomic_write(args.out / "sweep.csv") as temporary:
        table.to_csv(temporary, index=False)
    with atomic_write(args.out / "diagnosis.csv") as temporary:
        summary.to_csv(temporary, index=False)
    from . import plots

    with atomic_write(args.out / "sweep.png") as temporary:
        plots.save(plots.sweep_plot(table.loc[usable(table)], list(grid)), temporary)
    shown = summary[[*grid, "estimand_value", "mean_estimate", "bias", "coverage", "power",
                     "n_failed"]]
    print(shown.to_string(index=False, na_rep="n/a"))
    failures = describe_failures(table)
    if failures:
        print(failures)
    for text, count in warning_counts(table).items():
        print(f"warning in {count} replicates: {text}")
    print(f"written: {args.out / 'sweep.csv'}, diagnosis.csv, sweep.png")
    return 0

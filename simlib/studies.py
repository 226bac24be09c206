"""The ``designs``, ``study`` and ``sweep`` commands: Monte Carlo studies from the shell.

Kept apart from :mod:`simlib.cli` (argument parsing) so that the commands can also be
called from Python or a notebook with the same behaviour.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

from .designs import design_names, get_design
from .diagnosis import diagnose, diagnosis_record
from .errors import ParameterError
from .montecarlo import replicate, sweep
from .scenario import load_scenario


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
    """``["key=v1,v2", ...]`` to ``{key: [v1, v2]}`` (keys: section.key or option.name)."""
    grid = {}
    for text in assignments:
        if "=" not in text or not text.split("=", 1)[1].strip():
            raise ParameterError(f"--grid {text!r} is not of the form key=value1,value2,...")
        key, values = (part.strip() for part in text.split("=", 1))
        grid[key] = [parse_value(v) for v in values.split(",")]
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
    design.estimator(args.estimator)
    return scenario, design, options


def run_study_command(args) -> int:
    """``python -m simlib study``: replicate, diagnose, print; tables and figure in --out."""
    scenario, design, options = _inputs(args)
    checkpoint = None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        checkpoint = args.out / "replicates.csv"
    table = replicate(scenario, design.name, args.reps, args.seed, estimator=args.estimator,
                      options=options, workers=args.workers, checkpoint=checkpoint,
                      progress=not args.quiet)
    record = diagnosis_record(diagnose(table).iloc[0])
    record["estimator"] = args.estimator or design.default_estimator
    if args.out is not None:
        (args.out / "diagnosis.json").write_text(json.dumps(record, indent=2))
        _study_figure(table, args.out / "sampling.png")
    print(json.dumps(record, indent=2) if args.format == "json" else format_record(record))
    return 0


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


def _number(value):
    return "n/a" if value is None else f"{value:.4f}"


def _study_figure(table, path: Path) -> None:
    from . import plots

    plots.save(plots.sampling_distribution(table), path)


def run_sweep_command(args) -> int:
    """``python -m simlib sweep``: tidy CSV, diagnosis CSV and a figure in --out."""
    scenario, design, options = _inputs(args)
    grid = parse_grid(args.grid)
    checkpoint = args.out / "checkpoint.csv"
    if checkpoint.exists() and not args.resume:
        raise ParameterError(f"--out {str(args.out)!r} already holds a sweep: pass --resume to "
                             "continue it, or choose another folder")
    args.out.mkdir(parents=True, exist_ok=True)
    table = sweep(scenario, design.name, grid, args.reps, args.seed, estimator=args.estimator,
                  options=options, workers=args.workers, checkpoint=checkpoint,
                  progress=not args.quiet)
    table.to_csv(args.out / "sweep.csv", index=False)
    summary = diagnose(table, by=list(grid))
    summary.to_csv(args.out / "diagnosis.csv", index=False)
    from . import plots

    plots.save(plots.sweep_plot(table, list(grid)), args.out / "sweep.png")
    print(summary[[*grid, "estimand_value", "mean_estimate", "bias", "coverage",
                   "power"]].to_string(index=False))
    print(f"written: {args.out / 'sweep.csv'}, diagnosis.csv, sweep.png")
    return 0

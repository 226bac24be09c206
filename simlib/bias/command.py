"""The ``bias-audit`` command: :func:`simlib.bias.audit` from the shell."""

from __future__ import annotations

import json
import math

from ..designs import get_design
from ..designs.base import check_not_shadowed
from ..errors import ParameterError, StudyFailedError
from ..files import check_output_folder, write_text
from ..limits import MAX_REPS
from ..scenario import load_scenario, parse_assignment
from ..studies import parse_options
from .auditing import AUDITED, TOOLS, audit, check_audit, summarise


def run_audit_command(args) -> int:
    """Audit, summarise, print (text or JSON); with ``--out`` keep ``audit.csv`` (resumable)
    and ``summary.json``. Exits with status 1 when every replicate failed."""
    scenario = load_scenario(args.scenario).with_overrides(args.set)
    check_audit(args.design, args.reps)
    options = parse_options(args.option)
    design = get_design(args.design)
    design.resolve_options(options)
    check_not_shadowed(design, scenario, options,
                       keys={parse_assignment(text)[0] for text in args.set})
    if args.reps > MAX_REPS:
        raise ParameterError(f"--reps {args.reps:,} is not allowed: at most {MAX_REPS:,}")
    checkpoint = None
    if args.out is not None:
        checkpoint = check_output_folder(args.out) / "audit.csv"
    table = audit(scenario, args.design, args.reps, args.seed, options,
                  progress=not args.quiet, checkpoint=checkpoint)
    failed = table.loc[table["reason"] != "", "reason"].value_counts().to_dict()
    if len(failed) and sum(failed.values()) == len(table):
        reasons = "; ".join(f"{reason}: {count}" for reason, count in failed.items())
        raise StudyFailedError(f"all {len(table)} replicates failed ({reasons})")
    summary = summarise(table).iloc[0].to_dict()
    record = {"scenario": scenario.name, "design": args.design,
              "estimator": AUDITED[args.design].estimator, "seed": args.seed,
              **{k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in summary.items()}, "failures": failed}
    if args.out is not None:
        write_text(args.out / "summary.json", json.dumps(record, indent=2))
    print(json.dumps(record, indent=2) if args.format == "json" else format_audit(record))
    return 0


def format_audit(record: dict) -> str:
    """The audit summary as readable lines."""
    lines = [f"{record['design']} ({record['estimator']}) in {record['scenario']}: "
             f"{record['scored']:.0f} of {record['replicates']:.0f} replicates scored"]
    for tool in TOOLS:
        coverage, mcse = record[f"coverage_{tool}"], record[f"mcse_{tool}"]
        shown = "n/a" if coverage is None else f"{coverage:.2f} (MCSE {mcse:.2f})"
        lines.append(f"  coverage of the truth, {tool.replace('_', ' ')}: {shown}")
    exceeds, point, present = (record[k] for k in (
        "e_value_exceeds_present", "median_e_value", "median_e_value_present"))
    if exceeds is not None:
        lines.append(f"  E-value above the confounding actually present: {exceeds:.0%} of "
                     f"replicates (median E-value {point:.2f}, of the confounding present "
                     f"{present:.2f})")
    for reason, count in record["failures"].items():
        lines.append(f"  failed: {reason}: {count}")
    return "\n".join(lines)

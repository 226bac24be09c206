"""Population summaries, population files and the scenario report.

:func:`population_summary` is what ``python -m simlib population`` prints: the
observed incidence, prevalence and 25(OH)D of a simulated population, with the
true causal effects computed on the same people (:mod:`simlib.truth`).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from .calibrate import calibration_table, figures_from_tally, summarise, tally
from .scenario import Scenario, load_scenario, scenario_names
from .scm import check_size
from .truth import true_effects
from .world import build_world, region_names

DEFAULT_CHUNK = 1_000_000


def _chunk(n: int, chunk_size: int | None) -> int:
    return min(n, DEFAULT_CHUNK) if chunk_size is None else check_size(chunk_size, "chunk")


def _finite(value):
    """JSON has no NaN: turn non-finite floats into None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def population_summary(scenario: Scenario, n: int, seed: int, chunk_size: int | None = None,
                       table: pd.DataFrame | None = None):
    """Observed summary plus ``truth`` for ``n`` people (chunks of ``chunk_size``).

    ``table`` is the population's tally if already computed (same n, seed and chunks).
    """
    n = check_size(n)
    chunk = _chunk(n, chunk_size)
    world = build_world(scenario)
    table = tally(scenario, n, seed, chunk, world=world) if table is None else table
    summary = summarise(table)
    summary["truth"] = true_effects(scenario, n, seed, chunk, world=world)
    return _finite({"scenario": scenario.name, "seed": seed, "chunk_size": chunk, **summary})


def format_summary(summary: dict) -> str:
    """The summary as a few readable lines."""
    truth = summary["truth"]

    def bands(key):
        return ", ".join(f"{b['lat_low']:.0f}-{b['lat_high']:.0f}: "
                         + ("n/a" if b["value"] is None else f"{b['value']:.1f}")
                         for b in summary[key])

    below = summary["vitd_share_below"]
    return "\n".join([
        f"scenario {summary['scenario']}, {summary['n']:,} people (seed {summary['seed']}), "
        f"{summary['n_alive']:,} alive at the survey",
        f"MS incidence (diagnoses, last {summary['incidence_window_years']:g} years): "
        f"{summary['incidence_per_100k']:.2f} per 100,000 person-years "
        f"({summary['incident_cases']:,} cases); women "
        f"{summary['incidence_by_sex']['female']:.2f}, men "
        f"{summary['incidence_by_sex']['male']:.2f}, F:M {summary['female_male_ratio']:.2f}",
        f"  by latitude (degrees): {bands('incidence_by_latitude')}",
        f"MS prevalence: {summary['prevalence_per_100k']:.1f} per 100,000",
        f"  by latitude (degrees): {bands('prevalence_by_latitude')}",
        f"mean age at diagnosis: {summary['mean_age_at_diagnosis']:.1f} years",
        f"25(OH)D, one draw, adults: mean {summary['vitd_mean']:.1f} nmol/L, SD "
        f"{summary['vitd_sd']:.1f}; below 30/50/75 nmol/L: {below['30']:.1%} / "
        f"{below['50']:.1%} / {below['75']:.1%}",
        "truth (intervention on the same people): "
        f"HR per +25 nmol/L {truth['hr_per_25']:.3f}; risk ratio to age 50 "
        f"{truth['cir_per_25_age50']:.3f}; everyone 2,000 IU/day "
        f"{truth['cir_supplement_2000iu']:.3f}; relapse rate ratio per +25 nmol/L "
        f"{truth['relapse_rr_per_25']:.3f}",
    ])


def write_population(scenario: Scenario, n: int, seed: int, path: Path,
                     chunk_size: int | None = None) -> Path:
    """Write every person (all columns, plus region names) to ``.csv`` or ``.parquet``."""
    n, path = check_size(n), Path(path)
    world = build_world(scenario)
    writer = None
    try:
        for index, people in enumerate(world.iter_chunks(n, seed, _chunk(n, chunk_size))):
            people.insert(2, "region", region_names(people["region_id"]).astype(str))
            if path.suffix == ".parquet":
                writer = _write_parquet_chunk(people, path, writer)
            else:
                people.to_csv(path, mode="w" if index == 0 else "a", header=index == 0,
                              index=False)
    finally:
        if writer is not None:
            writer.close()
    return path


def _write_parquet_chunk(people: pd.DataFrame, path: Path, writer):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(people, preserve_index=False)
    writer = writer or pq.ParquetWriter(path, table.schema)
    writer.write_table(table)
    return writer


def write_report(out: Path, n: int = 2_000_000, seed: int = 1) -> Path:
    """Summary, truth and calibration table of every shipped scenario, as HTML and JSON."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    for name in scenario_names():
        scenario = load_scenario(name)
        people = tally(scenario, n, seed, _chunk(n, None))  # one simulation for both
        summary = population_summary(scenario, n, seed, table=people)
        (out / f"{name}.json").write_text(json.dumps(summary, indent=2))
        table = calibration_table(figures_from_tally(people))
        table.to_csv(out / f"{name}-calibration.csv")
        sections.append(_html_section(scenario, summary, table))
    page = out / "calibration.html"
    page.write_text(_HTML.format(body="\n".join(sections), n=f"{n:,}", seed=seed))
    return page


def _html_section(scenario: Scenario, summary: dict, table: pd.DataFrame) -> str:
    text = html.escape(format_summary(summary))
    shown = table.drop(columns=["citation"]).round(3)
    return (f"<h2>{html.escape(scenario.name)}</h2><p>{html.escape(scenario.description)}</p>"
            f"<pre>{text}</pre><h3>Calibration against published figures</h3>"
            f"{shown.to_html(classes='calibration')}")


_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>vitd-sim: population summaries</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}
pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}</style></head><body>
<h1>vitd-sim: the simulated worlds</h1>
<p>Each scenario: {n} people, seed {seed}. Observed figures are what a register or survey
would see; the truth line is computed by intervention on the same people. Calibration
compares the world with the published figures in data/published (rule: ci = inside the
published confidence interval, rel20 = within 20%, share = within 20% or 2 percentage
points, range = a stated range).</p>
{body}
</body></html>
"""

"""Population summaries, population files and the scenario report.

:func:`population_summary` is what ``python -m simlib population`` prints: the
observed incidence, prevalence and 25(OH)D of a simulated population, with the
true causal effects computed on the same people (:mod:`simlib.truth`).
"""

from __future__ import annotations

import html
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .calibrate import (
    SUMMARY_COLUMNS,
    calibration_table,
    population_figures,
    summarise,
    tally,
    tally_chunks,
)
from .files import atomic_write, check_output_folder, write_text
from .period import onset_hazard
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
                       table: pd.DataFrame | None = None, out: Path | None = None,
                       progress: bool = False):
    """Observed summary plus ``truth`` for ``n`` people (chunks of ``chunk_size``).

    Parameters
    ----------
    scenario : Scenario
    n : int
        Number of people (>= 1).
    seed : int
    chunk_size : int, optional
        People simulated at a time (default 1,000,000): bounds memory.
    table : pandas.DataFrame, optional
        The population's tally if already computed (same n, seed and chunks).
    out : path, optional
        Also write every person (all columns) to this ``.csv`` or ``.parquet`` file,
        from the same simulation as the summary (the people are simulated once). The
        file appears only when complete (written to a temporary file, then renamed).
    progress : bool
        Show a tqdm bar (chunks) on stderr.

    Returns
    -------
    dict
        JSON-ready: undefined ratios (no male cases, no incident cases, no adults) are
        None, never NaN.
    """
    n = check_size(n)
    chunk = _chunk(n, chunk_size)
    world = build_world(scenario)
    if table is None:
        table = _tally_and_write(scenario, world, n, seed, chunk, out, progress)
    summary = summarise(table)
    with np.errstate(all="ignore"):
        summary["truth"] = true_effects(scenario, n, seed, chunk, world=world)
    return _finite({"scenario": scenario.name, "seed": seed, "chunk_size": chunk, **summary})


def _tally_and_write(scenario, world, n, seed, chunk, out, progress) -> pd.DataFrame:
    """Tally the population chunk by chunk, writing each chunk to ``out`` if given."""
    from tqdm.auto import tqdm

    columns = None if out is not None else SUMMARY_COLUMNS
    chunks = tqdm(world.iter_chunks(n, seed, chunk, columns=columns), disable=not progress,
                  total=-(-n // chunk), unit="chunk", desc="population", file=sys.stderr)
    if out is None:
        return tally_chunks(chunks, onset_hazard(scenario), n)
    with atomic_write(out) as temporary:
        with _PeopleWriter(temporary) as writer:
            return tally_chunks(map(writer.write, chunks), onset_hazard(scenario), n)


def _show(value, digits: int, why: str, suffix: str = "") -> str:
    """A number for the text summary, or ``n/a (why)`` when it is undefined (None)."""
    return f"n/a ({why})" if value is None else f"{value:.{digits}f}{suffix}"


def format_summary(summary: dict) -> str:
    """The summary as a few readable lines; undefined figures read "n/a (reason)"."""
    truth = summary["truth"]

    def bands(key):
        return ", ".join(f"{b['lat_low']:.0f}-{b['lat_high']:.0f}: "
                         + ("n/a" if b["value"] is None else f"{b['value']:.1f}")
                         for b in summary[key])

    below = summary["vitd_share_below"]
    by_sex, cases = summary["incidence_by_sex"], summary["incident_cases_by_sex"]
    no_adults = "no adults alive"
    female_male = _show(summary["female_male_ratio"], 2,
                        "no male cases" if cases["male"] == 0 else "no men")
    shares = " / ".join(_show(below[t], 1, no_adults) if below[t] is None
                        else f"{below[t]:.1%}" for t in ("30", "50", "75"))
    return "\n".join([
        f"scenario {summary['scenario']}, {summary['n']:,} people (seed {summary['seed']}), "
        f"{summary['n_alive']:,} alive at the survey",
        f"MS incidence (diagnoses, last {summary['incidence_window_years']:g} years): "
        f"{_show(summary['incidence_per_100k'], 2, 'nobody alive')} per 100,000 "
        f"person-years ({summary['incident_cases']:,} "
        f"{'case' if summary['incident_cases'] == 1 else 'cases'}); women "
        f"{_show(by_sex['female'], 2, 'no women')}, men {_show(by_sex['male'], 2, 'no men')}"
        f", F:M {female_male}",
        f"  by latitude (degrees): {bands('incidence_by_latitude')}",
        f"MS prevalence: {_show(summary['prevalence_per_100k'], 1, 'nobody alive')} "
        "per 100,000",
        f"  by latitude (degrees): {bands('prevalence_by_latitude')}",
        "mean age at diagnosis: "
        + _show(summary["mean_age_at_diagnosis"], 1, "no incident cases", " years"),
        f"25(OH)D, one draw, adults: mean {_show(summary['vitd_mean'], 1, no_adults)} nmol/L, "
        f"SD {_show(summary['vitd_sd'], 1, no_adults)}; below 30/50/75 nmol/L: {shares}",
        "truth (intervention on the same people): "
        f"HR per +25 nmol/L {_show(truth['hr_per_25'], 3, 'no onsets before 50')}; "
        f"risk ratio to age 50 {_show(truth['cir_per_25_age50'], 3, 'no onsets before 50')}; "
        "everyone 2,000 IU/day "
        f"{_show(truth['cir_supplement_2000iu'], 3, 'no onsets before 50')}; relapse rate "
        f"ratio per +25 nmol/L {_show(truth['relapse_rr_per_25'], 3, 'nobody with MS')}",
    ])


def write_population(scenario: Scenario, n: int, seed: int, path: Path,
                     chunk_size: int | None = None) -> Path:
    """Write every person (all columns, plus region names) to ``.csv`` or ``.parquet``.

    The file appears only when complete (temporary file, then rename).
    """
    n, path = check_size(n), Path(path)
    world = build_world(scenario)
    with atomic_write(path) as temporary, _PeopleWriter(temporary) as writer:
        for people in world.iter_chunks(n, seed, _chunk(n, chunk_size)):
            writer.write(people)
    return path


class _PeopleWriter:
    """Append population chunks to one ``.csv`` or ``.parquet`` file (by ``path``'s suffix).

    ``write`` adds the region names and returns the chunk unchanged otherwise, so it can
    sit in a pipeline that also tallies the chunk.
    """

    def __init__(self, path: Path):
        self.path, self.parquet, self.rows = Path(path), None, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.parquet is not None:
            self.parquet.close()

    def write(self, people: pd.DataFrame) -> pd.DataFrame:
        shown = people.copy(deep=False)
        shown.insert(2, "region", region_names(people["region_id"]).astype(str))
        if self.path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(shown, preserve_index=False)
            self.parquet = self.parquet or pq.ParquetWriter(self.path, table.schema)
            self.parquet.write_table(table)
        else:
            shown.to_csv(self.path, mode="w" if self.rows == 0 else "a",
                         header=self.rows == 0, index=False)
        self.rows += len(people)
        return people


def write_report(out: Path, n: int = 2_000_000, seed: int = 1) -> Path:
    """Summary, truth and calibration table of every shipped scenario, as HTML and JSON.

    The tracking rows (:mod:`simlib.repeat_measures`) use at most ``TRACKING_N`` people
    per study, each simulated in its own study year; the studies of other eras
    (:data:`simlib.calibrate.ERA_STUDIES`) ``n // 2`` each, in theirs.
    """
    from .repeat_measures import DEFAULT_N as TRACKING_N
    from .repeat_measures import tracking_figures

    out = check_output_folder(out)
    sections = []
    for name in scenario_names():
        scenario = load_scenario(name)
        people = tally(scenario, n, seed, _chunk(n, None))  # one simulation for both
        summary = population_summary(scenario, n, seed, table=people)
        write_text(out / f"{name}.json", json.dumps(summary, indent=2))
        figures = population_figures(scenario, n, seed, _chunk(n // 2, None), table=people)
        table = calibration_table(figures, tracking_figures(scenario, min(n, TRACKING_N), seed))
        write_text(out / f"{name}-calibration.csv", table.to_csv())
        sections.append(_html_section(scenario, summary, table))
    sections.append(_validation_section(out, n, seed))
    page = out / "calibration.html"
    write_text(page, _HTML.format(body="\n".join(sections), n=f"{n:,}", seed=seed))
    return page


def _html_section(scenario: Scenario, summary: dict, table: pd.DataFrame) -> str:
    text = html.escape(format_summary(summary))
    shown = table.drop(columns=["citation"]).round(3)
    return (f"<h2>{html.escape(scenario.name)}</h2><p>{html.escape(scenario.description)}</p>"
            f"<pre>{text}</pre><h3>Calibration against published figures</h3>"
            f"{shown.to_html(classes='calibration')}")


VALIDATED_SCENARIOS = ("null", "causal")


def _validation_section(out: Path, n: int, seed: int) -> str:
    """The validation figures (:mod:`simlib.validate`) of null and causal, side by side."""
    from .validate import validation_table

    tables = {}
    for name in VALIDATED_SCENARIOS:
        tables[name] = validation_table(load_scenario(name), n=n, seed=seed)
        write_text(out / f"{name}-validation.json", json.dumps(tables[name], indent=2))
    first = tables[VALIDATED_SCENARIOS[0]]["figures"]
    rows = pd.DataFrame({
        "figure": [f["quantity"] for f in first], "year": [f["year"] for f in first],
        "published": [f["published"] for f in first],
        "95% CI": ["" if f["ci_low"] is None else f"{f['ci_low']:g} to {f['ci_high']:g}"
                   for f in first],
        "rule": [f["rule"] for f in first],
        **{f"{name} (hit?)": [_verdict(f) for f in tables[name]["figures"]]
           for name in VALIDATED_SCENARIOS},
        "source": [f["citation"] for f in first]})
    rates = ", ".join(f"{name} {t['hits']} of {t['total']}" for name, t in tables.items())
    return ("<h2>Figures the world was not fitted to</h2><p>Published figures kept back from "
            "calibration (use = validation in data/published), each computed by "
            f"simlib/validate.py in its survey year. Hits: {html.escape(rates)}. A miss is a "
            "missing or wrong mechanism, reported as it is.</p>"
            f"{rows.to_html(index=False, classes='validation')}")


def _verdict(figure: dict) -> str:
    if figure["simulated"] is None:
        return f"n/a: {figure['missing']}"
    return f"{figure['simulated']:.3g} ({'hit' if figure['hit'] else 'miss'})"


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

"""Figures the world was not fitted to: a validation set, computed and compared.

``data/published/published-figures.csv`` holds two kinds of rows. Calibration
targets (:mod:`simlib.calibrate`) set the world's defaults. Rows with
``use = validation`` were chosen *before* the mechanisms of issue 10 were added and
are never fitted to: they say whether the world reproduces what it was never told
(prevalent cases against controls in two eras, tracking of 25(OH)D over decades, US
prevalence and its sex ratio, MS by race in the US, the within-US latitude contrast
in a cohort, relapse seasonality, supplement use by calendar year, the sex ratio by
birth decade, supplement users in the Nurses' Health Study, disability; migrants by
age at immigration, chosen when residence history was added; and Hispanic-White
prevalence, chosen before ancestry groups were added).

Each figure is computed by a short function on one simulated population per survey
year (the year the published study was done, :attr:`Check.year`), with the study's
population, ages and exposure definition, and compared by a stated rule: inside the
published 95% CI (``ci``), within a relative tolerance (``rel:0.2`` = 20%), or
within an absolute one (``abs:8``). Tolerances are for figures without a usable CI
and are set from the study's own sampling error (stated on each check). A figure
the world cannot compute yet (no mechanism for it) is reported as a miss with the
reason, never dropped.

Examples
--------
>>> from simlib import load_scenario
>>> from simlib.validate import validation_table
>>> table = validation_table(load_scenario("null"), n=500_000, seed=1)  # doctest: +SKIP
>>> round(table["hit_rate"], 2)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import calibrate, history
from .ancestry import GROUPS
from .designs.common import LEVEL_COLUMNS, blood_draw, window_rate
from .period import onset_hazard
from .scenario import Scenario
from .world import REGIONS, build_world

DEFAULT_N = 3_000_000
DEFAULT_SEED = 2027
US = ("Texas", "Missouri", "Ohio")
UK = ("Wales", "Scotland")
#: Population columns the checks read (the blood-draw columns for repeat samples).
COLUMNS = ("region_id", "alive", "age", "female", "diagnosis_age", "vitd_survey_nmol",
           "skin_dark", "ms_onset_age", "ms_log_hazard_ratio", "supplement_iu") + LEVEL_COLUMNS
#: Columns read when the world has them (mechanisms not every world has).
OPTIONAL_COLUMNS = ("edss", "birth_region_id", "age_at_move", "ancestry_group")


@dataclass(frozen=True)
class Check:
    """How one validation figure is computed and compared.

    ``compute(people, scenario, rng)`` returns the simulated figure (``None`` with a
    reason in ``missing`` when the world has no mechanism for it); ``year`` is the
    calendar year of the published study's survey or baseline; ``regions`` the group
    of regions its population lives in (``"us"`` for US studies, so that all ``n``
    people are American and a group of a tenth of them still has hundreds of cases).
    """

    figure_id: str
    year: int
    rule: str
    compute: Callable
    how: str
    missing: str = ""
    regions: str = "all"


def _column(people, name):
    return people[name].to_numpy()


def _in_regions(people, names):
    ids = np.flatnonzero(REGIONS["region"].isin(names).to_numpy())
    return np.isin(_column(people, "region_id"), ids)


def alive_adults(people, low=18.0):
    """People alive on the survey day and aged ``low`` (years) or more (boolean array)."""
    return _column(people, "alive") & (_column(people, "age") >= low)


def prevalent(people):
    """People living with diagnosed MS on the survey day (boolean array; combine with
    :func:`alive_adults`)."""
    return _column(people, "diagnosis_age") < _column(people, "age")


def _stratum(people):
    """Sex x 10-year age band, the matching of a typical case-control study."""
    return _column(people, "female") * 100 + (_column(people, "age") // 10).astype(int)


def _control_weights(people, cases, controls):
    """Weights that give the controls the cases' sex x age distribution (frequency matching)."""
    strata = _stratum(people)
    wanted = pd.Series(strata[cases]).value_counts(normalize=True)
    have = pd.Series(strata[controls]).value_counts(normalize=True)
    return (wanted / have).reindex(strata[controls]).fillna(0.0).to_numpy()


def _weighted_median(values, weights):
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _case_control_difference(people, where, statistic):
    base = alive_adults(people) & where
    cases = np.flatnonzero(base & prevalent(people))
    controls = np.flatnonzero(base & ~prevalent(people))
    if len(cases) < 20:
        return None
    vitd = _column(people, "vitd_survey_nmol")
    weights = _control_weights(people, cases, controls)
    if statistic == "median":
        return float(np.median(vitd[cases])) - _weighted_median(vitd[controls], weights)
    return float(vitd[cases].mean() - np.average(vitd[controls], weights=weights))


def cases_minus_controls_pooled(people, scenario, rng):
    """Mean measured 25(OH)D of prevalent cases minus controls (all regions), nmol/L."""
    return _case_control_difference(people, np.ones(len(people), bool), "mean")


def cases_minus_controls_uk(people, scenario, rng):
    """Median of prevalent cases minus median of matched controls, Wales and Scotland."""
    return _case_control_difference(people, _in_regions(people, UK), "median")


def _tracking(people, scenario, rng, years):
    """Pearson r of two draws ``years`` apart, same time of year (season cancels).

    Adults aged 33-65 at the first draw in Western Norway (the nearest region to
    Tromso), alive at the second.
    """
    age = _column(people, "age")
    rows = np.flatnonzero(_in_regions(people, ("Western Norway",)) & _column(people, "alive")
                          & (age - years >= 33) & (age - years <= 65))
    if len(rows) < 100:
        return None
    rows = rows[:20_000]
    first = blood_draw(people, rows, age[rows] - years, rng, scenario)
    second = blood_draw(people, rows, age[rows], rng, scenario)
    return float(np.corrcoef(first, second)[0, 1])


def tracking_13_years(people, scenario, rng):
    """Correlation of draws 13 years apart (Tromso 4 and 6)."""
    return _tracking(people, scenario, rng, 13.0)


def tracking_21_years(people, scenario, rng):
    """Correlation of draws 21 years apart (Tromso 4 and 7)."""
    return _tracking(people, scenario, rng, 21.0)


def _prevalence(people, where):
    base = alive_adults(people) & where
    return 1e5 * calibrate.ratio(np.sum(base & prevalent(people)), np.sum(base))


def us_prevalence(people, scenario, rng):
    """Diagnosed MS per 100,000 adults alive in the US regions."""
    return _prevalence(people, _in_regions(people, US))


def us_prevalence_sex_ratio(people, scenario, rng):
    """US prevalence in women / in men."""
    us, female = _in_regions(people, US), _column(people, "female")
    return calibrate.ratio(_prevalence(people, us & female), _prevalence(people, us & ~female))


def _group(people, name):
    """Members of an ancestry group (:data:`simlib.ancestry.GROUPS`); ``None`` in a world
    without ancestry groups."""
    if "ancestry_group" not in people:
        return None
    return _column(people, "ancestry_group") == GROUPS.index(name)


def _group_prevalence_ratio(people, group, reference="european"):
    members, others = _group(people, group), _group(people, reference)
    if members is None:
        return None
    us = _in_regions(people, US)
    return calibrate.ratio(_prevalence(people, us & members), _prevalence(people, us & others))


def us_black_white_prevalence(people, scenario, rng):
    """US prevalence in adults of African / European ancestry."""
    return _group_prevalence_ratio(people, "african")


def us_hispanic_white_prevalence(people, scenario, rng):
    """US prevalence in Hispanic adults / adults of (non-Hispanic) European ancestry."""
    return _group_prevalence_ratio(people, "hispanic")


def _onset_rate(people, scenario, where, start, end):
    """Expected onsets per person-year at risk in [start, end) among ``where``."""
    rows = np.flatnonzero(where)
    if len(rows) == 0:
        return float("nan")
    onset = _column(people, "ms_onset_age")[rows]
    log_hr = _column(people, "ms_log_hazard_ratio")[rows]
    hazard = onset_hazard(scenario)
    expected, years = window_rate(onset, log_hr, np.asarray(start)[rows], np.asarray(end)[rows],
                                  hazard, hazard.birth_year(_column(people, "age")[rows]))
    return calibrate.ratio(expected, years)


def black_white_incidence_women(people, scenario, rng):
    """Onset rate in the 3 years before the survey, US women: African / European ancestry."""
    black, white = _group(people, "african"), _group(people, "european")
    if black is None:
        return None
    age = _column(people, "age")
    women = alive_adults(people) & _in_regions(people, US) & _column(people, "female")
    rate = [_onset_rate(people, scenario, women & group, age - 3, age)
            for group in (black, white)]
    return calibrate.ratio(*rate)


def white_incidence_low_latitude(people, scenario, rng):
    """Onset rate per 100,000 person-years in the 3 years before the survey, people of
    European ancestry in Texas (33.5 N, nearest the health plan's 34 N)."""
    white = _group(people, "european")
    if white is None:
        return None
    age = _column(people, "age")
    texas = _column(people, "alive") & _in_regions(people, ("Texas",)) & white
    return 1e5 * _onset_rate(people, scenario, texas, age - 3, age)


def _us_women_cohort(people, low, high):
    age = _column(people, "age")
    white = _group(people, "european")
    white = ~_column(people, "skin_dark") if white is None else white  # the nurses: 97% white
    return (_column(people, "alive") & _column(people, "female") & white
            & _in_regions(people, US) & (age >= low) & (age <= high)
            & (_column(people, "ms_onset_age") > age))


def us_cohort_latitude_hr(people, scenario, rng):
    """Nurses' cohort: onset rate over 20 years, Texas (33.5 N) / Ohio (41.4 N)."""
    age = _column(people, "age")
    cohort = _us_women_cohort(people, 25, 55)
    rate = [_onset_rate(people, scenario, cohort & _in_regions(people, (r,)), age, age + 20)
            for r in ("Texas", "Ohio")]
    return calibrate.ratio(*rate)


def supplement_users_rr(people, scenario, rng):
    """Nurses' cohort aged 30-55: onset rate over 20 years, >=400 IU/day supplements / none."""
    age, dose = _column(people, "age"), _column(people, "supplement_iu")
    cohort = _us_women_cohort(people, 30, 55)
    rate = [_onset_rate(people, scenario, cohort & users, age, age + 20)
            for users in (dose >= 400, dose == 0)]
    return calibrate.ratio(*rate)


def relapse_march(people, scenario, rng):
    """Relapse rate in March over the other months (northern hemisphere)."""
    return history.relapse_month_ratio(scenario.relapse, 3)


def relapse_august(people, scenario, rng):
    """Relapse rate in August over the other months (northern hemisphere)."""
    return history.relapse_month_ratio(scenario.relapse, 8)


def supplement_1000_share(people, scenario, rng):
    """Percent of US adults aged 20 or more taking >= 1000 IU/day (before any MS)."""
    adults = alive_adults(people, 20.0) & _in_regions(people, US) & ~prevalent(people)
    return 100 * calibrate.ratio(np.sum(adults & (_column(people, "supplement_iu") >= 1000)),
                                 np.sum(adults))


def _sex_ratio_born(people, scenario, first_year):
    """F:M ratio of onset rates by the survey, people born in one decade, 45 N or more."""
    year = scenario_year(scenario)
    age = _column(people, "age")
    born = year - age
    north = np.flatnonzero(REGIONS["latitude_deg"].to_numpy() >= 45)
    where = (_column(people, "alive") & np.isin(_column(people, "region_id"), north)
             & (born >= first_year) & (born < first_year + 10))
    female = _column(people, "female")
    rate = [_onset_rate(people, scenario, where & sex, np.zeros(len(age)), age)
            for sex in (female, ~female)]
    return calibrate.ratio(*rate)


def sex_ratio_born_1930s(people, scenario, rng):
    """F:M of onset among people born 1930-39 (regions at 45 N or more)."""
    return _sex_ratio_born(people, scenario, 1930)


def sex_ratio_born_1980s(people, scenario, rng):
    """F:M of onset among people born 1980-89 (regions at 45 N or more)."""
    return _sex_ratio_born(people, scenario, 1980)


def disability_correlation(people, scenario, rng):
    """Pearson r of measured 25(OH)D with EDSS among prevalent cases (needs an EDSS)."""
    if "edss" not in people:
        return None
    cases = np.flatnonzero(alive_adults(people) & prevalent(people))
    return float(np.corrcoef(_column(people, "vitd_survey_nmol")[cases],
                             _column(people, "edss")[cases])[0, 1])


def migrants_uk_to_australia(people, scenario, rng):
    """UK-born Australians on the 1981 census: MS risk, arrived aged 0-14 / 15-39.

    Arrivals of 1947-1981 (moved at most 34 years before the census), aged under 80.
    Risk is the expected probability of onset by the census, ``1 - exp(-H)`` with ``H``
    the person's cumulative hazard: crude, like the published absolute risks, and free
    of event-count noise (the world's 1981 Australia holds a few dozen such cases).
    """
    if "age_at_move" not in people:
        return None
    age, moved = _column(people, "age"), _column(people, "age_at_move")
    born = REGIONS["region"].to_numpy()[_column(people, "birth_region_id")]
    arrivals = (_column(people, "alive") & np.isin(born, UK) & (age < 80)
                & _in_regions(people, ("Queensland", "Tasmania")) & (age - moved <= 34))
    onset = onset_hazard(scenario)
    risk = -np.expm1(-onset.cumulative(age, onset.birth_year(age),
                                       _column(people, "ms_log_hazard_ratio")))
    child, adult = arrivals & (moved < 15), arrivals & (moved >= 15) & (moved < 40)
    if not child.any() or not adult.any():
        return float("nan")
    return calibrate.ratio(risk[child].mean(), risk[adult].mean())


CHECKS = (
    Check("val_cases_controls_wmd", 2005, "ci", cases_minus_controls_pooled,
          "prevalent diagnosed adults minus controls matched on sex and 10-year age, "
          "all regions"),
    Check("val_uk_cases_controls_2019", 2019, "abs:8", cases_minus_controls_uk,
          "difference of medians, Wales and Scotland (8 nmol/L: about 3 SE of a difference "
          "of medians with 300 per group)"),
    Check("val_tracking_13y", 2008, "abs:0.08", tracking_13_years,
          "two draws 13 years apart in the same season, Western Norway, aged 33-65 "
          "(0.08: about 4 SE with 1,702 people, for assay and season adjustment)"),
    Check("val_tracking_21y", 2016, "abs:0.08", tracking_21_years,
          "two draws 21 years apart, as above"),
    Check("val_us_prevalence_2010", 2010, "rel:0.2", us_prevalence,
          "diagnosed MS per 100,000 adults alive, US regions (20%: claims algorithms differ "
          "by about that much)", regions="us"),
    Check("val_us_prevalence_sex_ratio", 2010, "rel:0.15", us_prevalence_sex_ratio,
          "US prevalence, women / men", regions="us"),
    Check("val_us_black_white_prevalence", 2010, "rel:0.15", us_black_white_prevalence,
          "US adults, African / European ancestry groups (about 300 cases of African "
          "ancestry in 3 million Americans: MCSE about 6%)",
          missing="the world has no ancestry groups yet", regions="us"),
    Check("val_black_white_incidence_women", 2009, "ci", black_white_incidence_women,
          "US women, onset rate in the 3 years before the survey, African / European "
          "ancestry", missing="the world has no ancestry groups yet", regions="us"),
    Check("val_us_cohort_latitude_hr", 1990, "ci", us_cohort_latitude_hr,
          "fair-skinned US women aged 25-55, 20 years of follow-up, Texas / Ohio "
          "(crude: the nurses' adjustment for smoking and BMI moves it little)", regions="us"),
    Check("val_relapse_march", 2015, "ci", relapse_march,
          "seasonal factor of the relapse rate, March / other months"),
    Check("val_relapse_august", 2015, "ci", relapse_august,
          "seasonal factor of the relapse rate, August / other months"),
    Check("val_supplement_1000iu_1999", 1999, "abs:1", supplement_1000_share,
          "US adults 20 or more without MS taking >= 1000 IU/day (1 percentage point)",
          regions="us"),
    Check("val_supplement_1000iu_2013", 2013, "rel:0.25", supplement_1000_share,
          "as above, 2013 (25%)", regions="us"),
    Check("val_sex_ratio_born_1930s", 2010, "rel:0.2", sex_ratio_born_1930s,
          "F:M of onset rates by 2010 among people born 1930-39 at 45 N or more (20%)"),
    Check("val_sex_ratio_born_1980s", 2010, "rel:0.2", sex_ratio_born_1980s,
          "as above, born 1980-89"),
    Check("val_supplement_users_rr", 1980, "ci", supplement_users_rr,
          "fair-skinned US women aged 30-55, 20 years of follow-up, >= 400 IU/day "
          "supplements / none", regions="us"),
    Check("val_disability_correlation", 2012, "ci", disability_correlation,
          "measured 25(OH)D against EDSS among prevalent cases",
          missing="the world has no disability (EDSS) yet"),
    Check("val_migrants_uk_australia", 1981, "rel:0.35", migrants_uk_to_australia,
          "UK-born residents of Queensland and Tasmania, arrived 1947-81 aged 0-14 / 15-39, "
          "expected risk of onset by the census (35%: about 2 SE of a log ratio with some 40 "
          "cases arriving as children)",
          missing="the world has no residence history yet"),
    Check("val_us_hispanic_white_prevalence", 2010, "rel:0.15", us_hispanic_white_prevalence,
          "US adults, Hispanic / European ancestry groups (chosen before ancestry groups "
          "were added)", missing="the world has no ancestry groups yet", regions="us"),
    Check("val_white_incidence_kpsc", 2010, "ci", white_incidence_low_latitude,
          "European ancestry in Texas, onset rate 2007-10 per 100,000 person-years "
          "(chosen while ancestry groups were added, never fitted)",
          missing="the world has no ancestry groups yet", regions="us"),
)


def scenario_year(scenario: Scenario) -> float:
    """The calendar year of the survey in ``scenario`` (2010 in a world without calendar)."""
    calendar = getattr(scenario, "calendar", None)
    return float(calendar.survey_year) if calendar is not None else 2010.0


def at_year(scenario: Scenario, year: int) -> Scenario:
    """``scenario`` surveyed in ``year`` (unchanged in a world without calendar time)."""
    if getattr(scenario, "calendar", None) is None:
        return scenario
    return scenario.with_values({"calendar.survey_year": year})


def hit(rule: str, simulated: float | None, value: float, low, high) -> bool:
    """Whether ``simulated`` meets ``rule`` against the published figure."""
    if simulated is None or not np.isfinite(simulated):
        return False
    if rule == "ci":
        return float(low) <= simulated <= float(high)
    kind, size = rule.split(":")
    tolerance = float(size) * abs(value) if kind == "rel" else float(size)
    return abs(simulated - value) <= tolerance


def _number(value):
    return None if value is None or pd.isna(value) else float(value)


def validation_table(scenario: Scenario, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
                     checks=CHECKS) -> dict:
    """Every validation figure, simulated in ``scenario`` and compared.

    One population of ``n`` people per distinct survey year and region group, from
    ``seed``; the
    draws a check makes (repeat blood samples) come from a child of the same seed.
    Returns ``{"scenario", "n", "seed", "figures": [...], "hits", "total",
    "hit_rate"}``; each figure has ``id``, ``quantity``, ``published``, ``ci_low``,
    ``ci_high``, ``simulated`` (None if not computable), ``hit``, ``rule``, ``year``,
    ``how`` and ``citation``.
    """
    published = calibrate.published_figures()
    figures = []
    for year, regions in sorted({(c.year, c.regions) for c in checks}):
        world_at = at_year(scenario, year)
        if regions != "all":
            world_at = world_at.with_values({"population.regions": regions})
        world = build_world(world_at)
        columns = [c for c in COLUMNS + OPTIONAL_COLUMNS if c in world.nodes or c in COLUMNS]
        people = world.sample(n, seed, columns=columns)
        people.attrs.update(seed=seed, scenario=world_at)
        for index, check in enumerate(checks):
            if (check.year, check.regions) != (year, regions):
                continue
            rng = np.random.default_rng(np.random.SeedSequence([seed, year, index]))
            simulated = check.compute(people, world_at, rng)
            figures.append(_record(check, published.loc[check.figure_id], simulated))
        del people
    order = {c.figure_id: i for i, c in enumerate(checks)}
    figures.sort(key=lambda f: order[f["id"]])
    hits = sum(f["hit"] for f in figures)
    return {"scenario": scenario.name, "n": n, "seed": seed, "figures": figures, "hits": hits,
            "total": len(figures), "hit_rate": hits / len(figures) if figures else float("nan")}


def _record(check: Check, row, simulated) -> dict:
    value = float(row["value"])
    simulated = None if simulated is None or not np.isfinite(simulated) else float(simulated)
    return {"id": check.figure_id, "quantity": row["quantity"], "published": value,
            "ci_low": _number(row["ci_low"]), "ci_high": _number(row["ci_high"]),
            "simulated": simulated,
            "hit": hit(check.rule, simulated, value, row["ci_low"], row["ci_high"]),
            "rule": check.rule, "year": check.year, "how": check.how,
            "missing": check.missing if simulated is None else "",
            "citation": row["citation"]}


def format_table(table: dict) -> str:
    """The validation table as text, one line per figure, then the hit rate."""
    lines = [f"{table['scenario']}: figures the world was not fitted to "
             f"({table['n']:,} people per survey year, seed {table['seed']})",
             f"{'figure':34s} {'year':>4s} {'published':>10s} {'95% CI':>17s} "
             f"{'simulated':>10s} {'rule':>8s}  verdict"]
    for f in table["figures"]:
        ci = "" if f["ci_low"] is None else f"{f['ci_low']:.3g} to {f['ci_high']:.3g}"
        simulated = "n/a" if f["simulated"] is None else f"{f['simulated']:.3g}"
        verdict = "hit" if f["hit"] else ("miss: " + f["missing"] if f["missing"] else "miss")
        lines.append(f"{f['id']:34s} {f['year']:4d} {f['published']:10.3g} {ci:>17s} "
                     f"{simulated:>10s} {f['rule']:>8s}  {verdict}")
    lines.append(f"hit rate: {table['hits']} of {table['total']} ({table['hit_rate']:.0%})")
    return "\n".join(lines)


__all__ = ["CHECKS", "Check", "at_year", "format_table", "hit", "validation_table"]

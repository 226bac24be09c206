"""Reverse causation: MS lowers (and then, through supplements, raises) 25(OH)D.

The experiment behind notebook ``03_reverse_causation``. In the simulated world MS acts on
25(OH)D in three ways (``reverse_causation.*`` parameters, :mod:`simlib.measure`):

* in the **prodrome** (5-10 years before the first symptoms) people lose a share of their
  sun-derived 25(OH)D (``prodrome_sun_loss``; Wijnands et al. 2017, Disanto et al. 2018);
* after **onset**, disability, fatigue and heat sensitivity keep them indoors
  (``onset_sun_loss``, ``heat_sun_loss``; BMC Neurol 2011;11:27;
  ``disability_sun_loss_per_edss`` per EDSS point, :mod:`simlib.disability`);
* after **diagnosis** most start vitamin D supplements (``supplement_share``: 82% in the
  survey of Jelinek et al., BMC Neurol 2015;15:132), mostly 2,000-5,000 IU/day.

The lesson measures 25(OH)D as real studies do, at different moments of the disease:
a cross-sectional survey of people living with MS (``cross-sectional``), a hospital
case-control study that draws blood at or after diagnosis (``hospital-case-control``)
and a prospective cohort whose future cases give blood during the prodrome (``cohort``).
Changing a reverse-causation parameter changes only blood draws of people with MS, so
the same population is re-measured (:func:`with_values`): every comparison is between
the same people and the same cases (common random numbers).

References
----------
Jelinek GA et al. BMC Neurol 2015;15:132 (vitamin D use by people with MS).
Wijnands JMA et al. Lancet Neurol 2017;16:445 (health-care use before MS onset).
Disanto G et al. Neurology 2018 (the MS prodrome).
Munger KL et al. JAMA 2006;296:2832 (pre-diagnostic 25(OH)D and MS).
Hernan MA, Robins JM. Causal Inference: What If. 2020 (reverse causation).
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import estimators as est
from .. import measure
from ..designs import Study, get_design
from ..designs.base import replicate_streams
from ..designs.common import LEVEL_COLUMNS
from ..designs.prospective import ADJUST
from ..errors import ParameterError, SimlibError
from ..plots import TRUTH
from ..scenario import Scenario, load_scenario
from ..scm import Model
from ..world import build_world
from . import confounding
from .confounding_estimates import ANALYSES, fit_poisson

HAZARD = confounding.HAZARD
DESIGNS = ("cross-sectional", "hospital-case-control", "cohort")

#: The world nodes whose equations each ``reverse_causation`` parameter enters.
PARAMETER_NODES = {
    "prodrome_sun_loss": ("vitd_survey_nmol",),
    "onset_sun_loss": ("after_onset_sun_loss",),
    "heat_sun_loss": ("after_onset_sun_loss",),
    "activity_disability_power": ("after_onset_sun_loss",),
    "disability_sun_loss_per_edss": ("after_onset_sun_loss",),
    "heat_sensitive_share": ("heat_sensitive",),
    "supplement_share": ("post_dx_supplement_iu",),
    "supplement_health_log_or": ("post_dx_supplement_iu",),
    "supplement_doses_iu": ("post_dx_supplement_iu",),
    "uptake_mean_years": ("post_dx_supplement_start_age",),
}
#: The survey-day blood draw, which every reverse-causation parameter reaches.
SURVEY_DRAW = "vitd_survey_nmol"


# --------------------------------------------------------------- simulation
def population(scenario: Scenario, n: int, seed: int) -> pd.DataFrame:
    """Simulate ``n`` people (replicate 0 of ``seed``) with every column the three designs
    and the truth need.

    Returns
    -------
    pandas.DataFrame
        One row per person; ``attrs`` hold the population seed and the scenario.
    """
    world = build_world(scenario)
    columns = {HAZARD, SURVEY_DRAW} | world.ancestors(HAZARD)
    for design in DESIGNS:
        columns |= set(get_design(design).columns)
    population_seed, _ = replicate_streams(seed, 0)
    people = world.sample(n, population_seed, columns=sorted(columns))
    people.attrs.update(seed=population_seed, scenario=scenario)
    return people


def with_values(people: pd.DataFrame, values: dict) -> tuple[Model, pd.DataFrame]:
    """The same people with ``reverse_causation`` parameters changed.

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`population` (or :func:`null_and_causal`).
    values : dict
        ``{"supplement_share": 0.0, ...}``: keys of :data:`PARAMETER_NODES` (the
        ``reverse_causation.`` prefix may be given or left out).

    Returns
    -------
    (Model, pandas.DataFrame)
        The changed world and its people; only blood-draw columns of people with MS change.
    """
    keys = {key.removeprefix("reverse_causation."): value for key, value in values.items()}
    unknown = sorted(set(keys) - set(PARAMETER_NODES))
    if unknown:
        raise ParameterError(f"{unknown[0]!r} is not a reverse-causation parameter; use one of "
                             f"{', '.join(PARAMETER_NODES)}")
    scenario = people.attrs["scenario"].with_values(
        {f"reverse_causation.{key}": value for key, value in keys.items()})
    changes = {node for key in keys for node in PARAMETER_NODES[key]} | {SURVEY_DRAW}
    return confounding.resimulate(people, scenario, changes)


def null_and_causal(n: int, seed: int) -> dict[str, pd.DataFrame]:
    """The same ``n`` people in the null and the causal world (MS history re-simulated)."""
    people = population(load_scenario("null"), n, seed)
    _, causal = confounding.resimulate(people, load_scenario("causal"), (HAZARD,))
    return {"null": people, "causal": causal}


def run_design(people: pd.DataFrame, design: str, seed: int, options: dict | None = None,
               world: Model | None = None) -> Study:
    """Run ``design`` on ``people`` with the design stream of replicate 0 of ``seed``.

    On the people of :func:`population` this is what ``run_study`` returns with the
    option ``year`` set to the scenario's ``calendar.survey_year`` (the population's year).
    """
    spec = get_design(design)
    resolved = {name: value for name, value in spec.resolve_options(options).items()
                if not spec.options[name].scenario_key}
    world = build_world(people.attrs["scenario"]) if world is None else world
    return spec.sample(world, people, replicate_streams(seed, 0)[1], **resolved)


def _row(study: Study, estimate: est.Estimate, **labels) -> dict:
    return {**labels, "estimate": estimate.estimate, "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high, "estimand_value": study.estimand.value,
            "scale": estimate.scale, "n": estimate.n, "n_cases": estimate.n_cases,
            "converged": estimate.converged}


def design_sweep(worlds: dict[str, pd.DataFrame], design: str, seed: int, *,
                 values: dict | None = None, option: dict | None = None,
                 options: dict | None = None, estimator: str | None = None) -> pd.DataFrame:
    """A design's estimate as one reverse-causation parameter or one option varies.

    Parameters
    ----------
    worlds : dict
        ``{"null": people, "causal": people}`` (:func:`null_and_causal`).
    design : str
        ``"cross-sectional"`` or ``"hospital-case-control"``.
    seed : int
        Seed of the design's sampling (the same at every point: same people sampled).
    values : dict, optional
        ``{parameter: [values]}``: one ``reverse_causation`` parameter and its values.
    option : dict, optional
        ``{option: [values]}``: one design option and its values (instead of ``values``).
    options : dict, optional
        Design options held fixed.
    estimator : str, optional
        One of the design's estimators (default: its first).

    Returns
    -------
    pandas.DataFrame
        One row per (world, value): ``world``, the parameter or option, ``estimate,
        ci_low, ci_high`` (log OR per 25 nmol/L), ``estimand_value``, ``n, n_cases``.
    """
    (key, grid), = (values or option).items()
    rows = []
    for name, people in worlds.items():
        for value in grid:
            world, changed = with_values(people, {key: value}) if values else (None, people)
            chosen = {**(options or {}), **({} if values else {key: value})}
            study = run_design(changed, design, seed, chosen, world)
            estimate = get_design(design).estimator(estimator)(study)
            rows.append(_row(study, estimate, world=name, **{key: value}))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- cohort
def cohort_prodrome_sweep(cohorts: dict[str, confounding.Cohort], losses,
                          analysis: str = "adjusted") -> pd.DataFrame:
    """The cohort's estimate as the prodrome's loss of sun-derived 25(OH)D varies.

    The cohort's members and cases stay the same; their baseline draws are re-measured
    with ``reverse_causation.prodrome_sun_loss`` set to each value.

    Returns
    -------
    pandas.DataFrame
        ``world, prodrome_sun_loss, estimate, ci_low, ci_high, estimand_value, n_cases``.
    """
    covariates = ANALYSES[analysis]
    rows = []
    for name, cohort in cohorts.items():
        for loss in losses:
            _, people = with_values(cohort.people, {"prodrome_sun_loss": loss})
            data = cohort.study.data.assign(
                vitd_nmol=people[SURVEY_DRAW].to_numpy()[cohort.rows])
            rows.append(_row(cohort.study, fit_poisson(data, covariates),
                             world=name, prodrome_sun_loss=loss, analysis=analysis))
    return pd.DataFrame(rows)


def lag_table(cohorts: dict[str, confounding.Cohort], lags, analysis: str = "adjusted"):
    """The cohort's estimate excluding early cases, with and without the prodrome.

    For each lag (years), cases diagnosed within ``lag`` years of the blood draw are
    excluded (:func:`lagged`); the same data are also re-measured with
    ``reverse_causation.prodrome_sun_loss = 0``. The two differ only by the prodrome's
    bias, so their gap shows how much of it each lag removes, free of chance.

    Returns
    -------
    pandas.DataFrame
        ``world, lag_years, n_cases, as_measured, without_prodrome`` (rate ratios per
        +25 nmol/L) and ``truth``.
    """
    covariates = ANALYSES[analysis]
    rows = []
    for name, cohort in cohorts.items():
        _, people = with_values(cohort.people, {"prodrome_sun_loss": 0.0})
        clean = cohort.study.data.assign(vitd_nmol=people[SURVEY_DRAW].to_numpy()[cohort.rows])
        for lag in lags:
            measured = fit_poisson(lagged(cohort.study.data, lag), covariates)
            without = fit_poisson(lagged(clean, lag), covariates)
            rows.append({"world": name, "lag_years": lag, "n_cases": measured.n_cases,
                         "as_measured": measured.ratio, "ci_low": measured.ratio_ci[0],
                         "ci_high": measured.ratio_ci[1], "without_prodrome": without.ratio,
                         "truth": float(np.exp(cohort.truth))})
    return pd.DataFrame(rows)


def lagged(data: pd.DataFrame, lag_years: float) -> pd.DataFrame:
    """Cohort data without the cases diagnosed within ``lag_years`` of the blood draw.

    Their person-time is dropped with them, as studies that exclude early cases do
    (e.g. Munger et al. 2006 in sensitivity analyses).
    """
    early = (data["event"] > 0) & (data["exit_age"] - data["entry_age"] < lag_years)
    return data[~early]


# --------------------------------------------------------------- trajectory
def trajectory(people: pd.DataFrame, years=None, onset_ages=(20.0, 50.0)) -> pd.DataFrame:
    """Mean true 25(OH)D (nmol/L) of people who develop MS, by years since onset.

    ``years`` are the times since onset (default -12 to 20 by 0.5). Uses
    :func:`simlib.measure.true_level` (no assay noise) at ``onset + t`` for everyone
    whose onset falls in ``onset_ages``: the prodrome dip, the loss after onset and the
    rise with supplements after diagnosis.

    Returns
    -------
    pandas.DataFrame
        ``years_since_onset, mean_nmol``, ``without_ms_nmol`` (the same people at the
        same ages had MS changed nothing: drift, season and the supplement era of each
        calendar year only) and ``before_nmol`` (their long-term mean in the survey
        year, the causal exposure).
    """
    years = np.arange(-12.0, 20.5, 0.5) if years is None else np.asarray(years, dtype=float)
    onset = people["ms_onset_age"].to_numpy()
    chosen = np.flatnonzero((onset >= onset_ages[0]) & (onset < onset_ages[1]))
    if len(chosen) == 0:
        raise SimlibError("no MS onsets in this population: raise n")
    scenario = people.attrs["scenario"]
    part = {c: people[c].to_numpy()[chosen] for c in LEVEL_COLUMNS}
    untouched = {**part, "after_onset_sun_loss": np.zeros(len(chosen)),
                 "post_dx_supplement_start_age": np.full(len(chosen), np.inf)}
    quiet = replace(scenario.reverse_causation, prodrome_sun_loss=0.0)

    def mean_level(columns, rc, t):
        return measure.true_level(onset[chosen] + t, *(columns[c] for c in LEVEL_COLUMNS),
                                  scenario.sun, rc, scenario.measurement,
                                  scenario.calendar).mean()

    means = [mean_level(part, scenario.reverse_causation, t) for t in years]
    without = [mean_level(untouched, quiet, t) for t in years]
    before = people["vitd_mean_nmol"].to_numpy()[chosen].mean()
    return pd.DataFrame({"years_since_onset": years, "mean_nmol": means,
                         "without_ms_nmol": without, "before_nmol": before,
                         "people": len(chosen)})


def trajectory_plot(curves: dict[str, pd.DataFrame], ax=None, scenario: Scenario | None = None):
    """Mean 25(OH)D around MS onset, one line per labelled world.

    Parameters
    ----------
    curves : dict
        Label -> :func:`trajectory` output.
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        For the prodrome and the mean diagnostic delay (default: the null world).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7.0, 4.0)) if ax is None else (ax.figure, ax)
    ms = (scenario or load_scenario("null")).ms
    ax.axvspan(-ms.prodrome_max_years, 0, color="0.92", zorder=0)
    ax.text(-ms.prodrome_max_years + 0.3, 0.03, "prodrome (5-10 years)", fontsize="small",
            transform=ax.get_xaxis_transform())
    for x, text, side in ((0.0, "onset ", "right"), (ms.delay_mean_years, " mean diagnosis",
                                                     "left")):
        ax.axvline(x, color="0.5", lw=0.8, ls=":")
        ax.text(x, 0.98, text, fontsize="small", va="top", ha=side,
                transform=ax.get_xaxis_transform())
    for (label, curve), colour in zip(curves.items(), ("C0", "C2", "C1", "C3"), strict=False):
        ax.plot(curve["years_since_onset"], curve["mean_nmol"], color=colour, label=label)
    first = next(iter(curves.values()))
    ax.plot(first["years_since_onset"], first["without_ms_nmol"], color="0.45", ls=":",
            lw=1.2, label="the same people had MS changed nothing\n(supplement era by "
                          "calendar year)")
    ax.axhline(first["before_nmol"].iloc[0], color=TRUTH, ls="--", lw=1.2,
               label="their long-term 25(OH)D before MS\n(the exposure that matters)")
    ax.set_xlabel("years since MS onset (first symptoms)")
    ax.set_ylabel("mean serum 25(OH)D (nmol/L)")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(0.01, 0.62))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------- plots
def sweep_plot(table: pd.DataFrame, x: str, xlabel: str, ylabel: str, ax=None):
    """Estimates (ratio per +25 nmol/L, log scale) against ``x``, null and causal, vs truth.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`design_sweep` or :func:`cohort_prodrome_sweep`.
    x : str
        The varied column.
    xlabel, ylabel : str
        Axis labels, with units.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(6.8, 4.2)) if ax is None else (ax.figure, ax)
    for (world, part), colour in zip(table.groupby("world", sort=False), ("C0", "C1"),
                                     strict=False):
        ax.plot(part[x], np.exp(part["estimate"]), "o-", color=colour, label=f"{world} world")
        ax.fill_between(part[x], np.exp(part["ci_low"]), np.exp(part["ci_high"]),
                        color=colour, alpha=0.15, lw=0)
        truth = np.exp(part["estimand_value"].iloc[0])
        ax.axhline(truth, color=TRUTH, lw=1.5, ls="-" if world == "null" else "--",
                   label=f"truth, {world} world ({truth:.2f})")
    ax.set_yscale("log")
    _ratio_ticks(ax, np.exp(table[["ci_low", "ci_high"]].to_numpy()))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def _ratio_ticks(ax, values):
    low = min(np.nanmin(values), 0.75) / 1.1
    high = max(np.nanmax(values), 1.1) * 1.1
    ticks = [t for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5)
             if low <= t <= high]
    ax.set_ylim(low, high)
    ax.minorticks_off()
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])


# --------------------------------------------------------------------- widget
class ReversePanel:
    """Re-measure the survey and the cohort with changed reverse causation, in under 1 s.

    The population (null world) and the survey and cohort samples are drawn once. The
    reverse-causation parameters change the blood draws of people with MS only (the
    prodrome before onset, supplements after diagnosis; nobody else's), so each redraw
    re-evaluates the post-diagnosis supplement and blood-draw nodes for the people with
    an MS onset in their lifetime (about 1 in 200) and refits. Those people are
    re-simulated as a population of their own: their random numbers (supplement
    uptake, assay noise) are their own streams', not the notebook population's, and
    stay the same from one setting to the next (common random numbers), so a slider
    moves the estimates only through the parameter.

    Parameters
    ----------
    people : pandas.DataFrame
        From :func:`population`.
    seed : int
        Seed of the survey's and the cohort's sampling.
    """

    def __init__(self, people: pd.DataFrame, seed: int):
        self.people = people
        self.survey = run_design(people, "cross-sectional", seed)
        self.survey_rows = _rows_by_age(people, self.survey.data["age"].to_numpy())
        self.cohort = confounding.run_cohort(build_world(people.attrs["scenario"]), people,
                                             seed)
        onset = people["ms_onset_age"].to_numpy()
        self.affected = np.flatnonzero(np.isfinite(onset))  # whoever gets MS, ever
        self.with_ms = np.flatnonzero((onset >= 20.0) & (onset < 50.0))
        self._with_ms_among_affected = np.searchsorted(self.affected, self.with_ms)
        self._affected_people = people.iloc[self.affected].reset_index(drop=True)
        self._affected_people.attrs.update(people.attrs)

    def estimates(self, supplement_share: float, prodrome_sun_loss: float,
                  survey_size: int | None = None) -> tuple[dict, pd.DataFrame]:
        """``({design: Estimate}, trajectory)`` with these parameters."""
        _, changed = with_values(self._affected_people,
                                 {"supplement_share": supplement_share,
                                  "prodrome_sun_loss": prodrome_sun_loss})
        vitd = self.people[SURVEY_DRAW].to_numpy().copy()
        vitd[self.affected] = changed[SURVEY_DRAW].to_numpy()
        keep = slice(None, survey_size)
        survey = self.survey.data.iloc[keep].assign(vitd_nmol=vitd[self.survey_rows][keep])
        cohort = self.cohort.study.data.assign(vitd_nmol=vitd[self.cohort.rows])
        found = {"survey of people living with MS": est.logit(survey, "ms", "vitd_nmol"),
                 "cohort, blood drawn before diagnosis":
                     fit_poisson(cohort, ADJUST)}
        return found, trajectory(changed.iloc[self._with_ms_among_affected])

    def draw(self, supplement_share: float, prodrome_sun_loss: float,
             survey_thousands: int):
        """The panel's figure: the 25(OH)D trajectory and the two estimates vs the truth."""
        size = int(survey_thousands * 1000)
        found, curve = self.estimates(supplement_share, prodrome_sun_loss, size)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 3.9),
                                          gridspec_kw={"width_ratios": (1.25, 1)})
        trajectory_plot({f"supplement_share = {supplement_share:.2f}": curve}, ax=left)
        for y, estimate in zip((1.0, 0.0), found.values(), strict=True):
            if estimate.converged:
                ratio, (low, high) = estimate.ratio, estimate.ratio_ci
                right.errorbar([ratio], [y], xerr=[[ratio - low], [high - ratio]], fmt="s",
                               color="black", capsize=3)
                right.annotate(f"{ratio:.2f} ({estimate.n_cases:,} cases)", (ratio, y),
                               xytext=(0, 9), textcoords="offset points", ha="center",
                               fontsize="small")
        right.axvline(1.0, color=TRUTH, lw=1.5, label="truth (null world)")
        right.set(xscale="log", xlim=(0.25, 4.0), ylim=(-0.6, 1.6),
                  xlabel="ratio per +25 nmol/L 25(OH)D (log scale)\n"
                         "survey: odds ratio; cohort: adjusted rate ratio")
        right.set_yticks([1.0, 0.0], labels=[f"survey of {min(size, len(self.survey_rows)):,}"
                                             "\nadults (prevalent MS)",
                                             "cohort: blood drawn\nbefore diagnosis"])
        right.minorticks_off()
        right.set_xticks([0.25, 0.5, 1, 2, 4], labels=["0.25", "0.5", "1", "2", "4"])
        right.legend(fontsize="small", loc="lower right")
        fig.tight_layout()
        return fig


def _rows_by_age(people: pd.DataFrame, ages: np.ndarray) -> np.ndarray:
    """Population rows of a sample, matched on their (continuous, distinct) ages."""
    age = people["age"].to_numpy()
    order = np.argsort(age)
    rows = order[np.clip(np.searchsorted(age[order], ages), 0, len(order) - 1)]
    if not np.array_equal(age[rows], ages):
        raise SimlibError("sampled people could not be matched to the population")
    return rows

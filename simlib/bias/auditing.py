"""Would the standard sensitivity tools have warned us? Bias analysis checked against truth.

:func:`audit` runs a design replicate by replicate, applies each tool of
:mod:`simlib.bias` as a careful analyst would, with bias parameters taken from the
published literature (not from the simulated world), and scores each tool against what
only the simulator knows: the true effect (the design's estimand) and the confounding
actually present among the people sampled.

Per replicate, for the design's usual adjusted analysis (:data:`AUDITED`):

* **conventional**: does the 95% confidence interval cover the truth?
* **E-value** (VanderWeele & Ding 2017) of the estimate and of its confidence limit,
  beside the **confounding present**: the analysis refitted with the sampled people's
  true prognostic score added as a covariate (each person's log hazard ratio of MS from
  every cause but 25(OH)D: latitude, UVB, obesity, smoking, EBV, HLA, ancestry, birth
  place and era; what no real study measures). Adjusting for it blocks every back-door
  path through the outcome's other causes, so the shift of the estimate is the bias that
  confounding caused, ``B = exp(|shift|)`` on the ratio scale. A confounder that biases a
  risk ratio by ``B`` has joint strength at least the E-value of ``B`` (its bounding
  factor is at least ``B``; Ding & VanderWeele 2016), so ``e_value_present =
  e_value_rr(B)`` is a lower bound on the strength of the confounding present. The E-value
  "exceeds the confounding present" when confounding of the strength present could not
  have explained the estimate away. Reverse causation and measurement error are not
  confounding: an E-value says nothing about them, and in the ``null`` world a large
  E-value beside a small ``e_value_present`` is that lesson.
* **probabilistic bias analysis** for an unmeasured confounder (Lash, Fox & Fink 2021):
  does the 95% simulation interval with random error cover the truth? Priors
  (:data:`SUN_PRIORS`): the confounder is low lifetime sun exposure, which lowers
  25(OH)D and, through UV radiation's own immune effects, may raise MS risk. Risk ratio
  with MS uniform 1.3-3.0: van der Mei et al. 2003 found OR 0.31 (0.16-0.59) for high
  versus low childhood sun exposure, Lucas et al. 2011 a weaker dose-response (OR 0.70 per
  1,000 kJ/m2 of cumulative UV) independent of 25(OH)D. Prevalence of the confounder (the
  lowest third of sun exposure) uniform 0.30-0.45 at the lower level of the +25 nmol/L
  contrast and 0.15-0.30 at the higher: the analyst's judgement, since sun is one of
  several determinants of 25(OH)D (diet, supplements, skin, body size). The external
  adjustment treats the +25 nmol/L contrast as exposed versus unexposed.
* **regression calibration** (Rosner, Spiegelman & Willett 1989): a repeat blood draw
  :data:`REPEAT_YEARS` years from the study's own (after it for the cohort and biobank,
  before the survey for the others) in up to :data:`RELIABILITY_PEOPLE` non-cases gives
  the reliability; does the corrected interval cover the truth?

Replicates whose analysis fails are counted by reason (``reason``), not scored.

References
----------
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-74.
Ding P, VanderWeele TJ. Sensitivity analysis without assumptions. Epidemiology
2016;27:368-77.
Lash TL, Fox MP, Fink AK. Applying Quantitative Bias Analysis to Epidemiologic Data. 2nd
ed. Springer; 2021.
van der Mei IAF et al. Past exposure to sun, skin phenotype, and risk of multiple
sclerosis: case-control study. BMJ 2003;327:316. doi:10.1136/bmj.327.7410.316
Lucas RM et al. Sun exposure and vitamin D are independent risk factors for CNS
demyelination. Neurology 2011;76:540-8. doi:10.1212/WNL.0b013e31820af93d
Rosner B, Spiegelman D, Willett WC. Correction of logistic regression relative risk
estimates and confidence intervals for systematic within-person measurement error.
Stat Med 1989;8:1051-69.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .. import estimators as est
from ..designs import get_design
from ..designs.base import DesignDataError, replicate_streams, simulate_study
from ..designs.common import blood_draw
from ..designs.prospective import ADJUST
from ..errors import ParameterError, nearest
from ..files import write_text
from ..montecarlo import _append, _repair, canonical_value
from ..scm import node_rng
from ..world import vitd_log_hazard
from .calibration import regression_calibration
from .evalue import e_value, e_value_rr
from .probabilistic import unmeasured_confounder

#: Years between the study's blood draw and the repeat draw of the reliability sample.
REPEAT_YEARS = 5.0
#: Non-cases with a repeat draw (the reliability sample).
RELIABILITY_PEOPLE = 500
#: Draws of the probabilistic bias analysis per replicate.
PBA_DRAWS = 5_000
#: The analyst's priors for an unmeasured confounder, low lifetime sun exposure (see the
#: module docstring for their sources).
SUN_PRIORS = {"prevalence_exposed": stats.uniform(0.15, 0.15),
              "prevalence_unexposed": stats.uniform(0.30, 0.15),
              "rr_confounder_outcome": stats.uniform(1.3, 1.7)}
#: The scenarios and designs of the audit table.
SCENARIOS = ("null", "causal", "threshold", "no_bias")
TOOLS = ("conventional", "bias_analysis", "regression_calibration")
PROGNOSTIC = "prognostic_log_hr"
#: The columns of an audit table, in order (a failed replicate leaves the scores empty).
COLUMNS = ("index", "truth", "estimate", "se", "ci_low", "ci_high", "reason",
           "covers_conventional", "e_value", "e_value_ci", "confounding_shift",
           "e_value_present", "e_value_exceeds_present", "covers_bias_analysis",
           "reliability", "covers_regression_calibration", "calibration_reason")


@dataclass(frozen=True)
class Audited:
    """A design's audited analysis: ``fit(data, extra_covariates)`` must equal the
    design's ``estimator`` when ``extra_covariates`` is empty; ``scale`` for the E-value;
    ``case``: the outcome column (non-cases give the reliability sample); ``later``:
    whether the repeat draw follows the study's draw (prospective designs)."""

    estimator: str
    fit: Callable
    scale: str
    case: str
    later: bool


AUDITED = {
    "cohort": Audited("poisson-adjusted", lambda data, extra: est.poisson_rate(
        data, "event", "person_years", "vitd_nmol", covariates=(*ADJUST, *extra)),
        "hr", "event", True),
    "nested-case-control": Audited("conditional-logit", lambda data, extra: est.conditional_logit(
        data, "case", "vitd_nmol", group="set", covariates=tuple(extra)), "or", "case", True),
    "hospital-case-control": Audited("logit", lambda data, extra: est.logit(
        data, "case", "vitd_nmol", covariates=("age_band", "female", *extra)),
        "or", "case", False),
    "cross-sectional": Audited("logit-adjusted", lambda data, extra: est.logit(
        data, "ms", "vitd_nmol", covariates=("age", "female", "latitude_deg", *extra)),
        "or", "ms", False),
}


def check_audit(design: str, reps) -> Audited:
    """The audited analysis of ``design``, after checking ``design`` and ``reps``."""
    if design not in AUDITED:
        raise ParameterError(f"design={design!r}: the audit covers {', '.join(AUDITED)}"
                             + nearest(str(design), AUDITED))
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise ParameterError(f"reps={reps!r}: a whole number of replicates >= 1")
    return AUDITED[design]


def audit(scenario, design: str, reps: int, seed: int, options: dict | None = None,
          progress: bool = False, checkpoint: str | os.PathLike | None = None) -> pd.DataFrame:
    """Each tool applied to ``reps`` replicates of ``design`` in ``scenario``, scored
    against the truth (see the module docstring).

    With ``checkpoint`` (a CSV path) each replicate's row is appended as it finishes,
    beside ``<checkpoint>.settings.json``; a rerun with the same settings skips the
    replicates already there (an interrupted audit resumes; replicate ``i`` is the same
    whenever it runs), and other settings are refused. The table is then read back from
    the file, so a resumed run returns what an uninterrupted one does.

    Returns
    -------
    pandas.DataFrame
        One row per replicate: ``truth``, ``estimate``, ``se``, ``ci_low``, ``ci_high``
        (log ratio per +25 nmol/L); ``covers_conventional``, ``covers_bias_analysis``,
        ``covers_regression_calibration``; ``e_value``, ``e_value_ci``,
        ``confounding_shift`` (log scale), ``e_value_present``, ``e_value_exceeds_present``;
        ``reliability``; ``reason`` (empty, or why the analysis failed).
    """
    audited = check_audit(design, reps)
    done = _resume(checkpoint, scenario, design, seed, options)
    rows = []
    todo = [index for index in range(reps) if index not in done]
    if progress:
        from tqdm.auto import tqdm
        todo = tqdm(todo, desc=f"audit {design}", unit="rep")
    for index in todo:
        row = audit_replicate(scenario, design, audited, seed, index, options)
        rows.append(row)
        if checkpoint is not None:
            _append(Path(checkpoint), pd.DataFrame([row], columns=COLUMNS))
    if checkpoint is None:
        return pd.DataFrame(rows, columns=COLUMNS)
    table = _read(Path(checkpoint))
    return table[table["index"] < reps].sort_values("index").reset_index(drop=True)


def _settings(scenario, design, seed, options) -> dict:
    return {"scenario": scenario.name,
            "scenario_sha256": hashlib.sha256(scenario.to_toml().encode()).hexdigest(),
            "design": design, "seed": int(seed),
            "options": {k: canonical_value(v) for k, v in sorted((options or {}).items())}}


def _resume(checkpoint, scenario, design, seed, options) -> set[int]:
    """Indices already in the checkpoint (after checking its settings), or none."""
    if checkpoint is None:
        return set()
    path = Path(checkpoint)
    sidecar = path.with_name(path.name + ".settings.json")
    settings = _settings(scenario, design, seed, options)
    if path.exists() and sidecar.exists():
        kept = json.loads(sidecar.read_text(encoding="utf-8"))
        if kept != settings:
            raise ParameterError(f"checkpoint {str(path)!r} holds an audit with other "
                                 f"settings ({kept['design']}, scenario {kept['scenario']}, "
                                 f"seed {kept['seed']}): give another folder")
        _repair(path)
        return set(_read(path)["index"].astype(int)) if path.stat().st_size else set()
    path.unlink(missing_ok=True)
    write_text(sidecar, json.dumps(settings, indent=2))
    return set()


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"],
                       dtype={"reason": str, "calibration_reason": str}).assign(
        reason=lambda t: t["reason"].fillna(""))


def audit_replicate(scenario, design: str, audited: Audited, seed: int, index: int,
                    options: dict | None) -> dict:
    """One replicate of :func:`audit` (a sample the design cannot draw, such as no case,
    is a failed replicate with its reason, as in :func:`simlib.montecarlo.replicate`)."""
    try:
        study, _, people = simulate_study(scenario, design, seed, index, options,
                                              extra_columns=("window_vitd_nmol",
                                                             "ms_log_hazard_ratio"))
    except DesignDataError as error:
        return {"index": index, "reason": str(error)}
    fit = get_design(design).estimator(audited.estimator)(study)
    row = {"index": index, "truth": study.estimand.value, "estimate": fit.estimate,
           "se": fit.se, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
           "reason": fit.reason if not fit.converged else ""}
    if not fit.converged:
        return row
    truth = study.estimand.value
    row["covers_conventional"] = bool(fit.ci_low <= truth <= fit.ci_high)
    ratio = e_value(math.exp(fit.estimate), math.exp(fit.ci_low), math.exp(fit.ci_high),
                    scale=audited.scale)
    row.update(e_value=ratio.point, e_value_ci=ratio.ci)
    row.update(_confounding_present(study, people, audited, fit.estimate, ratio.point))
    pba = unmeasured_confounder(**SUN_PRIORS, estimate=math.exp(fit.estimate), se=fit.se,
                                draws=PBA_DRAWS, seed=_stream(seed, index, "pba"))
    row["covers_bias_analysis"] = pba.covers(math.exp(truth))
    row.update(_calibrated(study, people, audited, fit, truth, seed, index))
    return row


def _stream(seed: int, index: int, name: str) -> np.random.SeedSequence:
    """The audit's own random numbers for replicate ``index`` (not the study's)."""
    population_seed, _ = replicate_streams(seed, index)
    return np.random.SeedSequence(node_rng(population_seed, f"audit_{name}").integers(2**63))


def _confounding_present(study, people, audited: Audited, estimate: float,
                         point: float) -> dict:
    """The analysis refitted with the sampled people's true prognostic score."""
    rows = study.extra["people_rows"]
    scenario = people.attrs["scenario"]
    score = (people["ms_log_hazard_ratio"].to_numpy()[rows]
             - vitd_log_hazard(people["window_vitd_nmol"].to_numpy()[rows], scenario.ms))
    data = study.data.assign(**{PROGNOSTIC: score})
    adjusted = audited.fit(data, (PROGNOSTIC,))
    if not adjusted.converged:
        return {"confounding_shift": float("nan")}
    shift = estimate - adjusted.estimate
    present = e_value_rr(math.exp(abs(shift)))
    return {"confounding_shift": shift, "e_value_present": present,
            "e_value_exceeds_present": bool(point > present)}


def _calibrated(study, people, audited: Audited, fit, truth: float, seed: int,
                index: int) -> dict:
    """Regression calibration with a repeat draw in up to RELIABILITY_PEOPLE non-cases."""
    data = study.data
    positions = np.flatnonzero(~data[audited.case].astype(bool).to_numpy())
    rng = np.random.default_rng(_stream(seed, index, "reliability"))
    chosen = np.sort(rng.choice(positions, min(RELIABILITY_PEOPLE, len(positions)),
                                replace=False))
    rows = study.extra["people_rows"][chosen]
    first_age = data["age"].to_numpy()[chosen]
    later = first_age + (REPEAT_YEARS if audited.later else -REPEAT_YEARS)
    repeat = blood_draw(people, rows, np.maximum(later, 1.0), rng, people.attrs["scenario"])
    repeats = np.column_stack([data["vitd_nmol"].to_numpy()[chosen], repeat])
    try:
        result = regression_calibration(fit.estimate, fit.se, repeats,
                                        seed=_stream(seed, index, "bootstrap"))
    except ParameterError as error:
        return {"reliability": float("nan"), "calibration_reason": str(error)}
    return {"reliability": result.reliability,
            "covers_regression_calibration": bool(result.ci_low <= truth <= result.ci_high)}


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the truth by each tool with its Monte Carlo SE, and how often the
    E-value exceeded the confounding present, over the scored replicates."""
    scored = table[table["reason"] == ""]
    out = {"replicates": len(table), "scored": len(scored)}
    for tool in TOOLS:
        hits = scored[f"covers_{tool}"].dropna().astype(float)
        out[f"coverage_{tool}"] = hits.mean() if len(hits) else float("nan")
        out[f"mcse_{tool}"] = math.sqrt(hits.mean() * (1 - hits.mean()) / len(hits)) \
            if len(hits) else float("nan")
    exceeds = scored["e_value_exceeds_present"].dropna().astype(float)
    out["e_value_exceeds_present"] = exceeds.mean() if len(exceeds) else float("nan")
    out["median_e_value"] = scored["e_value"].median()
    out["median_e_value_present"] = scored["e_value_present"].median()
    return pd.DataFrame([out])

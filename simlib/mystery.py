"""The mystery world: find out, with a budget of participants, whether vitamin D is causal.

An instructor picks a seed; :class:`MysteryWorld` draws from it a hidden world in which
vitamin D does or does not lower the hazard of MS onset (50/50), how strongly (and with
what shape) if it does, and how strong the biases are: confounding by sun, obesity,
smoking and health consciousness, reverse causation, measurement error, population
stratification and (sometimes) pleiotropy of the vitamin-D genes. Students spend a
budget of participants on the registered designs of their choice
(:meth:`MysteryWorld.study`), decide "causal" or "not causal", and
:meth:`MysteryWorld.reveal` shows the truth, each study's estimand beside its estimate,
and the score.

Cost of a study (budget units: participants, people who give data)
-------------------------------------------------------------------
``participants`` is what a study asks for; it is charged the people who actually give
data (never more than asked; fewer if the simulated population cannot supply them), times
a follow-up factor for designs that follow people: cohort ``max(1, follow_up_years / 15)``,
trial ``max(1, follow_up_years / 5)``. :data:`PARTICIPANTS` (and :func:`cost_table`)
says who the participants of each design are: e.g. for a nested case-control study the
cases and controls whose stored serum is assayed, for an ecological study the survey's
blood draws (registers are free). The relapse designs are not offered: the mystery is
about MS onset.

The truth is kept in a private attribute; a student who reads ``world._hidden`` (or
reruns the seed's draws) can see it. This is a teaching game, not a security boundary.

References
----------
Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed., chapter 9 (validity).
Lawlor DA et al. Triangulation in aetiological epidemiology. Int J Epidemiol
2016;45:1866-86 (why combine designs with different biases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from .designs import DESIGNS, get_design, run_study
from .designs.base import cached_world
from .errors import ParameterError, UnknownParameterError, nearest
from .scenario import Scenario, load_scenario
from .truth import true_effects
from .world import REGION_GROUPS

#: The designs on offer and who their participants are (the cost rule above).
PARTICIPANTS = {
    "cohort": "people enrolled (blood draw, followed for diagnosis); x follow_up_years / 15",
    "trial": "people randomized (general population, MS onset); x follow_up_years / 5",
    "mr-one-sample": "adults genotyped, with one blood draw and MS status",
    "mr-two-sample": "adults in the exposure and outcome GWAS together",
    "cross-sectional": "adults surveyed (one blood draw, MS status)",
    "hospital-case-control": "cases and controls recruited and bled",
    "nested-case-control": "cases and matched controls whose stored serum is assayed",
    "ecological": "adults with a survey blood draw, split over the regions",
}
DESIGN_NAMES = tuple(PARTICIPANTS)
DECISIONS = ("causal", "not causal")
POINTS_CORRECT, POINTS_BUDGET = 100, 25  # correct decision; bonus x unspent share
#: Options the world sets itself (from ``participants``) or that would change the world.
SET_BY_WORLD = {"population": "the world derives it from participants",
                "participants": "pass it as the participants argument",
                "survey_size": "pass it as the participants argument",
                "survey_per_region": "the world splits participants over the regions",
                "pleiotropy": "it would change the hidden world",
                "stratification": "it would change the hidden world",
                "eligibility": "the mystery is about MS onset (general-population trials)"}
FOLLOW_UP_STANDARD = {"cohort": 15.0, "trial": 5.0}  # years included in the price
#: Rows per simulated person of the case-control designs at their default options
#: (null world): the world sizes their population from these and trims to participants.
CASE_CONTROL_YIELD = {"hospital-case-control": 2.5e-4, "nested-case-control": 3.2e-4}
ECOLOGICAL_POPULATION = 1_000_000
#: Ranges of the hidden draws per difficulty: HR per +25 nmol/L if causal (linear),
#: HR below the threshold (threshold shape), shares of threshold worlds and of
#: pleiotropic genes, and the allele-frequency shift with ancestry (stratification).
DIFFICULTIES = {
    "easy": {"hr": (0.55, 0.75), "threshold_hr": (0.4, 0.6), "threshold_share": 0.0,
             "pleiotropy_share": 0.0, "stratification": (0.0, 0.1)},
    "standard": {"hr": (0.65, 0.9), "threshold_hr": (0.4, 0.7), "threshold_share": 0.25,
                 "pleiotropy_share": 0.25, "stratification": (0.0, 0.2)},
    "hard": {"hr": (0.8, 0.92), "threshold_hr": (0.5, 0.8), "threshold_share": 0.4,
             "pleiotropy_share": 0.5, "stratification": (0.05, 0.3)},
}
#: Nuisance parameters drawn in every world: (low, high) and what they do.
NUISANCE = {
    "ms.uvb_hr_per_doubling": (0.75, 1.0, "confounding: sun acts on MS without 25(OH)D"),
    "ms.hr_obesity": (1.0, 2.5, "confounding: obesity lowers 25(OH)D and raises MS"),
    "ms.hr_smoking": (1.0, 2.0, "confounding: smoking raises MS (health consciousness)"),
    "behaviour.supplement_health_log_or": (0.0, 1.5, "health-conscious people take supplements"),
    "behaviour.smoking_health_log_or": (-1.2, 0.0, "health-conscious people smoke less"),
    "reverse_causation.prodrome_sun_loss": (0.0, 0.3, "reverse causation: less sun in prodrome"),
    "reverse_causation.onset_sun_loss": (0.0, 0.4, "reverse causation: less sun after onset"),
    "reverse_causation.supplement_share": (0.2, 0.9, "patients who start vitamin D after "
                                           "diagnosis"),
    "measurement.within_person_sd_nmol": (2.0, 8.0, "measurement: short-term variation"),
    "measurement.drift_log_sd": (0.1, 0.3, "measurement: the level drifts over the years"),
    "measurement.assay_cv": (0.05, 0.2, "measurement: assay error (CV)"),
    "measurement.lab_bias_factor": (0.8, 1.2, "measurement: lab bias (measured / true)"),
}


def cost_table() -> pd.DataFrame:
    """The designs on offer, what their participants are, and their estimators."""
    return pd.DataFrame([{"design": name, "participants are": PARTICIPANTS[name],
                          "estimators": ", ".join(get_design(name).estimators)}
                         for name in DESIGN_NAMES])


@dataclass(frozen=True)
class StudyResult:
    """What a study in the mystery world reports: estimate and 95% CI, never the truth."""

    study: int
    design: str
    estimator: str
    options: str
    participants: int
    cost: int
    remaining: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    scale: str
    people: int
    n: int
    n_cases: int
    converged: bool
    reason: str

    def __str__(self) -> str:
        ratio = self.scale.startswith("log")
        show = math.exp if ratio else (lambda v: v)
        value = (f"{show(self.estimate):.3g} (95% CI {show(self.ci_low):.3g} to "
                 f"{show(self.ci_high):.3g})" if self.converged else f"not estimable "
                 f"({self.reason})")
        name = self.scale[4:] if ratio else self.scale
        cases = f", {self.n_cases:,} cases" if self.n_cases else ""
        return (f"Study {self.study}: {self.design} ({self.estimator}), {self.people:,} "
                f"people{cases}: {name} = {value}; cost {self.cost:,}, {self.remaining:,} left")


@dataclass(frozen=True)
class Reveal:
    """The truth of a mystery world and the score of a decision."""

    decision: str
    truth: str
    correct: bool
    score: int
    hidden: dict
    true_effects: dict
    studies: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        verdict = "correct" if self.correct else "wrong"
        return (f"Vitamin D was {self.truth.upper()} ({self.hidden['effect']}). Your decision "
                f"'{self.decision}' is {verdict}: score {self.score} of "
                f"{POINTS_CORRECT + POINTS_BUDGET}.")


def draw_hidden(seed: int, difficulty: str = "standard") -> tuple[dict, dict]:
    """Draw a hidden world: ``(scenario values, description)`` from ``seed``.

    Every number is drawn on every call, in a fixed order, from
    ``default_rng(SeedSequence(seed))``, so a seed always gives the same world.
    """
    if difficulty not in DIFFICULTIES:
        hint = nearest(str(difficulty), DIFFICULTIES)
        raise ParameterError(f"difficulty {difficulty!r} is not allowed{hint}: use one of "
                             f"{', '.join(DIFFICULTIES)}")
    spec, rng = DIFFICULTIES[difficulty], np.random.default_rng(np.random.SeedSequence(seed))
    causal, threshold = rng.random() < 0.5, rng.random() < spec["threshold_share"]
    hr, threshold_hr = rng.uniform(*spec["hr"]), rng.uniform(*spec["threshold_hr"])
    threshold_nmol = rng.uniform(45.0, 65.0)
    pleiotropic = rng.random() < spec["pleiotropy_share"]
    pleiotropy = math.exp(rng.choice([-1.0, 1.0]) * rng.uniform(0.02, 0.05))
    values = {key: float(rng.uniform(low, high)) for key, (low, high, _) in NUISANCE.items()}
    values["genetics.ancestry_shift"] = float(rng.uniform(*spec["stratification"]))
    values["genetics.pleiotropy_hr_per_allele"] = pleiotropy if pleiotropic else 1.0
    shape = "threshold" if threshold else "linear"
    effect_hr = (threshold_hr if threshold else hr) if causal else 1.0
    values.update(_effect_values(shape, effect_hr, threshold_nmol))
    effect = ("no effect of 25(OH)D on MS onset" if not causal else
              f"HR {effect_hr:.2f} per +25 nmol/L below {threshold_nmol:.0f} nmol/L, none "
              "above" if threshold else f"HR {effect_hr:.2f} per +25 nmol/L")
    return values, {"causal": bool(causal), "effect": effect, "shape": shape,
                    "difficulty": difficulty}


def _effect_values(shape: str, hr: float, threshold_nmol: float) -> dict:
    """Effect parameters, with baseline and latitude refitted as the shipped scenarios are.

    The baseline hazard and the unexplained latitude factor are interpolated on the
    log scale between ``null`` and ``causal`` (linear) or ``threshold``, in ``log(hr)``.
    """
    null, reference = load_scenario("null").ms, load_scenario(
        "causal" if shape == "linear" else "threshold").ms
    t = math.log(hr) / math.log(reference.vitd_hr_per_25nmol)
    def refit(key):
        return getattr(null, key) * (getattr(reference, key) / getattr(null, key)) ** t
    values = {"ms.vitd_hr_per_25nmol": hr, "ms.vitd_effect_shape": shape,
              "ms.baseline_per_100k": refit("baseline_per_100k"),
              "ms.latitude_hr_per_10_degrees": refit("latitude_hr_per_10_degrees")}
    if shape == "threshold":
        values["ms.vitd_threshold_nmol"] = threshold_nmol
    return values


@lru_cache(maxsize=1)
def _age_pilot() -> pd.DataFrame:
    """Ages of a small public population (the age structure is the same in every world)."""
    return cached_world(load_scenario("null")).sample(50_000, 7, columns=("age", "alive"))


def eligible_share(age_low: float, age_high: float) -> float:
    """Share of a simulated population alive and aged ``[age_low, age_high)`` years."""
    age, alive = _age_pilot()["age"].to_numpy(), _age_pilot()["alive"].to_numpy()
    return max(float(np.mean(alive & (age >= age_low) & (age < age_high))), 1e-4)


class MysteryWorld:
    """A world with a hidden truth, a budget of participants and a log of studies.

    Parameters
    ----------
    seed : int
        The instructor's seed: the same seed gives the same world and the same results
        for the same sequence of studies.
    budget : int
        Participants the group may spend (see the module docstring for the cost rule).
        The default, 2,000,000, fits 3-5 informative studies, e.g. a 1,000,000-person
        trial, a 600,000-person MR study and a 300,000-person cohort.
    difficulty : {"easy", "standard", "hard"}
        Ranges of the hidden draws (:data:`DIFFICULTIES`): weaker effects, threshold
        shapes and pleiotropic genes become commoner from easy to hard.
    max_population : int
        Largest population simulated for one study (memory and time; ~3 s per 10^6).

    Examples
    --------
    >>> world = MysteryWorld(seed=2024)
    >>> result = world.study("cohort", participants=200_000)  # doctest: +SKIP
    >>> world.reveal("not causal").score  # doctest: +SKIP
    """

    def __init__(self, seed: int, budget: int = 2_000_000, difficulty: str = "standard",
                 max_population: int = 3_000_000):
        for name, value, low in (("seed", seed, 0), ("budget", budget, 1),
                                 ("max_population", max_population, 10_000)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                    or value < low:
                raise ParameterError(f"{name} = {value!r} is not allowed: use a whole number "
                                     f">= {low:,}")
        self.seed, self.budget, self.difficulty = int(seed), int(budget), difficulty
        self.max_population = int(max_population)
        values, about = draw_hidden(self.seed, difficulty)
        scenario = replace(load_scenario("null").with_values(values), name="mystery",
                           description="hidden until the reveal")
        self._hidden = {"values": values, "about": about, "scenario": scenario}
        self._records: list[dict] = []
        self._reveal: Reveal | None = None
        self._study_seed = int(np.random.SeedSequence(self.seed, spawn_key=(1,))
                               .generate_state(1)[0])

    def __repr__(self) -> str:
        return (f"MysteryWorld(seed={self.seed}, difficulty={self.difficulty!r}, "
                f"budget={self.budget:,}, spent={self.spent:,}, studies={len(self._records)}, "
                f"revealed={self._reveal is not None})")

    @property
    def spent(self) -> int:
        """Participants spent so far."""
        return sum(r["cost"] for r in self._records)

    @property
    def remaining(self) -> int:
        """Participants left in the budget."""
        return self.budget - self.spent

    @property
    def log(self) -> pd.DataFrame:
        """One row per study run: what the studies reported (no truth)."""
        columns = list(StudyResult.__dataclass_fields__)
        return pd.DataFrame([{k: r[k] for k in columns} for r in self._records], columns=columns)

    def study(self, design: str, participants: int, estimator: str | None = None,
              **options) -> StudyResult:
        """Run one study of ``design`` on the hidden world and charge the budget.

        Parameters
        ----------
        design : str
            One of :data:`DESIGN_NAMES` (``python -m simlib designs`` describes them).
        participants : int
            People the study recruits (see the module docstring for what they are).
        estimator : str, optional
            One of the design's estimators; its default if None.
        **options
            Design options (``follow_up_years=10``, ``regions="europe"``, ...), except
            those in :data:`SET_BY_WORLD`.

        Returns
        -------
        StudyResult
            Estimate, 95% CI and scale (log ratios for ratio measures), cost and budget
            left. Nothing is charged when the study is refused.
        """
        if self._reveal is not None:
            raise ParameterError("this world has been revealed: start a new MysteryWorld to "
                                 "play again")
        plan, bound = self._plan(design, participants, estimator, options)
        if bound > self.remaining:
            factor = bound / participants
            raise ParameterError(
                f"{design} with {participants:,} participants costs up to {bound:,} but only "
                f"{self.remaining:,} of the budget of {self.budget:,} remain: ask for at most "
                f"{int(self.remaining / factor):,} participants")
        number = len(self._records) + 1
        study = run_study(self._hidden["scenario"], design, self._study_seed, number - 1, plan)
        people = _trim(study, participants, plan,
                       np.random.default_rng([self._study_seed, number]))
        fit = get_design(design).estimator(estimator)(study)
        truth = study.estimand_for(estimator or get_design(design).default_estimator)
        record = {"study": number, "design": design,
                  "estimator": estimator or get_design(design).default_estimator,
                  "options": ", ".join(f"{k}={v}" for k, v in options.items()),
                  "participants": int(participants),
                  "cost": min(bound, math.ceil(people * bound / participants)),
                  "estimate": fit.estimate, "se": fit.se, "ci_low": fit.ci_low,
                  "ci_high": fit.ci_high, "p_value": fit.p_value,
                  "scale": truth.scale or fit.scale, "people": int(people), "n": int(fit.n),
                  "n_cases": int(fit.n_cases), "converged": bool(fit.converged),
                  "reason": fit.reason, "estimand": truth.name, "estimand_value": truth.value}
        record["remaining"] = self.remaining - record["cost"]
        self._records.append(record)
        return StudyResult(**{k: record[k] for k in StudyResult.__dataclass_fields__})

    def _plan(self, design, participants, estimator, options) -> tuple[dict, int]:
        """Check the request; return the design options and the most it can cost."""
        if design not in DESIGN_NAMES:
            if design in DESIGNS:
                raise ParameterError(f"design '{design}' is not offered in the mystery world: "
                                     "it studies relapses, the mystery is MS onset")
            hint = nearest(str(design), DESIGN_NAMES)
            raise UnknownParameterError(f"unknown design '{design}'{hint}; designs: "
                                        f"{', '.join(DESIGN_NAMES)}")
        if isinstance(participants, bool) or not isinstance(participants, int | np.integer) \
                or participants < 1:
            raise ParameterError(f"participants = {participants!r} is not allowed: use a "
                                 "whole number >= 1")
        for name, value in options.items():
            if name in SET_BY_WORLD and not (name == "eligibility" and value == "general"):
                raise ParameterError(f"option '{name}' cannot be set in the mystery world: "
                                     f"{SET_BY_WORLD[name]}")
        spec = get_design(design)
        spec.estimator(estimator)  # validates the name
        resolved = spec.resolve_options(options)  # validates names and values
        plan = {**study_sizes(design, int(participants), resolved, self.max_population),
                **options}  # a given exposure_sample (two-sample MR) wins
        spec.resolve_options(plan)  # the derived sizes are in range too
        standard = FOLLOW_UP_STANDARD.get(design)
        years = resolved.get("follow_up_years") or standard
        factor = max(1.0, years / standard) if standard else 1.0
        return plan, math.ceil(int(participants) * factor)

    def reveal(self, decision: str) -> Reveal:
        """Show the truth and score ``decision`` ("causal" or "not causal").

        Score: a correct decision earns ``POINTS_CORRECT`` (100) plus
        ``POINTS_BUDGET`` (25) times the share of the budget left unspent; a wrong
        decision earns 0. A world is revealed once; asking again with the same decision
        returns the same result.
        """
        if decision not in DECISIONS:
            hint = nearest(str(decision), DECISIONS)
            raise ParameterError(f"decision {decision!r} is not allowed{hint}: use 'causal' "
                                 "or 'not causal'")
        if self._reveal is not None:
            if decision != self._reveal.decision:
                raise ParameterError(f"this world was already revealed with the decision "
                                     f"'{self._reveal.decision}'; it cannot be changed")
            return self._reveal
        about = self._hidden["about"]
        truth = "causal" if about["causal"] else "not causal"
        correct = decision == truth
        score = POINTS_CORRECT + round(POINTS_BUDGET * self.remaining / self.budget) \
            if correct else 0
        effects = true_effects(self._hidden["scenario"], 200_000,
                               np.random.SeedSequence(self.seed, spawn_key=(2,)))
        hidden = {**about, **self._hidden["values"]}
        studies = pd.DataFrame(self._records, columns=[*self.log.columns, "estimand",
                                                       "estimand_value"])
        studies["ci_covers_truth"] = (studies["ci_low"] <= studies["estimand_value"]) \
            & (studies["estimand_value"] <= studies["ci_high"])
        self._reveal = Reveal(decision, truth, correct, int(score), hidden, effects, studies)
        return self._reveal

    @property
    def scenario_after_reveal(self) -> Scenario:
        """The hidden scenario, available once the world is revealed."""
        if self._reveal is None:
            raise ParameterError("the scenario is hidden until world.reveal(decision)")
        return self._hidden["scenario"]


def study_sizes(design: str, participants: int, options: dict,
                max_population: int = 3_000_000) -> dict:
    """Population and sample-size options that give about ``participants`` people.

    ``options`` are the design's resolved options (``get_design(d).resolve_options()``).
    """
    if design == "ecological":
        regions = len(REGION_GROUPS[options["regions"] or "all"])
        return {"population": min(ECOLOGICAL_POPULATION, max_population),
                "survey_per_region": max(10, participants // regions)}
    if design in CASE_CONTROL_YIELD:
        per_case = (1 + options["controls_per_case"]) / (4 if design[0] == "n" else 3)
        years = (options["follow_up_years"] / 20 if design[0] == "n"
                 else options["case_years"] / 2)
        share = CASE_CONTROL_YIELD[design] * per_case * years / 1.25  # 25% margin
    else:
        low, high = ((options["age_low"], options["age_high"])
                     if design in ("cohort", "trial") else (18.0, 200.0))
        # a 3% margin; two-sample MR takes every adult, so aim 3% low instead
        share = eligible_share(low, high) * (1.03 if design == "mr-two-sample" else 1 / 1.03)
    sizes = {"population": int(np.clip(participants / share, 10_000, max_population))}
    key = {"cohort": "participants", "trial": "participants", "mr-one-sample": "participants",
           "cross-sectional": "survey_size", "mr-two-sample": "exposure_sample"}.get(design)
    if key:
        sizes[key] = (int(np.clip(participants // 5, 100, 100_000))
                      if key == "exposure_sample" else participants)
    return sizes


def _trim(study, participants: int, plan: dict, rng) -> int:
    """Keep at most ``participants`` people in ``study.data``; return the people kept."""
    data = study.data
    if study.design == "mr-two-sample":
        return study.extra["n_exposure"] + study.extra["n_outcome"]
    if study.design == "ecological":
        return int((data["population"] > 0).sum()) * plan["survey_per_region"]
    if len(data) <= participants:
        return len(data)
    if "set" in data:  # nested case-control: keep whole matched sets
        sets = rng.permutation(data["set"].unique())
        size = data.groupby("set").size().loc[sets].cumsum()
        data = data[data["set"].isin(sets[size.to_numpy() <= participants])]
    else:
        data = data.groupby("case", group_keys=False).sample(frac=participants / len(data),
                                                             random_state=rng)
    study.data = data.reset_index(drop=True)
    return len(study.data)


__all__ = ["DECISIONS", "DESIGN_NAMES", "DIFFICULTIES", "PARTICIPANTS", "MysteryWorld", "Reveal",
           "StudyResult", "draw_hidden", "eligible_share", "study_sizes"]

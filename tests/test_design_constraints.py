"""Impossible option pairs are refused up front; degenerate samples fail with named reasons.

``Design.resolve_options`` checks each design's ``constraints`` (age_low < age_high, a
follow-up that fits the world's ages, lag below follow-up, ...) before anything is
simulated. Samples that cannot make the study (no eligible people, no cases, one
exposure level) record a reason in epidemiological terms, never a bare Python exception.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

import simlib.designs.base as base
from simlib.designs import get_design, run_study
from simlib.designs.base import DesignDataError
from simlib.errors import ParameterError, SimlibError
from simlib.montecarlo import replicate
from simlib.scenario import load_scenario

SMALL = {"population": 10_000}

IMPOSSIBLE = [  # design, options, words the one-line message must contain
    ("cohort", {"age_low": 60, "age_high": 30}, "--option age_low=60 must be below age_high=30 "
                                                "for cohort"),
    ("cohort", {"age_low": 40, "age_high": 40}, "age_low=40 must be below age_high=40"),
    ("cohort", {"age_low": 85, "age_high": 100}, "use age_low below 80"),
    ("cohort", {"age_low": 50, "age_high": 60, "follow_up_years": 60},
     "past age 100, the oldest age in the simulated world, for cohort: use follow_up_years "
     "<= 50 or age_low <= 40"),
    ("nested-case-control", {"age_low": 30, "age_high": 18}, "age_low=30 must be below "
                                                             "age_high=18"),
    ("nested-case-control", {"lag_years": 20, "follow_up_years": 20},
     "lag_years=20 must be below follow_up_years=20 for nested-case-control"),
    ("nested-case-control", {"age_low": 70, "age_high": 75, "follow_up_years": 40},
     "follow_up_years=40 with age_low=70"),
    ("trial", {"age_low": 60, "age_high": 30}, "age_low=60 must be below age_high=30 for trial"),
    ("trial", {"age_low": 80, "age_high": 90}, "use age_low below 80"),
    ("trial", {"age_low": 70, "age_high": 75, "follow_up_years": 40},
     "use follow_up_years <= 30 or age_low <= 60"),
    ("trial", {"age_low": 78, "age_high": 90, "follow_up_years": 25},
     "follow_up_years=25 with age_low=78 follows people past age 100"),
    ("relapse-cohort", {"interval_years": 1.0, "follow_up_years": 0.5},
     "interval_years=1 must not exceed follow_up_years=0.5 for relapse-cohort"),
    ("mr-two-sample", {"population": 10_000, "exposure_sample": 20_000},
     "exposure_sample=20000 must be below population=10000 for mr-two-sample"),
    ("mr-two-sample", {"population": 10_000},  # the default exposure sample is 100,000
     "exposure_sample=100000 must be below population=10000"),
]


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a world is built or a population simulated."""
    def refuse(*args, **kwargs):
        raise AssertionError("simulated before the options were checked")
    monkeypatch.setattr(base, "cached_world", refuse)


@pytest.mark.parametrize(("design", "options", "words"), IMPOSSIBLE,
                         ids=[f"{d}-{'-'.join(o)}" for d, o, _ in IMPOSSIBLE])
def test_impossible_option_pairs_are_refused_before_simulating(no_simulation, design, options,
                                                               words):
    with pytest.raises(ParameterError) as caught:
        get_design(design).resolve_options(options)
    message = str(caught.value)
    assert words in message and "\n" not in message, message
    with pytest.raises(ParameterError, match="must|too old|past age"):
        run_study(load_scenario("null"), design, 1, options=options)


@pytest.mark.parametrize(("design", "options"), [
    ("cohort", {"age_low": 50, "age_high": 60, "follow_up_years": 50}),  # ends at 100
    ("nested-case-control", {"lag_years": 19.5, "follow_up_years": 20}),
    ("trial", {}),  # None defaults are filled by eligibility
    ("trial", {"age_low": 75, "age_high": 90}),  # 75 + the 5-year general preset
    ("trial", {"eligibility": "early-ms", "age_low": 60, "age_high": 30}),  # ages unused
    ("trial", {"eligibility": "early-ms", "follow_up_years": 40, "age_low": 79}),
    ("relapse-cohort", {"interval_years": 0.5, "follow_up_years": 0.5}),
    ("mr-two-sample", {"population": 10_000, "exposure_sample": 1_000}),
])
def test_possible_option_pairs_are_accepted(design, options):
    resolved = get_design(design).resolve_options(options)
    assert all(resolved[k] == v for k, v in options.items())
    if design == "trial" and not options:
        assert resolved["participants"] is None and resolved["follow_up_years"] is None


def test_every_design_default_options_satisfy_its_constraints():
    from simlib.designs import design_names
    for name in design_names():
        get_design(name).resolve_options({})


def test_a_teachers_constraint_runs_after_the_single_option_checks():
    def needs_more(options):
        if options["participants"] < 1_000:
            return f"--option participants={options['participants']} is too few\nfor my design"
        return None
    design = replace(get_design("cohort"), constraints=(needs_more,))
    assert design.resolve_options({"participants": 5_000})["participants"] == 5_000
    with pytest.raises(ParameterError, match="^--option participants=100 is too few for my "
                                             "design$"):
        design.resolve_options({"participants": 100})
    with pytest.raises(ParameterError, match="use a number"):  # single checks come first
        design.resolve_options({"participants": -1})


# ------------------------------------------------------------------ degenerate samples
BUILTIN = ("ZeroDivisionError", "IndexError", "KeyError", "ValueError", "TypeError",
           "AttributeError", "LinAlgError", "FloatingPointError", "RuntimeWarning",
           "Exception")

NO_MS = {"ms.baseline_per_100k": 0.0}  # the range's minimum: a world without MS

DEGENERATE = [  # design, estimator, scenario values, options, words every failure contains
    ("ecological", None, NO_MS, {}, "no MS cases"),
    ("cross-sectional", None, NO_MS, {}, "no MS cases"),
    ("cross-sectional", "logit-adjusted", {}, {"survey_size": 100}, None),
    ("hospital-case-control", None, {}, {"case_years": 0.1}, "no incident MS cases"),
    ("hospital-case-control", "logit-latitude", NO_MS, {}, "no incident MS cases"),
    ("cohort", None, NO_MS, {}, "no MS cases"),
    ("cohort", "cox", {}, {"follow_up_years": 0.5}, None),
    ("cohort", "poisson-adjusted", {}, {"participants": 100}, "no MS cases"),
    ("cohort", None, {}, {"age_low": 30.0, "age_high": 30.01}, None),
    ("nested-case-control", None, NO_MS, {}, "no MS cases diagnosed"),
    ("nested-case-control", "conditional-logit-adjusted", {}, {}, None),
    # half a year: no cases, or a case or two too few for the matched fit (named)
    ("nested-case-control", None, {}, {"follow_up_years": 0.5},
     ("no MS cases diagnosed", "too few cases")),
    ("nested-case-control", None, {}, {"lag_years": 19.0}, "more than 19 years after"),
    ("trial", None, NO_MS, {}, "no MS cases"),
    # a quarter-year: no cases, or a case or two too few for the Cox fit (named)
    ("trial", "cox-itt", {}, {"follow_up_years": 0.25}, ("no MS cases", "did not converge")),
    ("trial", None, {}, {"participants": 10}, "no MS cases"),
    ("trial", None, {}, {"adherence": 0.0}, None),
    ("trial", None, NO_MS, {"eligibility": "early-ms"}, "no one eligible for an early-MS trial"),
    ("trial", None, {}, {"eligibility": "early-ms", "participants": 10}, None),
    ("trial", "cox-itt", {}, {"eligibility": "early-ms", "population": 200_000,
                              "participants": 10}, "use poisson-itt"),
    ("mr-one-sample", "2sls", NO_MS, {}, "no MS cases"),
    ("mr-one-sample", None, {}, {"participants": 100}, None),
    ("mr-two-sample", None, NO_MS, {"exposure_sample": 1_000}, "no MS cases in the outcome"),
    ("mr-two-sample", None, {}, {"exposure_sample": 7_900}, "leaving none for the outcome"),
    ("relapse-cohort", None, NO_MS, {}, "no people with diagnosed MS"),
    ("relapse-cohort", "poisson-season", {}, {"participants": 10}, None),
    ("supplement-users", None, NO_MS, {}, "no people with diagnosed MS"),
    # a quarter-year: no relapses at all, or none in one group (a diverged fit, named)
    ("supplement-users", None, {}, {"follow_up_years": 0.25}, ("no relapses", "diverged")),
    ("supplement-users", "poisson-duration", {}, {"participants": 10}, None),
    ("supplement-starters", None, {}, {}, None),
    ("supplement-starters", "after-vs-non-starters", {}, {"window_years": 0.25}, None),
    ("supplement-starters", None, NO_MS, {}, "no people with diagnosed MS"),
]


@pytest.fixture(scope="module")
def scenarios():
    null = load_scenario("null")
    return {(): null, tuple(NO_MS.items()): null.with_values(NO_MS)}


@pytest.mark.parametrize(("design", "estimator", "values", "options", "words"), DEGENERATE,
                         ids=[f"{d}-{e or 'default'}-{'no-ms' if v else ''}-{'-'.join(o)}"
                              for d, e, v, o, _ in DEGENERATE])
def test_degenerate_samples_fail_with_a_named_reason(scenarios, design, estimator, values,
                                                     options, words):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = replicate(scenarios[tuple(values.items())], design, reps=2, seed=1,
                          estimator=estimator, options={**SMALL, **options}, progress=False)
    assert not caught, [str(w.message) for w in caught]
    if "warning" in table:
        assert (table["warning"].fillna("") == "").all(), set(table["warning"])
    failed = table[~table["converged"]]
    texts = [error or reason for error, reason in zip(failed["error"], failed["reason"],
                                                       strict=True)]
    for text in texts:
        assert text, "a failed replicate without a reason"
        assert not text.startswith(BUILTIN), text
        assert not any(f"{name}:" in text for name in BUILTIN), text
    if words:
        assert len(texts) == len(table), "expected every replicate to fail"
        alternatives = (words,) if isinstance(words, str) else words
        assert all(any(w in text for w in alternatives) for text in texts), texts


def test_design_data_error_is_a_simlib_error_with_the_reason():
    null = load_scenario("null").with_values(NO_MS)
    with pytest.raises(DesignDataError, match="no people with diagnosed MS") as caught:
        run_study(null, "relapse-cohort", 1, options=SMALL)
    assert isinstance(caught.value, SimlibError) and "\n" not in str(caught.value)


def test_a_grid_is_checked_by_combination_not_value_by_value():
    from simlib.montecarlo import _points

    design = get_design("cohort")
    points = _points(load_scenario("null"), design,
                     {"option.age_low": [60.0], "option.age_high": [80.0]}, {})
    assert points[0][2]["age_low"] == 60.0 and points[0][2]["age_high"] == 80.0
    with pytest.raises(ParameterError, match="must be below age_high"):
        _points(load_scenario("null"), design,
                {"option.age_low": [60.0], "option.age_high": [30.0, 80.0]}, {})

"""Scenario files, --set overrides and their validation errors."""

import math

import pytest
from hypothesis import given, settings
from strategies import bad_assignment

from simlib import load_scenario, scenario_names
from simlib.errors import ParameterError, ScenarioFileError, SimlibError, UnknownParameterError
from simlib.params import spec_of
from simlib.scenario import SECTIONS, Scenario, describe, scenario_from_toml


def test_shipped_scenarios_load_and_differ_where_they_should():
    assert set(scenario_names()) >= {"null", "causal", "threshold", "no_bias"}
    null, causal = load_scenario("null"), load_scenario("causal")
    assert null.ms.vitd_hr_per_25nmol == 1.0 and causal.ms.vitd_hr_per_25nmol < 1.0
    assert load_scenario("threshold").ms.vitd_effect_shape == "threshold"
    no_bias = load_scenario("no_bias")
    assert no_bias.measurement.assay_cv == 0 and no_bias.ms.uvb_hr_per_doubling == 1


def test_every_parameter_has_unit_range_and_source():
    for row in describe(Scenario()):
        assert row["source"] and row["meaning"], row["key"]
        assert row["unit"] or "one of" in row["allowed"], row["key"]


@pytest.mark.parametrize("name", ["null", "causal", "threshold", "no_bias"])
def test_toml_round_trip(name, tmp_path):
    scenario = load_scenario(name)
    path = tmp_path / "copy.toml"
    path.write_text(scenario.to_toml())
    assert load_scenario(path) == scenario


def test_overrides_parse_toml_values():
    s = Scenario().with_overrides(["ms.hr_female=2", 'ms.vitd_effect_shape="threshold"',
                                   "ms.vitd_effect_shape=threshold",
                                   "behaviour.supplement_doses_iu=[400, 800, 1000, 2000]"])
    assert s.ms.hr_female == 2.0 and isinstance(s.ms.hr_female, float)
    assert s.ms.vitd_effect_shape == "threshold"
    assert s.behaviour.supplement_doses_iu == (400.0, 800.0, 1000.0, 2000.0)


@pytest.mark.parametrize("text, error, pattern", [
    ("[ms\nhr_female = 2", ScenarioFileError, "not valid TOML"),
    ("[ms]\nhr_femal = 2", UnknownParameterError, "ms.hr_femal.*did you mean 'ms.hr_female'"),
    ("[mss]\nhr_female = 2", UnknownParameterError, r"unknown section \[mss\].*'ms'"),
    ("[ms]\nhr_female = 'two'", ParameterError, "ms.hr_female = 'two'.*not a number"),
    ("[ms]\nhr_female = 50.0", ParameterError, r"ms.hr_female = 50.0.*\[0.1, 10\]"),
    ("[ms]\nhr_female = nan", ParameterError, "ms.hr_female = nan.*not finite"),
    ("[ms]\nhr_female = true", ParameterError, "not a number"),
    ("[ms]\nvitd_effect_shape = 'cubic'", ParameterError, "one of 'linear', 'threshold'"),
    ("[ms]\nage_shape = [1, 2]", ParameterError, "list of 16 numbers"),
    ("[behaviour]\nsupplement_dose_shares = [0.5, 0.5, 0.5, 0.5]", ParameterError, "sum to 1"),
    ("[ms]\nprodrome_min_years = 9.0\nprodrome_max_years = 6.0", ParameterError,
     "prodrome_max_years"),
    ("ms = 3", ParameterError, "must be a"),
])
def test_bad_scenario_files_raise_named_one_line_errors(text, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        scenario_from_toml(text)
    assert "\n" not in str(info.value)


def test_missing_file_and_unknown_scenario():
    with pytest.raises(ScenarioFileError, match="cannot read"):
        load_scenario("no/such/file.toml")
    with pytest.raises(UnknownParameterError, match="did you mean 'causal'"):
        load_scenario("casual")


@settings(max_examples=150, deadline=None)
@given(bad_assignment())
def test_any_bad_override_raises_a_one_line_named_error(assignment):
    with pytest.raises(SimlibError) as info:
        Scenario().with_overrides([assignment])
    message = str(info.value)
    assert "\n" not in message and assignment.split("=")[0] in message


def test_ranges_reject_boundary_violations_but_accept_the_bounds():
    spec = spec_of(SECTIONS["ms"], "hr_female")
    Scenario().with_values({"ms.hr_female": spec.low})
    Scenario().with_values({"ms.hr_female": spec.high})
    with pytest.raises(ParameterError):
        Scenario().with_values({"ms.hr_female": math.nextafter(spec.high, math.inf)})


def test_the_fuzzed_keys_cover_the_numeric_parameters():
    from strategies import NUMERIC_KEYS

    assert len(NUMERIC_KEYS) > 40


def test_a_deep_copy_is_the_same_immutable_scenario():
    import copy

    scenario = load_scenario("causal")
    assert copy.deepcopy(scenario) is scenario
    with pytest.raises(AttributeError):
        scenario.ms.vitd_hr_per_25nmol = 0.5  # frozen, so sharing is safe

"""Bad scenario files: one clear line naming the file, never a traceback or a hang."""

import os
import random
import time
from pathlib import Path

import pytest

from simlib.cli import main
from simlib.errors import ParameterError, ScenarioFileError, SimlibError, UnknownParameterError
from simlib.scenario import MAX_SCENARIO_BYTES, load_scenario, scenario_from_toml

BAD_FILES = {
    "latin1": (b"caf\xe9 = 1\n", "is not UTF-8 text (byte 0xe9 at offset 3, line 1): save it as"),
    "random_bytes": (random.Random(0).randbytes(4096), "is not a text scenario file"),
    "binary_without_nul": (bytes(range(1, 256)) * 4, "is not a text scenario file"),
    "nul_in_text": (b"[ms]\nhr_female = 2\x00\n", "not a text scenario file (it contains NUL"),
    "utf16": ("[ms]\nhr_female = 2\n".encode("utf-16"), "is UTF-16 text, not UTF-8"),
    "empty": (b"", "is empty: a scenario needs at least one [section] table"),
    "whitespace": (b" \n\t\n\n", "is empty: a scenario needs at least one [section] table"),
    "comments_only": (b"# a comment\n\n# another\n", "is empty (it has only comments)"),
    "key_outside_sections": (b"hr_female = 2\n[ms]\nhr_hla = 3\n",
                             "key 'hr_female' is outside any section: put it under [ms]"),
    "typo_outside_sections": (b"hr_femal = 2\n",
                              "outside any section (did you mean 'ms.hr_female'?)"),
    "key_of_two_sections": (b"peak_day = 100\n", "put it under [sun] or [relapse]"),
    "key_as_table": (b"[hr_female]\nx = 1\n", "'hr_female' is a key of [ms], not a section"),
    "duplicate_key": (b"[ms]\nhr_female = 2\nhr_female = 3\n",
                      "line 3 ('hr_female = 3'): key set twice; each key may appear once"),
    "duplicate_key_at_end": (b"[ms]\nhr_female = 2\nhr_female = 3",
                             "line 3 ('hr_female = 3'): key set twice"),
    "duplicate_table": (b"[ms]\nhr_female = 2\n\n[ms]\nhr_hla = 3\n",
                        "line 4 ('[ms]'): table set twice"),
    "syntax": (b"[ms\nhr_female = 2\n",
               "is not valid TOML, line 1 ('[ms'), column 4: Expected ']'"),
    "unclosed_array": (b"[ms]\nage_shape = [1, 2\n",
                       "line 2 ('age_shape = [1, 2'), at the end of the file: Unclosed array"),
    "long_line": (b"[ms]\nhr_female = " + b"9" * 100 + b" x\n", "99...'), column 114"),
    "string_in_array": (b'[behaviour]\nsupplement_doses_iu = [1, 2, "x", 4]\n',
                        "behaviour.supplement_doses_iu = [1, 2, 'x', 4] is not allowed"),
    "out_of_range": (b"[ms]\nhr_female = 50.0\n", ": ms.hr_female = 50.0 is not allowed"),
    "unknown_key": (b"[ms]\nhr_femal = 2\n", "'ms.hr_femal' (did you mean 'ms.hr_female'?)"),
    "key_in_wrong_section": (b"[relapse]\nhr_female = 2\n",
                             "'hr_female' is a key of [ms], not of [relapse]"),
    "newline_in_key": (b'[ms]\n"a\\nb" = 2\n', r"unknown parameter 'ms.a\nb'"),
    "unknown_section": (b"[mss]\nhr_female = 2\n", "unknown section [mss] (did you mean 'ms'?)"),
    "name_not_string": (b"[scenario]\nname = 5\n", "[scenario] name must be a string, not 5"),
    "description_not_string": (b"[scenario]\ndescription = [1]\n",
                               "[scenario] description must be a string, not [1]"),
    "huge_whole_number": (b"[ms]\nhr_female = 1" + b"0" * 400 + b"\n",
                          "ms.hr_female = <a whole number of about 401 digits>"),
    "thousands_of_digits": (b"[population]\nn = 1" + b"0" * 5000 + b"\n",
                            "a whole number has thousands of digits"),
    "nested_too_deeply": (b"[ms]\nage_shape = " + b"[" * 5000 + b"\n", "nested too deeply"),
}


def _one_line_error(call, *args):
    with pytest.raises(SimlibError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    return info.value, message


@pytest.mark.parametrize("data, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_gives_one_line_naming_the_file_and_the_problem(tmp_path, data, expected):
    path = tmp_path / "world.toml"
    path.write_bytes(data)
    _, message = _one_line_error(load_scenario, path)
    assert str(path) in message and expected in message, message


@pytest.mark.parametrize("name", ["latin1", "empty", "key_outside_sections", "duplicate_key",
                                  "string_in_array", "name_not_string", "random_bytes"])
def test_the_command_line_prints_one_line_and_exits_2(tmp_path, capsys, name):
    data, expected = BAD_FILES[name]
    path = tmp_path / "world.toml"
    path.write_bytes(data)
    code = main(["population", str(path), "--n", "100", "--seed", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("python -m simlib: error: "), err
    assert str(path) in err and expected in err
    assert main(["show", str(path)]) == 2 and expected in capsys.readouterr().err


def test_value_errors_keep_their_class_and_name_the_origin():
    error, message = _one_line_error(scenario_from_toml, "[ms]\nhr_female = 50.0", "x", "my.toml")
    assert isinstance(error, ParameterError) and message.startswith("my.toml: ms.hr_female")
    error, message = _one_line_error(scenario_from_toml, "[ms]\nhr_femal = 1", "x", "my.toml")
    assert isinstance(error, UnknownParameterError) and message.startswith("my.toml: ")


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path):
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (2 * MAX_SCENARIO_BYTES))
    error, message = _one_line_error(load_scenario, path)
    assert isinstance(error, ScenarioFileError)
    assert ("is too large (2,097,152 bytes (2.0 MiB); the limit is 1,048,576 bytes = 1 MiB)"
            in message)
    path.write_bytes(b"[ms]\nhr_female = 2.5\n" + b"#" * (MAX_SCENARIO_BYTES - 40) + b"\n")
    assert load_scenario(path).ms.hr_female == 2.5  # just under the limit still loads


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_device_is_refused_quickly():
    start = time.perf_counter()
    _, message = _one_line_error(load_scenario, "/dev/zero")
    assert "/dev/zero is too large (more than 1,048,576 bytes" in message
    assert time.perf_counter() - start < 5


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_dev_null_is_an_empty_scenario():
    _, message = _one_line_error(load_scenario, "/dev/null")
    assert "scenario file /dev/null is empty" in message


def test_folders_and_fifos_are_refused_without_opening(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    _, message = _one_line_error(load_scenario, folder)
    assert f"scenario file {folder} is a folder, not a file" in message
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)  # opening it would wait for a writer forever
        _, message = _one_line_error(load_scenario, fifo)
        assert f"scenario file {fifo} is a named pipe (FIFO), not a regular file" in message


def test_missing_files_and_names():
    _, message = _one_line_error(load_scenario, "no/such/file.toml")
    assert message == "cannot read scenario file no/such/file.toml: No such file or directory"
    _, message = _one_line_error(load_scenario, "no/such/file")
    assert message.startswith("unknown scenario 'no/such/file'")


def test_a_file_with_only_a_scenario_table_keeps_the_defaults(tmp_path):
    path = tmp_path / "named.toml"
    path.write_text('[scenario]\nname = "mine"\ndescription = "all defaults"\n')
    scenario = load_scenario(path)
    assert scenario.name == "mine" and scenario.description == "all defaults"
    assert scenario.ms == load_scenario(Path(path)).ms


def test_one_valid_key_loads_with_or_without_the_suffix(tmp_path):
    for name in ("one.toml", "one.txt", "one"):
        path = tmp_path / name
        path.write_text("# my world\n[ms]\nhr_female = 2.5\n")
        scenario = load_scenario(str(path))
        assert scenario.ms.hr_female == 2.5 and scenario.name == path.stem


def test_a_utf8_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[ms]\nhr_female = 2.5\n")
    assert load_scenario(path).ms.hr_female == 2.5

"""Reading a user's scenario file safely, with one-line error messages.

A scenario file comes from a user and may be anything: the wrong file, a folder, a
device, a spreadsheet saved as UTF-16, a half-edited TOML file. This module reads it
and turns every way it can be wrong into a one-line
:class:`~simlib.errors.SimlibError` that names the file and says what to do. Building
the :class:`~simlib.scenario.Scenario` record from the parsed tables is left to
:mod:`simlib.scenario`.

Size bound
    At most :data:`MAX_SCENARIO_BYTES` (+1) bytes are read, so an endless device
    (``/dev/zero``) is refused at once; folders, FIFOs, sockets and block devices are
    refused before opening (opening a FIFO would wait for a writer).
Encodings
    The text must be UTF-8 (a leading byte-order mark is allowed). UTF-16 and UTF-32
    (with or without a byte-order mark), NUL bytes, binary data and other 8-bit codes
    are each named in the message, with the offset and line of the first bad byte.
TOML errors
    A syntax error quotes the offending line with its number and column; a key or
    table set twice, nesting too deep and whole numbers with thousands of digits get
    their own explanation.
Keys outside sections
    A key above the first ``[section]`` header, a key under the wrong section, or a
    section that is really a key is reported with the section(s) where the key belongs.

The section lookup (``{section name: parameter class}``, :data:`simlib.scenario.SECTIONS`)
is passed in by the caller, so this module does not import :mod:`simlib.scenario`.

Examples
--------
>>> from simlib.scenario import scenario_from_toml
>>> scenario_from_toml("hr_female = 2.0", origin="my.toml")
Traceback (most recent call last):
...
simlib.errors.ScenarioFileError: my.toml: key 'hr_female' is outside any section: put it under [ms]
"""

from __future__ import annotations

import codecs
import re
import stat
import tomllib
from pathlib import Path

from .errors import (
    ParameterError,
    ScenarioFileError,
    SimlibError,
    UnknownParameterError,
    nearest,
)
from .params import field_names

MAX_SCENARIO_BYTES = 1024 * 1024
"""Largest scenario file read (1 MiB): a complete scenario is a few kB of TOML."""

_META_KEYS = ("name", "description")
_MAKE_ONE = "write one with `python -m simlib show null --format toml`"


# ------------------------------------------------------------- reading, bounded
def _read_bounded(path: Path, origin: str) -> bytes:
    """The bytes of a regular file or character device, refusing more than the limit.

    At most ``MAX_SCENARIO_BYTES + 1`` bytes are read, so an endless device
    (``/dev/zero``) is refused at once; folders, FIFOs, sockets and block devices are
    refused before opening (opening a FIFO would wait for a writer).
    """
    try:
        info = path.stat()
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        raise ScenarioFileError(f"cannot read scenario file {origin}: {_reason(err)}") from None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ScenarioFileError(
            f"scenario file {origin} is a folder, not a file: give the path of a .toml file")
    if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a socket" if stat.S_ISSOCK(mode) else
                "a block device" if stat.S_ISBLK(mode) else "not a regular file")
        raise ScenarioFileError(
            f"scenario file {origin} is {kind}, not a regular file: "
            f"give the path of a .toml file")
    if stat.S_ISREG(mode) and info.st_size > MAX_SCENARIO_BYTES:
        raise _too_large(origin, _size(info.st_size))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SCENARIO_BYTES + 1)
    except OSError as err:
        raise ScenarioFileError(f"cannot read scenario file {origin}: {_reason(err)}") from None
    if len(data) > MAX_SCENARIO_BYTES:  # a device, or a file that grew since stat
        raise _too_large(origin, f"more than {MAX_SCENARIO_BYTES:,} bytes")
    return data


def _too_large(origin: str, size: str) -> ScenarioFileError:
    return ScenarioFileError(
        f"scenario file {origin} is too large ({size}; the limit is "
        f"{MAX_SCENARIO_BYTES:,} bytes = {MAX_SCENARIO_BYTES / 2**20:g} MiB): a scenario is "
        f"a few kB of TOML; check that this is the right file")


def _size(n: int) -> str:
    """``"2,097,152 bytes (2.0 MiB)"``, or ``"900 bytes"`` below 1 MiB."""
    return f"{n:,} bytes ({n / 2**20:.1f} MiB)" if n >= 2**20 else f"{n:,} bytes"


def _reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err)


# ------------------------------------------------------------- encodings
_OTHER_ENCODINGS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")


def _decode(data: bytes, origin: str) -> str:
    """UTF-8 text of a scenario file, or a one-line error for UTF-16, binary, other codes."""
    for bom, encoding in _OTHER_ENCODINGS:
        if data.startswith(bom):
            raise ScenarioFileError(
                f"scenario file {origin} is {encoding} text, not UTF-8: save it as UTF-8")
    sample = data[:4096]
    if len(sample) >= 4 and (sample[1::2].count(0) > 0.9 * len(sample[1::2])
                             or sample[0::2].count(0) > 0.9 * len(sample[0::2])):
        raise ScenarioFileError(
            f"scenario file {origin} looks like UTF-16 text, not UTF-8: save it as UTF-8")
    if b"\x00" in data:
        raise _not_text(origin, "it contains NUL bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        controls = sum(1 for b in sample if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
        if controls * 50 > len(sample):  # text in any 8-bit code has almost no controls
            raise _not_text(origin, "it looks like binary data") from None
        line = data.count(b"\n", 0, err.start) + 1
        raise ScenarioFileError(
            f"scenario file {origin} is not UTF-8 text (byte 0x{data[err.start]:02x} at "
            f"offset {err.start}, line {line}): save it as UTF-8") from None


def _not_text(origin: str, why: str) -> ScenarioFileError:
    return ScenarioFileError(
        f"scenario file {origin} is not a text scenario file ({why}): give a TOML text "
        f"file ({_MAKE_ONE})")


# ------------------------------------------------------------- TOML errors
def _parse_toml(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(str(err), text, origin) from None
    except RecursionError:
        raise ScenarioFileError(
            f"{origin} is not valid TOML: arrays or inline tables are nested too deeply "
            f"(a scenario value is a number, a string or a flat list)") from None
    except ValueError as err:  # int() refuses more than sys.get_int_max_str_digits() digits
        if "integer string conversion" in str(err):
            raise ScenarioFileError(
                f"{origin}: a whole number has thousands of digits: use numbers in the "
                f"allowed ranges (`python -m simlib show null` lists them)") from None
        raise ScenarioFileError(f"{origin} is not valid TOML: {_one_line(str(err))}") from None


_TOML_AT = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def _toml_error(message: str, text: str, origin: str) -> ScenarioFileError:
    """One line for a TOML error: the file, the line number and text, what is wrong."""
    at = _TOML_AT.search(message)
    explanation = _one_line(message[:at.start()] if at else message)
    lines = text.split("\n")
    if at and at.group(1):
        number, where = int(at.group(1)), f", column {at.group(2)}"
    else:  # at the end of the document: show its last line with text
        number = next((i for i in range(len(lines), 0, -1) if lines[i - 1].strip()), 1)
        where = ", at the end of the file"
    line = lines[number - 1].strip() if number <= len(lines) else ""
    shown = repr(line if len(line) <= 60 else line[:57] + "...")
    place = f"{origin}, line {number} ({shown})"
    if explanation.startswith("Cannot declare") and explanation.endswith("twice"):
        return ScenarioFileError(
            f"{place}: table set twice; each [table] may appear once per file: "
            f"merge the two into one")
    if explanation.startswith("Cannot overwrite a value"):
        if line.startswith("["):
            return ScenarioFileError(
                f"{place}: table set twice or named like a key already set; each [table] "
                f"may appear once per file: merge the two into one")
        return ScenarioFileError(
            f"{place}: key set twice; each key may appear once per table: delete one")
    if explanation.startswith("Duplicate inline table key"):
        return ScenarioFileError(
            f"{place}: {explanation.replace('Duplicate inline table key', 'key')} set twice "
            f"in an inline table; each key may appear once per table: delete one")
    return ScenarioFileError(f"{origin} is not valid TOML, line {number} ({shown}){where}: "
                             f"{explanation}")


# ------------------------------------------------------------- keys and sections
def _meta(meta, origin: str) -> dict:
    """The checked ``[scenario]`` table: only string ``name`` and ``description``."""
    if not isinstance(meta, dict):
        raise ScenarioFileError(
            f"{origin}: 'scenario' must be a [scenario] table with name and description, "
            f"not {_brief(meta)}")
    for key, value in meta.items():
        if key not in _META_KEYS:
            raise UnknownParameterError(
                f"{origin}: [scenario] takes only 'name' and 'description', not "
                f"'{_printable(key)}'{nearest(key, _META_KEYS)}")
        if not isinstance(value, str):
            raise ParameterError(
                f"{origin}: [scenario] {key} must be a string, not {_brief(value)}: "
                f"write {key} = \"...\"")
    return meta


def _all_keys(sections: dict) -> list[str]:
    """Every ``"section.key"`` of ``sections`` (``{name: parameter class}``), in file order."""
    return [f"{s}.{k}" for s, cls in sections.items() for k in field_names(cls)]


def _homes(key: str, sections: dict) -> list[str]:
    """``[section]`` headers of the sections (or ``[scenario]``) that have ``key``."""
    if key in _META_KEYS:
        return ["[scenario]"]
    return [f"[{name}]" for name, cls in sections.items() if key in field_names(cls)]


def _outside_sections(name: str, value, origin: str, sections: dict) -> SimlibError:
    """Error for a top-level name that is not a section: a stray key or unknown table."""
    shown = _printable(name)
    homes = _homes(name, sections)
    table_like = isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value))
    if table_like:
        if homes:
            return UnknownParameterError(
                f"{origin}: unknown section [{shown}]: '{shown}' is a key of "
                f"{' and '.join(homes)}, not a section: write `{shown} = ...` under {homes[0]}")
        return UnknownParameterError(
            f"{origin}: unknown section [{shown}]{nearest(name, sections)}; sections: "
            + ", ".join(sections))
    if homes:
        return ScenarioFileError(
            f"{origin}: key '{shown}' is outside any section: put it under "
            + " or ".join(homes))
    return ScenarioFileError(
        f"{origin}: key '{shown}' is outside any section{nearest(name, _all_keys(sections))}: "
        f"put each key under its [section] header; sections: " + ", ".join(sections))


def _unknown_key(section: str, key: str, origin: str, sections: dict) -> UnknownParameterError:
    dotted = f"{section}.{key}"
    shown = _printable(dotted)
    homes = _homes(key, sections)
    if homes and homes != ["[scenario]"]:
        return UnknownParameterError(
            f"{origin}: unknown parameter '{shown}': '{_printable(key)}' is a key of "
            f"{' and '.join(homes)}, not of [{section}]: move it there")
    hint = nearest(dotted, _all_keys(sections)) or (
        f"; [{section}] keys: {', '.join(field_names(sections[section]))}")
    return UnknownParameterError(f"{origin}: unknown parameter '{shown}'{hint}")


# ------------------------------------------------------------- showing values
def _printable(text: str) -> str:
    """``text`` with newlines and other unprintable characters escaped (one line)."""
    return text if text.isprintable() else repr(text)[1:-1]


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _brief(value) -> str:
    """A short one-line ``repr`` of a value from a file."""
    try:
        shown = repr(value)
    except ValueError:  # an int too long for str()
        shown = "<a huge number>"
    return shown if len(shown) <= 40 else shown[:37] + "..."

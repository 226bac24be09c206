"""Hypothesis strategies shared by the validation tests."""

from hypothesis import strategies as st

from simlib.params import spec_of
from simlib.scenario import SECTIONS

NUMERIC_KEYS = [(section, f.name) for section, cls in SECTIONS.items()
                for f in cls.__dataclass_fields__.values()
                if f.type in ("float", "int")]





@st.composite
def bad_assignment(draw):
    section, key = draw(st.sampled_from(NUMERIC_KEYS))
    spec = spec_of(SECTIONS[section], key)
    bad = draw(st.one_of(
        st.floats(max_value=spec.low, exclude_max=True, allow_nan=False, allow_infinity=False,
                  min_value=-1e9),
        st.floats(min_value=spec.high, exclude_min=True, allow_nan=False, allow_infinity=False,
                  max_value=1e9),
        st.sampled_from(["nan", "inf", "-inf", "true", '"x"', "[1, 2]", "{a = 1}"]),
        st.text(alphabet="abcxyz_-!", min_size=1, max_size=8),
    ))
    return f"{section}.{key}={bad!r}" if isinstance(bad, float) else f"{section}.{key}={bad}"

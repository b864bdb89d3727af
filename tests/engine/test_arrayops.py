"""unique_sorted answers what np.unique answers."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from engine.arrayops import unique_sorted


@given(st.lists(st.integers(-5, 3_000), max_size=200))
def test_unique_sorted_equals_numpy_unique(values):
    a = np.array(values, np.int64)
    out = unique_sorted(a)
    assert out.dtype == a.dtype
    assert out.tolist() == np.unique(a).tolist()


def test_unique_sorted_leaves_its_input_alone_and_passes_floats_to_numpy():
    a = np.array([3, 1, 3], np.int64)
    unique_sorted(a)
    assert a.tolist() == [3, 1, 3]
    f = np.array([2.0, np.nan, 2.0, np.nan])
    assert np.array_equal(unique_sorted(f), np.unique(f), equal_nan=True)

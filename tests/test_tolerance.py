"""The tolerance helper must fail where it should (unlike an rtol=1 helper, which checks
nothing)."""
import numpy as np
import pytest

from tests.tolerance import assert_close, mismatch


def test_within_bound_passes_and_reports_nothing() -> None:
    ref = np.array([[1.0, -200.0], [3.0, 4.0]])
    assert mismatch(ref + 0.019, ref, "l:t") is None  # bound 1e-4 x 200 = 0.02


def test_beyond_bound_names_layer_index_and_values() -> None:
    ref = np.array([[1.0, -200.0], [3.0, 4.0]])
    ours = ref.copy()
    ours[1, 0] += 0.021
    line = mismatch(ours, ref, "conv1:conv1")
    assert line is not None and line.startswith("conv1:conv1: max |diff| 0.021 > 0.02 at [1, 0]")
    with pytest.raises(AssertionError):
        assert_close(ours, ref, "conv1:conv1")


def test_small_values_use_an_absolute_floor_and_nan_and_shape_fail() -> None:
    ref = np.array([1e-6, 0.0])
    assert mismatch(ref + 5e-5, ref, "x") is None  # max(1, ...) makes the bound 1e-4
    assert mismatch(ref + 2e-4, ref, "x") is not None
    assert mismatch(np.array([np.nan, 0.0]), ref, "x") is not None
    assert mismatch(np.zeros(3), ref, "x") is not None


def test_scalar_tops_compare() -> None:
    assert mismatch(np.float32(2.0), np.array(2.0), "loss") is None
    assert mismatch(np.array(2.5), np.array(2.0), "loss") is not None


def test_caffe_sentinels_must_match_exactly() -> None:
    flt_max = float(np.finfo(np.float32).max)
    ref = np.array([-flt_max, 1.0, 2.0])
    assert mismatch(np.array([-flt_max, 1.0, 2.0]), ref, "pool") is None
    assert mismatch(np.array([-np.inf, 1.0, 2.0]), ref, "pool") is not None
    assert mismatch(np.array([0.0, 1.0, 2.0]), ref, "pool") is not None
    assert mismatch(np.array([-flt_max, 1.0, 2.1]), ref, "pool") is not None  # bound is 1e-4 x 2

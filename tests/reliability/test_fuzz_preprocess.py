"""Property: any array a person or a program might hand over becomes a finite 28×28 image in [0, 1]."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from capsviz.data.preprocess import preprocess, preprocess_stages

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DTYPES = [np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_]


def elements(dtype: type) -> st.SearchStrategy:
    if dtype is np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return st.integers(int(info.min), int(info.max))
    width = 32 if dtype is np.float32 else 64
    return st.floats(width=width, allow_nan=True, allow_infinity=True) | st.sampled_from(
        [0.0, 1.0, 0.5, 255.0, -1.0, 1e30, -1e30, float(np.finfo(dtype).max), float(np.finfo(dtype).tiny)]
    )


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES))
    height, width = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    channels = draw(st.sampled_from([None, 1, 2, 3, 4]))
    shape = (height, width) if channels is None else (height, width, channels)
    fill = draw(elements(dtype))
    return draw(hnp.arrays(dtype, shape, elements=elements(dtype), fill=st.just(fill)))


def check(image: np.ndarray) -> None:
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0


@FUZZ
@given(images())
@example(np.zeros((28, 28), np.float32))
@example(np.full((3, 3), np.nan))
@example(np.array([[np.inf, -np.inf], [np.nan, 0.0]]))
@example(np.array([[-1e308, 1e308]] * 8))
@example(np.array([[0, 255, 0]] * 9, dtype=np.int64))
@example(np.full((64, 1, 4), 255, np.uint8))
def test_any_array_gives_a_finite_28x28_image_in_0_1(array: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings on the way
        stages = preprocess_stages(array)
    check(stages.image)
    if stages.empty:
        assert not stages.image.any()
    else:
        assert stages.image.max() == 1.0  # the strongest ink is full white
        assert stages.scaled.shape[0] <= 20 and stages.scaled.shape[1] <= 20
    assert np.array_equal(preprocess(array), stages.image)


@FUZZ
@given(images(), st.integers(2, 4))
@example(np.array([[3277, 0], [0, 0]], np.uint16), 4)  # faint ink on the border: found by this test
def test_enlarging_a_picture_keeps_its_preprocessed_form_close(array: np.ndarray, factor: int) -> None:
    """The same drawing at a larger size lands in nearly the same place (no size-dependent jumps)."""
    small = preprocess(array)
    large = preprocess(np.repeat(np.repeat(array, factor, axis=0), factor, axis=1))
    check(large)
    assert small.any() == large.any()

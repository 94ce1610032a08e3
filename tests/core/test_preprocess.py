"""Preprocessing lands any drawing where MNIST digits live: 20 px, centred by mass, white on black."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.data.preprocess import preprocess, preprocess_stages


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((image > 0.2).any(axis=1))
    cols = np.flatnonzero((image > 0.2).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[: image.shape[0], : image.shape[1]]
    return float((image * ys).sum() / image.sum()), float((image * xs).sum() / image.sum())


def a_seven(size: int = 200) -> np.ndarray:
    """A white-on-black '7' on a large canvas, drawn off-centre."""
    img = np.zeros((size, size), np.uint8)
    img[20:32, 30:130] = 255
    for k in range(110):
        row, col = 32 + k, 128 - k // 2
        img[row : row + 10, col - 5 : col + 5] = 255
    return img


@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("scale", [1, 3])
def test_shifted_scaled_inverted_digit_lands_centred_at_20px(invert: bool, scale: int) -> None:
    img = np.kron(a_seven(), np.ones((scale, scale), np.uint8))
    if invert:
        img = 255 - img
    out = preprocess(img)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert max(ink_box(out)) in (19, 20)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0
    assert out.max() == pytest.approx(1.0) and out.min() == 0.0


def test_inversion_is_detected_and_reported() -> None:
    assert preprocess_stages(255 - a_seven()).inverted
    assert not preprocess_stages(a_seven()).inverted


def test_mnist_digits_are_left_almost_unchanged(mnist_test) -> None:
    images, _ = mnist_test
    diffs = [np.abs(preprocess(images[k]) - images[k] / 255.0).mean() for k in range(100)]
    assert np.mean(diffs) < 0.01


def test_aspect_ratio_is_kept() -> None:
    img = np.zeros((100, 100), np.uint8)
    img[10:90, 45:55] = 255  # an '1': 80 tall, 10 wide
    height, width = ink_box(preprocess(img))
    assert height == 20 and width in (2, 3, 4)


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((28, 28)),
        np.zeros((1, 1)),
        np.ones((1, 1)),
        np.full((40, 30), 200, np.uint8),
        np.zeros((0, 5)),
    ],
)
def test_empty_inputs_give_an_empty_image(array: np.ndarray) -> None:
    stages = preprocess_stages(array)
    assert stages.empty
    assert np.array_equal(stages.image, np.zeros((28, 28), np.float32))


def test_colour_and_transparent_inputs() -> None:
    seven = a_seven(100)
    rgb = np.stack([255 - seven] * 3, axis=-1)  # black ink on white paper
    assert not preprocess_stages(rgb).empty and preprocess_stages(rgb).inverted
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[..., 3] = seven  # black strokes on a transparent background
    out = preprocess(rgba)
    assert np.abs(out - preprocess(seven)).max() < 1e-5


def test_rejects_images_with_too_many_channels() -> None:
    with pytest.raises(ValueError, match="image"):
        preprocess(np.zeros((5, 5, 7)))


@pytest.mark.parametrize("shape", [(200, 200), (90, 300), (301, 77)])
def test_field_in_input_lays_the_28px_grid_back_onto_the_drawing(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    img = np.zeros(shape, np.uint8)
    top, left = rng.integers(0, shape[0] // 3), rng.integers(0, shape[1] // 3)
    img[top : top + shape[0] // 2, left : left + 8] = 255  # an L: a bar and a foot
    img[top + shape[0] // 2 - 8 : top + shape[0] // 2, left : left + shape[1] // 2] = 255
    stages = preprocess_stages(img, normalise_width=False)  # the geometry alone; thickened below
    field_top, field_left, height, width = stages.field_in_input()
    rows, cols = np.nonzero(stages.image > 0.5)
    ys = (field_top + (rows + 0.5) * height / 28).astype(int)
    xs = (field_left + (cols + 0.5) * width / 28).astype(int)
    assert (img[ys, xs] > 0).mean() > 0.95  # bright network pixels sit on the drawing's ink
    step = max(height, width) / 28
    net_top, net_left = rows.min(), cols.min()
    assert abs(field_top + net_top * height / 28 - top) <= step
    assert abs(field_left + net_left * width / 28 - left) <= step
    assert preprocess_stages(np.zeros((5, 5))).field_in_input() is None

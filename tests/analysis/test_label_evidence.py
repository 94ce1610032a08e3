"""Names backed by evidence: decoders whose dimensions apply known changes are named for them, or "mixed"."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from capsviz.analysis import autolabel
from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.properties import PROPERTIES, image_properties, morpho_measures

OFFSETS = np.linspace(-0.25, 0.25, 11)


def warp(images: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``images [N, 28, 28]`` under the affine ``matrix [2, 3]`` (output → input, normalised coordinates)."""
    batch = torch.from_numpy(images.astype(np.float32))[:, None]
    theta = torch.from_numpy(np.repeat(matrix[None].astype(np.float32), len(images), axis=0))
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, align_corners=False)[:, 0].numpy()


def thicken(images: np.ndarray, amount: float) -> np.ndarray:
    """Grey dilation (amount > 0) or erosion (< 0), blended so that the change is smooth in ``amount``."""
    batch = torch.from_numpy(images.astype(np.float32))[:, None]
    grown = F.max_pool2d(batch, 3, stride=1, padding=1) if amount > 0 else -F.max_pool2d(-batch, 3, 1, 1)
    return (batch + abs(amount) * (grown - batch))[:, 0].numpy()


def fade_top(images: np.ndarray, amount: float) -> np.ndarray:
    """Fade or strengthen the top third of each digit's ink (a change in one place only)."""
    out = images.copy()
    for image, faded in zip(images, out, strict=True):
        rows = np.flatnonzero(image.max(axis=1) > 0.2)
        cut = rows[0] + (rows[-1] - rows[0]) // 3
        faded[: cut + 1] = np.clip(image[: cut + 1] * (1.0 + 3.0 * amount), 0.0, 1.0)
    return out


def shear(amount: float) -> np.ndarray:
    return np.array([[1.0, amount, 0.0], [0.0, 1.0, 0.0]])


def shift(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]])


def stretch(sx: float, sy: float) -> np.ndarray:
    return np.array([[1.0 / sx, 0.0, 0.0], [0.0, 1.0 / sy, 0.0]])


DIMENSIONS = {  # what a dimension at offset o does to the starting digits
    "stroke width": lambda x, o: thicken(x, 4 * o),
    "slant": lambda x, o: warp(x, shear(-1.2 * o)),
    "position x": lambda x, o: warp(x, shift(1.0 * o, 0.0)),
    "position y": lambda x, o: warp(x, shift(0.0, 1.0 * o)),
    "scale": lambda x, o: warp(x, stretch(1 + 1.2 * o, 1 + 1.2 * o)),
    "height": lambda x, o: warp(x, stretch(1.0, 1 + 1.2 * o)),
    "height/width": lambda x, o: warp(x, stretch(1 - 0.8 * o, 1 + 0.8 * o)),
    "local: top": lambda x, o: fade_top(x, o),
    "mixed": lambda x, o: thicken(
        warp(x, shear(-0.9 * o) @ np.vstack([shift(0.7 * o, 0.0), [0, 0, 1]])), 3 * o
    ),
}


@pytest.fixture(scope="module")
def sevens(mnist_test) -> np.ndarray:
    images, labels = mnist_test
    return images[labels == 7][:8].astype(np.float32) / 255.0


def test_a_decoder_of_known_changes_is_named_for_each_of_them(sevens):
    sweeps = np.stack(
        [np.stack([change(sevens, o) for o in OFFSETS], axis=1) for change in DIMENSIONS.values()]
    )
    names, correlation, _effect, confidence = autolabel.label_sweeps(sweeps, OFFSETS, with_confidence=True)
    assert names.tolist() == list(DIMENSIONS)
    named = [k for k, name in enumerate(DIMENSIONS) if name in PROPERTIES]
    for k in named:
        assert abs(correlation[k, PROPERTIES.index(names[k])]) >= autolabel.MIN_RANK_CORRELATION
    assert confidence[named].min() >= 0.75, dict(zip(DIMENSIONS, confidence.round(2), strict=True))


def test_a_dimension_that_changes_nothing_visible_has_no_name(sevens):
    still = np.stack([np.stack([sevens + 1e-4 * o for o in OFFSETS], axis=1)])
    names, *_ = autolabel.label_sweeps(still, OFFSETS)
    assert names.tolist() == [""]


def test_the_new_measures_move_the_right_way_and_the_others_stay_nearly_still(sevens):
    base = image_properties(sevens)
    taller = image_properties(warp(sevens, stretch(1.0, 1.2)))
    assert np.all(taller["height"] > base["height"] * 1.04)
    assert np.all(np.abs(np.log(taller["width"] / base["width"])) < 0.03)
    wider = image_properties(warp(sevens, stretch(1.2, 1.0)))
    assert np.all(wider["width"] > base["width"] * 1.04)
    assert np.all(np.abs(np.log(wider["height"] / base["height"])) < 0.03)


def test_confidence_and_doubtful_names_are_shown_as_such():
    names = np.full((10, 16), "", dtype="<U24")
    names[1, 2], names[1, 3], names[1, 4] = "slant", "mixed", "local: top"
    confidence = np.ones((10, 16), np.float32)
    confidence[1, 2] = 0.5
    zeros = np.zeros((10, 16, len(PROPERTIES)), np.float32)
    labels = DimensionLabels(names, zeros, zeros, confidence)
    assert labels.label(1, 2) == "slant?" and "50% of the starting digits agree" in labels.describe(1, 2)
    assert labels.label(1, 3) == "mixed" and "several properties" in labels.describe(1, 3)
    assert labels.label(1, 4) == "local: top" and "only at its top" in labels.describe(1, 4)
    assert labels.label(1, 5) == "" and "nothing visible" in labels.describe(1, 5)
    back = DimensionLabels.from_arrays(labels.to_arrays())
    np.testing.assert_array_equal(back.confidence, confidence)


def test_morpho_measures_follow_known_changes_and_the_others_stay_nearly_still(sevens):
    bar = np.zeros((28, 28), np.float32)
    bar[4:24, 12:15] = 1.0
    measured = morpho_measures(bar)
    assert measured["thickness"] == pytest.approx(3.0, abs=0.5)
    assert measured["length"] == pytest.approx(17.0, abs=2.5)
    assert (measured["width"], measured["height"]) == pytest.approx((3.0, 20.0), abs=0.5)
    for seven in sevens[:4]:
        base = morpho_measures(seven)
        thick = morpho_measures(thicken(seven[None], 1.0)[0])
        assert thick["thickness"] > base["thickness"] + 0.4
        assert abs(thick["length"] - base["length"]) < 0.25 * base["length"]
        big = morpho_measures(warp(seven[None], stretch(1.25, 1.25))[0])
        assert big["length"] > base["length"] * 1.1 and big["height"] > base["height"] * 1.05
        assert abs(big["thickness"] - base["thickness"]) < 0.5 * base["thickness"]
        cut = morpho_measures(fade_top(seven[None], -0.34)[0])
        assert cut["length"] < base["length"] and cut["area"] < base["area"]
    assert np.isnan(morpho_measures(np.zeros((28, 28)))["length"])


def test_the_evidence_in_words_names_the_closest_properties_and_where_the_change_lies():
    count = len(PROPERTIES)
    correlation = np.zeros((10, 16, count), np.float32)
    correlation[2, 3, PROPERTIES.index("slant")], correlation[2, 3, PROPERTIES.index("width")] = -0.9, 0.5
    change = np.zeros((10, 16, 28, 28), np.float32)
    change[2, 3, 20:] = 1.0  # the bottom of the picture
    names = np.full((10, 16), "slant", dtype="<U24")
    ones, curves = np.ones((10, 16), np.float32), np.zeros((10, 16, 11, count), np.float32)
    labels = DimensionLabels(names, correlation, correlation * 0, ones, OFFSETS, curves, change)
    text = labels.evidence(2, 3)
    assert text.startswith("closest: slant ρ -0.90, width ρ +0.50")
    assert text.endswith("100% of the change in the bottom third of the picture")
    assert DimensionLabels(names, correlation, correlation).evidence(2, 3) == ""

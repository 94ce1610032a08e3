"""Inputs that lean or lie further than MNIST's digits are named as such; MNIST's own are not."""

from __future__ import annotations

import numpy as np
from PIL import Image

from capsviz.analysis.familiar import explain, unfamiliar
from capsviz.analysis.properties import image_properties
from capsviz.data.preprocess import preprocess


def rotated(digit: np.ndarray, degrees: float) -> np.ndarray:
    """A test digit turned counter-clockwise, then preprocessed like any picture."""
    turned = Image.fromarray(digit).rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True)
    return preprocess(np.asarray(turned))


def test_mnist_test_digits_are_almost_never_unfamiliar(mnist_test) -> None:
    images = mnist_test[0][:1000].astype(np.float32) / 255
    flagged = sum(bool(unfamiliar(image)) for image in images)
    assert flagged <= 5  # the ranges hold 99.9 % of the training digits


def test_a_one_turned_far_is_said_to_lean_and_on_its_side_to_lie(mnist_test) -> None:
    images, labels = mnist_test
    slant = image_properties(images[:300].astype(np.float32) / 255)["slant"]
    ones = [i for i in range(300) if labels[i] == 1 and abs(slant[i]) < 0.1][:5]  # upright ones
    assert ones
    for index in ones:
        assert unfamiliar(preprocess(images[index])) == []
        notes = unfamiliar(rotated(images[index], -57))  # clockwise: the top leans right
        assert notes and notes[-1].startswith("leans") and notes[-1].endswith("right")
        assert unfamiliar(rotated(images[index], 90)) == ["is wider than it is tall"]
    sentence = explain(["leans 60° right"])
    assert "rotation-invariant" in sentence and "This input leans 60° right" in sentence


def test_a_blank_input_has_nothing_to_say() -> None:
    assert unfamiliar(np.zeros((28, 28), np.float32)) == []

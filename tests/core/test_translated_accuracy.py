"""The shipped 40×40 models read the expanded and the affNIST-like test digits as well as their files say."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import capsviz
from capsviz.analysis.affnist import affine_test_set
from capsviz.analysis.robustness import predictions
from capsviz.data.translated import translated_test_set

CHECKED = 1500  # of the 10,000 test digits each figure was measured on (a 40×40 CapsNet reads ~120 a second)


@pytest.fixture(scope="module")
def models():
    return capsviz.load_pretrained(kind="translated"), capsviz.load_baseline(kind="translated")


def test_the_shipped_40_pixel_models_read_40_pixel_images(models) -> None:
    capsnet, cnn = models
    assert (capsnet.input_size, capsnet.n_primary, cnn.input_size) == (40, 4608, 40)
    assert capsnet.metadata["dataset"] == cnn.metadata["dataset"] == "translated"
    with torch.no_grad():
        assert capsnet(torch.zeros(2, 1, 40, 40)).lengths.shape == cnn(torch.zeros(2, 1, 40, 40)).shape


@pytest.mark.slow
@pytest.mark.parametrize("which", [0, 1], ids=["capsnet", "cnn"])
def test_accuracy_is_what_the_metadata_says(models, mnist_test, which) -> None:
    """On the first 1,500 test digits neither model falls more than three binomial SDs short of its
    file's 10,000-digit figure (they are the easier part of the test set, so only falling short counts)."""
    model = models[which]
    digits, labels = mnist_test[0][:CHECKED], mnist_test[1][:CHECKED]
    sets = {
        "test_accuracy": translated_test_set(torch.from_numpy(digits.copy()))[:, 0].numpy(),
        "affnist_like_accuracy": affine_test_set(digits, 1.0),
    }
    for key, images in sets.items():
        stated = float(model.metadata[key])
        read = float(np.mean(predictions(model, images) == labels))
        assert read >= stated - 3 * (stated * (1 - stated) / CHECKED) ** 0.5 - 1e-3, key

"""Reading a picture as two overlapping digits: winners, each decoded alone, the coupling split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis.two_digits import read_two
from capsviz.data import multimnist as mm
from capsviz.data.preprocess import preprocess_pair
from capsviz.model.capsnet import CapsNet


@pytest.fixture(scope="module")
def two_digit_model() -> CapsNet:
    torch.manual_seed(5)
    return CapsNet(input_size=36).eval()


@pytest.fixture(scope="module")
def pair_picture(mnist_test) -> np.ndarray:
    images, labels = mnist_test
    pairs = mm.test_pairs(torch.from_numpy(images[:20].copy()), torch.as_tensor(labels[:20]).long(), 2)
    return (pairs.images[1, 0].numpy() * 255).astype(np.uint8)


def test_the_two_longest_capsules_are_decoded_alone_and_their_coupling_folded(two_digit_model, pair_picture):
    result = read_two(two_digit_model, pair_picture)
    image = torch.from_numpy(preprocess_pair(pair_picture))[None, None]
    with torch.no_grad():
        trace = two_digit_model.route(image)
        lengths = trace.lengths[0, -1]
        first, second = (int(d) for d in lengths.topk(2).indices)
        alone = two_digit_model.decode(trace.poses[0, -1, [first, second]], torch.tensor([first, second]))
    assert result.winners == (first, second)
    np.testing.assert_allclose(result.lengths, lengths.numpy(), atol=1e-6)
    np.testing.assert_allclose(result.reconstructions, alone[:, 0].numpy(), atol=1e-6)
    assert result.coupling.shape == (3, 2, 10, 10) and np.allclose(result.coupling[0], 0.1)
    by_cell = trace.coupling[0, -1, :, first].view(32, 10, 10).mean(dim=0).numpy()
    np.testing.assert_allclose(result.coupling[-1, 0], by_cell, atol=1e-6)


def test_a_blank_picture_holds_no_pair(two_digit_model) -> None:
    assert read_two(two_digit_model, np.zeros((40, 40), np.uint8)) is None

"""The shipped MultiMNIST model reads the held-out pairs as well as its file says."""

from __future__ import annotations

from dataclasses import fields

import pytest
import torch

import capsviz
from capsviz.analysis.pair_accuracy import accuracy_by_overlap, lone_digits, read_lengths
from capsviz.data import multimnist as mm


@pytest.fixture(scope="module")
def two_digit_model():
    return capsviz.load_pretrained(kind="multimnist")


def test_the_shipped_two_digit_model_is_a_36_pixel_capsnet(two_digit_model) -> None:
    assert two_digit_model.input_size == 36 and two_digit_model.n_primary == 3200
    assert two_digit_model.metadata["dataset"] == "multimnist"
    with torch.no_grad():
        out = two_digit_model(torch.zeros(2, 1, 36, 36))
    assert out.lengths.shape == (2, 10) and out.poses.shape == (2, 10, 16)
    assert two_digit_model.decode(out.poses[:, 4], 4).shape == (2, 1, 36, 36)


CHECKED_PAIRS = 2500  # of the 10,000 the file's figure was measured on: a quarter of the time


@pytest.mark.slow
def test_both_digits_are_read_as_often_as_the_metadata_says(two_digit_model, mnist_test) -> None:
    """The first 2,500 held-out pairs agree with the file's 10,000-pair figure.

    Three binomial standard deviations at 2,500 pairs are 2.4 points, so a model
    that reads pairs much worse than its file says fails, without spending the
    full 90 s on every run.
    """
    images, labels = mnist_test
    pairs = mm.test_pairs(torch.from_numpy(images.copy()), torch.as_tensor(labels).long())
    assert two_digit_model.metadata["test_images"] == "10000" and len(pairs.labels) == 10_000
    checked = mm.Pairs(**{f.name: getattr(pairs, f.name)[:CHECKED_PAIRS] for f in fields(pairs)})
    result = accuracy_by_overlap(read_lengths(two_digit_model, checked.images), checked)
    stated = float(two_digit_model.metadata["test_accuracy"])
    assert result.both_read == pytest.approx(stated, abs=3 * (stated * (1 - stated) / CHECKED_PAIRS) ** 0.5)
    # As the README says: pairs that barely overlap are read more often than digits stacked on each other,
    # and most misses lose the digit with less ink.
    assert result.by_overlap[0].both_read > result.by_overlap[-1].both_read
    assert result.less_ink_missed > 0.5


@pytest.mark.slow
def test_a_digit_alone_is_found_but_not_always_put_first(two_digit_model, mnist_test) -> None:
    """As the README says: trained on pairs only, the model finds a lone digit among its two longest
    capsules nearly always, but for some digits it expects a second one that comes out longer."""
    images, labels = mnist_test
    reading = lone_digits(two_digit_model, torch.from_numpy(images[:1000].copy()), labels[:1000])
    assert reading.among_two >= 0.97
    assert reading.longest <= reading.among_two - 0.02

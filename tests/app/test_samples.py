"""The browsable test digits: read once, wrapped around, and a clear line when they cannot be read."""

from __future__ import annotations

import numpy as np

from capsviz.analysis.live import Sample
from capsviz.app.samples import SampleDigits


def test_digits_are_read_once_and_picked_wrapping_around():
    reads, reports = [], []
    images, labels = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28), np.array([4, 1, 7])

    def loader():
        reads.append(1)
        return images, labels

    digits = SampleDigits(loader, reports.append)
    image, sample = digits.pick(4)
    assert sample == Sample(1, 1)
    np.testing.assert_array_equal(image, images[1])
    assert digits.pick(-1)[1] == Sample(2, 7)
    assert digits.random_index() in (0, 1, 2)
    assert len(reads) == 1 and reports == []


def test_unreadable_or_empty_digits_are_reported_in_one_line():
    reports = []

    def broken():
        raise OSError("resources/mnist-test.npz: truncated file\nmore detail")

    assert SampleDigits(broken, reports.append).pick(0) is None
    empty = SampleDigits(lambda: (np.zeros((0, 28, 28), np.uint8), np.zeros(0, int)), reports.append)
    assert empty.random_index() is None
    assert reports == [
        "the MNIST test digits cannot be read: resources/mnist-test.npz: truncated file",
        "the MNIST test digits cannot be read: the set is empty",
    ]

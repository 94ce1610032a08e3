"""Photos of digits on paper: shadows flattened, ruled lines and specks removed, the digit found or not."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.data.paper import PAPERS, photo_of
from capsviz.data.photo import _mask_pool, label_pieces, looks_like_paper
from capsviz.data.preprocess import preprocess_stages


@pytest.mark.parametrize("kind", PAPERS)
def test_photos_on_every_paper_are_read_like_the_digits_themselves(kind, pretrained, mnist_test) -> None:
    images, labels = mnist_test[0][:40], mnist_test[1][:40]
    rng = np.random.default_rng(7)
    inputs = [preprocess_stages(photo_of(image, rng, kind)).image for image in images]
    with torch.no_grad():
        read = pretrained(torch.from_numpy(np.stack(inputs))[:, None]).lengths.argmax(dim=1).numpy()
    assert (read == labels).mean() >= 0.95


def test_without_cleaning_the_same_photos_are_misread(pretrained, mnist_test, monkeypatch) -> None:
    """The failure the cleaning removes: shadows and lines read as ink."""
    monkeypatch.setattr("capsviz.data.preprocess.looks_like_paper", lambda _gray: False)
    images, labels = mnist_test[0][:40], mnist_test[1][:40]
    rng = np.random.default_rng(7)
    inputs = [preprocess_stages(photo_of(image, rng, "squared")).image for image in images]
    with torch.no_grad():
        read = pretrained(torch.from_numpy(np.stack(inputs))[:, None]).lengths.argmax(dim=1).numpy()
    assert (read == labels).mean() < 0.8


@pytest.mark.parametrize("kind", PAPERS)
def test_paper_with_no_digit_says_so(kind) -> None:
    rng = np.random.default_rng(3)
    blank = photo_of(np.zeros((28, 28), np.uint8), rng, kind)
    assert preprocess_stages(blank).empty


def test_ruled_lines_do_not_reach_the_network(mnist_test) -> None:
    rng = np.random.default_rng(5)
    one = mnist_test[0][int(np.flatnonzero(mnist_test[1] == 1)[0])]
    stages = preprocess_stages(photo_of(one, rng, "ruled"))
    rows_with_ink = (stages.image > 0.3).sum(axis=1)
    assert rows_with_ink.max() <= 8, "no row-long line, only the 1's stroke"


def test_specks_far_from_the_digit_are_dropped() -> None:
    paper = np.full((200, 200), 230, np.uint8)
    paper += np.random.default_rng(0).integers(0, 6, paper.shape, dtype=np.uint8)
    paper[60:140, 95:103] = 40  # a 1
    paper[10:13, 180:183] = 60  # a speck in the corner
    stages = preprocess_stages(paper)
    assert stages.box is not None and stages.box[1] >= 90 and stages.box[3] <= 110


def test_only_varying_paper_is_treated_as_a_photo(mnist_test) -> None:
    clean = 1.0 - np.kron(mnist_test[0][0], np.ones((4, 4), np.uint8)) / 255.0  # dark on flat white
    assert not looks_like_paper(1.0 - clean)
    photo = photo_of(mnist_test[0][0], np.random.default_rng(0)).mean(axis=2) / 255.0
    assert looks_like_paper(1.0 - photo)


def test_pieces_are_labelled_by_8_connectivity() -> None:
    mask = np.zeros((10, 10), bool)
    mask[1, 1] = mask[2, 2] = True  # diagonal neighbours: one piece
    mask[6:8, 6:9] = True
    labels = label_pieces(mask)
    assert labels[1, 1] == labels[2, 2] != labels[6, 6] and len(np.unique(labels)) == 3


def test_mask_opening_and_closing_equal_the_plain_sliding_window() -> None:
    """The running-sum erosion and dilation agree with a min and max over each window, edges included."""
    rng = np.random.default_rng(5)
    for _ in range(60):
        height, width = rng.integers(1, 30, 2)
        mask = (rng.random((height, width)) < rng.random()).astype(np.float32)
        size = tuple(int(n) for n in rng.integers(1, 40, 2))
        for low in (True, False):
            expected = np.empty_like(mask)
            for y in range(height):
                for x in range(width):
                    top, left = max(0, y - size[0] // 2), max(0, x - size[1] // 2)
                    window = mask[top : y - size[0] // 2 + size[0], left : x - size[1] // 2 + size[1]]
                    expected[y, x] = window.min() if low else window.max()
            got = _mask_pool(torch.from_numpy(mask)[None, None], size, low)[0, 0].numpy()
            np.testing.assert_array_equal(got, expected, err_msg=f"{size} low={low}")

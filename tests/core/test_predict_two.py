"""``capsviz predict --two``: two overlapping digits, framed like MultiMNIST, read by a 36×36 model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from capsviz.cli import main
from capsviz.data import multimnist as mm
from capsviz.data.preprocess import PAIR_RADIUS, PAIR_SIZE, preprocess_pair
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import save_weights


@pytest.fixture(scope="module")
def pair_png(tmp_path_factory, mnist_test) -> str:
    images, labels = mnist_test
    pairs = mm.test_pairs(torch.from_numpy(images[:50].copy()), torch.as_tensor(labels[:50]).long(), 4)
    path = tmp_path_factory.mktemp("pairs") / "pair.png"
    Image.fromarray((255 - pairs.images[2, 0].numpy() * 255).astype(np.uint8)).resize((180, 180)).save(path)
    return str(path)  # dark ink on white paper, five times larger than the pair


@pytest.fixture(scope="module")
def two_digit_weights(tmp_path_factory) -> str:
    torch.manual_seed(0)
    return str(save_weights(CapsNet(input_size=36), tmp_path_factory.mktemp("w") / "two.safetensors"))


def test_a_pair_picture_is_framed_like_the_training_pairs(pair_png) -> None:
    image = preprocess_pair(np.asarray(Image.open(pair_png)))
    assert image.shape == (PAIR_SIZE, PAIR_SIZE) and image.dtype == np.float32
    assert image.max() > 0.9 and image[0].max() == 0  # white ink on black, a margin kept
    weights = image / image.sum()
    rows, cols = np.mgrid[:36, :36]
    cy, cx = (weights * rows).sum(), (weights * cols).sum()
    radius = np.sqrt((weights * ((rows - cy) ** 2 + (cols - cx) ** 2)).sum())
    assert radius == pytest.approx(PAIR_RADIUS, abs=0.5) and abs(cy - 18) < 1.5 and abs(cx - 18) < 1.5
    assert not preprocess_pair(np.zeros((50, 60), np.uint8)).any()


def test_predict_two_prints_the_two_longest_capsules(pair_png, two_digit_weights, capsys) -> None:
    assert main(["predict", "--two", "--weights", two_digit_weights, pair_png]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{pair_png}: ") and " and " in line and "lengths:" in line
    assert main(["predict", "--two", "--json", "--weights", two_digit_weights, pair_png]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    first, second = record["digits"]
    lengths = record["lengths"]
    assert first != second and len(lengths) == 10
    assert (
        lengths[first] >= lengths[second] >= max(v for k, v in enumerate(lengths) if k not in (first, second))
    )


def test_the_wrong_kind_of_model_is_one_line_that_says_which_to_use(
    pair_png, two_digit_weights, tmp_path, capsys
):
    assert main(["predict", "--weights", two_digit_weights, pair_png]) == 1
    assert "use predict --two" in capsys.readouterr().err
    one_digit = str(save_weights(CapsNet(), tmp_path / "one.safetensors"))
    assert main(["predict", "--two", "--weights", one_digit, pair_png]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--two needs a MultiMNIST model" in err[0]

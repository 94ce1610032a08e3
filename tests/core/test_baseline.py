"""The CNN baseline: its shape, its weights files, its training through train_model.py, its accuracy."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

import capsviz
from capsviz.model.baseline import PAPER_WIDTHS, BaselineCNN, load_baseline, save_baseline
from capsviz.model.weights import WeightsError, read_safetensors, shipped_weights_path
from capsviz.training.cli import main as train_main


def test_logits_for_a_batch_and_each_image_alone_agree() -> None:
    torch.manual_seed(0)
    model = BaselineCNN().eval()
    images = torch.rand(5, 1, 28, 28)
    with torch.no_grad():
        logits = model(images)
        alone = torch.cat([model(images[k : k + 1]) for k in range(5)])
    assert logits.shape == (5, 10) and torch.allclose(logits, alone, atol=1e-5)
    assert torch.allclose(model.probabilities(images).sum(dim=1), torch.ones(5))
    with pytest.raises(ValueError, match=r"\[B, 1, 28, 28\]"):
        model(torch.rand(1, 1, 36, 36))


def test_the_papers_full_width_is_the_papers_size() -> None:
    full = sum(p.numel() for p in BaselineCNN(PAPER_WIDTHS).parameters())
    assert 2.0e6 < full < 40e6  # the paper's 35.4 M counts its own unstated pooling
    assert sum(p.numel() for p in BaselineCNN().parameters()) < full / 2


def test_weights_round_trip_in_bfloat16_and_keep_their_metadata(tmp_path) -> None:
    torch.manual_seed(1)
    model = BaselineCNN().eval()
    path = save_baseline(model, tmp_path / "cnn.safetensors", storage=torch.bfloat16, test_accuracy="0.5")
    loaded = load_baseline(weights=path)
    images = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(loaded(images), model(images), atol=0.05)
    assert loaded.metadata["test_accuracy"] == "0.5" and not loaded.training


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b"not a safetensors file at all"), "damaged or not a safetensors file"),
        (lambda p: save_file({"x": torch.zeros(1)}, p, metadata={"format": "capsviz-cnn"}), "missing"),
        (lambda p: save_file({"x": torch.zeros(1)}, p), "holds CapsNet weights, not the CNN baseline"),
        (
            lambda p: save_file(
                {"x": torch.zeros(1)}, p, metadata={"format": "capsviz-cnn", "widths": "[1]"}
            ),
            "three channel counts",
        ),
    ],
)
def test_bad_baseline_weights_are_refused_in_one_line(tmp_path, make, reason) -> None:
    path = tmp_path / "bad.safetensors"
    make(path)
    with pytest.raises(WeightsError, match=reason) as error:
        load_baseline(weights=path)
    assert "\n" not in str(error.value)


def test_train_model_trains_the_cnn_and_resumes_it_exactly(tmp_path, tiny_mnist_dir, capsys) -> None:
    common = ["--arch", "cnn", "--data-dir", tiny_mnist_dir, "--limit-train", "256", "--limit-test", "64"]
    common += ["--batch-size", "64", "--seed", "3", "--quiet"]
    assert train_main([*common, "--epochs", "2", "--out", str(tmp_path / "a.safetensors")]) == 0
    assert train_main([*common, "--epochs", "1", "--out", str(tmp_path / "b.safetensors")]) == 0
    checkpoint = str(tmp_path / "b.checkpoint.safetensors")
    assert (
        train_main(
            [*common, "--epochs", "2", "--out", str(tmp_path / "b.safetensors"), "--resume", checkpoint]
        )
        == 0
    )
    first, meta = read_safetensors(tmp_path / "a.safetensors", WeightsError, lambda *_: None)
    second, _ = read_safetensors(tmp_path / "b.safetensors", WeightsError, lambda *_: None)
    assert all(torch.equal(value, second[key]) for key, value in first.items())
    assert meta["format"] == "capsviz-cnn" and meta["epochs"] == "2"
    assert load_baseline(weights=tmp_path / "a.safetensors").widths == (64, 64, 32)
    assert train_main([*common, "--dataset", "multimnist", "--out", str(tmp_path / "c.safetensors")]) == 2
    assert "--arch cnn trains on --dataset mnist" in capsys.readouterr().err


@pytest.mark.slow
def test_the_shipped_baseline_reaches_its_stated_accuracy(mnist_test) -> None:
    assert shipped_weights_path("cnn").is_file()
    model = capsviz.load_baseline()
    images = torch.from_numpy(mnist_test[0].copy()).float().div(255).unsqueeze(1)
    with torch.no_grad():
        predictions = torch.cat(
            [model(images[k : k + 1000]).argmax(dim=1) for k in range(0, len(images), 1000)]
        )
    accuracy = float((predictions == torch.as_tensor(mnist_test[1]).long()).float().mean())
    assert accuracy >= 0.993
    assert accuracy == pytest.approx(float(model.metadata["test_accuracy"]), abs=5e-4)

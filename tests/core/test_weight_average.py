"""train_model.py --ema: the moving average of the weights is what is evaluated, written and resumed."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import read_weights
from capsviz.training.averaging import PREFIX, WeightAverage
from tests.core.test_training import run


def test_the_average_follows_its_formula_step_by_step() -> None:
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    average = WeightAverage(layer, decay=0.9)
    expected = {name: p.detach().clone() for name, p in layer.named_parameters()}
    for _ in range(5):
        with torch.no_grad():
            for p in layer.parameters():
                p.add_(torch.randn_like(p))
        average.update()
        for name, p in layer.named_parameters():
            expected[name] = 0.9 * expected[name] + 0.1 * p.detach()
    for name, value in expected.items():
        torch.testing.assert_close(average.tensors[name], value)


def test_inside_the_swap_the_model_reads_as_the_average_and_after_it_as_itself() -> None:
    torch.manual_seed(1)
    model = CapsNet().eval()
    average = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    average.update()
    images = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        own = model(images).lengths  # builds the fast path's cached weights first
        reference = CapsNet().eval()
        reference.load_state_dict(average.tensors)
        with average.swapped_in():
            inside = model(images).lengths
        after = model(images).lengths
        torch.testing.assert_close(inside, reference(images).lengths)
    assert not torch.allclose(inside, own)
    assert torch.equal(after, own)


def test_decay_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        WeightAverage(torch.nn.Linear(1, 1), decay=1.0)


def test_a_run_with_ema_writes_the_average_and_checkpoints_both(tmp_path, tiny_mnist_dir, capsys) -> None:
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "1", "--ema", "0.5") == 0
    err = capsys.readouterr().err
    assert "(the average; the weights themselves " in err
    written, meta = read_weights(tmp_path / "w.safetensors")
    checkpoint = load_file(tmp_path / "w.checkpoint.safetensors")
    for name, value in written.items():
        assert torch.equal(value, checkpoint[PREFIX + name]), name
    assert not torch.equal(written["W"], checkpoint["model.W"])
    record = json.loads(meta["history"])[0]
    assert 0.0 <= record["raw_test_accuracy"] <= 1.0
    assert meta["test_accuracy"] == f"{record['test_accuracy']:.4f}"


def test_a_run_with_ema_resumes_exactly(tmp_path, tiny_mnist_dir) -> None:
    ema = ("--ema", "0.9", "--quiet")
    assert run(tmp_path, "straight.safetensors", tiny_mnist_dir, "--epochs", "2", *ema) == 0
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, "--epochs", "1", *ema) == 0
    checkpoint = str(tmp_path / "split.checkpoint.safetensors")
    resumed_run = ("--epochs", "2", "--resume", checkpoint, *ema)
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, *resumed_run) == 0
    straight, _ = read_weights(tmp_path / "straight.safetensors")
    resumed, _ = read_weights(tmp_path / "split.safetensors")
    for name, value in straight.items():
        assert torch.equal(value, resumed[name]), name


def test_resuming_without_ema_says_the_average_ends(tmp_path, tiny_mnist_dir, capsys) -> None:
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "1", "--ema", "0.5", "--quiet") == 0
    checkpoint = str(tmp_path / "w.checkpoint.safetensors")
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "2", "--resume", checkpoint) == 0
    assert "weight average ends here (no --ema)" in capsys.readouterr().err
    assert not any(k.startswith(PREFIX) for k in load_file(tmp_path / "w.checkpoint.safetensors"))


def test_an_impossible_decay_is_a_one_line_error(tmp_path, tiny_mnist_dir, capsys) -> None:
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--ema", "1.5", "--quiet") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stopped:") and "--ema" in err[0]

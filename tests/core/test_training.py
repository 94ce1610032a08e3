"""A tiny training run through train_model.py's CLI, and --resume continuing it exactly."""

from __future__ import annotations

import json
import re

import torch

from capsviz.model.weights import read_weights
from capsviz.training.cli import build_parser, main
from capsviz.training.loop import epochs_text, percent


def run(tmp_path, name: str, data_dir: str, *extra: str) -> int:
    return main(
        [
            "--data-dir", data_dir, "--out", str(tmp_path / name), "--limit-train", "128",
            "--limit-test", "64", "--batch-size", "64", "--device", "cpu", "--seed", "7", *extra,
        ]
    )  # fmt: skip


def test_two_batch_run_writes_weights_progress_and_metadata(tmp_path, tiny_mnist_dir, capsys) -> None:
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "1") == 0
    captured = capsys.readouterr()
    err = captured.err
    assert "loss=" in err and "acc=" in err and "img_s=" in err and "2/2" in err
    assert "evaluating on the test set" in err and "64/64" in err
    assert f"MNIST: the existing folder {tiny_mnist_dir}" in err
    final = captured.out
    assert "after 1 epoch" in final and "after 1 epochs" not in final
    assert re.search(r"test accuracy \d{1,3}\.\d\d %", final)
    _tensors, meta = read_weights(tmp_path / "w.safetensors")
    assert meta["epochs"] == "1" and 0.0 <= float(meta["test_accuracy"]) <= 1.0
    assert json.loads(meta["history"])[0]["epoch"] == 1
    assert (tmp_path / "w.checkpoint.safetensors").is_file()


def test_resume_gives_identical_results_to_an_uninterrupted_run(tmp_path, tiny_mnist_dir) -> None:
    assert run(tmp_path, "straight.safetensors", tiny_mnist_dir, "--epochs", "2", "--quiet") == 0
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, "--epochs", "1", "--quiet") == 0
    checkpoint = str(tmp_path / "split.checkpoint.safetensors")
    assert (
        run(tmp_path, "split.safetensors", tiny_mnist_dir, "--epochs", "2", "--resume", checkpoint, "--quiet")
        == 0
    )
    straight, meta_a = read_weights(tmp_path / "straight.safetensors")
    resumed, meta_b = read_weights(tmp_path / "split.safetensors")
    for key, value in straight.items():
        assert torch.equal(value, resumed[key]), key
    assert json.loads(meta_a["history"])[1]["loss"] == json.loads(meta_b["history"])[1]["loss"]


def test_unavailable_device_is_a_one_line_error(tmp_path, tiny_mnist_dir, capsys) -> None:
    if torch.cuda.is_available():
        return
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--device", "cuda") == 2
    assert "no CUDA GPU" in capsys.readouterr().err


def test_unwritable_output_is_a_one_line_error(tmp_path, tiny_mnist_dir, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert run(blocker, "w.safetensors", tiny_mnist_dir, "--epochs", "1", "--quiet") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")


def test_help_shows_every_default() -> None:
    parser = build_parser()
    text = parser.format_help()
    assert "(default: 30)" in text and "(default: 0.95)" in text and "(default: auto)" in text
    assert text.count("(default:") == len(parser._actions) - 1


def test_accuracies_and_epoch_counts_read_as_people_write_them() -> None:
    assert percent(0.0876) == "8.76 %" and percent(0.996) == "99.60 %"
    assert epochs_text(1) == "1 epoch" and epochs_text(14) == "14 epochs"


def test_multimnist_run_trains_a_36_pixel_model_and_resumes_exactly(tmp_path, tiny_mnist_dir, capsys) -> None:
    two = ("--dataset", "multimnist")
    assert run(tmp_path, "straight.safetensors", tiny_mnist_dir, *two, "--epochs", "2") == 0
    captured = capsys.readouterr()
    assert "multimnist: 128 pairs per epoch" in captured.err and "both digits read in" in captured.out
    two = (*two, "--quiet")
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, *two, "--epochs", "1") == 0
    checkpoint = str(tmp_path / "split.checkpoint.safetensors")
    resumed = ("--epochs", "2", "--resume", checkpoint)
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, *two, *resumed) == 0
    straight, meta = read_weights(tmp_path / "straight.safetensors")
    again, _meta = read_weights(tmp_path / "split.safetensors")
    assert all(torch.equal(value, again[key]) for key, value in straight.items())
    assert straight["W"].shape == (3200, 10, 16, 8) and straight["decoder.4.weight"].shape == (1296, 1024)
    assert (meta["input_size"], meta["dataset"]) == ("36", "multimnist")
    assert meta["architecture"] == "sabour2017-multimnist"


def test_a_multimnist_checkpoint_does_not_resume_an_mnist_run(tmp_path, tiny_mnist_dir, capsys) -> None:
    two = ("--dataset", "multimnist", "--epochs", "1", "--quiet")
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, *two) == 0
    capsys.readouterr()
    checkpoint = str(tmp_path / "w.checkpoint.safetensors")
    assert run(tmp_path, "m.safetensors", tiny_mnist_dir, "--resume", checkpoint, "--quiet") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "36×36" in err[0] and "--dataset" in err[0]


def test_warm_start_ramps_the_learning_rate_and_freezes_conv1(tmp_path, tiny_mnist_dir, pretrained) -> None:
    from capsviz.data.mnist import load_mnist
    from capsviz.model.weights import shipped_weights_path
    from capsviz.training.config import TrainConfig
    from capsviz.training.loop import WARMUP_BATCHES, Trainer

    config = TrainConfig(
        dataset="multimnist", epochs=1, batch_size=64, device="cpu", data_dir=tiny_mnist_dir,
        out=str(tmp_path / "w.safetensors"), warm_start=str(shipped_weights_path()), freeze_conv1=True,
        quiet=True, limit_test=16, checkpoint_every=0,
    )  # fmt: skip
    trainer = Trainer(config, load_mnist("train", tiny_mnist_dir), load_mnist("test", tiny_mnist_dir))
    assert trainer.warmup_left == WARMUP_BATCHES
    assert torch.equal(trainer.model.conv1.weight, pretrained.conv1.weight)
    rates = []
    for index in range(3):
        trainer._step(torch.arange(index * 8, index * 8 + 8), seed=index)
        rates.append(trainer.optimizer.param_groups[0]["lr"])
    assert rates[0] < rates[1] < rates[2] < config.lr / 50
    assert torch.equal(trainer.model.conv1.weight, pretrained.conv1.weight)
    trained = [p for group in trainer.optimizer.param_groups for p in group["params"]]
    assert not any(p is trainer.model.conv1.weight for p in trained)


def test_channels_last_convolutions_leave_routing_working() -> None:
    from capsviz.model.capsnet import CapsNet
    from capsviz.training.kernels import channels_last_convolutions

    torch.manual_seed(0)
    model = CapsNet()
    images, labels = torch.rand(3, 1, 28, 28), torch.tensor([1, 2, 3])
    expected = model(images, labels).lengths
    channels_last_convolutions(model)
    assert model.primary_conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert model.W.is_contiguous()
    assert torch.allclose(model(images, labels).lengths, expected, atol=1e-5)


def test_resuming_from_weights_alone_ramps_the_learning_rate_from_the_recorded_epoch(
    tmp_path, tiny_mnist_dir
):
    from capsviz.data.mnist import load_mnist
    from capsviz.training.config import TrainConfig
    from capsviz.training.loop import WARMUP_BATCHES, Trainer

    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "1", "--quiet") == 0
    config = TrainConfig(
        epochs=2, batch_size=64, device="cpu", data_dir=tiny_mnist_dir, out=str(tmp_path / "b.safetensors"),
        resume=str(tmp_path / "w.safetensors"), quiet=True, limit_train=128, limit_test=16,
    )  # fmt: skip
    trainer = Trainer(config, load_mnist("train", tiny_mnist_dir), load_mnist("test", tiny_mnist_dir))
    assert (
        trainer.state.epoch == 1 and trainer.state.fresh_optimizer and trainer.warmup_left == WARMUP_BATCHES
    )
    checkpointed = Trainer(
        TrainConfig(**{**config.__dict__, "resume": str(tmp_path / "w.checkpoint.safetensors")}),
        load_mnist("train", tiny_mnist_dir),
        load_mnist("test", tiny_mnist_dir),
    )
    assert checkpointed.warmup_left == 0, "with Adam's moments restored there is nothing to ramp"


def test_route_gradients_reach_the_model_and_are_refused_for_the_cnn(tmp_path, tiny_mnist_dir, capsys):
    from capsviz.data.mnist import load_mnist
    from capsviz.training.config import TrainConfig
    from capsviz.training.loop import Trainer

    assert build_parser().parse_args(["--route-gradients"]).route_gradients
    assert not build_parser().parse_args([]).route_gradients
    config = TrainConfig(
        dataset="multimnist", epochs=1, batch_size=64, device="cpu", data_dir=tiny_mnist_dir,
        out=str(tmp_path / "w.safetensors"), route_gradients=True, quiet=True, limit_test=16,
    )  # fmt: skip
    trainer = Trainer(config, load_mnist("train", tiny_mnist_dir), load_mnist("test", tiny_mnist_dir))
    assert trainer.model.route_gradients
    capsys.readouterr()
    assert (
        run(tmp_path, "c.safetensors", tiny_mnist_dir, "--arch", "cnn", "--route-gradients", "--quiet") == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stopped:") and "--route-gradients" in err[0]


def test_reconstruction_weight_reaches_the_loss_and_is_refused_for_the_cnn(
    tmp_path, tiny_mnist_dir, capsys, monkeypatch
):
    from capsviz.training import loop

    weights_used = []
    real = loop.capsule_loss

    def spy(*args):
        weights_used.append(args[4])
        return real(*args)

    monkeypatch.setattr(loop, "capsule_loss", spy)
    weighted = ("--reconstruction-weight", "0.01", "--quiet")
    assert run(tmp_path, "w.safetensors", tiny_mnist_dir, "--epochs", "1", *weighted) == 0
    assert weights_used and set(weights_used) == {0.01}
    assert build_parser().parse_args([]).reconstruction_weight == 0.0005
    capsys.readouterr()
    assert run(tmp_path, "c.safetensors", tiny_mnist_dir, "--arch", "cnn", *weighted) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stopped:") and "--reconstruction-weight" in err[0]


def test_an_interrupt_while_evaluating_saves_and_the_resumed_epoch_reports_all_of_it(
    tmp_path, tiny_mnist_dir, capsys, monkeypatch
):
    from capsviz.training.loop import Trainer

    assert run(tmp_path, "straight.safetensors", tiny_mnist_dir, "--epochs", "1", "--quiet") == 0
    real = Trainer.evaluate
    calls = {"n": 0}

    def interrupted_once(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(Trainer, "evaluate", interrupted_once)
    capsys.readouterr()
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, "--epochs", "1") == 130
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("stopped:")]
    assert len(err) == 1 and "interrupted while evaluating epoch 1" in err[0]
    checkpoint = str(tmp_path / "split.checkpoint.safetensors")
    assert run(tmp_path, "split.safetensors", tiny_mnist_dir, "--epochs", "1", "--resume", checkpoint) == 0
    straight, meta_a = read_weights(tmp_path / "straight.safetensors")
    resumed, meta_b = read_weights(tmp_path / "split.safetensors")
    assert all(torch.equal(value, resumed[key]) for key, value in straight.items())
    first, again = json.loads(meta_a["history"])[0], json.loads(meta_b["history"])[0]
    assert (again["loss"], again["train_accuracy"]) == (first["loss"], first["train_accuracy"])

"""train_model.py under torchrun: two CPU processes (DDP over gloo) train what one process trains.

Why the comparison can be tight: DistributedSampler deals every other sample
of the shared shuffled order to each process, so the two local batches of 32
together are exactly the one-process batch of 64; the ±2 px shifts are drawn
for the whole global batch and each process keeps its own rows, so every
image gets the same shift; and DDP averages the two local mean gradients,
which is the gradient of the global mean loss. What remains is the order of
floating-point sums (the all-reduce, per-process matrix products): about 1e-7
relative per step. Adam's update is bounded by the learning rate (1e-3), so
after four steps from the same start the weights may differ by a few 1e-6
(measured: 1.6e-6); a batch or shift mix-up moves them by ~1e-3 and changes
the epoch loss in the third digit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from capsviz.model.weights import read_weights
from capsviz.training.augment import random_shift
from capsviz.training.cli import main
from capsviz.training.loop import Trainer

ROOT = Path(__file__).resolve().parents[2]
COMMON = ["--device", "cpu", "--batch-size", "64", "--limit-test", "128", "--seed", "3"]


def test_each_process_shifts_its_share_of_the_global_batch_like_one_process() -> None:
    images = torch.rand(8, 1, 28, 28)
    whole = random_shift(images, seed=11)
    for rank in range(2):
        part = random_shift(images[rank::2], seed=11, rank=rank, world_size=2)
        assert torch.equal(part, whole[rank::2])


def torchrun(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [*command, str(ROOT / "train_model.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def assert_same_training(ddp_file: Path, single_file: Path) -> None:
    ddp, ddp_meta = read_weights(ddp_file)
    single, single_meta = read_weights(single_file)
    ddp_history, single_history = json.loads(ddp_meta["history"]), json.loads(single_meta["history"])
    assert len(ddp_history) == len(single_history)
    for a, b in zip(ddp_history, single_history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert a["train_accuracy"] == b["train_accuracy"]
        assert a["test_accuracy"] == b["test_accuracy"]
    for name, value in single.items():
        assert (ddp[name] - value).abs().max() < 1e-4, name


@pytest.mark.slow
def test_torchrun_two_processes_match_one_process_and_resume(tmp_path, tiny_mnist_dir) -> None:
    data = ["--data-dir", tiny_mnist_dir, *COMMON]
    ddp_out, single_out = tmp_path / "ddp" / "w.safetensors", tmp_path / "one" / "w.safetensors"

    first = torchrun(*data, "--limit-train", "256", "--epochs", "1", "--out", str(ddp_out))
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.count("wrote ") == 1  # only rank 0 reports
    assert first.stderr.count("epoch 1: loss") == 1
    assert "training on CPU ×2" in first.stderr
    _weights, meta = read_weights(ddp_out)
    assert meta["epochs"] == "1" and 0.0 <= float(meta["test_accuracy"]) <= 1.0
    assert json.loads(meta["history"])[0]["epoch"] == 1
    checkpoint = ddp_out.with_name("w.checkpoint.safetensors")
    assert checkpoint.is_file()

    assert main([*data, "--limit-train", "256", "--epochs", "1", "--out", str(single_out), "--quiet"]) == 0
    assert_same_training(ddp_out, single_out)

    more = ["--limit-train", "128", "--epochs", "2"]
    resumed = torchrun(*data, *more, "--out", str(ddp_out), "--resume", str(checkpoint))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "from epoch 2" in resumed.stderr
    single_checkpoint = str(single_out.with_name("w.checkpoint.safetensors"))
    assert main([*data, *more, "--out", str(single_out), "--quiet", "--resume", single_checkpoint]) == 0
    assert_same_training(ddp_out, single_out)


@pytest.mark.slow
def test_torchrun_finishes_an_epoch_one_process_began_and_reports_all_of_it(
    tmp_path, tiny_mnist_dir, monkeypatch
) -> None:
    """A checkpoint keeps the whole run's running tally (pairs, loss, hits); the resumed main carries it."""
    data = ["--data-dir", tiny_mnist_dir, *COMMON, "--limit-train", "256", "--epochs", "1"]
    straight, split = tmp_path / "straight" / "w.safetensors", tmp_path / "split" / "w.safetensors"
    assert main([*data, "--out", str(straight), "--quiet"]) == 0

    real_step, steps = Trainer._step, []

    def interrupted_in_the_third_batch(self, chosen, seed):
        steps.append(seed)
        if len(steps) == 3:
            raise KeyboardInterrupt
        return real_step(self, chosen, seed)

    monkeypatch.setattr(Trainer, "_step", interrupted_in_the_third_batch)
    assert main([*data, "--out", str(split), "--quiet"]) == 130
    monkeypatch.undo()

    checkpoint = split.with_name("w.checkpoint.safetensors")
    resumed = torchrun(*data, "--out", str(split), "--resume", str(checkpoint))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_same_training(split, straight)

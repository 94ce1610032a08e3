"""A training run killed with SIGKILL mid-epoch resumes from its last checkpoint and ends bit for bit
where an uninterrupted run ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors import SafetensorError, safe_open

from capsviz.model.weights import read_weights

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600


def command(data_dir: str, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "train_model.py", "--data-dir", data_dir, "--out", str(out),
        "--limit-train", "512", "--limit-test", "64", "--batch-size", "32", "--epochs", "2",
        "--checkpoint-every", "2", "--device", "cpu", "--quiet", *extra,
    ]  # fmt: skip


def start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with log.open("w") as sink:
        return subprocess.Popen(args, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)


def position(checkpoint: Path) -> tuple[int, int] | None:
    """(epoch, batch) recorded in the checkpoint, or None while there is none."""
    try:
        with safe_open(str(checkpoint), framework="pt") as fh:
            meta = fh.metadata()
        return int(meta["epoch"]), int(meta["batch"])
    except (FileNotFoundError, SafetensorError):
        return None


def wait_for(process: subprocess.Popen, log: Path) -> None:
    assert process.wait(timeout=TIMEOUT_S) == 0, log.read_text()


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path: Path, tiny_mnist_dir) -> None:
    straight_dir, killed_dir = tmp_path / "straight", tmp_path / "killed"
    straight_dir.mkdir()
    killed_dir.mkdir()
    out = killed_dir / "w.safetensors"
    checkpoint = killed_dir / "w.checkpoint.safetensors"
    straight = start(command(tiny_mnist_dir, straight_dir / "w.safetensors"), tmp_path / "straight.log")
    victim = start(command(tiny_mnist_dir, out), tmp_path / "killed.log")
    try:
        deadline = time.monotonic() + TIMEOUT_S
        seen = None
        while time.monotonic() < deadline:  # kill once epoch 2 is under way and checkpointed
            seen = position(checkpoint)
            if seen is not None and seen[0] == 1 and seen[1] >= 2:
                break
            assert victim.poll() is None, f"run ended before it could be killed: {seen}"
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=60) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    epoch, batch = position(checkpoint)
    assert epoch == 1 and 2 <= batch < 16, (epoch, batch)  # mid-epoch: 16 batches per epoch
    assert out.is_file()  # epoch 1's weights were written before the kill

    resumed = start(command(tiny_mnist_dir, out, "--resume", str(checkpoint)), tmp_path / "resumed.log")
    wait_for(resumed, tmp_path / "resumed.log")
    wait_for(straight, tmp_path / "straight.log")

    expected, expected_meta = read_weights(straight_dir / "w.safetensors")
    actual, actual_meta = read_weights(out)
    assert actual_meta["epochs"] == expected_meta["epochs"] == "2"
    for key, value in expected.items():
        assert torch.equal(value, actual[key]), key
    assert position(checkpoint) == (2, 0)
    assert sorted(p.name for p in killed_dir.iterdir()) == ["w.checkpoint.safetensors", "w.safetensors"]

"""Training never loses work: atomic checkpoints, damaged ones refused, NaN keeps the last good one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save as save_bytes

import capsviz.training.loop as loop
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import read_weights, save_weights
from capsviz.training.checkpoint import CheckpointError, TrainingState, load_checkpoint, save_checkpoint
from capsviz.training.cli import main as train_main
from capsviz.training.config import TrainConfig, TrainingStopped
from capsviz.training.loop import Trainer

REPO = Path(__file__).resolve().parents[2]


def trained_pair(seed: int = 0) -> tuple[CapsNet, torch.optim.Optimizer]:
    """A model and an Adam optimizer that has taken one step (so it has state to save)."""
    torch.manual_seed(seed)
    model = CapsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    optimizer.step()
    return model, optimizer


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    model, optimizer = trained_pair()
    path = tmp_path_factory.mktemp("ckpt") / "run.checkpoint.safetensors"
    save_checkpoint(path, model, optimizer, TrainingState(epoch=1, batch=5, history=[{"epoch": 1}]))
    return path.read_bytes()


def header_end(data: bytes) -> int:
    return 8 + int.from_bytes(data[:8], "little")


def rewrite(data: bytes, **changes: str) -> bytes:
    """The same checkpoint with some metadata values changed and every digest left as it was."""
    header = json.loads(data[8 : header_end(data)])
    header["__metadata__"].update(changes)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[header_end(data) :]


def fresh() -> tuple[CapsNet, torch.optim.Optimizer]:
    model = CapsNet()
    return model, torch.optim.Adam(model.parameters())


# --- atomic writes ------------------------------------------------------------------------


def test_a_failure_while_writing_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "run.checkpoint.safetensors"
    model, optimizer = trained_pair(0)
    save_checkpoint(path, model, optimizer, TrainingState(epoch=0, batch=3))
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    later, later_optimizer = trained_pair(1)
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(path, later, later_optimizer, TrainingState(epoch=0, batch=6))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    again, again_optimizer = fresh()
    assert load_checkpoint(path, again, again_optimizer).batch == 3
    assert torch.equal(again.W, model.W)


def test_a_writer_killed_mid_write_leaves_the_checkpoint_whole(tmp_path: Path, checkpoint_bytes) -> None:
    """A kill between write and rename leaves a half temp file beside an intact checkpoint."""
    path = tmp_path / "run.checkpoint.safetensors"
    path.write_bytes(checkpoint_bytes)
    half = tmp_path / f".{path.name}.k1ll3d.tmp"
    half.write_bytes(checkpoint_bytes[: len(checkpoint_bytes) // 2])
    model, optimizer = fresh()
    assert load_checkpoint(path, model, optimizer).batch == 5
    save_checkpoint(path, model, optimizer, TrainingState(epoch=1, batch=6))
    assert not half.exists()  # the next save clears what the killed writer left
    assert load_checkpoint(path, *fresh()).batch == 6


def test_a_diverged_model_never_replaces_a_good_checkpoint(tmp_path: Path, checkpoint_bytes) -> None:
    path = tmp_path / "run.checkpoint.safetensors"
    path.write_bytes(checkpoint_bytes)
    model, optimizer = trained_pair()
    with torch.no_grad():
        model.primary_conv.weight[0, 0, 0, 0] = float("inf")
    with pytest.raises(
        CheckpointError, match=r"'model\.primary_conv\.weight' contains NaN or infinite values"
    ):
        save_checkpoint(path, model, optimizer, TrainingState(epoch=1, batch=9))
    assert path.read_bytes() == checkpoint_bytes


# --- damaged checkpoints ----------------------------------------------------------------------


def _flip_tensor_byte(data: bytes) -> bytes:
    spot = header_end(data) + (len(data) - header_end(data)) // 2
    return data[:spot] + bytes([data[spot] ^ 0x10]) + data[spot + 1 :]


def _flip_epoch_bit(data: bytes) -> bytes:
    return rewrite(data, epoch="9")  # '1' → '9' is one flipped bit


def _break_header_json(data: bytes) -> bytes:
    return data[:8] + b"[" + data[9:]


def _truncate(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _missing_field(data: bytes) -> bytes:
    header = json.loads(data[8 : header_end(data)])
    del header["__metadata__"]["batch"]
    text = json.dumps(header, separators=(",", ":")).encode()
    return len(text).to_bytes(8, "little") + text + data[header_end(data) :]


def _empty(data: bytes) -> bytes:
    return b""


def _noise(data: bytes) -> bytes:
    return np.random.default_rng(3).bytes(10_000)


DAMAGED = {
    "flipped tensor byte": (_flip_tensor_byte, "is damaged (checksum mismatch); cannot resume from it"),
    "flipped metadata bit": (
        _flip_epoch_bit,
        "is damaged (metadata checksum mismatch); cannot resume from it",
    ),
    "broken header": (_break_header_json, "is damaged or not a safetensors file ("),
    "truncated": (_truncate, "is damaged or not a safetensors file (its size does not match its header"),
    "metadata field missing": (_missing_field, "is damaged (metadata checksum mismatch)"),
    "empty": (_empty, "is empty"),
    "random bytes": (_noise, "is damaged or not a safetensors file (header too large)"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_checkpoints_are_refused_and_nothing_is_changed(
    case: str, tmp_path: Path, checkpoint_bytes
) -> None:
    damage, reason = DAMAGED[case]
    path = tmp_path / "run.checkpoint.safetensors"
    path.write_bytes(damage(checkpoint_bytes))
    model, optimizer = fresh()
    untouched = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, model, optimizer)
    message = str(info.value)
    assert "\n" not in message and path.name in message and reason in message
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in untouched.items())
    assert optimizer.state_dict()["state"] == {}


def test_a_missing_checkpoint_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"checkpoint not found: .*nothing\.safetensors"):
        load_checkpoint(tmp_path / "nothing.safetensors", *fresh())


def test_nan_weights_behind_a_valid_digest_are_refused(tmp_path: Path, checkpoint_bytes) -> None:
    """Corruption before the digest was computed (a diverged run from an older writer) is caught too."""
    path = tmp_path / "nan.checkpoint.safetensors"
    path.write_bytes(checkpoint_bytes)
    with safe_open(str(path), framework="pt") as fh:
        meta = fh.metadata()
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    tensors["model.W"][0, 0, 0, 0] = float("nan")
    from capsviz.training import checkpoint as module

    meta["sha256"] = module._digest(tensors)
    path.write_bytes(save_bytes(tensors, metadata=meta))
    with pytest.raises(CheckpointError, match="'W' contains NaN or infinite values"):
        load_checkpoint(path, *fresh())


def test_checkpoints_without_a_metadata_digest_still_resume(tmp_path: Path, checkpoint_bytes) -> None:
    """Checkpoints from before the metadata digest (tensor digest only) are still accepted."""
    header = json.loads(checkpoint_bytes[8 : header_end(checkpoint_bytes)])
    del header["__metadata__"]["metadata_sha256"]
    text = json.dumps(header, separators=(",", ":")).encode()
    path = tmp_path / "old.checkpoint.safetensors"
    path.write_bytes(
        len(text).to_bytes(8, "little") + text + checkpoint_bytes[header_end(checkpoint_bytes) :]
    )
    model, optimizer = fresh()
    state = load_checkpoint(path, model, optimizer)
    assert (state.epoch, state.batch) == (1, 5) and optimizer.state_dict()["state"]


def test_an_optimizer_state_that_does_not_fit_is_refused(tmp_path: Path, checkpoint_bytes) -> None:
    path = tmp_path / "odd.checkpoint.safetensors"
    path.write_bytes(checkpoint_bytes)
    model = CapsNet()
    optimizer = torch.optim.Adam([*model.parameters(), torch.nn.Parameter(torch.zeros(1))])
    untouched = model.W.clone()
    with pytest.raises(CheckpointError, match="optimizer state does not fit this model"):
        load_checkpoint(path, model, optimizer)
    assert torch.equal(model.W, untouched)


# --- through train_model.py -------------------------------------------------------------------


def train_args(tmp_path: Path, data_dir: str, *extra: str) -> list[str]:
    return [
        "--data-dir", data_dir, "--out", str(tmp_path / "w.safetensors"), "--limit-train", "64",
        "--limit-test", "32", "--batch-size", "32", "--device", "cpu", "--seed", "3", "--quiet", *extra,
    ]  # fmt: skip


def test_train_model_refuses_a_damaged_checkpoint_in_one_line(
    tmp_path: Path, tiny_mnist_dir, checkpoint_bytes
) -> None:
    path = tmp_path / "w.checkpoint.safetensors"
    path.write_bytes(_flip_tensor_byte(checkpoint_bytes))
    done = subprocess.run(
        [
            sys.executable,
            "train_model.py",
            *train_args(tmp_path, tiny_mnist_dir, "--resume", str(path)),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "error: w.checkpoint.safetensors is damaged (checksum mismatch); cannot resume from it"
    ]
    assert not (tmp_path / "w.safetensors").exists()


@pytest.mark.parametrize("case", ["truncated", "flipped metadata bit", "empty"])
def test_train_model_main_reports_damage_on_stderr(
    case: str, tmp_path: Path, tiny_mnist_dir, checkpoint_bytes, capsys
) -> None:
    damage, reason = DAMAGED[case]
    path = tmp_path / "w.checkpoint.safetensors"
    path.write_bytes(damage(checkpoint_bytes))
    assert train_main(train_args(tmp_path, tiny_mnist_dir, "--resume", str(path))) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: w.checkpoint.safetensors") and reason in err[0]


@pytest.mark.slow
def test_resume_from_a_plain_weights_file_continues_training(tmp_path: Path, tiny_mnist_dir) -> None:
    assert train_main(train_args(tmp_path, tiny_mnist_dir, "--epochs", "1")) == 0
    first, meta = read_weights(tmp_path / "w.safetensors")
    assert meta["epochs"] == "1"
    weights_only = tmp_path / "epoch1.safetensors"
    weights_only.write_bytes((tmp_path / "w.safetensors").read_bytes())
    (tmp_path / "w.checkpoint.safetensors").unlink()
    assert (
        train_main(train_args(tmp_path, tiny_mnist_dir, "--epochs", "2", "--resume", str(weights_only))) == 0
    )
    second, meta = read_weights(tmp_path / "w.safetensors")
    assert meta["epochs"] == "2" and [r["epoch"] for r in json.loads(meta["history"])] == [1, 2]
    assert not torch.equal(first["W"], second["W"])


def test_resume_from_weights_without_history_starts_at_epoch_one(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = CapsNet()
    save_weights(model, tmp_path / "bare.safetensors")
    target, optimizer = fresh()
    state = load_checkpoint(tmp_path / "bare.safetensors", target, optimizer)
    assert (state.epoch, state.batch, state.history) == (0, 0, [])
    assert torch.equal(target.W, model.W)


# --- NaN loss ---------------------------------------------------------------------------------


def nan_at(step: int, value: float, monkeypatch) -> None:
    real = loop.capsule_loss
    calls = {"n": 0}

    def loss(*args, **kwargs):
        calls["n"] += 1
        out = real(*args, **kwargs)
        return out * value if calls["n"] == step else out

    monkeypatch.setattr(loop, "capsule_loss", loss)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(
    value: float, tmp_path: Path, mnist_test, monkeypatch
) -> None:
    images, labels = mnist_test
    config = TrainConfig(
        epochs=1, batch_size=16, limit_train=64, limit_test=16, checkpoint_every=1, device="cpu",
        out=str(tmp_path / "w.safetensors"), quiet=True, precision="fp32", seed=1,
    )  # fmt: skip
    trainer = Trainer(config, (images[:64], labels[:64]), (images[64:80], labels[64:80]))
    nan_at(3, value, monkeypatch)
    with pytest.raises(TrainingStopped) as info:
        trainer.run()
    word = "nan" if value != value else "inf"
    assert info.value.exit_code != 0
    assert str(info.value).startswith(
        f"loss became {word} at epoch 1, batch 3; stopped, last good checkpoint kept"
    )
    assert "\n" not in str(info.value)
    model, optimizer = fresh()
    state = load_checkpoint(config.checkpoint_path, model, optimizer)
    assert (state.epoch, state.batch) == (0, 2)
    for key, value_ in trainer.model.state_dict().items():
        assert torch.isfinite(value_).all() and torch.equal(value_, model.state_dict()[key]), key
    assert not Path(config.out).exists()  # no epoch finished, so no weights were written


def test_train_model_exits_non_zero_on_a_nan_loss(
    tmp_path: Path, tiny_mnist_dir, monkeypatch, capsys
) -> None:
    nan_at(2, float("nan"), monkeypatch)
    code = train_main(train_args(tmp_path, tiny_mnist_dir, "--epochs", "1", "--checkpoint-every", "1"))
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert err[0].startswith("stopped: loss became nan at epoch 1, batch 2")
    assert load_checkpoint(tmp_path / "w.checkpoint.safetensors", *fresh()).batch == 1

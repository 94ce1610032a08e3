"""Atomic, pickle-free training checkpoints (model + Adam state + position).

A checkpoint is a safetensors file: tensors ``model.*`` and ``optim.<i>.*`` and
JSON metadata (epoch, next batch, optimizer settings, history) plus a SHA-256
of all tensor bytes, so a damaged file is refused instead of silently resumed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save as save_bytes

from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import (
    WeightsError,
    atomic_write_bytes,
    read_weights,
    validate_tensors,
)

KIND = "capsviz-checkpoint"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be resumed; the message is one line."""


@dataclass
class TrainingState:
    """Where a run stands: the next batch to train and what happened so far."""

    epoch: int = 0
    batch: int = 0
    history: list[dict] = field(default_factory=list)
    config: dict = field(default_factory=dict)


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        h.update(tensors[name].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_checkpoint(
    path: Path, model: CapsNet, optimizer: torch.optim.Optimizer, state: TrainingState
) -> None:
    """Write everything needed to continue the run exactly, atomically."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for key, value in slots.items():
            tensors[f"optim.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    meta = {
        "format": KIND,
        "epoch": str(state.epoch),
        "batch": str(state.batch),
        "history": json.dumps(state.history),
        "config": json.dumps(state.config),
        "param_groups": json.dumps(opt["param_groups"]),
        "sha256": _digest(tensors),
    }
    atomic_write_bytes(Path(path), save_bytes(tensors, metadata=meta))


def load_checkpoint(path: Path, model: CapsNet, optimizer: torch.optim.Optimizer | None) -> TrainingState:
    """Restore ``model`` (and ``optimizer``) from a checkpoint or a plain weights file.

    A plain weights file (from ``--out``) restarts the optimizer and continues at
    the epoch recorded in its metadata.
    """
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = dict(fh.metadata() or {})
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path.name} is damaged and cannot be resumed ({exc})") from None
    if meta.get("format") != KIND:
        return _resume_from_weights(path, model)
    if meta.get("sha256") != _digest(tensors):
        raise CheckpointError(f"{path.name} is damaged (checksum mismatch); cannot resume from it")
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        validate_tensors(weights, {}, path.name)
    except WeightsError as exc:
        raise CheckpointError(str(exc)) from None
    model.load_state_dict(weights)
    if optimizer is not None:
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, index, slot = key.split(".", 2)
                state.setdefault(int(index), {})[slot] = value
        optimizer.load_state_dict({"state": state, "param_groups": json.loads(meta["param_groups"])})
    return TrainingState(
        epoch=int(meta["epoch"]),
        batch=int(meta["batch"]),
        history=json.loads(meta["history"]),
        config=json.loads(meta["config"]),
    )


def _resume_from_weights(path: Path, model: CapsNet) -> TrainingState:
    try:
        weights, meta = read_weights(path)
    except WeightsError as exc:
        raise CheckpointError(str(exc)) from None
    model.load_state_dict(weights)
    history = json.loads(meta.get("history", "[]"))
    return TrainingState(epoch=int(meta.get("epochs", len(history))), batch=0, history=history)

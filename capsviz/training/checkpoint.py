"""Atomic, pickle-free training checkpoints (model + Adam state + position).

A checkpoint is a safetensors file: tensors ``model.*``, ``optim.<i>.*`` and, in a
run that averages its weights, ``average.*``, with JSON metadata (epoch, next
batch, optimizer settings, history) plus SHA-256 digests of all tensor bytes and
of the metadata, so a damaged file is refused instead of silently resumed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save as save_bytes

from capsviz.model.capsnet import IMAGE_SIZE, CapsNet
from capsviz.model.weights import (
    WeightsError,
    atomic_write_bytes,
    check_finite,
    check_format,
    check_layout,
    check_state_layout,
    input_size_of,
    read_safetensors,
)
from capsviz.training.averaging import PREFIX as AVERAGE

KIND = "capsviz-checkpoint"
DIGESTS = ("sha256", "metadata_sha256")


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be resumed; the message is one line."""


@dataclass
class TrainingState:
    """Where a run stands: the next batch to train and what happened so far."""

    epoch: int = 0
    batch: int = 0
    history: list[dict] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    fresh_optimizer: bool = False  # resumed from weights alone: Adam starts without its moments
    average: dict[str, torch.Tensor] = field(default_factory=dict)  # the weight average, if the run kept one
    # The epoch so far: images trained, their summed loss and hits, so a resumed epoch reports all of it.
    tally: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])


def _damaged(name: str, why: str) -> CheckpointError:
    return CheckpointError(f"{name} is damaged ({why}); cannot resume from it")


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        h.update(tensors[name].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _metadata_digest(meta: dict[str, str]) -> str:
    fields = {k: v for k, v in meta.items() if k not in DIGESTS}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def save_checkpoint(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: TrainingState,
    average: dict[str, torch.Tensor] | None = None,
) -> None:
    """Write everything needed to continue the run exactly, atomically.

    A model whose weights became NaN or infinite is not written: the previous
    checkpoint stays, and :class:`CheckpointError` says so.
    """
    path = Path(path)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    try:
        check_finite(tensors, path.name)
    except WeightsError as exc:
        raise CheckpointError(f"{exc}; the previous checkpoint was kept") from None
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for key, value in slots.items():
            tensors[f"optim.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    for name, value in (average or {}).items():
        tensors[AVERAGE + name] = value.detach().cpu().contiguous()
    meta = {
        "format": KIND,
        "input_size": str(getattr(model, "input_size", IMAGE_SIZE)),
        "epoch": str(state.epoch),
        "batch": str(state.batch),
        "history": json.dumps(state.history),
        "tally": json.dumps(state.tally),
        "config": json.dumps(state.config),
        "param_groups": json.dumps(opt["param_groups"]),
        "sha256": _digest(tensors),
    }
    meta["metadata_sha256"] = _metadata_digest(meta)
    atomic_write_bytes(path, save_bytes(tensors, metadata=meta))


def load_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None
) -> TrainingState:
    """Restore ``model`` (and ``optimizer``) from a checkpoint or a plain weights file.

    A plain weights file (from ``--out``) restarts the optimizer and continues at
    the epoch recorded in its metadata. Nothing is changed unless the whole file
    is valid; every refusal is a one-line :class:`CheckpointError`.
    """
    path = Path(path)
    name = path.name
    try:
        tensors, meta = read_safetensors(
            path, CheckpointError, lambda m, layout: _inspect(m, layout, name, model), "checkpoint"
        )
        if meta.get("format") != KIND:
            check_finite(tensors, name)
            return _resume_from_weights(tensors, meta, model, name)
        _verify(tensors, meta, name)
        weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
        check_finite(weights, name)
    except WeightsError as exc:
        raise CheckpointError(str(exc)) from None
    state = _state_from(meta, name)
    state.average = {k[len(AVERAGE) :]: v for k, v in tensors.items() if k.startswith(AVERAGE)}
    if optimizer is not None:  # first: it is the part that can still fail
        optim_state = _optimizer_state(tensors, meta, name)
        try:
            optimizer.load_state_dict(optim_state)
        except (ValueError, KeyError, RuntimeError, TypeError) as exc:
            raise CheckpointError(f"{name}: optimizer state does not fit this model ({exc})") from None
    model.load_state_dict(weights)
    return state


def _inspect(
    meta: dict[str, str], layout: dict[str, tuple[tuple[int, ...], str]], name: str, model: torch.nn.Module
) -> None:
    """Check names and shapes from the header, before any tensor is read."""
    if not isinstance(model, CapsNet):  # the CNN baseline: its own layout, nothing else
        if meta.get("format") == KIND:
            layout = {k[len("model.") :]: v for k, v in layout.items() if k.startswith("model.")}
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        check_state_layout(layout, expected, name, "CNN baseline")
        return
    size, wanted = input_size_of(meta, name), model.input_size
    if size != wanted:
        raise CheckpointError(
            f"{name} holds a CapsNet on {size}×{size} inputs, this run trains one on {wanted}×{wanted} "
            "(check --dataset)"
        )
    if meta.get("format") == KIND:
        model_layout = {k[len("model.") :]: v for k, v in layout.items() if k.startswith("model.")}
        check_layout(model_layout, name, size)
    else:
        check_format(meta, name)
        check_layout(layout, name, size)


def _verify(tensors: dict[str, torch.Tensor], meta: dict[str, str], name: str) -> None:
    if meta.get("sha256") != _digest(tensors):
        raise _damaged(name, "checksum mismatch")
    # Checkpoints written before the metadata digest existed carry only the tensor digest.
    if "metadata_sha256" in meta and meta["metadata_sha256"] != _metadata_digest(meta):
        raise _damaged(name, "metadata checksum mismatch")


def _state_from(meta: dict[str, str], name: str) -> TrainingState:
    try:
        state = TrainingState(
            epoch=int(meta["epoch"]),
            batch=int(meta["batch"]),
            history=json.loads(meta["history"]),
            config=json.loads(meta["config"]),
            tally=json.loads(meta.get("tally", "[0, 0, 0]")),  # older checkpoints: the epoch's tally restarts
        )
    except KeyError as exc:
        raise CheckpointError(
            f"{name} is damaged (no {exc} in its metadata); cannot resume from it"
        ) from None
    except ValueError as exc:
        raise CheckpointError(
            f"{name} is damaged (unreadable metadata: {exc}); cannot resume from it"
        ) from None
    tally_ok = isinstance(state.tally, list) and len(state.tally) == 3
    if state.epoch < 0 or state.batch < 0 or not isinstance(state.history, list) or not tally_ok:
        raise CheckpointError(
            f"{name} is damaged (impossible position in its metadata); cannot resume from it"
        )
    return state


def _optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, str], name: str) -> dict:
    state: dict[int, dict[str, torch.Tensor]] = {}
    try:
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, index, slot = key.split(".", 2)
                state.setdefault(int(index), {})[slot] = value
        return {"state": state, "param_groups": json.loads(meta["param_groups"])}
    except (KeyError, ValueError) as exc:
        raise _damaged(name, f"optimizer state: {exc}") from None


def _resume_from_weights(
    tensors: dict[str, torch.Tensor], meta: dict[str, str], model: torch.nn.Module, name: str
) -> TrainingState:
    try:
        history = json.loads(meta.get("history", "[]"))
        epoch = int(meta.get("epochs", len(history)))
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{name}: unreadable training history in its metadata ({exc})") from None
    if not isinstance(history, list) or epoch < 0:
        raise CheckpointError(f"{name}: impossible training history in its metadata")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return TrainingState(epoch=epoch, batch=0, history=history, fresh_optimizer=True)

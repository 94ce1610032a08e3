"""What defines a training run (the options ``train_model.py`` parses) and how a run ends early."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from capsviz.model.losses import RECONSTRUCTION_WEIGHT

ARCHS = ("capsnet", "cnn")


class TrainingStopped(RuntimeError):
    """The run ended early (interrupted, diverged, out of memory); the message says why."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TrainConfig:
    """Everything that defines a run (what ``train_model.py`` parses)."""

    arch: str = "capsnet"
    dataset: str = "mnist"
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    lr_decay: float = 0.95
    routing_iterations: int = 3
    device: str = "auto"
    data_dir: str = "data"
    out: str = "capsnet.safetensors"
    resume: str | None = None
    warm_start: str | None = None
    freeze_conv1: bool = False
    route_gradients: bool = False
    ema: float = 0.0
    reconstruction_weight: float = RECONSTRUCTION_WEIGHT
    seed: int = 0
    limit_train: int | None = None
    limit_test: int | None = None
    checkpoint_every: int = 100
    precision: str = "auto"
    compile: bool = False
    quiet: bool = False

    @property
    def checkpoint_path(self) -> Path:
        out = Path(self.out)
        return out.with_name(out.stem + ".checkpoint.safetensors")

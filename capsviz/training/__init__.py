"""Training the CapsNet (Qt-free): loop, checkpoints, augmentation, distributed setup."""

from __future__ import annotations

from capsviz.training.cli import main
from capsviz.training.loop import TrainConfig, Trainer, TrainingStopped

__all__ = ["TrainConfig", "Trainer", "TrainingStopped", "main"]

"""Training the CapsNet (Qt-free): loop, checkpoints, augmentation, distributed setup."""

from __future__ import annotations

from capsviz.training.cli import main
from capsviz.training.config import TrainConfig, TrainingStopped
from capsviz.training.loop import Trainer

__all__ = ["TrainConfig", "Trainer", "TrainingStopped", "main"]

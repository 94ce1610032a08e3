"""Test-set accuracy, shared by training, the benchmark and the tests."""

from __future__ import annotations

import numpy as np
import torch

from capsviz.model.capsnet import CapsNet
from capsviz.training.augment import to_float


@torch.no_grad()
def predict_all(model: CapsNet, images: np.ndarray | torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Predicted digit for every uint8 image ``[N, 28, 28]``, batched; returns ``[N]`` on the CPU."""
    data = torch.as_tensor(images)
    was_training = model.training
    model.eval()
    preds = []
    for start in range(0, len(data), batch_size):
        batch = to_float(data[start : start + batch_size]).to(model.device)
        preds.append(model(batch).lengths.argmax(dim=1).cpu())
    model.train(was_training)
    return torch.cat(preds)


def accuracy(model: CapsNet, images: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor) -> float:
    """Fraction of ``images`` classified as ``labels``."""
    preds = predict_all(model, images)
    return float((preds == torch.as_tensor(labels).long()).float().mean())

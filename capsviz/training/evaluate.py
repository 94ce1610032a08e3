"""Test-set accuracy, shared by training, the weights merge, the benchmark and the tests."""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from capsviz.model.baseline import BaselineCNN
from capsviz.model.capsnet import CapsNet
from capsviz.training.augment import to_float
from capsviz.training.datasets import MnistTask
from capsviz.training.kernels import autocast_for

# Held-out items per evaluation step: small enough for a bar that moves every few seconds.
HELD_OUT_BATCH = 250


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


@torch.no_grad()
def held_out_hits(
    model: CapsNet | BaselineCNN,
    task: MnistTask,
    share: torch.Tensor,
    device: torch.device,
    bar: tqdm,
    precision: str = "fp32",
) -> int:
    """How many of the held-out items ``share`` the model reads right, by the task's own measure.

    The one scoring loop behind a training run's evaluation (each process
    passes its share) and the weights merge (all items); ``bar`` advances by
    the items scored.
    """
    hits = 0
    for start in range(0, len(share), HELD_OUT_BATCH):
        index = share[start : start + HELD_OUT_BATCH]
        with autocast_for(device, precision):
            out = model(task.test_images(index).to(device))
        scores = out if isinstance(out, torch.Tensor) else out.lengths
        hits += int(task.hits(scores.float().cpu(), task.test_y[index]).sum())
        bar.update(len(index))
    return hits

"""Test-set accuracy, shared by training, the weights merge, the benchmark and the tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
) -> torch.Tensor:
    """Which of the held-out items ``share`` the model reads right, by the task's own measure: ``[N]`` bool.

    The one scoring loop behind a training run's evaluation (each process
    passes its share) and the weights merge (all items, item by item so that
    two files can be compared on the same items); ``bar`` advances by the
    items scored.
    """
    hits = []
    for start in range(0, len(share), HELD_OUT_BATCH):
        index = share[start : start + HELD_OUT_BATCH]
        with autocast_for(device, precision):
            out = model(task.test_images(index).to(device))
        scores = out if isinstance(out, torch.Tensor) else out.lengths
        hits.append(task.hits(scores.float().cpu(), task.test_y[index]))
        bar.update(len(index))
    return torch.cat(hits) if hits else torch.zeros(0, dtype=torch.bool)


@dataclass(frozen=True)
class PairedDifference:
    """Two models on the same held-out items: only the items one reads and the other misses tell them apart.

    On one shared test set the two accuracies are not independent samples;
    McNemar's test weighs the items on which the models disagree, so the
    difference comes with how far it lies from what chance alone gives.
    """

    only_first: int
    only_second: int

    @property
    def z(self) -> float:
        """The difference in standard deviations of a fair coin over the disagreements (0 without any)."""
        disagreements = self.only_first + self.only_second
        return (self.only_first - self.only_second) / math.sqrt(disagreements) if disagreements else 0.0


def paired_difference(first: torch.Tensor, second: torch.Tensor) -> PairedDifference:
    """Compare two ``[N]`` bool hit vectors of the same items."""
    if first.shape != second.shape:
        raise ValueError(f"hits of {len(first)} and {len(second)} items cannot be paired")
    return PairedDifference(int((first & ~second).sum()), int((second & ~first).sum()))

"""What a run trains on: MNIST digits, translated MNIST or MultiMNIST pairs, behind one small interface.

The loop asks a task for a batch (images, labels, what each reconstruction is
compared with), for the held-out images and for how many of a batch it got
right; everything dataset-specific lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from capsviz.data.multimnist import PAIR_SIZE, both_found, make_pairs, test_pairs
from capsviz.data.translated import CANVAS_SIZE, place_at_random, translated_test_set
from capsviz.model.capsnet import IMAGE_SIZE
from capsviz.training.augment import random_shift, to_float

DATASETS = ("mnist", "translated", "multimnist")


@dataclass
class Batch:
    """One training batch: network input, labels ``[B]`` or ``[B, 2]``, reconstruction targets."""

    images: torch.Tensor
    labels: torch.Tensor
    targets: torch.Tensor

    def to(self, device: torch.device) -> Batch:
        return Batch(self.images.to(device), self.labels.to(device), self.targets.to(device))


class MnistTask:
    """One digit per 28×28 image, shifted by up to ±2 px (the paper's only augmentation)."""

    name = "mnist"
    input_size = IMAGE_SIZE
    unit = "images"

    def __init__(
        self,
        train: tuple[np.ndarray, np.ndarray],
        test: tuple[np.ndarray, np.ndarray],
        limit_train: int | None = None,
        limit_test: int | None = None,
    ) -> None:
        self.train_x = torch.from_numpy(np.array(train[0][:limit_train]))
        self.train_y = torch.as_tensor(np.array(train[1][:limit_train])).long()
        self.test_x, self.test_y = self._held_out(test)
        self.test_x, self.test_y = self.test_x[:limit_test], self.test_y[:limit_test]

    def _held_out(self, test: tuple[np.ndarray, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(np.array(test[0])), torch.as_tensor(np.array(test[1])).long()

    def batch(self, chosen: torch.Tensor, seed: int, rank: int, world_size: int) -> Batch:
        images = random_shift(to_float(self.train_x[chosen]), seed, rank=rank, world_size=world_size)
        return Batch(images, self.train_y[chosen], images)

    def test_images(self, index: torch.Tensor) -> torch.Tensor:
        return to_float(self.test_x[index])

    def hits(self, lengths: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``[B]`` bool: the longest capsule is the digit."""
        return lengths.argmax(dim=1) == labels


class TranslatedMnistTask(MnistTask):
    """One digit placed at random on a 40×40 canvas (the paper's training set for its affNIST test).

    The place is drawn afresh for every batch; the held-out digits keep one
    fixed place each (the "expanded MNIST test set").
    """

    name = "translated"
    input_size = CANVAS_SIZE

    def _held_out(self, test: tuple[np.ndarray, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        digits, labels = super()._held_out(test)
        return translated_test_set(digits), labels

    def batch(self, chosen: torch.Tensor, seed: int, rank: int, world_size: int) -> Batch:
        images = place_at_random(self.train_x[chosen], seed, rank=rank, world_size=world_size)
        return Batch(images, self.train_y[chosen], images)

    def test_images(self, index: torch.Tensor) -> torch.Tensor:
        return self.test_x[index]


class MultiMnistTask(MnistTask):
    """Two overlapping digits of different classes on 36×36, drawn afresh for every batch.

    An epoch pairs each training digit once with a random partner; the
    held-out pairs are fixed (built once from the test split with a set seed).
    """

    name = "multimnist"
    input_size = PAIR_SIZE
    unit = "pairs"

    def _held_out(self, test: tuple[np.ndarray, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """All 10,000 held-out pairs (a ``--limit-test`` keeps the first N of them, not other pairs)."""
        digits, labels = super()._held_out(test)
        pairs = test_pairs(digits, labels, count=len(labels))
        return pairs.images, pairs.labels

    def batch(self, chosen: torch.Tensor, seed: int, rank: int, world_size: int) -> Batch:
        pairs = make_pairs(self.train_x, self.train_y, chosen, seed)
        return Batch(pairs.images, pairs.labels, pairs.digits)

    def test_images(self, index: torch.Tensor) -> torch.Tensor:
        return self.test_x[index]

    def hits(self, lengths: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``[B]`` bool: the two longest capsules are the two digits present."""
        return both_found(lengths, labels)


def make_task(
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    limit_train: int | None = None,
    limit_test: int | None = None,
) -> MnistTask:
    """The task called ``name`` (one of :data:`DATASETS`)."""
    tasks = {task.name: task for task in (MnistTask, TranslatedMnistTask, MultiMnistTask)}
    if name not in tasks:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return tasks[name](train, test, limit_train, limit_test)

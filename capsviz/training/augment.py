"""Batching and the paper's only augmentation: random shifts of up to ±2 pixels.

Randomness comes from generators seeded by (seed, epoch, batch), so any batch
of any epoch can be regenerated exactly: that is what makes ``--resume``
continue a run bit for bit, even from the middle of an epoch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MAX_SHIFT = 2


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffled sample order of one epoch, the same on every process."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=gen)


def random_shift(
    images: torch.Tensor, seed: int, max_shift: int = MAX_SHIFT, rank: int = 0, world_size: int = 1
) -> torch.Tensor:
    """Shift each image ``[B, 1, H, W]`` by an independent integer offset in ±max_shift (zero fill).

    Under data parallelism each process holds every ``world_size``-th image of
    the global batch, starting at ``rank`` (what DistributedSampler deals out);
    drawing the offsets for the whole global batch and keeping the same rows
    gives every image the shift it gets in a one-process run.
    """
    batch, _, height, width = images.shape
    gen = torch.Generator().manual_seed(seed)
    offsets = torch.randint(0, 2 * max_shift + 1, (batch * world_size, 2), generator=gen)
    offsets = offsets[rank::world_size].to(images.device)
    padded = F.pad(images, (max_shift, max_shift, max_shift, max_shift))
    rows = (offsets[:, 0, None] + torch.arange(height, device=images.device))[:, :, None]
    cols = (offsets[:, 1, None] + torch.arange(width, device=images.device))[:, None, :]
    index = torch.arange(batch, device=images.device)[:, None, None]
    return padded[index, 0, rows, cols].unsqueeze(1)


def batch_seed(seed: int, epoch: int, batch: int) -> int:
    """A distinct, reproducible seed for the augmentation of one batch."""
    return (seed * 7919 + epoch) * 1_000_033 + batch


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``[B, 28, 28]`` → float ``[B, 1, 28, 28]`` in [0, 1]."""
    return images.unsqueeze(1).float().div_(255.0)

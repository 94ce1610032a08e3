"""Where the two-digit model fails: how often both digits are read, by how much the two overlap.

One figure (both digits of 88.6 % of the pairs) hides whether the misses come
from digits stacked on each other, which the paper's routing is meant to pull
apart, or from pairs that barely touch; this splits it by overlap and says
which of the two digits is the one missed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from capsviz.data.multimnist import INK, MAX_SHIFT, Pairs, both_found, pair_overlaps, place
from capsviz.model.capsnet import CapsNet

# Bins of "ink_of_smaller": the share of the smaller digit's ink box inside the other's box.
OVERLAP_EDGES = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)


@dataclass(frozen=True)
class OverlapBin:
    """Pairs whose overlap lies in ``[low, high)`` (the last bin includes 1.0)."""

    low: float
    high: float
    pairs: int
    both_read: float


@dataclass(frozen=True)
class PairAccuracy:
    """Both digits read overall, by overlap, and the share of misses that lose the digit with less ink."""

    both_read: float
    by_overlap: list[OverlapBin]
    less_ink_missed: float


@dataclass(frozen=True)
class LoneReading:
    """How a two-digit model reads one digit alone: among its two longest capsules, and the longest."""

    among_two: float
    longest: float


@torch.no_grad()
def read_lengths(model: CapsNet, images: torch.Tensor, batch: int = 250) -> torch.Tensor:
    """Capsule lengths ``[N, 10]`` for ``images`` ``[N, 1, 36, 36]``, a batch at a time."""
    return torch.cat([model(images[k : k + batch]).lengths for k in range(0, len(images), batch)])


def accuracy_by_overlap(
    lengths: torch.Tensor, pairs: Pairs, edges: tuple[float, ...] = OVERLAP_EDGES
) -> PairAccuracy:
    """Split "both digits read" (the paper's measure) by each pair's overlap."""
    read = both_found(lengths, pairs.labels)
    overlap = pair_overlaps(pairs)["ink_of_smaller"]
    bins = []
    for index, (low, high) in enumerate(itertools.pairwise(edges)):
        last = index == len(edges) - 2
        inside = (overlap >= low) & ((overlap <= high) if last else (overlap < high))
        count = int(inside.sum())
        share = float(read[inside].float().mean()) if count else float("nan")
        bins.append(OverlapBin(low, high, count, share))
    top = lengths.topk(2, dim=1).indices
    found = (top[:, None, :] == pairs.labels[:, :, None]).any(dim=2)  # [N, 2]: each digit among the two
    ink = (pairs.digits[:, :, 0] >= INK).flatten(2).sum(dim=2)  # [N, 2]
    lesser = ink.argmin(dim=1)
    lesser_lost = ~found[torch.arange(len(lesser)), lesser]
    missed = ~read
    less_ink_missed = float(lesser_lost[missed].float().mean()) if missed.any() else float("nan")
    return PairAccuracy(float(read.float().mean()), bins, less_ink_missed)


def lone_digits(model: CapsNet, digits: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> LoneReading:
    """Each digit ``[N, 28, 28]`` alone in the 36×36 frame, shifted by up to ±4 px as in the pairs.

    A model trained on pairs only has never seen one digit alone; this says
    whether it still finds it (among the two longest capsules) and whether it
    puts it first, or expects a second digit that outshines it.
    """
    generator = torch.Generator().manual_seed(seed)
    shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (len(digits), 2), generator=generator)
    lengths = read_lengths(model, place(digits, shifts).unsqueeze(1))
    labels = torch.as_tensor(labels).long()
    among_two = (lengths.topk(2, dim=1).indices == labels[:, None]).any(dim=1)
    first = lengths.argmax(dim=1) == labels
    return LoneReading(float(among_two.float().mean()), float(first.float().mean()))

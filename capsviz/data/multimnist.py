"""MultiMNIST as the paper made it: two digits of different classes, overlaid on a 36×36 canvas.

Each MNIST digit is padded by 4 px to 36×36 and shifted by an integer offset of
up to ±4 px in each direction; a partner of a different class gets its own
shift, and the two are added with the sum clipped to 1 — the authors'
generator (``mnist_shift.py`` in Sarasra/models, research/capsules) aggregates
the pair "with a maximum pixel value of 255" the same way. Pairs are drawn on
the fly from seeded generators, so any batch of any epoch can be regenerated
exactly (what ``--resume`` relies on), and the held-out pairs built from the
MNIST test split are the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

PAIR_SIZE = 36
PAD = (PAIR_SIZE - 28) // 2  # 4
MAX_SHIFT = 4
TEST_SEED = 2017  # the held-out pairs: fixed, so every evaluation scores the same 10,000 pairs
INK = 0.2  # a pixel at or above this counts for the bounding boxes (the preprocessing's ink threshold)


@dataclass
class Pairs:
    """A batch of overlaid pairs.

    Attributes
    ----------
    images : torch.Tensor
        ``[B, 1, 36, 36]`` float in [0, 1]: the two digits, summed and clipped to 1.
    digits : torch.Tensor
        ``[B, 2, 1, 36, 36]`` float: each digit alone, shifted as in ``images``
        (the target of its own reconstruction).
    labels : torch.Tensor
        ``[B, 2]`` long: the classes of the two digits, always different.
    shifts : torch.Tensor
        ``[B, 2, 2]`` long: each digit's (dy, dx) from the centre, in ±4.
    """

    images: torch.Tensor
    digits: torch.Tensor
    labels: torch.Tensor
    shifts: torch.Tensor


def place(images: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """``[N, 28, 28]`` (uint8 or float) → float ``[N, 36, 36]`` in [0, 1], moved by ``shifts[n] = (dy, dx)``.

    A shift of (0, 0) centres the digit (4 px of padding on every side); ±4
    moves it to the canvas edge, so no ink is ever cut off.
    """
    data = images.float()
    if images.dtype == torch.uint8:
        data = data / 255.0
    count = data.shape[0]
    canvas = data.new_zeros(count, PAIR_SIZE + 2 * MAX_SHIFT, PAIR_SIZE + 2 * MAX_SHIFT)
    start = PAD + MAX_SHIFT
    canvas[:, start : start + 28, start : start + 28] = data
    rows = (MAX_SHIFT - shifts[:, 0, None] + torch.arange(PAIR_SIZE))[:, :, None]
    cols = (MAX_SHIFT - shifts[:, 1, None] + torch.arange(PAIR_SIZE))[:, None, :]
    return canvas[torch.arange(count)[:, None, None], rows, cols]


def overlay(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """The pair as one picture: the sum of the two, clipped to 1."""
    return (first + second).clamp_(max=1.0)


def partners(labels: torch.Tensor, base: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """For each index in ``base`` a random index of ``labels`` whose class differs."""
    chosen = torch.randint(len(labels), (len(base),), generator=generator)
    clash = labels[chosen] == labels[base]
    while clash.any():  # a tenth clash each round: a few rounds settle all
        chosen[clash] = torch.randint(len(labels), (int(clash.sum()),), generator=generator)
        clash = labels[chosen] == labels[base]
    return chosen


def make_pairs(images: torch.Tensor, labels: torch.Tensor, base: torch.Tensor, seed: int) -> Pairs:
    """Pairs for the digits ``base`` of ``images`` ``[N, 28, 28]``, each with a random partner.

    Partners and both digits' shifts come from ``seed`` alone, so the same
    (base, seed) always gives the same batch.
    """
    generator = torch.Generator().manual_seed(seed)
    other = partners(labels, base, generator)
    shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (2, len(base), 2), generator=generator)
    first = place(images[base], shifts[0])
    second = place(images[other], shifts[1])
    return Pairs(
        images=overlay(first, second).unsqueeze(1),
        digits=torch.stack([first, second], dim=1).unsqueeze(2),
        labels=torch.stack([labels[base], labels[other]], dim=1).long(),
        shifts=shifts.transpose(0, 1),
    )


def test_pairs(images: torch.Tensor, labels: torch.Tensor, count: int = 10_000) -> Pairs:
    """The fixed held-out pairs: the first ``count`` test digits (cycling) with seeded partners.

    The draws depend on ``count``: "held-out pair N" always means pair N of the full 10,000.
    """
    base = torch.arange(count) % len(labels)
    return make_pairs(images, labels, base, TEST_SEED)


def ink_boxes(digits: torch.Tensor) -> torch.Tensor:
    """``[..., H, W]`` → ``[..., 4]`` (top, left, bottom, right; inclusive) of the pixels ≥ INK."""
    ink = digits >= INK
    rows, cols = ink.any(dim=-1), ink.any(dim=-2)
    size = digits.shape[-1]
    index = torch.arange(size)
    top = torch.where(rows, index, size).amin(dim=-1)
    bottom = torch.where(rows, index, -1).amax(dim=-1)
    left = torch.where(cols, index, size).amin(dim=-1)
    right = torch.where(cols, index, -1).amax(dim=-1)
    return torch.stack([top, left, bottom, right], dim=-1)


def pair_overlaps(pairs: Pairs) -> dict[str, torch.Tensor]:
    """How much the two digits of each pair overlap, three ways, each ``[B]`` float64 in [0, 1].

    The paper reports "80 % overlap on average" without saying of what.
    ``"frames"``: the shared area of the two shifted 28×28 MNIST frames over
    one frame's area (what the shifts alone decide); ``"ink_of_smaller"``: the
    shared area of the two ink bounding boxes over the smaller box's area (how
    much of one digit lies inside the other's box); ``"ink_iou"``: the ink
    boxes' shared area over their union.
    """
    offset = (pairs.shifts[:, 0] - pairs.shifts[:, 1]).abs().double()  # [B, 2]
    frames = ((28 - offset) / 28).prod(dim=1)
    boxes = ink_boxes(pairs.digits[:, :, 0]).double()  # [B, 2, 4]
    a, b = boxes[:, 0], boxes[:, 1]
    height = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0]) + 1).clamp(min=0)
    width = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1]) + 1).clamp(min=0)
    shared = height * width
    areas = (boxes[..., 2] - boxes[..., 0] + 1) * (boxes[..., 3] - boxes[..., 1] + 1)
    union = areas.sum(dim=1) - shared
    return {"frames": frames, "ink_of_smaller": shared / areas.amin(dim=1), "ink_iou": shared / union}


def box_overlap(pairs: Pairs) -> dict[str, float]:
    """:func:`pair_overlaps` averaged over the pairs (the figure to set beside the paper's 80 %)."""
    return {name: float(values.mean()) for name, values in pair_overlaps(pairs).items()}


def both_found(lengths: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``[B]`` bool: the two longest capsules are exactly the two digits present (the paper's measure)."""
    top = lengths.topk(2, dim=1).indices.sort(dim=1).values
    return (top == labels.sort(dim=1).values).all(dim=1)

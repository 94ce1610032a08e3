"""Translated MNIST as the paper trained for its affNIST test: each digit placed at random on 40×40.

Sabour et al. (section 5.2) train on "a padded and translated MNIST training
set, in which each example is an MNIST digit placed randomly on a black
background of 40 × 40 pixels", and report accuracy on "the expanded MNIST test
set" built the same way. Here the 28×28 MNIST frame goes to an integer
position drawn uniformly over every place it fits (0–12 px from the top and
from the left), afresh for every training batch from seeded generators (any
batch can be regenerated, which ``--resume`` relies on); the held-out set puts
each test digit at a position fixed by one seed.
"""

from __future__ import annotations

import torch

CANVAS_SIZE = 40
DIGIT_SIZE = 28
MAX_OFFSET = CANVAS_SIZE - DIGIT_SIZE  # 12: the frame's top-left corner lies in 0..12 on each axis
TEST_SEED = 2017  # the held-out placements: the same on every machine and every evaluation


def paste(digits: torch.Tensor, size: int, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """``[N, h, w]`` (uint8 or float) → float ``[N, size, size]`` in [0, 1], each with its top-left at
    ``(rows[n], cols[n])``; the frame must fit inside the canvas."""
    data = digits.float()
    if digits.dtype == torch.uint8:
        data = data / 255.0
    count, height, width = data.shape
    canvas = data.new_zeros(count, size, size)
    index = torch.arange(count)[:, None, None]
    r = (rows[:, None] + torch.arange(height))[:, :, None]
    c = (cols[:, None] + torch.arange(width))[:, None, :]
    canvas[index, r, c] = data
    return canvas


def random_offsets(count: int, seed: int) -> torch.Tensor:
    """``[count, 2]`` top-left corners (row, col) of the 28×28 frame, uniform over 0..12."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, MAX_OFFSET + 1, (count, 2), generator=generator)


def place_at_random(digits: torch.Tensor, seed: int, rank: int = 0, world_size: int = 1) -> torch.Tensor:
    """``[N, 28, 28]`` → ``[N, 1, 40, 40]``: each digit somewhere on the black canvas, from ``seed`` alone.

    Under data parallelism each process holds every ``world_size``-th digit of
    the global batch from ``rank`` on; drawing the places for the whole global
    batch and keeping the same rows puts each digit where a one-process run does.
    """
    offsets = random_offsets(len(digits) * world_size, seed)[rank::world_size]
    return paste(digits, CANVAS_SIZE, offsets[:, 0], offsets[:, 1]).unsqueeze(1)


def translated_test_set(digits: torch.Tensor) -> torch.Tensor:
    """The expanded test set: every test digit at its fixed random place, ``[N, 1, 40, 40]``."""
    return place_at_random(digits, TEST_SEED)

"""Synthetic photos of a digit written on paper, for testing how pictures are read.

Each photo puts an MNIST digit, written in dark pen, on generated paper: plain,
ruled or squared, lit unevenly with a soft shadow, a little rotated, with
specks, camera noise and JPEG compression, the way a phone photo of a note is.
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SIDE = 240
PAPERS = ("plain", "ruled", "squared")


def _paper(rng: np.random.Generator, kind: str) -> np.ndarray:
    ys, xs = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    light = 0.82 + rng.uniform(-0.12, 0.12) * (xs - 0.5) + rng.uniform(-0.12, 0.12) * (ys - 0.5)
    cy, cx, reach = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.2, 0.5)
    light -= rng.uniform(0.05, 0.2) * np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / reach**2)
    paper = np.repeat(light[..., None], 3, axis=2) * np.array([1.0, 0.99, 0.96])
    spacing, offset = int(rng.integers(18, 30)), int(rng.integers(0, 18))
    line = np.array([0.75, 0.8, 0.95])  # pale blue
    if kind in ("ruled", "squared"):
        paper[offset::spacing] *= line
    if kind == "squared":
        paper[:, offset::spacing] *= line
    return paper


def photo_of(digit: np.ndarray, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """An RGB uint8 ``[240, 240, 3]`` photo of MNIST digit ``digit`` (uint8 ``[28, 28]``) on paper."""
    kind = kind or PAPERS[int(rng.integers(len(PAPERS)))]
    paper = _paper(rng, kind)
    size = int(rng.integers(110, 170))
    ink = torch.from_numpy(digit.astype(np.float32) / 255)[None, None]
    angle = np.radians(rng.uniform(-6, 6))
    theta = torch.tensor([[[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0]]])
    ink = F.grid_sample(
        ink, F.affine_grid(theta.float(), [1, 1, 28, 28], align_corners=False), align_corners=False
    )
    ink = F.interpolate(ink, size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy()
    top, left = rng.integers(10, SIDE - size - 10, size=2)
    layer = np.zeros((SIDE, SIDE), np.float32)
    layer[top : top + size, left : left + size] = ink
    for _ in range(int(rng.integers(0, 4))):  # specks of dust and pencil
        y, x = rng.integers(0, SIDE, size=2)
        layer[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2] = np.maximum(
            layer[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2], rng.uniform(0.3, 0.8)
        )
    pen = np.array([0.15, 0.15, 0.3]) * rng.uniform(0.6, 1.2)
    photo = paper * (1 - layer[..., None]) + pen * paper * layer[..., None]
    photo += rng.normal(0.0, 0.025, photo.shape)
    picture = Image.fromarray((np.clip(photo, 0, 1) * 255).astype(np.uint8))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=int(rng.integers(50, 80)))
    return np.asarray(Image.open(buffer).convert("RGB"))

"""Is the input like the digits the network learned from? Where it is not, say so.

Preprocessing makes every input MNIST-like in size, position and stroke width,
so what still differs is the shape itself. A digit that leans or lies further
than nearly any MNIST training digit is outside what the network has seen —
the paper's CapsNet was trained on upright digits shifted by at most 2 px, and
is not rotation-invariant — so a doubtful or wrong answer there is the model's
limit, not a fault of the drawing. The app says that instead of presenting the
answer as if it were as good as any other.
"""

from __future__ import annotations

import math

import numpy as np

from capsviz.analysis.properties import image_properties
from capsviz.data.stroke_width import BOX_THRESHOLD

# 0.1st and 99.9th percentiles over the 60,000 MNIST training digits (image_properties, stored pictures):
# narrower bounds would flag a few percent of MNIST's own test digits.
MNIST_SLANT = (-0.809, 1.037)  # x per pixel of y: -39° … +46°
MNIST_FLATTEST = 0.6  # height over width of the ink's bounding box (the slant-corrected moments
# call a straight line of any angle thin, so lying on its side is judged by the box)
PERCENT_INSIDE = 99.9


def _box_height_over_width(image: np.ndarray) -> float:
    ink = image >= BOX_THRESHOLD
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return math.nan
    return (rows[-1] - rows[0] + 1) / (cols[-1] - cols[0] + 1)


def unfamiliar(image: np.ndarray) -> list[str]:
    """Short notes on how a ``[28, 28]`` network input lies outside MNIST's range; empty when it does not."""
    picture = np.asarray(image, np.float32)
    slant = float(image_properties(picture[None])["slant"][0])
    flatness = _box_height_over_width(picture)
    if not (math.isfinite(slant) and math.isfinite(flatness)):
        return []  # blank
    if flatness < MNIST_FLATTEST:
        return ["is wider than it is tall"]  # on its side: the slant of a flat shape means little
    if not MNIST_SLANT[0] <= slant <= MNIST_SLANT[1]:
        side = "right" if slant > 0 else "left"
        return [f"leans {math.degrees(math.atan(abs(slant))):.0f}° {side}"]
    return []


def explain(notes: list[str]) -> str:
    """The tooltip sentence behind :func:`unfamiliar`'s notes."""
    what = " and ".join(notes)
    return (
        f"This input {what}: more than {PERCENT_INSIDE:g} % of MNIST's training digits do not. "
        "Size, position and stroke width have already been made MNIST-like, so what remains is the "
        "network's own limit: it learned from upright digits and is not rotation-invariant. Treat "
        "this answer with care; the Invariance tab shows how rotating or shearing a digit changes it."
    )

"""A drawing as the strokes it was made of, re-rendered with MNIST's stroke width.

The canvas records every stroke (its points, brush width, and whether it
erased). Re-rendering them with a pen chosen for the drawing's own size gives
the network strokes as thick, relative to the digit, as MNIST's, whatever brush
was used and however small or large the digit was drawn. Loops that a wide
brush filled in open again, which no thinning of the picture could do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from capsviz.data.stroke_width import MNIST_BOX, MNIST_WIDTH

SUPERSAMPLE = 4  # the strokes are laid out 4× finer than MNIST's 20 px box, then scaled down anti-aliased
ANTIALIAS = 4  # and drawn 4× finer again, then averaged, for smooth edges
MARGIN = 2  # px of empty border around the rendered ink


@dataclass(frozen=True)
class Stroke:
    """One press-move-release of the pen: ``points [N, 2]`` as (x, y) canvas pixels."""

    points: np.ndarray
    width: float
    erase: bool = False


def pen_width(extent: float, target: float = MNIST_WIDTH) -> float:
    """The pen (canvas px) that makes strokes ``target`` px wide once the ink's longest side is 20 px.

    The ink's box is the strokes' centre lines (``extent`` long) plus one pen width,
    so ``pen / (extent + pen) = target / 20``.
    """
    return target * extent / (MNIST_BOX - target)


def _draw(canvas: ImageDraw.ImageDraw, points: np.ndarray, width: float, fill: int) -> None:
    """A polyline with round joints and round caps, as a pen leaves it.

    A disc at every point joins the segments (Pillow's own round joints are
    computed in Python, point by point, and cost ten times as much).
    """
    radius = width / 2
    flat = [(float(x), float(y)) for x, y in points]
    if len(flat) > 1:
        canvas.line(flat, fill=fill, width=max(1, round(width)))
    for x, y in flat:
        canvas.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


@dataclass(frozen=True)
class RenderedStrokes:
    """Re-drawn ink and where it lies: pixel (row, col) of ``ink`` is at ``origin + (col, row) / scale``."""

    ink: np.ndarray
    origin: np.ndarray  # (x, y) in the strokes' coordinates
    scale: float  # ink pixels per stroke-coordinate unit


def render_strokes(strokes: Sequence[Stroke], target: float = MNIST_WIDTH) -> RenderedStrokes | None:
    """The drawing's ink (white on black, float32), re-drawn with a pen of MNIST's relative width.

    The picture is laid out so that its longest side is about 80 px (four times
    MNIST's box), drawn four times finer still and averaged down, so edges are
    anti-aliased; the usual crop, scale and centring then make the network's
    input. Eraser strokes keep their width relative to the drawing. None when
    nothing was drawn.
    """
    drawn = [s for s in strokes if not s.erase and len(s.points)]
    if not drawn:
        return None
    ends = np.concatenate([s.points for s in drawn]).astype(np.float64)
    low, high = ends.min(axis=0), ends.max(axis=0)
    extent = float((high - low).max())
    pen = pen_width(extent, target) if extent > 0 else float(np.mean([s.width for s in drawn]))
    scale = SUPERSAMPLE * MNIST_BOX / (extent + pen)  # output px per canvas px
    fine = scale * ANTIALIAS
    origin = low - pen / 2 - MARGIN / scale
    size = (np.ceil((high - low + pen) * scale).astype(int) + 2 * MARGIN) * ANTIALIAS
    picture = Image.new("L", (int(size[0]), int(size[1])), 0)
    canvas = ImageDraw.Draw(picture)
    for stroke in strokes:
        if len(stroke.points):
            points = (np.asarray(stroke.points, np.float64) - origin) * fine
            width = stroke.width * fine if stroke.erase else pen * fine
            _draw(canvas, points, width, 0 if stroke.erase else 255)
    ink = np.asarray(picture.reduce(ANTIALIAS), np.float32) / np.float32(255)
    return RenderedStrokes(ink, origin, scale)

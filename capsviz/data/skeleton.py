"""A digit picture turned back into pen strokes: its one-pixel skeleton, traced into polylines.

The drawing benchmark replays MNIST test digits as mouse strokes on the real
canvas; their strokes come from here. Thinning is Zhang & Suen's (1984)
two-pass rule; tracing walks the skeleton from its ends, then around what is
left (closed loops), so every skeleton pixel lies on exactly one stroke.

A loop that the writer's pen filled in (the blob of a heavy 9 or 8) has no
hole for thinning to go around: its skeleton is a short stub and the digit is
lost. A person drawing that digit draws the loop, so blobs are first hollowed
out to a ring one stroke wide (:func:`open_blobs`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# The 8 neighbours in Zhang & Suen's order P2 … P9: north, then clockwise.
_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
MIN_STROKE_PIXELS = 3  # shorter traced pieces are skeleton spurs, not strokes
# Ink deeper inside than this many half stroke widths is a filled blob, not a stroke. Crossings of two
# strokes reach about 1.4. With 1.8, the strokes of the first 1000 MNIST test digits, drawn straight
# into 28×28 at MNIST's width, are misread 11 times (16 without hollowing, 12 with 1.6).
BLOB_DEPTH = 1.8


def _neighbours(image: np.ndarray) -> list[np.ndarray]:
    padded = np.pad(image, 1)
    height, width = image.shape
    return [padded[1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] for dy, dx in _RING]


def zhang_suen(binary: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of a boolean image."""
    image = np.asarray(binary, bool).astype(np.uint8)
    while True:
        changed = False
        for first in (True, False):
            p = _neighbours(image)
            count = sum(p)
            transitions = sum(((p[k] == 0) & (p[(k + 1) % 8] == 1)).astype(np.uint8) for k in range(8))
            if first:
                keep_a, keep_b = p[0] * p[2] * p[4], p[2] * p[4] * p[6]
            else:
                keep_a, keep_b = p[0] * p[2] * p[6], p[0] * p[4] * p[6]
            remove = (image == 1) & (count >= 2) & (count <= 6) & (transitions == 1)
            remove &= (keep_a == 0) & (keep_b == 0)
            if remove.any():
                image[remove] = 0
                changed = True
        if not changed:
            return image.astype(bool)


def erosion_depth(binary: np.ndarray) -> np.ndarray:
    """How many 3×3 erosions each ink pixel survives (its chessboard distance to the background, in px)."""
    ink = torch.from_numpy(np.asarray(binary, np.float32))[None, None]
    depth = torch.zeros_like(ink)
    while bool(ink.any()):
        depth += ink
        ink = -F.max_pool2d(-ink, 3, stride=1, padding=1)
    return depth[0, 0].numpy()


def open_blobs(binary: np.ndarray) -> np.ndarray:
    """``binary`` with every filled blob hollowed out to a ring about one stroke wide.

    The stroke's half width is the median depth along the skeleton; ink deeper
    than :data:`BLOB_DEPTH` of those is removed, which leaves ordinary strokes
    and their crossings untouched.
    """
    binary = np.asarray(binary, bool)
    depth = erosion_depth(binary)
    skeleton = zhang_suen(binary)
    if not skeleton.any():
        return binary
    half_width = float(np.median(depth[skeleton]))
    return binary & (depth <= BLOB_DEPTH * half_width)


def trace_strokes(skeleton: np.ndarray) -> list[np.ndarray]:
    """Polylines ``[N, 2]`` of (x, y) pixel centres covering the skeleton, longest first."""
    remaining = np.asarray(skeleton, bool).copy()
    height, width = remaining.shape
    strokes: list[np.ndarray] = []

    def degree(y: int, x: int) -> int:
        return sum(
            1
            for dy, dx in _RING
            if 0 <= y + dy < height and 0 <= x + dx < width and remaining[y + dy, x + dx]
        )

    def walk(y: int, x: int) -> list[tuple[int, int]]:
        path = [(y, x)]
        remaining[y, x] = False
        while True:
            steps = [
                (y + dy, x + dx)
                for dy, dx in _RING
                if 0 <= y + dy < height and 0 <= x + dx < width and remaining[y + dy, x + dx]
            ]
            if not steps:
                return path
            # straight neighbours first: diagonal shortcuts would skip a pixel of the line
            y, x = min(steps, key=lambda p: abs(p[0] - path[-1][0]) + abs(p[1] - path[-1][1]))
            remaining[y, x] = False
            path.append((y, x))

    while remaining.any():
        ys, xs = np.nonzero(remaining)
        ends = [(y, x) for y, x in zip(ys.tolist(), xs.tolist(), strict=True) if degree(y, x) == 1]
        start = ends[0] if ends else (int(ys[0]), int(xs[0]))
        path = walk(*start)
        if len(path) >= MIN_STROKE_PIXELS:
            strokes.append(np.array([(x + 0.5, y + 0.5) for y, x in path], np.float64))
    return sorted(strokes, key=len, reverse=True)


def digit_strokes(digit: np.ndarray, upscale: int = 4) -> list[np.ndarray]:
    """Pen strokes of an MNIST digit (uint8 ``[28, 28]``), in the 28×28 image's pixel coordinates."""
    tensor = torch.from_numpy(np.asarray(digit, np.float32) / 255.0)[None, None]
    size = digit.shape[0] * upscale
    large = F.interpolate(tensor, size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy()
    strokes = trace_strokes(zhang_suen(open_blobs(large > 0.5)))
    return [stroke / upscale for stroke in strokes]

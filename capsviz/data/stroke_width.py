"""Stroke width as MNIST has it, measured and restored.

A digit drawn small with a wide brush reaches the network as a blob: its strokes
are several times thicker, relative to the digit, than any MNIST digit. The
network has never seen such strokes and reads 3, 5, 6 and 9 as 8 or 0. So the
width is measured the same way on every input and brought to MNIST's.

The measure needs no skeleton: for a band of width w and length L, the ink's
area is w·L and its outline 2·L, so ``w = 2·area / outline``. On a grey image
the area is the sum of the ink and the outline the sum of its gradient's
magnitude, which makes the measure work on anti-aliased pictures at any size.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

# Measured with relative_width() on the 60,000 MNIST training digits as stored (28×28, the ink's
# longest side 20 px): median 2.57 px, quartiles 2.28 / 2.97. Strokes are re-drawn at this width.
MNIST_WIDTH = 2.57
# The same digits measured as a picture reaches the decision in preprocess_stages (ink found, cropped,
# scaled to 20 px, faint edges cut): median 2.37, 1st / 99th percentiles 1.65 / 4.16. Pictures whose
# width lies between these are left as they are.
MNIST_THIN, MNIST_THICK = 1.65, 4.16
MNIST_BOX = 20  # the longest side of the ink in an MNIST digit, px
BOX_THRESHOLD = 0.2  # ink at least this strong defines the ink's bounding box
WORK_SIDE = 160  # a picture's ink is resized to this longest side before thinning or thickening it


def stroke_width(ink: np.ndarray) -> float:
    """Typical stroke width in pixels of ink ``[H, W]`` (white on black, any scale); 0 without ink."""
    image = np.asarray(ink, np.float64)
    if image.ndim != 2 or min(image.shape) < 2:
        return 0.0
    padded = np.pad(image, 1)
    grad_y, grad_x = np.gradient(padded)
    outline = float(np.hypot(grad_x, grad_y).sum())
    return 2.0 * float(image.sum()) / outline if outline > 0 else 0.0


def relative_width(ink: np.ndarray) -> float:
    """Stroke width as MNIST counts it: in pixels once the ink's longest side is 20 px."""
    rows, cols = np.nonzero(np.asarray(ink) > BOX_THRESHOLD)
    if len(rows) == 0:
        return 0.0
    longest = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    return stroke_width(ink) * MNIST_BOX / float(longest)


def _grey_morphology(image: torch.Tensor, steps: int, thicken: bool) -> torch.Tensor:
    """Dilate (``thicken``) or erode by ``steps`` pixels, alternating 3×3 square and cross steps.

    Alternating the two gives an octagon, close to a disc, so round strokes stay round.
    """
    sign = 1.0 if thicken else -1.0
    x = image * sign
    for step in range(steps):
        if step % 2 == 0:
            x = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            rows = F.max_pool2d(x, (3, 1), stride=1, padding=(1, 0))
            cols = F.max_pool2d(x, (1, 3), stride=1, padding=(0, 1))
            x = torch.maximum(rows, cols)
    return x * sign


Region = tuple[float, float, float, float]  # (top, left, height, width) in some picture's pixels


def normalise_raster_width(
    crop: np.ndarray, width_seen: float, target: float = MNIST_WIDTH
) -> tuple[np.ndarray, Region]:
    """Thin or thicken the ink of a picture (no strokes known) toward MNIST's relative width.

    ``crop`` is the ink cropped to its box and ``width_seen`` the :func:`relative_width`
    of the 20 px picture the network would see, measured as MNIST's range was: that
    decides. Widths inside MNIST's own range (1st to 99th percentile) are left alone,
    so an MNIST digit passes unchanged; others are brought to ``target``. Returns the
    ink (at :data:`WORK_SIDE` resolution when changed), cropped to its new box and
    ready to be scaled to 20 px, and the region of ``crop`` it covers (thickened ink
    reaches past the old box). Where wide strokes of a small digit have closed its
    loops, thinning cannot open them again; only strokes can (see capsviz.data.strokes).
    """
    unchanged = crop, (0.0, 0.0, float(crop.shape[0]), float(crop.shape[1]))
    if width_seen == 0.0 or MNIST_THIN <= width_seen <= MNIST_THICK:
        return unchanged
    # How much to change is measured at full resolution: where wide strokes of a small digit
    # overlap, the 20 px picture is a blob that reads far wider than each stroke really is.
    width_now = relative_width(crop)
    height, width = crop.shape
    factor = WORK_SIDE / max(height, width)
    size = (max(1, round(height * factor)), max(1, round(width * factor)))
    tensor = torch.from_numpy(np.ascontiguousarray(crop, np.float32))[None, None]
    work = F.interpolate(tensor, size=size, mode="bilinear", antialias=factor < 1, align_corners=False)
    # Width in working pixels now, and what it must become so that, once the box (which grows or
    # shrinks with the stroke) is 20 px, the stroke is `target` wide: w' = t·(S − w + w') / 20.
    current = width_now * WORK_SIDE / MNIST_BOX
    wanted = target * (WORK_SIDE - current) / (MNIST_BOX - target)
    change = wanted - current
    steps = round(abs(change) / 2)
    if change < 0:
        steps = min(steps, max(0, round(current / 2) - 2))  # never erode a stroke away
    if steps == 0:
        return unchanged
    pad = steps + 1
    work = F.pad(work, (pad, pad, pad, pad))
    work = _grey_morphology(work, steps, thicken=change > 0)[0, 0].clamp_(0.0, 1.0).numpy()
    strong = work >= BOX_THRESHOLD
    if not strong.any():
        return unchanged
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    step_y, step_x = height / size[0], width / size[1]  # crop pixels per working pixel
    region = (
        (rows[0] - pad) * step_y,
        (cols[0] - pad) * step_x,
        (rows[-1] + 1 - rows[0]) * step_y,
        (cols[-1] + 1 - cols[0]) * step_x,
    )
    ink = np.ascontiguousarray(work[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], np.float32)
    return ink, tuple(float(v) for v in region)

"""Finding the digit in a photograph or scan of paper.

A photo of a digit on paper has uneven light and shadows, ruled or squared
lines, JPEG noise and specks; read as it is, all of that is "ink". The steps,
each cheap at a working size of 256 px:

1. flatten the background: the paper's brightness is estimated by a grey
   opening wider than any stroke and subtracted, so shadows and gradients go;
2. threshold adaptively: ink is what stands out from the paper by several times
   the picture's own noise (a robust estimate, so JPEG noise stays out);
3. remove ruled and squared lines: thin straight runs across most of the page,
   several of them in one direction (a single long stroke, a 1, is kept);
4. keep the largest group of ink: the biggest connected piece and the pieces
   near it; specks and marks far away go.

If nothing plausible is left (no ink, or ink everywhere) there is no digit, and
the caller says so instead of predicting.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
import torch.nn.functional as F

WORK_SIDE = 256
NOISE_SIGMAS = 4.0  # ink stands out from the paper by this many noise deviations
MIN_CONTRAST = 0.06  # and by at least this much brightness
LINE_SPAN = 0.6  # ruled lines run across at least this fraction of the picture
GROUP_REACH = 0.35  # pieces within this fraction of the main piece's size belong to the digit
MIN_PIECE = 0.03  # pieces smaller than this fraction of the main piece are specks
PAPER_GRAIN = 0.004  # paper that varies more than this (median absolute deviation) is photographed
MIN_DIGIT_AREA = 0.001  # a digit covers at least this fraction of the picture
FAINT = 0.1  # ink weaker than this, relative to the strongest, is paper


def _pool(x: torch.Tensor, size: tuple[int, int], low: bool) -> torch.Tensor:
    """Max (or, ``low``, min) over a ``size`` window, one axis at a time (separable, so fast)."""
    sign = -1.0 if low else 1.0
    x = x * sign
    for window in ((size[0], 1), (1, size[1])):
        if window == (1, 1):
            continue
        pad = (window[1] // 2, window[1] // 2, window[0] // 2, window[0] // 2)
        x = F.max_pool2d(F.pad(x, pad, mode="replicate"), window, stride=1)[..., : x.shape[-2], : x.shape[-1]]
    return x * sign


def _mask_pool(mask: torch.Tensor, size: tuple[int, int], low: bool) -> torch.Tensor:
    """:func:`_pool` for a mask of zeros and ones, in time independent of the window.

    A window of a mask is all ink (the minimum) when its ink count equals its
    size, and holds some ink (the maximum) when the count is above zero; counts
    come from running sums, so a window across most of the picture (a ruled
    line's) costs no more than a 3 × 3 one. Windows are placed and cut at the
    edges exactly as :func:`_pool`'s replicated padding places them.
    """
    x = mask
    for axis, window in ((-2, size[0]), (-1, size[1])):
        if window == 1:
            continue
        length = x.shape[axis]
        index = torch.arange(length)
        first = (index - window // 2).clamp(min=0)
        last = (index - window // 2 + window - 1).clamp(max=length - 1)
        sums = F.pad(x.cumsum(axis), (0, 0, 1, 0) if axis == -2 else (1, 0))
        count = sums.index_select(axis, last + 1) - sums.index_select(axis, first)
        full = (last - first + 1).view(-1, 1) if axis == -2 else last - first + 1
        x = (count >= full if low else count > 0).to(mask.dtype)
    return x


def flatten_background(ink_up: torch.Tensor, window: int) -> torch.Tensor:
    """``ink_up`` (ink brighter than paper) minus the paper's brightness.

    The paper is an opening wider than any stroke, then smoothed; it varies
    slowly, so it is estimated at a quarter of the size and scaled back up.
    """
    small = F.avg_pool2d(ink_up, 4, ceil_mode=True)
    reach = max(3, (window // 4) | 1)
    opened = _pool(_pool(small, (reach, reach), low=True), (reach, reach), low=False)
    smooth = F.avg_pool2d(F.pad(opened, (reach // 2,) * 4, mode="replicate"), reach, stride=1)
    paper = F.interpolate(smooth, size=ink_up.shape[-2:], mode="bilinear", align_corners=False)
    return ink_up - paper


def _lines(mask: torch.Tensor, horizontal: bool) -> torch.Tensor:
    """Pixels of straight thin runs across the picture, where at least two such lines exist."""
    length = int(LINE_SPAN * (mask.shape[-1] if horizontal else mask.shape[-2]))
    if length < 16:
        return torch.zeros_like(mask)  # too small a picture for ruled lines
    size = (1, length) if horizontal else (length, 1)
    opened = _mask_pool(_mask_pool(mask, size, low=True), size, low=False)
    rows = opened[0, 0].any(dim=1 if horizontal else 0)
    starts = int((rows[1:] & ~rows[:-1]).sum()) + int(rows[0])
    return opened if starts >= 2 else torch.zeros_like(mask)


def label_pieces(mask: np.ndarray) -> np.ndarray:
    """8-connected pieces of a boolean picture: 0 for background, else a label per piece.

    A breadth-first walk over the ink pixels only: a digit on paper is a few
    thousand of them, so this is quick in plain Python.
    """
    height, width = mask.shape
    labels = np.zeros((height, width), np.int64)
    ink = set(zip(*np.nonzero(mask), strict=True))
    label = 0
    while ink:
        label += 1
        queue = deque([ink.pop()])
        while queue:
            y, x = queue.popleft()
            labels[y, x] = label
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    neighbour = (y + dy, x + dx)
                    if neighbour in ink:
                        ink.remove(neighbour)
                        queue.append(neighbour)
    return labels


def digit_group(mask: np.ndarray) -> np.ndarray | None:
    """The largest piece and the pieces near it (specks dropped), or None without a plausible digit."""
    labels = label_pieces(mask)
    ids, areas = np.unique(labels[labels > 0], return_counts=True)
    if len(ids) == 0:
        return None
    main = int(ids[np.argmax(areas)])
    rows, cols = np.nonzero(labels == main)
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    reach = GROUP_REACH * max(bottom - top + 1, right - left + 1)
    keep = np.zeros_like(mask)
    for piece, area in zip(ids.tolist(), areas.tolist(), strict=True):
        if area < MIN_PIECE * areas.max():
            continue
        ys, xs = np.nonzero(labels == piece)
        near = ys.min() <= bottom + reach and ys.max() >= top - reach
        near = near and xs.min() <= right + reach and xs.max() >= left - reach
        if piece == main or near:
            keep |= labels == piece
    return keep


def looks_like_paper(ink_up: np.ndarray) -> bool:
    """True when the paper itself varies (light, grain, JPEG noise): a photo or a scan.

    The median absolute deviation of the whole picture measures the paper, since
    ink covers only a small part of it; a clean drawing on a flat background has
    none. The measure does not change when a picture is enlarged, so neither
    does the decision.
    """
    values = np.asarray(ink_up, np.float32)
    return float(np.median(np.abs(values - np.median(values)))) > PAPER_GRAIN


def clean_photo(ink_up: np.ndarray) -> np.ndarray | None:
    """Ink in [0, 1] of the digit in a photo, at ``ink_up``'s size; None when no digit is there.

    ``ink_up`` is the picture's grey levels oriented so ink is brighter than paper.
    """
    height, width = ink_up.shape
    factor = min(1.0, WORK_SIDE / max(height, width))
    size = (max(1, round(height * factor)), max(1, round(width * factor)))
    x = torch.from_numpy(np.ascontiguousarray(ink_up, np.float32))[None, None]
    x = F.interpolate(x, size=size, mode="area") if factor < 1 else x
    window = max(9, (max(size) // 6) | 1)
    residual = flatten_background(x, window)
    flat = residual.flatten()
    median = flat.median()
    sigma = 1.4826 * float((flat - median).abs().median())
    threshold = float(median) + max(NOISE_SIGMAS * sigma, MIN_CONTRAST)
    mask = residual > threshold
    lines = _lines(mask.float(), horizontal=True) + _lines(mask.float(), horizontal=False)
    if float(lines.sum()) > 0:
        mask = mask & (lines == 0)
        # a closing joins strokes the lines cut
        mask = _mask_pool(_mask_pool(mask.float(), (3, 3), low=False), (3, 3), low=True) > 0
    if float(mask.float().mean()) > 0.5:
        return None  # ink everywhere: a texture or a picture, not a digit on paper
    group = digit_group(mask[0, 0].numpy())
    if group is None or group.mean() < MIN_DIGIT_AREA:
        return None
    # The digit's own pixels and a pixel around them (its anti-aliased edge), as bright as they stand
    # out from the flattened paper, strongest = 1, as for any other picture.
    around = _mask_pool(torch.from_numpy(group).float()[None, None], (3, 3), low=False)[0, 0] > 0
    peak = float(residual[0, 0][torch.from_numpy(group)].max())
    ink = (residual[0, 0] / max(peak, 1e-6)).clamp(0, 1) * around.float()
    ink[ink < FAINT] = 0.0
    full = F.interpolate(ink[None, None], size=(height, width), mode="bilinear", align_corners=False)
    return full[0, 0].clamp(0, 1).numpy()

"""Turn any drawing or photo into the kind of image MNIST is made of.

MNIST digits are white ink on black, scaled so the longest side of the ink is
20 px (anti-aliased, aspect kept) and placed in a 28×28 field with the centre
of mass at the centre. The network only knows that convention, so every input
— the canvas, a file, a photo of paper — goes through the same steps, and each
step is kept so the app can show what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from capsviz.data.photo import clean_photo, looks_like_paper
from capsviz.data.stroke_width import BOX_THRESHOLD, Region, normalise_raster_width, relative_width
from capsviz.data.strokes import Stroke, render_strokes

SIZE = 28
BOX = 20
PAIR_SIZE = 36  # MultiMNIST: two digits on 36×36
PAIR_RADIUS = 7.41  # median RMS radius (px) of the ink of a MultiMNIST pair, over 600 test pairs
CONTRAST_FLOOR = 0.05  # less contrast than this between ink and background: nothing drawn
NOISE_FLOOR = 0.1  # ink weaker than this (relative to the strongest) is background


@dataclass
class Preprocessed:
    """The network's input and every stage that led to it.

    Attributes
    ----------
    image : np.ndarray
        ``[28, 28]`` float32 in [0, 1], white ink on black: what the network sees.
    gray : np.ndarray
        The input as grey levels in [0, 1].
    ink : np.ndarray
        Ink strength in [0, 1] at the input's size (background 0).
    box : tuple of int or None
        ``(top, left, bottom, right)`` of the ink in the input (exclusive ends).
    scaled : np.ndarray
        The cropped ink scaled so its longest side is 20 px.
    inverted : bool
        Whether the input was dark ink on a light background.
    offset : tuple of int or None
        ``(top, left)`` where ``scaled`` was pasted into the 28×28 image.
    source : tuple of float or None
        ``(top, left, height, width)`` of the input that ``scaled`` shows; the ink's box,
        or a little more where thickened strokes reach past it.
    width : str
        How the stroke width was brought to MNIST's: ``"strokes"`` (re-drawn from the
        recorded strokes), ``"thinned"`` / ``"thickened"`` (a picture), ``"kept"`` (already
        MNIST-like) or ``"raw"`` (not normalised on request).
    photo : bool
        Whether the input was read as a photo or scan of paper (and cleaned as one).
    """

    image: np.ndarray
    gray: np.ndarray
    ink: np.ndarray
    box: tuple[int, int, int, int] | None
    scaled: np.ndarray
    inverted: bool
    offset: tuple[int, int] | None = None
    source: Region | None = None
    width: str = "raw"
    photo: bool = False

    @property
    def empty(self) -> bool:
        """True when no ink was found (the image is all zeros)."""
        return self.box is None

    def field_in_input(self) -> tuple[float, float, float, float] | None:
        """Where the 28×28 image lies in the input: ``(top, left, height, width)`` in input pixels.

        The inverse of crop, scale and paste, so anything drawn on the 28×28 grid
        (where a capsule looks, say) can be laid over the person's own drawing.
        None when the input held no ink.
        """
        if self.source is None or self.offset is None:
            return None
        top, left, height, width = self.source
        step_y = height / self.scaled.shape[0]
        step_x = width / self.scaled.shape[1]
        return top - self.offset[0] * step_y, left - self.offset[1] * step_x, SIZE * step_y, SIZE * step_x


def preprocess(array: np.ndarray) -> np.ndarray:
    """Any H×W or H×W×C image (uint8, uint16, bool or float) → ``[28, 28]`` float32, MNIST-like."""
    return preprocess_stages(array).image


def preprocess_stages(
    array: np.ndarray, strokes: Sequence[Stroke] | None = None, normalise_width: bool = True
) -> Preprocessed:
    """Like :func:`preprocess`, keeping every intermediate stage.

    ``strokes`` (in the array's pixel coordinates), when the picture is a drawing
    made of them, are re-drawn with MNIST's relative stroke width; a picture
    without strokes is thinned or thickened toward it instead.
    ``normalise_width=False`` leaves the strokes as they are (to compare).
    """
    gray, alpha = to_gray(array)
    ink, inverted, photo = _ink(gray, alpha)
    empty = np.zeros((SIZE, SIZE), np.float32)
    box = _ink_box(ink)
    if box is None:
        return Preprocessed(empty, gray, ink, None, np.zeros((0, 0), np.float32), inverted, photo=photo)
    top, left, bottom, right = box
    region, source = ink[top:bottom, left:right], (top, left, bottom - top, right - left)
    scaled, how = _scale_longest_side(region, BOX), "raw"
    if normalise_width:
        changed, source, how = _normalise_width(region, scaled, source, strokes)
        if changed is not region:
            scaled = _scale_longest_side(changed, BOX)
    offset = _mass_centred_offset(scaled)
    image = np.zeros((SIZE, SIZE), np.float32)
    image[offset[0] : offset[0] + scaled.shape[0], offset[1] : offset[1] + scaled.shape[1]] = scaled
    source = tuple(float(v) for v in source)
    return Preprocessed(image, gray, ink, box, scaled, inverted, offset, source, how, photo)


def preprocess_pair(array: np.ndarray) -> np.ndarray:
    """A picture of two overlapping digits → ``[36, 36]`` float32, framed like the MultiMNIST pairs.

    Ink is found as for one digit (any background, photos cleaned); then it is
    scaled so that its RMS radius (the spread of the ink about its centre of
    mass) is :data:`PAIR_RADIUS`, the median of the pairs the model learned
    from, and centred by mass in 36×36. The spread is steadier than the
    bounding box, which one far-out stroke decides: on held-out pairs saved as
    pictures it reads both digits about 3 points more often. Blank input gives zeros.
    """
    gray, alpha = to_gray(array)
    ink, _inverted, _photo = _ink(gray, alpha)
    image = np.zeros((PAIR_SIZE, PAIR_SIZE), np.float32)
    box = _ink_box(ink)
    if box is None:
        return image
    top, left, bottom, right = box
    crop = ink[top:bottom, left:right]
    side = round(max(crop.shape) * PAIR_RADIUS / max(_rms_radius(crop), 1e-6))
    scaled = _scale_longest_side(crop, int(np.clip(side, 4, PAIR_SIZE - 2)))
    row, col = _mass_centred_offset(scaled, PAIR_SIZE)
    image[row : row + scaled.shape[0], col : col + scaled.shape[1]] = scaled
    return image


def _rms_radius(image: np.ndarray) -> float:
    """Root-mean-square distance of the ink from its centre of mass (px)."""
    weights = image / max(float(image.sum()), 1e-12)
    rows, cols = np.mgrid[: image.shape[0], : image.shape[1]]
    cy, cx = float((weights * rows).sum()), float((weights * cols).sum())
    return float(np.sqrt((weights * ((rows - cy) ** 2 + (cols - cx) ** 2)).sum()))


def _normalise_width(
    region: np.ndarray, scaled: np.ndarray, source: Region, strokes: Sequence[Stroke] | None
) -> tuple[np.ndarray, Region, str]:
    """The ink with MNIST's relative stroke width, the input region it covers, and how it was made.

    ``scaled`` is ``region`` already scaled to 20 px: the picture as the network would see it,
    whose width decides whether a picture is thinned or thickened.
    """
    top, left, height, width = source
    rendered = render_strokes(strokes) if strokes else None
    if rendered is not None:
        box = _ink_box(rendered.ink)
        if box is not None:
            r0, c0, r1, c1 = box
            x0, y0 = rendered.origin
            step = 1.0 / rendered.scale
            covered = (y0 + r0 * step, x0 + c0 * step, (r1 - r0) * step, (c1 - c0) * step)
            return rendered.ink[r0:r1, c0:c1], covered, "strokes"
    changed, (dy, dx, new_height, new_width) = normalise_raster_width(region, relative_width(scaled))
    if changed is region:
        return region, source, "kept"
    how = "thickened" if new_height > height or new_width > width else "thinned"
    return changed, (top + dy, left + dx, new_height, new_width), how


def _normalise(channel: np.ndarray) -> np.ndarray:
    """Map any numeric channel to float32 in [0, 1].

    uint8 and uint16 are bit depths (0 … 255 or 65535); every other type is
    taken by its values: kept if already in [0, 1], else stretched min → 0,
    max → 1 (so ``np.array([[0, 255]])``, which is int64, still shows its ink).
    +inf counts as the brightest value, NaN and −inf as the darkest.
    """
    if channel.dtype == bool:
        return channel.astype(np.float32)
    if channel.dtype in (np.uint8, np.uint16):
        return channel.astype(np.float32) / np.float32(np.iinfo(channel.dtype).max)
    data = np.asarray(channel, dtype=np.float64)
    finite = np.isfinite(data)
    if not finite.all():
        low = float(data[finite].min()) if finite.any() else 0.0
        high = float(data[finite].max()) if finite.any() else 1.0
        data = np.where(finite, data, np.where(np.isposinf(data), high, low))
    low, high = float(data.min(initial=0.0)), float(data.max(initial=0.0))
    if low < 0.0 or high > 1.0:
        scale = max(-low, high)  # divide first: values near the float limit must not overflow
        data, low, high = data / scale, low / scale, high / scale
        data = (data - low) / (high - low) if high > low else np.zeros_like(data)
    return np.clip(data, 0.0, 1.0).astype(np.float32)


def to_gray(array: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey levels and (if any pixel is transparent) the alpha channel, both in [0, 1], as preprocessing
    reads any image array (grey, colour, with alpha; any numeric type)."""
    data = np.asarray(array)
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[:, :, 0]
    if data.ndim == 2:
        return _normalise(data), None
    if data.ndim != 3 or data.shape[2] not in (2, 3, 4):
        raise ValueError(f"expected an H×W or H×W×{{1,2,3,4}} image, got shape {data.shape}")
    channels = data.shape[2]
    colour = _normalise(data[:, :, : 1 if channels == 2 else 3])
    gray = colour[:, :, 0] if channels == 2 else colour @ np.float32([0.299, 0.587, 0.114])
    alpha = _normalise(data[:, :, -1]) if channels in (2, 4) else None
    if alpha is not None and alpha.size and alpha.min() >= 1.0:
        alpha = None
    return np.clip(gray, 0.0, 1.0).astype(np.float32), alpha


def _ink(gray: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, bool, bool]:
    """Ink strength in [0, 1] for light-on-dark, dark-on-light and transparent images, whether the
    picture was dark on light, and whether it was read as a photo of paper."""
    if gray.size == 0:
        return gray, False, False
    if alpha is not None:
        weight = alpha.sum()
        dark_ink = weight > 0 and float((gray * alpha).sum() / weight) < 0.5
        ink = alpha * ((1.0 - gray) if dark_ink else gray)
        return _stretch(ink, 0.0), dark_ink, False
    background = _background(gray)
    inverted = float(np.median(background)) > 0.5
    if inverted:
        gray, background = 1.0 - gray, 1.0 - background
        if looks_like_paper(gray):
            # A photo or scan of paper: find the digit among shadows, lines and specks.
            found = clean_photo(gray)
            return (np.zeros_like(gray) if found is None else found.astype(np.float32)), True, True
    return _stretch(gray, background), inverted, False


def _background(gray: np.ndarray) -> np.ndarray | float:
    """The paper's brightness, a plane fitted to the border (robust to ink touching it).

    A photo of paper is lit unevenly; one brightness for the whole picture would
    turn the dim side into ink. The border is taken as background, as MNIST does.
    """
    height, width = gray.shape
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]).astype(np.float64)
    if height < 8 or width < 8:
        return float(np.median(border))
    rows = np.concatenate([np.zeros(width), np.full(width, height - 1), np.arange(height), np.arange(height)])
    cols = np.concatenate([np.arange(width), np.arange(width), np.zeros(height), np.full(height, width - 1)])
    design = np.stack([np.ones_like(rows), rows / height - 0.5, cols / width - 0.5], axis=1)
    deviation = np.abs(border - np.median(border))
    keep = deviation <= min(0.25, max(3.0 * 1.4826 * float(np.median(deviation)), 0.02))
    if keep.sum() < 3:
        return float(np.median(border))
    coef = np.linalg.lstsq(design[keep], border[keep], rcond=None)[0]
    residual = np.abs(border - design @ coef)
    spread = 1.4826 * float(np.median(residual[keep]))
    keep = residual <= max(3.0 * spread, 0.02)
    if keep.sum() >= 3:
        coef = np.linalg.lstsq(design[keep], border[keep], rcond=None)[0]
    ys = np.arange(height)[:, None] / height - 0.5
    xs = np.arange(width)[None, :] / width - 0.5
    return (coef[0] + coef[1] * ys + coef[2] * xs).astype(np.float32)


def _stretch(values: np.ndarray, background: np.ndarray | float) -> np.ndarray:
    """Background → 0, strongest ink → 1, faint noise → 0."""
    above = values - background
    peak = float(above.max())
    if peak < CONTRAST_FLOOR:
        return np.zeros_like(values, dtype=np.float32)
    ink = np.clip(above / peak, 0.0, 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    return ink.astype(np.float32)


def _ink_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    strong = ink >= BOX_THRESHOLD
    if ink.size == 0 or not strong.any():
        return None
    rows = np.flatnonzero(strong.any(axis=1))
    cols = np.flatnonzero(strong.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _scale_longest_side(crop: np.ndarray, target: int) -> np.ndarray:
    """Resize (anti-aliased) so the longest side is ``target``, keeping the aspect ratio."""
    height, width = crop.shape
    factor = target / max(height, width)
    size = (max(1, round(height * factor)), max(1, round(width * factor)))
    tensor = torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))[None, None]
    scaled = F.interpolate(tensor, size=size, mode="bilinear", antialias=factor < 1, align_corners=False)
    scaled = scaled[0, 0].clamp_(0.0, 1.0).numpy()
    peak = float(scaled.max())
    return (scaled / peak).astype(np.float32) if peak > 0 else scaled


def _mass_centred_offset(scaled: np.ndarray, size: int = SIZE) -> tuple[int, int]:
    """Where to paste into ``size``² so the centre of mass lands on the centre, as MNIST was made."""
    height, width = scaled.shape
    mass = float(scaled.sum())
    rows, cols = np.arange(height), np.arange(width)
    cy = float(scaled.sum(axis=1) @ rows) / mass
    cx = float(scaled.sum(axis=0) @ cols) / mass
    top = int(np.clip(round(size / 2 - cy), 0, size - height))
    left = int(np.clip(round(size / 2 - cx), 0, size - width))
    return top, left

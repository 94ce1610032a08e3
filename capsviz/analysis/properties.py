"""Simple, measurable properties of a digit image, for naming pose dimensions.

All properties come from image moments and the image gradient, so they are
smooth in the pixel values: a blurry reconstruction gets a sensible stroke
width, and a small change of pose gives a small change of property.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from capsviz.data.skeleton import erosion_depth, zhang_suen

PROPERTIES = (
    "stroke width",
    "slant",
    "scale",
    "width",
    "height",
    "height/width",
    "position x",
    "position y",
    "ink",
)
# Properties measured as log-ratios (a change of 10 % means the same at any size).
RELATIVE = frozenset({"scale", "width", "height", "height/width", "ink"})


def image_properties(images: np.ndarray) -> dict[str, np.ndarray]:
    """Measure every property of :data:`PROPERTIES` for ``[N, 28, 28]`` images in [0, 1].

    - stroke width: 2·ink / perimeter, with the perimeter as total gradient (px);
    - slant: how far x moves per pixel of y (positive leans right, like "/");
    - scale: RMS radius of the ink after removing the slant (px);
    - width, height: horizontal (after removing the slant) and vertical RMS spread of the ink (px);
    - height/width: vertical over horizontal spread after removing the slant;
    - position x, y: centre of mass (px, y downwards);
    - ink: total ink (sum of pixel values).

    Empty images give NaN.
    """
    img = np.clip(np.asarray(images, np.float64), 0.0, None)
    if img.ndim == 2:
        img = img[None]
    _, height, width = img.shape
    mass = img.sum(axis=(1, 2))
    safe = np.where(mass > 1e-9, mass, np.nan)
    ys, xs = np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64)
    cy = (img.sum(axis=2) @ ys) / safe
    cx = (img.sum(axis=1) @ xs) / safe
    dy = ys[None, :, None] - cy[:, None, None]
    dx = xs[None, None, :] - cx[:, None, None]
    mu_yy = (img * dy * dy).sum(axis=(1, 2)) / safe
    mu_xx = (img * dx * dx).sum(axis=(1, 2)) / safe
    mu_xy = (img * dx * dy).sum(axis=(1, 2)) / safe
    mu_yy = np.where(mu_yy > 1e-9, mu_yy, np.nan)
    mu_xx_upright = np.maximum(mu_xx - mu_xy**2 / mu_yy, 1e-6)
    grad_x = np.diff(img, axis=2)[:, :-1, :]
    grad_y = np.diff(img, axis=1)[:, :, :-1]
    perimeter = np.sqrt(grad_x**2 + grad_y**2).sum(axis=(1, 2))
    return {
        "stroke width": 2 * mass / np.where(perimeter > 1e-9, perimeter, np.nan),
        "slant": -mu_xy / mu_yy,
        "scale": np.sqrt(mu_xx_upright + mu_yy),
        "width": np.sqrt(mu_xx_upright),
        "height": np.sqrt(mu_yy),
        "height/width": np.sqrt(mu_yy / mu_xx_upright),
        "position x": cx,
        "position y": cy,
        "ink": safe,
    }


MORPHO_UPSCALE = 4  # measured on the digit enlarged 4×, as Morpho-MNIST does, so 1 px strokes have a middle
MORPHO_THRESHOLD = 0.5


def morpho_measures(image: np.ndarray) -> dict[str, float]:
    """Morpho-MNIST's measures of one ``[28, 28]`` digit in [0, 1], in pixels of the 28 × 28 image.

    - thickness: twice the mean distance to the background along the skeleton (the stroke's width);
    - length: the skeleton's length (the pen's path);
    - width, height: the ink's bounding box; area: the ink's pixels.

    The ink is the image enlarged 4× (bilinear) above half the brightest value;
    empty images give NaN. Thinning makes it slower than :func:`image_properties`,
    so it describes single digits (the What panel's evidence) rather than sweeps.
    """
    picture = np.clip(np.asarray(image, np.float32), 0.0, None)
    if picture.max() <= 0:
        return dict.fromkeys(("thickness", "length", "width", "height", "area"), float("nan"))
    side = picture.shape[-1] * MORPHO_UPSCALE
    tensor = torch.from_numpy(picture)[None, None]
    large = F.interpolate(tensor, size=(side, side), mode="bilinear", align_corners=False)[0, 0].numpy()
    ink = large > MORPHO_THRESHOLD * large.max()
    skeleton = zhang_suen(ink)
    depth = erosion_depth(ink)
    rows, cols = np.nonzero(ink)
    scale = float(MORPHO_UPSCALE)
    return {
        "thickness": 2.0 * float(depth[skeleton].mean()) / scale if skeleton.any() else float("nan"),
        "length": float(skeleton.sum()) / scale,
        "width": float(cols.max() - cols.min() + 1) / scale,
        "height": float(rows.max() - rows.min() + 1) / scale,
        "area": float(ink.sum()) / scale**2,
    }

"""Simple, measurable properties of a digit image, for naming pose dimensions.

All properties come from image moments and the image gradient, so they are
smooth in the pixel values: a blurry reconstruction gets a sensible stroke
width, and a small change of pose gives a small change of property.
"""

from __future__ import annotations

import numpy as np

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

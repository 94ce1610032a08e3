"""Five digits as a hand draws them: centre-line strokes in a 2 × 2 square around (0, 0), y down."""

from __future__ import annotations

import numpy as np


def arc(cx: float, cy: float, r: float, start: float, stop: float, n: int = 30) -> np.ndarray:
    t = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


HAND_DIGITS: dict[int, list[np.ndarray]] = {
    0: [arc(0, 0, 1, 0, 360, 60) * [0.6, 1.0]],
    3: [np.concatenate([arc(0, -0.5, 0.5, -160, 90), arc(0, 0.5, 0.5, -90, 160)])],
    5: [
        np.array([[0.5, -1.0], [-0.4, -1.0], [-0.5, -0.1]]),
        np.concatenate([np.array([[-0.5, -0.1]]), arc(0, 0.45, 0.55, -120, 150)]),
    ],
    6: [np.concatenate([np.array([[0.4, -1.0], [-0.3, -0.3], [-0.5, 0.4]]), arc(0, 0.5, 0.5, 180, 540, 40)])],
    9: [np.concatenate([arc(0, -0.5, 0.5, 0, 360, 40), np.array([[0.5, -0.5], [0.4, 0.4], [0.3, 1.0]])])],
}


def placed(
    parts: list[np.ndarray], side: float, centre: tuple[float, float] = (224.0, 224.0)
) -> list[np.ndarray]:
    """The strokes scaled so the digit is ``side`` canvas pixels tall, around ``centre``."""
    return [part * side / 2 + np.asarray(centre) for part in parts]

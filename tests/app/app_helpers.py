"""Drawing on the canvas the way a hand does: press, many small moves, release."""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

WAIT_MS = 30_000  # generous: CI shares two cores with other jobs
SEVEN = 0  # index of a 7 in the shipped MNIST test set


def canvas_point(canvas, fx: float, fy: float) -> QPoint:
    """A point at fractions (fx, fy) of the canvas's drawing square."""
    side = min(canvas.width(), canvas.height())
    left, top = (canvas.width() - side) // 2, (canvas.height() - side) // 2
    return QPoint(left + round(fx * side), top + round(fy * side))


def draw_stroke(canvas, points: list[tuple[float, float]], button=Qt.MouseButton.LeftButton) -> None:
    """Press, move through ``points`` (canvas fractions) in small steps, release — like a hand."""
    start = canvas_point(canvas, *points[0])
    QTest.mousePress(canvas, button, Qt.KeyboardModifier.NoModifier, start)
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for t in np.linspace(0.0, 1.0, 12)[1:]:
            QTest.mouseMove(canvas, canvas_point(canvas, x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
    QTest.mouseRelease(canvas, button, Qt.KeyboardModifier.NoModifier, canvas_point(canvas, *points[-1]))


def all_answered(window) -> bool:
    """True once the window shows the answer to the newest request (no partial stroke is on show)."""
    return window.controller.answered


def prediction(window) -> str:
    """What the prediction label says (its text starts with the predicted digit)."""
    return window.prediction.text()

"""How the canvas's pen lays ink: its shape, and the curve it draws through the pointer's positions.

Shared by live drawing and by a saved drawing drawn back, so both give the same pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen


def pen_for(width: float, erase: bool) -> QPen:
    """A round pen ``width`` canvas pixels wide: white ink, or black when it erases."""
    colour = QColor(0, 0, 0) if erase else QColor(255, 255, 255)
    pen = QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def stroke_pieces(points: list[QPointF]) -> list[QPainterPath]:
    """The pieces the canvas paints, one after another, as the pen moves through ``points``.

    A dot where the pen went down, then quadratic curves through the midpoints of
    successive positions, then a straight end to the last one. Painted one by one
    (not as one path), they leave exactly the pixels the moving pen left.
    """
    first = points[0]
    dot = QPainterPath(first)
    dot.lineTo(first + QPointF(0.01, 0.0))
    pieces = [dot]
    for index in range(1, len(points)):
        previous, point = points[index - 1], points[index]
        piece = QPainterPath(previous if index == 1 else (points[index - 2] + previous) / 2)
        piece.quadTo(previous, (previous + point) / 2)
        pieces.append(piece)
    if len(points) >= 2:
        end = QPainterPath((points[-2] + points[-1]) / 2)
        end.lineTo(points[-1])
        pieces.append(end)
    return pieces

"""What is on the canvas, apart from how it is shown: the bitmap, its strokes, a picture under them, undo.

The canvas widget handles the pointer and the screen; this keeps the drawing
itself, so every edit (a stroke, a picture put on it, a test digit slid under
it, clear) is one undoable step whatever caused it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from capsviz.analysis.live import CANVAS_PIXELS
from capsviz.app.views.pen import pen_for, stroke_pieces
from capsviz.data.strokes import Stroke

HISTORY_LIMIT = 100  # undo steps kept (200 KB each), so memory stays bounded

# One state of the drawing: the bitmap, its strokes (None once a picture was put on it),
# and the picture under the strokes with its image (None: none).
Snapshot = tuple[QImage, "list[Stroke] | None", "tuple[np.ndarray, QImage] | None"]


class Drawing:
    """The canvas's content: white ink on black ``[448, 448]``, with the strokes it was made of."""

    def __init__(self) -> None:
        self.image = QImage(CANVAS_PIXELS, CANVAS_PIXELS, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self._strokes: list[Stroke] | None = []
        self._underlay: tuple[np.ndarray, QImage] | None = None
        self._undo: list[Snapshot] = []
        self._redo: list[Snapshot] = []

    # what is drawn -----------------------------------------------------
    def pixels(self) -> np.ndarray:
        """A copy of the drawing, uint8 ``[448, 448]``, the picture under the strokes included."""
        row = self.image.bytesPerLine()
        data = np.frombuffer(self.image.constBits(), np.uint8).reshape(CANVAS_PIXELS, row)
        ink = data[:, :CANVAS_PIXELS]
        return ink.copy() if self._underlay is None else np.maximum(ink, self._underlay[0])

    def strokes(self, under_way: Stroke | None = None) -> tuple[Stroke, ...] | None:
        """The finished strokes and ``under_way``.

        None when a picture is on the canvas: then the bitmap is all there is.
        """
        if self._strokes is None or self._underlay is not None:
            return None
        done = tuple(self._strokes)
        return done if under_way is None else (*done, under_way)

    @property
    def underlay_image(self) -> QImage | None:
        """The picture under the strokes, as drawn on screen (None: none)."""
        return None if self._underlay is None else self._underlay[1]

    # edits -------------------------------------------------------------
    def remember(self) -> None:
        """Keep the present state as an undo step (before an edit)."""
        strokes = None if self._strokes is None else list(self._strokes)
        self._undo.append((self.image.copy(), strokes, self._underlay))
        del self._undo[:-HISTORY_LIMIT]
        self._redo.clear()

    def finish_stroke(self, stroke: Stroke) -> None:
        """Record a stroke the pen has drawn into :attr:`image`."""
        if self._strokes is not None:
            self._strokes.append(stroke)

    def clear(self) -> None:
        self.remember()
        self.image.fill(0)
        self._strokes = []
        self._underlay = None

    def show_picture(self, pixels: np.ndarray) -> None:
        """Replace the drawing with a picture (uint8 ``[448, 448]``); it has no strokes."""
        _data, image = canvas_image(pixels)
        self.remember()
        self.image = image
        self._strokes = None
        self._underlay = None

    def show_underlay(self, pixels: np.ndarray | None) -> None:
        """Put a picture under the strokes (None: remove it)."""
        underlay = None if pixels is None else canvas_image(pixels)
        self.remember()
        self._underlay = underlay

    def show_strokes(self, strokes: tuple[Stroke, ...]) -> None:
        """Replace the drawing with ``strokes``, drawn as the pen draws them, and record them."""
        self.remember()
        self.image.fill(0)
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in strokes:
            painter.setPen(pen_for(stroke.width, stroke.erase))
            for piece in stroke_pieces([QPointF(float(x), float(y)) for x, y in stroke.points]):
                painter.drawPath(piece)
        painter.end()
        self._strokes = list(strokes)
        self._underlay = None

    # history -----------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_steps(self) -> int:
        return len(self._undo)

    def undo(self) -> bool:
        """Go one step back; False when there is none."""
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        """Go one step forward again; False when there is none."""
        return self._step(self._redo, self._undo)

    def _step(self, source: list[Snapshot], target: list[Snapshot]) -> bool:
        if not source:
            return False
        target.append((self.image, self._strokes, self._underlay))
        self.image, self._strokes, self._underlay = source.pop()
        return True


def canvas_image(pixels: np.ndarray) -> tuple[np.ndarray, QImage]:
    """uint8 ``[448, 448]`` pixels and a QImage that owns a copy of them (ValueError for another shape)."""
    data = np.ascontiguousarray(pixels, dtype=np.uint8)
    if data.shape != (CANVAS_PIXELS, CANVAS_PIXELS):
        raise ValueError(f"canvas pixels must be {CANVAS_PIXELS}×{CANVAS_PIXELS}, got {data.shape}")
    side = CANVAS_PIXELS
    return data, QImage(data.data, side, side, side, QImage.Format.Format_Grayscale8).copy()

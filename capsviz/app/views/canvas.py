"""The drawing canvas: smooth anti-aliased ink on a square bitmap, with undo.

Strokes are drawn as quadratic curves through the midpoints of successive
pointer positions, so fast mouse moves still give round, even lines. The
bitmap is white ink on black, like MNIST, and every edit emits the pixels
together with the time of the input event, so latency can be measured from
the moment the hand moved.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.app import theme
from capsviz.app.inference import CANVAS_PIXELS

HISTORY_LIMIT = 100  # undo steps kept (200 KB each), so memory stays bounded
DEFAULT_BRUSH = 34
MIN_BRUSH, MAX_BRUSH = 6, 80


class DrawingCanvas(QWidget):
    """Square drawing surface.

    Left button (or pen) draws, right button (or the pen's eraser, or eraser
    mode) erases.

    Signals
    -------
    imageChanged(np.ndarray, float)
        uint8 ``[448, 448]`` pixels after an edit and the ``perf_counter`` time of the event.
    historyChanged(bool, bool)
        Whether undo and redo are possible.
    eraserChanged(bool)
        Eraser mode switched.
    """

    imageChanged = Signal(object, float)
    historyChanged = Signal(bool, bool)
    eraserChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 240)
        self._image = QImage(CANVAS_PIXELS, CANVAS_PIXELS, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._undo: list[QImage] = []
        self._redo: list[QImage] = []
        self._brush = DEFAULT_BRUSH
        self._eraser = False
        self._stroke: list[QPointF] = []
        self._stroke_erases = False
        self._stroke_width = float(DEFAULT_BRUSH)
        self._hover: QPointF | None = None

    # public API --------------------------------------------------------
    def pixels(self) -> np.ndarray:
        """A copy of the drawing, uint8 ``[448, 448]``, white ink on black."""
        row = self._image.bytesPerLine()
        data = np.frombuffer(self._image.constBits(), np.uint8).reshape(CANVAS_PIXELS, row)
        return data[:, :CANVAS_PIXELS].copy()

    def is_blank(self) -> bool:
        return not self.pixels().any()

    @property
    def brush_width(self) -> int:
        """Pen width in canvas pixels (the canvas is 448 px wide)."""
        return self._brush

    def set_brush_width(self, width: int) -> None:
        self._brush = int(np.clip(width, MIN_BRUSH, MAX_BRUSH))
        self.update()

    @property
    def eraser(self) -> bool:
        """Whether the left button erases instead of drawing."""
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        if on != self._eraser:
            self._eraser = on
            self.eraserChanged.emit(on)
            self.update()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def clear(self) -> None:
        """Erase everything (undoable)."""
        if self.is_blank():
            return
        self._remember()
        self._image.fill(0)
        self._changed()

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self._image)
            self._image = self._undo.pop()
            self._changed()

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self._image)
            self._image = self._redo.pop()
            self._changed()

    def show_array(self, pixels: np.ndarray) -> None:
        """Replace the drawing with ``pixels`` (uint8 ``[448, 448]``) without asking for inference."""
        data = np.ascontiguousarray(pixels, dtype=np.uint8)
        if data.shape != (CANVAS_PIXELS, CANVAS_PIXELS):
            raise ValueError(f"canvas pixels must be {CANVAS_PIXELS}×{CANVAS_PIXELS}, got {data.shape}")
        self._remember()
        image = QImage(
            data.data, CANVAS_PIXELS, CANVAS_PIXELS, CANVAS_PIXELS, QImage.Format.Format_Grayscale8
        )
        self._image = image.copy()
        self.historyChanged.emit(self.can_undo(), self.can_redo())
        self.update()

    # geometry ----------------------------------------------------------
    def _square(self) -> QRectF:
        """Where the bitmap is shown: the largest centred square."""
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_canvas(self, position: QPointF) -> QPointF:
        square = self._square()
        scale = CANVAS_PIXELS / square.width()
        return QPointF((position.x() - square.x()) * scale, (position.y() - square.y()) * scale)

    # strokes -----------------------------------------------------------
    def _remember(self) -> None:
        self._undo.append(self._image.copy())
        del self._undo[:-HISTORY_LIMIT]
        self._redo.clear()

    def _begin(self, position: QPointF, erase: bool, width: float) -> None:
        self._remember()
        self._stroke = [self._to_canvas(position)]
        self._stroke_erases = erase
        self._stroke_width = width
        point = self._stroke[0]
        path = QPainterPath(point)
        path.lineTo(point + QPointF(0.01, 0.0))
        self._paint(path)

    def _extend(self, position: QPointF, width: float) -> None:
        point = self._to_canvas(position)
        previous = self._stroke[-1]
        if (point - previous).manhattanLength() < 0.5:
            return
        self._stroke_width = width
        self._stroke.append(point)
        start = previous if len(self._stroke) == 2 else (self._stroke[-3] + previous) / 2
        path = QPainterPath(start)
        path.quadTo(previous, (previous + point) / 2)
        self._paint(path)

    def _finish(self) -> None:
        if len(self._stroke) >= 2:
            last = self._stroke[-1]
            path = QPainterPath((self._stroke[-2] + last) / 2)
            path.lineTo(last)
            self._paint(path)
        self._stroke = []

    def _paint(self, path: QPainterPath) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(0, 0, 0) if self._stroke_erases else QColor(255, 255, 255)
        pen = QPen(colour, self._stroke_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)
        painter.end()
        self._changed()

    def _changed(self, event_time: float | None = None) -> None:
        self.update()
        self.historyChanged.emit(self.can_undo(), self.can_redo())
        self.imageChanged.emit(self.pixels(), time.perf_counter() if event_time is None else event_time)

    # events ------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton) or self._stroke:
            return
        erase = self._eraser or button == Qt.MouseButton.RightButton
        self._begin(event.position(), erase, float(self._brush))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self._stroke:
            self._extend(event.position(), float(self._brush))
        else:
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._stroke:
            self._finish()

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pens draw with pressure-dependent width; the pen's eraser end erases."""
        width = self._brush * (0.35 + 0.65 * max(0.0, min(1.0, event.pressure())))
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress and not self._stroke:
            erases = self._eraser or event.pointerType() == QPointingDevice.PointerType.Eraser
            self._begin(event.position(), erases, width)
        elif kind == QTabletEvent.Type.TabletMove and self._stroke:
            self._extend(event.position(), width)
        elif kind == QTabletEvent.Type.TabletRelease and self._stroke:
            self._finish()
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.PANEL))
        square = self._square()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(square, self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(theme.PANEL_BORDER), 1))
        painter.drawRect(square.adjusted(0.5, 0.5, -0.5, -0.5))
        if not self._stroke and self.is_blank():
            self._paint_hint(painter, square)
        if self._hover is not None and square.contains(self._hover):
            radius = self._brush * square.width() / CANVAS_PIXELS / 2
            colour = QColor(theme.NEGATIVE if self._eraser else theme.ACCENT)
            painter.setPen(QPen(colour, 1.2))
            painter.drawEllipse(self._hover, radius, radius)
        painter.end()

    def _paint_hint(self, painter: QPainter, square: QRectF) -> None:
        painter.setPen(QColor(theme.MUTED))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        painter.setFont(font)
        painter.drawText(square.adjusted(0, -30, 0, -30), Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        font.setPointSizeF(font.pointSizeF() / 1.6)
        painter.setFont(font)
        painter.drawText(
            square.adjusted(0, 30, 0, 30),
            Qt.AlignmentFlag.AlignCenter,
            "left button draws · right button erases",
        )

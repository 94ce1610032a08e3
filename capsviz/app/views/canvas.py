"""The drawing canvas: smooth anti-aliased ink on a square bitmap, with undo.

Strokes are drawn as quadratic curves through the midpoints of successive
pointer positions, so fast mouse moves still give round, even lines. The
bitmap is white ink on black, like MNIST, and every edit emits the pixels
together with the time of the input event, so latency can be measured from
the moment the hand moved. Each segment is also drawn into a copy at screen
resolution and only the touched rectangle is repainted, so a stroke costs
microseconds on the GUI thread however large the window is. The drawing itself
(bitmap, strokes, the picture under them, undo) is a :class:`Drawing`.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.analysis.live import CANVAS_PIXELS
from capsviz.app import theme
from capsviz.app.views.drawing import Drawing
from capsviz.app.views.network_input import tint_qimage
from capsviz.app.views.pen import pen_for, stroke_pieces
from capsviz.data.strokes import Stroke

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
    strokeActiveChanged(bool)
        A stroke began (True) or ended (False): background work holds off meanwhile.
    """

    imageChanged = Signal(object, float)
    historyChanged = Signal(bool, bool)
    eraserChanged = Signal(bool)
    strokeActiveChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(240, 240)
        self.drawing = Drawing()
        self._display: QImage | None = None  # the bitmap at screen resolution
        self._blank = True
        self._brush = DEFAULT_BRUSH
        self._eraser = False
        self._stroke: list[QPointF] = []
        self._stroke_erases = False
        self._stroke_width = float(DEFAULT_BRUSH)
        self._hover: QPointF | None = None
        self._overlay: tuple[np.ndarray, QRectF, QImage] | None = None  # Where tint, its place, its image

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """Square: the drawing is square, so extra height is better spent on the panels below."""
        return width

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    # public API --------------------------------------------------------
    def pixels(self) -> np.ndarray:
        """A copy of the drawing, uint8 ``[448, 448]``, white ink on black."""
        return self.drawing.pixels()

    def strokes(self) -> tuple[Stroke, ...] | None:
        """The strokes the drawing is made of (points in canvas pixels), the one under way included.

        None when a picture was put on the canvas (opened, pasted, a test digit):
        then the bitmap is all there is.
        """
        return self.drawing.strokes(self._current_stroke() if self._stroke else None)

    def _current_stroke(self) -> Stroke:
        points = np.array([(p.x(), p.y()) for p in self._stroke], np.float64)
        return Stroke(points, self._stroke_width, self._stroke_erases)

    def is_blank(self) -> bool:
        """True when nothing is drawn."""
        return self._blank

    @property
    def brush_width(self) -> int:
        """Pen width in canvas pixels (the canvas is 448 px wide)."""
        return self._brush

    def set_brush_width(self, width: int) -> None:
        self._update_hover(None)
        self._brush = int(np.clip(width, MIN_BRUSH, MAX_BRUSH))
        self._update_hover(self._hover)

    @property
    def eraser(self) -> bool:
        """Whether the left button erases instead of drawing."""
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        if on != self._eraser:
            self._eraser = on
            self.eraserChanged.emit(on)
            self._update_hover(self._hover)

    def can_undo(self) -> bool:
        return self.drawing.can_undo()

    def can_redo(self) -> bool:
        return self.drawing.can_redo()

    def clear(self) -> None:
        """Erase everything (undoable)."""
        if self.is_blank():
            return
        self.drawing.clear()
        self._replaced()
        self._changed()

    def undo(self) -> None:
        if self.drawing.undo():
            self._replaced()
            self._changed()

    def redo(self) -> None:
        if self.drawing.redo():
            self._replaced()
            self._changed()

    def show_array(self, pixels: np.ndarray) -> None:
        """Replace the drawing with ``pixels`` (uint8 ``[448, 448]``) without asking for inference."""
        self.drawing.show_picture(pixels)
        self._replaced()
        self.historyChanged.emit(self.can_undo(), self.can_redo())

    def show_underlay(self, pixels: np.ndarray | None) -> None:
        """Put ``pixels`` (uint8 ``[448, 448]``) under the strokes, as one picture with them (None: remove).

        Drawing over a test digit makes a pair of overlapping digits by hand; the
        network is then given the picture (the strokes alone no longer tell it all).
        """
        self.drawing.show_underlay(pixels)
        self._replaced()
        self._changed()

    @property
    def has_underlay(self) -> bool:
        return self.drawing.underlay_image is not None

    def show_strokes(self, strokes: tuple[Stroke, ...]) -> None:
        """Replace the drawing with ``strokes`` (canvas pixels), drawn as the pen draws them, and classify it.

        This is how a saved drawing comes back: the same curves, the same widths,
        and the strokes recorded again, so the network's stroke-width step sees them.
        """
        self.drawing.show_strokes(strokes)
        self._replaced()
        self._changed()

    def show_overlay(
        self, strength: np.ndarray | None, field: tuple[float, float, float, float] | None = None
    ) -> None:
        """Tint the drawing with ``strength`` ([28, 28] in [0, 1], NaN: none) stretched over ``field``.

        ``field`` is ``(top, left, height, width)`` in canvas pixels: where the
        network's 28×28 input lies on the drawing. None for either removes the tint.
        """
        if strength is None or field is None:
            if self._overlay is None:
                return  # nothing to take away: repainting the whole drawing would cost a frame's time
            self._overlay = None
        else:
            values = np.asarray(strength, np.float32).copy()
            top, left, height, width = field
            self._overlay = (values, QRectF(left, top, width, height), tint_qimage(values))
        self.update()

    def overlay(self) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
        """The tint on display and its ``(top, left, height, width)`` field, or None."""
        if self._overlay is None:
            return None
        values, rect, _ = self._overlay
        return values.copy(), (rect.top(), rect.left(), rect.height(), rect.width())

    # geometry ----------------------------------------------------------
    def _square(self) -> QRect:
        """Where the bitmap is shown: the largest centred square, on whole pixels."""
        side = max(1, min(self.width(), self.height()))
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _scale(self) -> float:
        """Screen pixels per canvas pixel."""
        return self._square().width() / CANVAS_PIXELS

    def _to_canvas(self, position: QPointF) -> QPointF:
        square = self._square()
        return (position - QPointF(square.topLeft())) / self._scale()

    def _to_widget(self, rect: QRectF) -> QRect:
        scale, origin = self._scale(), QPointF(self._square().topLeft())
        mapped = QRectF(rect.topLeft() * scale + origin, rect.size() * scale)
        return mapped.toAlignedRect().adjusted(-2, -2, 2, 2)

    def _screen_copy(self) -> QImage:
        side = self._square().width()
        if self._display is None or self._display.width() != side:
            self._display = self.drawing.image.scaled(
                side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        return self._display

    def _replaced(self) -> None:
        """The whole bitmap changed: rebuild the screen copy and the blank flag."""
        self._display = None
        self._blank = not self.pixels().any()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._display = None
        super().resizeEvent(event)

    # strokes -----------------------------------------------------------
    def _begin(self, position: QPointF, erase: bool, width: float) -> None:
        self.drawing.remember()
        self._stroke = [self._to_canvas(position)]
        self._stroke_erases = erase
        self._stroke_width = width
        self.strokeActiveChanged.emit(True)
        self._paint(stroke_pieces(self._stroke)[0])  # the dot where the pen went down

    def _extend(self, position: QPointF, width: float) -> None:
        point = self._to_canvas(position)
        previous = self._stroke[-1]
        if (point - previous).manhattanLength() < 0.5:
            return
        self._stroke_width = width
        self._stroke.append(point)
        self._paint(stroke_pieces(self._stroke[-3:])[-2])  # the curve up to the new point's midpoint

    def _finish(self) -> None:
        if len(self._stroke) >= 2:
            self._paint(stroke_pieces(self._stroke[-2:])[-1])  # the straight end to the last point
        if self._stroke:
            self.drawing.finish_stroke(self._current_stroke())
        self._stroke = []
        self.strokeActiveChanged.emit(False)

    def _paint(self, path: QPainterPath) -> None:
        pen = pen_for(self._stroke_width, self._stroke_erases)
        for target, scale in ((self.drawing.image, 1.0), (self._screen_copy(), self._scale())):
            painter = QPainter(target)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.scale(scale, scale)
            painter.setPen(pen)
            painter.drawPath(path)
            painter.end()
        if not self._stroke_erases:
            self._blank = False
        elif not self._blank:
            self._blank = not self.pixels().any()
        reach = self._stroke_width / 2 + 1
        self.update(self._to_widget(path.boundingRect().adjusted(-reach, -reach, reach, reach)))
        self._changed()

    def _changed(self, event_time: float | None = None) -> None:
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
        self._update_hover(event.position())
        if self._stroke:
            self._extend(event.position(), float(self._brush))

    def _update_hover(self, position: QPointF | None) -> None:
        """Move the brush outline, repainting only where it was and where it is."""
        radius = self._brush * self._scale() / 2 + 3
        for point in (self._hover, position):
            if point is not None:
                self.update(
                    QRectF(point.x() - radius, point.y() - radius, 2 * radius, 2 * radius).toAlignedRect()
                )
        self._hover = position

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
        self._update_hover(None)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(theme.PANEL))
        square = self._square()
        underlay = self.drawing.underlay_image
        if underlay is not None:  # under the strokes: the brighter of the two shows, as in pixels()
            painter.drawImage(square, underlay)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
        painter.drawImage(square.topLeft(), self._screen_copy())
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if self._overlay is not None:
            painter.save()
            painter.setClipRect(square)
            rect = self._overlay[1]
            scale, origin = self._scale(), QPointF(square.topLeft())
            painter.drawImage(QRectF(rect.topLeft() * scale + origin, rect.size() * scale), self._overlay[2])
            painter.restore()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(theme.PANEL_BORDER), 1))
        painter.drawRect(QRectF(square).adjusted(0.5, 0.5, -0.5, -0.5))
        if not self._stroke and self._blank:
            self._paint_hint(painter, QRectF(square))
        if self._hover is not None and QRectF(square).contains(self._hover):
            radius = self._brush * self._scale() / 2
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

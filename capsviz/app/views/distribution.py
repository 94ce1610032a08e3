"""The test-set distribution of one pose dimension, drawn behind its slider.

A slider alone says how far a dimension is pushed, not whether real digits
ever go there. This strip shares the slider's horizontal scale (pose value of
the steered capsule ± the slider's reach), so the density of the test digits,
their mean ± 2σ band and the current value line up with the slider's handle.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.app import theme

HANDLE_HALF = 6  # half the slider handle's width (theme): the handle's centre never reaches the edges
DENSITY_COLOUR = QColor(theme.ACCENT)
DENSITY_COLOUR.setAlpha(70)
BAND_COLOUR = QColor(theme.ACCENT)
BAND_COLOUR.setAlpha(28)
MARKER_COLOUR = QColor(theme.STEER)


class DimensionStrip(QWidget):
    """Density of one dimension over the test set, its mean ± 2σ band and a marker for the current value.

    Draws nothing until :meth:`show_distribution` gives it data, so the slider
    looks exactly as before the survey has finished.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._centres: np.ndarray | None = None
        self._density: np.ndarray | None = None
        self._band: tuple[float, float] = (0.0, 0.0)
        self._span: tuple[float, float] = (-0.25, 0.25)
        self._outline: QPolygonF | None = None  # the density in (value, density) units, built once per data
        self._marker: float | None = None

    def sizeHint(self) -> QSize:
        return QSize(80, 22)

    # data in -----------------------------------------------------------
    def show_distribution(
        self,
        centres: np.ndarray | None,
        density: np.ndarray | None = None,
        band: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """Bin centres and densities (peak 1) of the dimension and its mean ± 2σ; None clears."""
        if centres is None or density is None:
            self._centres = self._density = self._outline = None
        else:
            self._centres = np.asarray(centres, np.float64).copy()
            self._density = np.clip(np.asarray(density, np.float64), 0.0, 1.0)
            self._band = (float(band[0]), float(band[1]))
            xs, ys = self._centres.tolist(), self._density.tolist()
            corners = [QPointF(xs[0], 0.0), *map(QPointF, xs, ys), QPointF(xs[-1], 0.0)]
            self._outline = QPolygonF(corners)
        self.update()

    def show_span(self, low: float, high: float, marker: float | None) -> None:
        """The pose values at the slider's two ends, and the current value (pose + offset)."""
        self._span = (float(low), float(high)) if high > low else (float(low), float(low) + 1e-6)
        self._marker = None if marker is None else float(marker)
        self.update()

    # what is shown (for tests and tooltips) ----------------------------
    def density(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(bin centres, density)`` on display, or None."""
        if self._centres is None or self._density is None:
            return None
        return self._centres.copy(), self._density.copy()

    def marker(self) -> float | None:
        """The value the marker stands at, or None."""
        return self._marker

    def x_of(self, value: float) -> float:
        """Widget x coordinate of a pose value, on the slider's scale."""
        low, high = self._span
        usable = max(1.0, self.width() - 2 * HANDLE_HALF)
        return HANDLE_HALF + (value - low) / (high - low) * usable

    # drawing -----------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if self._outline is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = float(self.height())
        left, right = self.x_of(self._band[0]), self.x_of(self._band[1])
        painter.fillRect(QRectF(left, 0.0, right - left, height), BAND_COLOUR)
        painter.setClipRect(QRectF(0.0, 0.0, self.width(), height))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(DENSITY_COLOUR)
        # the outline is in (pose value, density) units: map them onto the slider's scale here,
        # so a moved span (every new input) costs a transform, not thirty new points
        low, high = self._span
        scale_x = max(1.0, self.width() - 2 * HANDLE_HALF) / (high - low)
        painter.save()
        painter.translate(HANDLE_HALF - low * scale_x, height - 1.0)
        painter.scale(scale_x, -(height - 2.0))
        painter.drawPolygon(self._outline)
        painter.restore()
        if self._marker is not None:
            x = self.x_of(self._marker)
            painter.setPen(QPen(MARKER_COLOUR, 2))
            painter.drawLine(QPointF(x, 0.0), QPointF(x, 4.0))
            painter.drawLine(QPointF(x, height - 4.0), QPointF(x, height))
        painter.end()

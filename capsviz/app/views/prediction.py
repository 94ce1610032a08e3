"""The prediction, big: the winning digit inside a ring whose arc is its capsule length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.analysis.familiar import explain
from capsviz.app import theme

MARGIN_POSITIVE = 0.9


PREDICTION_HELP = (
    "The prediction: the digit whose capsule is longest; the ring fills with that length "
    "(the tick marks the 0.9 training margin)."
)


class PredictionLabel(QWidget):
    """Shows the predicted digit with its confidence (the winning capsule's length).

    ``text()`` is plain, e.g. ``"7 · length 0.98"``, so scripts and screen
    readers (its accessible name) get the same facts the ring shows. It paints
    everything itself: a QLabel's text would ask the whole window to lay itself
    out again on every answer, repainting the column around it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionLabel")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(150, 150)
        self.setToolTip(PREDICTION_HELP)
        self._lengths: np.ndarray | None = None
        self._note = "draw a digit"
        self._caution: tuple[str, ...] = ()
        self._text = ""
        self._set_text("– draw a digit")

    def sizeHint(self) -> QSize:
        return QSize(200, 190)

    def text(self) -> str:
        """What the ring shows, in words."""
        return self._text

    def _set_text(self, text: str) -> None:
        self._text = text
        self.setAccessibleName(text)

    def show_prediction(
        self, lengths: np.ndarray | None, note: str = "", caution: Sequence[str] = ()
    ) -> None:
        """The winner of ``lengths``; without lengths, ``note``.

        ``caution`` names how the input lies outside what the network learned
        from (:func:`capsviz.analysis.familiar.unfamiliar`): it replaces the
        runner-up line, in amber, and the tooltip says why it matters.
        """
        self._lengths = None if lengths is None else np.asarray(lengths, np.float32).copy()
        self._note = note or "draw a digit"
        self._caution = tuple(caution) if self._lengths is not None else ()
        if self._lengths is None:
            self._set_text(f"– {self._note}")
        else:
            order = np.argsort(self._lengths)[::-1]
            winner, second = int(order[0]), int(order[1])
            beyond = f" · beyond MNIST: {', '.join(self._caution)}" if self._caution else ""
            self._set_text(
                f"{winner} · length {self._lengths[winner]:.2f} "
                f"(runner-up {second}: {self._lengths[second]:.2f}){beyond}"
            )
        self.setToolTip(explain(list(self._caution)) if self._caution else PREDICTION_HELP)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_room = 44
        side = max(40.0, min(self.width(), self.height() - text_room) - 12.0)
        ring = QRectF((self.width() - side) / 2, 6, side, side)
        thickness = max(6.0, side * 0.06)
        inner = ring.adjusted(thickness / 2, thickness / 2, -thickness / 2, -thickness / 2)
        painter.setPen(QPen(QColor("#2a2f36"), thickness, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawEllipse(inner)
        if self._lengths is None:
            self._paint_centre(painter, inner, "?", QColor(theme.PANEL_BORDER))
            self._paint_caption(painter, ring.bottom() + 4, self._note, "")
        else:
            winner = int(np.argmax(self._lengths))
            length = float(self._lengths[winner])
            colour = QColor(theme.ACCENT if length >= 0.5 else theme.STEER)
            pen = QPen(colour, thickness, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawArc(inner, 90 * 16, -round(360 * 16 * min(length, 1.0)))
            self._paint_tick(painter, inner, thickness)
            self._paint_centre(painter, inner, str(winner), QColor(theme.TEXT))
            second = int(np.argsort(self._lengths)[-2])
            detail = f"runner-up {second}: {self._lengths[second]:.2f}"
            if self._caution:
                detail = f"beyond MNIST: {self._caution[0]}"
            headline = f"length {length:.2f}" + ("" if length >= 0.5 else " · unsure")
            self._paint_caption(painter, ring.bottom() + 4, headline, detail, bool(self._caution))
        painter.end()

    @staticmethod
    def _paint_tick(painter: QPainter, inner: QRectF, thickness: float) -> None:
        """Mark 0.9 of the ring: a present digit is trained to reach it."""
        painter.save()
        painter.translate(inner.center())
        painter.rotate(360 * MARGIN_POSITIVE)
        painter.setPen(QPen(QColor(theme.POSITIVE), 2))
        radius = inner.width() / 2
        painter.drawLine(0, round(-radius - thickness * 0.8), 0, round(-radius + thickness * 0.8))
        painter.restore()

    def _paint_centre(self, painter: QPainter, inner: QRectF, text: str, colour: QColor) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(12, round(inner.height() * 0.55)))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_caption(
        self, painter: QPainter, top: float, headline: str, detail: str, caution: bool = False
    ) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(QRectF(0, top, self.width(), 22), Qt.AlignmentFlag.AlignCenter, headline)
        font.setPointSizeF(font.pointSizeF() / 1.15)
        painter.setFont(font)
        painter.setPen(QColor(theme.STEER if caution else theme.MUTED))
        painter.drawText(QRectF(0, top + 21, self.width(), 20), Qt.AlignmentFlag.AlignCenter, detail)

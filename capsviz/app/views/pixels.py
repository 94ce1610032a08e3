"""A small grey image shown large with crisp pixels: the 28×28 input and decoder outputs."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.app import theme
from capsviz.data.images import MAX_PIXELS, WORK_SIDE, ImageError

CAPTION_HEIGHT = 20


def grey_qimage(array: np.ndarray) -> QImage:
    """Values in [0, 1] as an 8-bit grey QImage that owns its pixels."""
    data = np.ascontiguousarray((np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
    height, width = data.shape
    return QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


class PixelImage(QWidget):
    """Draws a 2-D array in [0, 1] enlarged without smoothing, with an optional pixel grid and caption."""

    def __init__(
        self,
        caption: str = "",
        grid: bool = False,
        empty_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._caption = caption
        self._grid = grid
        self._empty_text = empty_text
        self._array: np.ndarray | None = None
        self._pixels: np.ndarray | None = None  # uint8 copy of the array
        self._image: QImage | None = None  # the array enlarged to the widget, grid included
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 96 + (CAPTION_HEIGHT if caption else 0))

    def sizeHint(self) -> QSize:
        return QSize(160, 160 + (CAPTION_HEIGHT if self._caption else 0))

    def array(self) -> np.ndarray | None:
        """The array on display (a copy), or None."""
        return None if self._array is None else self._array.copy()

    def show_array(self, array: np.ndarray | None) -> None:
        self._array = None if array is None else np.asarray(array, np.float32).copy()
        self._pixels = (
            None if array is None else (np.clip(self._array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        )
        self._image = None
        self.update()

    def _enlarged(self, side: int) -> QImage:
        """The pixels enlarged to ``side``×``side`` without smoothing, grid lines baked in.

        Done once per new array and size with numpy, so repaints are a plain copy.
        """
        if self._image is None or self._image.width() != side:
            rows, columns = self._pixels.shape
            ys = np.minimum(np.arange(side) * rows // side, rows - 1)
            xs = np.minimum(np.arange(side) * columns // side, columns - 1)
            big = self._pixels[ys][:, xs].astype(np.float32)
            if self._grid and side >= 3 * max(rows, columns):
                big[np.flatnonzero(np.diff(ys)) + 1, :] = big[np.flatnonzero(np.diff(ys)) + 1, :] * 0.8 + 18
                big[:, np.flatnonzero(np.diff(xs)) + 1] = big[:, np.flatnonzero(np.diff(xs)) + 1] * 0.8 + 18
            data = np.ascontiguousarray(big.round().astype(np.uint8))
            self._image = QImage(data.data, side, side, side, QImage.Format.Format_Grayscale8).copy()
        return self._image

    def show_caption(self, caption: str) -> None:
        self._caption = caption
        self.update()

    def _square(self) -> QRectF:
        room = self.height() - (CAPTION_HEIGHT if self._caption else 0)
        side = max(1, min(self.width(), room))
        return QRectF((self.width() - side) // 2, (room - side) // 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        square = self._square()
        painter.fillRect(square, QColor("#000000"))
        if self._pixels is not None:
            painter.drawImage(square.topLeft(), self._enlarged(round(square.width())))
        elif self._empty_text:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                square, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty_text
            )
        painter.setPen(QPen(QColor(theme.PANEL_BORDER), 1))
        painter.drawRect(square.adjusted(0.5, 0.5, -0.5, -0.5))
        if self._caption:
            painter.setPen(QColor(theme.MUTED))
            caption = QRectF(0, square.bottom() + 2, self.width(), CAPTION_HEIGHT - 2)
            painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, self._caption)
        painter.end()


def qimage_to_array(image: QImage, name: str = "image") -> np.ndarray:
    """A QImage (pasted or dropped) as an ``H×W×4`` uint8 RGBA array for preprocessing.

    Treated like an image file: refused above ``MAX_PIXELS`` (an :class:`ImageError`
    that starts with ``name``) and reduced to at most ``WORK_SIDE`` pixels a side
    before it is converted, so a screen-sized paste never costs hundreds of megabytes.
    """
    width, height = image.width(), image.height()
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name}: {width}×{height} pixels is too large (limit {MAX_PIXELS:,} pixels)")
    factor = math.ceil(max(width, height) / WORK_SIDE)
    if factor > 1:  # the same integer reduction load_image applies (area-averaging)
        image = image.scaled(
            math.ceil(width / factor),
            math.ceil(height / factor),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    height, width, row = rgba.height(), rgba.width(), rgba.bytesPerLine()
    data = np.frombuffer(rgba.constBits(), np.uint8, count=row * height).reshape(height, row)
    return data[:, : width * 4].reshape(height, width, 4).copy()

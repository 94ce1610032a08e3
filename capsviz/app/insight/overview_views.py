"""The small drawings of the network overview: tiled maps, capsule colour wheels, ten bars.

Pure functions turn arrays into pictures (tested without Qt's help); two tiny
widgets paint them crisp and report which tile was clicked.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from capsviz.app import theme
from capsviz.model.capsnet import N_DIGITS

GAP = 1  # pixels between tiles
BACKGROUND = 0.12  # grey of the gaps


def tile_mosaic(tiles: np.ndarray, columns: int, gap: int = GAP) -> np.ndarray:
    """``[N, h, w]`` (or ``[N, h, w, 3]``) tiles → one picture, ``columns`` tiles a row, gaps between."""
    tiles = np.asarray(tiles, np.float32)
    count, height, width = tiles.shape[:3]
    rows = -(-count // columns)
    shape = (rows * (height + gap) - gap, columns * (width + gap) - gap, *tiles.shape[3:])
    mosaic = np.full(shape, BACKGROUND, np.float32)
    for index, tile in enumerate(tiles):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        mosaic[top : top + height, left : left + width] = tile
    return mosaic


def normalised(maps: np.ndarray) -> np.ndarray:
    """Each map scaled to [0, 1] by the largest value of all of them (so strong maps look strong)."""
    peak = float(np.max(maps)) if np.size(maps) else 0.0
    return np.clip(np.asarray(maps, np.float32) / peak, 0, 1) if peak > 0 else np.zeros_like(maps, np.float32)


def above_uniform(coupling: np.ndarray) -> np.ndarray:
    """Coupling shown as how far above the uniform 1/10 it rose: 0 at (or below) 1/10, 1 at the most."""
    values = np.asarray(coupling, np.float32) - 1.0 / N_DIGITS
    return normalised(np.clip(values, 0, None))


def capsule_colours(lengths: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Hue from each capsule's direction, brightness from its length: ``[..., 3]`` RGB in [0, 1]."""
    hue = (np.asarray(angles) / (2 * np.pi)) % 1.0
    value = np.clip(np.asarray(lengths, np.float32), 0, 1)
    sector = hue * 6.0
    index = np.floor(sector).astype(int) % 6
    fraction = sector - np.floor(sector)
    saturation = 0.75
    p = value * (1 - saturation)
    q = value * (1 - saturation * fraction)
    t = value * (1 - saturation * (1 - fraction))
    choices = [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)]
    rgb = np.zeros((*value.shape, 3), np.float32)
    for sector_index, (r, g, b) in enumerate(choices):
        chosen = index == sector_index
        rgb[chosen] = np.stack([r[chosen], g[chosen], b[chosen]], axis=-1)
    return rgb


def as_qimage(picture: np.ndarray) -> QImage:
    """A grey ``[H, W]`` or colour ``[H, W, 3]`` picture in [0, 1] as a QImage that owns its pixels."""
    data = (np.clip(picture, 0, 1) * 255 + 0.5).astype(np.uint8)
    if data.ndim == 2:
        data = np.repeat(data[..., None], 3, axis=2)
    data = np.ascontiguousarray(data)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class Mosaic(QWidget):
    """Tiles drawn enlarged without smoothing; a click reports the tile under the mouse.

    Signals
    -------
    tileClicked(int)
        The index of the tile clicked.
    """

    tileClicked = Signal(int)

    def __init__(self, columns: int, minimum: int = 120, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self._image: QImage | None = None
        self._tile: tuple[int, int, int] = (0, 0, 0)  # count, height, width
        self._selected: int | None = None
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(150, 150)

    def show_tiles(self, tiles: np.ndarray | None) -> None:
        """``[N, h, w]`` or ``[N, h, w, 3]`` tiles in [0, 1] (None: nothing)."""
        if tiles is None:
            self._image = None
        else:
            self._image = as_qimage(tile_mosaic(tiles, self.columns))
            self._tile = (len(tiles), tiles.shape[1], tiles.shape[2])
        self.update()

    def select(self, index: int | None) -> None:
        """Outline tile ``index`` (None: no outline)."""
        self._selected = index
        self.update()

    def _area(self) -> QRectF:
        if self._image is None:
            return QRectF()
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def tile_at(self, x: float, y: float) -> int | None:
        """The tile at widget position (x, y), or None between or beyond tiles."""
        area = self._area()
        if self._image is None or not area.contains(x, y):
            return None
        count, height, width = self._tile
        scale = area.width() / self._image.width()
        column = int((x - area.left()) / scale // (width + GAP))
        row = int((y - area.top()) / scale // (height + GAP))
        index = row * self.columns + column
        return index if 0 <= column < self.columns and 0 <= index < count else None

    def tile_centre(self, index: int) -> tuple[float, float]:
        """Where tile ``index`` is drawn (widget coordinates), to click it."""
        area, (_count, height, width) = self._area(), self._tile
        scale = area.width() / self._image.width()
        row, column = divmod(index, self.columns)
        return (
            area.left() + (column * (width + GAP) + width / 2) * scale,
            area.top() + (row * (height + GAP) + height / 2) * scale,
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.tile_at(event.position().x(), event.position().y())
        if index is not None:
            self.tileClicked.emit(index)
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._image is None:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "–")
            return
        area = self._area()
        painter.drawImage(area, self._image)
        if self._selected is not None:
            _count, height, width = self._tile
            scale = area.width() / self._image.width()
            row, column = divmod(self._selected, self.columns)
            box = QRectF(
                area.left() + column * (width + GAP) * scale,
                area.top() + row * (height + GAP) * scale,
                width * scale,
                height * scale,
            )
            painter.setPen(QPen(QColor(theme.STEER), 2))
            painter.drawRect(box.adjusted(-1, -1, 1, 1))


class MiniBars(QWidget):
    """Ten bars of digit-capsule lengths (0–1), the longest in the winner's colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lengths: np.ndarray | None = None
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(150, 150)

    def show_lengths(self, lengths: np.ndarray | None) -> None:
        self._lengths = None if lengths is None else np.asarray(lengths, np.float32)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        bottom = self.height() - metrics.height() - 2
        slot = self.width() / N_DIGITS
        painter.setPen(QColor(theme.MUTED))
        for digit in range(N_DIGITS):
            label = QRectF(digit * slot, bottom + 2, slot, metrics.height())
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(digit))
        if self._lengths is None:
            return
        winner = int(np.argmax(self._lengths))
        painter.setPen(Qt.PenStyle.NoPen)
        for digit, length in enumerate(self._lengths):
            height = max(1.0, float(np.clip(length, 0, 1)) * (bottom - 4))
            painter.setBrush(QColor(theme.ACCENT if digit == winner else theme.BAR))
            painter.drawRect(QRectF(digit * slot + slot * 0.15, bottom - height, slot * 0.7, height))

"""Counterfactuals: the current pose drawn as every digit, and what the network then sees."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.counterfactual import Counterfactuals
from capsviz.app import theme
from capsviz.app.insight.common import (
    ORIGINAL,
    BarSeries,
    Responsive,
    add_legend,
    chart,
    digit_ticks,
    fill_remaining_height,
    hint_label,
    set_title,
    thumbnail,
)

KEPT = theme.POSITIVE
LOST = theme.NEGATIVE
TILE_PIXELS = 64
CHART_MIN_HEIGHT = 220


class DigitTile(QFrame):
    """One counterfactual picture with its verdict; click to inspect it."""

    clicked = Signal(int)

    def __init__(self, digit: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digit = digit
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.picture = QLabel()
        self.picture.setFixedSize(TILE_PIXELS, TILE_PIXELS)
        self.caption = QLabel(f"as {digit}")
        self.verdict = QLabel("")
        for label in (self.caption, self.verdict):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(1)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.caption)
        layout.addWidget(self.verdict)
        self.set_state(False, False)

    def show_result(self, image: np.ndarray, prediction: int, length: float, kept: bool) -> None:
        self.picture.setPixmap(thumbnail(image, TILE_PIXELS))
        mark = "✓" if kept else "✗"
        self.verdict.setText(f"→ {prediction} {mark} {length:.2f}")
        style = f"color: {KEPT if kept else LOST}; font-weight: 600;"
        if style != self.verdict.styleSheet():  # restyling a widget costs a millisecond even when equal
            self.verdict.setStyleSheet(style)
        self.setToolTip(
            f"The pose decoded as a {self.digit}; fed back, the network says {prediction} "
            f"(length {length:.2f}): identity {'kept' if kept else 'lost'}."
        )

    def set_state(self, selected: bool, source: bool) -> None:
        border = theme.ACCENT if selected else (theme.STEER if source else "transparent")
        style = f"DigitTile {{ border: 2px solid {border}; border-radius: 6px; }}"
        if style != self.styleSheet():
            self.setStyleSheet(style)
        self.caption.setText(f"as {self.digit}" + ("  (own)" if source else ""))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.digit)
        super().mousePressEvent(event)


class CounterfactualPanel(Responsive, QWidget):
    """Ten tiles (the pose as 0 … 9) and the lengths the network gives the picked one.

    Signals
    -------
    digitRequested(int)
        A tile was clicked: the user wants to see the pose as this digit.
    imageRequested(object)
        "Use as input" was pressed: load this ``[28, 28]`` picture into the app.
    """

    digitRequested = Signal(int)
    imageRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "What would this look like as another digit? The current pose is decoded through every digit "
            "capsule and each picture is fed back through the network to see if it keeps that identity."
        )
        self._result: Counterfactuals | None = None
        self._original: np.ndarray | None = None
        self._selected = 0
        self.tiles_per_row = 0
        self.tiles = [DigitTile(j) for j in range(10)]
        self.strip = strip = QGridLayout()
        strip.setSpacing(4)
        for tile in self.tiles:
            tile.clicked.connect(self._tile_clicked)
        self.use_button = QPushButton("Use as input")
        self.use_button.setToolTip("Load the picked picture into the app as if you had drawn it.")
        self.use_button.clicked.connect(self._use_clicked)
        self.use_button.setEnabled(False)
        self.view = pg.GraphicsLayoutWidget()
        fill_remaining_height(self.view, CHART_MIN_HEIGHT)
        self.plot = chart(self.view.ci, "lengths", "digit capsule j", "length ‖v_j‖")
        digit_ticks(self.plot.getAxis("bottom"))
        self.plot.setYRange(0, 1.25, padding=0)
        self.legend = add_legend(self.plot, offset=(8, 4), columns=2)
        self.bars = BarSeries(
            self.plot, self.legend, np.arange(10), [ORIGINAL, KEPT], ["your input", "picture"]
        )
        for value, colour in ((0.9, theme.POSITIVE), (0.1, theme.NEGATIVE)):
            self.plot.addItem(
                pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            )
        footer = QHBoxLayout()
        footer.addWidget(
            hint_label(
                "Green ✓: the network recognises the picture as the digit it was drawn as; "
                "red ✗: it does not. Amber frame: the capsule the pose came from."
            ),
            1,
        )
        footer.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        # The tiles' row must not become the panel's minimum width: the panel then gets a narrow
        # tab's width, and the tiles wrap into more rows instead of scrolling sideways.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(strip)
        layout.addWidget(self.view, 1)
        layout.addLayout(footer)
        self.follow_width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follow_width()
        self._fit_tiles()

    def minimumSizeHint(self) -> QSize:
        """Two tiles wide (they wrap to the width there is) and as tall as their arrangement needs."""
        margins = self.layout().contentsMargins()
        width = 2 * self._tile_pitch() + margins.left() + margins.right()
        return QSize(width, super().minimumSizeHint().height())

    def _tile_pitch(self) -> int:
        return max(tile.sizeHint().width() for tile in self.tiles) + self.strip.horizontalSpacing()

    def arrange(self, narrow: bool) -> None:
        """The tiles follow the width (see :meth:`_fit_tiles`); nothing else changes with it."""
        self._fit_tiles()

    def _fit_tiles(self) -> None:
        """Ten tiles in a row where they fit, else five, else as many as fit (two at least).

        A tile is as wide as its verdict ("→ 7 ✓ 0.93"), so this runs again when
        new verdicts arrive as well as when the panel is resized.
        """
        margins = self.layout().contentsMargins()
        fits = max(2, (self.width() - margins.left() - margins.right()) // self._tile_pitch())
        per_row = 10 if fits >= 10 else 5 if fits >= 5 else fits
        if per_row == self.tiles_per_row:
            return
        self.tiles_per_row = per_row
        for j, tile in enumerate(self.tiles):
            self.strip.removeWidget(tile)
            self.strip.addWidget(tile, j // per_row, j % per_row)

    @property
    def selected(self) -> int:
        return self._selected

    def show_counterfactuals(
        self, result: Counterfactuals | None, original_lengths: np.ndarray | None = None
    ) -> None:
        """Show a new set of counterfactuals; ``original_lengths`` are the input's own lengths."""
        self._result = result
        self._original = None if original_lengths is None else np.asarray(original_lengths, np.float32)
        self.use_button.setEnabled(result is not None)
        if result is not None:
            for j, tile in enumerate(self.tiles):
                prediction = int(result.predictions[j])
                tile.show_result(
                    result.images[j], prediction, float(result.lengths[j, prediction]), bool(result.kept[j])
                )
            self._fit_tiles()
        self.select(self._selected)

    def select(self, digit: int) -> None:
        """Pick tile ``digit`` and chart its lengths (does not emit)."""
        self._selected = int(digit)
        source = None if self._result is None else self._result.source
        for j, tile in enumerate(self.tiles):
            tile.set_state(j == self._selected, j == source)
        self._draw_chart()

    @property
    def result(self) -> Counterfactuals | None:
        """The counterfactuals on display."""
        return self._result

    @property
    def shown_lengths(self) -> np.ndarray | None:
        """The lengths charted for the picked tile."""
        return None if self._result is None else self._result.lengths[self._selected]

    def _draw_chart(self) -> None:
        if self._result is None:
            self.bars.set([None, None])
            return
        j = self._selected
        picked = KEPT if self._result.kept[j] else LOST
        self.bars.set(
            [self._original, self._result.lengths[j]],
            ["your input", f"picture drawn as {j}"],
            [ORIGINAL, picked],
        )
        prediction = int(self._result.predictions[j])
        verdict = "kept" if self._result.kept[j] else f"seen as {prediction}"
        set_title(self.plot, f"capsule {self._result.source} drawn as {j}: {verdict}")
        self.plot.setToolTip(
            f"The pose of capsule {self._result.source} decoded as a {j} and fed back through the network: "
            + ("it keeps its identity." if self._result.kept[j] else f"the network sees a {prediction}.")
        )

    def _tile_clicked(self, digit: int) -> None:
        self.select(digit)
        self.digitRequested.emit(digit)

    def _use_clicked(self) -> None:
        if self._result is not None:
            self.imageRequested.emit(self._result.inputs[self._selected].copy())

"""Bar charts of digit-capsule lengths with the margin-loss targets 0.9 and 0.1."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QWidget

from capsviz.app import theme
from capsviz.model.capsnet import N_DIGITS

CNN_COLOUR = "#b48ead"  # the CNN baseline's bars: a colour no capsule uses
COMPARE_OFFSET, COMPARE_WIDTH = 0.19, 0.36  # side by side: capsule left, CNN right


def length_brushes(lengths: np.ndarray | None) -> list[QBrush]:
    """Winner in the accent colour, the other capsules grey."""
    winner = None if lengths is None else int(np.argmax(lengths))
    accent, bar = QBrush(QColor(theme.ACCENT)), QBrush(QColor(theme.BAR))
    return [accent if j == winner else bar for j in range(N_DIGITS)]


def length_pens(steered: int | None) -> list[QPen]:
    """An amber outline marks the capsule the sliders steer."""
    outline, none = QPen(QColor(theme.STEER), 2), QPen(Qt.PenStyle.NoPen)
    outline.setCosmetic(True)
    return [outline if j == steered else none for j in range(N_DIGITS)]


def add_margin_lines(plot: pg.PlotItem, labels: bool = True) -> None:
    """Dashed lines at 0.9 (a present digit should reach it) and 0.1 (absent ones stay below).

    With ``labels`` the right axis names them, where they never cover a bar.
    """
    for value, colour in ((0.9, theme.POSITIVE), (0.1, theme.NEGATIVE)):
        line = pg.InfiniteLine(
            pos=value, angle=0, pen=pg.mkPen(colour, width=1.2, style=Qt.PenStyle.DashLine)
        )
        line.setZValue(-5)
        plot.addItem(line)
    if labels:
        plot.showAxis("right")
        axis = plot.getAxis("right")
        axis.setTicks([[(0.9, "present 0.9"), (0.1, "absent 0.1")]])
        axis.setStyle(tickLength=0)


def style_length_axes(plot: pg.PlotItem, x_label: str = "digit capsule j") -> None:
    plot.setLabel("left", "length ‖v<sub>j</sub>‖")
    plot.setLabel("bottom", x_label)
    plot.getAxis("bottom").setTicks([[(j, str(j)) for j in range(N_DIGITS)]])
    plot.getAxis("left").setTicks([[(v, f"{v:.1f}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
    plot.setXRange(-0.6, N_DIGITS - 0.4, padding=0)
    plot.setYRange(0.0, 1.05, padding=0)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.showGrid(y=True, alpha=0.12)
    theme.cache_axes(plot)


class LengthPlot(pg.PlotWidget):
    """Live bar chart of the ten capsule lengths; click a bar to steer that capsule.

    Signals
    -------
    capsuleClicked(int)
        The digit whose bar was clicked.
    """

    capsuleClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lengthPlot")
        self.setToolTip(
            "Length of each digit capsule = how sure the network is that digit is present; "
            "click a bar to steer that capsule with the sliders."
        )
        plot = self.getPlotItem()
        style_length_axes(plot)
        self._axis_label = "digit capsule j"
        add_margin_lines(plot)
        self._lengths = np.zeros(N_DIGITS, np.float32)
        self.bars = pg.BarGraphItem(
            x=np.arange(N_DIGITS), height=self._lengths, width=0.72, brushes=length_brushes(None)
        )
        plot.addItem(self.bars)
        self._value = pg.TextItem(color=theme.TEXT, anchor=(0.5, 1.0))
        self._value_anchor = (0.5, 1.0)
        plot.addItem(self._value)
        self._value.hide()
        self._comparison: np.ndarray | None = None
        self._has_lengths = False
        self.cnn_bars = pg.BarGraphItem(
            x=np.arange(N_DIGITS) + COMPARE_OFFSET,
            height=np.zeros(N_DIGITS),
            width=COMPARE_WIDTH,
            brush=QBrush(QColor(CNN_COLOUR)),
            pen=pg.mkPen(None),
        )
        plot.addItem(self.cnn_bars)
        self.cnn_bars.hide()
        self._caption = ""
        self.scene().sigMouseClicked.connect(self._clicked)

    def lengths(self) -> np.ndarray:
        """The lengths on display (zeros when nothing is drawn)."""
        return self._lengths.copy()

    def comparison_caption(self) -> str:
        """What the plot says of the CNN's answer ("" while the comparison is off)."""
        return self._caption

    def comparison(self) -> np.ndarray | None:
        """The CNN's class probabilities on display beside the lengths, or None."""
        return None if self._comparison is None else self._comparison.copy()

    def show_comparison(self, probabilities: np.ndarray | None, caption: str = "") -> None:
        """Draw the CNN baseline's ten probabilities beside the capsule lengths (None: lengths alone)."""
        self._comparison = None if probabilities is None else np.asarray(probabilities, np.float32).copy()
        shown = self._comparison is not None
        if shown != self.cnn_bars.isVisible():  # the bars move aside only when the comparison comes or goes
            shift = -COMPARE_OFFSET if shown else 0.0
            self.bars.setOpts(x=np.arange(N_DIGITS) + shift, width=COMPARE_WIDTH if shown else 0.72)
            self.cnn_bars.setVisible(shown)
        self._caption = caption if shown else ""
        if shown:
            self.cnn_bars.setOpts(height=self._comparison)
        label = "digit capsule j"
        if self._caption:
            label += f' · <span style="color:{CNN_COLOUR}">{self._caption}</span>'
        if label != self._axis_label:  # a new label lays the axis out again: a few ms of every update
            self._axis_label = label
            self.getPlotItem().setLabel("bottom", label)
        self._place_value()

    def show_lengths(self, lengths: np.ndarray | None, steered: int | None) -> None:
        self._lengths = np.zeros(N_DIGITS, np.float32) if lengths is None else np.asarray(lengths, np.float32)
        self.bars.setOpts(height=self._lengths, brushes=length_brushes(lengths), pens=length_pens(steered))
        self._has_lengths = lengths is not None
        self._place_value()

    def _place_value(self) -> None:
        if not self._has_lengths:
            self._value.hide()
            return
        winner = int(np.argmax(self._lengths))
        text = f"{self._lengths[winner]:.2f}"
        if text != self._value.toPlainText():  # setting text lays out rich text again, even when equal
            self._value.setText(text)
        # right-aligned over the capsule's bar beside the CNN's, else centred over it
        anchor = (0.5, 1.0) if self._comparison is None else (1.0, 1.0)
        if anchor != self._value_anchor:
            self._value_anchor = anchor
            self._value.setAnchor(anchor)
        self._value.setPos(winner, float(self._lengths[winner]) + 0.015)
        self._value.show()

    def _clicked(self, event: object) -> None:
        position = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        if isinstance(position, QPointF):
            digit = round(position.x())
            if 0 <= digit < N_DIGITS and -0.05 <= position.y() <= 1.05:
                self.capsuleClicked.emit(digit)

"""Two digits: the MultiMNIST CapsNet reads what is on the canvas as a pair of overlapping digits.

As in the paper's Figure 5, the two longest capsules are each decoded alone and
drawn over the input in red and green; beside them the ten lengths, and how the
3200 primary capsules split their coupling c_ij between the two winners, folded
onto the 10×10 grid, at the routing iteration chosen with the slider.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from capsviz.analysis.two_digits import TwoDigits
from capsviz.app import theme
from capsviz.app.insight.common import chart, digit_ticks, hint_label, image_item, image_plot, set_title

FIRST, SECOND = "#e5534b", "#57ab5a"  # red and green, as in the paper's Figure 5
HELP = (
    "The two-digit (MultiMNIST) CapsNet reads the input as two overlapping digits: the picture is framed "
    "36×36 like its training pairs. Red and green: the two longest capsules, each decoded alone. The maps: "
    "how strongly the primary capsules over each 10×10 grid cell route to each winner (c_ij averaged over "
    "the 32 capsule types; both maps share one colour scale, from their lowest to their highest value)."
)


def overlay(result: TwoDigits) -> np.ndarray:
    """``[36, 36, 3]`` uint8: the input in grey, the first winner decoded in red, the second in green."""
    grey = np.clip(result.image, 0, 1) * 0.45
    first, second = np.clip(result.reconstructions, 0, 1)
    rgb = np.stack(
        [np.maximum(grey, first), np.maximum(grey, second), grey * (1 - np.maximum(first, second))], -1
    )
    return np.round(rgb * 255).astype(np.uint8)


class TwoDigitsPanel(QWidget):
    """Figure 5 of the paper for the input on show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("twoDigitsPanel")
        self.setToolTip(HELP)
        self._result: TwoDigits | None = None
        self.summary = QLabel("")
        self.summary.setObjectName("twoDigitsSummary")
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.PANEL)
        layout = self.view.ci
        self.pair_plot = image_plot(
            layout, "the pair: red and green, each digit alone", "x (px)", "y (px)", row=0, col=0
        )
        self.pair_item = image_item()
        self.pair_plot.addItem(self.pair_item)
        self.lengths_plot = chart(layout, "capsule lengths", "digit capsule j", "length ‖v_j‖", row=0, col=1)
        digit_ticks(self.lengths_plot.getAxis("bottom"))
        self.lengths_plot.setYRange(0, 1.05, padding=0)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=theme.BAR)
        self.lengths_plot.addItem(self.bars)
        self.coupling_plots, self.coupling_items = [], []
        for k in range(2):
            plot = image_plot(layout, "", "grid column", "grid row" if k == 0 else "", row=1, col=k)
            item = image_item("inferno")
            plot.addItem(item)
            self.coupling_plots.append(plot)
            self.coupling_items.append(item)
        self.iteration = QSlider(Qt.Orientation.Horizontal)
        self.iteration.setObjectName("twoDigitsIteration")
        self.iteration.setToolTip("Routing iteration whose coupling c_ij the maps show")
        self.iteration.valueChanged.connect(self._draw_coupling)
        self.iteration_label = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("iteration"))
        row.addWidget(self.iteration, 1)
        row.addWidget(self.iteration_label)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(hint_label(HELP))
        box.addWidget(self.summary)
        box.addWidget(self.view, 1)
        box.addLayout(row)

    @property
    def result(self) -> TwoDigits | None:
        return self._result

    def show_message(self, text: str) -> None:
        """No result to draw (no two-digit model, nothing on the canvas): say why."""
        self.show_result(None)
        self.summary.setText(text)

    def show_result(self, result: TwoDigits | None) -> None:
        self._result = result
        if result is None:
            self.pair_item.clear()
            self.bars.setOpts(height=np.zeros(10))
            for item in self.coupling_items:
                item.clear()
            self.summary.setText("")
            return
        first, second = result.winners
        self.pair_item.setImage(overlay(result), autoLevels=False, levels=(0, 255))
        brushes = [FIRST if j == first else SECOND if j == second else theme.BAR for j in range(10)]
        self.bars.setOpts(height=result.lengths, brushes=brushes)
        self.summary.setText(
            f"Read as <b style='color:{FIRST}'>{first}</b> (length {result.lengths[first]:.2f}) and "
            f"<b style='color:{SECOND}'>{second}</b> (length {result.lengths[second]:.2f})"
        )
        last = result.coupling.shape[0] - 1
        self.iteration.setRange(0, last)
        if self.iteration.value() == last:
            self._draw_coupling(last)
        self.iteration.setValue(last)

    def _draw_coupling(self, t: int) -> None:
        if self._result is None:
            return
        t = int(np.clip(t, 0, self._result.coupling.shape[0] - 1))
        self.iteration_label.setText(f"{t + 1} of {self._result.coupling.shape[0]}")
        maps = self._result.coupling[t]
        low, high = float(maps.min()), float(maps.max())
        levels = (low, high) if high - low > 1e-4 else (0.0, 0.2)  # one scale for both maps
        for k, (plot, item) in enumerate(zip(self.coupling_plots, self.coupling_items, strict=True)):
            item.setImage(maps[k], autoLevels=False, levels=levels)
            set_title(plot, f"c_ij → capsule {self._result.winners[k]}")

"""Why a dimension has its name: the properties' curves along its sweep, where it changes the digit, how sure.

A name in the What panel is a claim; this view shows the evidence behind it
for the dimension under the mouse: the three properties that follow the
offset most closely (their mean change, in noticeable steps), a heat-map of
where in the picture the change happens, and the share of starting digits
that agree.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.properties import PROPERTIES
from capsviz.app import theme
from capsviz.app.insight.common import add_legend, chart, image_item, image_plot

TOP = 3  # properties drawn
COLOURS = (theme.ACCENT, theme.STEER, theme.MUTED)


class EvidenceView(QWidget):
    """The evidence behind one (capsule, dimension) name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "The evidence for the name under the mouse: how the three closest-following properties change "
            "along the ±0.25 sweep (one step = a noticeable change), and where the digit changes (bright)."
        )
        self.summary = QLabel("move the mouse over a dimension to see why it has its name")
        self.summary.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setMinimumHeight(110)
        self.plot = chart(self.view.ci, "", "offset added to the dimension", "change (noticeable steps)")
        self.legend = add_legend(self.plot, offset=(-4, 2))
        self.curves = [
            self.plot.plot(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4, name=" ")
            for colour in COLOURS
        ]
        self.where = image_plot(self.view.ci, "where it changes", "", "", row=0, col=1)
        self.heat = image_item()
        self.where.addItem(self.heat)
        self.view.ci.layout.setColumnStretchFactor(0, 3)
        self.view.ci.layout.setColumnStretchFactor(1, 1)
        self.shown: tuple[int, int] | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        box.addLayout(top)
        box.addWidget(self.view, 1)

    def show_evidence(self, labels: DimensionLabels | None, digit: int, dim: int) -> None:
        """The evidence behind ``labels``' name for dimension ``dim`` of capsule ``digit`` (None: nothing)."""
        if labels is None or not labels.has_evidence:
            self.shown = None
            for curve in self.curves:
                curve.setData([], [])
            self.heat.clear()
            self.summary.setText("the names' evidence comes with the test-set survey")
            return
        self.shown = (digit, dim)
        rho = labels.correlation[digit, dim]
        order = np.argsort(-np.abs(rho))[:TOP]
        self.legend.clear()
        for curve, k in zip(self.curves, order, strict=True):
            curve.setData(labels.offsets, labels.curves[digit, dim, :, k])
            self.legend.addItem(curve, f"{PROPERTIES[k]} (ρ {rho[k]:+.2f})")
        change = labels.change[digit, dim]
        self.heat.setImage(change / max(float(change.max()), 1e-6), levels=(0.0, 1.0))
        name = str(labels.names[digit, dim]) or "no visible change"
        self.summary.setText(f"<b>d{dim}: {name}</b> — {labels.describe(digit, dim)}")

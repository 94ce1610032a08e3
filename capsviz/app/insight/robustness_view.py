"""Accuracy against transform magnitude, CapsNet and CNN side by side: one small chart per transform."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from capsviz.analysis.robustness import UNITS, Curve
from capsviz.app import theme
from capsviz.app.insight.common import add_legend, chart, set_title
from capsviz.app.views.lengths import CNN_COLOUR

AXES = {
    "rotation": "rotation (±°)",
    "scale": "scale (×)",
    "shear": "shear (±)",
    "shift": "shift (px)",
    "affine": "all at once (fraction)",
}


class RobustnessView(pg.GraphicsLayoutWidget):
    """Five charts of test-set accuracy: the CapsNet in the accent colour, the CNN baseline dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("robustnessView")
        self.setBackground(theme.PANEL)
        self.setToolTip(
            "Accuracy on the MNIST test digits as each transform grows; at 0 (scale 1) the digits are "
            f"as stored. Units: {', '.join(f'{k} {v}' for k, v in UNITS.items())}."
        )
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        for index, kind in enumerate(AXES):
            y_label = "accuracy" if index % 3 == 0 else ""
            plot = chart(self.ci, kind, AXES[kind], y_label, row=index // 3, col=index % 3)
            plot.setYRange(0.0, 1.06, padding=0)  # room above 1.0 for its tick label
            if index == 0:
                add_legend(plot, offset=(-8, -8))
            capsule_pen = pg.mkPen(theme.ACCENT, width=2.5)
            capsule = plot.plot(pen=capsule_pen, symbol="o", symbolSize=5, name="CapsNet")
            cnn_pen = pg.mkPen(CNN_COLOUR, width=2.5, style=Qt.PenStyle.DashLine)
            cnn = plot.plot(pen=cnn_pen, symbol="s", symbolSize=5, name="CNN")
            self.plots[kind], self.curves[kind] = plot, (capsule, cnn)

    def show_curves(self, curves: dict[str, Curve], digits: int) -> None:
        """Draw the measured curves; ``digits`` says how many test digits each point stands for."""
        for kind, curve in curves.items():
            capsule, cnn = self.curves[kind]
            capsule.setData(list(curve.levels), list(curve.capsnet))
            cnn.setData(list(curve.levels), list(curve.cnn))
            set_title(self.plots[kind], f"{kind} · {digits} test digits")

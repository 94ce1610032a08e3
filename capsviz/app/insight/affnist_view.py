"""The affNIST-like sweep as one chart: both 40×40 models against severity, and where they are compared."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from capsviz.analysis.affnist import PAPER, RANGES, AffnistResult
from capsviz.app import theme
from capsviz.app.insight.common import add_legend, chart, set_title
from capsviz.app.views.lengths import CNN_COLOUR


class AffnistView(pg.GraphicsLayoutWidget):
    """Accuracy against severity, the CapsNet solid and the CNN dashed, with the paper's 79 % marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("affnistView")
        self.setBackground(theme.PANEL)
        ranges = f"±{RANGES['rotation']:g}°, scale 1±{RANGES['scale']:g}, shear ±{RANGES['shear']:g}"
        self.setToolTip(
            f"Accuracy on the affNIST-like test digits as the severity grows: severity 1 is {ranges}, "
            "each amount drawn uniformly; 0 is the digits only moved, as in training. The dotted line is "
            f"the {PAPER['affnist'][0]:.0%} the paper's CapsNet reads on affNIST."
        )
        self.plot = chart(self.ci, "affNIST-like", "severity (× the ranges)", "accuracy")
        self.plot.setYRange(0.55, 1.01, padding=0)
        add_legend(self.plot, offset=(8, -8))
        capsule_pen = pg.mkPen(theme.ACCENT, width=2.5)
        self.capsule = self.plot.plot(pen=capsule_pen, symbol="o", symbolSize=6, name="CapsNet")
        cnn_pen = pg.mkPen(CNN_COLOUR, width=2.5, style=Qt.PenStyle.DashLine)
        self.cnn = self.plot.plot(pen=cnn_pen, symbol="s", symbolSize=6, name="CNN")
        marker = pg.mkPen(theme.TEXT, width=1, style=Qt.PenStyle.DotLine)
        label = {"position": 0.02, "color": theme.TEXT, "anchors": [(0, 1), (0, 1)]}
        capsule, cnn = PAPER["affnist"]
        for value, who in ((capsule, "CapsNet"), (cnn, "CNN")):
            text = f"the paper's {who} on affNIST: {value:.0%}"
            self.plot.addItem(pg.InfiniteLine(value, angle=0, pen=marker, label=text, labelOpts=label))
        self.matched_line = pg.InfiniteLine(angle=90, pen=marker)
        self.plot.addItem(self.matched_line)

    def show_result(self, result: AffnistResult) -> None:
        """Draw both curves and mark the severity where the CapsNet reads the paper's 79 %."""
        self.capsule.setData(list(result.severities), list(result.capsnet))
        self.cnn.setData(list(result.severities), list(result.cnn))
        matched = result.where_capsnet_reads(PAPER["affnist"][0])
        self.matched_line.setVisible(matched is not None)
        title = f"affNIST-like · {result.digits:,} test digits"
        if matched is not None:
            self.matched_line.setValue(matched[0])
            title += f" · at CapsNet {PAPER['affnist'][0]:.0%}, CNN {matched[1]:.1%}"
        set_title(self.plot, title)

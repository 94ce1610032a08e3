"""What (a): where the current pose sits within the test set's distribution, for all 16 dimensions.

One plot, one row per dimension. Once the test set is surveyed, each row is
drawn in that dimension's own units — standard deviations from its mean over
correctly classified digits of the class — so every distribution is equally
readable: the histogram, the band mean ± 2σ (the data's slider range), the
current value, and on the right how many σ the paper's ±0.25 spans. Before
the survey the rows show plain pose values. A slider drag moves one line set.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import PAPER_RANGE, DimensionStats
from capsviz.app import theme
from capsviz.app.insight.common import hint_label

ROWS = 16
ROW_HEIGHT = 0.86  # of each unit row, the rest is a gap
Z_RANGE = 4.0  # rows show ±4σ once statistics are known
HISTOGRAM = "#7b8794"
BAND = (56, 189, 248, 55)
CURRENT = "#f87171"


def _segments(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of 16 vertical segments (one per row) for a ``connect="pairs"`` curve."""
    rows = np.arange(len(xs), dtype=np.float64)
    return np.repeat(xs, 2).astype(np.float64), np.column_stack([rows, rows + ROW_HEIGHT]).ravel()


class DimensionView(QWidget):
    """Distributions of the 16 pose dimensions of one digit capsule, with the current pose marked.

    Signals
    -------
    dimensionHovered(int)
        The mouse is over this dimension's row (for the evidence behind its name).
    """

    dimensionHovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Each row is one pose dimension: grey = how real test digits of this class spread, blue band = "
            "mean ± 2σ, red line = the current capsule, dashed = the paper's ±0.25 around it when in view."
        )
        self._stats: DimensionStats | None = None
        self._labels: DimensionLabels | None = None
        self._pose: np.ndarray | None = None
        self._digit = 0
        self.title = QLabel("pose dimensions")
        self.title.setStyleSheet("font-weight: 600;")
        self.progress = QProgressBar()
        self.progress.setFormat("surveying test digits… %p%")
        self.progress.hide()
        self.view = pg.GraphicsLayoutWidget()
        self.plot = self.view.ci.addPlot()
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "pose value v_j[d]")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.showGrid(x=True, y=False, alpha=0.12)
        self.plot.showAxis("right")
        self.plot.getAxis("right").setStyle(tickLength=0)
        self.plot.setYRange(-0.1, ROWS, padding=0)
        self.bands = pg.BarGraphItem(
            x0=[0], x1=[0], y0=[0], height=[0], brush=pg.mkBrush(*BAND), pen=pg.mkPen(None)
        )
        self.histograms = pg.BarGraphItem(
            x0=[0], width=[0], y0=[0], height=[0], brush=pg.mkBrush(HISTOGRAM), pen=pg.mkPen(None)
        )
        dash = pg.mkPen(theme.STEER, width=1.2, style=Qt.PenStyle.DashLine)
        self.paper_lines = pg.PlotDataItem(connect="pairs", pen=dash)
        self.current_lines = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(CURRENT, width=2.5))
        for item in (self.bands, self.histograms, self.paper_lines, self.current_lines):
            self.plot.addItem(item)
        self._hovered = -1
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)
        self._band_edges = np.zeros((ROWS, 2), np.float64)
        self._heights = np.zeros((ROWS, 0), np.float64)
        self._draw_names()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.progress)
        layout.addWidget(self.view, 1)
        layout.addWidget(
            hint_label(
                "grey: test digits of this class · blue: mean ± 2σ, the data's slider range · "
                "red: the current value · right: how many σ the paper's ±0.25 spans"
            )
        )

    # public API --------------------------------------------------------
    def show_progress(self, done: int, total: int) -> None:
        """Show how far the test-set survey has got (hidden when done)."""
        self.progress.setVisible(done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_stats(self, stats: DimensionStats | None) -> None:
        self._stats = stats
        self._draw()

    def show_labels(self, labels: DimensionLabels | None) -> None:
        self._labels = labels
        self._draw_names()

    def show_pose(self, pose: np.ndarray | None, digit: int) -> None:
        """The steered capsule's current (perturbed) ``[16]`` pose and its digit."""
        self._pose = None if pose is None else np.asarray(pose, np.float64)
        if int(digit) != self._digit:
            self._digit = int(digit)
            self._draw()
        else:
            self._draw_pose()

    def current_values(self) -> np.ndarray:
        """The 16 values marked in red (empty without a pose)."""
        return np.array([], np.float64) if self._pose is None else self._pose.copy()

    def band_edges(self) -> np.ndarray:
        """``[16, 2]`` the drawn mean ± 2σ bands."""
        return self._band_edges.copy()

    def drawn_values(self) -> np.ndarray:
        """The 16 x positions of the red marks (σ from the mean once statistics are known)."""
        x, _ = self.current_lines.getData()
        return np.array([], np.float64) if x is None else x[::2].copy()

    def histogram(self, dim: int) -> np.ndarray:
        """Bar heights drawn for one dimension (scaled to a peak of 1)."""
        return self._heights[dim] / ROW_HEIGHT

    def row_labels(self) -> list[str]:
        """The 16 names down the left axis."""
        return [text for _, text in self.plot.getAxis("left")._tickLevels[0]]

    # drawing -----------------------------------------------------------
    def _scale(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, σ)`` per dimension that map pose values to the drawn x (identity without statistics)."""
        if self._stats is None:
            return np.zeros(ROWS), np.ones(ROWS)
        return self._stats.mean[self._digit].astype(np.float64), np.maximum(
            self._stats.std[self._digit], 1e-4
        )

    def _draw(self) -> None:
        stats, j = self._stats, self._digit
        count = "" if stats is None else f" · {stats.samples[j]} test digits"
        self.title.setText(f"pose dimensions of capsule {j}{count}")
        mean, sigma = self._scale()
        if stats is None:
            self.plot.setLabel("bottom", "pose value v_j[d]")
            self.histograms.setOpts(x0=[0], width=[0], y0=[0], height=[0])
            self.bands.setOpts(x0=[0], x1=[0], y0=[0], height=[0])
            self._band_edges = np.zeros((ROWS, 2))
        else:
            self.plot.setLabel("bottom", "(v_j[d] − test-set mean) / σ")
            x0, width, y0, heights = [], [], [], []
            for d in range(ROWS):
                centres, density = stats.density(j, d)
                step = float(centres[1] - centres[0]) if len(centres) > 1 else 1.0
                x0.append((centres - step / 2 - mean[d]) / sigma[d])
                width.append(np.full(len(centres), step / sigma[d]))
                y0.append(d + ROW_HEIGHT * (1 - density))
                heights.append(ROW_HEIGHT * density)
            self._heights = np.array(heights)
            self.histograms.setOpts(
                x0=np.concatenate(x0),
                width=np.concatenate(width),
                y0=np.concatenate(y0),
                height=self._heights.ravel(),
            )
            self._band_edges = np.column_stack([stats.low[j], stats.high[j]]).astype(np.float64)
            self.bands.setOpts(
                x0=np.full(ROWS, -2.0),
                x1=np.full(ROWS, 2.0),
                y0=np.arange(ROWS),
                height=np.full(ROWS, ROW_HEIGHT),
            )
        spans = [(d + ROW_HEIGHT / 2, f"±0.25 = {PAPER_RANGE / sigma[d]:.0f}σ") for d in range(ROWS)]
        self.plot.getAxis("right").setTicks([spans if stats is not None else [], []])
        self._draw_names()
        self._draw_pose()

    def _draw_pose(self) -> None:
        if self._pose is None:
            self.current_lines.setData([], [])
            self.paper_lines.setData([], [])
        else:
            mean, sigma = self._scale()
            limit = Z_RANGE + 0.3 if self._stats is not None else np.inf
            self.current_lines.setData(*_segments(np.clip((self._pose - mean) / sigma, -limit, limit)))
            low = _segments((self._pose - PAPER_RANGE - mean) / sigma)
            high = _segments((self._pose + PAPER_RANGE - mean) / sigma)
            self.paper_lines.setData(np.concatenate([low[0], high[0]]), np.concatenate([low[1], high[1]]))
        self._fit_x()

    def _mouse_moved(self, position: QPointF) -> None:
        row = int(np.floor(self.plot.vb.mapSceneToView(position).y()))
        if 0 <= row < ROWS and row != self._hovered:
            self._hovered = row
            self.dimensionHovered.emit(row)

    def _draw_names(self) -> None:
        names = []
        for d in range(ROWS):
            label = "" if self._labels is None else self._labels.label(self._digit, d)
            names.append((d + ROW_HEIGHT / 2, f"d{d} {label}".strip()))
        self.plot.getAxis("left").setTicks([names, []])

    def _fit_x(self) -> None:
        if self._stats is not None:
            self.plot.setXRange(-Z_RANGE - 0.4, Z_RANGE + 0.4, padding=0)
        elif self._pose is not None:
            low, high = float(self._pose.min()) - PAPER_RANGE, float(self._pose.max()) + PAPER_RANGE
            self.plot.setXRange(low, high, padding=0.02)

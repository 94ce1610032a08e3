"""Routing by agreement, one iteration at a time.

The heat-map shows c_ij for all 1152 primary capsules (rows) and the 10 digit
capsules (columns). By default rows are grouped by the digit each primary
capsule finally sends most of its vote to (the winner's group on top,
strongest first), so stepping through the iterations shows that group's
column light up; they can also be grouped by the 32 primary capsule types
(36 grid positions each) or sorted by activation. A grey strip on the left
gives each primary capsule's activation ‖u_i‖; the colour scale is centred on
the uniform 1/10. Below, the ten lengths after the same iteration show the
winner emerge.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from capsviz.analysis.live import Outputs
from capsviz.app import theme
from capsviz.app.views.lengths import add_margin_lines, length_brushes, style_length_axes
from capsviz.app.views.routing_controls import RoutingControls
from capsviz.model.capsnet import N_DIGITS, N_PRIMARY, N_PRIMARY_TYPES, PRIMARY_GRID

N_POSITIONS = PRIMARY_GRID * PRIMARY_GRID
ORDERINGS = {
    "by_final_choice": "final choice",
    "by_type_active_first": "type, active first",
    "by_type": "type, position",
    "active_first": "most active",
}
SCALES = {"fitted": "fitted", "absolute": "0 – 1"}
STRIP = (-1.6, -0.65)  # x-extent of the activation strip
UNIFORM = 0.1  # c_ij before any agreement: 1 / 10 digit capsules
AXIS_WIDTH = 84
# below uniform → blue, uniform → the panel's grey, above → orange → yellow
COUPLING_COLOURS = ("#3b82f6", "#262a31", "#f97316", "#fde68a")


def coupling_levels(coupling: np.ndarray, scale: str) -> tuple[float, float]:
    """Colour-scale limits: the trace's own range (so small changes show) or the full 0–1."""
    if scale == "absolute":
        return 0.0, 1.0
    # Rounded outwards, so the scale holds still while a drawing changes a little.
    low = np.floor(min(float(coupling.min()), UNIFORM - 1e-3) / 0.02) * 0.02
    high = np.ceil(max(float(coupling.max()), UNIFORM + 1e-3) / 0.05) * 0.05
    return float(max(low, 0.0)), float(min(high, 1.0))


def coupling_colormap(low: float, high: float) -> pg.ColorMap:
    """Diverging map whose neutral grey sits exactly at the uniform 1/10."""
    neutral = (UNIFORM - low) / (high - low)
    positions = [0.0, neutral, neutral + 0.55 * (1.0 - neutral), 1.0]
    return pg.ColorMap(positions, list(COUPLING_COLOURS))


def row_order(
    primary_lengths: np.ndarray, ordering: str, final_coupling: np.ndarray | None = None
) -> np.ndarray:
    """Permutation of the 1152 primary capsules for display.

    ``final_choice`` groups capsules by the digit they finally send most of
    their vote to (the winner's group first), strongest coupling first, so the
    animation shows each group's colour build up.
    """
    if ordering == "by_type":
        return np.arange(N_PRIMARY)
    if ordering == "active_first":
        return np.argsort(-primary_lengths, kind="stable")
    if ordering == "by_final_choice" and final_coupling is not None:
        choice = final_coupling.argmax(axis=1)
        strength = final_coupling.max(axis=1)
        winner_first = np.argsort(
            -np.bincount(choice, weights=primary_lengths, minlength=N_DIGITS), kind="stable"
        )
        rank = np.empty(N_DIGITS, int)
        rank[winner_first] = np.arange(N_DIGITS)
        return np.lexsort((-strength, rank[choice]))
    blocks = primary_lengths.reshape(N_PRIMARY_TYPES, N_POSITIONS)
    within = np.argsort(-blocks, axis=1, kind="stable")
    return (within + np.arange(N_PRIMARY_TYPES)[:, None] * N_POSITIONS).reshape(-1)


def describe_iteration(iteration: int, count: int) -> str:
    """What the coupling at this iteration is, in one sentence."""
    if iteration == 0:
        return "c<sub>ij</sub> starts uniform (1/10): every primary capsule splits its vote evenly."
    span = "1" if iteration == 1 else f"1–{iteration}"
    return (
        f"c<sub>ij</sub> = softmax<sub>j</sub>(b<sub>ij</sub>), where b<sub>ij</sub> sums the agreement "
        f"û<sub>j|i</sub>·v<sub>j</sub> of iteration{'s' if iteration > 1 else ''} {span}."
    )


class RoutingView(QWidget):
    """Heat-map of the coupling coefficients plus the lengths at the shown iteration."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("routingView")
        self.setToolTip(
            "Routing by agreement: how strongly each of the 1152 primary capsules sends its vote to "
            "each digit capsule (c_ij), iteration by iteration; hover a row for that capsule."
        )
        self._outputs: Outputs | None = None
        self._iteration = 0
        self._blend = 0.0
        self._ordering = next(iter(ORDERINGS))
        self._scale = "fitted"
        self._levels: tuple[float, float] | None = None
        self._lut: np.ndarray | None = None
        self._order = np.arange(N_PRIMARY)
        self._guides: str | None = None

        self.title = theme.heading_label()
        self.subtitle = QLabel()
        self.subtitle.setObjectName("caption")
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextFormat(Qt.TextFormat.RichText)
        self.order = QComboBox()
        self.order.setObjectName("routingOrder")
        self.order.setToolTip("How the 1152 primary capsules (rows) are ordered")
        for key, label in ORDERINGS.items():
            self.order.addItem(label, key)
        self.order.currentIndexChanged.connect(self._options_changed)
        # Shrinks to its first letters in a narrow column, so the window fits a 1366 px laptop screen.
        self.order.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.order.setMinimumContentsLength(5)
        self.scale = QComboBox()
        self.scale.setObjectName("routingScale")
        self.scale.setToolTip("Colour scale of c_ij: this digit's range (small changes show) or the full 0–1")
        for key, label in SCALES.items():
            self.scale.addItem(label, key)
        self.scale.currentIndexChanged.connect(self._options_changed)

        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setAntialiasing(False)  # images and bars only: crisp and cheaper to paint
        self.plots.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.plots.ci.layout.setVerticalSpacing(4)
        self.heat_plot = self.plots.addPlot(row=0, col=0)
        self.bar_plot = self.plots.addPlot(row=1, col=0)
        self.plots.ci.layout.setRowStretchFactor(0, 4)
        self.plots.ci.layout.setRowStretchFactor(1, 1)
        self._build_heatmap()
        self._build_bars()

        self.controls = RoutingControls()
        self.playToggled = self.controls.playToggled
        self.stepRequested = self.controls.stepRequested
        self.seekRequested = self.controls.seekRequested
        self.speedChanged = self.controls.speedChanged
        self.loopToggled = self.controls.loopToggled
        self.iterationsRequested = self.controls.iterationsRequested

        self.options = QWidget()
        options = QHBoxLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        options.setSpacing(6)
        options.addWidget(QLabel("rows"))
        options.addWidget(self.order)
        options.addSpacing(8)
        options.addWidget(QLabel("colours"))
        options.addWidget(self.scale)
        options.addStretch(1)
        iterations = QLabel("r =")
        iterations.setToolTip(self.controls.iterations.toolTip())
        options.addWidget(iterations)
        options.addWidget(self.controls.iterations)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.options)
        layout.addWidget(self.plots, 1)
        layout.addWidget(self.controls)
        self.show_routing(None, 0)

    # construction ------------------------------------------------------
    def _build_heatmap(self) -> None:
        plot = self.heat_plot
        self.coupling_image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        plot.addItem(self.coupling_image)
        self.activity_image = pg.ImageItem(axisOrder="row-major")
        self.activity_image.setLookupTable(
            pg.ColorMap([0.0, 1.0], ["#15171a", "#b8c0ca"]).getLookupTable(nPts=256)
        )
        plot.addItem(self.activity_image)
        self.separators = pg.PlotDataItem(pen=pg.mkPen(QColor(0, 0, 0, 90), width=1))
        plot.addItem(self.separators)
        self.winner_box = pg.QtWidgets.QGraphicsRectItem(QRectF(-0.5, 0, 1, N_PRIMARY))
        self.winner_box.setPen(pg.mkPen(theme.ACCENT, width=2, cosmetic=True))
        self.winner_box.hide()
        plot.addItem(self.winner_box)
        self.colour_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=coupling_colormap(0.0, 1.0),
            label="coupling c_ij (grey = uniform 1/10)",
            interactive=False,
            width=14,
            colorMapMenu=False,
        )
        self.colour_bar.setImageItem(self.coupling_image)
        self.plots.addItem(self.colour_bar, row=0, col=1)
        plot.invertY(True)
        plot.setLabel("left", "primary capsule i")
        plot.setLabel("top", "digit capsule j")
        plot.showAxis("top")
        plot.hideAxis("bottom")
        plot.getAxis("top").setTicks(
            [[(STRIP[0] / 2 + STRIP[1] / 2, "‖u‖"), *((j, str(j)) for j in range(10))]]
        )
        plot.setXRange(STRIP[0], N_DIGITS - 0.5, padding=0)
        plot.setYRange(0, N_PRIMARY, padding=0)
        plot.setMouseEnabled(x=False, y=True)
        plot.setLimits(yMin=0, yMax=N_PRIMARY, minYRange=36)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        theme.cache_axes(plot)
        self.plots.scene().sigMouseMoved.connect(self._hovered)

    def _build_bars(self) -> None:
        plot = self.bar_plot
        style_length_axes(plot, x_label="digit capsule j — lengths after this iteration")
        add_margin_lines(plot, labels=False)
        plot.setXRange(STRIP[0], N_DIGITS - 0.5, padding=0)
        plot.getAxis("left").setTicks([[(v, f"{v:.1f}") for v in (0.0, 0.5, 1.0)]])
        self.bars = pg.BarGraphItem(
            x=np.arange(N_DIGITS), height=np.zeros(N_DIGITS), width=0.72, brush=theme.BAR
        )
        plot.addItem(self.bars)
        self.heat_plot.getAxis("left").setWidth(AXIS_WIDTH)
        plot.getAxis("left").setWidth(AXIS_WIDTH)

    # drawing -----------------------------------------------------------
    def show_controls(self, shown: bool) -> None:
        """Show or hide the options and the playback bar (hidden in an exported animation's frames)."""
        self.options.setVisible(shown)
        self.controls.setVisible(shown)

    @property
    def shown_iteration(self) -> int:
        """0-based iteration on display."""
        return self._iteration

    def shown_coupling(self) -> np.ndarray | None:
        """c_ij on display, ``[1152, 10]`` in capsule order (i = type·36 + position)."""
        if self._outputs is None:
            return None
        return self._blended(self._outputs.coupling)

    def _blended(self, per_iteration: np.ndarray) -> np.ndarray:
        """The shown iteration's slice of ``per_iteration``, mixed with the next one while morphing."""
        now = per_iteration[self._iteration]
        if self._blend <= 0:
            return now.copy()
        return (1.0 - self._blend) * now + self._blend * per_iteration[self._iteration + 1]

    def show_routing(self, outputs: Outputs | None, iteration: int, blend: float = 0.0) -> None:
        """Show ``iteration`` (0-based), morphed by ``blend`` (0–1) toward the next one while playing."""
        self._outputs = outputs
        self._iteration = iteration
        self._blend = blend if outputs is not None and iteration + 1 < outputs.iterations else 0.0
        if outputs is None:
            self.title.setText("Routing by agreement")
            self.subtitle.setText("Draw a digit to see how the primary capsules route their votes.")
            self.coupling_image.clear()
            self.activity_image.clear()
            self.bars.setOpts(height=np.zeros(N_DIGITS), brushes=length_brushes(None))
            self.winner_box.hide()
            self.controls.show_position(0, 0)
            self._show_row_guides()
            return
        count = outputs.iterations
        arrow = f" → {iteration + 2}" if self._blend > 0 else ""
        self.title.setText(f"Iteration {iteration + 1}{arrow} of {count}")
        self.subtitle.setText(describe_iteration(iteration, count))
        order = row_order(outputs.primary_lengths, self._ordering, outputs.coupling[-1])
        self._order = order
        low, high = coupling_levels(outputs.coupling, self._scale)
        if self._levels != (low, high):
            self._levels = (low, high)
            colormap = coupling_colormap(low, high)
            self.colour_bar.setColorMap(colormap)
            self.colour_bar.setLevels(low=low, high=high)
            self._lut = colormap.getLookupTable(nPts=256)
        low, high = self._levels
        self.coupling_image.setImage(
            self.shown_coupling()[order], autoLevels=False, levels=(low, high), lut=self._lut
        )
        self.coupling_image.setRect(QRectF(-0.5, 0, N_DIGITS, N_PRIMARY))
        activity = outputs.primary_lengths[order][:, None]
        bottom, top = float(activity.min()), float(activity.max())
        self.activity_image.setImage(activity, autoLevels=False, levels=(bottom, max(top, bottom + 1e-6)))
        self.activity_image.setRect(QRectF(STRIP[0], 0, STRIP[1] - STRIP[0], N_PRIMARY))
        lengths = self._blended(outputs.iteration_lengths)
        self.bars.setOpts(height=lengths, brushes=length_brushes(lengths))
        winner = int(np.argmax(lengths))
        self.winner_box.setRect(QRectF(winner - 0.5, 0, 1, N_PRIMARY))
        self.winner_box.show()
        self.controls.show_position(iteration, count)
        self._show_row_guides()

    def _show_row_guides(self) -> None:
        axis = self.heat_plot.getAxis("left")
        if self._ordering == "by_final_choice" and self._outputs is not None:
            choice = self._outputs.coupling[-1].argmax(axis=1)[self._order]
            starts = np.flatnonzero(np.diff(choice)) + 1
            edges = np.concatenate([[0], starts, [N_PRIMARY]])
            self._set_separators(starts)
            ticks = [((a + b) / 2, f"→ {choice[a]}") for a, b in itertools.pairwise(edges) if b - a >= 24]
            axis.setTicks([ticks, []])
            axis.setLabel("primary capsules by final choice")
            self._guides = None
            return
        if self._guides == self._ordering:
            return
        self._guides = self._ordering
        if self._ordering == "active_first":
            self._set_separators(np.array([], int))
            axis.setTicks([[(r, f"#{r}") for r in range(0, N_PRIMARY, 192)], []])
            axis.setLabel("primary capsules, most active first")
            return
        self._set_separators(np.arange(1, N_PRIMARY_TYPES) * N_POSITIONS)
        axis.setTicks([[((t + 0.5) * N_POSITIONS, f"type {t}") for t in range(0, N_PRIMARY_TYPES, 4)], []])
        axis.setLabel("primary capsules: 32 types × 36 positions")

    def _set_separators(self, rows: np.ndarray) -> None:
        """Thin lines across the heat-map above the given rows."""
        ys = np.repeat(rows, 2).astype(float)
        xs = np.tile([-0.5, N_DIGITS - 0.5], len(rows))
        self.separators.setData(xs, ys, connect="pairs")

    def describe_cell(self, row: int, column: int) -> str:
        """Tooltip text for heat-map row ``row`` (display order) and digit column ``column`` (-1: ‖u‖)."""
        outputs = self._outputs
        if outputs is None or not 0 <= row < N_PRIMARY:
            return ""
        i = int(self._order[row])
        kind, cell = divmod(i, N_POSITIONS)
        r, c = divmod(cell, 6)
        text = (
            f"primary capsule {i}: type {kind}, grid cell ({r}, {c}) — sees input rows "
            f"{2 * r}–{2 * r + 16}, columns {2 * c}–{2 * c + 16}\n‖u‖ = {outputs.primary_lengths[i]:.3f}"
        )
        if 0 <= column < N_DIGITS:
            coupling = outputs.coupling[self._iteration][i]
            text += (
                f"; c to digit {column} = {coupling[column]:.3f} in iteration {self._iteration + 1} "
                f"(largest: digit {int(coupling.argmax())})"
            )
        return text

    def _hovered(self, position: QPointF) -> None:
        box = self.heat_plot.vb
        if not box.sceneBoundingRect().contains(position):
            return
        point = box.mapSceneToView(position)
        column = -1 if point.x() < -0.5 else round(point.x())
        text = self.describe_cell(int(point.y()), column)
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plots)

    def show_playing(self, playing: bool) -> None:
        self.controls.show_playing(playing)

    def show_iterations(self, count: int) -> None:
        self.controls.show_iterations(count)

    def _options_changed(self) -> None:
        self._ordering = str(self.order.currentData())
        self._scale = str(self.scale.currentData())
        self.show_routing(self._outputs, self._iteration)

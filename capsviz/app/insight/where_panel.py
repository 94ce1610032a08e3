"""Where: how strongly each part of the drawing routes to a digit capsule.

Left, the input with c_ij folded onto it through the receptive fields; middle,
the same numbers on the 6×6 grid of primary capsule positions; right, the
votes of the 32 capsules at the clicked cell for each digit.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from capsviz.analysis.where import QUANTITIES, QUANTITY_LABELS, WhereAnalysis, cell_at, window
from capsviz.app import theme
from capsviz.app.insight.common import (
    DIVERGING,
    SEQUENTIAL,
    Responsive,
    colour_bar,
    compact,
    hint_label,
    image_item,
    image_plot,
    place,
    set_bar_label,
    set_title,
)

VOTE_QUANTITIES = {
    "lengths": "vote length ‖û‖",
    "agreement": "agreement cos(û, v)",
    "coupling": "coupling c_ij (last iteration)",
}
TYPE_CHOICES = ["mean", "sum", *range(32)]
UNLIMITED = 16_777_215  # Qt's largest widget size


def _type_text(types: str | int) -> str:
    return f"{types} over the 32 types" if isinstance(types, str) else f"type {types}"


def _type_word(types: str | int) -> str:
    """How the types are combined, short enough for a colour bar's label: "mean", "sum" or "type 5"."""
    return types if isinstance(types, str) else f"type {types}"


def _fill_edges(overlay: np.ndarray) -> np.ndarray:
    """Extend the folded map over the last row and column, which no window reaches, to avoid a seam."""
    filled = overlay.copy()
    filled[-1, :], filled[:, -1] = filled[-2, :], filled[:, -2]
    filled[-1, -1] = filled[-2, -2]
    return filled


class WherePanel(Responsive, QWidget):
    """Coupling folded onto the input and the 6×6 grid; click a cell for its capsules' votes.

    Signals
    -------
    cellClicked(int, int)
        Grid row and column the user clicked (on the grid or on the drawing).
    digitChanged(int)
        The digit capsule picked in the panel.
    iterationChanged(int)
        The 0-based routing iteration picked with the panel's slider.
    """

    cellClicked = Signal(int, int)
    digitChanged = Signal(int)
    iterationChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Where in your drawing the primary capsules that vote for a digit sit, "
            "iteration by iteration; click a cell to see its 32 capsules' votes."
        )
        self._analysis: WhereAnalysis | None = None
        self._image: np.ndarray | None = None
        self._digit, self._iteration, self._quantity, self._types = 0, 0, "coupling", "mean"
        self._cell = (2, 2)
        self._vote_quantity = "lengths"
        self._build()
        self.follow_width()

    # construction ------------------------------------------------------
    def _build(self) -> None:
        self.digit_box = compact(QComboBox(), 10)
        self.digit_box.addItems([f"capsule {j}" for j in range(10)])
        self.digit_box.setToolTip("Which digit capsule the maps show.")
        self.iteration_slider = QSlider(Qt.Orientation.Horizontal)
        self.iteration_slider.setRange(0, 2)
        self.iteration_slider.setFixedWidth(90)
        self.iteration_slider.setToolTip("Routing iteration whose coupling is shown (1 starts uniform).")
        self.iteration_label = QLabel("iteration 1/3")
        self.quantity_box = compact(QComboBox(), 10)
        self.quantity_box.addItems([QUANTITY_LABELS[q] for q in QUANTITIES])
        self.quantity_box.setToolTip("What to fold onto the input.")
        self.types_box = compact(QComboBox(), 10)
        self.types_box.addItems([_type_text(t) for t in TYPE_CHOICES])
        self.types_box.setToolTip("Combine the 32 capsule types at each position, or look at one type.")
        self.votes_box = compact(QComboBox(), 10)
        self.votes_box.addItems(list(VOTE_QUANTITIES.values()))
        self.votes_box.setToolTip("What the right-hand map shows for the clicked cell.")
        self.votes_label = QLabel("votes:")
        first, self._choices_row, self._votes_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        for widget in (self.digit_box, self.iteration_slider, self.iteration_label):
            first.addWidget(widget)
        first.addStretch(1)
        for widget in (self.quantity_box, self.types_box):
            self._choices_row.addWidget(widget, 2)

        self.view = pg.GraphicsLayoutWidget()
        self.view.ci.setSpacing(4)
        self.input_plot = image_plot(self.view.ci, "on the input", "x (pixels)", "y (pixels)", row=0, col=0)
        self.overlay_item = image_item(SEQUENTIAL)
        self.input_item = image_item()  # drawn on top in "screen" mode: white ink over the colours
        self.input_item.setCompositionMode(QPainter.CompositionMode.CompositionMode_Screen)
        self.input_plot.addItem(self.overlay_item)
        self.input_plot.addItem(self.input_item)
        self.input_plot.setRange(QRectF(0, 0, 28, 28), padding=0.02)
        self.window_rect = QGraphicsRectItem(0, 0, 17, 17)
        self.window_rect.setPen(QPen(pg.mkColor(theme.STEER), 0))
        self.input_plot.addItem(self.window_rect)

        self.grid_plot = image_plot(self.view.ci, "6×6 grid", "grid column", "grid row", row=0, col=1)
        self.grid_item = image_item(SEQUENTIAL)
        self.grid_plot.addItem(self.grid_item)
        self.grid_plot.setRange(QRectF(0, 0, 6, 6), padding=0.02)
        for axis in ("bottom", "left"):
            self.grid_plot.getAxis(axis).setTicks([[(k + 0.5, str(k)) for k in range(6)]])
        self.cell_rect = QGraphicsRectItem(0, 0, 1, 1)
        self.cell_rect.setPen(QPen(pg.mkColor(theme.STEER), 0))
        self.grid_plot.addItem(self.cell_rect)
        self.map_bar = colour_bar(self.grid_plot, [self.overlay_item, self.grid_item], SEQUENTIAL, "c_ij")

        self.votes_plot = image_plot(
            self.view.ci, "votes of cell", "digit capsule j", "primary type", row=0, col=2
        )
        self.votes_plot.setAspectLocked(False)
        self.votes_item = image_item(SEQUENTIAL)
        self.votes_plot.addItem(self.votes_item)
        self.votes_plot.setRange(QRectF(0, 0, 10, 32), padding=0.02)
        self.votes_plot.getAxis("bottom").setTicks([[(j + 0.5, str(j)) for j in range(10)]])
        self.votes_plot.getAxis("left").setTicks([[(t + 0.5, str(t)) for t in range(0, 32, 4)]])
        self.votes_bar = colour_bar(
            self.votes_plot, [self.votes_item], SEQUENTIAL, VOTE_QUANTITIES["lengths"]
        )
        self.view.scene().sigMouseClicked.connect(self._clicked)
        self.input_plot.vb.sigResized.connect(self._fit_drawing_row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(first)
        layout.addLayout(self._choices_row)
        layout.addLayout(self._votes_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(
            hint_label(
                "Each grid cell is one position of the 32 primary capsule types and sees the 17×17-pixel "
                "window framed in amber. Click a cell, on the grid or on the drawing."
            )
        )
        self.digit_box.currentIndexChanged.connect(self._digit_picked)
        self.iteration_slider.valueChanged.connect(self._iteration_picked)
        self.quantity_box.currentIndexChanged.connect(self._quantity_picked)
        self.types_box.currentIndexChanged.connect(self._types_picked)
        self.votes_box.currentIndexChanged.connect(self._votes_picked)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follow_width()

    def arrange(self, narrow: bool) -> None:
        """Drawing and grid side by side; the votes beside them when wide, below them when narrow.

        Narrow, the votes' choice takes a row of its own, so the choices fit a side tab's width.
        """
        row = self._votes_row if narrow else self._choices_row
        for widget, stretch in ((self.votes_label, 0), (self.votes_box, 2)):
            self._votes_row.removeWidget(widget)
            self._choices_row.removeWidget(widget)
            row.addWidget(widget, stretch)
        votes = (self.votes_plot, 1, 0, 1, 2) if narrow else (self.votes_plot, 0, 2)
        stretch = {"rows": {0: 2, 1: 3}, "cols": {0: 3, 1: 2}} if narrow else {"cols": {0: 5, 1: 4, 2: 3}}
        place(self.view.ci, [(self.input_plot, 0, 0), (self.grid_plot, 0, 1), votes], stretch)
        self._fit_drawing_row()

    def _fit_drawing_row(self) -> None:
        """Narrow, the drawing's row is no taller than its square picture, and the votes get the rest.

        Its width is set by the columns; capping the row's height at that width
        (plus title and axis) keeps a square picture from floating in a tall strip.
        """
        rows, view_box = self.view.ci.layout, self.input_plot.vb
        if not self.narrow or view_box.width() < 10:
            rows.setRowMaximumHeight(0, UNLIMITED)
            return
        rows.setRowMaximumHeight(0, view_box.width() + self.input_plot.height() - view_box.height())

    # public API --------------------------------------------------------
    def show_analysis(self, analysis: WhereAnalysis | None, image: np.ndarray | None = None) -> None:
        """Show a new image's folded routing (``image`` is the ``[28, 28]`` network input)."""
        self._analysis = analysis
        self._image = None if image is None else np.asarray(image, np.float32)
        if analysis is not None:
            with QSignalBlocker(self.iteration_slider):
                self.iteration_slider.setRange(0, analysis.iterations - 1)
            self._iteration = min(self._iteration, analysis.iterations - 1)
        self._redraw()

    def set_digit(self, digit: int) -> None:
        """Show the maps for digit capsule ``digit`` (does not emit ``digitChanged``)."""
        self._digit = int(digit)
        with QSignalBlocker(self.digit_box):
            self.digit_box.setCurrentIndex(self._digit)
        self._redraw()

    def set_iteration(self, iteration: int) -> None:
        """Show the coupling of routing iteration ``iteration`` (0-based; does not emit)."""
        self._iteration = int(iteration)
        with QSignalBlocker(self.iteration_slider):
            self.iteration_slider.setValue(self._iteration)
        self._redraw()

    def set_quantity(self, quantity: str) -> None:
        """``"coupling"``, ``"contribution"`` or ``"activation"``."""
        self._quantity = quantity
        with QSignalBlocker(self.quantity_box):
            self.quantity_box.setCurrentIndex(QUANTITIES.index(quantity))
        self._redraw()

    def set_types(self, types: str | int) -> None:
        """``"mean"``, ``"sum"`` or one primary capsule type 0–31."""
        self._types = types
        with QSignalBlocker(self.types_box):
            self.types_box.setCurrentIndex(TYPE_CHOICES.index(types))
        self._redraw()

    def set_vote_quantity(self, quantity: str) -> None:
        """``"agreement"``, ``"lengths"`` or ``"coupling"`` for the votes map."""
        self._vote_quantity = quantity
        with QSignalBlocker(self.votes_box):
            self.votes_box.setCurrentIndex(list(VOTE_QUANTITIES).index(quantity))
        self._draw_votes()

    def select_cell(self, row: int, col: int) -> None:
        """Frame cell (row, col) and show its votes (does not emit ``cellClicked``)."""
        self._cell = (int(row), int(col))
        self._draw_cell_frames()
        self._draw_votes()

    @property
    def selected_cell(self) -> tuple[int, int]:
        return self._cell

    # drawing -----------------------------------------------------------
    def _redraw(self) -> None:
        analysis, t = self._analysis, self._iteration
        if self._image is not None:
            self.input_item.setImage(self._image, levels=(0.0, 1.0))
        if analysis is None:
            self.overlay_item.clear()
            self.grid_item.clear()
            self.votes_item.clear()
            return
        count = analysis.iterations
        self.iteration_label.setText(f"iteration {t + 1}/{count}")
        grid = analysis.grid(self._quantity, t, self._digit, self._types)
        low, high = analysis.levels(self._quantity, self._digit, self._types)
        self.grid_item.setImage(grid, autoLevels=False)
        self.grid_item.setRect(QRectF(0, 0, 6, 6))
        overlay = analysis.overlay(self._quantity, t, self._digit, self._types)
        self.overlay_item.setImage(_fill_edges(overlay), autoLevels=False)
        self.overlay_item.setRect(QRectF(0, 0, 28, 28))
        self.map_bar.setLevels((low, high))
        quantity = QUANTITY_LABELS[self._quantity]
        set_bar_label(self.map_bar, f"{quantity} ({_type_word(self._types)})")
        self.map_bar.setToolTip(f"{quantity}, {_type_text(self._types)}")
        routed = f" for capsule {self._digit}, iteration {t + 1}/{count}"
        routed = "" if self._quantity == "activation" else routed
        self.input_plot.setToolTip(f"{quantity}{routed}, folded onto the input")
        self._draw_cell_frames()
        self._draw_votes()

    def _draw_cell_frames(self) -> None:
        row, col = self._cell
        top, left, height, width = window(row, col)
        self.window_rect.setRect(left, top, width, height)
        self.cell_rect.setRect(col, row, 1, 1)

    def _draw_votes(self) -> None:
        if self._analysis is None:
            return
        cell = self._analysis.cell(*self._cell)
        data = {"agreement": cell.agreement, "lengths": cell.lengths, "coupling": cell.coupling}[
            self._vote_quantity
        ]
        self.votes_item.setImage(data, autoLevels=False)
        self.votes_item.setRect(QRectF(0, 0, 10, 32))
        if self._vote_quantity == "agreement":
            self.votes_bar.setColorMap(pg.colormap.get(DIVERGING))
            self.votes_bar.setLevels((-1.0, 1.0))
        else:
            self.votes_bar.setColorMap(pg.colormap.get(SEQUENTIAL))
            self.votes_bar.setLevels((0.0, max(float(data.max()), 1e-6)))
        set_bar_label(self.votes_bar, VOTE_QUANTITIES[self._vote_quantity])
        set_title(self.votes_plot, f"votes of cell (row {cell.row}, col {cell.col})")

    @property
    def shown_votes(self) -> np.ndarray | None:
        """The ``[32, 10]`` array in the votes map."""
        return self.votes_item.image

    # interaction -------------------------------------------------------
    def _digit_picked(self, digit: int) -> None:
        self._digit = digit
        self._redraw()
        self.digitChanged.emit(digit)

    def _iteration_picked(self, iteration: int) -> None:
        self._iteration = iteration
        self._redraw()
        self.iterationChanged.emit(iteration)

    def _quantity_picked(self, index: int) -> None:
        self.set_quantity(QUANTITIES[index])

    def _types_picked(self, index: int) -> None:
        self.set_types(TYPE_CHOICES[index])

    def _votes_picked(self, index: int) -> None:
        self.set_vote_quantity(list(VOTE_QUANTITIES)[index])

    def _clicked(self, event: object) -> None:
        cell = self._cell_under(event.scenePos())
        if cell is not None:
            self.select_cell(*cell)
            self.cellClicked.emit(*cell)

    def _cell_under(self, position: QPointF) -> tuple[int, int] | None:
        """The grid cell under a scene position on the grid or on the drawing."""
        if self.grid_plot.vb.sceneBoundingRect().contains(position):
            point = self.grid_plot.vb.mapSceneToView(position)
            if 0 <= point.x() < 6 and 0 <= point.y() < 6:
                return int(point.y()), int(point.x())
        if self.input_plot.vb.sceneBoundingRect().contains(position):
            point = self.input_plot.vb.mapSceneToView(position)
            if 0 <= point.x() < 28 and 0 <= point.y() < 28:
                return cell_at(point.y(), point.x())
        return None

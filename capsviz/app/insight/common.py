"""Shared drawing helpers for the insight panels: colours, image plots, legends, thumbnails."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QWidget

from capsviz.app import theme
from capsviz.app.views.pixels import grey_qimage

# One colour per routing iteration (1, 2, 3, ...), from cool to warm.
ITERATION_COLOURS = ("#64748b", "#38bdf8", "#f5a524", "#f472b6", "#a3e635", "#c084fc")
# One colour per digit capsule, for curves that show all ten at once.
DIGIT_COLOURS = (
    "#60a5fa", "#f97316", "#34d399", "#f87171", "#a78bfa",
    "#fbbf24", "#f472b6", "#22d3ee", "#a3e635", "#e879f9",
)  # fmt: skip
ORIGINAL = "#6b7280"  # "before" bars: the untouched input, routing switched off
DIVERGING = "CET-D1"  # negative blue, zero grey, positive red
SEQUENTIAL = "viridis"  # magnitudes: dark = little, yellow = much


NARROW_WIDTH = 720  # below this a panel stacks its plots (e.g. in the main window's side tabs)


def place(
    layout: pg.GraphicsLayout, placements: list[tuple], stretch: dict[str, dict[int, int]] | None = None
) -> None:
    """Put plots at ``(item, row, col[, rowspan, colspan])``, moving them if already placed.

    ``stretch`` gives ``{"rows": {row: factor}, "cols": {col: factor}}``; rows and
    columns left empty by an earlier arrangement get no space.
    """
    for item, *_ in placements:
        if item in layout.items:
            layout.removeItem(item)
    for item, row, col, *span in placements:
        layout.addItem(item, row, col, *(span or (1, 1)))
    used_rows = max(row + (span[0] if span else 1) for _, row, _, *span in placements)
    used_cols = max(col + (span[1] if span else 1) for _, _, col, *span in placements)
    grid, stretch = layout.layout, stretch or {}
    for k in range(grid.rowCount()):
        grid.setRowStretchFactor(k, stretch.get("rows", {}).get(k, 1) if k < used_rows else 0)
    for k in range(grid.columnCount()):
        grid.setColumnStretchFactor(k, stretch.get("cols", {}).get(k, 1) if k < used_cols else 0)


def fill_remaining_height(view: QWidget, minimum: int) -> None:
    """Let a chart take the height its panel has left instead of asking for its own.

    A plot widget prefers a tall size; in a side tab that preference makes the
    panel taller than the tab, which then scrolls to show the rest. Ignored
    vertically, the chart takes what the other widgets leave, down to ``minimum``.
    """
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
    view.setMinimumHeight(minimum)


def compact(box: QComboBox, characters: int = 12) -> QComboBox:
    """Let a combo box shrink to ``characters`` wide (its list still shows the full names)."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)
    return box


class Responsive:
    """Mixin for panels that put plots side by side when wide and stack them when narrow.

    Subclasses implement ``arrange(narrow)`` and call :meth:`follow_width` from
    ``resizeEvent`` (and once at the end of ``__init__``).
    """

    narrow: bool | None = None

    def follow_width(self) -> None:
        narrow = self.width() < NARROW_WIDTH
        if narrow != self.narrow:
            self.narrow = narrow
            self.arrange(narrow)

    def arrange(self, narrow: bool) -> None:
        raise NotImplementedError


def iteration_colour(t: int) -> str:
    return ITERATION_COLOURS[t % len(ITERATION_COLOURS)]


def set_title(plot: pg.PlotItem, text: str) -> None:
    """Set a plot's title; one wider than the plot ends in "…" and shows whole in its tooltip.

    The title never sets the plot's minimum width, so a narrow panel keeps its
    plots side by side; cut at the right end, it no longer runs under its
    neighbour's title or off the panel's edge.
    """
    label = plot.titleLabel
    if "updateMin" not in label.__dict__:
        label.updateMin = _shrinkable(label)
        label.resizeEvent = _eliding(label)
        label.fitting = False
    elif text == label.full_text:
        return  # the same title again (panels set it on every redraw): nothing to lay out
    label.full_text = text
    plot.setTitle(text)


def _shrinkable(label: pg.LabelItem):
    """A replacement for ``LabelItem.updateMin`` that asks for the text's height but no width."""

    def update_min() -> None:
        bounds = label.itemRect()
        label.setMinimumWidth(0)
        label.setMinimumHeight(bounds.height())
        label._sizeHint = {
            Qt.SizeHint.MinimumSize: (0, bounds.height()),
            Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    return update_min


def _eliding(label: pg.LabelItem):
    """A replacement for ``LabelItem.resizeEvent`` that fits ``label.full_text`` to the label's width."""

    def resize_event(event) -> None:
        full = label.full_text
        room = label.rect().width() - 2 * label.item.document().documentMargin()
        if room > 0 and not label.fitting:
            shown = _title_metrics(label).elidedText(full, Qt.TextElideMode.ElideRight, room)
            label.setToolTip(full if shown != full else "")
            if shown != label.text:
                label.fitting = True  # setText lays the label out again: no second fit inside it
                try:
                    label.setText(shown)
                finally:
                    label.fitting = False
        pg.LabelItem.resizeEvent(label, event)

    return resize_event


def _title_metrics(label: pg.LabelItem) -> QFontMetricsF:
    """The metrics of the label's text as drawn (its size is set in the label's style, not its font)."""
    font = QFont(label.item.font())
    size = str(label.opts.get("size", ""))
    if size.endswith("pt"):
        font.setPointSizeF(float(size[:-2]))
    elif size.endswith("px"):
        font.setPixelSize(round(float(size[:-2])))
    return QFontMetricsF(font)


def image_plot(layout: pg.GraphicsLayout, title: str, x_label: str, y_label: str, **grid: int) -> pg.PlotItem:
    """A plot for pictures: row 0 at the top, square pixels, no panning."""
    plot = layout.addPlot(**grid)
    set_title(plot, title)
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    return plot


def chart(layout: pg.GraphicsLayout, title: str, x_label: str, y_label: str, **grid: int) -> pg.PlotItem:
    """A fixed (not pannable) chart with labelled axes and a faint grid."""
    plot = layout.addPlot(**grid)
    set_title(plot, title)
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.showGrid(x=False, y=True, alpha=0.15)
    for axis in ("bottom", "left"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


def image_item(colormap: str | None = None) -> pg.ImageItem:
    """A row-major ImageItem, grey by default or with a named colour map."""
    item = pg.ImageItem(axisOrder="row-major")
    if colormap is not None:
        item.setColorMap(pg.colormap.get(colormap))
    return item


def colour_bar(plot: pg.PlotItem, items: list[pg.ImageItem], colormap: str, label: str) -> pg.ColorBarItem:
    """A fixed colour legend beside ``plot`` that drives the colours of ``items``."""
    bar = pg.ColorBarItem(
        values=(0.0, 1.0), colorMap=pg.colormap.get(colormap), label=label, interactive=False, width=12
    )
    bar.setImageItem(items, insert_in=plot)
    bar.axis.enableAutoSIPrefix(False)
    return bar


def set_bar_label(bar: pg.ColorBarItem, text: str) -> None:
    """Change a vertical colour bar's legend text."""
    bar.getAxis("left").setLabel(text)


def digit_ticks(axis: pg.AxisItem, count: int = 10) -> None:
    axis.setTicks([[(j, str(j)) for j in range(count)]])


def add_legend(plot: pg.PlotItem, offset: tuple[float, float] = (-8, 4), columns: int = 1) -> pg.LegendItem:
    """A compact legend in a corner of ``plot`` (negative offsets count from the right/bottom)."""
    legend = plot.addLegend(
        offset=offset, labelTextColor=theme.TEXT, brush=pg.mkBrush(21, 23, 26, 210), colCount=columns
    )
    legend.setLabelTextSize("8pt")
    legend.layout.setContentsMargins(2, 0, 2, 0)
    legend.layout.setVerticalSpacing(-4)
    return legend


def headroom(plot: pg.PlotItem, low: float, high: float, room: float = 0.3) -> None:
    """Fix the y range with space above the data for a legend."""
    span = max(high - low, 1e-9)
    plot.setYRange(low, high + room * span, padding=0.02)


class BarSeries:
    """Side-by-side bar series over the same x positions, created once and updated in place.

    Updating heights is far cheaper than rebuilding items, which keeps charts
    that follow a slider smooth. A series given ``None`` is hidden (and leaves
    the legend).
    """

    def __init__(
        self,
        plot: pg.PlotItem,
        legend: pg.LegendItem,
        x: np.ndarray,
        colours: list[str],
        names: list[str],
        width: float = 0.8,
    ) -> None:
        self.plot, self.legend, self.names = plot, legend, list(names)
        self.x = np.asarray(x, np.float64)
        step = width / len(colours)
        self.items = [
            pg.BarGraphItem(
                x=self.x - width / 2 + step * (k + 0.5),
                height=np.zeros(len(self.x)),
                width=step * 0.92,
                brush=pg.mkBrush(colour),
                pen=pg.mkPen(None),
            )
            for k, colour in enumerate(colours)
        ]
        for item in self.items:
            plot.addItem(item)
        self._colours = list(colours)
        self._legend_entries: list[tuple[int, str]] | None = None
        self.set([None] * len(self.items))

    def set(
        self,
        heights: list[np.ndarray | None],
        names: list[str] | None = None,
        colours: list[str] | None = None,
    ) -> None:
        """New heights per series (None hides one) and, optionally, new legend names and colours."""
        if names is not None:
            self.names = list(names)
        entries = [
            (k, name)
            for k, (values, name) in enumerate(zip(heights, self.names, strict=True))
            if values is not None
        ]
        if entries != self._legend_entries:  # a legend rebuilt lays itself out again: several ms
            self._legend_entries = entries
            self.legend.clear()
            for k, name in entries:
                self.legend.addItem(self.items[k], name)
        for k, (item, values) in enumerate(zip(self.items, heights, strict=True)):
            item.setVisible(values is not None)
            if colours is not None and colours[k] != self._colours[k]:
                self._colours[k] = colours[k]
                item.setOpts(brush=pg.mkBrush(colours[k]))
            if values is not None:
                item.setOpts(height=np.asarray(values, np.float64))

    def heights(self, series: int) -> np.ndarray | None:
        """The drawn heights of one series, or None when it is hidden."""
        item = self.items[series]
        return np.asarray(item.opts["height"]) if item.isVisible() else None

    def remove(self) -> None:
        """Take the bars off the plot (before building another set)."""
        self.legend.clear()
        self._legend_entries = None
        for item in self.items:
            self.plot.removeItem(item)


def thumbnail(image: np.ndarray, size: int = 56, frame: str | None = None) -> QPixmap:
    """A 28×28 image enlarged without smoothing, optionally framed in a colour."""
    pixmap = QPixmap.fromImage(grey_qimage(image)).scaled(
        size, size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
    )
    if frame is not None:
        painter = QPainter(pixmap)
        painter.setPen(QPen(QColor(frame), 3))
        painter.drawRect(1, 1, size - 3, size - 3)
        painter.end()
    return pixmap


def thumbnail_icon(image: np.ndarray, size: int = 56, frame: str | None = None) -> QIcon:
    return QIcon(thumbnail(image, size, frame))


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """Muted one-line explanation under a panel's controls."""
    label = QLabel(text, parent)
    label.setObjectName("panelHint")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.MUTED};")
    return label


def array_to_qimage_rgb(image: QImage) -> np.ndarray:
    """A QImage as an ``H×W×3`` uint8 array (for tests and exports)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, row = rgb.height(), rgb.width(), rgb.bytesPerLine()
    data = np.frombuffer(rgb.constBits(), np.uint8, count=row * height).reshape(height, row)
    return data[:, : width * 3].reshape(height, width, 3).copy()


ICON_SIZE = QSize(56, 56)

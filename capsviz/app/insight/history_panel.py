"""Compare & keep: a strip of kept inputs (click to restore), a comparison chart and exports."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.history import HistoryEntry
from capsviz.app import theme
from capsviz.app.insight.common import (
    ORIGINAL,
    BarSeries,
    add_legend,
    chart,
    digit_ticks,
    fill_remaining_height,
    hint_label,
    thumbnail_icon,
)
from capsviz.app.insight.morph_panel import MorphPanel

ICON = 56
CHART_MIN_HEIGHT = 200


class HistoryPanel(QWidget):
    """Thumbnails of the last inputs with their predictions, newest first.

    Signals
    -------
    restoreRequested(object)
        A thumbnail was clicked: show this :class:`HistoryEntry` again.
    keepRequested()
        "Keep" was pressed: add the current input to the strip.
    exportPngRequested(str), exportJsonRequested(str)
        The user chose a file to save the current state to.
    """

    restoreRequested = Signal(object)
    keepRequested = Signal()
    exportPngRequested = Signal(str)
    exportJsonRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Keep inputs to compare: the strip holds your last drawings with what the network said; "
            "click one to bring it back, or save the current state as a picture or JSON."
        )
        self._entries: list[HistoryEntry] = []
        self._current: np.ndarray | None = None
        self._compared: HistoryEntry | None = None
        self.strip = QListWidget()
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setIconSize(QSize(ICON, ICON))
        self.strip.setGridSize(QSize(ICON + 22, ICON + 26))
        self.strip.setFixedHeight(ICON + 46)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.itemClicked.connect(self._clicked)
        self.keep_button = QPushButton("Keep current")
        self.keep_button.setToolTip("Add the current input to the strip.")
        self.keep_button.clicked.connect(self.keepRequested)
        self.png_button = QPushButton("Save PNG…")
        self.png_button.setToolTip("Save a picture of the window and every insight panel.")
        self.png_button.clicked.connect(self._ask_png)
        self.json_button = QPushButton("Save JSON…")
        self.json_button.setToolTip("Save the input, lengths, poses and c_ij of every iteration as JSON.")
        self.json_button.clicked.connect(self._ask_json)
        self.status = QLabel("")
        self.status.setStyleSheet(f"color: {theme.MUTED};")
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.png_button)
        buttons.addWidget(self.json_button)
        self.view = pg.GraphicsLayoutWidget()
        fill_remaining_height(self.view, CHART_MIN_HEIGHT)
        self.plot = chart(self.view.ci, "current vs kept", "digit capsule j", "length ‖v_j‖")
        digit_ticks(self.plot.getAxis("bottom"))
        self.plot.setYRange(0, 1.25, padding=0)
        self.legend = add_legend(self.plot, offset=(8, 4), columns=2)
        self.bars = BarSeries(
            self.plot, self.legend, np.arange(10), [ORIGINAL, theme.ACCENT], ["kept", "current"]
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.strip)
        layout.addWidget(self.view, 1)
        self.morph = MorphPanel()
        layout.addWidget(self.morph)
        layout.addWidget(
            hint_label("Click a thumbnail to restore it; the chart compares the current input with it.")
        )

    # public API --------------------------------------------------------
    def show_entries(self, entries: list[HistoryEntry]) -> None:
        """Show ``entries`` (newest first)."""
        self._entries = list(entries)
        self.strip.clear()
        for entry in self._entries:
            item = QListWidgetItem(thumbnail_icon(entry.image, ICON), entry.caption())
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(
                f"predicted {entry.prediction} (length {entry.confidence:.2f})"
                + (f" · {entry.source}" if entry.source else "")
            )
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.strip.addItem(item)
        if self._compared is not None and self._compared not in self._entries:
            self._compared = None
        self._draw()
        self.morph.show_sources(self._entries)

    def show_current(self, lengths: np.ndarray | None) -> None:
        """The current input's lengths (drawn against the compared entry)."""
        self._current = None if lengths is None else np.asarray(lengths, np.float32)
        self._draw()

    def compare_with(self, entry: HistoryEntry | None) -> None:
        self._compared = entry
        self._draw()

    def show_status(self, text: str) -> None:
        """One line about the last export."""
        self.status.setText(text)

    @property
    def entries(self) -> list[HistoryEntry]:
        return list(self._entries)

    # interaction -------------------------------------------------------
    def _clicked(self, item: QListWidgetItem) -> None:
        entry_id = item.data(Qt.ItemDataRole.UserRole)
        entry = next((e for e in self._entries if e.id == entry_id), None)
        if entry is not None:
            self.restoreRequested.emit(entry)

    def _ask_png(self) -> None:
        self._ask("png")

    def _ask_json(self) -> None:
        self._ask("json")

    def _ask(self, kind: str) -> None:
        caption = "Save picture of all panels" if kind == "png" else "Save state as JSON"
        filters = "PNG images (*.png)" if kind == "png" else "JSON files (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, caption, f"capsviz-state.{kind}", filters)
        if path:
            (self.exportPngRequested if kind == "png" else self.exportJsonRequested).emit(path)

    def _draw(self) -> None:
        kept = None if self._compared is None else self._compared.lengths
        names = [
            "" if self._compared is None else f"kept: {self._compared.caption()}",
            "" if self._current is None else f"current: {int(np.argmax(self._current))}",
        ]
        self.bars.set([kept, self._current], names)

"""What (b): the paper's Figure-4 grid for the current capsule, one click to save as PNG."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.figure4 import Figure4, render_figure4
from capsviz.app import theme
from capsviz.app.insight.common import image_item, image_plot, set_title
from capsviz.model.weights import atomic_write_bytes

TILE = 28


def _offset_ticks(offsets: np.ndarray) -> list[tuple[float, str]]:
    """The two ends and the centre labelled (−0.25, 0, +0.25): at any width the numbers never collide."""
    centre = int(np.argmin(np.abs(offsets)))
    shown = (0, centre, len(offsets) - 1)
    return [((c + 0.5) * TILE, f"{offsets[c]:+.2f}".replace("-", "−") if c != centre else "0") for c in shown]


class Figure4View(QWidget):
    """The 16 × 11 perturbation grid, labelled; "Save PNG…" writes the same picture as ``capsviz perturb``.

    Signals
    -------
    exported(str)
        Path of a PNG just written.
    """

    exported = Signal(str)

    def __init__(self, parent: QWidget | None = None, window: bool = False) -> None:
        super().__init__(parent, Qt.WindowType.Window if window else Qt.WindowType.Widget)
        self.setToolTip(
            "The paper's Figure 4 for the current capsule: row d decodes the pose with dimension d moved "
            "from −0.25 to +0.25; the framed column is the unperturbed reconstruction."
        )
        self._grid: Figure4 | None = None
        self._labels: list[str] | None = None
        self._compact = False
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setToolTip("Save this grid, labelled, as a PNG picture.")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save_clicked)
        self.enlarge_button = QPushButton("Enlarge…")
        self.enlarge_button.setToolTip(
            "Open the grid in a window of its own, as large as you like (wheel: zoom)."
        )
        self.enlarge_button.setEnabled(False)
        self.enlarge_button.clicked.connect(self.enlarge)
        self.enlarge_button.setVisible(not window)
        self.enlarged: Figure4View | None = None
        self.status = QLabel("")
        self.status.setStyleSheet(f"color: {theme.MUTED};")
        self.view = pg.GraphicsLayoutWidget()
        self.plot = image_plot(self.view.ci, "Figure 4", "offset added to the dimension", "")
        self.image = image_item()
        self.plot.addItem(self.image)
        self.centre_frame = QGraphicsRectItem(0, 0, TILE, 16 * TILE)
        self.centre_frame.setPen(QPen(pg.mkColor(theme.STEER), 0))
        self.plot.addItem(self.centre_frame)
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        header.addWidget(self.enlarge_button)
        header.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)

    def show_grid(self, grid: Figure4 | None, labels: list[str] | None = None) -> None:
        """Show a decoded grid; ``labels`` names the 16 dimensions (``""`` where unnamed)."""
        self._grid, self._labels = grid, labels
        self.save_button.setEnabled(grid is not None)
        self.enlarge_button.setEnabled(grid is not None)
        if self.enlarged is not None and self.enlarged.isVisible():
            self.enlarged.show_grid(grid, labels)
        if grid is None:
            self.image.clear()
            return
        rows, cols = grid.images.shape[:2]
        mosaic = grid.mosaic()
        self.image.setImage(mosaic, levels=(0.0, 1.0))
        self.image.setRect(QRectF(0, 0, cols * TILE, rows * TILE))
        self.plot.getAxis("bottom").setTicks([_offset_ticks(grid.offsets), []])
        named = labels and not self._compact
        names = [f"d{d}" + (f" {labels[d]}" if named and labels[d] else "") for d in range(rows)]
        every = 2 if self._compact else 1  # compact rows are too low for a name on each
        self.plot.getAxis("left").setTicks([[((d + 0.5) * TILE, names[d]) for d in range(0, rows, every)]])
        self.centre_frame.setRect(grid.centre_column * TILE, 0, TILE, rows * TILE)
        set_title(self.plot, f"Figure 4 · capsule {grid.digit}")
        self.plot.setRange(QRectF(0, 0, cols * TILE, rows * TILE), padding=0.01)

    def enlarge(self) -> None:
        """Show the grid in its own window (it follows the capsule on show until closed)."""
        if self.enlarged is None:
            self.enlarged = Figure4View(self, window=True)
            self.enlarged.setWindowTitle("capsviz — Figure 4")
            self.enlarged.resize(900, 1100)
            self.enlarged.plot.setMouseEnabled(x=True, y=True)
        self.enlarged.show_grid(self._grid, self._labels)
        self.enlarged.show()
        self.enlarged.raise_()

    def set_compact(self, compact: bool) -> None:
        """Plain row numbers (no dimension names), every other row, where room is short."""
        self._compact = compact
        self.show_grid(self._grid, self._labels)

    @property
    def mosaic(self) -> np.ndarray | None:
        """The picture on display (``[16·28, 11·28]``)."""
        return self.image.image

    def _save_clicked(self) -> None:
        self.export_png()

    def export_png(self, path: str | Path | None = None) -> Path | None:
        """Write the labelled grid (asks for a file name when ``path`` is None)."""
        if self._grid is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save Figure-4 grid", f"figure4-capsule{self._grid.digit}.png", "PNG images (*.png)"
            )
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        buffer = io.BytesIO()
        title = f"capsule {self._grid.digit}: each dimension −0.25 … +0.25"
        render_figure4(self._grid, self._labels, title).save(buffer, format="PNG")
        try:
            atomic_write_bytes(path, buffer.getvalue())
        except OSError as exc:
            self.status.setText(f"could not save {path.name}: {exc.strerror or exc}")
            return None
        self.status.setText(f"saved {path.name}")
        self.exported.emit(str(path))
        return path

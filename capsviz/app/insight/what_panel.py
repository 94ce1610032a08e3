"""What: what each of the 16 dimensions of a digit capsule encodes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import DimensionStats
from capsviz.analysis.figure4 import Figure4
from capsviz.app.insight.common import Responsive, compact
from capsviz.app.insight.dimension_view import DimensionView
from capsviz.app.insight.evidence_view import EvidenceView
from capsviz.app.insight.figure4_view import Figure4View


class WhatPanel(Responsive, QWidget):
    """Test-set distributions and auto-labels of the 16 dimensions beside the Figure-4 grid.

    Signals
    -------
    digitChanged(int)
        The capsule picked in the panel.
    """

    digitChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "What the 16 numbers of a capsule mean: how real digits spread along each, a name for the "
            "property each one changes, and the paper's Figure-4 grid."
        )
        self._labels: DimensionLabels | None = None
        self._digit = 0
        self.digit_box = compact(QComboBox(), 10)
        self.digit_box.addItems([f"capsule {j}" for j in range(10)])
        self.digit_box.setToolTip("The digit capsule to explain (follows the steered capsule).")
        self.digit_box.currentIndexChanged.connect(self._digit_picked)
        self.dimensions = DimensionView()
        self.evidence = EvidenceView()
        self.dimensions.dimensionHovered.connect(self._show_evidence)
        self.figure4 = Figure4View()
        self.pages = QTabWidget()
        self.pages.addTab(self.figure4, "Figure 4")
        self.pages.addTab(self.evidence, "Why this name")
        self.pages.setTabToolTip(1, "The evidence behind the name of the dimension under the mouse.")
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.dimensions)
        splitter.addWidget(self.pages)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("dimensions of"))
        controls.addWidget(self.digit_box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        self.follow_width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follow_width()

    def arrange(self, narrow: bool) -> None:
        """Distributions beside the Figure-4 grid and the evidence when wide, above them when narrow."""
        self.splitter.setOrientation(Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal)
        self.figure4.set_compact(narrow)
        # Narrow, the sixteen distribution rows need the larger share of the height to stay legible.
        shares = (11, 9) if narrow else (5, 4)
        for index, share in enumerate(shares):
            self.splitter.setStretchFactor(index, share)
        self.splitter.setSizes([100 * share for share in shares])

    @property
    def digit(self) -> int:
        return self._digit

    def set_digit(self, digit: int) -> None:
        """Explain capsule ``digit`` (does not emit)."""
        self._digit = int(digit)
        with QSignalBlocker(self.digit_box):
            self.digit_box.setCurrentIndex(self._digit)
        self._refresh_evidence()

    def show_stats(self, stats: DimensionStats | None) -> None:
        self.dimensions.show_stats(stats)

    def show_labels(self, labels: DimensionLabels | None) -> None:
        self._labels = labels
        self.dimensions.show_labels(labels)
        self._refresh_evidence()

    def _refresh_evidence(self) -> None:
        """Show the evidence for the dimension on show (the first until the mouse picks one)."""
        shown = self.evidence.shown
        self._show_evidence(0 if shown is None else shown[1])

    def _show_evidence(self, dim: int) -> None:
        self.evidence.show_evidence(self._labels, self._digit, dim)

    def show_progress(self, done: int, total: int) -> None:
        self.dimensions.show_progress(done, total)

    def show_pose(self, pose: np.ndarray | None, grid: Figure4 | None) -> None:
        """The current (perturbed) ``[16]`` pose of capsule :attr:`digit` and its Figure-4 grid."""
        self.dimensions.show_pose(pose, self._digit)
        names = None if self._labels is None else [self._labels.label(self._digit, d) for d in range(16)]
        self.figure4.show_grid(grid, names)

    def _digit_picked(self, digit: int) -> None:
        self._digit = digit
        self.digitChanged.emit(digit)

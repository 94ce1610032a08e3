"""Gallery of surprises: test digits the network gets wrong or is least sure about."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.gallery import Gallery, GalleryEntry
from capsviz.app import theme
from capsviz.app.insight.common import hint_label, thumbnail_icon

ICON = 64
MISTAKE = theme.NEGATIVE
UNSURE = theme.STEER
KINDS = ("mistakes", "unsure")


class GalleryPanel(QWidget):
    """Thumbnails of surprising test digits; click one to open it in the app.

    Signals
    -------
    digitRequested(int)
        Index in the shipped test set of the clicked digit.
    computeRequested()
        The user asked for the survey of the test set to run.
    """

    digitRequested = Signal(int)
    computeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "The test digits the network gets wrong (red) or is least sure about (amber); "
            "click one to open it and see why."
        )
        self._gallery: Gallery | None = None
        self._images: np.ndarray | None = None
        self._kind = "mistakes"
        self.kind_box = QComboBox()
        self.kind_box.addItems(["mistakes", "least sure"])
        self.kind_box.setToolTip("Which surprises to list.")
        self.kind_box.currentIndexChanged.connect(self._kind_picked)
        self.compute_button = QPushButton("Survey test set")
        self.compute_button.setToolTip(
            "Run the network over the shipped test digits once (cached afterwards)."
        )
        self.compute_button.clicked.connect(self.computeRequested)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m digits")
        self.progress.hide()
        self.summary = QLabel("The test set has not been surveyed yet.")
        self.summary.setStyleSheet(f"color: {theme.MUTED};")
        self.summary.setWordWrap(True)  # wraps rather than widening the panel beyond a side tab
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(QSize(ICON, ICON))
        self.list.setGridSize(QSize(ICON + 26, ICON + 30))
        self.list.setUniformItemSizes(True)
        self.list.itemClicked.connect(self._clicked)
        top, survey = QHBoxLayout(), QHBoxLayout()
        top.addWidget(QLabel("show"))
        top.addWidget(self.kind_box)
        top.addWidget(self.summary, 1)
        # The survey's progress and button get a row of their own, so the panel fits a side tab.
        survey.addWidget(self.progress, 1)
        survey.addWidget(self.compute_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(survey)
        layout.addWidget(self.list, 1)
        layout.addWidget(
            hint_label(
                "Red: misclassified, captioned true→predicted, most confident mistakes first. "
                "Amber: right but unsure, captioned true (runner-up?), smallest margin first."
            )
        )

    # public API --------------------------------------------------------
    def show_progress(self, done: int, total: int) -> None:
        """Show the survey's progress; the button is disabled while it runs."""
        running = done < total
        self.progress.setVisible(running)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.compute_button.setEnabled(not running)

    def show_gallery(self, gallery: Gallery | None, images: np.ndarray | None) -> None:
        """List the surprises of ``gallery``; ``images`` is the uint8 test set they index."""
        self._gallery, self._images = gallery, images
        self.compute_button.setVisible(gallery is None)
        if gallery is not None:
            accuracy = 1.0 - len(gallery.mistakes) / max(gallery.surveyed, 1)
            self.summary.setText(
                f"{gallery.surveyed} test digits: {len(gallery.mistakes)} mistakes ({accuracy:.2%} right)"
            )
        self._fill()

    def show_failure(self, message: str) -> None:
        """Say why the test set could not be surveyed."""
        self.summary.setText(message)

    def set_kind(self, kind: str) -> None:
        """``"mistakes"`` or ``"unsure"``."""
        self._kind = kind
        with QSignalBlocker(self.kind_box):
            self.kind_box.setCurrentIndex(KINDS.index(kind))
        self._fill()

    def shown_entries(self) -> list[GalleryEntry]:
        if self._gallery is None:
            return []
        return self._gallery.mistakes if self._kind == "mistakes" else self._gallery.unsure

    # drawing -----------------------------------------------------------
    def _fill(self) -> None:
        self.list.clear()
        if self._gallery is None or self._images is None:
            return
        colour = MISTAKE if self._kind == "mistakes" else UNSURE
        for entry in self.shown_entries():
            image = self._images[entry.index].astype(np.float32) / 255.0
            item = QListWidgetItem(thumbnail_icon(image, ICON, frame=colour), entry.caption())
            item.setData(Qt.ItemDataRole.UserRole, entry.index)
            item.setToolTip(entry.describe())
            item.setForeground(QColor(colour))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.list.addItem(item)

    def _kind_picked(self, index: int) -> None:
        self.set_kind(KINDS[index])

    def _clicked(self, item: QListWidgetItem) -> None:
        self.digitRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

"""Robustness on the test set, in the window: CapsNet vs CNN accuracy as every transform grows.

The Invariance panel moves the person's own digit; this window asks the same
of the whole test set — how much rotation, scale, shear and shift each model
survives — so the paper's claim can be checked, whichever way it falls. The
measurement is a job on the survey lane (low priority, held while a stroke
is drawn), with progress and a Cancel button, cached per pair of weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.robustness import LEVELS, Curve, cached_curves, cached_robustness
from capsviz.app.insight.common import hint_label
from capsviz.app.insight.robustness_view import RobustnessView
from capsviz.app.jobs import SURVEY, Jobs
from capsviz.model.capsnet import CapsNet

COUNTS = (500, 2000, 10_000)  # test digits to measure on; 2000 is the README's
DEFAULT_COUNT = 2000
ROBUSTNESS = "robustness"  # the job key
LEVEL_COUNT = sum(len(levels) for levels in LEVELS.values())
MINUTES_PER_DIGIT = 5 / 2000  # 2,000 digits took 5 minutes on a 2-core AMD EPYC


class RobustnessPanel(QWidget):
    """How many digits, Measure / Cancel, progress, and the five charts. Draws what it is handed.

    Signals
    -------
    measureRequested(int)
        Measure on this many test digits.
    cancelRequested()
        Stop the measurement under way.
    countChanged(int)
        Another number of digits was picked (a measured result may be cached).
    """

    measureRequested = Signal(int)
    cancelRequested = Signal()
    countChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("robustnessPanel")
        self.setWindowTitle("capsviz — robustness on the test set")
        self.count_box = QComboBox()
        for count in COUNTS:
            self.count_box.addItem(f"{count:,} test digits", count)
        self.count_box.setCurrentIndex(COUNTS.index(DEFAULT_COUNT))
        self.count_box.setToolTip("More digits: smoother curves, a longer measurement (each is cached).")
        self.count_box.currentIndexChanged.connect(lambda _i: self.countChanged.emit(self.count()))
        self.measure_button = QPushButton("Measure")
        self.measure_button.setToolTip(
            "Measure both models on every transform level (runs in the background)."
        )
        self.measure_button.clicked.connect(lambda: self.measureRequested.emit(self.count()))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the measurement; nothing of it is kept.")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.progress = QProgressBar()
        self.progress.setFormat("level %v of %m")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        for widget in (self.count_box, self.measure_button, self.cancel_button, self.progress):
            controls.addWidget(widget)
        controls.addWidget(self.status, 1)
        self.view = RobustnessView()
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addWidget(
            hint_label(
                "Each point: accuracy on the test digits, each moved by that much (rotation and shear to "
                "either side, shift in a random direction, 'all at once' combining them at random). The "
                "capsule network solid, the CNN baseline dashed; both were trained with ±2 px shifts only. "
                "The paper's own test trains both on digits anywhere on a 40×40 canvas and then moves them "
                "affinely: capsviz affnist measures that with the shipped 40×40 models."
            )
        )
        self.resize(1100, 640)
        self.show_busy(False)

    def count(self) -> int:
        return int(self.count_box.currentData())

    def show_busy(self, busy: bool) -> None:
        """A measurement is under way: progress and Cancel instead of Measure."""
        self.measure_button.setEnabled(not busy)
        self.count_box.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, LEVEL_COUNT)
            self.progress.setValue(0)

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_curves(self, curves: dict[str, Curve] | None, digits: int, note: str = "") -> None:
        """The measured curves (None: nothing measured for this count yet) and one line about them."""
        if curves is not None:
            self.view.show_curves(curves, digits)
        self.view.setVisible(curves is not None)
        self.status.setText(note)


class RobustnessPresenter(QObject):
    """Runs the measurement for :class:`RobustnessPanel` and hands it what to draw.

    ``model()`` and ``test_set()`` are read when a measurement starts, so a model
    loaded later is the one measured; ``baseline`` is the CNN (None: nothing to compare).
    """

    def __init__(
        self,
        panel: RobustnessPanel,
        jobs: Jobs,
        model: Callable[[], CapsNet | None],
        baseline: torch.nn.Module | None,
        test_set: Callable[[], tuple[np.ndarray, np.ndarray]],
        synchronous: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.jobs, self.model, self.baseline = panel, jobs, model, baseline
        self.test_set, self.synchronous = test_set, synchronous
        panel.measureRequested.connect(self.measure)
        panel.cancelRequested.connect(self.cancel)
        panel.countChanged.connect(lambda _count: self.show_cached())

    def open(self) -> None:
        """Bring the window up with what is already measured for its number of digits."""
        self.show_cached()
        self.panel.show()
        self.panel.raise_()

    def _digits(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self.test_set()
        return images[:count], labels[:count]

    def _missing(self) -> str:
        if self.model() is None:
            return "No network is loaded."
        if self.baseline is None:
            return "No CNN baseline is loaded, so there is nothing to compare the capsules with."
        return ""

    def show_cached(self) -> None:
        missing, count = self._missing(), self.panel.count()
        if missing:
            self.panel.show_curves(None, count, missing)
            self.panel.measure_button.setEnabled(False)
            return
        curves = cached_curves(self.model(), self.baseline, *self._digits(count))
        minutes = max(1, round(count * MINUTES_PER_DIGIT))
        note = (
            f"Measured before on the first {count:,} test digits."
            if curves is not None
            else f"Not measured yet on {count:,} digits: Measure takes about {minutes} min on two cores."
        )
        self.panel.show_curves(curves, count, note)

    def measure(self, count: int) -> None:
        if self._missing():
            return
        model, cnn, (images, labels) = self.model(), self.baseline, self._digits(count)
        self.panel.show_busy(True)
        self.panel.show_curves(None, count, f"measuring on {len(images):,} test digits…")

        def work(job) -> dict[str, Curve]:
            return cached_robustness(model, cnn, images, labels, job.report, job.should_stop)[0]

        self.jobs.submit(
            ROBUSTNESS,
            work,
            lambda curves: self._measured(curves, len(images)),
            self._failed,
            lane=SURVEY,
            progress=self.panel.show_progress,
            inline=True if self.synchronous else None,
        )

    def _measured(self, curves: dict[str, Curve], digits: int) -> None:
        self.panel.show_busy(False)
        self.panel.show_curves(curves, digits, f"Measured on the first {digits:,} test digits.")

    def _failed(self, exc: Exception) -> None:
        self.panel.show_busy(False)
        self.panel.show_curves(None, self.panel.count(), f"Could not measure: {exc}".splitlines()[0])

    def cancel(self) -> None:
        self.jobs.cancel(ROBUSTNESS)
        self.panel.show_busy(False)
        self.show_cached()
        self.panel.status.setText("Cancelled; nothing was kept. " + self.panel.status.text())

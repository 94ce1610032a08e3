"""The test-set survey in a background thread: statistics, auto-labels and gallery in one go."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal

from capsviz.analysis.autolabel import DimensionLabels, load_or_compute_labels
from capsviz.analysis.dimensions import DimensionStats, dimension_stats
from capsviz.analysis.gallery import Gallery, gallery
from capsviz.analysis.survey import Survey, SurveyCancelled, load_or_run_survey
from capsviz.model.capsnet import CapsNet


@dataclass
class SurveyResult:
    """Everything derived from one pass over the test set."""

    survey: Survey
    stats: DimensionStats
    labels: DimensionLabels
    gallery: Gallery
    images: np.ndarray


class SurveyTask(QObject):
    """Runs :func:`load_or_run_survey` and its derived analyses once, reporting progress.

    Signals
    -------
    progress(int, int)
        Digits done and total.
    finished(object)
        A :class:`SurveyResult`.
    failed(str)
        A one-line reason.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        model: CapsNet,
        test_set: tuple[np.ndarray, np.ndarray],
        limit: int | None = None,
        folder: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.test_set, self.limit, self.folder = model, test_set, limit, folder
        self._stop = threading.Event()
        self._done = threading.Event()
        self.running = False

    def start(self, synchronous: bool = False) -> None:
        """Begin (in the global thread pool, or right here when ``synchronous``)."""
        self.running = True
        if synchronous:
            self.run()
        else:
            QThreadPool.globalInstance().start(self.run)

    def cancel(self, wait_seconds: float = 5.0) -> None:
        """Ask the pass to stop after the current batch (what is done stays cached)."""
        self._stop.set()
        if self.running:
            self._done.wait(wait_seconds)

    def run(self) -> None:
        try:
            images, labels = self.test_set
            survey = load_or_run_survey(
                self.model,
                images,
                labels,
                self.limit,
                folder=self.folder,
                progress=self.progress.emit,
                should_stop=self._stop.is_set,
            )
            names = load_or_compute_labels(self.model, survey, folder=self.folder)
            result = SurveyResult(survey, dimension_stats(survey), names, gallery(survey), images)
        except SurveyCancelled:
            return
        except Exception as exc:  # shown in the panels as one line
            self.failed.emit(f"could not survey the test set: {exc}")
        else:
            self.finished.emit(result)
        finally:
            self.running = False
            self._done.set()

"""The test-set survey as a background job: statistics, auto-labels and gallery in one go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from capsviz.analysis.autolabel import load_or_compute_labels
from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import DimensionStats, dimension_stats
from capsviz.analysis.gallery import Gallery, gallery
from capsviz.analysis.survey import Survey, cached_count, load_or_run_survey
from capsviz.app.insight.gallery_panel import GalleryPanel
from capsviz.app.insight.what_panel import WhatPanel
from capsviz.app.jobs import SURVEY as SURVEY_LANE
from capsviz.app.jobs import JobContext, Jobs
from capsviz.app.state import AppState
from capsviz.model.capsnet import CapsNet


@dataclass
class SurveyResult:
    """Everything derived from one pass over the test set."""

    survey: Survey
    stats: DimensionStats
    labels: DimensionLabels
    gallery: Gallery
    images: np.ndarray


FIRST_STAGE = 1000  # results are shown after this many digits, then again when all are done
# Digits per forward pass in the app: about 0.1 s on one core, so a pause for drawing takes effect at once.
APP_BATCH = 32
SURVEY = "survey"  # the job key


def run_survey(
    model: CapsNet,
    test_set: tuple[np.ndarray, np.ndarray],
    limit: int | None,
    folder: Path | None,
    job: JobContext,
) -> SurveyResult:
    """:func:`load_or_run_survey` and its derived analyses, as a job that can be paused and cancelled.

    A first result goes out after :data:`FIRST_STAGE` digits (``job.partial``), so
    the panels fill in seconds; the full result follows (both are cached for next
    time). Between batches the survey waits while its key is paused (a stroke is
    being drawn), so drawing stays smooth.
    """
    images, labels = test_set
    total = len(images) if limit is None else min(int(limit), len(images))
    stages = sorted({min(FIRST_STAGE, total), total})
    names: DimensionLabels | None = None

    def result_at(stage: int) -> SurveyResult:
        nonlocal names
        survey = load_or_run_survey(
            model,
            images,
            labels,
            stage,
            folder=folder,
            progress=lambda done, _stage: job.report(done, total),
            should_stop=job.should_stop,
            batch_size=APP_BATCH,
        )
        names = names or load_or_compute_labels(model, survey, folder=folder)  # computed once
        return SurveyResult(survey, dimension_stats(survey), names, gallery(survey), images)

    for stage in stages[:-1]:
        job.partial(result_at(stage))
    return result_at(stages[-1])


class SurveyBinding(QObject):
    """Runs the survey of the model ``model()`` names as a job: pausable, cancellable, cached.

    Signals
    -------
    progress(int, int, bool)
        Digits done, total, and whether the survey is paused for drawing; ``done == total``
        once it has finished, failed or been cancelled (for the status bar).
    resultChanged(object)
        The :class:`SurveyResult`, or None when another model makes it stale.
    failed(str)
        Why the survey could not finish, in one line.
    """

    progress = Signal(int, int, bool)
    resultChanged = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        model: Callable[[], CapsNet | None],
        test_set: tuple[np.ndarray, np.ndarray] | None,
        limit: int | None,
        folder: Path | None,
        jobs: Jobs,
        synchronous: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.synchronous, self.jobs = model, synchronous, jobs
        self.test_set, self.limit, self.folder = test_set, limit, folder
        self.result: SurveyResult | None = None
        self.started = False
        self._count = (0, 0)  # digits done and total, as last reported
        self._held: SurveyResult | None = None  # arrived while a stroke was drawn; shown at pen-up

    @property
    def running(self) -> bool:
        return self.jobs.busy(SURVEY)

    @property
    def paused(self) -> bool:
        return self.jobs.paused(SURVEY)

    def digits(self) -> tuple[np.ndarray, np.ndarray]:
        """The test digits surveyed: the ones given, else the shipped test set (read on first use)."""
        if self.test_set is None:
            from capsviz.data.mnist import load_shipped_test_set

            self.test_set = load_shipped_test_set()
        return self.test_set

    def cached(self) -> bool:
        """Whether the cache holds this model's whole survey, so that finishing it takes seconds."""
        model = self.model()
        if model is None:
            return False
        images = self.digits()[0]
        wanted = len(images) if self.limit is None else min(int(self.limit), len(images))
        return cached_count(model, images, self.folder) >= wanted

    def start(self) -> None:
        """Begin the survey unless it is running (a finished one is simply run again from the cache)."""
        model = self.model()
        if model is None or self.running:
            return
        test_set, limit, folder = self.digits(), self.limit, self.folder
        self.started = True
        self.jobs.submit(
            SURVEY,
            lambda job: run_survey(model, test_set, limit, folder, job),
            self._finished,
            self._failed,
            lane=SURVEY_LANE,
            progress=self._progress,
            partial=self._finished,
            inline=True if self.synchronous else None,
        )

    def set_paused(self, paused: bool) -> None:
        """Hold the survey while a stroke is drawn, so the live view has both cores.

        A result that arrives meanwhile (the batch under way finishes a stage) is
        shown when the pen lifts: showing it redraws the What panel's statistics
        and grid, about a tenth of a second the ink would otherwise lag by.
        """
        self.jobs.pause(SURVEY, paused)
        if self.running:
            self.progress.emit(*self._count, paused)
        if not paused and self._held is not None:
            held, self._held = self._held, None
            self._finished(held)

    def cancel(self, wait_seconds: float = 5.0) -> None:
        """Stop the survey after its current batch; what is done stays cached for next time."""
        if self.running:
            self.jobs.cancel(SURVEY, wait_seconds)
            self.progress.emit(self._count[1], self._count[1], False)

    def reset(self) -> None:
        """Forget the results (another model is loaded); the next start surveys it."""
        self.cancel(0)
        self.started, self.result, self._held = False, None, None
        self.resultChanged.emit(None)

    def _progress(self, done: int, total: int) -> None:
        self._count = (done, total)
        self.progress.emit(done, total, self.paused and done < total)

    def _finished(self, result: SurveyResult) -> None:
        if self.paused:  # a stroke is being drawn
            self._held = result
            return
        self.result = result
        self.resultChanged.emit(result)

    def _failed(self, exc: Exception) -> None:
        self._progress(1, 1)
        self.failed.emit(f"could not survey the test set: {exc}")


def show_survey(surveyor: SurveyBinding, what: WhatPanel, gallery: GalleryPanel, state: AppState) -> None:
    """Wire the survey to what shows it: progress in the What and Gallery panels, its statistics and
    labels into the state (the sliders and the What panel read them there), the gallery of its digits."""

    def progress(done: int, total: int, _paused: bool) -> None:
        what.show_progress(done, total)
        gallery.show_progress(done, total)

    def result(found: SurveyResult | None) -> None:
        state.set_dimension_survey(
            None if found is None else found.stats, None if found is None else found.labels
        )
        if found is None:
            gallery.show_gallery(None, None)
        else:
            gallery.show_gallery(found.gallery, found.images)

    surveyor.progress.connect(progress)
    surveyor.resultChanged.connect(result)
    surveyor.failed.connect(gallery.show_failure)

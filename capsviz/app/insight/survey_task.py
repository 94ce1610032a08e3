"""The test-set survey in a background thread: statistics, auto-labels and gallery in one go."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

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


FIRST_STAGE = 1000  # results are shown after this many digits, then again when all are done
# Digits per forward pass in the app: about 0.1 s on one core, so a pause for drawing takes effect at once.
APP_BATCH = 32
NICENESS = 10  # the survey thread's scheduling priority below the GUI and the live view (Linux)


def lower_this_threads_priority() -> None:
    """Let the GUI and the live view win every contest for the two cores (best effort, Linux only).

    Only this thread is reniced, and it is the survey's own thread, so nothing
    else ever runs at the lowered priority.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class SurveyTask(QObject):
    """Runs :func:`load_or_run_survey` and its derived analyses, reporting progress.

    A first result comes after :data:`FIRST_STAGE` digits, so the panels fill in
    seconds; the full result follows (and both are cached for next time). It runs
    in a thread of its own at a lower priority and waits between batches while
    :meth:`pause` says so (a stroke is being drawn), so drawing stays smooth.

    Signals
    -------
    progress(int, int)
        Digits done and total.
    finished(object)
        A :class:`SurveyResult`, once per stage.
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
        self._free = threading.Event()  # cleared while paused
        self._free.set()
        self.running = False
        self.batch_size = APP_BATCH

    def start(self, synchronous: bool = False) -> None:
        """Begin (in a thread of its own at a lower priority, or right here when ``synchronous``)."""
        self.running = True
        if synchronous:
            self.run()
        else:
            threading.Thread(target=self._run_yielding, name="capsviz-survey", daemon=True).start()

    def pause(self, paused: bool) -> None:
        """Hold the pass after the current batch (``True``) or let it go on (``False``)."""
        if paused:
            self._free.clear()
        else:
            self._free.set()

    @property
    def paused(self) -> bool:
        return not self._free.is_set()

    @property
    def stopped(self) -> bool:
        """True once :meth:`cancel` was called (its last progress reports may still be on their way)."""
        return self._stop.is_set()

    def _run_yielding(self) -> None:
        lower_this_threads_priority()
        self.run()

    def _between_batches(self) -> bool:
        """Polled by the survey after each batch: wait while paused; True asks it to stop."""
        while not self._free.wait(0.05):
            if self._stop.is_set():
                break
        return self._stop.is_set()

    def cancel(self, wait_seconds: float = 5.0) -> None:
        """Ask the pass to stop after the current batch (what is done stays cached)."""
        self._stop.set()
        self._free.set()
        if self.running:
            self._done.wait(wait_seconds)

    def run(self) -> None:
        images, labels = self.test_set
        total = len(images) if self.limit is None else min(int(self.limit), len(images))
        stages = sorted({min(FIRST_STAGE, total), total})
        names: DimensionLabels | None = None
        try:
            for stage in stages:
                survey = load_or_run_survey(
                    self.model,
                    images,
                    labels,
                    stage,
                    folder=self.folder,
                    progress=lambda done, _stage: self.progress.emit(done, total),
                    should_stop=self._between_batches,
                    batch_size=self.batch_size,
                )
                names = names or load_or_compute_labels(self.model, survey, folder=self.folder)
                self.finished.emit(
                    SurveyResult(survey, dimension_stats(survey), names, gallery(survey), images)
                )
        except SurveyCancelled:
            return
        except Exception as exc:  # shown in the panels as one line
            self.failed.emit(f"could not survey the test set: {exc}")
        finally:
            self.running = False
            self._done.set()


class SurveyBinding(QObject):
    """Runs the survey of the model ``model()`` names, pausable, cancellable, cached.

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
        synchronous: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.synchronous = model, synchronous
        self.test_set, self.limit, self.folder = test_set, limit, folder
        self.task: SurveyTask | None = None
        self.result: SurveyResult | None = None
        self._paused = False
        self._count = (0, 0)  # digits done and total, as last reported

    @property
    def started(self) -> bool:
        return self.task is not None

    def start(self) -> None:
        """Begin the survey unless it is running (a finished one is simply run again from the cache)."""
        model = self.model()
        if model is None or (self.task is not None and self.task.running):
            return
        if self.test_set is None:
            from capsviz.data.mnist import load_shipped_test_set

            self.test_set = load_shipped_test_set()
        self.task = SurveyTask(model, self.test_set, self.limit, self.folder, self)
        self.task.progress.connect(self._progress)
        self.task.finished.connect(self._finished)
        self.task.failed.connect(self._failed)
        self.task.pause(self._paused)
        self.task.start(synchronous=self.synchronous)

    def set_paused(self, paused: bool) -> None:
        """Hold the survey while a stroke is drawn, so the live view has both cores."""
        self._paused = paused
        if self.task is not None and self.task.running:
            self.task.pause(paused)
            self.progress.emit(*self._count, paused)

    def cancel(self, wait_seconds: float = 5.0) -> None:
        """Stop the survey after its current batch; what is done stays cached for next time."""
        if self.task is not None:
            running = self.task.running
            self.task.cancel(wait_seconds)
            if running:
                self.progress.emit(self._count[1], self._count[1], False)

    def reset(self) -> None:
        """Forget the results (another model is loaded); the next start surveys it."""
        self.cancel(0)
        self.task, self.result = None, None
        self.resultChanged.emit(None)

    def _progress(self, done: int, total: int) -> None:
        self._count = (done, total)
        if self.task is not None and self.task.stopped:
            done = total  # a report that was on its way when the survey was stopped
        self.progress.emit(done, total, self._paused and done < total)

    def _finished(self, result: SurveyResult) -> None:
        self.result = result
        self.resultChanged.emit(result)

    def _failed(self, message: str) -> None:
        self._progress(1, 1)
        self.failed.emit(message)

"""Run analysis jobs off the GUI thread, one at a time per kind, newest request last.

Dragging a slider asks for a new counterfactual or invariance report many
times a second. Each kind of job (a *key*) runs at most once at a time; a
request that arrives meanwhile replaces any older waiting one, so the work
never piles up and the last result shown is always the last one asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal


@dataclass
class _Job:
    work: Callable[[], Any]
    done: Callable[[Any], None]
    failed: Callable[[str], None] | None


class LatestRunner(QObject):
    """Runs ``work()`` in a background thread and calls ``done(result)`` back on the GUI thread.

    Parameters
    ----------
    synchronous : bool
        Run every job at once in the calling thread (tests, screenshots, exports).
    """

    _finished = Signal(str, object, object)  # key, result, error message

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one network call at a time beside the app's own worker
        self._running: dict[str, _Job] = {}
        self._waiting: dict[str, _Job] = {}
        self._finished.connect(self._deliver)

    def submit(
        self,
        key: str,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Queue ``work`` under ``key``, replacing a job of that key that has not started yet."""
        job = _Job(work, done, failed)
        if self.synchronous:
            self._run_inline(job)
        elif key in self._running:
            self._waiting[key] = job
        else:
            self._start(key, job)

    def busy(self) -> bool:
        """True while any job is running or waiting."""
        return bool(self._running or self._waiting)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (results are delivered by the event loop afterwards)."""
        return self._pool.waitForDone(msecs)

    def drain(self, seconds: float = 60.0) -> bool:
        """Run the event loop until every running and waiting job has delivered; False on timeout."""
        deadline = time.monotonic() + seconds
        while self.busy():
            if time.monotonic() > deadline:
                return False
            self._pool.waitForDone(50)
            QCoreApplication.processEvents()
        return True

    def _run_inline(self, job: _Job) -> None:
        try:
            result = job.work()
        except Exception as exc:  # any failure is shown, never raised into Qt
            if job.failed is not None:
                job.failed(_one_line(exc))
            return
        job.done(result)

    def _start(self, key: str, job: _Job) -> None:
        self._running[key] = job

        def task() -> None:
            try:
                self._finished.emit(key, job.work(), None)
            except Exception as exc:  # reported on the GUI thread
                self._finished.emit(key, None, _one_line(exc))

        self._pool.start(task)

    def _deliver(self, key: str, result: object, error: str | None) -> None:
        job = self._running.pop(key, None)
        if job is not None:
            if error is None:
                job.done(result)
            elif job.failed is not None:
                job.failed(error)
        waiting = self._waiting.pop(key, None)
        if waiting is not None:
            self._start(key, waiting)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__

"""All the app's background work, one way: keyed jobs, newest request wins, with progress, pause and cancel.

Drawing asks for a new answer on every mouse move, a slider drag asks a panel
for a new counterfactual many times a second, and the test-set survey takes
a minute. Each piece of work is a *job* under a *key* ("infer", "figure4",
"survey"): a key runs at most one job at a time, and a job submitted while
another of its key is still waiting replaces it, so work never piles up and the
last answer shown is the last one asked for. Jobs run on a few *lanes*, one
thread each, so the live view never queues behind a panel and the survey runs
at a lower priority, held while a stroke is drawn. Every callback (result,
failure, progress, partial result) arrives on the GUI thread.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

SHUTDOWN_WAIT_S = 10.0  # how long closing the window waits for the jobs in flight
SURVEY_NICENESS = 10  # the survey lane's scheduling priority below the GUI and the live view (Linux)
ANALYSIS_NICENESS = 5  # the panels' lane: below the live view, above the survey


@dataclass(frozen=True)
class Lane:
    """A thread that runs jobs one after another; ``niceness`` lowers its priority (Linux)."""

    name: str
    niceness: int = 0


LIVE = Lane("live")  # the live view's answers and weights loading: never waits for a panel
ANALYSIS = Lane("analysis", ANALYSIS_NICENESS)  # the panels' network calls, giving way to the live view
SURVEY = Lane("survey", SURVEY_NICENESS)  # the test-set survey, giving way to everything else

_FINISHING: set[threading.Thread] = set()  # lane threads still busy when shutdown gave up waiting
_OPEN: weakref.WeakSet[Jobs] = weakref.WeakSet()


@atexit.register
def _stop_at_exit() -> None:
    """Stop the jobs a script left running and let the jobs in flight end before Python does."""
    for jobs in list(_OPEN):
        jobs.shutdown()
    while _FINISHING:
        _FINISHING.pop().join()


def lower_this_threads_priority(niceness: int) -> None:
    """Lower the calling thread's priority by ``niceness`` (best effort, Linux): the GUI and the live view
    win every contest, however the app itself was started."""
    if niceness and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            thread = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, current + niceness))


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message``, for a status bar."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class JobContext:
    """What a running job may ask of the runner: report progress, pass on a partial result, stop.

    ``generation`` numbers the job among those submitted under its key (1, 2, …).
    """

    def __init__(self, jobs: Jobs, job: _Job) -> None:
        self._jobs, self._job = jobs, job
        self.generation = job.generation

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled.is_set()

    def report(self, done: int, total: int) -> None:
        """Progress: ``done`` of ``total`` (the job's ``progress`` callback gets it on the GUI thread)."""
        self._jobs._post(self._job, "progress", (done, total))

    def partial(self, value: object) -> None:
        """A result on the way to the final one (the job's ``partial`` callback gets it)."""
        self._jobs._post(self._job, "partial", value)

    def should_stop(self) -> bool:
        """Poll between steps: waits while the key is paused; True once the job is cancelled."""
        paused = self._jobs._pause_flag(self._job.key)
        while not paused.wait(0.05):
            if self.cancelled:
                break
        return self.cancelled


@dataclass(eq=False)
class _Job:
    key: str
    generation: int
    work: Callable[[JobContext], Any]
    done: Callable[[Any], None] | None
    failed: Callable[[Exception], None] | None
    progress: Callable[[int, int], None] | None
    partial: Callable[[Any], None] | None
    tag: object
    inline: bool  # run in the submitting (GUI) thread: its outcome is delivered at once
    cancelled: threading.Event = field(default_factory=threading.Event)


class _LaneThread:
    """One lane's thread and its waiting jobs (one per key, in the order the keys were asked for)."""

    def __init__(self, lane: Lane, jobs: Jobs) -> None:
        self.lane, self._jobs = lane, jobs
        self.wake = threading.Condition()
        self.waiting: dict[str, _Job] = {}
        self.running: _Job | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, name=f"capsviz-{lane.name}", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        lower_this_threads_priority(self.lane.niceness)
        while True:
            with self.wake:
                while not self.stopping and not self.waiting:
                    self.wake.wait()
                if self.stopping:
                    return
                key = next(iter(self.waiting))
                job = self.running = self.waiting.pop(key)
            self._jobs._run(job)
            with self.wake:
                self.running = None


class Jobs(QObject):
    """Runs ``work(context)`` for the newest job of each key, off the GUI thread.

    Parameters
    ----------
    synchronous : bool
        Run every job at once in the calling thread (tests, screenshots, exports).
    """

    _posted = Signal(object, str, object)  # job, what ("done", "failed", "progress", "partial"), payload

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._lanes: dict[str, _LaneThread] = {}
        self._lane_of: dict[str, Lane] = {}
        self._generations: dict[str, int] = {}
        self._paused: dict[str, threading.Event] = {}
        self._outstanding: set[_Job] = set()  # submitted, not yet delivered or dropped
        self._lock = threading.Lock()
        self._stopping = False
        self._posted.connect(self._deliver)
        _OPEN.add(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # asking ------------------------------------------------------------
    def submit(
        self,
        key: str,
        work: Callable[[JobContext], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
        *,
        lane: Lane = ANALYSIS,
        progress: Callable[[int, int], None] | None = None,
        partial: Callable[[Any], None] | None = None,
        tag: object = None,
        inline: bool | None = None,
    ) -> int:
        """Queue ``work`` under ``key``, replacing a job of that key not started yet; return its generation.

        ``tag`` is kept with the job for :meth:`waiting`; ``inline`` (default: the
        runner's ``synchronous``) runs it here and now.
        """
        generation = self._generations.get(key, 0) + 1
        self._generations[key] = generation
        job = _Job(
            key,
            generation,
            work,
            done,
            failed,
            progress,
            partial,
            tag,
            self.synchronous if inline is None else inline,
        )
        if self._stopping:
            return generation
        if job.inline:
            with self._lock:
                self._outstanding.add(job)
            self._run(job)
            return generation
        self._lane_of[key] = lane
        runner = self._lane(lane)
        with runner.wake, self._lock:
            replaced = runner.waiting.pop(key, None)
            self._outstanding.discard(replaced)
            self._outstanding.add(job)
            runner.waiting[key] = job
            runner.wake.notify()
        return generation

    def generation(self, key: str) -> int:
        """Number of the newest job submitted under ``key`` (0: none yet)."""
        return self._generations.get(key, 0)

    def waiting(self, key: str) -> object | None:
        """The ``tag`` of the job of ``key`` that has not started yet, if there is one."""
        runner = self._runner_of(key)
        if runner is None:
            return None
        with runner.wake:
            job = runner.waiting.get(key)
        return None if job is None else job.tag

    def busy(self, key: str | None = None) -> bool:
        """True while a job (of ``key``, or any) is waiting, running or not yet delivered."""
        with self._lock:
            return any(key is None or job.key == key for job in self._outstanding)

    def _busy_but(self, ignoring: tuple[str, ...]) -> bool:
        with self._lock:
            return any(job.key not in ignoring for job in self._outstanding)

    def pause(self, key: str, paused: bool) -> None:
        """Hold the jobs of ``key`` at their next :meth:`JobContext.should_stop` (or let them go on)."""
        flag = self._pause_flag(key)
        if paused:
            flag.clear()
        else:
            flag.set()

    def paused(self, key: str) -> bool:
        return not self._pause_flag(key).is_set()

    def cancel(self, key: str, wait_s: float = 0.0) -> None:
        """Drop the waiting job of ``key`` and ask the running one to stop; nothing of them is delivered.

        Waits up to ``wait_s`` for the running job to end.
        """
        runner = self._runner_of(key)
        running = None
        if runner is not None:
            with runner.wake, self._lock:
                dropped = runner.waiting.pop(key, None)
                self._outstanding.discard(dropped)
                if runner.running is not None and runner.running.key == key:
                    running = runner.running
        if running is not None:
            running.cancelled.set()
            with self._lock:
                self._outstanding.discard(running)
            deadline = time.monotonic() + wait_s
            while runner.running is running and time.monotonic() < deadline:
                time.sleep(0.01)

    def drain(self, seconds: float = 60.0, ignoring: tuple[str, ...] = ()) -> bool:
        """Run the event loop until every job but those of ``ignoring`` has delivered; False on timeout."""
        deadline = time.monotonic() + seconds
        while self._busy_but(ignoring):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
            QCoreApplication.processEvents()
        return True

    def shutdown(self, timeout_s: float | None = None) -> None:
        """Stop every lane, letting jobs in flight finish; nothing is delivered afterwards.

        Waits at most ``timeout_s`` (default ``SHUTDOWN_WAIT_S``) in all; a job still
        running then (a slow disk, a GPU starting up) ends on its own before Python exits.
        """
        if self._stopping:
            return
        self._stopping = True
        _OPEN.discard(self)
        timeout_s = SHUTDOWN_WAIT_S if timeout_s is None else timeout_s
        for runner in self._lanes.values():
            with runner.wake:
                runner.stopping = True
                for job in (*runner.waiting.values(), runner.running):
                    if job is not None:
                        job.cancelled.set()
                runner.waiting.clear()
                runner.wake.notify()
        for flag in self._paused.values():
            flag.set()
        deadline = time.monotonic() + timeout_s
        for runner in self._lanes.values():
            runner.thread.join(max(0.0, deadline - time.monotonic()))
            if runner.thread.is_alive():
                _FINISHING.add(runner.thread)
        with self._lock:
            self._outstanding.clear()

    def lane_threads(self) -> list[threading.Thread]:
        """The lanes' threads started so far (to check that closing stopped them)."""
        return [runner.thread for runner in self._lanes.values()]

    # running -----------------------------------------------------------
    def _lane(self, lane: Lane) -> _LaneThread:
        runner = self._lanes.get(lane.name)
        if runner is None:
            runner = self._lanes[lane.name] = _LaneThread(lane, self)
        return runner

    def _runner_of(self, key: str) -> _LaneThread | None:
        """The lane thread jobs of ``key`` were last sent to (None: none yet)."""
        lane = self._lane_of.get(key)
        return None if lane is None else self._lanes.get(lane.name)

    def _pause_flag(self, key: str) -> threading.Event:
        """The key's "not paused" flag; created set, so a key runs until someone pauses it."""
        flag = self._paused.get(key)
        if flag is None:
            fresh = threading.Event()
            fresh.set()  # before it is shared: a pause made meanwhile by another thread is kept
            flag = self._paused.setdefault(key, fresh)
        return flag

    def _run(self, job: _Job) -> None:
        """On a lane's thread: run the job and post its outcome to the GUI thread."""
        try:
            result = job.work(JobContext(self, job))
        except Exception as exc:  # reported on the GUI thread, never raised into Qt
            self._post(job, "failed", exc)
            return
        self._post(job, "done", result)

    def _post(self, job: _Job, what: str, payload: object) -> None:
        if job.inline:
            self._deliver(job, what, payload)
        elif not self._stopping:
            self._posted.emit(job, what, payload)

    def _deliver(self, job: _Job, what: str, payload: object) -> None:
        """On the GUI thread: hand the outcome to the job's callbacks (unless cancelled or closed)."""
        if what in ("done", "failed"):
            with self._lock:
                self._outstanding.discard(job)
        if self._stopping or job.cancelled.is_set():
            return
        if what == "progress":
            if job.progress is not None:
                job.progress(*payload)
            return
        callback = {"done": job.done, "failed": job.failed, "partial": job.partial}[what]
        if callback is not None:
            callback(payload)

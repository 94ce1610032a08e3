"""Inference off the GUI thread, newest request wins.

Drawing produces a request on every mouse move, far faster than the network
answers. The worker keeps only the newest pending request (a generation
counter numbers them), so the answer shown is never older than necessary and
strokes never wait for the network. Loading a weights file runs on the same
thread, so the GUI stays live while a large file is read and validated.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, SignalInstance

from capsviz.app.inference import InferenceRequest, for_live_view, infer, warm_up
from capsviz.data.images import ImageError
from capsviz.model.capsnet import CapsNet
from capsviz.model.device import DeviceError
from capsviz.model.pretrained import load_pretrained
from capsviz.model.weights import WeightsError

SHUTDOWN_WAIT_S = 10.0  # how long closing the window waits for a job in flight
_FINISHING: set[QThread] = set()  # threads still busy after shutdown timed out: kept, waited for at exit
_RUNNING: weakref.WeakSet[InferenceWorker] = weakref.WeakSet()


@atexit.register
def _stop_at_exit() -> None:
    """Stop every worker a script left running, then let jobs in flight end.

    Qt aborts the interpreter if a running QThread is destroyed, which is what
    happens to a window that is built, shown and never closed.
    """
    for worker in list(_RUNNING):
        worker.shutdown()
    while _FINISHING:
        _FINISHING.pop().wait()


class _Loop(QThread):
    """The thread that runs :meth:`InferenceWorker._serve`."""

    def __init__(self, worker: InferenceWorker) -> None:
        super().__init__()
        self._worker = worker
        self.setObjectName("capsviz-inference")

    def run(self) -> None:
        self._worker._serve()


class InferenceWorker(QObject):
    """Runs :func:`capsviz.app.inference.infer` for the newest request on its own thread.

    Signals
    -------
    resultReady(InferenceResult)
        A request finished (its ``generation`` says which).
    failed(str)
        A request raised; the one-line reason, for the status bar.
    modelLoaded(CapsNet, str)
        A weights file loaded; the model and the file's path.
    modelLoadFailed(str)
        A weights file was refused; the one-line reason.
    """

    resultReady = Signal(object)
    failed = Signal(str)
    modelLoaded = Signal(object, str)
    modelLoadFailed = Signal(str)

    def __init__(self, model: CapsNet | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._wake = threading.Condition()
        self._pending: tuple[int, InferenceRequest] | None = None
        self._pending_load: tuple[str, str] | None = None
        self._generation = 0
        self._stopping = False
        self._thread = _Loop(self)
        self._thread.start()
        _RUNNING.add(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def generation(self) -> int:
        """Number of the newest request submitted."""
        return self._generation

    def set_model(self, model: CapsNet | None) -> None:
        """Use ``model`` from the next request on."""
        with self._wake:
            self._model = model

    def submit(self, request: InferenceRequest) -> int:
        """Queue ``request``, replacing any request not started yet; return its generation."""
        with self._wake:
            self._generation += 1
            if self._pending is not None:
                merged = min(self._pending[1].oldest_event_time, request.oldest_event_time)
                request = replace(request, first_event_time=merged)
            self._pending = (self._generation, request)
            self._wake.notify()
            return self._generation

    def load_weights(self, path: str | Path, device: str) -> None:
        """Load a weights file in the background; answers with ``modelLoaded`` or ``modelLoadFailed``."""
        with self._wake:
            self._pending_load = (str(path), device)
            self._wake.notify()

    def shutdown(self, timeout_s: float | None = None) -> None:
        """Stop the thread, letting a request in flight finish; no signal is emitted afterwards.

        Waits at most ``timeout_s`` (default ``SHUTDOWN_WAIT_S``); a job still running
        then (a slow disk, a GPU starting up) finishes on its own before Python exits.
        """
        timeout_s = SHUTDOWN_WAIT_S if timeout_s is None else timeout_s
        _RUNNING.discard(self)
        with self._wake:
            self._stopping = True
            self._pending = None
            self._pending_load = None
            self._wake.notify()
        if not self._thread.wait(int(timeout_s * 1000)):
            _FINISHING.add(self._thread)

    def _next_job(self) -> tuple[str, object] | None:
        with self._wake:
            while not self._stopping and self._pending is None and self._pending_load is None:
                self._wake.wait()
            if self._stopping:
                return None
            if self._pending_load is not None:
                job, self._pending_load = self._pending_load, None
                return "load", job
            job, self._pending = self._pending, None
            return "infer", job

    def _serve(self) -> None:
        with self._wake:
            model = self._model
        if model is not None:
            warm_up(model)
        while (job := self._next_job()) is not None:
            kind, payload = job
            if kind == "load":
                self._load(*payload)
            else:
                self._infer(*payload)

    def _infer(self, generation: int, request: InferenceRequest) -> None:
        with self._wake:
            model = self._model
        try:
            result = infer(model, request, generation)
        except ImageError as exc:  # a refused picture: its own one-line message
            self._emit(self.failed, str(exc))
            return
        except Exception as exc:
            self._emit(self.failed, f"inference failed: {exc}".splitlines()[0])
            return
        self._emit(self.resultReady, result)

    def _load(self, path: str, device: str) -> None:
        try:
            model = for_live_view(load_pretrained(device=device, weights=path))
        except (WeightsError, DeviceError) as exc:
            self._emit(self.modelLoadFailed, str(exc))
            return
        except Exception as exc:
            self._emit(self.modelLoadFailed, f"{Path(path).name}: {exc}".splitlines()[0])
            return
        warm_up(model)
        self._emit(self.modelLoaded, model, path)

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        with self._wake:
            if self._stopping:
                return
        signal.emit(*args)

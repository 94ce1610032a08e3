"""The inference worker: newest request wins, failures are reported, shutdown is clean."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import capsviz.app.worker as worker_module
from capsviz.app.inference import InferenceRequest, infer
from capsviz.app.worker import InferenceWorker
from tests.app.app_helpers import WAIT_MS


@pytest.fixture
def slow_infer(monkeypatch):
    """``infer`` that takes 40 ms and records which generations it ran."""
    ran: list[int] = []

    def fake(model, request, generation=0):
        ran.append(generation)
        time.sleep(0.04)
        return infer(None, request, generation)

    monkeypatch.setattr(worker_module, "infer", fake)
    return ran


def blank_request(value: int = 0, iterations: int = 3) -> InferenceRequest:
    image = np.zeros((28, 28), np.uint8)
    image[10:20, 12:16] = value
    return InferenceRequest(image, iterations)


def test_newest_request_wins(qtbot, slow_infer):
    worker = InferenceWorker(None)
    results = []
    worker.resultReady.connect(results.append)
    first_event = time.perf_counter()
    generations = [worker.submit(blank_request(k)) for k in range(30)]
    try:
        qtbot.waitUntil(lambda: bool(results) and results[-1].generation == 30, timeout=WAIT_MS)
    finally:
        worker.shutdown()
    assert generations == list(range(1, 31))
    assert len(slow_infer) < 5, "intermediate requests were dropped, not queued"
    assert slow_infer[-1] == 30
    assert [r.generation for r in results] == sorted(r.generation for r in results)
    assert results[-1].request.picture[15, 14] == 29, "the answer is for the newest drawing"
    assert results[-1].request.oldest_event_time <= first_event + 0.05, "merged requests keep the oldest time"


def test_failures_are_reported_not_raised(qtbot, monkeypatch):
    def broken(model, request, generation=0):
        raise RuntimeError("out of memory\nsecond line")

    monkeypatch.setattr(worker_module, "infer", broken)
    worker = InferenceWorker(None)
    with qtbot.waitSignal(worker.failed, timeout=WAIT_MS) as failed:
        worker.submit(blank_request())
    worker.shutdown()
    assert failed.args == ["inference failed: out of memory"]


def test_unreadable_file_is_reported(qtbot, tmp_path):
    worker = InferenceWorker(None)
    with qtbot.waitSignal(worker.failed, timeout=WAIT_MS) as failed:
        worker.submit(InferenceRequest(str(tmp_path / "nothing.png"), 3))
    worker.shutdown()
    assert "no such file" in failed.args[0]


def test_shutdown_waits_for_the_request_in_flight_and_emits_nothing_after(qtbot, monkeypatch):
    started = threading.Event()

    def slow(model, request, generation=0):
        started.set()
        time.sleep(0.3)
        return infer(None, request, generation)

    monkeypatch.setattr(worker_module, "infer", slow)
    worker = InferenceWorker(None)
    results = []
    worker.resultReady.connect(results.append)
    worker.submit(blank_request(1))
    assert started.wait(5)
    worker.submit(blank_request(2))
    begin = time.perf_counter()
    worker.shutdown()
    assert time.perf_counter() - begin < 5
    assert not worker._thread.isRunning()
    qtbot.wait(50)
    assert results == []


def test_weights_are_loaded_in_the_background(qtbot, tmp_path, pretrained):
    from capsviz.model.weights import save_weights

    worker = InferenceWorker(None)
    bad = tmp_path / "bad.safetensors"
    bad.write_text("nope")
    with qtbot.waitSignal(worker.modelLoadFailed, timeout=WAIT_MS) as failed:
        worker.load_weights(bad, "cpu")
    assert "bad.safetensors" in failed.args[0]
    good = save_weights(pretrained, tmp_path / "good.safetensors")
    with qtbot.waitSignal(worker.modelLoaded, timeout=WAIT_MS) as loaded:
        worker.load_weights(good, "cpu")
    worker.shutdown()
    model, path = loaded.args
    assert path == str(good) and model.W.shape == pretrained.W.shape

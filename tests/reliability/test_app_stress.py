"""The explorer under stress: thousands of strokes and slider moves, closing and switching
weights while the network is busy, and a network that fails in the background."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

import capsviz.analysis.live as inference_module
import capsviz.app.controller as controller_module
from capsviz.analysis.live import answer
from capsviz.app.controller import INFER
from capsviz.app.views.canvas import MAX_BRUSH, MIN_BRUSH
from capsviz.app.views.drawing import HISTORY_LIMIT
from capsviz.model.capsnet import CapsNet
from capsviz.model.weights import save_weights
from tests.app.app_helpers import SEVEN, WAIT_MS, all_answered, canvas_point, prediction

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


def rss_mib() -> float:
    """Resident memory of this process, from /proc (Linux) or the peak from ``resource``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def show_seven(qtbot, window) -> None:
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.state.sample is not None and all_answered(window), timeout=WAIT_MS)
    assert prediction(window).startswith("7")


class Scribbler:
    """Short strokes all over the canvas with real mouse events, as a restless hand makes them:
    brush widths vary, every fifth stroke erases with the right button, and now and then
    the canvas is cleared or a stroke undone and redone."""

    def __init__(self, window, seed: int = 0) -> None:
        self.window = window
        self.canvas = window.canvas
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def stroke(self) -> None:
        canvas, rng = self.canvas, self.rng
        k = self.count = self.count + 1
        canvas.set_brush_width(int(rng.integers(MIN_BRUSH, MAX_BRUSH // 2)))
        button = RIGHT if k % 5 == 0 else LEFT
        x, y = rng.uniform(0.15, 0.85, 2)
        QTest.mousePress(canvas, button, NO_KEYS, canvas_point(canvas, x, y))
        for _ in range(3):
            x, y = np.clip(np.array([x, y]) + rng.normal(0.0, 0.04, 2), 0.05, 0.95)
            QTest.mouseMove(canvas, canvas_point(canvas, x, y))
        QTest.mouseRelease(canvas, button, NO_KEYS, canvas_point(canvas, x, y))
        if k % 25 == 0:
            canvas.undo()
            canvas.redo()
        if k % 100 == 0:
            canvas.clear()
        if k % 10 == 0:
            QApplication.processEvents()

    def strokes(self, qtbot, count: int) -> None:
        for _ in range(count):
            self.stroke()
        qtbot.waitUntil(lambda: all_answered(self.window), timeout=WAIT_MS)


def move_sliders(window, rng: np.random.Generator, count: int) -> None:
    """``count`` arrow-key moves on randomly chosen pose sliders, each redrawing the decoder output."""
    sliders = window.pose_sliders.sliders
    for k in range(count):
        slider = sliders[int(rng.integers(len(sliders)))]
        QTest.keyClick(slider, Qt.Key.Key_Right if rng.random() < 0.5 else Qt.Key.Key_Left)
        if k % 20 == 0:
            QApplication.processEvents()
    QApplication.processEvents()


@pytest.mark.slow
def test_thousands_of_strokes_do_not_grow_memory(window, qtbot):
    """2,000 strokes (about 9,000 canvas edits, each a request to the live lane) after a warm-up.

    The warm-up fills the undo history (``HISTORY_LIMIT`` bitmaps of 200 KB, the
    largest thing the app keeps on purpose) and every cache. After it, keeping any
    per-edit object (a 200 KB canvas copy, its 50 KB binned input, a 140 KB routing
    trace) would add more than 100 MB; 30 MB leaves room for allocator noise while
    catching a leak of 4 KB per request.
    """
    scribbler = Scribbler(window)
    scribbler.strokes(qtbot, HISTORY_LIMIT + 20)
    assert window.canvas.can_undo() and window.canvas.drawing.undo_steps == HISTORY_LIMIT
    before, start = rss_mib(), time.perf_counter()
    generation = window.controller.jobs.generation(INFER)
    scribbler.strokes(qtbot, 2000)
    growth, seconds = rss_mib() - before, time.perf_counter() - start
    requests = window.controller.jobs.generation(INFER) - generation
    print(
        f"2000 strokes, {requests} requests in {seconds:.1f} s: RSS {before:.1f} → {before + growth:.1f} MiB"
    )
    assert requests > 6000, "every move asked for an answer"
    assert growth < 30, f"memory grew by {growth:.1f} MiB over 2,000 strokes"
    scribbler.canvas.clear()
    QTest.mousePress(window.canvas, LEFT, NO_KEYS, canvas_point(window.canvas, 0.5, 0.15))
    for fy in np.linspace(0.15, 0.85, 15):
        QTest.mouseMove(window.canvas, canvas_point(window.canvas, 0.5, fy))
    QTest.mouseRelease(window.canvas, LEFT, NO_KEYS, canvas_point(window.canvas, 0.5, 0.85))
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("1"), timeout=WAIT_MS)


def test_thousands_of_slider_moves_do_not_grow_memory(window, qtbot):
    """2,000 slider moves, each decoding the steered capsule on the GUI thread.

    A move creates two 28×28 decoder images and a 16-value offset vector; keeping
    either, or the enlarged picture of it, would add 6–50 KB per move (12–100 MB in
    all). 10 MB after a 400-move warm-up leaves room for allocator noise.
    """
    show_seven(qtbot, window)
    rng = np.random.default_rng(1)
    move_sliders(window, rng, 400)
    before, start = rss_mib(), time.perf_counter()
    move_sliders(window, rng, 2000)
    growth, seconds = rss_mib() - before, time.perf_counter() - start
    print(f"2000 slider moves in {seconds:.1f} s: RSS {before:.1f} → {before + growth:.1f} MiB")
    offsets = window.state.pose_offsets
    assert np.abs(offsets).max() > 0, "the sliders moved the pose"
    assert np.allclose(offsets, window.pose_sliders.offsets())
    assert growth < 10, f"memory grew by {growth:.1f} MiB over 2,000 slider moves"
    original, perturbed = window.state.reconstructions
    assert not np.array_equal(original, perturbed)
    window.controller.reset_pose()
    assert np.array_equal(*window.state.reconstructions)


@pytest.fixture
def gated_infer(monkeypatch):
    """``answer`` that holds each request until ``release`` is set; ``started`` tells it began."""
    started, release = threading.Event(), threading.Event()

    def held(model, request, generation=0):
        started.set()
        release.wait(20)
        return answer(model, request, generation)

    monkeypatch.setattr(controller_module, "answer", held)
    return started, release


def test_closing_while_a_request_is_in_flight_is_clean(window, qtbot, gated_infer):
    started, release = gated_infer
    results = []
    window.controller.state.outputsChanged.connect(lambda: results.append(window.controller.state.outputs))
    window.controller.show_sample(SEVEN)
    assert started.wait(10), "the request is in flight"
    window.controller.show_sample(SEVEN + 1)  # and one waiting behind it
    threading.Timer(0.3, release.set).start()
    begin = time.perf_counter()
    window.close()
    assert time.perf_counter() - begin < 8, "closing waited only for the request in flight"
    assert not any(t.is_alive() for t in window.controller.jobs.lane_threads()), "the lanes finished"
    qtbot.wait(100)
    assert results == [], "nothing is delivered to a closed window"


def test_closing_while_weights_load_is_clean(window, qtbot, tmp_path, pretrained, monkeypatch):
    started, release = threading.Event(), threading.Event()
    load = inference_module.load_pretrained

    def slow_load(device="cpu", weights=None):
        started.set()
        release.wait(20)
        return load(device=device, weights=weights)

    monkeypatch.setattr(inference_module, "load_pretrained", slow_load)
    good = save_weights(pretrained, tmp_path / "copy.safetensors")
    window.controller.load_weights(good)
    assert started.wait(10)
    assert window.status.busy.isVisible()
    threading.Timer(0.3, release.set).start()
    window.close()
    assert not any(t.is_alive() for t in window.controller.jobs.lane_threads())
    qtbot.wait(100)
    assert window.controller.model is pretrained
    assert window.findChild(QMessageBox, "errorDialog") is None


def test_switching_weights_and_device_while_a_request_is_in_flight(
    window, qtbot, tmp_path, pretrained, gated_infer
):
    """The answer in flight is shown, then the new network (CPU → CPU) answers the same input."""
    started, release = gated_infer
    release.set()
    show_seven(qtbot, window)
    copy = save_weights(pretrained, tmp_path / "other.safetensors", test_accuracy="0.9877")
    release.clear()
    started.clear()
    window.controller.show_sample(SEVEN + 1)  # a 2
    assert started.wait(10)
    window.controller.device = "cpu"
    window.controller.load_weights(copy)
    release.set()
    qtbot.waitUntil(lambda: "other.safetensors" in window.status.model.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all_answered(window), timeout=WAIT_MS)
    assert window.controller.model is not pretrained and window.controller.model.device == torch.device("cpu")
    assert "98.77%" in window.status.model.text() and window.status.device.text().startswith("CPU")
    assert window.state.sample.index == SEVEN + 1 and prediction(window).startswith("2")
    assert not window.status.busy.isVisible()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_switching_to_a_missing_device_while_a_request_is_in_flight_keeps_the_model(
    window, qtbot, tmp_path, pretrained, gated_infer
):
    started, release = gated_infer
    copy = save_weights(pretrained, tmp_path / "other.safetensors")
    window.controller.show_sample(SEVEN)
    assert started.wait(10)
    window.controller.device = "cuda"
    window.controller.load_weights(copy)
    release.set()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None, timeout=WAIT_MS)
    text = window.findChild(QMessageBox, "errorDialog").text()
    assert "CUDA" in text and "keeping the current model" in text and "\n" not in text
    qtbot.waitUntil(lambda: all_answered(window), timeout=WAIT_MS)
    assert window.controller.model is pretrained and prediction(window).startswith("7")
    assert "shipped weights" in window.status.model.text()


def test_a_network_error_in_the_background_is_shown_and_the_next_request_works(
    window, qtbot, pretrained, monkeypatch
):
    show_seven(qtbot, window)
    canvas_before = window.canvas.pixels()
    route = CapsNet.route
    calls = []

    def failing_once(model, images, iterations=None):
        calls.append(iterations)
        if len(calls) == 1:
            raise RuntimeError("CUDA error: an illegal memory access was encountered\nCompile with ...")
        return route(model, images, iterations)

    monkeypatch.setattr(CapsNet, "route", failing_once)
    window.controller.show_sample(SEVEN + 1)
    qtbot.waitUntil(lambda: "inference failed" in window.status.currentMessage(), timeout=WAIT_MS)
    message = window.status.currentMessage()
    assert message == "inference failed: CUDA error: an illegal memory access was encountered"
    assert "QStatusBar" in window.status.styleSheet(), "shown as an error"
    assert window.isVisible() and any(t.is_alive() for t in window.controller.jobs.lane_threads())
    assert prediction(window).startswith("7") and np.array_equal(window.canvas.pixels(), canvas_before)
    window.controller.show_sample(SEVEN + 1)
    qtbot.waitUntil(lambda: window.state.sample.index == SEVEN + 1, timeout=WAIT_MS)
    assert prediction(window).startswith("2") and len(calls) == 2


CLOSE_DURING_A_LONG_JOB = """
import sys, threading, time
import capsviz.app.controller as controller_module
import capsviz.app.jobs as jobs_module
from capsviz.app import create_window
from capsviz.analysis.live import answer

started = threading.Event()

def slow(model, request, generation=0):
    started.set()
    time.sleep(2.0)
    return answer(model, request, generation)

controller_module.answer = slow
jobs_module.SHUTDOWN_WAIT_S = 0.2
window = create_window(weights=sys.argv[1], device="cpu", insight=False)
window.show()
window.controller.show_sample(0)
assert started.wait(30)
window.close()
running = any(thread.is_alive() for thread in window.controller.jobs.lane_threads())
print("closed; job still running:", running, flush=True)
del window
"""


def test_closing_during_a_job_longer_than_the_wait_exits_cleanly(tmp_path):
    """A job that outlasts the close (a GPU starting up, a slow disk) must not abort Python at exit:
    Qt kills the process if a running QThread is destroyed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CLOSE_DURING_A_LONG_JOB, str(tmp_path / "none.safetensors")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "closed; job still running: True" in done.stdout, done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Destroyed while thread" not in done.stderr


def test_a_decoder_error_on_a_slider_move_is_shown_and_the_next_move_works(window, qtbot, monkeypatch):
    show_seven(qtbot, window)
    decode = CapsNet.decode
    calls = []

    def failing_once(model, poses, digit):
        calls.append(digit)
        if len(calls) == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 MiB\nSee documentation")
        return decode(model, poses, digit)

    monkeypatch.setattr(CapsNet, "decode", failing_once)
    slider = window.pose_sliders.sliders[4]
    QTest.keyClick(slider, Qt.Key.Key_Right)
    assert window.status.currentMessage() == "decoder failed: CUDA out of memory. Tried to allocate 2.00 MiB"
    assert window.reconstruction_view.perturbed.array() is None and window.isVisible()
    QTest.keyClick(slider, Qt.Key.Key_Right)
    original, perturbed = (
        window.reconstruction_view.original.array(),
        window.reconstruction_view.perturbed.array(),
    )
    assert slider.value() == 10 and len(calls) == 2
    assert np.abs(perturbed - original).max() > 0.01, "the next move decodes again"

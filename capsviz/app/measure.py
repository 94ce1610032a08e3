"""Measure the explorer's responsiveness while a stroke is being drawn.

:func:`measure_drawing` draws figure-eight strokes on a window's canvas with
real mouse events at a steady rate, as a hand on a 60 Hz mouse would, and
reports how long each update took from the mouse event to the updated lengths
plot, and how long the GUI thread was ever kept from handling events. The
numbers are the same ones ``CAPSVIZ_LATENCY_LOG`` records.

Between strokes the hand lifts and rests a quarter of a second, as a hand does:
that is when the analysis panels take the new input and redraw. How long the GUI
thread is held is reported apart for the pen moving (what makes ink lag) and at
rest (what a new stroke begun at that moment would wait for).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from capsviz.app.latency import LatencyLog

HEARTBEAT_MS = 4
MOVES_PER_STROKE = 120
REST_MS = 250  # the hand lifted between strokes


@dataclass(frozen=True)
class DrawingLatency:
    """Percentiles in milliseconds; ``updates`` results shown for ``moves`` mouse moves in ``drawing_s``."""

    moves: int
    updates: int
    drawing_s: float  # how long the pen was down
    event_to_plot_p50: float
    event_to_plot_p95: float
    oldest_to_plot_p95: float
    network_p50: float
    gui_apply_p95: float
    gui_stall_p95: float
    gui_stall_max: float
    gui_stall_max_at_rest: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _figure_eight(k: int) -> tuple[float, float]:
    angle = 2 * math.pi * (k % MOVES_PER_STROKE) / MOVES_PER_STROKE
    return 0.5 + 0.25 * math.sin(angle), 0.5 + 0.25 * math.sin(2 * angle)


def measure_drawing(window: object, seconds: float = 5.0, rate_hz: float = 60.0) -> DrawingLatency:
    """Draw on ``window``'s canvas for ``seconds`` and report the latencies.

    Each stroke is ``MOVES_PER_STROKE`` moves; then the pen lifts for
    ``REST_MS`` and the canvas is cleared for the next, so the network keeps
    seeing changing drawings. The window must be shown.
    """
    canvas, controller = window.canvas, window.controller
    side = min(canvas.width(), canvas.height())
    left, top = (canvas.width() - side) // 2, (canvas.height() - side) // 2

    def point(fx: float, fy: float) -> QPoint:
        return QPoint(left + round(fx * side), top + round(fy * side))

    previous_log = controller.latency_log
    log = controller.latency_log = LatencyLog(None, keep=True)
    stalls: list[float] = []
    rest_stalls: list[float] = []
    last_beat = [time.perf_counter()]
    pen_down, down_since, drawing_s = False, 0.0, 0.0

    def beat() -> None:
        now = time.perf_counter()
        (stalls if pen_down else rest_stalls).append((now - last_beat[0]) * 1000.0 - HEARTBEAT_MS)
        last_beat[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    moves = 0
    resting_until = 0.0
    button, no_keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def lift() -> None:
        """Release the button where the pen last was, and count the stroke's time as drawing."""
        nonlocal pen_down, drawing_s
        QTest.mouseRelease(canvas, button, no_keys, point(*_figure_eight(max(moves - 1, 0))))
        pen_down = False
        drawing_s += time.perf_counter() - down_since

    def move() -> None:
        nonlocal moves, resting_until, pen_down, down_since
        if time.perf_counter() < resting_until:
            return
        if moves % MOVES_PER_STROKE == 0:
            if moves and pen_down:
                lift()
                resting_until = time.perf_counter() + REST_MS / 1000.0
                return
            canvas.clear()
            QTest.mousePress(canvas, button, no_keys, point(*_figure_eight(moves)))
            pen_down, down_since = True, time.perf_counter()
        else:
            QTest.mouseMove(canvas, point(*_figure_eight(moves)))
        moves += 1

    hand = QTimer()
    hand.setTimerType(Qt.TimerType.PreciseTimer)
    hand.setInterval(max(1, round(1000.0 / rate_hz)))
    hand.timeout.connect(move)
    loop = QEventLoop()
    try:
        hand.start()
        QTimer.singleShot(round(seconds * 1000), loop.quit)
        loop.exec()
        hand.stop()
        if pen_down:
            lift()
        QTimer.singleShot(1000, loop.quit)  # let the last answer arrive
        loop.exec()
    finally:
        hand.stop()
        heartbeat.stop()
        controller.latency_log = previous_log
    rows = np.array([row[1:] for row in log.rows if row[0] == "canvas"], np.float64).reshape(-1, 4)
    beats = np.array(stalls or [0.0])
    resting = np.array(rest_stalls[1:] or [0.0])

    def pct(values: np.ndarray, q: float) -> float:
        return float(np.percentile(values, q)) if len(values) else float("nan")

    return DrawingLatency(
        moves=moves,
        updates=len(rows),
        drawing_s=drawing_s,
        event_to_plot_p50=pct(rows[:, 0], 50),
        event_to_plot_p95=pct(rows[:, 0], 95),
        oldest_to_plot_p95=pct(rows[:, 1], 95),
        network_p50=pct(rows[:, 2], 50),
        gui_apply_p95=pct(rows[:, 3], 95),
        gui_stall_p95=pct(beats, 95),
        gui_stall_max=float(beats.max()),
        gui_stall_max_at_rest=float(resting.max()),
    )

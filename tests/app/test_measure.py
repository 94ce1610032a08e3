"""The drawing-latency measurement drives the real window and reports sane numbers."""

from __future__ import annotations

import time

from capsviz.app.measure import MOVES_PER_STROKE, REST_MS, measure_drawing


def test_measure_drawing_reports_latencies(window):
    pen = []
    window.canvas.strokeActiveChanged.connect(pen.append)
    started = time.perf_counter()
    report = measure_drawing(window, seconds=4.0, rate_hz=60)
    elapsed = time.perf_counter() - started
    assert pen[:3] == [True, False, True], "a stroke, the pen lifted to rest, the next stroke"
    assert report.moves > MOVES_PER_STROKE and report.updates > 0
    assert 0 < report.drawing_s < elapsed - REST_MS / 1000, "the rest is not counted as drawing"
    assert 0 < report.gui_stall_max_at_rest < 5000
    assert 0 < report.event_to_plot_p50 <= report.event_to_plot_p95 <= report.oldest_to_plot_p95
    assert 0 < report.network_p50 < 1000 and 0 < report.gui_apply_p95 < 1000
    assert 0 < report.gui_stall_max < 5000, "the heartbeat ran, and the GUI was never stuck for seconds"
    assert window.controller.latency_log.rows is None, "the window's own log is back in place"
    assert set(report.as_dict()) >= {"event_to_plot_p95", "gui_stall_max"}

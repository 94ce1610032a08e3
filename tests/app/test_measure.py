"""The drawing-latency measurement drives the real window and reports sane numbers."""

from __future__ import annotations

import math

from capsviz.app.measure import measure_drawing


def test_measure_drawing_reports_latencies(window):
    report = measure_drawing(window, seconds=1.5, rate_hz=60)
    assert report.moves > 20 and report.updates > 0
    assert 0 < report.event_to_plot_p50 <= report.event_to_plot_p95 <= report.oldest_to_plot_p95
    assert report.network_p50 > 0 and report.gui_apply_p95 >= 0
    assert not math.isnan(report.gui_stall_max)
    assert window.controller.latency_log.rows is None, "the window's own log is back in place"
    assert set(report.as_dict()) >= {"event_to_plot_p95", "gui_stall_max"}

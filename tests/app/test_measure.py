"""The drawing-latency measurement drives the real window and reports sane numbers."""

from __future__ import annotations

from capsviz.app.measure import measure_drawing


def test_measure_drawing_reports_latencies(window):
    report = measure_drawing(window, seconds=1.5, rate_hz=60)
    assert report.moves > 20 and report.updates > 0
    assert 0 < report.event_to_plot_p50 <= report.event_to_plot_p95 <= report.oldest_to_plot_p95
    assert 0 < report.network_p50 < 1000 and 0 < report.gui_apply_p95 < 1000
    assert 0 < report.gui_stall_max < 5000, "the heartbeat ran, and the GUI was never stuck for seconds"
    assert window.controller.latency_log.rows is None, "the window's own log is back in place"
    assert set(report.as_dict()) >= {"event_to_plot_p95", "gui_stall_max"}

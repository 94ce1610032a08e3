"""The app while drawing, tab by tab: what ``python -m capsviz.bench --app`` reports.

For every panel of the right-hand column the whole window (1400×900) is shown
with that tab in front, and :func:`capsviz.app.measure.measure_drawing` draws
figure-eight strokes at 60 Hz for a few seconds, resting between strokes. The
targets: the lengths plot follows each mouse event within 33 ms at the 95th
percentile, the GUI thread is never kept from its events for more than 50 ms
while the pen moves, and at least 55 updates a second of drawing are shown.
The longest hold while the hand rests (when the panels redraw) is reported too.
Each tab is opened and its first view computed before the drawing starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QApplication

from capsviz.app.measure import measure_drawing
from capsviz.app.panel_ids import PANEL_IDS
from capsviz.model.capsnet import CapsNet

TARGET_P95_MS = 33.0
TARGET_STALL_MS = 50.0
TARGET_UPDATES_PER_S = 55.0
OPENING_S = 30.0  # the most a tab is given for its first view


def run_app_bench(
    model: CapsNet, seconds: float = 6.0, progress: Callable[[str], None] | None = None
) -> dict:
    """Drawing latency with each tab on show; a dict of per-tab rows and whether each meets the targets."""
    from capsviz.app.assembly import create_window
    from capsviz.app.insight.survey_task import SURVEY

    if QApplication.instance() is None:
        raise RuntimeError("the app benchmark needs a QApplication")
    window = create_window(model=model)
    window.resize(1400, 900)
    window.show()
    rows = []
    try:
        for panel in PANEL_IDS:
            window.show_panel(panel)
            # what opening the tab costs is not drawing's cost; the survey (once per weights) goes on
            window.controller.jobs.drain(OPENING_S, ignoring=(SURVEY,))
            started = time.perf_counter()
            report = measure_drawing(window, seconds=seconds)
            elapsed = time.perf_counter() - started
            row = {
                "panel": panel,
                **report.as_dict(),
                "updates_per_s": report.updates / max(report.drawing_s, 1e-9),
            }
            row["meets_targets"] = bool(
                row["event_to_plot_p95"] <= TARGET_P95_MS
                and row["gui_stall_max"] <= TARGET_STALL_MS
                and row["updates_per_s"] >= TARGET_UPDATES_PER_S
            )
            row["seconds"] = round(elapsed, 1)
            rows.append(row)
            if progress is not None:
                progress(panel)
    finally:
        window.close()
    return {"seconds_per_tab": seconds, "rows": rows}


def format_app_report(report: dict, markdown: bool = False) -> str:
    """One row per tab: event → plot p50 / p95, GUI stall p95 / max, updates per second, targets met."""
    header = [
        "tab",
        "event → plot p50",
        "p95",
        "GUI stall p95",
        "stall max",
        "at rest",
        "updates/s",
        "targets",
    ]
    rows = [
        [
            row["panel"],
            f"{row['event_to_plot_p50']:.1f} ms",
            f"{row['event_to_plot_p95']:.1f} ms",
            f"{row['gui_stall_p95']:.1f} ms",
            f"{row['gui_stall_max']:.1f} ms",
            f"{row['gui_stall_max_at_rest']:.1f} ms",
            f"{row['updates_per_s']:.0f}",
            "met" if row["meets_targets"] else "not met",
        ]
        for row in report["rows"]
    ]
    title = (
        f"Drawing at 60 Hz for {report['seconds_per_tab']:g} s per tab, whole window; targets: p95 ≤ "
        f"{TARGET_P95_MS:g} ms, no GUI stall > {TARGET_STALL_MS:g} ms while the pen moves, "
        f"≥ {TARGET_UPDATES_PER_S:g} updates/s"
    )
    if markdown:
        lines = [title, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)

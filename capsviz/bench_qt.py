"""The benchmark sections that run the Qt app: drawings replayed on the canvas, and latency per tab.

Qt is imported only when one of them is asked for, on the offscreen platform
where there is no display, so the timing benchmark runs without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from capsviz.model.device import resolve_device
from capsviz.model.pretrained import load_pretrained


def run_drawing(args: argparse.Namespace) -> str:
    """The drawing benchmark (Qt on the offscreen platform where there is no display)."""
    from capsviz.qt_platform import needs_offscreen

    if needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from tqdm import tqdm

    from capsviz.app.drawing_bench import format_drawing_report, run_drawing_bench
    from capsviz.data.mnist import load_shipped_test_set

    _app = QApplication.instance() or QApplication([])
    model = load_pretrained(resolve_device(args.device), args.weights)
    images, labels = load_shipped_test_set()
    with tqdm(desc="drawings", unit="drawing", file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = run_drawing_bench(model.eval(), images, labels, args.count, progress=advance)
    return json.dumps(report, indent=2) if args.json else format_drawing_report(report, args.markdown)


def run_app(args: argparse.Namespace) -> str:
    """The app section (Qt on the offscreen platform where there is no display)."""
    from capsviz.qt_platform import needs_offscreen

    if needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from capsviz.analysis.live import for_live_view
    from capsviz.app import theme
    from capsviz.app.app_bench import format_app_report, run_app_bench
    from capsviz.app.launch import share_cpu_with_the_gui

    if args.threads is None:
        share_cpu_with_the_gui()  # measured as the app runs: a core left to the GUI, the lock handed on often
    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)
    model = load_pretrained(resolve_device(args.device), args.weights)
    progress = (lambda panel: print(f"measured {panel}", file=sys.stderr)) if args.progress else None
    report = run_app_bench(for_live_view(model.eval()), args.seconds, progress)
    return json.dumps(report, indent=2) if args.json else format_app_report(report, args.markdown)

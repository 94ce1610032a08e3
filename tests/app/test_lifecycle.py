"""A script that builds the window and never closes it exits cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from capsviz.app import create_window

    window = create_window()
    window.show()
    app.processEvents()
    window.controller.show_sample(3)  # a request in flight as the script ends
    app.processEvents()
    """
)


def test_a_script_that_leaves_the_window_open_exits_with_status_0() -> None:
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "QThread: Destroyed" not in done.stderr

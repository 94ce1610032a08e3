"""Fixtures for the explorer's tests; drawing helpers live in app_helpers.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def in_process_app(monkeypatch):
    """Run the app inside the test process without the analysis panels (they have their own tests)
    and without retuning torch's threads for the whole session."""
    monkeypatch.setattr("capsviz.app.window.install_insight_panels", lambda window: False)
    monkeypatch.setattr("capsviz.app.launch.share_cpu_with_the_gui", lambda: None)


@pytest.fixture
def window(qtbot, pretrained):
    """The main window on the shipped model, shown offscreen at its normal size.

    The analysis panels have their own tests; the full window is exercised by the
    ``python -m capsviz --screenshot`` test in test_cli.py.
    """
    from capsviz.app import create_window

    win = create_window(model=pretrained, insight=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()

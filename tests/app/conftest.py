"""Fixtures for the explorer's tests; drawing helpers live in app_helpers.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(qtbot, pretrained):
    """The main window on the shipped model, shown offscreen at its normal size."""
    from capsviz.app import create_window

    win = create_window(model=pretrained)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()

"""Fixtures for the explorer's tests; drawing helpers live in app_helpers.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def in_process_app(monkeypatch):
    """Run the app inside the test process without the analysis panels (they have their own tests)
    and without retuning torch's threads for the whole session."""
    monkeypatch.setattr("capsviz.app.assembly.install_insight_panels", lambda window: False)
    monkeypatch.setattr("capsviz.app.launch.share_cpu_with_the_gui", lambda: None)

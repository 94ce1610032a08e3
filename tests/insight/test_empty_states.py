"""Every tab says what to do while it has nothing to show: before the first digit, and with no network."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTabWidget

from capsviz.app.panel_ids import PANEL_IDS
from capsviz.app.views.empty_state import NO_HISTORY, NO_INPUT, NO_MODEL, EmptyState
from tests.app.app_helpers import WAIT_MS, draw_stroke

ALWAYS_FILLED = {"Gallery"}  # lists test digits: needs the network, not an input


def _pages(window) -> dict[str, EmptyState]:
    tabs = window.findChild(QTabWidget, "insightTabs")
    return {tabs.tabText(k).replace("&&", "&"): tabs.widget(k) for k in range(tabs.count())}


def _open_window(qtbot, tmp_path, monkeypatch, **kwargs):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    from capsviz.app import create_window

    window = create_window(**kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_before_the_first_digit_each_tab_says_what_to_do_and_shows_no_empty_plot(
    qtbot, pretrained, tmp_path, monkeypatch
):
    window = _open_window(qtbot, tmp_path, monkeypatch, model=pretrained)
    tabs = window.findChild(QTabWidget, "insightTabs")
    pages = _pages(window)
    assert len(pages) == len(PANEL_IDS)
    for index, (title, page) in enumerate(pages.items()):
        tabs.setCurrentIndex(index)
        if title in ALWAYS_FILLED:
            assert not page.empty, title
            continue
        assert page.empty and page.message.isVisible() and not page.content.isVisible(), title
        expected = NO_HISTORY if title == "Compare & keep" else NO_INPUT
        assert page.message.text() == expected, title

    tabs.setCurrentIndex(list(pages).index("What"))
    draw_stroke(window.canvas, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    assert not pages["Routing"].empty, "the routing view follows the live answer"
    # the pages follow the settled input through a queued signal, one event-loop turn later
    qtbot.waitUntil(lambda: all(not page.empty for page in pages.values()), timeout=WAIT_MS)
    assert window.state.settled is not None, "the panels come back once the drawing settles"
    qtbot.waitUntil(lambda: window.insight.what.figure4.mosaic is not None, timeout=WAIT_MS)

    window.insight.keep_current()
    QTest.keyClick(window, Qt.Key.Key_Escape)  # clears the canvas
    qtbot.waitUntil(lambda: window.state.outputs is None, timeout=WAIT_MS)
    assert pages["Routing"].empty
    qtbot.waitUntil(lambda: pages["What"].empty, timeout=WAIT_MS)
    assert window.state.settled is None
    assert not pages["Compare & keep"].empty, "a kept digit is there to compare with"
    window.close()


def test_without_a_network_every_tab_says_how_to_load_one(qtbot, tmp_path, monkeypatch):
    missing = tmp_path / "none.safetensors"
    monkeypatch.setattr("capsviz.model.pretrained.shipped_weights_path", lambda kind="mnist": missing)
    window = _open_window(qtbot, tmp_path, monkeypatch, device="cpu")
    assert window.controller.model is None
    for title, page in _pages(window).items():
        assert page.empty and page.message.text() == NO_MODEL, title
    draw_stroke(window.canvas, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: window.network_input.array() is not None, timeout=WAIT_MS)
    assert all(page.message.text() == NO_MODEL for page in _pages(window).values())
    window.close()

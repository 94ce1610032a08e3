"""Robustness on the test set in the window: opened from Invariance, measured, cached, cancellable."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import capsviz
from capsviz.analysis.robustness import LEVELS, cached_curves, robustness
from capsviz.app.insight import robustness_panel
from capsviz.app.insight.panels import InsightPanels
from capsviz.app.state import AppState
from tests.app.app_helpers import WAIT_MS

DIGITS = 20


@pytest.fixture
def cnn():
    return capsviz.load_baseline()


@pytest.fixture
def small_counts(monkeypatch, tmp_path):
    monkeypatch.setenv("CAPSVIZ_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(robustness_panel, "COUNTS", (DIGITS, 2 * DIGITS))
    monkeypatch.setattr(robustness_panel, "DEFAULT_COUNT", DIGITS)


def panels_with(pretrained, cnn, mnist_test, synchronous: bool) -> InsightPanels:
    return InsightPanels(
        pretrained,
        AppState(),
        baseline=cnn,
        test_set=(mnist_test[0][:100], mnist_test[1][:100]),
        synchronous=synchronous,
    )


def click(qtbot, button) -> None:
    window = button.window()
    if not window.isVisible():
        window.show()
        qtbot.waitExposed(window)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_measured_curves_are_drawn_and_come_from_the_cache_next_time(
    qtbot, pretrained, cnn, mnist_test, small_counts
):
    insight = panels_with(pretrained, cnn, mnist_test, synchronous=True)
    panel = insight.robustness
    click(qtbot, insight.invariance.robustness_button)
    assert panel.isVisible() and "Not measured yet on 20 digits" in panel.status.text()
    assert not panel.view.isVisible()
    click(qtbot, panel.measure_button)
    assert panel.status.text() == "Measured on the first 20 test digits." and panel.view.isVisible()
    images, labels = mnist_test[0][:DIGITS], mnist_test[1][:DIGITS]
    expected = robustness(pretrained, cnn, images, labels, kinds=("rotation",))["rotation"]
    capsule, dashed = panel.view.curves["rotation"]
    np.testing.assert_allclose(capsule.yData, expected.capsnet)
    np.testing.assert_allclose(dashed.yData, expected.cnn)
    np.testing.assert_allclose(capsule.xData, LEVELS["rotation"])
    assert panel.view.plots["rotation"].titleLabel.text.endswith("20 test digits")
    panel.close()
    click(qtbot, insight.invariance.robustness_button)
    assert panel.status.text() == "Measured before on the first 20 test digits." and panel.view.isVisible()
    panel.count_box.setCurrentIndex(1)
    assert "Not measured yet on 40 digits" in panel.status.text() and not panel.view.isVisible()
    insight.shutdown()


def test_a_measurement_shows_its_progress_and_cancel_keeps_nothing(
    qtbot, pretrained, cnn, mnist_test, small_counts
):
    insight = panels_with(pretrained, cnn, mnist_test, synchronous=False)
    panel = insight.robustness
    click(qtbot, insight.invariance.robustness_button)
    insight.hold_for_drawing(True)  # a stroke under way: the measurement waits at its first level
    click(qtbot, panel.measure_button)
    assert panel.cancel_button.isVisible() and panel.progress.isVisible()
    assert not panel.measure_button.isEnabled()
    click(qtbot, panel.cancel_button)
    assert not panel.cancel_button.isVisible() and panel.measure_button.isEnabled()
    assert panel.status.text().startswith("Cancelled; nothing was kept.")
    insight.hold_for_drawing(False)
    qtbot.waitUntil(lambda: not insight.jobs.busy(), timeout=WAIT_MS)
    assert cached_curves(pretrained, cnn, mnist_test[0][:DIGITS], mnist_test[1][:DIGITS]) is None
    click(qtbot, panel.measure_button)  # and measuring again works, in the background, with progress
    qtbot.waitUntil(lambda: panel.status.text().startswith("Measured on the first"), timeout=WAIT_MS)
    assert panel.progress.maximum() == sum(len(v) for v in LEVELS.values())
    insight.shutdown()


def test_without_a_cnn_the_window_says_there_is_nothing_to_compare(
    qtbot, pretrained, mnist_test, small_counts
):
    insight = panels_with(pretrained, None, mnist_test, synchronous=True)
    click(qtbot, insight.invariance.robustness_button)
    assert "No CNN baseline" in insight.robustness.status.text()
    assert not insight.robustness.measure_button.isEnabled()
    insight.shutdown()

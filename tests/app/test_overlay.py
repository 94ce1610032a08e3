"""The Where tint on the enlarged network input: coupling to the steered capsule, per routing iteration."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from capsviz.analysis.where import fold, to_input
from tests.app.app_helpers import WAIT_MS


def expected(outputs, digit: int, iteration: int) -> np.ndarray:
    """The coupling map the view should show, computed independently of the app."""
    grids = fold(outputs.coupling[:, :, digit]).mean(axis=1)
    low, high = grids.min(), grids.max()
    return to_input((grids[iteration] - low) / (high - low))


def test_toggle_tints_the_input_and_follows_routing(window, qtbot):
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    view, toggle = window.network_input, window.network_input.where_toggle
    digit = window.state.steered_capsule
    assert view.overlay() is None
    assert f"capsule {digit}" in toggle.text()
    plain = view.grab().toImage()

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert toggle.isChecked()
    outputs = window.state.outputs
    last = outputs.iterations - 1
    window.controller.seek_routing(last)
    np.testing.assert_allclose(view.overlay(), expected(outputs, digit, last), atol=1e-5, equal_nan=True)
    assert view.grab().toImage() != plain

    window.controller.seek_routing(0)
    shown_first = view.overlay()
    np.testing.assert_allclose(shown_first, expected(outputs, digit, 0), atol=1e-5, equal_nan=True)
    assert not np.allclose(shown_first, expected(outputs, digit, last), equal_nan=True)

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert view.overlay() is None


def test_overlay_follows_the_picked_capsule(window, qtbot):
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.network_input.where_toggle, Qt.MouseButton.LeftButton)
    window.controller.seek_routing(window.state.outputs.iterations - 1)
    other = (window.state.steered_capsule + 3) % 10
    qtbot.mouseClick(window.pose_sliders.capsule_buttons[other], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state.steered_capsule == other, timeout=WAIT_MS)
    outputs = window.state.outputs
    np.testing.assert_allclose(
        window.network_input.overlay(),
        expected(outputs, other, outputs.iterations - 1),
        atol=1e-5,
        equal_nan=True,
    )
    assert f"capsule {other}" in window.network_input.where_toggle.text()

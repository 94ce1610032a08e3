"""The Where tint on the enlarged network input: coupling to the steered capsule, per routing iteration."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from capsviz.analysis.where import fold, to_input
from tests.app.app_helpers import WAIT_MS, all_answered, draw_stroke


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


def test_drawing_on_the_canvas_is_tinted_where_the_capsule_looks(window, qtbot):
    """A '1' drawn in the canvas's upper-left quarter: the tint lies over that quarter, not the centre."""
    canvas = window.canvas
    draw_stroke(canvas, [(0.2, 0.08), (0.18, 0.45)])
    qtbot.waitUntil(lambda: window.state.outputs is not None and all_answered(window), timeout=WAIT_MS)
    assert canvas.overlay() is None
    plain = canvas.grab().toImage()

    qtbot.mouseClick(window.network_input.where_toggle, Qt.MouseButton.LeftButton)
    window.controller.seek_routing(window.state.outputs.iterations - 1)
    strength, (top, left, height, width) = canvas.overlay()
    np.testing.assert_array_equal(strength, window.network_input.overlay(), strict=True)
    # the 20 px digit box in the middle of the 28 px field covers the stroke (canvas is 448 px)
    box_top, box_left = top + height * 4 / 28, left + width * 4 / 28
    box_bottom, box_right = top + height * 24 / 28, left + width * 24 / 28
    assert box_top <= 0.08 * 448 + 20 and box_bottom >= 0.45 * 448 - 20
    assert box_left <= 0.18 * 448 and box_right >= 0.2 * 448
    # the field is centred on the stroke's centre of mass, far from the canvas centre (224, 224)
    assert abs(top + height / 2 - 0.265 * 448) < 20 and abs(left + width / 2 - 0.19 * 448) < 20
    assert canvas.grab().toImage() != plain

    qtbot.mouseClick(window.network_input.where_toggle, Qt.MouseButton.LeftButton)
    assert canvas.overlay() is None
    assert canvas.grab().toImage() == plain


def test_a_loaded_digit_is_tinted_where_it_is_shown(window, qtbot):
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.network_input.where_toggle, Qt.MouseButton.LeftButton)
    _, (top, left, height, width) = window.canvas.overlay()
    # an MNIST digit is already what the network sees: its field is the whole canvas
    np.testing.assert_allclose((top, left, height, width), (0, 0, 448, 448), atol=448 / 28)

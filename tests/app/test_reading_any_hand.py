"""Reading any hand in the window: small fat digits, the stroke-width toggle, a photo with no digit."""

from __future__ import annotations

from PySide6.QtCore import Qt

from capsviz.app.views.network_input import WIDTH_NOTES
from tests.app.app_helpers import WAIT_MS, all_answered, draw_stroke
from tests.stroke_digits import HAND_DIGITS, placed


def _draw_small(window, digit: int) -> None:
    for part in placed(HAND_DIGITS[digit], 0.15 * 448, centre=(150.0, 300.0)):
        draw_stroke(window.canvas, [(x / 448, y / 448) for x, y in part])


def _read(window, qtbot) -> int:
    qtbot.waitUntil(lambda: window.state.outputs is not None and all_answered(window), timeout=WAIT_MS)
    return window.state.prediction


def test_a_small_three_in_a_corner_with_the_default_brush_is_a_three(window, qtbot):
    _draw_small(window, 3)
    assert window.canvas.brush_width == 34
    assert _read(window, qtbot) == 3
    assert window.state.stages.width == "strokes"
    toggle = window.network_input.width_toggle
    assert toggle.isVisible() and toggle.isChecked()
    assert WIDTH_NOTES["strokes"] in toggle.toolTip()
    redrawn = window.network_input.array().copy()

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not window.state.normalise_width
    qtbot.waitUntil(lambda: window.state.stages.width == "raw" and all_answered(window), timeout=WAIT_MS)
    assert window.state.prediction != 3, "as drawn, the fat strokes make a blob"
    assert window.network_input.array().sum() > 1.5 * redrawn.sum()
    assert WIDTH_NOTES["raw"] in toggle.toolTip()

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state.stages.width == "strokes" and all_answered(window), timeout=WAIT_MS)
    assert window.state.prediction == 3


def test_undo_and_clear_keep_the_strokes_in_step_with_the_picture(window, qtbot):
    canvas = window.canvas
    draw_stroke(canvas, [(0.3, 0.2), (0.3, 0.8)])
    draw_stroke(canvas, [(0.5, 0.2), (0.5, 0.8)])
    assert len(canvas.strokes()) == 2
    canvas.undo()
    assert len(canvas.strokes()) == 1
    canvas.redo()
    assert len(canvas.strokes()) == 2
    canvas.clear()
    assert canvas.strokes() == ()
    canvas.undo()
    assert len(canvas.strokes()) == 2


def test_a_test_digit_reaches_the_network_as_mnist_stored_it(window, qtbot):
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.sample is not None and all_answered(window), timeout=WAIT_MS)
    assert window.state.stages.width == "raw"
    assert window.canvas.strokes() is None, "a picture on the canvas has no strokes"


def test_a_photo_of_blank_paper_says_there_is_no_digit(window, qtbot, tmp_path):
    import numpy as np
    from PIL import Image

    from capsviz.app.controller import NO_DIGIT
    from capsviz.data.paper import photo_of

    blank = tmp_path / "blank paper.jpg"
    Image.fromarray(photo_of(np.zeros((28, 28), np.uint8), np.random.default_rng(2), "ruled")).save(blank)
    window.controller.open_image(blank)
    qtbot.waitUntil(lambda: all_answered(window) and window.state.stages is not None, timeout=WAIT_MS)
    assert window.state.stages.empty and window.state.outputs is None
    assert window.status.currentMessage() == NO_DIGIT


def test_a_digit_leaning_beyond_mnist_is_flagged_as_the_models_limit(window, qtbot):
    draw_stroke(window.canvas, [(0.2, 0.7), (0.8, 0.3)])  # a "1" leaning 56° right
    _read(window, qtbot)
    label = window.prediction
    assert "beyond MNIST: leans" in label.text() and "rotation-invariant" in label.toolTip()

    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)  # clear
    draw_stroke(window.canvas, [(0.5, 0.2), (0.52, 0.8)])  # an upright "1"
    _read(window, qtbot)
    assert "beyond MNIST" not in label.text() and "rotation-invariant" not in label.toolTip()

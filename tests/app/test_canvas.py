"""The drawing canvas on its own, driven with real mouse events."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from capsviz.analysis.live import CANVAS_PIXELS
from capsviz.app.views.canvas import DrawingCanvas
from capsviz.app.views.drawing import HISTORY_LIMIT
from tests.app.app_helpers import canvas_point, draw_stroke


@pytest.fixture
def canvas(qtbot):
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_stroke_draws_smooth_antialiased_ink_and_reports_each_move(canvas, qtbot):
    seen = []
    canvas.imageChanged.connect(lambda pixels, when: seen.append((pixels, when)))
    draw_stroke(canvas, [(0.5, 0.2), (0.5, 0.8)])
    pixels = canvas.pixels()
    assert pixels.shape == (CANVAS_PIXELS, CANVAS_PIXELS)
    column = pixels[:, CANVAS_PIXELS // 2]
    assert column[int(0.3 * CANVAS_PIXELS) : int(0.7 * CANVAS_PIXELS)].min() == 255
    assert pixels[:, : CANVAS_PIXELS // 3].max() == 0, "ink only where the stroke went"
    assert len(np.unique(pixels)) > 10, "edges are anti-aliased, not jagged black/white"
    assert len(seen) > 5, "every move reports the drawing"
    times = [when for _, when in seen]
    assert times == sorted(times)


def test_right_button_and_eraser_mode_erase(canvas):
    draw_stroke(canvas, [(0.2, 0.5), (0.8, 0.5)])
    before = int(canvas.pixels().sum())
    draw_stroke(canvas, [(0.5, 0.3), (0.5, 0.7)], button=Qt.MouseButton.RightButton)
    after_right = int(canvas.pixels().sum())
    assert after_right < before
    canvas.set_eraser(True)
    draw_stroke(canvas, [(0.3, 0.3), (0.3, 0.7)])
    assert int(canvas.pixels().sum()) < after_right
    canvas.set_eraser(False)
    draw_stroke(canvas, [(0.7, 0.2), (0.7, 0.8)])
    assert canvas.pixels()[:, int(0.7 * CANVAS_PIXELS)].max() == 255


def test_brush_width_changes_stroke_width(canvas):
    canvas.set_brush_width(10)
    draw_stroke(canvas, [(0.25, 0.2), (0.25, 0.8)])
    canvas.set_brush_width(60)
    draw_stroke(canvas, [(0.75, 0.2), (0.75, 0.8)])
    row = canvas.pixels()[CANVAS_PIXELS // 2]
    thin = int((row[: CANVAS_PIXELS // 2] > 128).sum())
    thick = int((row[CANVAS_PIXELS // 2 :] > 128).sum())
    assert 6 <= thin <= 14 and 50 <= thick <= 70


def test_clear_undo_redo(canvas):
    draw_stroke(canvas, [(0.5, 0.2), (0.5, 0.8)])
    one = canvas.pixels()
    draw_stroke(canvas, [(0.2, 0.5), (0.8, 0.5)])
    two = canvas.pixels()
    canvas.clear()
    assert canvas.is_blank()
    canvas.undo()
    assert np.array_equal(canvas.pixels(), two)
    canvas.undo()
    assert np.array_equal(canvas.pixels(), one)
    canvas.redo()
    assert np.array_equal(canvas.pixels(), two)
    draw_stroke(canvas, [(0.1, 0.1), (0.2, 0.2)])
    assert not canvas.can_redo(), "a new stroke drops the redo history"


def test_history_is_bounded(canvas):
    for k in range(HISTORY_LIMIT + 20):
        draw_stroke(canvas, [(0.1 + 0.005 * k, 0.2), (0.1 + 0.005 * k, 0.3)])
    undos = 0
    while canvas.can_undo():
        canvas.undo()
        undos += 1
    assert undos == HISTORY_LIMIT
    assert not canvas.is_blank(), "the oldest strokes are beyond the history"


def test_show_array_replaces_drawing_undoably_without_asking_for_inference(canvas):
    seen = []
    canvas.imageChanged.connect(lambda pixels, when: seen.append(pixels))
    picture = np.zeros((CANVAS_PIXELS, CANVAS_PIXELS), np.uint8)
    picture[100:300, 200:240] = 200
    canvas.show_array(picture)
    assert np.array_equal(canvas.pixels(), picture)
    assert seen == []
    canvas.undo()
    assert canvas.is_blank()
    with pytest.raises(ValueError, match="448"):
        canvas.show_array(np.zeros((28, 28), np.uint8))


def _pen(kind: QPointingDevice.PointerType) -> QPointingDevice:
    capabilities = QInputDevice.Capability.Position | QInputDevice.Capability.Pressure
    return QPointingDevice("pen", 7, QInputDevice.DeviceType.Stylus, kind, capabilities, 1, 3)


def _tablet(canvas, device, kind: QEvent.Type, fx: float, fy: float, pressure: float) -> None:
    point = QPointF(canvas_point(canvas, fx, fy))
    button = Qt.MouseButton.LeftButton
    event = QTabletEvent(
        kind,
        device,
        point,
        point,
        pressure,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        button,
        button,
    )
    QApplication.sendEvent(canvas, event)


def test_pen_pressure_sets_width_and_the_eraser_end_erases(canvas):
    pen = _pen(QPointingDevice.PointerType.Pen)
    for x, pressure in ((0.25, 0.1), (0.75, 1.0)):
        _tablet(canvas, pen, QEvent.Type.TabletPress, x, 0.2, pressure)
        for y in np.linspace(0.2, 0.8, 15):
            _tablet(canvas, pen, QEvent.Type.TabletMove, x, y, pressure)
        _tablet(canvas, pen, QEvent.Type.TabletRelease, x, 0.8, pressure)
    row = canvas.pixels()[CANVAS_PIXELS // 2]
    light = int((row[: CANVAS_PIXELS // 2] > 128).sum())
    firm = int((row[CANVAS_PIXELS // 2 :] > 128).sum())
    assert 0 < light < firm, "a firmer pen draws a wider line"
    eraser = _pen(QPointingDevice.PointerType.Eraser)
    _tablet(canvas, eraser, QEvent.Type.TabletPress, 0.75, 0.5, 1.0)
    _tablet(canvas, eraser, QEvent.Type.TabletMove, 0.75, 0.55, 1.0)
    _tablet(canvas, eraser, QEvent.Type.TabletRelease, 0.75, 0.55, 1.0)
    assert canvas.pixels()[int(0.52 * CANVAS_PIXELS), int(0.75 * CANVAS_PIXELS)] == 0

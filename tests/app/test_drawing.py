"""The canvas's content on its own: strokes, pictures, the picture under the strokes, and undo."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.analysis.live import CANVAS_PIXELS
from capsviz.app.views.drawing import Drawing
from capsviz.data.strokes import Stroke

LINE = Stroke(np.array([[100.0, 100.0], [300.0, 300.0]]), 20.0, False)


def picture(value: int) -> np.ndarray:
    pixels = np.zeros((CANVAS_PIXELS, CANVAS_PIXELS), np.uint8)
    pixels[200:240, 10:50] = value
    return pixels


def test_strokes_are_drawn_and_recorded(qapp):
    drawing = Drawing()
    drawing.show_strokes((LINE,))
    pixels = drawing.pixels()
    assert pixels[200, 200] == 255 and pixels[200, 400] == 0, "ink on the diagonal, none far from it"
    assert drawing.strokes() == (LINE,)
    under_way = Stroke(np.array([[10.0, 10.0]]), 6.0, False)
    assert drawing.strokes(under_way) == (LINE, under_way)


def test_a_picture_has_no_strokes_and_undo_brings_them_back(qapp):
    drawing = Drawing()
    drawing.show_strokes((LINE,))
    drawing.show_picture(picture(200))
    assert drawing.strokes() is None
    assert drawing.pixels()[220, 30] == 200 and drawing.pixels()[200, 200] == 0
    assert drawing.undo()
    assert drawing.strokes() == (LINE,) and drawing.pixels()[220, 30] == 0
    assert drawing.redo() and drawing.strokes() is None
    assert not drawing.redo(), "nothing further to redo"


def test_the_picture_under_the_strokes_shows_where_it_is_brighter(qapp):
    drawing = Drawing()
    drawing.show_strokes((LINE,))
    drawing.show_underlay(picture(90))
    pixels = drawing.pixels()
    assert pixels[220, 30] == 90 and pixels[200, 200] == 255
    assert drawing.strokes() is None, "with a picture under them the strokes are not all the network sees"
    drawing.show_underlay(None)
    assert drawing.strokes() == (LINE,) and drawing.pixels()[220, 30] == 0


def test_a_wrongly_sized_picture_is_refused_and_nothing_changes(qapp):
    drawing = Drawing()
    drawing.show_strokes((LINE,))
    steps = drawing.undo_steps
    with pytest.raises(ValueError, match="448"):
        drawing.show_picture(np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match="448"):
        drawing.show_underlay(np.zeros((10, 448), np.uint8))
    assert drawing.undo_steps == steps and drawing.strokes() == (LINE,)


def test_clear_is_one_undoable_step(qapp):
    drawing = Drawing()
    drawing.show_strokes((LINE,))
    drawing.clear()
    assert not drawing.pixels().any() and drawing.strokes() == ()
    assert drawing.undo() and drawing.pixels().any()

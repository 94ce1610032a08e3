"""The Where panel draws the folded coupling and answers clicks with the cell's votes."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.analysis.where import cell_at, where_analysis
from capsviz.app.insight.where_panel import WherePanel


@pytest.fixture
def panel(shown, routed_digit, digit_image):
    widget = shown(WherePanel())
    analysis = where_analysis(routed_digit[0])
    widget.show_analysis(analysis, digit_image)
    widget.set_digit(7)
    widget.set_iteration(2)
    return widget, analysis


def test_maps_show_the_folded_coupling(panel, digit_image):
    widget, analysis = panel
    np.testing.assert_allclose(widget.grid_item.image, analysis.grid("coupling", 2, 7, "mean"))
    overlay = analysis.overlay("coupling", 2, 7, "mean")
    np.testing.assert_allclose(widget.overlay_item.image[:27, :27], overlay[:27, :27])
    np.testing.assert_array_equal(widget.input_item.image, digit_image)
    assert widget.map_bar.levels() == pytest.approx(analysis.levels("coupling", 7))


def test_controls_change_what_is_folded(panel, qtbot):
    widget, analysis = panel
    widget.types_box.setCurrentIndex(2 + 5)  # "type 5"
    np.testing.assert_allclose(widget.grid_item.image, analysis.grid("coupling", 2, 7, 5))
    widget.quantity_box.setCurrentIndex(2)  # activation
    np.testing.assert_allclose(widget.grid_item.image, analysis.activation[5])
    with qtbot.waitSignal(widget.iterationChanged) as blocker:
        widget.iteration_slider.setValue(0)
    assert blocker.args == [0]
    with qtbot.waitSignal(widget.digitChanged) as blocker:
        widget.digit_box.setCurrentIndex(3)
    assert blocker.args == [3]


def test_clicking_a_grid_cell_shows_its_votes(panel, qtbot, click_plot):
    widget, analysis = panel
    with qtbot.waitSignal(widget.cellClicked) as blocker:
        click_plot(widget.view, widget.grid_plot, 4.5, 1.5)  # column 4, row 1
    assert blocker.args == [1, 4]
    assert widget.selected_cell == (1, 4)
    np.testing.assert_allclose(widget.shown_votes, analysis.cell(1, 4).lengths)
    assert widget.cell_rect.rect().x() == 4 and widget.cell_rect.rect().y() == 1
    widget.votes_box.setCurrentIndex(1)
    np.testing.assert_allclose(widget.shown_votes, analysis.cell(1, 4).agreement)
    assert widget.votes_bar.levels() == pytest.approx((-1.0, 1.0))


def test_clicking_the_drawing_picks_the_nearest_window(panel, qtbot, click_plot):
    widget, _ = panel
    with qtbot.waitSignal(widget.cellClicked) as blocker:
        click_plot(widget.view, widget.input_plot, 15.3, 10.2)
    assert tuple(blocker.args) == cell_at(10.2, 15.3) == (1, 4)
    top, left = widget.window_rect.rect().y(), widget.window_rect.rect().x()
    assert (top, left) == (2 * blocker.args[0], 2 * blocker.args[1])


def test_empty_panel_draws_nothing(shown):
    widget = shown(WherePanel())
    widget.show_analysis(None, None)
    assert widget.grid_item.image is None


def test_in_a_side_tab_the_drawing_fills_its_plot(shown, routed_digit, digit_image, qtbot):
    """Narrow, the drawing and the grid share a row no taller than they need; the votes take the rest."""
    widget = shown(WherePanel(), size=(412, 700))
    widget.show_analysis(where_analysis(routed_digit[0]), digit_image)
    widget.set_digit(7)
    widget.set_iteration(2)

    def picture_fills_its_plot() -> None:
        shown_range = widget.input_plot.vb.viewRect()  # not a 28-px picture in a tall strip
        assert max(shown_range.width(), shown_range.height()) < 28 * 1.2

    qtbot.waitUntil(picture_fills_its_plot, timeout=2000)
    assert widget.votes_plot.vb.height() > widget.input_plot.vb.height()
    assert "capsule 7, iteration 3/3" in widget.input_plot.toolTip()
    assert "mean over the 32 types" in widget.map_bar.toolTip()

"""Panels put plots side by side when wide and stack them in a narrow side tab, without clipping."""

from __future__ import annotations

import pytest

from capsviz.app.insight.counterfactual_panel import CounterfactualPanel
from capsviz.app.insight.invariance_panel import InvariancePanel
from capsviz.app.insight.what_panel import WhatPanel
from capsviz.app.insight.where_panel import WherePanel
from capsviz.app.insight.why_panel import WhyPanel


def cell_of(layout, item) -> tuple[int, int]:
    return layout.items[item][0]


@pytest.mark.parametrize("width", [470, 980])
def test_where_and_why_follow_the_width(shown, width):
    where = shown(WherePanel(), (width, 700))
    assert where.narrow == (width < 720)
    assert cell_of(where.view.ci, where.votes_plot) == ((1, 0) if where.narrow else (0, 2))
    assert where.view.ci.geometry().width() <= where.view.width() + 1, "nothing is cut off"
    why = shown(WhyPanel(), (width, 700))
    assert cell_of(why.view.ci, why.lengths_plot) == ((3, 0) if why.narrow else (1, 1))


def test_narrow_panels_fit_a_side_tab(shown):
    for panel in (InvariancePanel(), WhatPanel(), CounterfactualPanel()):
        shown(panel, (470, 760))
        assert panel.narrow and panel.width() <= 480
    invariance = shown(InvariancePanel(), (470, 760))
    assert invariance.view.ci.geometry().width() <= invariance.view.width() + 1
    for chart in (invariance.lengths_plot, invariance.sweep_plot):  # room for ten digit ticks and a title
        assert chart.vb.width() >= 10 * 25, chart.titleLabel.full_text
    tiles = shown(CounterfactualPanel(), (470, 760))
    rows = {tiles.strip.getItemPosition(tiles.strip.indexOf(tile))[0] for tile in tiles.tiles}
    assert rows == {0, 1}  # empty tiles are narrow: two rows of five
    tiles.resize(1000, 600)
    rows = {tiles.strip.getItemPosition(tiles.strip.indexOf(tile))[0] for tile in tiles.tiles}
    assert rows == {0} and not tiles.narrow


def test_a_title_wider_than_its_plot_ends_in_an_ellipsis_and_shows_whole_in_its_tooltip(shown, qtbot):
    import pyqtgraph as pg

    from capsviz.app.insight.common import set_title

    view = shown(pg.GraphicsLayoutWidget(), (180, 200))
    plot = view.ci.addPlot()
    title = "agreement û·v of the 1152 capsules with capsule 7"
    set_title(plot, title)
    label = plot.titleLabel
    qtbot.waitUntil(lambda: label.text != title)
    assert label.text.endswith("…") and title.startswith(label.text[:-1])
    assert label.itemRect().width() <= label.rect().width() + 1, "the title stays inside its plot"
    assert label.toolTip() == title

    view.resize(900, 200)
    qtbot.waitUntil(lambda: label.text == title)
    assert label.toolTip() == ""
    set_title(plot, "moved · 7")
    assert label.text == "moved · 7"


def test_every_panel_fits_the_side_tab_of_a_window_at_its_usual_size(full_window, qtbot):
    """At 1400 × 900 no panel scrolls sideways (toolbars wrap into rows, cards and tiles into fewer
    columns), and the panels of one view fit the tab's height: their charts take the height left."""
    from PySide6.QtWidgets import QScrollArea

    from capsviz.app.panel_ids import PANEL_IDS

    window = full_window
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=30_000)
    # Filled panels are wider than empty ones (the counterfactual tiles carry their verdicts).
    window.show_panel("counterfactuals")
    qtbot.waitUntil(lambda: window.insight.counterfactuals.result is not None, timeout=30_000)
    for panel in PANEL_IDS:
        assert window.show_panel(panel), panel
        page = window.panel_pages.get(panel)
        scroller = None if page is None else page.findChild(QScrollArea)
        if scroller is None:
            assert panel == "routing", panel  # the window's own view, sized with the window
            continue
        qtbot.waitUntil(lambda s=scroller: s.widget().isVisible(), timeout=5_000)
        qtbot.wait(50)
        assert scroller.widget().width() <= scroller.viewport().width(), panel
        assert not scroller.horizontalScrollBar().isVisible(), panel
        if panel not in ("overview", "two-digits"):  # pages of cards and of sliders, read by scrolling
            assert not scroller.verticalScrollBar().isVisible(), panel

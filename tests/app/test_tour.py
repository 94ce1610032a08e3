"""The guided tour: each step puts the window in the state it describes; keys drive it; closed, it is gone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from capsviz.app.settings import offer_tour_once
from capsviz.app.tour import STEERED_DIMENSION, STEPS
from capsviz.app.views.tour_card import TourCard, Veil
from tests.app.app_helpers import SEVEN, WAIT_MS, draw_stroke


def key(window, which) -> None:
    QTest.keyClick(window.tour.card, which)


def current_panel(window) -> str:
    page = window.insight_tabs.currentWidget()
    return next(panel for panel, shown in window.panel_pages.items() if shown is page)


def test_every_step_sets_what_it_describes_and_the_keys_walk_it(full_window, qtbot):
    window = full_window
    window.actions_by_name["tour"].trigger()
    tour = window.tour
    assert tour.running and tour.card.isVisible() and tour.card.hasFocus()
    assert tour.card.title.text() == STEPS[0].title and tour.card.position.text() == f"step 1 of {len(STEPS)}"
    assert not tour.card.back_button.isEnabled()
    qtbot.waitUntil(
        lambda: window.state.sample is not None and window.state.sample.index == SEVEN, timeout=WAIT_MS
    )

    key(window, Qt.Key.Key_Right)  # draw
    assert tour.veil.hole is not None and tour.veil.hole.size() == window.draw_panel.size()
    key(window, Qt.Key.Key_Return)  # what the network is given
    key(window, Qt.Key.Key_Right)  # overview
    assert current_panel(window) == "overview"
    key(window, Qt.Key.Key_Right)  # lengths
    key(window, Qt.Key.Key_Right)  # routing
    assert current_panel(window) == "routing" and window.state.playing and window.state.iterations == 3
    key(window, Qt.Key.Key_Right)  # routing off
    assert window.state.iterations == 1
    qtbot.waitUntil(
        lambda: window.state.outputs is not None and window.state.outputs.iterations == 1, timeout=WAIT_MS
    )
    assert abs(window.state.outputs.coupling - 0.1).max() < 1e-6, "no agreement: every c_ij is 1/10"
    key(window, Qt.Key.Key_Right)  # steer
    assert window.state.iterations == 3
    assert window.state.pose_offsets[STEERED_DIMENSION] == pytest.approx(0.2)
    key(window, Qt.Key.Key_Left)  # back to routing off: the slider goes back too
    assert window.state.iterations == 1 and not window.state.pose_offsets.any()
    key(window, Qt.Key.Key_Right)
    key(window, Qt.Key.Key_Right)  # what each dimension means
    assert current_panel(window) == "what" and not window.state.pose_offsets.any()
    key(window, Qt.Key.Key_Right)  # take it with you
    assert tour.card.next_button.text() == "Done"
    key(window, Qt.Key.Key_Right)
    assert not tour.running
    assert not window.findChildren(TourCard) or not any(c.isVisible() for c in window.findChildren(TourCard))


def test_escape_closes_the_tour_and_then_clears_the_canvas_again(full_window, qtbot):
    window = full_window
    window.start_tour()
    key(window, Qt.Key.Key_Right)
    key(window, Qt.Key.Key_Escape)
    assert not window.tour.running
    qtbot.wait(10)
    assert not any(v.isVisible() for v in window.findChildren(Veil))
    draw_stroke(window.canvas, [(0.5, 0.2), (0.5, 0.8)])
    assert not window.canvas.is_blank()
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_blank(), "Esc is the canvas's again once the tour is closed"


def test_the_window_works_under_the_veil(full_window, qtbot):
    window = full_window
    window.start_tour()
    key(window, Qt.Key.Key_Right)
    draw_stroke(window.canvas, [(0.5, 0.15), (0.5, 0.85)])  # a 1, drawn through the veil
    qtbot.waitUntil(
        lambda: window.state.outputs is not None and window.state.prediction == 1, timeout=WAIT_MS
    )
    assert window.tour.running


def test_the_tour_is_offered_on_the_first_launch_only(full_window, tmp_path):
    store = QSettings(str(tmp_path / "capsviz.ini"), QSettings.Format.IniFormat)
    assert offer_tour_once(full_window, store) and full_window.tour.running
    full_window.tour.close()
    assert not offer_tour_once(full_window, store) and not full_window.tour.running

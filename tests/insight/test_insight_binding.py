"""InsightPanels follows the app state's settled input and pushes the analyses to the seven panels."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from capsviz.analysis.export import load_state
from capsviz.analysis.figure4 import figure4
from capsviz.analysis.inference import infer
from capsviz.analysis.where import where_analysis
from capsviz.analysis.why import why_analysis
from capsviz.app.insight import history_panel
from capsviz.app.insight.panels import InsightPanels
from capsviz.app.panel_ids import INSIGHT_PANEL_IDS
from capsviz.app.state import AppState, SettledInput
from capsviz.app.throttle import Throttle

SURVEY = 30


def settle(state: AppState, image: np.ndarray | None, source: str = "", trace=None) -> None:
    """What the controller does once drawing pauses: hand the input on show to the panels."""
    state.set_settled(None if image is None else SettledInput(image, trace, 3, source))


@pytest.fixture(scope="module")
def insight(qapp, pretrained, mnist_test, tmp_path_factory):
    """One set of panels for the module (building and filling them is the slow part)."""
    panels = InsightPanels(
        pretrained,
        AppState(),
        test_set=(mnist_test[0][:SURVEY], mnist_test[1][:SURVEY]),
        cache_folder=tmp_path_factory.mktemp("insight-cache"),
        synchronous=True,
    )
    yield panels
    panels.shutdown()
    for _, widget in panels.panels:
        widget.close()
        widget.deleteLater()


def test_a_settled_input_feeds_every_panel(insight, pretrained, digit_image, routed_digit):
    insight.state.set_routing_iteration(1)
    settle(insight.state, digit_image, "MNIST test #0 (a 7)")
    trace, output = routed_digit
    assert insight.digit == 7
    np.testing.assert_allclose(insight.lengths, output.lengths[0].numpy(), atol=1e-6)
    expected = where_analysis(trace)
    np.testing.assert_allclose(insight.where.grid_item.image, expected.grid("coupling", 1, 7), atol=1e-6)
    assert insight.where.iteration_slider.value() == 1
    why = why_analysis(trace)
    np.testing.assert_allclose(insight.why.length_bars.heights(1), why.lengths_with_routing, atol=1e-6)
    grid = figure4(pretrained, output.poses[0, 7].numpy(), 7)
    np.testing.assert_allclose(insight.what.figure4.mosaic, grid.mosaic(), atol=1e-5)
    assert insight.counterfactuals.tiles[7].verdict.text().startswith("→")
    assert insight.invariance.moved_item.image is not None
    assert insight.survey is not None and len(insight.survey.survey) == SURVEY
    bands = insight.what.dimensions.band_edges()
    assert (bands[:, 0] < bands[:, 1]).all()


def test_steering_moves_the_pose_everywhere(insight, digit_image, routed_digit):
    state = insight.state
    settle(state, digit_image)
    offsets = np.zeros(16, np.float32)
    offsets[4] = 0.2
    state.set_pose_offsets(offsets)
    pose = routed_digit[1].poses[0, 7].numpy() + offsets
    np.testing.assert_allclose(insight.what.dimensions.current_values(), pose, atol=1e-6)
    np.testing.assert_allclose(insight.counterfactuals.result.pose, pose, atol=1e-6)
    state.set_selected_capsule(3)
    assert insight.what.digit == 3 and insight.where.digit_box.currentIndex() == 3
    state.set_routing_iteration(0)
    np.testing.assert_allclose(insight.where.grid_item.image, 0.1, rtol=1e-6)
    state.set_selected_capsule(None)
    state.set_pose_offsets(np.zeros(16, np.float32))


def shown(qtbot, widget) -> None:
    window = widget.window()
    if not window.isVisible():
        window.resize(900, 700)
        window.show()
        qtbot.waitExposed(window)


def click_item(qtbot, list_widget, row: int) -> None:
    """Click row ``row`` of a list the way a person does: on its picture."""
    shown(qtbot, list_widget)
    list_widget.scrollToItem(list_widget.item(row))
    centre = list_widget.visualItemRect(list_widget.item(row)).center()
    QTest.mouseClick(
        list_widget.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre
    )


def click(qtbot, button) -> None:
    shown(qtbot, button)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def save_as(monkeypatch, path) -> None:
    """The file dialog answers ``path``, as a person typing it would."""
    monkeypatch.setattr(history_panel.QFileDialog, "getSaveFileName", lambda *args, **kw: (str(path), ""))


def test_panel_choices_are_requests_to_the_app_not_changes_of_their_own(insight, qtbot, digit_image):
    settle(insight.state, digit_image)
    with qtbot.waitSignal(insight.digitRequested) as digit:
        insight.why.digit_box.setCurrentIndex(4)
    assert digit.args == [4] and insight.digit == 7, "the app decides: until it does, the winner stays"
    insight.state.set_selected_capsule(4)
    assert insight.digit == 4 and insight.what.digit == 4
    insight.state.set_selected_capsule(None)
    with qtbot.waitSignal(insight.iterationRequested) as iteration:
        insight.where.iteration_slider.setValue(1 - insight.state.routing_iteration)
    assert iteration.args == [1 - insight.state.routing_iteration]
    insight.start_survey()
    insight.gallery.kind_box.setCurrentIndex(1)  # "least sure": 30 digits need not hold a mistake
    gallery = insight.gallery.list
    assert gallery.count() > 0
    wanted = int(gallery.item(0).data(Qt.ItemDataRole.UserRole))
    with qtbot.waitSignal(insight.sampleRequested) as sample:
        click_item(qtbot, gallery, 0)
    assert sample.args == [wanted]


def test_keep_restore_and_export(insight, qtbot, digit_image, mnist_test, tmp_path, monkeypatch):
    settle(insight.state, digit_image, "first")
    insight.keep_current()
    second = mnist_test[0][1].astype(np.float32) / 255
    settle(insight.state, second, "second")
    entry = insight.history[0]
    assert entry.source == "first"
    strip = insight.compare.strip
    row = next(r for r in range(strip.count()) if strip.item(r).data(Qt.ItemDataRole.UserRole) == entry.id)
    with qtbot.waitSignal(insight.imageRequested) as requested:
        click_item(qtbot, strip, row)
    np.testing.assert_array_equal(requested.args[0], digit_image)
    assert requested.args[1] == "first"
    assert len(insight.history) == 2 and insight.history[0].source == "second"
    assert insight.compare.strip.count() == 2
    settle(insight.state, requested.args[0], requested.args[1])  # the app shows what was asked for
    state = load_state(insight.export_json(tmp_path / "state.json"))
    assert state.prediction == 7 and state.metadata == {"source": "first"}
    save_as(monkeypatch, tmp_path / "all.png")
    click(qtbot, insight.compare.png_button)
    with Image.open(tmp_path / "all.png") as sheet:
        assert sheet.width > 800 and sheet.height > 1000
    assert "saved all.png" in insight.compare.status.text()
    (tmp_path / "blocked").write_text("a file where a folder should be")
    save_as(monkeypatch, tmp_path / "blocked" / "s.json")
    click(qtbot, insight.compare.json_button)
    assert "could not save" in insight.compare.status.text()


def test_a_cleared_input_empties_the_panels(insight, digit_image):
    settle(insight.state, digit_image)
    assert insight.trace is not None
    settle(insight.state, None)
    assert insight.trace is None and insight.where.grid_item.image is None
    assert insight.counterfactuals.result is None


def test_the_live_trace_is_used_as_it_is(insight, digit_image, routed_digit):
    trace, _output = routed_digit
    settle(insight.state, digit_image, trace=trace)
    assert insight.trace is trace


def test_background_mode_catches_up_when_a_panel_is_shown(qtbot, pretrained, digit_image, tmp_path):
    insight = InsightPanels(
        pretrained, AppState(), cache_folder=tmp_path, test_set=(np.zeros((0, 28, 28), np.uint8), np.zeros(0))
    )
    for _, widget in insight.panels:
        qtbot.addWidget(widget)
    settle(insight.state, digit_image)
    qtbot.wait(300)
    assert insight.trace is None, "with every panel hidden the network is left to the live view"
    assert insight.why.histogram_curves == [], "hidden panels wait until they are shown"
    insight.counterfactuals.show()
    qtbot.waitUntil(lambda: insight.trace is not None, timeout=20_000)
    qtbot.waitUntil(lambda: insight.counterfactuals.shown_lengths is not None, timeout=20_000)
    trace, _ = infer(pretrained, digit_image)
    np.testing.assert_allclose(insight.lengths, trace.lengths[0, -1].numpy(), atol=1e-6)
    insight.shutdown()


def test_the_panels_are_the_registered_ones(insight):
    assert [panel_id for panel_id, _ in insight.panels] == list(INSIGHT_PANEL_IDS)
    assert INSIGHT_PANEL_IDS == (
        "where",
        "why",
        "what",
        "counterfactuals",
        "invariance",
        "compare",
        "gallery",
        "two-digits",
    )
    assert all(widget.toolTip() for _, widget in insight.panels)


def test_without_a_model_the_panels_stay_empty_until_one_is_set(qtbot, pretrained, digit_image, tmp_path):
    insight = InsightPanels(
        None,
        AppState(),
        cache_folder=tmp_path,
        synchronous=True,
        test_set=(np.zeros((0, 28, 28)), np.zeros(0)),
    )
    for _, widget in insight.panels:
        qtbot.addWidget(widget)
    settle(insight.state, digit_image)
    assert insight.trace is None and insight.where.grid_item.image is None
    insight.start_survey()
    assert insight.survey is None
    insight.set_model(pretrained)
    assert insight.digit == 7 and insight.where.grid_item.image is not None


def test_a_burst_settles_a_few_times_while_it_lasts_then_once_when_it_pauses(qtbot):
    """A 60 Hz burst of pokes: an action now and then while it lasts, then one once it pauses."""
    seen = []
    throttle = Throttle(lambda: seen.append(time.perf_counter()), quiet_ms=120, max_wait_ms=500)
    start = time.perf_counter()
    for _ in range(60):
        last_poke = time.perf_counter()
        throttle.poke()
        qtbot.wait(16)
    during = len(seen)
    elapsed_ms = (time.perf_counter() - start) * 1000
    assert 1 <= during <= elapsed_ms / 500 + 1  # the long burst still acts now and then
    qtbot.waitUntil(lambda: not throttle.pending, timeout=2000)
    assert seen[-1] >= last_poke, "the last poke is acted on"
    settled = len(seen)
    assert settled <= during + 1, "once when it pauses (none if the long-burst action took the last poke)"
    qtbot.wait(240)
    assert len(seen) == settled and not throttle.pending
    throttle.poke()
    throttle.flush()
    assert len(seen) == settled + 1, "flush acts at once on a waiting change"


def test_while_the_pen_is_down_only_a_pause_settles(qtbot):
    """A stroke's 60 Hz pokes never act mid-stroke, however long; the pause after it does."""
    seen = []
    throttle = Throttle(lambda: seen.append(time.perf_counter()), quiet_ms=120, max_wait_ms=200)
    throttle.wait_for_pause(True)
    for _ in range(40):  # 640 ms: three times the longest wait of other bursts
        throttle.poke()
        qtbot.wait(16)
    assert seen == [], "no panel redraw while the pen moves"
    throttle.wait_for_pause(False)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)

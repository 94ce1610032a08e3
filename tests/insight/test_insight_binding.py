"""InsightPanels computes the analyses for an input and pushes them to the seven panels."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, Signal

from capsviz.analysis.export import load_state
from capsviz.analysis.figure4 import figure4
from capsviz.analysis.inference import infer
from capsviz.analysis.where import where_analysis
from capsviz.analysis.why import why_analysis
from capsviz.app.insight.panels import InsightPanels, build_insight_panels
from capsviz.app.panel_ids import INSIGHT_PANEL_IDS

SURVEY = 30


@pytest.fixture(scope="module")
def insight(qapp, pretrained, mnist_test, tmp_path_factory):
    """One set of panels for the module (building and filling them is the slow part)."""
    panels = InsightPanels(
        pretrained,
        test_set=(mnist_test[0][:SURVEY], mnist_test[1][:SURVEY]),
        cache_folder=tmp_path_factory.mktemp("insight-cache"),
        synchronous=True,
    )
    yield panels
    panels.shutdown()
    for _, widget in panels.panels:
        widget.close()
        widget.deleteLater()


def test_update_feeds_every_panel(insight, pretrained, digit_image, routed_digit):
    insight.update(image=digit_image, iteration=1, note="test digit #0")
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
    insight.update(image=digit_image)
    offsets = np.zeros(16, np.float32)
    offsets[4] = 0.2
    insight.set_pose_offsets(offsets)
    pose = routed_digit[1].poses[0, 7].numpy() + offsets
    np.testing.assert_allclose(insight.what.dimensions.current_values(), pose, atol=1e-6)
    np.testing.assert_allclose(insight.counterfactuals.result.pose, pose, atol=1e-6)
    insight.set_digit(3)
    assert insight.what.digit == 3 and insight.where.digit_box.currentIndex() == 3
    insight.set_iteration(0)
    np.testing.assert_allclose(insight.where.grid_item.image, 0.1, rtol=1e-6)


def test_panel_choices_are_passed_on(insight, qtbot, digit_image):
    insight.update(image=digit_image)
    with qtbot.waitSignal(insight.digitRequested) as digit:
        insight.why.digit_box.setCurrentIndex(4)
    assert digit.args == [4] and insight.digit == 4
    with qtbot.waitSignal(insight.iterationRequested) as iteration:
        insight.where.iteration_slider.setValue(0)
    assert iteration.args == [0]
    with qtbot.waitSignal(insight.sampleRequested) as sample:
        insight.gallery.digitRequested.emit(12)
    assert sample.args == [12]


def test_keep_restore_and_export(insight, qtbot, digit_image, mnist_test, tmp_path):
    insight.update(image=digit_image, note="first")
    insight.keep_current()
    second = mnist_test[0][1].astype(np.float32) / 255
    insight.update(image=second, note="second")
    entry = insight.history[0]
    with qtbot.waitSignal(insight.imageRequested) as requested:
        insight.compare.restoreRequested.emit(entry)
    np.testing.assert_array_equal(requested.args[0], digit_image)
    assert len(insight.history) == 2 and insight.compare.strip.count() == 2
    np.testing.assert_array_equal(insight.image, digit_image)
    state = load_state(insight.export_json(tmp_path / "state.json"))
    assert state.prediction == 7 and state.metadata == {"source": "first"}
    insight.compare.exportPngRequested.emit(str(tmp_path / "all.png"))
    with Image.open(tmp_path / "all.png") as sheet:
        assert sheet.width > 800 and sheet.height > 1000
    assert "saved all.png" in insight.compare.status.text()
    (tmp_path / "blocked").write_text("a file where a folder should be")
    insight.compare.exportJsonRequested.emit(str(tmp_path / "blocked" / "s.json"))
    assert "could not save" in insight.compare.status.text()


class FakeState(QObject):
    """The part of the app's state the insight panels follow."""

    inputChanged = Signal()
    outputsChanged = Signal()
    routingIterationChanged = Signal()
    selectedCapsuleChanged = Signal()
    poseOffsetsChanged = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.input_image, self.outputs, self.routing_iteration = None, None, 0
        self.selected_capsule, self.pose_offsets = None, np.zeros(16, np.float32)


class FakeOutputs:
    iterations = 3


def test_follows_an_app_state(insight, digit_image):
    state = FakeState()
    insight.bind_state(state)
    assert insight.trace is None
    state.input_image, state.outputs = digit_image, FakeOutputs()
    state.outputsChanged.emit()
    assert insight.digit == 7
    state.selected_capsule = 2
    state.selectedCapsuleChanged.emit()
    assert insight.what.digit == 2
    state.routing_iteration = 0
    state.routingIterationChanged.emit()
    assert insight.where.iteration_slider.value() == 0
    state.pose_offsets = np.full(16, 0.1, np.float32)
    state.poseOffsetsChanged.emit()
    np.testing.assert_allclose(insight.pose(), insight.trace.poses[0, -1, 2].numpy() + 0.1, atol=1e-6)
    state.outputs = None
    state.outputsChanged.emit()
    assert insight.trace is None and insight.where.grid_item.image is None
    assert insight.counterfactuals.result is None


def test_background_mode_catches_up_when_a_panel_is_shown(qtbot, pretrained, digit_image, tmp_path):
    insight = InsightPanels(
        pretrained, cache_folder=tmp_path, test_set=(np.zeros((0, 28, 28), np.uint8), np.zeros(0))
    )
    for _, widget in insight.panels:
        qtbot.addWidget(widget)
    insight.update(image=digit_image)
    qtbot.wait(300)
    assert insight.trace is None, "with every panel hidden the network is left to the live view"
    assert insight.why.histogram_curves == [], "hidden panels wait until they are shown"
    insight.counterfactuals.show()
    qtbot.waitUntil(lambda: insight.trace is not None, timeout=20_000)
    qtbot.waitUntil(lambda: insight.counterfactuals.shown_lengths is not None, timeout=20_000)
    trace, _ = infer(pretrained, digit_image)
    np.testing.assert_allclose(insight.lengths, trace.lengths[0, -1].numpy(), atol=1e-6)
    insight.shutdown()


def test_build_insight_panels_returns_the_registered_panels(qtbot, pretrained):
    panels = build_insight_panels(pretrained)
    for _, widget in panels:
        qtbot.addWidget(widget)
    assert [panel_id for panel_id, _ in panels] == list(INSIGHT_PANEL_IDS)
    assert INSIGHT_PANEL_IDS == (
        "where",
        "why",
        "what",
        "counterfactuals",
        "invariance",
        "compare",
        "gallery",
    )
    assert all(widget.toolTip() for _, widget in panels)


def test_without_a_model_the_panels_stay_empty_until_one_is_set(qtbot, pretrained, digit_image, tmp_path):
    insight = InsightPanels(
        None, cache_folder=tmp_path, synchronous=True, test_set=(np.zeros((0, 28, 28)), np.zeros(0))
    )
    for _, widget in insight.panels:
        qtbot.addWidget(widget)
    insight.update(image=digit_image)
    assert insight.trace is None and insight.where.grid_item.image is None
    insight.start_survey()
    assert insight.survey is None
    insight.set_model(pretrained)
    assert insight.digit == 7 and insight.where.grid_item.image is not None


def test_a_stroke_reaches_the_panels_when_it_pauses_newest_last(qtbot, pretrained, digit_image, tmp_path):
    """A 60 Hz burst of inputs: a few panel updates while it lasts, then the newest one once it pauses."""
    from capsviz.app.insight.state_binding import PANEL_MAX_WAIT_MS, PANEL_QUIET_MS

    background = InsightPanels(
        pretrained, cache_folder=tmp_path, test_set=(np.zeros((0, 28, 28), np.uint8), np.zeros(0))
    )
    for _, widget in background.panels:
        qtbot.addWidget(widget)
    seen = []
    background.update = lambda **kwargs: seen.append(kwargs["image"])
    state = FakeState()
    background.bind_state(state)
    seen.clear()
    start = time.perf_counter()
    for k in range(60):
        state.input_image, state.outputs = digit_image * (k + 1) / 60, FakeOutputs()
        state.inputChanged.emit()
        state.outputsChanged.emit()
        qtbot.wait(16)
    during = len(seen)
    elapsed_ms = (time.perf_counter() - start) * 1000
    assert 1 <= during <= elapsed_ms / PANEL_MAX_WAIT_MS + 1  # the long stroke still refreshes now and then
    qtbot.waitUntil(lambda: len(seen) == during + 1, timeout=5 * PANEL_QUIET_MS)
    np.testing.assert_allclose(seen[-1], digit_image, atol=1e-6)  # the newest input: 60/60
    qtbot.wait(2 * PANEL_QUIET_MS)
    assert len(seen) == during + 1
    background.shutdown()

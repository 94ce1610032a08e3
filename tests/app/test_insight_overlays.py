"""The overlays presenter against stand-in views: what it hands the sliders, the input and the canvas."""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np

from capsviz.analysis.live import InferenceRequest, answer
from capsviz.app.insight_overlays import InsightOverlays
from capsviz.app.state import AppState, paper_ranges
from capsviz.app.views.canvas import DrawingCanvas
from capsviz.app.views.network_input import NetworkInputView
from capsviz.app.views.poses import PoseSliders
from tests.app.test_slider_insight import synthetic_labels, synthetic_stats


def presenter(pretrained, image, where: bool):
    state = AppState()
    poses = MagicMock(spec=PoseSliders)
    poses.range_source.return_value = "data"
    network_input = MagicMock(spec=NetworkInputView)
    network_input.where_toggle = MagicMock()
    network_input.where_toggle.isChecked.return_value = where
    canvas = MagicMock(spec=DrawingCanvas)
    overlays = InsightOverlays(state, poses, network_input, None, canvas)
    result = answer(pretrained, InferenceRequest(image, 3, origin="sample"))
    state.set_input(result.stages)
    state.set_outputs(result.outputs)
    state.set_routing_iteration(result.outputs.iterations - 1)
    return state, poses, network_input, canvas, overlays


def test_before_the_survey_sliders_get_no_distributions_and_the_paper_ranges(pretrained, mnist_test):
    state, poses, _, _, _ = presenter(pretrained, mnist_test[0][0], where=False)
    poses.show_distributions.assert_called_with(None)
    poses.show_labels.assert_called_with(None)
    np.testing.assert_array_equal(state.pose_ranges, paper_ranges())


def test_the_survey_brings_distributions_labels_and_data_ranges_of_the_steered_one(pretrained, mnist_test):
    state, poses, _, _, _ = presenter(pretrained, mnist_test[0][0], where=False)
    stats = synthetic_stats()
    state.set_dimension_survey(stats, synthetic_labels())
    densities = poses.show_distributions.call_args[0][0]
    assert len(densities) == 16
    labels = poses.show_labels.call_args[0][0]
    assert len(labels) == 16 and labels[0][0] == synthetic_labels().label(7, 0)
    pose = state.outputs.poses[7]
    reach = np.array([stats.slider_range(7, d, float(pose[d])) for d in range(16)], np.float32)
    np.testing.assert_allclose(state.pose_ranges[:, 0], np.minimum(reach[:, 0], 0.0))  # a range holds 0
    np.testing.assert_allclose(state.pose_ranges[:, 1], np.maximum(reach[:, 1], 0.0))
    state.set_dimension_survey(None, None)  # another model: its survey is yet to come
    poses.show_distributions.assert_called_with(None)
    np.testing.assert_array_equal(state.pose_ranges, paper_ranges())


def test_the_where_tint_follows_the_toggle_and_lies_over_the_input_and_the_drawing(pretrained, mnist_test):
    _, _, network_input, canvas, _ = presenter(pretrained, mnist_test[0][0], where=False)
    network_input.show_overlay.assert_called_with(None)
    canvas.show_overlay.assert_called_with(None)
    state, _, network_input, canvas, _ = presenter(pretrained, mnist_test[0][0], where=True)
    strength, digit, note = network_input.show_overlay.call_args[0]
    assert strength.shape == (28, 28) and digit == 7 and note == " · it. 3/3"
    assert np.nanmin(strength) >= 0.0 and 0.5 < np.nanmax(strength) <= 1.0  # NaN: pixels no window reaches
    tint, field = canvas.show_overlay.call_args[0]
    assert tint is strength and field is not None and len(field) == 4
    state.set_routing_iteration(0)
    assert network_input.show_overlay.call_args[0][2] == " · it. 1/3"

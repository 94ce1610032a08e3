"""The Invariance panel turns slider moves into transforms and draws the core's report."""

from __future__ import annotations

import numpy as np
import pytest

from capsviz.analysis.invariance import Transform, invariance_report, invariance_sweep
from capsviz.app.insight.invariance_panel import InvariancePanel, sweep_values


def test_sliders_emit_the_transform(shown, qtbot):
    panel = shown(InvariancePanel())
    with (
        qtbot.waitSignal(panel.parameterChanged) as changed,
        qtbot.waitSignal(panel.transformChanged) as moved,
    ):
        panel.sliders["shear"].setValue(10)
    assert changed.args == ["shear"] and panel.parameter == "shear"
    assert moved.args[0] == Transform(shear=pytest.approx(0.2))
    panel.sliders["rotation"].setValue(-30)
    assert panel.transform().rotation == -30 and panel.value_labels["rotation"].text() == "-30°"
    with qtbot.waitSignal(panel.transformChanged) as reset:
        panel.reset_button.click()
    assert reset.args[0] == Transform()
    panel.set_transform(Transform(scale=1.2))
    assert panel.sliders["scale"].value() == 60 and panel.value_labels["scale"].text() == "×1.20"


def test_report_and_sweep_are_drawn(shown, pretrained, digit_image):
    panel = shown(InvariancePanel(), (1000, 560))
    transform = Transform(rotation=20)
    report = invariance_report(pretrained, digit_image, transform)
    sweep = invariance_sweep(pretrained, digit_image, transform, "rotation", sweep_values("rotation", 7))
    panel.set_transform(transform)
    panel.show_report(report)
    panel.show_sweep(sweep)
    np.testing.assert_array_equal(panel.moved_item.image, report.moved)
    np.testing.assert_array_equal(panel.original_item.image, digit_image)
    np.testing.assert_allclose(panel.length_bars.heights(1), report.lengths)
    np.testing.assert_allclose(panel.length_bars.heights(0), report.original_lengths)
    np.testing.assert_allclose(panel.pose_bars.heights(1), report.poses[report.original_prediction])
    np.testing.assert_allclose(panel.sweep_curves[7].getData()[1], sweep.lengths[:, 7])
    assert panel.sweep_marker.value() == pytest.approx(20)
    assert ("kept" if report.identity_kept else "lost") in panel.verdict.text()


def test_the_cnn_is_drawn_dashed_beside_the_capsules_over_the_same_range(shown, pretrained, digit_image):
    import torch

    from capsviz.model.baseline import BaselineCNN

    torch.manual_seed(0)
    panel = shown(InvariancePanel())
    values = sweep_values("rotation")
    sweep = invariance_sweep(pretrained, digit_image, Transform(), "rotation", values, BaselineCNN().eval())
    panel.show_sweep(sweep)
    xs, ys = panel.cnn_curve.getData()
    np.testing.assert_allclose(xs, values)
    np.testing.assert_allclose(ys, sweep.cnn[:, 7], atol=1e-6)  # the 7's probability, like its bold curve
    assert "CNN dashed" in panel.sweep_plot.titleLabel.text
    panel.show_sweep(invariance_sweep(pretrained, digit_image, Transform(), "rotation", values))
    assert panel.cnn_curve.getData()[0] is None or len(panel.cnn_curve.getData()[0]) == 0

"""Test-set distributions and auto-labels on the main window's pose sliders."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import DimensionStats
from capsviz.analysis.properties import PROPERTIES
from capsviz.app.views.distribution import DimensionStrip
from tests.app.app_helpers import WAIT_MS

BINS = 12


def synthetic_stats() -> DimensionStats:
    """Every (digit, dim) gets its own mean and a bell-shaped histogram."""
    mean = (np.arange(10)[:, None] * 0.01 + np.arange(16)[None, :] * 0.002).astype(np.float32)
    std = np.full((10, 16), 0.05, np.float32)
    edges = mean[..., None] + np.linspace(-3, 3, BINS + 1)[None, None] * std[..., None]
    bell = np.round(100 * np.exp(-(np.linspace(-2.75, 2.75, BINS) ** 2) / 2)).astype(np.int64)
    counts = np.broadcast_to(bell, (10, 16, BINS)).copy()
    counts[:, :, 0] = np.arange(10)[:, None] + 1  # makes each digit's density distinguishable
    return DimensionStats(mean, std, counts, edges.astype(np.float32), np.full(10, 100))


def synthetic_labels() -> DimensionLabels:
    names = np.array([[PROPERTIES[(d + j) % len(PROPERTIES)] for d in range(16)] for j in range(10)])
    names[:, 2] = ""
    correlation = np.full((10, 16, len(PROPERTIES)), 0.9)
    return DimensionLabels(names, correlation, np.ones_like(correlation))


@pytest.fixture
def shown(window, qtbot):
    window.controller.show_sample(0)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    return window


def strip(window, dim: int) -> DimensionStrip:
    return window.findChild(DimensionStrip, f"poseDistribution{dim}")


def test_nothing_extra_before_the_survey(shown):
    label = shown.findChild(QLabel, "poseLabel0")
    assert not label.isVisible()
    assert strip(shown, 0).density() is None


def test_labels_and_distributions_follow_the_steered_capsule(shown, qtbot):
    stats, labels = synthetic_stats(), synthetic_labels()
    shown.state.set_dimension_survey(stats, labels)
    digit = shown.state.steered_capsule
    for dim in (0, 5, 15):
        label = shown.findChild(QLabel, f"poseLabel{dim}")
        assert label.isVisible()
        assert labels.label(digit, dim) in label.toolTip()
        assert label.text().startswith(f"d{dim} ≈")
        centres, density = strip(shown, dim).density()
        np.testing.assert_allclose(density, stats.density(digit, dim)[1])
        np.testing.assert_allclose(centres, stats.density(digit, dim)[0], rtol=1e-6)
    assert shown.findChild(QLabel, "poseLabel2").text() == "d2"
    other = (digit + 1) % 10
    qtbot.mouseClick(shown.pose_sliders.capsule_buttons[other], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown.state.steered_capsule == other, timeout=WAIT_MS)
    np.testing.assert_allclose(strip(shown, 3).density()[1], stats.density(other, 3)[1])
    assert labels.label(other, 3) in shown.findChild(QLabel, "poseLabel3").toolTip()


def test_moving_a_slider_moves_its_marker(shown, qtbot):
    shown.state.set_dimension_survey(synthetic_stats(), None)
    digit = shown.state.steered_capsule
    pose = float(shown.state.outputs.poses[digit, 4])
    bar = strip(shown, 4)
    assert bar.marker() == pytest.approx(pose)
    before = bar.x_of(bar.marker())
    slider = shown.findChild(QSlider, "poseSlider4")
    slider.setFocus()
    for _ in range(2):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert bar.marker() == pytest.approx(pose + 0.10, abs=1e-6)
    assert bar.x_of(bar.marker()) > before


def test_data_ranges_wait_for_the_survey(shown):
    choice = shown.pose_sliders.range_choice
    assert choice.currentData() == "paper"
    assert not choice.model().item(1).isEnabled()
    slider = shown.findChild(QSlider, "poseSlider0")
    assert (slider.minimum(), slider.maximum()) == (-25, 25)


def test_switching_to_data_ranges_makes_each_slider_span_mean_plus_minus_2_sigma(shown, qtbot):
    stats = synthetic_stats()
    shown.state.set_dimension_survey(stats, None)
    choice = shown.pose_sliders.range_choice
    assert choice.model().item(1).isEnabled()
    slider = shown.findChild(QSlider, "poseSlider6")
    slider.setFocus()
    for _ in range(5):
        qtbot.keyClick(slider, Qt.Key.Key_Right)  # +0.25, the paper's end
    assert shown.state.pose_offsets[6] == pytest.approx(0.25)

    choice.setCurrentIndex(choice.findData("data"))
    digit = shown.state.steered_capsule
    poses = shown.state.outputs.poses[digit]
    for dim in (0, 6, 15):
        low, high = stats.slider_range(digit, dim, float(poses[dim]))
        low, high = min(low, 0.0), max(high, 0.0)
        bar, slider = strip(shown, dim), shown.findChild(QSlider, f"poseSlider{dim}")
        assert slider.minimum() == round(low * 100) and slider.maximum() == round(high * 100)
        # the slider's two ends sit on the drawn mean ± 2σ band (or on the pose, if it lies outside)
        band_low = min(stats.low[digit, dim], poses[dim])
        band_high = max(stats.high[digit, dim], poses[dim])
        assert bar.x_of(band_low) == pytest.approx(bar.x_of(poses[dim] + slider.minimum() / 100), abs=3)
        assert bar.x_of(band_high) == pytest.approx(bar.x_of(poses[dim] + slider.maximum() / 100), abs=3)
        assert f"{high:+.2f}".replace("-", "−") in slider.toolTip()
    reach = max(stats.slider_range(digit, 6, float(poses[6])))
    assert shown.state.pose_offsets[6] == pytest.approx(min(0.25, max(reach, 0.0)))

    slider = shown.findChild(QSlider, "poseSlider3")
    slider.setFocus()
    for _ in range(12):
        qtbot.keyClick(slider, Qt.Key.Key_Right)  # past the end: the slider stops there
    top = stats.high[digit, 3] - poses[3]
    assert shown.state.pose_offsets[3] == pytest.approx(max(top, 0.0), abs=0.006)

    choice.setCurrentIndex(choice.findData("paper"))
    assert (slider.minimum(), slider.maximum()) == (-25, 25)
    assert np.all(np.abs(shown.state.pose_offsets) <= 0.25 + 1e-6)


def test_a_new_model_falls_back_to_the_paper_ranges(shown, pretrained, qtbot):
    shown.state.set_dimension_survey(synthetic_stats(), None)
    choice = shown.pose_sliders.range_choice
    choice.setCurrentIndex(choice.findData("data"))
    shown.controller.set_model(pretrained, "another.safetensors")  # its survey is not the old one's
    assert shown.state.dimension_stats is None
    assert choice.currentData() == "paper"
    assert not choice.model().item(1).isEnabled()
    np.testing.assert_allclose(shown.state.pose_ranges, np.tile([-0.25, 0.25], (16, 1)))


def test_labels_fit_beside_their_sliders(shown):
    """Long property names get their short form in the row; the tooltip keeps the full name."""
    shown.state.set_dimension_survey(synthetic_stats(), synthetic_labels())
    for dim in range(16):
        label = shown.findChild(QLabel, f"poseLabel{dim}")
        assert "…" not in label.text(), label.text()
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    digit = shown.state.steered_capsule
    names = synthetic_labels()
    dim = next(d for d in range(16) if "height/width" in names.label(digit, d))
    label = shown.findChild(QLabel, f"poseLabel{dim}")
    assert label.text() == f"d{dim} ≈ h : w" and "height/width" in label.toolTip()


def test_the_density_is_drawn_where_the_slider_scale_puts_it(qtbot):
    """The density's first and last bins sit at the pose values' slider positions, whatever the span."""
    bar = DimensionStrip()
    qtbot.addWidget(bar)
    bar.resize(200, 30)
    bar.show_distribution(np.array([-0.1, 0.0, 0.1]), np.array([1.0, 1.0, 1.0]), (-1.0, 1.0))
    for low, high in ((-0.25, 0.25), (-0.15, 0.35)):
        bar.show_span(low, high, None)
        image = bar.grab().toImage()
        row, background = image.height() - 4, image.pixelColor(0, image.height() - 4)
        filled = [x for x in range(image.width()) if image.pixelColor(x, row) != background]
        assert abs(min(filled) - bar.x_of(-0.1)) <= 2 and abs(max(filled) - bar.x_of(0.1)) <= 2

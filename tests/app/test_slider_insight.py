"""Test-set distributions and auto-labels on the main window's pose sliders."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider

from capsviz.analysis.autolabel import DimensionLabels
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
    shown.insight_overlays.set_stats(stats)
    shown.insight_overlays.set_labels(labels)
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
    shown.insight_overlays.set_stats(synthetic_stats())
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

"""The network overview: every stage of a known input, checked against the paper's equations, and clicked."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from capsviz.analysis.overview import direction_angles, network_stages
from capsviz.app.insight.overview_views import above_uniform, tile_mosaic
from tests.app.app_helpers import SEVEN, WAIT_MS, draw_stroke


def squash(s: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(s, axis=-1, keepdims=True)
    return norm**2 / (1 + norm**2) * s / np.maximum(norm, 1e-9)


def test_the_stages_of_a_seven_follow_the_papers_equations(pretrained, digit_image, routed_digit):
    trace, _ = routed_digit
    stages = network_stages(pretrained, digit_image, trace)
    weight = pretrained.conv1.weight.detach().numpy()[:, 0]
    bias = pretrained.conv1.bias.detach().numpy()
    channel = stages.strongest_map
    row, col = np.unravel_index(stages.conv1[channel].argmax(), (20, 20))
    patch = digit_image[row : row + 9, col : col + 9]
    assert stages.conv1[channel, row, col] == pytest.approx(
        max(0.0, (patch * weight[channel]).sum() + bias[channel]), abs=1e-4
    )
    assert stages.conv1.shape == (256, 20, 20) and stages.conv1.min() >= 0
    primary = trace.primary[0].numpy()
    np.testing.assert_allclose(stages.primary_lengths.reshape(-1), np.linalg.norm(primary, axis=1), rtol=1e-5)
    votes = trace.votes[0].numpy()  # [1152, 10, 16]
    uniform = np.linalg.norm(squash((0.1 * votes).sum(axis=0)), axis=-1)  # every c_ij = 1/10
    np.testing.assert_allclose(stages.uniform_lengths, uniform, atol=1e-4)
    assert stages.winner == 7 and stages.lengths[7] > stages.uniform_lengths[7], "routing sharpens the 7"
    np.testing.assert_allclose(stages.coupling.reshape(-1), trace.coupling[0, -1, :, 7].numpy(), rtol=1e-5)
    assert stages.strongest_map == int(stages.conv1.sum(axis=(1, 2)).argmax())
    assert stages.reconstruction.shape == (28, 28)


def test_capsules_pointing_alike_get_alike_angles():
    rng = np.random.default_rng(0)
    axis = rng.normal(size=8)
    primary = np.vstack([axis, 2 * axis, -axis, rng.normal(size=(20, 8))])
    angles = direction_angles(primary)
    assert angles[0] == pytest.approx(angles[1], abs=1e-5)
    assert abs(np.angle(np.exp(1j * (angles[0] - angles[2])))) == pytest.approx(np.pi, abs=1e-4)


def test_pictures_tile_and_coupling_starts_at_uniform():
    tiles = np.arange(6, dtype=np.float32).reshape(6, 1, 1) / 5
    mosaic = tile_mosaic(tiles, columns=4, gap=1)
    assert mosaic.shape == (3, 7) and mosaic[0, 0] == 0 and mosaic[2, 2] == pytest.approx(1.0)
    np.testing.assert_allclose(above_uniform(np.array([0.05, 0.1, 0.3, 0.5])), [0, 0, 0.5, 1], atol=1e-6)


def test_the_overview_shows_a_seven_stage_by_stage_and_opens_the_detailed_panels(full_window, qtbot):
    window = full_window
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.controller.answered and window.state.outputs is not None, timeout=WAIT_MS)
    window.controller.settle_now()
    assert window.show_panel("overview")
    panel = window.overview.panel
    qtbot.waitUntil(lambda: window.overview.stages is not None, timeout=WAIT_MS)
    shapes = {key: card.shape.text() for key, card in panel.cards.items()}
    assert shapes["input"] == "1 × 28 × 28" and shapes["conv1"] == "256 × 20 × 20"
    assert shapes["primary"] == "32 × 6 × 6 capsules of 8 (1152)"
    assert "winner 7" in shapes["digitcaps"] and "r = 3" in shapes["routing"]
    strongest = window.overview.stages.strongest_map
    assert panel.detail_title.text() == f"Conv1 map {strongest} (the strongest for this input)"
    for card in panel.cards.values():
        assert card.toolTip(), card.stage.key

    x, y = panel.conv1.tile_centre(3)
    QTest.mouseClick(panel.conv1, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert panel.detail_title.text() == "Conv1 map 3"
    kernel = window.controller.model.conv1.weight[3, 0].detach().float().numpy()
    shown = panel.kernel.array()
    np.testing.assert_allclose(shown, 0.5 + 0.5 * kernel / np.abs(kernel).max(), atol=1e-6)

    card = panel.cards["routing"]
    QTest.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert window.insight_tabs.currentWidget() is window.panel_pages["routing"]
    window.show_panel("overview")
    QTest.mouseClick(panel.cards["primary"], Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert window.insight_tabs.currentWidget() is window.panel_pages["where"]


def test_the_overview_follows_a_drawing(full_window, qtbot):
    window = full_window
    window.show_panel("overview")
    draw_stroke(window.canvas, [(0.5, 0.15), (0.5, 0.85)])  # a 1
    qtbot.waitUntil(lambda: window.overview.stages is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.overview.stages.winner == 1, timeout=WAIT_MS)
    assert "winner 1" in window.overview.panel.cards["digitcaps"].shape.text()
    np.testing.assert_allclose(window.overview.panel.input.array(), window.state.settled.image)

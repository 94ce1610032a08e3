"""The CNN baseline's probabilities beside the capsule lengths, switched on and off by a person."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from capsviz.app.comparison import cnn_probabilities
from capsviz.model.baseline import BaselineCNN
from capsviz.model.weights import WeightsError
from tests.app.app_helpers import SEVEN, WAIT_MS, all_answered


@pytest.fixture
def cnn() -> BaselineCNN:
    torch.manual_seed(0)
    return BaselineCNN().eval()


def test_the_toggle_draws_the_cnn_beside_the_lengths_and_says_whether_it_agrees(
    qtbot, pretrained, cnn, monkeypatch
):
    from capsviz.app import create_window

    monkeypatch.setattr("capsviz.app.assembly.load_baseline", lambda: cnn)
    window = create_window(model=pretrained, insight=False)
    qtbot.addWidget(window)
    window.show()
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.state.sample is not None and all_answered(window), timeout=WAIT_MS)
    toggle, plot = window.findChild(QCheckBox, "cnnToggle"), window.length_plot
    assert toggle.isEnabled() and not toggle.isChecked() and plot.comparison() is None
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    expected = cnn_probabilities(cnn, window.state.input_image)
    np.testing.assert_allclose(plot.comparison(), expected, atol=1e-6)
    assert expected.sum() == pytest.approx(1.0, abs=1e-5) and plot.cnn_bars.isVisible()
    guess = int(np.argmax(expected))
    verdict = "agrees" if guess == 7 else f"says {guess}"
    assert plot.comparison_caption() == f"CNN {verdict} (p = {expected[guess]:.2f})"
    window.controller.next_sample()  # the comparison follows every new input
    qtbot.waitUntil(lambda: window.state.sample.index == 1 and all_answered(window), timeout=WAIT_MS)
    np.testing.assert_allclose(plot.comparison(), cnn_probabilities(cnn, window.state.input_image), atol=1e-6)
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert plot.comparison() is None and not plot.cnn_bars.isVisible() and plot.comparison_caption() == ""
    window.close()


def test_without_a_baseline_the_toggle_says_why(qtbot, pretrained, monkeypatch):
    from capsviz.app import create_window

    def missing():
        raise WeightsError("no shipped CNN baseline at x; train one with: python train_model.py --arch cnn")

    monkeypatch.setattr("capsviz.app.assembly.load_baseline", missing)
    window = create_window(model=pretrained, insight=False)
    qtbot.addWidget(window)
    toggle = window.findChild(QCheckBox, "cnnToggle")
    assert not toggle.isEnabled() and "train_model.py --arch cnn" in toggle.toolTip()
    window.close()

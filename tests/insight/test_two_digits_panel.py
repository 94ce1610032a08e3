"""The Two digits panel: Figure 5 of the paper for whatever is on the canvas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis.two_digits import read_two
from capsviz.app.insight.two_digits_panel import TwoDigitsPanel
from capsviz.data import multimnist as mm
from capsviz.model.capsnet import CapsNet
from tests.app.app_helpers import WAIT_MS, all_answered


def pair_of(mnist_test, index: int = 3) -> np.ndarray:
    images, labels = mnist_test
    pairs = mm.test_pairs(
        torch.from_numpy(images[:40].copy()), torch.as_tensor(labels[:40]).long(), index + 1
    )
    return (pairs.images[index, 0].numpy() * 255).astype(np.uint8)


def test_the_panel_draws_both_digits_their_lengths_and_the_coupling(shown, mnist_test):
    torch.manual_seed(1)
    result = read_two(CapsNet(input_size=36).eval(), pair_of(mnist_test))
    panel = shown(TwoDigitsPanel())
    panel.show_result(result)
    assert panel.pair_item.image.shape == (36, 36, 3)
    np.testing.assert_allclose(panel.bars.opts["height"], result.lengths)
    first, second = result.winners
    assert f">{first}</b>" in panel.summary.text() and f">{second}</b>" in panel.summary.text()
    assert panel.iteration.maximum() == 2 and panel.iteration_label.text() == "3 of 3"
    panel.iteration.setValue(0)
    np.testing.assert_allclose(panel.coupling_items[0].image, 0.1, atol=1e-6)
    panel.show_message("No two-digit (MultiMNIST) model")
    assert panel.pair_item.image is None and "No two-digit" in panel.summary.text()


def test_the_window_reads_a_pasted_pair_with_the_two_digit_model(qtbot, two_digit_window, mnist_test):
    window = two_digit_window
    window.show()
    assert window.show_panel("two-digits")
    picture = pair_of(mnist_test)
    window.controller.show_array(picture)
    qtbot.waitUntil(
        lambda: all_answered(window) and window.insight.two_digits.result is not None, timeout=WAIT_MS
    )
    assert window.insight.two_digits.result.winners == read_two(window.two_digit_model, picture).winners
    window.close()


def test_the_sliders_steer_either_winner_and_only_its_picture_changes(qtbot, two_digit_window, mnist_test):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = two_digit_window
    window.show()
    window.show_panel("two-digits")
    panel = window.insight.two_digits
    window.controller.show_array(pair_of(mnist_test))
    qtbot.waitUntil(lambda: all_answered(window) and panel.result is not None, timeout=WAIT_MS)
    first, _ = panel.result.winners
    assert panel.steer_buttons.button(0).text() == str(first) and panel.steered == 0
    before = panel.pair_item.image.astype(int)
    panel.sliders[4].setValue(20)  # +0.20 on dimension 4 of the longer winner
    red_changed = np.abs(panel.pair_item.image[..., 0].astype(int) - before[..., 0]).max()
    assert red_changed > 0
    QTest.mouseClick(panel.steer_buttons.button(1), Qt.MouseButton.LeftButton)
    assert panel.steered == 1
    steered = panel.pair_item.image.astype(int)
    np.testing.assert_array_equal(steered[..., 0], before[..., 0], "the first winner is back as read")
    assert np.abs(steered[..., 1] - before[..., 1]).max() > 0, "now the second one moves"
    panel.reset_offsets()
    np.testing.assert_array_equal(panel.pair_item.image, before.astype(np.uint8))
    window.close()


def test_a_second_digit_is_drawn_over_a_test_digit_slid_into_place(qtbot, two_digit_window, mnist_test):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QPushButton

    from tests.app.app_helpers import draw_stroke

    window = two_digit_window
    window.show()
    window.show_panel("two-digits")
    panel, canvas = window.insight.two_digits, window.canvas
    panel.under_index.setValue(3)
    QTest.mouseClick(panel.findChild(QPushButton, "underPlace"), Qt.MouseButton.LeftButton)
    assert canvas.has_underlay and canvas.strokes() is None, "a picture now: the strokes alone are not all"
    placed = canvas.pixels().astype(float)
    columns = np.arange(placed.shape[1])
    centre = (placed.sum(axis=0) * columns).sum() / placed.sum()
    panel.under_shift[0].setValue(4)  # slide it 4 MNIST pixels (64 canvas pixels) right
    moved = canvas.pixels().astype(float)
    assert (moved.sum(axis=0) * columns).sum() / moved.sum() == pytest.approx(centre + 64, abs=2)
    draw_stroke(canvas, [(0.2, 0.2), (0.2, 0.8)])  # a 1 drawn beside and over it
    both = canvas.pixels()
    assert both[:, : int(0.25 * 448)].max() == 255 and (both >= canvas.pixels()).all()
    qtbot.waitUntil(lambda: all_answered(window) and panel.result is not None, timeout=WAIT_MS)
    assert window.state.settled is None or window.state.settled.picture is not None
    QTest.mouseClick(panel.findChild(QPushButton, "underRemove"), Qt.MouseButton.LeftButton)
    assert not canvas.has_underlay and canvas.strokes() is not None
    window.canvas.undo()
    assert canvas.has_underlay, "undo brings the test digit back"
    window.close()

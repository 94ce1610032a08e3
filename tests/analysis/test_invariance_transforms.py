"""Affine moves of the input and what they do to the capsules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from capsviz.analysis.invariance import (
    Transform,
    invariance_report,
    invariance_sweep,
    transform_image,
    transform_images,
)
from capsviz.model.baseline import BaselineCNN


def dot(y: int, x: int) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[y, x] = 1.0
    return image


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0:28, 0:28]
    return float((image * ys).sum() / image.sum()), float((image * xs).sum() / image.sum())


def test_identity_returns_the_input(digit):
    image = digit[0]
    np.testing.assert_array_equal(transform_image(image, Transform()), image)
    near = Transform(rotation=1e-9)
    np.testing.assert_allclose(transform_image(image, near), image, atol=1e-5)


def test_shift_moves_right_and_down():
    moved = transform_image(dot(10, 10), Transform(shift_x=3, shift_y=2))
    assert moved[12, 13] == pytest.approx(1.0, abs=1e-5)


def test_rotation_is_counter_clockwise_on_screen():
    moved = transform_image(dot(13, 20), Transform(rotation=90))  # right of the centre (13.5, 13.5)
    y, x = centre_of_mass(moved)
    assert y < 13.5 - 5 and abs(x - 13.5) < 1.0


def test_scale_and_shear():
    _, x = centre_of_mass(transform_image(dot(13, 17), Transform(scale=2.0)))
    assert x == pytest.approx(13.5 + 2 * 3.5, abs=0.6)
    _, x = centre_of_mass(transform_image(dot(6, 13), Transform(shear=0.5)))  # above centre: moves right
    assert x > 13.5 + 2


def test_report_with_identity_keeps_everything(pretrained, digit):
    report = invariance_report(pretrained, digit[0], Transform())
    np.testing.assert_allclose(report.lengths, report.original_lengths, atol=1e-6)
    assert report.identity_kept and np.abs(report.pose_change).max() < 1e-5


def test_report_and_sweep_agree(pretrained, digit):
    base = Transform(scale=1.1)
    report = invariance_report(pretrained, digit[0], base.with_value("rotation", 15))
    sweep = invariance_sweep(pretrained, digit[0], base, "rotation", np.array([-15, 0, 15]))
    assert sweep.lengths.shape == (3, 10)
    np.testing.assert_allclose(sweep.lengths[2], report.lengths, atol=1e-5)
    assert report.prediction == digit[1]
    assert np.abs(report.pose_change).max() > 0


def test_a_sweep_with_a_baseline_scores_the_same_moved_images(pretrained, mnist_test) -> None:
    torch.manual_seed(0)
    cnn = BaselineCNN().eval()
    image = mnist_test[0][0].astype(np.float32) / 255
    values = np.array([-30.0, 0.0, 30.0], np.float32)
    sweep = invariance_sweep(pretrained, image, Transform(), "rotation", values, baseline=cnn)
    moved = transform_images(np.repeat(image[None], 3, axis=0), [Transform(rotation=v) for v in values])
    with torch.no_grad():
        expected = torch.softmax(cnn(torch.from_numpy(moved)[:, None]), dim=1).numpy()
    np.testing.assert_allclose(sweep.cnn, expected, atol=1e-5)
    assert invariance_sweep(pretrained, image, Transform(), "rotation", values).cnn is None

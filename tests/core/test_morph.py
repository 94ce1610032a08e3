"""Morphing between two inputs through their capsules, checked against decoding by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from capsviz.analysis.morph import morph, render_strip
from capsviz.cli import main


def digit(mnist_test, index: int) -> np.ndarray:
    return mnist_test[0][index].astype(np.float32) / 255.0


@torch.no_grad()
def winner(model, image):
    out = model(torch.from_numpy(image)[None, None])
    d = int(out.lengths.argmax())
    return d, out.poses[0, d]


def test_two_classes_hand_the_mass_from_one_capsule_to_the_other(pretrained, mnist_test):
    seven, two = digit(mnist_test, 0), digit(mnist_test, 1)
    result = morph(pretrained, seven, two, steps=5)
    (a, pose_a), (b, pose_b) = winner(pretrained, seven), winner(pretrained, two)
    assert result.digits == (a, b) == (7, 2) and not result.same_class
    with torch.no_grad():
        masked = torch.zeros(1, 10, 16)
        masked[0, a], masked[0, b] = 0.5 * pose_a, 0.5 * pose_b
        middle = pretrained.decoder(masked.view(1, -1)).view(28, 28).numpy()
        ends = [
            pretrained.decode(pose_a[None], a)[0, 0].numpy(),
            pretrained.decode(pose_b[None], b)[0, 0].numpy(),
        ]
        fed_back = pretrained(torch.from_numpy(result.frames)[:, None]).lengths.numpy()
    np.testing.assert_allclose(result.frames[2], middle, atol=1e-5)
    np.testing.assert_allclose(result.frames[0], ends[0], atol=1e-5)
    np.testing.assert_allclose(result.frames[-1], ends[1], atol=1e-5)
    np.testing.assert_allclose(result.lengths, fed_back, atol=1e-5)
    assert result.predictions[0] == 7 and result.predictions[-1] == 2
    np.testing.assert_allclose(result.t, [0, 0.25, 0.5, 0.75, 1])


def test_one_class_moves_the_pose(pretrained, mnist_test):
    first, second = digit(mnist_test, 0), digit(mnist_test, 17)  # two sevens
    result = morph(pretrained, first, second, steps=3)
    (a, pose_a), (_, pose_b) = winner(pretrained, first), winner(pretrained, second)
    assert result.same_class and result.digits == (7, 7)
    with torch.no_grad():
        expected = pretrained.decode(((pose_a + pose_b) / 2)[None], a)[0, 0].numpy()
    np.testing.assert_allclose(result.frames[1], expected, atol=1e-5)
    strip = render_strip(result, title="7 → 7")
    assert strip.width > 3 * 28 * 4 and strip.height > 28 * 4
    with pytest.raises(ValueError, match="at least 2"):
        morph(pretrained, first, second, steps=1)


def test_the_command_writes_the_strip_and_refuses_bad_input_in_one_line(mnist_test, tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(mnist_test[0][0]).save(a)
    Image.fromarray(mnist_test[0][1]).save(b)
    out = tmp_path / "strip.png"
    assert main(["morph", str(a), str(b), "--out", str(out), "--steps", "5"]) == 0
    assert "5 frames from 7 to 2" in capsys.readouterr().out
    with Image.open(out) as picture:
        assert picture.format == "PNG" and picture.width > 5 * 112
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(blank)
    for bad in (
        ["morph", str(a), str(blank), "--out", str(out)],
        ["morph", str(a), str(b), "--out", "x.jpg"],
    ):
        assert main(bad) == 1
        assert len(capsys.readouterr().err.strip().splitlines()) == 1

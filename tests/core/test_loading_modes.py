"""The shipped model loads and answers under inference_mode and no_grad, and after loading other weights."""

from __future__ import annotations

import pytest
import torch

import capsviz


@pytest.fixture(scope="module")
def digit(mnist_test) -> torch.Tensor:
    return torch.from_numpy(mnist_test[0][:3].copy()).float().div(255).unsqueeze(1)


@pytest.mark.parametrize("mode", [torch.inference_mode, torch.no_grad])
def test_loading_inside_a_no_gradient_mode_gives_the_usual_answer(mode, digit, pretrained) -> None:
    with torch.no_grad():
        expected = pretrained(digit).lengths
    with mode():
        model = capsviz.load_pretrained()
        for images in (digit[:1], digit):  # the small-batch matrix path and the convolution path
            assert torch.allclose(model(images).lengths, expected[: len(images)], atol=1e-5)


def test_loading_other_weights_in_place_under_inference_mode_is_seen(digit) -> None:
    with torch.inference_mode():
        model = capsviz.load_pretrained()
        model(digit[:1])  # builds the re-laid-out inference weights
        other = capsviz.CapsNet().eval()
        model.load_state_dict(other.state_dict())
        assert torch.allclose(model(digit[:1]).lengths, other(digit[:1]).lengths, atol=1e-6)

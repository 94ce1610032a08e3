"""Margin loss against hand-computed values, the reconstruction scale, and decoding."""

from __future__ import annotations

import pytest
import torch

from capsviz.model.capsnet import CapsNet
from capsviz.model.losses import (
    AUTHORS_CODE_RECONSTRUCTION_WEIGHT,
    capsule_loss,
    margin_loss,
    reconstruction_loss,
)


def test_margin_loss_matches_hand_computation() -> None:
    lengths = torch.tensor([[0.5, 0.95, 0.05, 0.3, 0, 0, 0, 0, 0, 0.2]])
    label = torch.tensor([0])
    # present: (0.9-0.5)^2 = 0.16; absent: 0.5*((0.95-0.1)^2 + (0.3-0.1)^2 + (0.2-0.1)^2)
    expected = 0.16 + 0.5 * (0.85**2 + 0.2**2 + 0.1**2)
    assert margin_loss(lengths, label).item() == pytest.approx(expected, abs=1e-6)


def test_margin_loss_is_zero_when_confident_and_averages_over_batch() -> None:
    perfect = torch.full((2, 10), 0.05)
    perfect[0, 3] = perfect[1, 7] = 0.95
    assert margin_loss(perfect, torch.tensor([3, 7])).item() == 0.0
    one = torch.zeros(1, 10)
    assert margin_loss(torch.cat([one, perfect[:1]]), torch.tensor([0, 3])).item() == pytest.approx(0.81 / 2)


def test_reconstruction_is_sum_of_squares_with_paper_weight() -> None:
    images = torch.zeros(2, 1, 28, 28)
    recon = torch.full((2, 1, 28, 28), 0.5)
    assert reconstruction_loss(recon, images).item() == pytest.approx(784 * 0.25)
    lengths = torch.full((2, 10), 0.05)
    lengths[:, 0] = 0.95
    total = capsule_loss(lengths, recon, images, torch.tensor([0, 0]))
    assert total.item() == pytest.approx(0.0005 * 784 * 0.25)


def test_decode_places_pose_in_the_chosen_slot() -> None:
    torch.manual_seed(0)
    model = CapsNet().eval()
    pose = torch.randn(1, 16) * 0.3
    masked = torch.zeros(1, 160)
    masked[0, 3 * 16 : 4 * 16] = pose
    with torch.no_grad():
        direct = model.decoder(masked).view(1, 1, 28, 28)
        assert torch.allclose(model.decode(pose, 3), direct)
        both = model.decode(torch.cat([pose, pose]), torch.tensor([3, 5]))
    assert torch.allclose(both[0], direct[0]) and not torch.allclose(both[1], direct[0])


def test_forward_decodes_label_in_training_and_winner_at_inference() -> None:
    torch.manual_seed(0)
    model = CapsNet().eval()
    images = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        out = model(images)
        winner = out.prediction
        expected = model.decode(out.poses[torch.arange(2), winner], winner)
        assert torch.allclose(out.reconstruction, expected, atol=1e-6)
        forced = model(images, labels=torch.tensor([1, 2]))
        expected = model.decode(forced.poses[torch.arange(2), torch.tensor([1, 2])], torch.tensor([1, 2]))
    assert torch.allclose(forced.reconstruction, expected, atol=1e-6)


def test_the_authors_code_weighs_reconstruction_twenty_times_the_papers_text() -> None:
    """Their loss: the margin cost halved and averaged over the ten classes, plus 0.0005 · SSE."""
    torch.manual_seed(3)
    lengths = torch.rand(4, 10)
    labels = torch.tensor([[0, 5], [1, 2], [3, 9], [4, 7]])
    recon, images = torch.rand(4, 2, 1, 36, 36), torch.rand(4, 2, 1, 36, 36)
    present = torch.zeros(4, 10).scatter_(1, labels, 1.0)
    logits = lengths - 0.5
    positive = present * (logits < 0.4) * (logits - 0.4) ** 2
    negative = (1 - present) * (logits > -0.4) * (logits + 0.4) ** 2
    margin = (0.5 * positive + 0.5 * 0.5 * negative).mean()
    # one reconstruction loss per target, each 0.0005 · the batch mean of its summed squared error
    remakes = sum(0.0005 * ((recon[:, k] - images[:, k]) ** 2).flatten(1).sum(1).mean() for k in range(2))
    authors = margin + remakes
    ours = capsule_loss(lengths, recon, images, labels, AUTHORS_CODE_RECONSTRUCTION_WEIGHT)
    assert ours.item() == pytest.approx(20 * authors.item(), rel=1e-5)

"""The paper's losses: margin loss plus a down-weighted reconstruction loss."""

from __future__ import annotations

import torch

M_PLUS = 0.9
M_MINUS = 0.1
LAMBDA_ABSENT = 0.5
RECONSTRUCTION_WEIGHT = 0.0005


def margin_loss(lengths: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L = Σ_k T_k max(0, 0.9 − ‖v_k‖)² + 0.5 (1 − T_k) max(0, ‖v_k‖ − 0.1)², mean over the batch."""
    present = torch.nn.functional.one_hot(labels, lengths.shape[1]).to(lengths.dtype)
    hit = torch.relu(M_PLUS - lengths) ** 2
    miss = torch.relu(lengths - M_MINUS) ** 2
    per_class = present * hit + LAMBDA_ABSENT * (1.0 - present) * miss
    return per_class.sum(dim=1).mean()


def reconstruction_loss(reconstruction: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Sum of squared errors over the 784 pixels, mean over the batch (unweighted)."""
    diff = (reconstruction - images).flatten(1)
    return (diff * diff).sum(dim=1).mean()


def capsule_loss(
    lengths: torch.Tensor,
    reconstruction: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
) -> torch.Tensor:
    """Total training loss: margin + 0.0005 · SSE, the paper's scale.

    Using the *mean* squared error here instead (as some tutorials do) weakens
    the decoder ~800×, and the pose sliders then decode mush.
    """
    return margin_loss(lengths, labels) + RECONSTRUCTION_WEIGHT * reconstruction_loss(reconstruction, images)

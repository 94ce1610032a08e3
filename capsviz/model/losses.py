"""The paper's losses: margin loss plus a down-weighted reconstruction loss."""

from __future__ import annotations

import torch

M_PLUS = 0.9
M_MINUS = 0.1
LAMBDA_ABSENT = 0.5
RECONSTRUCTION_WEIGHT = 0.0005
# The authors' code averages the margin loss over the ten classes and halves it, and keeps 0.0005 on the
# summed squared error: against the summed margin loss of the paper's text that is 20× as much.
AUTHORS_CODE_RECONSTRUCTION_WEIGHT = 0.01


def present_classes(labels: torch.Tensor, classes: int) -> torch.Tensor:
    """T_k: ``[B, classes]``, 1 for each class present; ``labels`` ``[B]`` or ``[B, K]`` (K digits each)."""
    hot = torch.nn.functional.one_hot(labels, classes)
    return (hot if labels.dim() == 1 else hot.amax(dim=1)).float()


def margin_loss(lengths: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L = Σ_k T_k max(0, 0.9 − ‖v_k‖)² + 0.5 (1 − T_k) max(0, ‖v_k‖ − 0.1)², mean over the batch.

    ``labels`` ``[B]`` or, with several digits in each image, ``[B, K]``: every
    present class is held to the upper margin, as the paper trained MultiMNIST.
    """
    present = present_classes(labels, lengths.shape[1]).to(lengths.dtype)
    hit = torch.relu(M_PLUS - lengths) ** 2
    miss = torch.relu(lengths - M_MINUS) ** 2
    per_class = present * hit + LAMBDA_ABSENT * (1.0 - present) * miss
    return per_class.sum(dim=1).mean()


def reconstruction_loss(reconstruction: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Sum of squared errors over the 784 pixels, mean over the batch (unweighted).

    With several digits per image (``[B, K, 1, H, W]`` against each digit
    alone), the errors of all K reconstructions are summed.
    """
    diff = (reconstruction - images).flatten(1)
    return (diff * diff).sum(dim=1).mean()


def capsule_loss(
    lengths: torch.Tensor,
    reconstruction: torch.Tensor,
    images: torch.Tensor,
    labels: torch.Tensor,
    reconstruction_weight: float = RECONSTRUCTION_WEIGHT,
) -> torch.Tensor:
    """Total training loss: margin + 0.0005 · SSE, the paper's scale.

    Using the *mean* squared error here instead (as some tutorials do) weakens
    the decoder ~800×, and the pose sliders then decode mush.
    ``reconstruction_weight`` lets a run weigh the decoder as the authors' code
    did (:data:`AUTHORS_CODE_RECONSTRUCTION_WEIGHT`).
    """
    return margin_loss(lengths, labels) + reconstruction_weight * reconstruction_loss(reconstruction, images)

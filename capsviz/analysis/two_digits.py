"""Two overlapping digits read by the MultiMNIST CapsNet: the two winners, each reconstructed alone,
and how routing splits the primary capsules between them (the paper's Figure 5, live)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from capsviz.analysis.counterfactual import decode_as
from capsviz.data.preprocess import preprocess_pair
from capsviz.model.capsnet import N_PRIMARY_TYPES, CapsNet


@dataclass(frozen=True)
class TwoDigits:
    """What the two-digit model makes of one picture.

    Attributes
    ----------
    image : np.ndarray
        ``[36, 36]`` the network input (the picture framed like a MultiMNIST pair).
    lengths : np.ndarray
        ``[10]`` capsule lengths.
    winners : tuple[int, int]
        The two longest capsules, longest first.
    reconstructions : np.ndarray
        ``[2, 36, 36]`` each winner decoded from its own capsule alone.
    coupling : np.ndarray
        ``[T, 2, 10, 10]`` c_ij to each winner in each routing iteration, averaged over
        the 32 capsule types of each grid cell (uniform 0.1 at t = 0).
    poses : np.ndarray
        ``[2, 16]`` the two winners' capsules, as the network read them.
    """

    image: np.ndarray
    lengths: np.ndarray
    winners: tuple[int, int]
    reconstructions: np.ndarray
    coupling: np.ndarray
    poses: np.ndarray


@torch.no_grad()
def read_two(model: CapsNet, picture: np.ndarray) -> TwoDigits | None:
    """Frame ``picture`` (any image) as a pair and read it; None when it holds no ink."""
    image = preprocess_pair(picture)
    if not image.any():
        return None
    batch = torch.from_numpy(image)[None, None].to(model.device)
    trace = model.route(batch)
    lengths = trace.lengths[0, -1].float().cpu()
    first, second = (int(d) for d in lengths.topk(2).indices)
    poses = trace.poses[0, -1]
    pictures = model.decode(poses[[first, second]], torch.tensor([first, second], device=model.device))
    grid = model.primary_grid
    coupling = trace.coupling[0][:, :, [first, second]].float().cpu()  # [T, 3200, 2]
    folded = coupling.view(coupling.shape[0], N_PRIMARY_TYPES, grid, grid, 2).mean(dim=1).permute(0, 3, 1, 2)
    return TwoDigits(
        image=image,
        lengths=lengths.numpy(),
        winners=(first, second),
        reconstructions=pictures[:, 0].float().cpu().numpy(),
        coupling=folded.numpy(),
        poses=poses[[first, second]].float().cpu().numpy(),
    )


def steer_two(model: CapsNet, result: TwoDigits, which: int, offsets: np.ndarray) -> TwoDigits:
    """``result`` with winner ``which`` (0: the longer, 1: the other) decoded from its pose plus ``offsets``.

    Only that digit's reconstruction changes; the other stays as read, so a person
    sees what each of the 16 numbers of one capsule does while the other digit holds still.
    """
    reconstructions = result.reconstructions.copy()
    reconstructions[which] = decode_as(model, result.poses[which] + offsets, result.winners[which])
    return replace(result, reconstructions=reconstructions)

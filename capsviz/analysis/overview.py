"""Every stage of the forward pass for one input, ready to draw side by side.

Input → Conv1's 256 feature maps → 32 × 6 × 6 primary capsules (8-D) → votes
û_j|i → routing → ten digit capsules → the decoder's reconstruction. What the
votes say before any agreement (every c_ij = 1/10) is kept beside what routing
makes of them, so the overview shows what routing adds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from capsviz.analysis.counterfactual import decode_as
from capsviz.analysis.inference import as_batch
from capsviz.model.capsnet import N_PRIMARY_TYPES, CapsNet, RoutingTrace


@dataclass(frozen=True, eq=False)
class NetworkStages:
    """One input's forward pass, stage by stage.

    Attributes
    ----------
    image : ``[H, W]`` the network's input.
    conv1 : ``[256, H−8, W−8]`` Conv1's feature maps after ReLU.
    primary_lengths : ``[32, G, G]`` each primary capsule's length, by type and grid cell.
    primary_angles : ``[32, G, G]`` each capsule's 8-D direction as an angle in the plane of the
        input's two main directions (radians), for a colour wheel.
    uniform_lengths : ``[10]`` digit-capsule lengths from the votes with every c_ij = 1/10.
    coupling : ``[32, G, G]`` the final c_ij of each primary capsule to the winner.
    lengths : ``[10]`` final digit-capsule lengths.
    reconstruction : ``[H, W]`` decoded from the winning capsule.
    iterations : routing iterations run.
    """

    image: np.ndarray
    conv1: np.ndarray
    primary_lengths: np.ndarray
    primary_angles: np.ndarray
    uniform_lengths: np.ndarray
    coupling: np.ndarray
    lengths: np.ndarray
    reconstruction: np.ndarray
    iterations: int

    @property
    def winner(self) -> int:
        return int(np.argmax(self.lengths))

    @property
    def strongest_map(self) -> int:
        """The Conv1 channel with the most activation for this input."""
        return int(self.conv1.reshape(len(self.conv1), -1).sum(axis=1).argmax())

    @property
    def primary_grid(self) -> int:
        return int(self.primary_lengths.shape[-1])


def direction_angles(primary: np.ndarray) -> np.ndarray:
    """``[N, 8]`` capsules → ``[N]`` angles of their directions projected on the two main axes.

    The axes are the first two principal directions of this input's capsules,
    weighted by length, so capsules that point alike get alike colours.
    """
    vectors = np.asarray(primary, np.float64)
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    directions = vectors / np.maximum(lengths, 1e-9)
    weighted = directions * lengths
    _, _, axes = np.linalg.svd(weighted - weighted.mean(axis=0), full_matrices=False)
    plane = directions @ axes[:2].T
    return np.arctan2(plane[:, 1], plane[:, 0]).astype(np.float32)


@torch.no_grad()
def conv1_maps(model: CapsNet, image: np.ndarray) -> np.ndarray:
    """``[256, H−8, W−8]`` Conv1 feature maps (after ReLU) of a preprocessed ``[H, W]`` image."""
    batch = as_batch(image, model).to(model.conv1.weight.dtype)
    return torch.relu(model.conv1(batch))[0].float().cpu().numpy()


def conv1_kernel(model: CapsNet, channel: int) -> np.ndarray:
    """The 9×9 kernel of Conv1 channel ``channel``."""
    return model.conv1.weight[channel, 0].detach().float().cpu().numpy()


def network_stages(model: CapsNet, image: np.ndarray, trace: RoutingTrace) -> NetworkStages:
    """The stages of ``image``'s forward pass; ``trace`` is its routing trace (batch of one)."""
    grid = model.primary_grid
    primary = trace.primary[0].float().cpu().numpy()
    final = trace.coupling[0, -1].float().cpu().numpy()
    lengths = trace.lengths[0, -1].float().cpu().numpy()
    winner = int(np.argmax(lengths))
    shape = (N_PRIMARY_TYPES, grid, grid)
    reconstruction = decode_as(model, trace.poses[0, -1, winner].float().cpu().numpy(), winner)
    return NetworkStages(
        image=np.asarray(image, np.float32),
        conv1=conv1_maps(model, image),
        primary_lengths=np.linalg.norm(primary, axis=1).reshape(shape).astype(np.float32),
        primary_angles=direction_angles(primary).reshape(shape),
        uniform_lengths=trace.lengths[0, 0].float().cpu().numpy(),
        coupling=final[:, winner].reshape(shape).astype(np.float32),
        lengths=lengths,
        reconstruction=reconstruction,
        iterations=trace.iterations,
    )

"""One image through the network, keeping everything the analysis views need."""

from __future__ import annotations

import numpy as np
import torch

from capsviz.model.capsnet import CapsNet, CapsOutput, RoutingTrace


def as_batch(images: np.ndarray | torch.Tensor, model: CapsNet) -> torch.Tensor:
    """``[28, 28]`` or ``[N, 28, 28]`` (float in [0, 1] or uint8) → float ``[N, 1, 28, 28]`` for ``model``."""
    data = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    if data.dtype == torch.uint8:
        data = data.float() / 255.0
    data = data.float()
    if data.ndim == 2:
        data = data[None]
    if data.ndim == 3:
        data = data[:, None]
    return data.to(model.device)


@torch.no_grad()
def infer(
    model: CapsNet, image: np.ndarray, iterations: int | None = None
) -> tuple[RoutingTrace, CapsOutput]:
    """Route one ``[28, 28]`` image and return its trace and the matching output.

    The output comes from the trace (last iteration), so both always agree.
    """
    trace = model.route(as_batch(image, model), iterations)
    lengths = trace.lengths[:, -1]
    poses = trace.poses[:, -1]
    winner = lengths.argmax(dim=1)
    picked = poses[torch.arange(poses.shape[0], device=poses.device), winner]
    return trace, CapsOutput(lengths, poses, model.decode(picked, winner))

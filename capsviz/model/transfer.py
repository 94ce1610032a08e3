"""Warm-starting a 36×36 CapsNet from trained 28×28 weights.

Training a MultiMNIST model from scratch costs millions of pairs; most of what
it needs is already in the MNIST model. The convolutions slide, so their
kernels transfer unchanged. Each primary capsule of the 10×10 grid takes the
W_ij of the 6×6 cell that sees the same part of a centred digit (a 28×28 digit
sits 4 px in from the 36×36 border, two cells of stride 2). The decoder's
hidden layers transfer; its output layer draws the 28×28 picture in the centre
of the 36×36 canvas and starts near black around it.
"""

from __future__ import annotations

import torch

from capsviz.model.capsnet import PRIMARY_STRIDE, CapsNet

OUTSIDE_BIAS = -8.0  # sigmoid(-8) ≈ 0.0003: the border starts black


def nearest_cells(source_grid: int, target_grid: int, offset: int) -> torch.Tensor:
    """For each target row (or column) the source row that sees the same pixels, clipped to the grid."""
    return (torch.arange(target_grid) - offset).clamp(0, source_grid - 1)


@torch.no_grad()
def warm_start(target: CapsNet, source: CapsNet) -> CapsNet:
    """Copy ``source``'s trained weights into the larger ``target`` where they carry over; returns it."""
    if target.input_size < source.input_size:
        raise ValueError("a warm start goes from a smaller input to a larger one")
    margin = (target.input_size - source.input_size) // 2
    target.conv1.load_state_dict(source.conv1.state_dict())
    target.primary_conv.load_state_dict(source.primary_conv.state_dict())
    types = source.W.shape[0] // source.primary_grid**2
    cells = nearest_cells(source.primary_grid, target.primary_grid, margin // PRIMARY_STRIDE)
    grid = source.W.view(types, source.primary_grid, source.primary_grid, *source.W.shape[1:])
    target.W.copy_(grid[:, cells][:, :, cells].reshape(target.W.shape))
    for index in (0, 2):
        target.decoder[index].load_state_dict(source.decoder[index].state_dict())
    last_target, last_source = target.decoder[4], source.decoder[4]
    side, inner = target.input_size, source.input_size
    weight = last_target.weight.view(side, side, -1)
    bias = last_target.bias.view(side, side)
    weight.zero_()
    bias.fill_(OUTSIDE_BIAS)
    centre = slice(margin, margin + inner)
    weight[centre, centre] = last_source.weight.view(inner, inner, -1)
    bias[centre, centre] = last_source.bias.view(inner, inner)
    target.iterations = source.iterations
    return target

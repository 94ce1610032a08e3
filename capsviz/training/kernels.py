"""Which kernels a training run uses: bf16 autocast where asked, channels-last convolutions on CUDA."""

from __future__ import annotations

import contextlib

import torch

from capsviz.model.capsnet import CapsNet


def autocast_for(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """bf16 autocast for the convolutions where asked (``auto`` = on CUDA only)."""
    use_bf16 = precision == "bf16" or (precision == "auto" and device.type == "cuda")
    if not use_bf16:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def channels_last_convolutions(model: CapsNet) -> None:
    """Channels-last kernels for the two convolutions (faster with cuDNN), nothing else.

    ``model.to(memory_format=channels_last)`` would also re-stride the 4-D W,
    which routing reads as a plain ``[capsules, 160, 8]`` view.
    """
    for conv in (model.conv1, model.primary_conv):
        conv.to(memory_format=torch.channels_last)

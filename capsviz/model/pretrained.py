"""The one-call entry point: the shipped, trained CapsNet."""

from __future__ import annotations

import os

import torch

from capsviz.model.capsnet import CapsNet
from capsviz.model.device import resolve_device
from capsviz.model.weights import WeightsError, load_weights, shipped_weights_path

# A path of the person's own: writing into resources/ would overwrite (or shadow) the shipped weights.
TRAIN_HINT = (
    "train your own with: python train_model.py --out my-capsnet.safetensors, "
    "then open it with: capsviz --weights my-capsnet.safetensors"
)


def load_pretrained(device: str | torch.device = "cpu", weights: str | os.PathLike | None = None) -> CapsNet:
    """Load the trained CapsNet in eval mode.

    Parameters
    ----------
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"mps"`` or ``"auto"``.
    weights : path, optional
        A weights file written by ``train_model.py``; defaults to the shipped one.

    Raises
    ------
    WeightsError
        If the file is missing or is not valid CapsNet weights.
    """
    path = weights if weights is not None else shipped_weights_path()
    if weights is None and not shipped_weights_path().is_file():
        raise WeightsError(f"no shipped weights at {path}; {TRAIN_HINT}")
    return load_weights(path, resolve_device(device))

"""The one-call entry point: the shipped, trained CapsNet."""

from __future__ import annotations

import os

import torch

from capsviz.model.capsnet import IMAGE_SIZE, CapsNet
from capsviz.model.device import resolve_device
from capsviz.model.weights import WeightsError, load_weights, shipped_weights_path

# A path of the person's own: writing into resources/ would overwrite (or shadow) the shipped weights.
TRAIN_HINT = (
    "train your own with: python train_model.py --out my-capsnet.safetensors, "
    "then open it with: capsviz --weights my-capsnet.safetensors"
)
MULTIMNIST_HINT = (
    "train one with: python train_model.py --dataset multimnist --warm-start resources/capsnet.safetensors "
    "--out my-multimnist.safetensors"
)

TRANSLATED_HINT = (
    "train one with: python train_model.py --dataset translated --warm-start resources/capsnet.safetensors "
    "--out my-translated.safetensors"
)


def load_pretrained(
    device: str | torch.device = "cpu", weights: str | os.PathLike | None = None, kind: str = "mnist"
) -> CapsNet:
    """Load the trained CapsNet in eval mode.

    Parameters
    ----------
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"mps"`` or ``"auto"``.
    weights : path, optional
        A weights file written by ``train_model.py``; defaults to the shipped one.
    kind : str
        Which shipped model: ``"mnist"`` (28×28, one digit), ``"multimnist"``
        (36×36, two overlapping digits) or ``"translated"`` (40×40, one digit
        anywhere: the affNIST test's model). Ignored when ``weights`` is given:
        a file says its own input size.

    Raises
    ------
    WeightsError
        If the file is missing or is not valid CapsNet weights.
    """
    if weights is not None:
        return load_weights(weights, resolve_device(device))
    path = shipped_weights_path(kind)
    if not path.is_file():
        hint = {"multimnist": MULTIMNIST_HINT, "translated": TRANSLATED_HINT}.get(kind, TRAIN_HINT)
        raise WeightsError(f"no shipped weights at {path}; {hint}")
    return load_weights(path, resolve_device(device))


# What a model of each input size is, in words: for the one-line refusals where another kind is needed.
MODEL_KINDS = {
    IMAGE_SIZE: "an MNIST model (one digit, 28×28)",
    36: "a MultiMNIST model (two digits, 36×36)",
    40: "a translated-MNIST model (one digit anywhere on 40×40, for capsviz affnist)",
}


def require_input_size(model: CapsNet, size: int, name: str, purpose: str) -> CapsNet:
    """``model`` if it reads ``size``×``size`` inputs; else :class:`WeightsError` saying what it is and
    what ``purpose`` needs."""
    if model.input_size != size:
        raise WeightsError(f"{name} is {MODEL_KINDS[model.input_size]}; {purpose} needs {MODEL_KINDS[size]}")
    return model

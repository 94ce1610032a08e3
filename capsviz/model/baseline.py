"""The CNN that the capsules are compared with: the paper's baseline, narrowed to train on a CPU.

Sabour et al. compare their CapsNet with a CNN of three 5×5 convolutions
(256, 256 and 128 channels), two fully connected layers (328 and 192 units),
dropout and a 10-way softmax: 35.4 M parameters, and more arithmetic per
image than the CapsNet itself. capsviz ships the same layout at a quarter of
the width — 64, 64 and 32 channels, 2×2 max pooling after the first two
convolutions (the paper does not say how it shrinks the maps), the same 328
and 192 units — which trains on two CPU cores in minutes. ``widths`` builds
the paper's full size for a machine with a GPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import save as save_bytes
from torch import nn

from capsviz.model.capsnet import IMAGE_SIZE, N_DIGITS
from capsviz.model.device import resolve_device
from capsviz.model.weights import (
    WeightsError,
    atomic_write_bytes,
    check_finite,
    check_state_layout,
    read_safetensors,
    shipped_weights_path,
)

FORMAT = "capsviz-cnn"
ARCHITECTURE = "sabour2017-baseline-narrow"

PAPER_WIDTHS = (256, 256, 128)
SHIPPED_WIDTHS = (64, 64, 32)
HIDDEN = (328, 192)
DROPOUT = 0.5
SHIPPED_KINDS = {"mnist": "cnn", "translated": "cnn-translated"}  # load_baseline's kind → the shipped file
CNN_INPUT_SIZES = (IMAGE_SIZE, 40)  # MNIST, and a digit anywhere on 40×40 (the affNIST protocol)


class BaselineCNN(nn.Module):
    """Three 5×5 convolutions, two fully connected layers, dropout; ``model(images)`` → logits ``[B, 10]``."""

    def __init__(self, widths: tuple[int, int, int] = SHIPPED_WIDTHS, input_size: int = IMAGE_SIZE) -> None:
        super().__init__()
        if input_size not in CNN_INPUT_SIZES:
            raise ValueError(f"input_size must be one of {CNN_INPUT_SIZES}, got {input_size}")
        first, second, third = widths
        self.widths = tuple(widths)
        self.input_size = input_size
        self.features = nn.Sequential(
            nn.Conv2d(1, first, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(first, second, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(second, third, 5, padding=2),
            nn.ReLU(inplace=True),
        )
        side = input_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(third * side * side, HIDDEN[0]),
            nn.ReLU(inplace=True),
            nn.Linear(HIDDEN[0], HIDDEN[1]),
            nn.ReLU(inplace=True),
            nn.Dropout(DROPOUT),
            nn.Linear(HIDDEN[1], N_DIGITS),
        )
        self.metadata: dict[str, str] = {}

    @property
    def device(self) -> torch.device:
        return self.classifier[-1].weight.device

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, 10]`` for images ``[B, 1, 28, 28]`` (or the input size it was built for) in [0, 1];
        softmax gives the probabilities."""
        side = self.input_size
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, side, side):
            raise ValueError(
                f"the baseline CNN reads images [B, 1, {side}, {side}], got {list(images.shape)}"
            )
        return self.classifier(self.features(images))

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 10]`` class probabilities (softmax of the logits)."""
        return torch.softmax(self(images), dim=1)


def save_baseline(
    model: BaselineCNN, path: str | os.PathLike, storage: torch.dtype = torch.float32, **metadata: object
) -> Path:
    """Write the CNN's parameters (as ``storage``: bfloat16 for the shipped file) and metadata, atomically."""
    path = Path(path)
    meta = {
        "format": FORMAT,
        "architecture": ARCHITECTURE,
        "widths": json.dumps(list(model.widths)),
        "input_size": str(model.input_size),
    }
    meta.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()})
    tensors = {k: v.detach().to(storage).cpu().contiguous() for k, v in model.state_dict().items()}
    check_finite(tensors, path.name)
    atomic_write_bytes(path, save_bytes(tensors, metadata=meta))
    return path


def _widths_of(metadata: dict[str, str], name: str) -> tuple[int, int, int]:
    try:
        widths = tuple(int(w) for w in json.loads(metadata.get("widths", json.dumps(SHIPPED_WIDTHS))))
    except (ValueError, TypeError):
        raise WeightsError(f"{name}: metadata 'widths' is not a list of three numbers") from None
    if len(widths) != 3 or not all(1 <= w <= 1024 for w in widths):
        raise WeightsError(f"{name}: metadata 'widths' must be three channel counts from 1 to 1024")
    return widths  # type: ignore[return-value]


def _input_size_of(metadata: dict[str, str], name: str) -> int:
    """The input side a CNN file declares; files from before 40×40 models existed are 28."""
    text = metadata.get("input_size", str(IMAGE_SIZE))
    if text not in (str(size) for size in CNN_INPUT_SIZES):
        sizes = " or ".join(map(str, CNN_INPUT_SIZES))
        raise WeightsError(f"{name}: metadata 'input_size' is {text!r}, expected {sizes}")
    return int(text)


def load_baseline(
    device: str | torch.device = "cpu", weights: str | os.PathLike | None = None, kind: str = "mnist"
) -> BaselineCNN:
    """The shipped CNN baseline (or ``weights``, a file ``train_model.py --arch cnn`` wrote), in eval mode.

    ``kind`` picks the shipped file: ``"mnist"`` (28×28, the default) or
    ``"translated"`` (a digit anywhere on 40×40, for the affNIST test).
    Raises :class:`WeightsError` with a one-line reason for a missing, damaged or foreign file.
    """
    if kind not in SHIPPED_KINDS:
        raise WeightsError(f"unknown kind {kind!r}; choose one of {', '.join(SHIPPED_KINDS)}")
    path = Path(weights) if weights is not None else shipped_weights_path(SHIPPED_KINDS[kind])
    if weights is None and not path.is_file():
        dataset = "" if kind == "mnist" else f" --dataset {kind}"
        raise WeightsError(
            f"no shipped CNN baseline at {path}; train one with: python train_model.py --arch cnn{dataset}"
        )
    name = path.name

    def inspect(metadata: dict[str, str], layout: dict[str, tuple[tuple[int, ...], str]]) -> None:
        kind = metadata.get("format")
        if kind != FORMAT:
            what = "CapsNet weights" if kind in (None, "capsviz-capsnet", "pt") else f"a '{kind}' file"
            raise WeightsError(f"{name} holds {what}, not the CNN baseline")
        built = BaselineCNN(_widths_of(metadata, name), _input_size_of(metadata, name))
        expected = {k: tuple(v.shape) for k, v in built.state_dict().items()}
        check_state_layout(layout, expected, name, "CNN baseline")

    tensors, metadata = read_safetensors(path, WeightsError, inspect)
    check_finite(tensors, name)
    model = BaselineCNN(_widths_of(metadata, name), _input_size_of(metadata, name))
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    model.metadata = metadata
    return model.to(resolve_device(device)).eval()

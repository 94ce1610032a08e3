"""The Qt-free CapsNet core: network, routing trace, losses and weights I/O."""

from __future__ import annotations

from capsviz.model.capsnet import CapsNet, CapsOutput, RoutingTrace
from capsviz.model.device import DeviceError, describe_device, resolve_device
from capsviz.model.pretrained import load_pretrained
from capsviz.model.routing import route, squash
from capsviz.model.weights import WeightsError, load_weights, save_weights

__all__ = [
    "CapsNet",
    "CapsOutput",
    "DeviceError",
    "RoutingTrace",
    "WeightsError",
    "describe_device",
    "load_pretrained",
    "load_weights",
    "resolve_device",
    "route",
    "save_weights",
    "squash",
]

"""Picking where the network runs: ``auto`` prefers CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(RuntimeError):
    """The requested device is not available on this machine."""


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Turn ``auto``/``cpu``/``cuda``/``mps`` (or ``cuda:1``) into an available device."""
    text = str(name)
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if text.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available (use --device cpu)")
    if text == "mps" and not _mps_available():
        raise DeviceError("MPS was requested but is not available on this machine (use --device cpu)")
    try:
        return torch.device(text)
    except RuntimeError:
        raise DeviceError(f"unknown device '{text}'; choose one of {', '.join(DEVICE_CHOICES)}") from None


def describe_device(device: torch.device) -> str:
    """A short human name: 'CPU', or the GPU's model name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return "CPU"


def native_bfloat16(device: torch.device) -> bool:
    """True where bfloat16 matrix products run in hardware (AVX512-BF16 or AMX CPUs, recent GPUs).

    Elsewhere bfloat16 is emulated and slower than float32, so it is never chosen there.
    """
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type != "cpu":
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)

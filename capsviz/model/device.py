"""Picking where the network runs: ``auto`` prefers CUDA, then Apple's MPS, then the CPU.

The same rule holds for the window, the sub-commands and training: ``auto`` takes
the best device that works and, when a GPU is present but unusable, says so in
one line on stderr and runs on the CPU; an explicit ``cuda`` or ``mps`` that
cannot be had is an error, never silently replaced.
"""

from __future__ import annotations

import functools
import sys

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(RuntimeError):
    """The requested device is not available on this machine."""


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


@functools.cache
def _auto_device() -> torch.device:
    """What ``auto`` means on this machine, decided (and any warning printed) once per process."""
    if torch.cuda.is_available():
        problem = cuda_problem()
        if problem is None:
            return torch.device("cuda")
        print(f"capsviz: warning: the GPU cannot be used ({problem}); running on the CPU", file=sys.stderr)
    return torch.device("mps") if _mps_available() else torch.device("cpu")


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Turn ``auto``/``cpu``/``cuda``/``mps`` (or ``cuda:1``) into an available device."""
    text = str(name)
    if text == "auto":
        return _auto_device()
    if text.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available (use --device auto or cpu)")
    if text == "mps" and not _mps_available():
        raise DeviceError("MPS was requested but is not available on this machine (use --device auto or cpu)")
    try:
        return torch.device(text)
    except RuntimeError:
        raise DeviceError(f"unknown device '{text}'; choose one of {', '.join(DEVICE_CHOICES)}") from None


def cuda_problem() -> str | None:
    """Why a CUDA GPU that torch reports cannot run anything (a driver mismatch, no memory), or None."""
    try:
        torch.zeros(1, device="cuda")
    except (RuntimeError, AssertionError) as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


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

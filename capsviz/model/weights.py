"""Reading and writing CapsNet weights as safetensors, with validation.

Only safetensors is read: it holds plain tensors and cannot execute code, so a
downloaded weights file is safe to open. Every check fails with a one-line
:class:`WeightsError` that the CLI and the app show as is.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from importlib import resources
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as _save_bytes

from capsviz.model.capsnet import CapsNet

FORMAT = "capsviz-capsnet"
ARCHITECTURE = "sabour2017-mnist"
SHIPPED_NAME = "capsnet.safetensors"
ALLOWED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line for people."""


def shipped_weights_path() -> Path:
    """Where the weights that ship with the package live (editable or wheel install)."""
    return Path(str(resources.files("capsviz.resources") / SHIPPED_NAME))


def save_weights(model: CapsNet, path: str | os.PathLike, **metadata: object) -> Path:
    """Write ``model``'s parameters and ``metadata`` atomically (temp file + rename)."""
    path = Path(path)
    meta = {
        "format": FORMAT,
        "architecture": ARCHITECTURE,
        "iterations": str(model.iterations),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    meta.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()})
    tensors = {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(path, _save_bytes(tensors, metadata=meta))
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` holds either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_weights(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and validate a weights file; return its float32 tensors and metadata."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as fh:
            metadata = dict(fh.metadata() or {})
            tensors = {name: fh.get_tensor(name) for name in fh.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(f"{path.name} is not a readable safetensors file ({first})") from None
    validate_tensors(tensors, metadata, path.name)
    return {k: v.float() for k, v in tensors.items()}, metadata


def validate_tensors(tensors: dict[str, torch.Tensor], metadata: dict[str, str], name: str) -> None:
    """Refuse anything that is not this architecture's weights, with the first reason found."""
    if metadata.get("format", FORMAT) != FORMAT:
        raise WeightsError(f"{name} is a '{metadata['format']}' file, not capsviz CapsNet weights")
    expected = {k: tuple(v.shape) for k, v in CapsNet().state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise WeightsError(f"{name} does not hold CapsNet weights: missing '{missing[0]}'")
    unexpected = sorted(set(tensors) - set(expected))
    if unexpected:
        raise WeightsError(f"{name} does not hold CapsNet weights: unexpected '{unexpected[0]}'")
    for key, shape in expected.items():
        tensor = tensors[key]
        if tuple(tensor.shape) != shape:
            raise WeightsError(f"{name}: '{key}' has shape {tuple(tensor.shape)}, this CapsNet needs {shape}")
        if tensor.dtype not in ALLOWED_DTYPES:
            raise WeightsError(f"{name}: '{key}' has dtype {tensor.dtype}, expected floating point")
        if not torch.isfinite(tensor).all():
            raise WeightsError(f"{name}: '{key}' contains NaN or infinite values")


def load_weights(path: str | os.PathLike, device: str | torch.device = "cpu") -> CapsNet:
    """Build a CapsNet in eval mode from a validated weights file."""
    tensors, metadata = read_weights(path)
    try:
        iterations = int(metadata.get("iterations", "3"))
    except ValueError:
        raise WeightsError(f"{Path(path).name}: metadata 'iterations' is not a number") from None
    model = CapsNet(iterations=max(1, iterations))
    model.load_state_dict(tensors)
    model.metadata = metadata
    return model.to(device).eval()

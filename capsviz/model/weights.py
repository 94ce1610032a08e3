"""Reading and writing CapsNet weights as safetensors, with validation.

Only safetensors is read: it holds plain tensors and cannot execute code, so a
downloaded weights file is safe to open. Every check fails with a one-line
:class:`WeightsError` that the CLI and the app show as is.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import glob
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as _save_bytes

from capsviz.model.capsnet import IMAGE_SIZE, INPUT_SIZES, MAX_ITERATIONS, CapsNet

FORMAT = "capsviz-capsnet"
ARCHITECTURES = {28: "sabour2017-mnist", 36: "sabour2017-multimnist", 40: "sabour2017-translated"}
SHIPPED_NAMES = {
    "mnist": "capsnet.safetensors",
    "multimnist": "capsnet-multimnist.safetensors",
    "translated": "capsnet-translated.safetensors",
    "cnn": "cnn-baseline.safetensors",
    "cnn-translated": "cnn-translated.safetensors",
}
ALLOWED_DTYPES = ("F64", "F32", "F16", "BF16")
PICKLE_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")  # torch.save, pickle


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line for people."""


def shipped_weights_path(kind: str = "mnist") -> Path:
    """Where the shipped weights of ``kind`` (a key of :data:`SHIPPED_NAMES`) live, in any install."""
    if kind not in SHIPPED_NAMES:
        raise WeightsError(f"unknown kind {kind!r}; choose one of {', '.join(SHIPPED_NAMES)}")
    return Path(str(resources.files("capsviz.resources") / SHIPPED_NAMES[kind]))


def save_weights(
    model: CapsNet, path: str | os.PathLike, storage: torch.dtype = torch.float32, **metadata: object
) -> Path:
    """Write ``model``'s parameters (as ``storage``: bfloat16 halves a file) and ``metadata``, atomically."""
    path = Path(path)
    meta = {
        "format": FORMAT,
        "architecture": ARCHITECTURES[model.input_size],
        "input_size": str(model.input_size),
        "iterations": str(model.iterations),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    meta.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()})
    tensors = {k: v.detach().to(storage).cpu().contiguous() for k, v in model.state_dict().items()}
    check_finite(tensors, path.name)  # never replace a good file with a diverged model
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
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # left by a killed writer
        stale.unlink(missing_ok=True)


def read_weights(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and validate a weights file; return its float32 tensors and metadata.

    Names, shapes and dtypes are checked from the header before any tensor is
    read, so a large file of something else is refused without loading it.
    """
    path = Path(path)

    def inspect(metadata: dict[str, str], layout: dict[str, tuple[tuple[int, ...], str]]) -> None:
        check_format(metadata, path.name)
        check_layout(layout, path.name, input_size_of(metadata, path.name))

    tensors, metadata = read_safetensors(path, WeightsError, inspect)
    check_finite(tensors, path.name)
    return {k: v.float() for k, v in tensors.items()}, metadata


def read_safetensors(
    path: Path,
    error: type[Exception],
    inspect: Callable[[dict[str, str], dict[str, tuple[tuple[int, ...], str]]], None],
    noun: str = "weights file",
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file; any failure is ``error`` with a one-line reason.

    ``inspect(metadata, layout)`` sees the header (layout: name → (shape, dtype
    name)) and may refuse the file before any tensor data is read.
    """
    if path.is_dir():
        raise error(f"{path} is a folder, not a {noun}")
    if not path.is_file():
        raise error(f"{noun} not found: {path}")
    with _reading(path, error), open(path, "rb") as raw:
        head = raw.read(9)  # 8-byte header length, then the JSON header's "{"
    if not head:
        raise error(f"{path.name} is empty")
    if head[8:] != b"{" and head.startswith(PICKLE_MAGIC):
        raise error(
            f"{path.name} is a PyTorch pickle (torch.save); capsviz opens only .safetensors files, "
            "which cannot run code"
        )
    with _reading(path, error), safe_open(str(path), framework="pt") as fh:
        metadata = dict(fh.metadata() or {})
        layout = {name: _slice_layout(fh, name) for name in fh.keys()}
    inspect(metadata, layout)
    with _reading(path, error), safe_open(str(path), framework="pt") as fh:
        tensors = {name: fh.get_tensor(name) for name in fh.keys()}
    return tensors, metadata


@contextlib.contextmanager
def _reading(path: Path, error: type[Exception]) -> Iterator[None]:
    try:
        yield
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = reason.removeprefix("Error while deserializing header: ")
        if "not fully covered" in reason:
            reason = "its size does not match its header: truncated?"
        raise error(f"{path.name} is damaged or not a safetensors file ({reason})") from None


def _slice_layout(fh: Any, name: str) -> tuple[tuple[int, ...], str]:
    piece = fh.get_slice(name)
    return tuple(piece.get_shape()), piece.get_dtype()


def check_format(metadata: dict[str, str], name: str) -> None:
    """Refuse files that say they are something else (a checkpoint, another model)."""
    kind = metadata.get("format", FORMAT)
    if kind == "capsviz-checkpoint":
        raise WeightsError(
            f"{name} is a training checkpoint; use the weights file train_model.py writes with --out"
        )
    if kind not in (FORMAT, "pt"):  # "pt" is what safetensors' own writers put there
        raise WeightsError(f"{name} is a '{kind}' file, not capsviz CapsNet weights")


def input_size_of(metadata: dict[str, str], name: str) -> int:
    """The input side a file's metadata declares; files from before 36×36 models existed are 28."""
    text = metadata.get("input_size", str(IMAGE_SIZE))
    try:
        size = int(text)
    except ValueError:
        raise WeightsError(f"{name}: metadata 'input_size' is not a number") from None
    if size not in INPUT_SIZES:
        sizes = ", ".join(map(str, INPUT_SIZES[:-1])) + f" or {INPUT_SIZES[-1]}"
        raise WeightsError(f"{name}: metadata 'input_size' is {size}, expected {sizes}")
    return size


@functools.cache
def _expected_layout(input_size: int) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in CapsNet(input_size=input_size).state_dict().items()}


def check_layout(
    layout: dict[str, tuple[tuple[int, ...], str]], name: str, input_size: int = IMAGE_SIZE
) -> None:
    """Refuse anything but this architecture's names, shapes and floating-point dtypes."""
    check_state_layout(
        layout, _expected_layout(input_size), name, f"CapsNet on {input_size}×{input_size} inputs"
    )


def check_state_layout(
    layout: dict[str, tuple[tuple[int, ...], str]], expected: dict[str, tuple[int, ...]], name: str, what: str
) -> None:
    """Refuse a file whose tensor names, shapes or dtypes differ from ``expected`` (a ``what``'s)."""
    noun = what.split(" on ")[0]
    missing = sorted(set(expected) - set(layout))
    if missing:
        raise WeightsError(f"{name} does not hold {noun} weights: missing '{missing[0]}'")
    unexpected = sorted(set(layout) - set(expected))
    if unexpected:
        raise WeightsError(f"{name} does not hold {noun} weights: unexpected '{unexpected[0]}'")
    for key, shape in expected.items():
        found, dtype = layout[key]
        if found != shape:
            raise WeightsError(f"{name}: '{key}' has shape {found}, a {what} needs {shape}")
        if dtype not in ALLOWED_DTYPES:
            raise WeightsError(f"{name}: '{key}' has dtype {dtype}, expected floating point")


def check_finite(tensors: dict[str, torch.Tensor], name: str) -> None:
    for key, tensor in tensors.items():
        if not torch.isfinite(tensor).all():
            raise WeightsError(f"{name}: '{key}' contains NaN or infinite values")


def load_weights(path: str | os.PathLike, device: str | torch.device = "cpu") -> CapsNet:
    """Build a CapsNet in eval mode from a validated weights file."""
    tensors, metadata = read_weights(path)
    name = Path(path).name
    try:
        iterations = int(metadata.get("iterations", "3"))
    except ValueError:
        raise WeightsError(f"{name}: metadata 'iterations' is not a number") from None
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise WeightsError(f"{name}: metadata 'iterations' is {iterations}, expected 1 to {MAX_ITERATIONS}")
    model = CapsNet(iterations=iterations, input_size=input_size_of(metadata, name))
    model.load_state_dict(tensors)
    model.metadata = metadata
    return model.to(device).eval()

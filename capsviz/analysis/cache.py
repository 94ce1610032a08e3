"""A small on-disk cache for results that take seconds to compute (test-set passes).

Files live under ``$CAPSVIZ_CACHE_DIR`` or ``~/.cache/capsviz`` and are named by a
hash of the weights, so another weights file never sees stale numbers. Arrays
are stored as ``.npz`` and read back with ``allow_pickle=False``, small results
as JSON: a cache file can hold numbers and strings, never code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from capsviz.model.weights import atomic_write_bytes

T = TypeVar("T")

CACHE_ENV = "CAPSVIZ_CACHE_DIR"


def cache_dir() -> Path:
    """Where cached analyses live (``$CAPSVIZ_CACHE_DIR`` wins over ``~/.cache/capsviz``)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "capsviz"


def model_key(model: torch.nn.Module) -> str:
    """A short hash of the weights and routing iterations: the name results are cached under."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    digest.update(f"iterations={getattr(model, 'iterations', 3)}".encode())
    return digest.hexdigest()[:16]


def array_key(array: np.ndarray) -> str:
    """A short hash of an array's shape and bytes (which digits a result was computed on)."""
    data = np.ascontiguousarray(array)
    digest = hashlib.sha256(str(data.shape).encode() + str(data.dtype).encode())
    digest.update(data.tobytes())
    return digest.hexdigest()[:16]


def results_key(*parts: torch.nn.Module | np.ndarray) -> str:
    """One name for a result computed from these weights and arrays (models by :func:`model_key`,
    arrays by :func:`array_key`), e.g. two models, the digits and labels, the levels measured."""
    return "-".join(
        model_key(p) if isinstance(p, torch.nn.Module) else array_key(np.asarray(p)) for p in parts
    )


def load_json(path: Path, parse: Callable[[Any], T]) -> T | None:
    """``parse`` of the JSON stored at ``path``, or None when there is none; a damaged entry (not JSON,
    or not what ``parse`` expects) is removed, so it is computed again."""
    if not path.is_file():
        return None
    try:
        return parse(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return None


def save_json(path: Path, data: object) -> None:
    """Store ``data`` as JSON at ``path`` atomically; a cache that cannot be written is skipped."""
    with contextlib.suppress(OSError):
        atomic_write_bytes(path, json.dumps(data).encode())


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at ``path``, or None when the file is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` at ``path`` atomically; a cache that cannot be written is skipped."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with contextlib.suppress(OSError):
        atomic_write_bytes(path, buffer.getvalue())

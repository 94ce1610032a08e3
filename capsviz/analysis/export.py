"""Save the current state of an analysis as JSON, and read it back.

The file holds everything needed to redraw the views without the network:
the input, the ten lengths and poses, and c_ij and the lengths of every
routing iteration. Numbers are rounded to 6 decimals (well below what any
view can show), which keeps a file around 0.5 MB.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capsviz.model.capsnet import RoutingTrace
from capsviz.model.weights import atomic_write_bytes

FORMAT = "capsviz-state"
VERSION = 1
DECIMALS = 6


class StateFileError(ValueError):
    """A state file that cannot be read; the message is one line."""


@dataclass
class StateSnapshot:
    """What the app shows for one input.

    Attributes
    ----------
    image : np.ndarray
        ``[28, 28]`` network input.
    lengths, poses : np.ndarray
        ``[10]`` and ``[10, 16]`` after the last iteration.
    coupling : np.ndarray
        ``[T, 1152, 10]`` c_ij per iteration.
    iteration_lengths : np.ndarray
        ``[T, 10]`` lengths after each iteration.
    metadata : dict
        Free-form strings (e.g. the weights' accuracy, where the input came from).
    """

    image: np.ndarray
    lengths: np.ndarray
    poses: np.ndarray
    coupling: np.ndarray
    iteration_lengths: np.ndarray
    metadata: dict

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.lengths))


def snapshot(image: np.ndarray, trace: RoutingTrace, index: int = 0, **metadata: str) -> StateSnapshot:
    """Capture image ``index`` of ``trace``."""
    return StateSnapshot(
        image=np.asarray(image, np.float32),
        lengths=trace.lengths[index, -1].float().cpu().numpy(),
        poses=trace.poses[index, -1].float().cpu().numpy(),
        coupling=trace.coupling[index].float().cpu().numpy(),
        iteration_lengths=trace.lengths[index].float().cpu().numpy(),
        metadata={k: str(v) for k, v in metadata.items()},
    )


def _list(array: np.ndarray) -> list:
    return np.round(np.asarray(array, np.float64), DECIMALS).tolist()


def to_json(state: StateSnapshot) -> str:
    """The snapshot as a JSON document."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "prediction": state.prediction,
        "input": _list(state.image),
        "lengths": _list(state.lengths),
        "poses": _list(state.poses),
        "iterations": int(state.coupling.shape[0]),
        "iteration_lengths": _list(state.iteration_lengths),
        "coupling": _list(state.coupling),
        "metadata": state.metadata,
    }
    return json.dumps(document, separators=(",", ":"))


def from_json(text: str) -> StateSnapshot:
    """Parse :func:`to_json`'s output; :class:`StateFileError` on anything else."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(f"not a JSON file ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateFileError("not a capsviz state file")
    if document.get("version") != VERSION:
        raise StateFileError(f"state file version {document.get('version')} is not supported")
    try:
        state = StateSnapshot(
            image=np.asarray(document["input"], np.float32),
            lengths=np.asarray(document["lengths"], np.float32),
            poses=np.asarray(document["poses"], np.float32),
            coupling=np.asarray(document["coupling"], np.float32),
            iteration_lengths=np.asarray(document["iteration_lengths"], np.float32),
            metadata=dict(document.get("metadata", {})),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise StateFileError(f"damaged state file ({exc})") from None
    if state.image.shape != (28, 28) or state.lengths.shape != (10,) or state.coupling.ndim != 3:
        raise StateFileError("damaged state file (arrays have the wrong shape)")
    return state


def save_state(path: str | os.PathLike, state: StateSnapshot) -> Path:
    """Write the snapshot as JSON, atomically."""
    path = Path(path)
    atomic_write_bytes(path, to_json(state).encode("utf-8"))
    return path


def load_state(path: str | os.PathLike) -> StateSnapshot:
    """Read a snapshot written by :func:`save_state`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return from_json(text)

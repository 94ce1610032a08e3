"""What (c): name each pose dimension after the image property it changes most.

For every digit capsule and dimension, the dimension is swept over the paper's
±0.25 around a few real poses, the sweep is decoded, and each property of
:mod:`capsviz.analysis.properties` is regressed on the offset. A dimension is
named after the property that follows it closely (|r| ≥ 0.7) and changes by a
noticeable amount; "ink" names a dimension only when nothing more specific does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from capsviz.analysis.cache import cache_dir, load_arrays, model_key, save_arrays
from capsviz.analysis.figure4 import PAPER_OFFSETS
from capsviz.analysis.properties import PROPERTIES, RELATIVE, image_properties
from capsviz.analysis.survey import Survey
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS, CapsNet

MIN_CORRELATION = 0.7
# A "noticeable" change of each property; log-ratios for the relative ones.
NOTICEABLE = {
    "stroke width": 0.5,
    "slant": 0.12,
    "scale": np.log(1.08),
    "height/width": np.log(1.12),
    "position x": 1.0,
    "position y": 1.0,
    "ink": np.log(1.25),
}
PHRASES = {
    "stroke width": ("strokes thicker", "strokes thinner"),
    "slant": ("the digit lean right", "the digit lean left"),
    "scale": ("the digit larger", "the digit smaller"),
    "height/width": ("the digit taller and narrower", "the digit wider and lower"),
    "position x": ("the digit move right", "the digit move left"),
    "position y": ("the digit move down", "the digit move up"),
    "ink": ("more ink", "less ink"),
}
SAMPLES_PER_DIGIT = 4


@dataclass
class DimensionLabels:
    """A short name for every (digit capsule, dimension).

    Attributes
    ----------
    names : np.ndarray
        ``[10, 16]`` property name, or ``""`` when no property explains the dimension.
    correlation : np.ndarray
        ``[10, 16, P]`` Pearson r between offset and each property of :data:`PROPERTIES`.
    effect : np.ndarray
        ``[10, 16, P]`` change over the ±0.25 sweep, in noticeable steps (signed).
    """

    names: np.ndarray
    correlation: np.ndarray
    effect: np.ndarray

    def label(self, digit: int, dim: int) -> str:
        """``"≈ stroke width"``, or ``""`` when the dimension mixes several changes."""
        name = str(self.names[digit, dim])
        return f"≈ {name}" if name else ""

    def describe(self, digit: int, dim: int) -> str:
        """One sentence for a tooltip: what raising this dimension does."""
        name = str(self.names[digit, dim])
        if not name:
            return f"dimension {dim} of capsule {digit} changes several properties at once"
        k = PROPERTIES.index(name)
        up, down = PHRASES[name]
        r = float(self.correlation[digit, dim, k])
        return (
            f"raising dimension {dim} makes {up if self.effect[digit, dim, k] > 0 else down} (r = {r:+.2f})"
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"names": self.names.astype(str), "correlation": self.correlation, "effect": self.effect}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> DimensionLabels:
        return cls(arrays["names"].astype(str), arrays["correlation"], arrays["effect"])


def _measure(images: np.ndarray) -> np.ndarray:
    """``[..., 28, 28]`` → ``[..., P]`` properties, log-ratios for the relative ones."""
    flat = images.reshape(-1, *images.shape[-2:])
    props = image_properties(flat)
    columns = [np.log(props[name]) if name in RELATIVE else props[name] for name in PROPERTIES]
    return np.stack(columns, axis=-1).reshape(*images.shape[:-2], len(PROPERTIES))


def label_sweeps(sweeps: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name the dimensions behind decoded sweeps.

    Parameters
    ----------
    sweeps : np.ndarray
        ``[D, K, S, 28, 28]``: for each of D dimensions, K starting poses decoded at S offsets.
    offsets : np.ndarray
        ``[S]`` the offsets.

    Returns
    -------
    names : ``[D]`` str, correlation : ``[D, P]``, effect : ``[D, P]``
    """
    values = _measure(sweeps)  # [D, K, S, P]
    offsets = np.asarray(offsets, np.float64)
    centred_o = offsets - offsets.mean()
    centred_v = values - np.nanmean(values, axis=2, keepdims=True)
    valid = np.isfinite(centred_v)
    centred_v = np.where(valid, centred_v, 0.0)
    o = np.where(valid, centred_o[None, None, :, None], 0.0)
    cov = (centred_v * o).sum(axis=(1, 2))  # [D, P]
    var_o = (o * o).sum(axis=(1, 2))
    var_v = (centred_v * centred_v).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.nan_to_num(cov / np.sqrt(var_o * var_v))
        slope = np.nan_to_num(cov / var_o)
    units = np.array([NOTICEABLE[name] for name in PROPERTIES])
    effect = slope * (offsets.max() - offsets.min()) / units
    names = np.array([_pick(correlation[d], effect[d]) for d in range(len(values))], dtype=str)
    return names, correlation.astype(np.float32), effect.astype(np.float32)


def _pick(correlation: np.ndarray, effect: np.ndarray) -> str:
    """The strongest specific property that qualifies, else ink, else nothing."""
    qualifies = (np.abs(correlation) >= MIN_CORRELATION) & (np.abs(effect) >= 1.0)
    score = np.where(qualifies, np.abs(correlation) * np.abs(effect), 0.0)
    ink = PROPERTIES.index("ink")
    specific = score.copy()
    specific[ink] = 0.0
    if specific.max() > 0:
        return PROPERTIES[int(specific.argmax())]
    return "ink" if score[ink] > 0 else ""


def _starting_poses(survey: Survey, digit: int, count: int) -> np.ndarray:
    """Up to ``count`` poses of correctly classified digits of this class (``[K, 16]``)."""
    rows = np.flatnonzero(survey.correct & (survey.labels == digit))[:count]
    if len(rows) == 0:
        return np.zeros((1, DIGIT_DIM), np.float32)
    return survey.poses[rows, digit]


@torch.no_grad()
def auto_labels(
    model: CapsNet, survey: Survey, samples_per_digit: int = SAMPLES_PER_DIGIT
) -> DimensionLabels:
    """Label all 10 × 16 dimensions of ``model`` using poses from ``survey``."""
    offsets = PAPER_OFFSETS
    names = np.empty((N_DIGITS, DIGIT_DIM), dtype=f"<U{max(map(len, PROPERTIES))}")
    correlation = np.zeros((N_DIGITS, DIGIT_DIM, len(PROPERTIES)), np.float32)
    effect = np.zeros_like(correlation)
    eye = np.eye(DIGIT_DIM, dtype=np.float32)
    for digit in range(N_DIGITS):
        start = _starting_poses(survey, digit, samples_per_digit)  # [K, 16]
        poses = start[None, :, None, :] + offsets[None, None, :, None] * eye[:, None, None, :]  # [D,K,S,16]
        flat = torch.from_numpy(poses.reshape(-1, DIGIT_DIM).astype(np.float32)).to(model.device)
        images = model.decode(flat, digit).float().cpu().numpy().reshape(*poses.shape[:3], 28, 28)
        names[digit], correlation[digit], effect[digit] = label_sweeps(images, offsets)
    return DimensionLabels(names, correlation, effect)


def load_or_compute_labels(model: CapsNet, survey: Survey, folder: Path | None = None) -> DimensionLabels:
    """:func:`auto_labels`, cached per weights file and image set.

    The sweeps start from the first few right answers of each class, so a survey
    that grew later (more digits of the same set) reuses the labels.
    """
    path = (folder or cache_dir()) / f"labels-{model_key(model)}-{survey.source}-{SAMPLES_PER_DIGIT}.npz"
    cached = load_arrays(path)
    if cached is not None and {"names", "correlation", "effect"} <= set(cached):
        return DimensionLabels.from_arrays(cached)
    labels = auto_labels(model, survey)
    save_arrays(path, labels.to_arrays())
    return labels

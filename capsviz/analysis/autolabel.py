"""What (c): name each pose dimension after the image change it causes — only when the evidence says so.

For every digit capsule and dimension, the dimension is swept over the paper's
±0.25 around many real poses of that class (32 by default), the sweep is
decoded, and each property of :mod:`capsviz.analysis.properties` is measured.
A dimension is named after a property only when the property follows the
offset closely in rank (mean Spearman |ρ| ≥ 0.8 over the starting poses), the
change is visible (at least one "noticeable" step over the sweep) and it is
clearly ahead of the next explanation (1.5× its score). Width and height are
read together: both growing is ``scale``, one up and one down ``height/width``.
A visible change that no property explains is ``local: <region>`` when most of
it happens in one ninth of the digit, else ``mixed``; no visible change at all
leaves the name empty. Each name's *confidence* is the share of starting poses
whose own sweep alone gets the same name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from capsviz.analysis.cache import cache_dir, load_arrays, model_key, save_arrays
from capsviz.analysis.dimension_labels import MIXED, DimensionLabels
from capsviz.analysis.figure4 import PAPER_OFFSETS
from capsviz.analysis.properties import PROPERTIES, RELATIVE, image_properties
from capsviz.analysis.survey import Survey
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS, CapsNet

MIN_RANK_CORRELATION = 0.8
MARGIN = 1.5  # the winner's score over the runner-up's
RIVAL_CORRELATION = 0.5  # a property this correlated, with a visible change, competes for the name
LOCAL_SHARE = 0.5  # this much of the change in one ninth of the digit: a local change
LOCAL_BAND_SHARE = 0.65  # or this much in its top, bottom, left or right third
VISIBLE_CHANGE = 3.0  # total |Δ| of ink over the sweep (pixel values summed) below which nothing changes
# A "noticeable" change of each property; log-ratios for the relative ones.
NOTICEABLE = {
    "stroke width": 0.5,
    "slant": 0.12,
    "scale": np.log(1.08),
    "width": np.log(1.1),
    "height": np.log(1.1),
    "height/width": np.log(1.12),
    "position x": 1.0,
    "position y": 1.0,
    "ink": np.log(1.25),
}
REGIONS = (
    ("top-left", "top", "top-right"),
    ("left", "centre", "right"),
    ("bottom-left", "bottom", "bottom-right"),
)
SAMPLES_PER_DIGIT = 32
LABELS_VERSION = 3
STORED = frozenset(
    {"names", "correlation", "effect", "confidence", "offsets", "curves", "change"}
)  # in the cache file's name: labels named another way are computed again


def _measure(images: np.ndarray) -> np.ndarray:
    """``[..., 28, 28]`` → ``[..., P]`` properties, log-ratios for the relative ones."""
    flat = images.reshape(-1, *images.shape[-2:])
    props = image_properties(flat)
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = [np.log(props[name]) if name in RELATIVE else props[name] for name in PROPERTIES]
    return np.stack(columns, axis=-1).reshape(*images.shape[:-2], len(PROPERTIES))


def _ranks(values: np.ndarray, axis: int) -> np.ndarray:
    """Ranks 0 … n−1 along ``axis`` (exact ties are rare in measured sweeps; a flat property is set aside)."""
    return np.argsort(np.argsort(values, axis=axis, kind="stable"), axis=axis, kind="stable").astype(
        np.float64
    )


def _spearman(offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Spearman ρ of ``values [..., S, P]`` against ``offsets [S]`` (0 where a property does not vary)."""
    finite = np.where(np.isfinite(values), values, np.nanmean(values, axis=-2, keepdims=True))
    rounded = np.round(np.nan_to_num(finite), 9)  # equal values rank as ties, not by float noise
    ranks = _ranks(rounded, axis=-2)
    ranks -= ranks.mean(axis=-2, keepdims=True)
    o = _ranks(offsets, axis=0) - (len(offsets) - 1) / 2
    cov = (ranks * o[:, None]).sum(axis=-2)
    norm = np.sqrt((ranks**2).sum(axis=-2) * (o**2).sum())
    flat = np.ptp(rounded, axis=-2) == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(flat | (norm == 0), 0.0, cov / norm)


def _effects(offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares change of each property over the sweep, in noticeable steps: ``[..., P]``."""
    centred_o = offsets - offsets.mean()
    centred_v = values - np.nanmean(values, axis=-2, keepdims=True)
    valid = np.isfinite(centred_v)
    o = np.where(valid, centred_o[:, None], 0.0)
    cov = np.where(valid, centred_v, 0.0) * o
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.nan_to_num(cov.sum(axis=-2) / (o * o).sum(axis=-2))
    units = np.array([NOTICEABLE[name] for name in PROPERTIES])
    return slope * (offsets.max() - offsets.min()) / units


def _candidates(rho: np.ndarray, effect: np.ndarray) -> dict[str, tuple[float, float]]:
    """Each explanation of a visible change: name → (|ρ|, score |ρ|·|effect|).

    Width and height are read as one explanation: ``scale`` when both move the
    same way, ``height/width`` when they move apart, else the one that moves.
    """
    index = {name: k for k, name in enumerate(PROPERTIES)}
    visible = np.abs(effect) >= 1.0
    found: dict[str, tuple[float, float]] = {}
    for name in ("stroke width", "slant", "position x", "position y", "ink"):
        k = index[name]
        if visible[k]:
            found[name] = (abs(rho[k]), abs(rho[k]) * abs(effect[k]))
    w, h = index["width"], index["height"]
    wide = visible[w] and abs(rho[w]) >= RIVAL_CORRELATION
    tall = visible[h] and abs(rho[h]) >= RIVAL_CORRELATION
    if wide and tall:
        name = "scale" if np.sign(effect[w]) == np.sign(effect[h]) else "height/width"
        both = min(abs(rho[w]), abs(rho[h]))
        found[name] = (both, both * max(abs(effect[w]), abs(effect[h])))
    elif wide or tall:
        k = w if wide else h
        found[PROPERTIES[k]] = (abs(rho[k]), abs(rho[k]) * abs(effect[k]))
    return found


def _decide(rho: np.ndarray, effect: np.ndarray, local: str, visible: bool) -> str:
    """The name one set of evidence supports (see the module docstring).

    Ink changes with almost everything, so it names a dimension only when nothing else moves.
    """
    if not visible:
        return ""
    found = _candidates(rho, effect)
    specific = {name: value for name, value in found.items() if name != "ink"}
    pool = specific or found
    if pool:
        ranked = sorted(pool.items(), key=lambda item: -item[1][1])
        best, (best_rho, score) = ranked[0]
        runner_up = ranked[1][1][1] if len(ranked) > 1 else 0.0
        if best_rho >= MIN_RANK_CORRELATION and score >= MARGIN * runner_up:
            return best
    return local or MIXED


def _unmoved(offsets: np.ndarray) -> int:
    """Index of the offset closest to 0: the pose as decoded."""
    return int(np.argmin(np.abs(offsets)))


def _change_map(sweep: np.ndarray) -> np.ndarray:
    """``sweep [K, S, H, W]`` → mean |last − first| decoded image: where the dimension changes the digit."""
    return np.abs(sweep[:, -1] - sweep[:, 0]).mean(axis=0)


def _locality(sweep: np.ndarray, unmoved: int) -> tuple[str, float]:
    """Where the sweep changes the digit: ``("local: top", total change)`` or ``("", total change)``.

    ``sweep [K, S, H, W]``; the change is the mean |last − first| decoded image, split over
    a 3 × 3 grid laid on the ink's box of the poses at offset index ``unmoved`` (a cell, else a side third).
    """
    change = _change_map(sweep)
    total = float(change.sum())
    ink = sweep[:, unmoved].mean(axis=0)
    height, width = ink.shape
    everywhere = (np.array([0, height - 1]), np.array([0, width - 1]))
    rows, cols = np.nonzero(ink > 0.2 * ink.max()) if ink.max() > 0 else everywhere
    top, bottom = rows.min(), rows.max() + 1
    left, right = cols.min(), cols.max() + 1
    row_edges = np.linspace(top, bottom, 4).round().astype(int)
    col_edges = np.linspace(left, right, 4).round().astype(int)
    shares = np.array(
        [
            [change[row_edges[i] : row_edges[i + 1], col_edges[j] : col_edges[j + 1]].sum() for j in range(3)]
            for i in range(3)
        ]
    ) / max(total, 1e-9)
    i, j = np.unravel_index(int(shares.argmax()), shares.shape)
    if shares[i, j] >= LOCAL_SHARE:
        return f"local: {REGIONS[i][j]}", total
    rows, cols = shares.sum(axis=1), shares.sum(axis=0)
    for part, names in ((rows, ("top", "", "bottom")), (cols, ("left", "", "right"))):
        k = int(part.argmax())
        if part[k] >= LOCAL_BAND_SHARE and names[k]:
            return f"local: {names[k]}", total
    return "", total


def label_sweeps(
    sweeps: np.ndarray, offsets: np.ndarray, with_confidence: bool = False
) -> tuple[np.ndarray, ...]:
    """Name the dimensions behind decoded sweeps.

    Parameters
    ----------
    sweeps : np.ndarray
        ``[D, K, S, 28, 28]``: for each of D dimensions, K starting poses decoded at S offsets.
    offsets : np.ndarray
        ``[S]`` the offsets (increasing).
    with_confidence : bool
        Also return ``confidence [D]``, the share of starting poses whose own sweep gets the same name.

    Returns
    -------
    names : ``[D]`` str, correlation : ``[D, P]`` (mean Spearman ρ), effect : ``[D, P]``
    (and confidence ``[D]``).
    """
    offsets = np.asarray(offsets, np.float64)
    return _name_sweeps(sweeps, offsets, _measure(sweeps), with_confidence)


def _name_sweeps(
    sweeps: np.ndarray, offsets: np.ndarray, values: np.ndarray, with_confidence: bool
) -> tuple[np.ndarray, ...]:
    """:func:`label_sweeps` for sweeps already measured (``values [D, K, S, P]``)."""
    rho_each = _spearman(offsets, values)  # [D, K, P]
    effect_each = _effects(offsets, values)  # [D, K, P]
    correlation = rho_each.mean(axis=1)
    effect = np.nanmedian(effect_each, axis=1)
    middle = _unmoved(offsets)
    names, confidence = [], []
    for d in range(len(values)):
        local, total = _locality(sweeps[d], middle)
        name = _decide(correlation[d], effect[d], local, total >= VISIBLE_CHANGE)
        names.append(name)
        if with_confidence:
            agree = []
            for k in range(sweeps.shape[1]):
                own_local, own_total = _locality(sweeps[d, k : k + 1], middle)
                own = _decide(rho_each[d, k], effect_each[d, k], own_local, own_total >= VISIBLE_CHANGE)
                agree.append(own == name)
            confidence.append(float(np.mean(agree)))
    result = (np.array(names, dtype=str), correlation.astype(np.float32), effect.astype(np.float32))
    return (*result, np.array(confidence, np.float32)) if with_confidence else result


def _starting_poses(survey: Survey, digit: int, count: int, skip: int = 0) -> np.ndarray:
    """``[K, 16]`` poses of right answers of this class: ``count`` of them, after the first ``skip``."""
    rows = np.flatnonzero(survey.correct & (survey.labels == digit))[skip : skip + count]
    if len(rows) == 0:
        return np.zeros((1, DIGIT_DIM), np.float32)
    return survey.poses[rows, digit]


@torch.no_grad()
def auto_labels(
    model: CapsNet, survey: Survey, samples_per_digit: int = SAMPLES_PER_DIGIT, skip: int = 0
) -> DimensionLabels:
    """Label all 10 × 16 dimensions of ``model``, sweeping from ``samples_per_digit`` right answers per class.

    ``skip`` starts after that many right answers (two disjoint sets of starting
    digits, to see whether the names depend on which digits were used).
    """
    offsets = PAPER_OFFSETS
    names = np.empty((N_DIGITS, DIGIT_DIM), dtype="<U24")
    correlation = np.zeros((N_DIGITS, DIGIT_DIM, len(PROPERTIES)), np.float32)
    effect = np.zeros_like(correlation)
    confidence = np.zeros((N_DIGITS, DIGIT_DIM), np.float32)
    side = model.input_size
    curves = np.zeros((N_DIGITS, DIGIT_DIM, len(offsets), len(PROPERTIES)), np.float32)
    change = np.zeros((N_DIGITS, DIGIT_DIM, side, side), np.float32)
    eye = np.eye(DIGIT_DIM, dtype=np.float32)
    for digit in range(N_DIGITS):
        start = _starting_poses(survey, digit, samples_per_digit, skip)  # [K, 16]
        poses = start[None, :, None, :] + offsets[None, None, :, None] * eye[:, None, None, :]  # [D,K,S,16]
        flat = torch.from_numpy(poses.reshape(-1, DIGIT_DIM).astype(np.float32)).to(model.device)
        images = model.decode(flat, digit).float().cpu().numpy().reshape(*poses.shape[:3], side, side)
        values = _measure(images)  # [D, K, S, P], measured once for the names and their evidence
        names[digit], correlation[digit], effect[digit], confidence[digit] = _name_sweeps(
            images, offsets.astype(np.float64), values, with_confidence=True
        )
        curves[digit], change[digit] = _evidence(images, offsets, values)
    return DimensionLabels(names, correlation, effect, confidence, offsets.astype(np.float32), curves, change)


def _evidence(sweeps: np.ndarray, offsets: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sweeps [D, K, S, H, W]``, measured as ``values [D, K, S, P]`` → each property's mean change
    along the sweep ``[D, S, P]`` (noticeable steps, 0 at the unmoved pose) and where the digit
    changes, :func:`_change_map` ``[D, H, W]``."""
    middle = _unmoved(offsets)
    units = np.array([NOTICEABLE[name] for name in PROPERTIES])
    with np.errstate(invalid="ignore"):
        moved = np.nanmean(values - values[:, :, middle : middle + 1], axis=1) / units
    change = np.stack([_change_map(sweep) for sweep in sweeps])
    return np.nan_to_num(moved).astype(np.float32), change.astype(np.float32)


def load_or_compute_labels(model: CapsNet, survey: Survey, folder: Path | None = None) -> DimensionLabels:
    """:func:`auto_labels`, cached per weights file and image set.

    The sweeps start from the first right answers of each class, so a survey
    that grew later (more digits of the same set) reuses the labels.
    """
    key = f"{model_key(model)}-{survey.source}-{SAMPLES_PER_DIGIT}-v{LABELS_VERSION}"
    path = (folder or cache_dir()) / f"labels-{key}.npz"
    cached = load_arrays(path)
    if cached is not None and set(cached) >= STORED:
        return DimensionLabels.from_arrays(cached)
    labels = auto_labels(model, survey)
    save_arrays(path, labels.to_arrays())
    return labels

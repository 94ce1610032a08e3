"""CapsNet vs CNN accuracy as the test digits are rotated, scaled, sheared, shifted or all of these at once.

Each transform is applied about the image centre with bilinear resampling
(``affine_grid`` / ``grid_sample``, zeros outside; :mod:`capsviz.analysis.invariance`),
to the stored MNIST test digits without any re-centring, so a shifted digit
stays shifted. Levels are symmetric where the transform has a sign: half of
the digits get ``+level`` and half ``-level`` (rotation, shear, and the shift's
direction, which is drawn at random per digit). ``affine`` combines all four
at random, each up to the level's fraction of its range. Results are cached
per pair of weights, test digits and levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from capsviz.analysis.cache import cache_dir, load_json, results_key, save_json
from capsviz.analysis.invariance import Transform, transform_images
from capsviz.model.capsnet import CapsNet

LEVELS: dict[str, tuple[float, ...]] = {
    "rotation": (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0),  # degrees
    "scale": (0.5, 0.67, 0.83, 1.0, 1.17, 1.33, 1.5),  # size factor
    "shear": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),  # x pixels per pixel of y
    "shift": (0.0, 2.0, 4.0, 6.0, 8.0),  # pixels, in a random direction
    "affine": (0.0, 0.25, 0.5, 0.75, 1.0),  # fraction of every range above, combined at random
}
UNITS = {"rotation": "°", "scale": "×", "shear": "", "shift": "px", "affine": "of the ranges"}
SEED = 2017
BATCH = 250


class MeasurementCancelled(Exception):
    """``should_stop`` asked the measurement to stop (nothing of it is cached)."""


@dataclass(frozen=True)
class Curve:
    """Accuracy of both models at each level of one transform."""

    levels: tuple[float, ...]
    capsnet: tuple[float, ...]
    cnn: tuple[float, ...]


def transforms_for(kind: str, level: float, count: int, rng: np.random.Generator) -> list[Transform]:
    """The ``count`` per-digit transforms of ``kind`` at ``level`` (see the module docstring)."""
    signs = np.where(np.arange(count) % 2 == 0, 1.0, -1.0)
    if kind == "rotation":
        return [Transform(rotation=level * s) for s in signs]
    if kind == "scale":
        return [Transform(scale=level)] * count
    if kind == "shear":
        return [Transform(shear=level * s) for s in signs]
    if kind == "shift":
        angles = rng.uniform(0, 2 * np.pi, count)
        return [Transform(shift_x=level * np.cos(a), shift_y=level * np.sin(a)) for a in angles]
    if kind == "affine":
        top = {name: max(abs(v - (1.0 if name == "scale" else 0.0)) for v in LEVELS[name]) for name in LEVELS}
        draw = rng.uniform(-1.0, 1.0, (count, 4)) * level
        angles = rng.uniform(0, 2 * np.pi, count)
        return [
            Transform(
                rotation=r * top["rotation"],
                scale=1.0 + s * top["scale"],
                shear=h * top["shear"],
                shift_x=abs(d) * top["shift"] * np.cos(a),
                shift_y=abs(d) * top["shift"] * np.sin(a),
            )
            for (r, s, h, d), a in zip(draw, angles, strict=True)
        ]
    raise ValueError(f"unknown transform {kind!r}; choose one of {', '.join(LEVELS)}")


@torch.no_grad()
def predictions(model: torch.nn.Module, images: np.ndarray) -> np.ndarray:
    device = next(model.parameters()).device
    rows = []
    for start in range(0, len(images), BATCH):
        batch = torch.from_numpy(np.ascontiguousarray(images[start : start + BATCH]))[:, None].to(device)
        out = model(batch)
        scores = out if isinstance(out, torch.Tensor) else out.lengths
        rows.append(scores.argmax(dim=1).cpu().numpy())
    return np.concatenate(rows)


def robustness(
    capsnet: CapsNet,
    cnn: torch.nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    kinds: tuple[str, ...] = tuple(LEVELS),
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Curve]:
    """Accuracy of both models on ``images`` (uint8 ``[N, 28, 28]``) under every level of every transform.

    ``should_stop`` is asked before each level; True raises :class:`MeasurementCancelled`.
    """
    digits = np.asarray(images, np.float32) / 255.0
    truth = np.asarray(labels)
    total, done, curves = sum(len(LEVELS[k]) for k in kinds), 0, {}
    for kind in kinds:
        rng = np.random.default_rng(SEED)
        capsule_scores, cnn_scores = [], []
        for level in LEVELS[kind]:
            if should_stop is not None and should_stop():
                raise MeasurementCancelled
            moved = transform_images(digits, transforms_for(kind, level, len(digits), rng))
            capsule_scores.append(float((predictions(capsnet, moved) == truth).mean()))
            cnn_scores.append(float((predictions(cnn, moved) == truth).mean()))
            done += 1
            if progress is not None:
                progress(done, total)
        curves[kind] = Curve(LEVELS[kind], tuple(capsule_scores), tuple(cnn_scores))
    return curves


def as_json(curves: dict[str, Curve]) -> dict:
    """``{"<transform>": {"levels": [...], "capsnet": [...], "cnn": [...]}, ...}``."""
    return {
        kind: {"levels": list(c.levels), "capsnet": list(c.capsnet), "cnn": list(c.cnn)}
        for kind, c in curves.items()
    }


def _cache_path(capsnet: CapsNet, cnn: torch.nn.Module, images: np.ndarray, labels: np.ndarray) -> Path:
    levels = np.array([v for kind in LEVELS for v in LEVELS[kind]], np.float64)
    return cache_dir() / f"robustness-{results_key(capsnet, cnn, images, labels, levels)}.json"


def _curves_from_json(data: dict) -> dict[str, Curve]:
    return {k: Curve(tuple(v["levels"]), tuple(v["capsnet"]), tuple(v["cnn"])) for k, v in data.items()}


def cached_curves(
    capsnet: CapsNet, cnn: torch.nn.Module, images: np.ndarray, labels: np.ndarray
) -> dict[str, Curve] | None:
    """The curves measured before for this pair of weights and these digits, or None."""
    return load_json(_cache_path(capsnet, cnn, images, labels), _curves_from_json)


def cached_robustness(
    capsnet: CapsNet,
    cnn: torch.nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[dict[str, Curve], bool]:
    """:func:`robustness` for every transform, from the cache when this pair of weights was measured before.

    Returns the curves and whether they came from the cache.
    """
    path = _cache_path(capsnet, cnn, images, labels)  # hashing the weights once, not for each look
    cached = load_json(path, _curves_from_json)
    if cached is not None:
        return cached, True
    curves = robustness(capsnet, cnn, images, labels, progress=progress, should_stop=should_stop)
    save_json(path, as_json(curves))
    return curves, False

"""One pass of the network over the shipped test set, shared by the statistics and the gallery.

Running 10k digits takes from seconds (GPU) to minutes (a busy laptop CPU), so
the pass runs once per weights file and is cached. The cache holds the first
``n`` digits; asking for more later computes only the rest, and a cancelled
pass keeps what it finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from capsviz.analysis.cache import array_key, cache_dir, load_arrays, model_key, save_arrays
from capsviz.analysis.inference import as_batch
from capsviz.model.capsnet import CapsNet

Progress = Callable[[int, int], None]
BATCH_SIZE = 100


class SurveyCancelled(RuntimeError):
    """The pass was stopped on request; the digits finished so far are cached."""


@dataclass
class Survey:
    """The network's answer for the first ``n`` digits of a test set.

    Attributes
    ----------
    labels : np.ndarray
        ``[n]`` true digits.
    lengths : np.ndarray
        ``[n, 10]`` capsule lengths.
    poses : np.ndarray
        ``[n, 10, 16]`` digit capsules v_j.
    source : str
        A short hash of the whole image set the digits come from (names caches).
    """

    labels: np.ndarray
    lengths: np.ndarray
    poses: np.ndarray
    source: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def predictions(self) -> np.ndarray:
        """``[n]`` longest capsule per digit."""
        return self.lengths.argmax(axis=1)

    @property
    def correct(self) -> np.ndarray:
        """``[n]`` True where the prediction is the label."""
        return self.predictions == self.labels

    @property
    def margin(self) -> np.ndarray:
        """``[n]`` longest minus second-longest length: how sure the network is."""
        top2 = np.sort(self.lengths, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]

    def winning_poses(self) -> np.ndarray:
        """``[n, 16]`` pose of each digit's longest capsule."""
        return self.poses[np.arange(len(self)), self.predictions]

    def head(self, n: int) -> Survey:
        """The survey of the first ``n`` digits."""
        return Survey(self.labels[:n], self.lengths[:n], self.poses[:n], self.source)


@torch.no_grad()
def _run(
    model: CapsNet,
    images: np.ndarray,
    start: int,
    stop: int,
    progress: Progress | None,
    should_stop: Callable[[], bool] | None,
    batch_size: int,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Lengths and poses of ``images[start:stop]``; the flag says whether it was cut short."""
    lengths, poses = [], []
    for first in range(start, stop, batch_size):
        if should_stop is not None and should_stop():
            break
        out = model(as_batch(images[first : min(first + batch_size, stop)], model))
        lengths.append(out.lengths.float().cpu().numpy())
        poses.append(out.poses.float().cpu().numpy())
        if progress is not None:
            progress(min(first + batch_size, stop), stop)
    done = start + sum(len(x) for x in lengths)
    empty_l, empty_p = np.zeros((0, 10), np.float32), np.zeros((0, 10, 16), np.float32)
    return (
        np.concatenate(lengths) if lengths else empty_l,
        np.concatenate(poses) if poses else empty_p,
        done < stop,
    )


def survey_path(model: CapsNet, images: np.ndarray, folder: Path | None = None) -> Path:
    """The cache file for this model on this set of digits."""
    return (folder or cache_dir()) / f"survey-{model_key(model)}-{array_key(images)}.npz"


def cached_count(model: CapsNet, images: np.ndarray, folder: Path | None = None) -> int:
    """How many of ``images`` (from the first) the cache holds this model's survey of."""
    cached = load_arrays(survey_path(model, images, folder)) or {}
    return len(cached.get("lengths", ()))


def load_or_run_survey(
    model: CapsNet,
    images: np.ndarray,
    labels: np.ndarray,
    limit: int | None = None,
    *,
    folder: Path | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Survey:
    """The survey of the first ``limit`` digits (all by default), from the cache where possible.

    Parameters
    ----------
    images, labels : np.ndarray
        uint8 ``[N, 28, 28]`` and ``[N]``, e.g. the shipped test set.
    limit : int, optional
        How many digits to cover (a subset is faster on a slow machine).
    progress : callable, optional
        ``progress(done, total)`` after each batch.
    should_stop : callable, optional
        Polled between batches; when it returns True the finished part is cached
        and :class:`SurveyCancelled` is raised.
    batch_size : int
        Digits per forward pass (progress and cancellation happen between batches).
    """
    total = len(images) if limit is None else max(0, min(int(limit), len(images)))
    path = survey_path(model, images, folder)
    cached = load_arrays(path) or {}
    lengths = cached.get("lengths", np.zeros((0, 10), np.float32))
    poses = cached.get("poses", np.zeros((0, 10, 16), np.float32))
    if len(lengths) != len(poses) or len(lengths) > len(images):
        lengths, poses = lengths[:0], poses[:0]
    if len(lengths) < total:
        more_l, more_p, cut = _run(model, images, len(lengths), total, progress, should_stop, batch_size)
        lengths, poses = np.concatenate([lengths, more_l]), np.concatenate([poses, more_p])
        if len(more_l):
            save_arrays(path, {"lengths": lengths, "poses": poses})
        if cut:
            raise SurveyCancelled(f"stopped after {len(lengths)} of {total} digits")
    elif progress is not None:
        progress(total, total)
    labels = np.asarray(labels, dtype=np.int64)
    return Survey(labels[:total], lengths[:total], poses[:total], array_key(images))

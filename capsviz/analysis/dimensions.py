"""What (a): the range each pose dimension takes on real digits.

The paper perturbs every dimension by ±0.25. Real digits use some dimensions
far less than that and others far more, so slider ranges from the data — the
mean ± 2σ of each dimension of the winning capsule over correctly classified
test digits — show what a *typical* digit of that class looks like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsviz.analysis.survey import Survey
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS

PAPER_RANGE = 0.25
BINS = 30


@dataclass
class DimensionStats:
    """Per digit and dimension: mean, σ and the distribution of v_j[d].

    Attributes
    ----------
    mean, std : np.ndarray
        ``[10, 16]`` over correctly classified digits of each class.
    counts : np.ndarray
        ``[10, 16, bins]`` histogram of the values.
    edges : np.ndarray
        ``[10, 16, bins + 1]`` bin edges (mean ± 3σ, values beyond land in the end bins).
    samples : np.ndarray
        ``[10]`` how many digits each row was computed from.
    """

    mean: np.ndarray
    std: np.ndarray
    counts: np.ndarray
    edges: np.ndarray
    samples: np.ndarray

    @property
    def low(self) -> np.ndarray:
        """``[10, 16]`` mean − 2σ."""
        return self.mean - 2 * self.std

    @property
    def high(self) -> np.ndarray:
        """``[10, 16]`` mean + 2σ."""
        return self.mean + 2 * self.std

    def density(self, digit: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(bin centres, counts scaled to a peak of 1)`` for drawing behind a slider."""
        edges = self.edges[digit, dim]
        counts = self.counts[digit, dim].astype(np.float64)
        peak = counts.max()
        return (edges[:-1] + edges[1:]) / 2, counts / peak if peak > 0 else counts

    def slider_range(
        self, digit: int, dim: int, pose_value: float, source: str = "data"
    ) -> tuple[float, float]:
        """Offset range for a slider: ``"data"`` (mean ± 2σ, relative to the pose) or ``"paper"`` (±0.25)."""
        if source == "paper":
            return -PAPER_RANGE, PAPER_RANGE
        if source != "data":
            raise ValueError(f"source must be 'data' or 'paper', got {source!r}")
        return float(self.low[digit, dim] - pose_value), float(self.high[digit, dim] - pose_value)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "mean": self.mean,
            "std": self.std,
            "counts": self.counts,
            "edges": self.edges,
            "samples": self.samples,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> DimensionStats:
        return cls(**{name: arrays[name] for name in ("mean", "std", "counts", "edges", "samples")})


def dimension_stats(survey: Survey, bins: int = BINS) -> DimensionStats:
    """Statistics of the winning capsule's 16 dimensions, per digit, from a test-set survey."""
    mean = np.zeros((N_DIGITS, DIGIT_DIM), np.float32)
    std = np.zeros((N_DIGITS, DIGIT_DIM), np.float32)
    counts = np.zeros((N_DIGITS, DIGIT_DIM, bins), np.int64)
    edges = np.zeros((N_DIGITS, DIGIT_DIM, bins + 1), np.float32)
    samples = np.zeros(N_DIGITS, np.int64)
    keep = survey.correct
    for digit in range(N_DIGITS):
        values = survey.poses[keep & (survey.labels == digit), digit].astype(np.float64)  # [n, 16]
        samples[digit] = len(values)
        for dim in range(DIGIT_DIM):
            column = values[:, dim]
            mu = float(column.mean()) if len(column) else 0.0
            sigma = float(column.std()) if len(column) > 1 else 0.0
            spread = 3 * sigma if sigma > 0 else PAPER_RANGE
            dim_edges = np.linspace(mu - spread, mu + spread, bins + 1)
            mean[digit, dim], std[digit, dim] = mu, sigma
            edges[digit, dim] = dim_edges
            counts[digit, dim] = np.histogram(np.clip(column, dim_edges[0], dim_edges[-1]), bins=dim_edges)[0]
    return DimensionStats(mean, std, counts, edges, samples)

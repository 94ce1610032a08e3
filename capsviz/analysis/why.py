"""Why: the agreement that drives routing, and what routing changes.

Each iteration adds the agreement a_ij = û_j|i · v_j to the logits b_ij. The
views show how that agreement is spread per digit, how far c_ij moves from the
uniform 1/10 it starts at, and the lengths with routing switched off (one
iteration: uniform coupling) beside the full routing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsviz.model.capsnet import N_DIGITS, RoutingTrace

UNIFORM = 1.0 / N_DIGITS


def departure_from_uniform(coupling: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean |c − 0.1| and mean KL(c_i ‖ uniform) in nats over capsules, per iteration.

    ``coupling`` is ``[T, 1152, 10]``; both results are ``[T]``.
    """
    coupling = np.asarray(coupling, np.float64)
    abs_dev = np.abs(coupling - UNIFORM).mean(axis=(1, 2))
    safe = np.clip(coupling, 1e-12, 1.0)
    kl = (coupling * np.log(safe / UNIFORM)).sum(axis=2).mean(axis=1)
    return abs_dev.astype(np.float32), kl.astype(np.float32)


def agreement_histograms(agreement: np.ndarray, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of û·v over the 1152 capsules per iteration and digit, on shared bin edges.

    ``agreement`` is ``[T, 1152, 10]``; returns ``counts [T, 10, bins]`` and ``edges [bins + 1]``.
    """
    agreement = np.asarray(agreement, np.float64)
    low, high = float(agreement.min()), float(agreement.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    iterations = agreement.shape[0]
    counts = np.zeros((iterations, N_DIGITS, bins), np.int64)
    for t in range(iterations):
        for j in range(N_DIGITS):
            counts[t, j] = np.histogram(agreement[t, :, j], bins=edges)[0]
    return counts, edges


@dataclass
class WhyAnalysis:
    """The routing story of one image.

    Attributes
    ----------
    agreement : np.ndarray
        ``[T, 1152, 10]`` û_j|i · v_j after each iteration.
    mean_agreement : np.ndarray
        ``[T, 10]`` mean over the 1152 capsules.
    histograms : np.ndarray
        ``[T, 10, bins]`` counts of capsules per agreement bin.
    edges : np.ndarray
        ``[bins + 1]`` bin edges shared by all histograms.
    mean_abs_departure, kl_from_uniform : np.ndarray
        ``[T]`` how far c_ij is from uniform in each iteration (0 at t = 0).
    lengths_per_iteration : np.ndarray
        ``[T, 10]`` capsule lengths after each iteration.
    """

    agreement: np.ndarray
    mean_agreement: np.ndarray
    histograms: np.ndarray
    edges: np.ndarray
    mean_abs_departure: np.ndarray
    kl_from_uniform: np.ndarray
    lengths_per_iteration: np.ndarray

    @property
    def iterations(self) -> int:
        return self.agreement.shape[0]

    @property
    def lengths_without_routing(self) -> np.ndarray:
        """``[10]`` lengths with one iteration: uniform coupling, i.e. routing switched off."""
        return self.lengths_per_iteration[0]

    @property
    def lengths_with_routing(self) -> np.ndarray:
        """``[10]`` lengths after all iterations."""
        return self.lengths_per_iteration[-1]


def why_analysis(trace: RoutingTrace, index: int = 0, bins: int = 40) -> WhyAnalysis:
    """Summarise image ``index`` of ``trace`` for the Why view.

    The first iteration routes with uniform coupling, so its lengths are exactly
    those of a one-iteration network: no second forward pass is needed.
    """
    agreement = trace.agreement[index].float().cpu().numpy()
    coupling = trace.coupling[index].float().cpu().numpy()
    counts, edges = agreement_histograms(agreement, bins)
    abs_dev, kl = departure_from_uniform(coupling)
    return WhyAnalysis(
        agreement=agreement,
        mean_agreement=agreement.mean(axis=1),
        histograms=counts,
        edges=edges,
        mean_abs_departure=abs_dev,
        kl_from_uniform=kl,
        lengths_per_iteration=trace.lengths[index].float().cpu().numpy(),
    )

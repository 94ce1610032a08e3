"""The What panel's names for the pose dimensions and the evidence for each, as views and reports read them.

:mod:`capsviz.analysis.autolabel` measures them; this holds the result, so
that the views need not import the measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from capsviz.analysis.properties import PROPERTIES
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS

CONFIDENT = 0.75  # names with less confidence are shown as a guess
MIXED = "mixed"
PHRASES = {
    "stroke width": ("strokes thicker", "strokes thinner"),
    "slant": ("the digit lean right", "the digit lean left"),
    "scale": ("the digit larger", "the digit smaller"),
    "width": ("the digit wider", "the digit narrower"),
    "height": ("the digit taller", "the digit shorter"),
    "height/width": ("the digit taller and narrower", "the digit wider and lower"),
    "position x": ("the digit move right", "the digit move left"),
    "position y": ("the digit move down", "the digit move up"),
    "ink": ("more ink", "less ink"),
}


@dataclass
class DimensionLabels:
    """A short name for every (digit capsule, dimension), with the evidence behind it.

    Attributes
    ----------
    names : np.ndarray
        ``[10, 16]`` a property name, ``"local: <region>"``, ``"mixed"``, or ``""`` when the
        dimension changes nothing visible.
    correlation : np.ndarray
        ``[10, 16, P]`` mean Spearman ρ between offset and each property of :data:`PROPERTIES`.
    effect : np.ndarray
        ``[10, 16, P]`` change over the ±0.25 sweep, in noticeable steps (signed).
    confidence : np.ndarray
        ``[10, 16]`` share of the starting poses whose own sweep gets the same name.
    offsets : np.ndarray
        ``[S]`` the sweep's offsets, for the evidence below.
    curves : np.ndarray
        ``[10, 16, S, P]`` each property's mean change from the unmoved pose along the sweep, in
        noticeable steps (empty when not computed).
    change : np.ndarray
        ``[10, 16, H, W]`` mean |decoded(+0.25) − decoded(−0.25)|: where the dimension changes the digit.
    """

    names: np.ndarray
    correlation: np.ndarray
    effect: np.ndarray
    confidence: np.ndarray = field(default_factory=lambda: np.ones((N_DIGITS, DIGIT_DIM), np.float32))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    curves: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.float32))
    change: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.float32))

    @property
    def has_evidence(self) -> bool:
        return self.curves.ndim == 4 and self.change.ndim == 4

    def label(self, digit: int, dim: int) -> str:
        """``"≈ stroke width"``; ``"slant?"`` when not confident; ``"mixed"``, ``"local: top"``; or ``""``."""
        name = str(self.names[digit, dim])
        if not name or name == MIXED:
            return name
        if float(self.confidence[digit, dim]) < CONFIDENT:
            return f"{name}?"
        return name if name.startswith("local") else f"≈ {name}"

    def describe(self, digit: int, dim: int) -> str:
        """One sentence for a tooltip: what raising this dimension does, and how sure the name is."""
        name = str(self.names[digit, dim])
        sure = f"{float(self.confidence[digit, dim]):.0%} of the starting digits agree"
        if not name:
            return f"dimension {dim} of capsule {digit} changes nothing visible over ±0.25"
        if name == MIXED:
            return f"dimension {dim} of capsule {digit} changes several properties at once ({sure})"
        if name.startswith("local"):
            return f"dimension {dim} of capsule {digit} changes the digit only at its {name[7:]} ({sure})"
        k = PROPERTIES.index(name)
        up, down = PHRASES[name]
        r = float(self.correlation[digit, dim, k])
        way = up if self.effect[digit, dim, k] > 0 else down
        return f"raising dimension {dim} makes {way} (ρ = {r:+.2f}; {sure})"

    def evidence(self, digit: int, dim: int) -> str:
        """The evidence in words, for a slider's tooltip: the closest-following properties and where
        the digit changes ("" when the evidence was not kept)."""
        if not self.has_evidence:
            return ""
        rho = self.correlation[digit, dim]
        closest = ", ".join(f"{PROPERTIES[k]} ρ {rho[k]:+.2f}" for k in np.argsort(-np.abs(rho))[:3])
        change = self.change[digit, dim]
        thirds = np.array_split(change, 3, axis=0)
        shares = np.array([part.sum() for part in thirds]) / max(float(change.sum()), 1e-9)
        where = ("top", "middle", "bottom")[int(shares.argmax())]
        return f"closest: {closest}; {shares.max():.0%} of the change in the {where} third of the picture"

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "names": self.names.astype(str),
            "correlation": self.correlation,
            "effect": self.effect,
            "confidence": self.confidence,
            "offsets": self.offsets,
            "curves": self.curves,
            "change": self.change,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> DimensionLabels:
        confidence = arrays.get("confidence")
        names = arrays["names"].astype(str)
        if confidence is None:
            confidence = np.ones(names.shape, np.float32)
        empty = np.zeros((0,), np.float32)
        return cls(
            names,
            arrays["correlation"],
            arrays["effect"],
            confidence,
            arrays.get("offsets", empty),
            arrays.get("curves", empty),
            arrays.get("change", empty),
        )

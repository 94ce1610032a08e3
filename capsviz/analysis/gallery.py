"""Gallery of surprises: test digits the network gets wrong, and those it is least sure about."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsviz.analysis.survey import Survey

UNSURE_COUNT = 60


@dataclass(frozen=True)
class GalleryEntry:
    """One test digit worth a look.

    Attributes
    ----------
    index : int
        Position in the test set.
    label, prediction : int
        True and predicted digit.
    margin : float
        Longest minus second-longest capsule length (small = unsure).
    runner_up : int
        The second-longest capsule.
    """

    index: int
    label: int
    prediction: int
    margin: float
    runner_up: int

    @property
    def wrong(self) -> bool:
        return self.label != self.prediction

    def caption(self) -> str:
        """``"4→9"`` for a mistake, ``"4 (9?)"`` for an unsure right answer."""
        return f"{self.label}→{self.prediction}" if self.wrong else f"{self.label} ({self.runner_up}?)"

    def describe(self) -> str:
        verdict = f"predicted {self.prediction}" if self.wrong else f"right, but {self.runner_up} was close"
        return f"test digit #{self.index}: true {self.label}, {verdict} (margin {self.margin:.3f})"


@dataclass
class Gallery:
    """The surprising digits of a survey.

    Attributes
    ----------
    mistakes : list of GalleryEntry
        Every misclassified digit, most confident mistakes first.
    unsure : list of GalleryEntry
        Correctly classified digits with the smallest margins, smallest first.
    surveyed : int
        How many test digits were looked at.
    """

    mistakes: list[GalleryEntry]
    unsure: list[GalleryEntry]
    surveyed: int


def _entry(survey: Survey, index: int, margin: np.ndarray, order: np.ndarray) -> GalleryEntry:
    return GalleryEntry(
        index=int(index),
        label=int(survey.labels[index]),
        prediction=int(order[index, -1]),
        margin=float(margin[index]),
        runner_up=int(order[index, -2]),
    )


def gallery(survey: Survey, unsure_count: int = UNSURE_COUNT) -> Gallery:
    """Pick the mistakes and the least confident right answers from ``survey``."""
    margin = survey.margin
    order = np.argsort(survey.lengths, axis=1, kind="stable")
    wrong = np.flatnonzero(~survey.correct)
    wrong = wrong[np.argsort(-margin[wrong], kind="stable")]
    right = np.flatnonzero(survey.correct)
    unsure = right[np.argsort(margin[right], kind="stable")[:unsure_count]]
    return Gallery(
        mistakes=[_entry(survey, i, margin, order) for i in wrong],
        unsure=[_entry(survey, i, margin, order) for i in unsure],
        surveyed=len(survey),
    )

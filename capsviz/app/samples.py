"""The MNIST test digits a person browses: read once, on first use, with a clear line when they cannot be."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from capsviz.analysis.live import Sample

SampleLoader = Callable[[], tuple[np.ndarray, np.ndarray]]


class SampleDigits:
    """The shipped test digits behind *Next*, *Random* and the digit under a drawing.

    ``report`` is told, in one line, why they cannot be read (a damaged or
    incomplete install); the caller then simply shows nothing new.
    """

    def __init__(self, loader: SampleLoader, report: Callable[[str], None]) -> None:
        self._loader, self._report = loader, report
        self._loaded: tuple[np.ndarray, np.ndarray] | None = None

    def all(self) -> tuple[np.ndarray, np.ndarray]:
        """Images ``[N, 28, 28]`` and labels ``[N]``, read on first use (raises what reading raises)."""
        if self._loaded is None:
            self._loaded = self._loader()
        return self._loaded

    def pick(self, index: int) -> tuple[np.ndarray, Sample] | None:
        """Digit ``index`` (wrapping around) and what it is; None after reporting why there are none."""
        readable = self._readable()
        if readable is None:
            return None
        images, labels = readable
        index %= len(images)
        return images[index], Sample(index, int(labels[index]))

    def random_index(self) -> int | None:
        readable = self._readable()
        return None if readable is None else random.randrange(len(readable[0]))

    def _readable(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            images, labels = self.all()
        except (OSError, ValueError, KeyError) as exc:
            self._report(f"the MNIST test digits cannot be read: {exc}".splitlines()[0])
            return None
        if len(images) == 0:
            self._report("the MNIST test digits cannot be read: the set is empty")
            return None
        return images, labels

"""Compare & keep: the last few inputs with what the network said about them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np

CAPACITY = 12
_ids = itertools.count(1)


@dataclass(frozen=True, eq=False)
class HistoryEntry:
    """One kept input.

    Attributes
    ----------
    image : np.ndarray
        ``[28, 28]`` float32 in [0, 1] (a private copy).
    lengths : np.ndarray
        ``[10]`` capsule lengths when it was kept.
    source : str
        Where it came from (e.g. ``"test digit #412"``), may be empty.
    """

    image: np.ndarray
    lengths: np.ndarray
    source: str = ""
    created: float = field(default_factory=time.time)
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.lengths))

    @property
    def confidence(self) -> float:
        """Length of the winning capsule."""
        return float(np.max(self.lengths))

    def caption(self) -> str:
        """``"7  0.98"``: the prediction and its length, for a thumbnail."""
        return f"{self.prediction}  {self.confidence:.2f}"


class History:
    """The newest ``capacity`` inputs, newest first; keeping an input again moves it to the front."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("history capacity must be at least 1")
        self.capacity = capacity
        self._entries: list[HistoryEntry] = []

    def add(self, image: np.ndarray, lengths: np.ndarray, source: str = "") -> HistoryEntry:
        """Keep ``image`` (copied) with its lengths; an identical image already kept moves to the front."""
        image = np.array(image, dtype=np.float32, copy=True)
        for entry in self._entries:
            if entry.image.shape == image.shape and np.array_equal(entry.image, image):
                self._entries.remove(entry)
                self._entries.insert(0, entry)
                return entry
        entry = HistoryEntry(image, np.array(lengths, dtype=np.float32, copy=True), source)
        self._entries.insert(0, entry)
        del self._entries[self.capacity :]
        return entry

    def clear(self) -> None:
        self._entries.clear()

    @property
    def entries(self) -> list[HistoryEntry]:
        """Newest first (a copy of the list)."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: int) -> HistoryEntry:
        return self._entries[index]

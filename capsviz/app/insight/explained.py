"""What a panel's presenter needs of the input the analysis panels explain, and how it runs work for it.

:class:`~capsviz.app.insight.panels.InsightPanels` hands each presenter one of
these, so a presenter computes for the settled input, once per input, on the
analysis lane, without holding the panels' hub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from capsviz.model.capsnet import CapsNet


@dataclass(frozen=True)
class Explained:
    """The explained input (getters, read when needed) and the panels' work services.

    ``digit`` is the capsule explained (the pick, else the winner), ``pose`` its
    ``[16]`` pose plus the slider offsets, ``lengths`` the ten lengths. ``serial``
    counts settled inputs; ``fresh(key, signature)`` is True (and remembered) when
    ``key`` has not yet been computed for ``signature`` of the current input;
    ``submit(key, work, done)`` runs ``work()`` on the analysis lane and hands its
    result to ``done`` on the GUI thread.
    """

    model: Callable[[], CapsNet | None]
    image: Callable[[], np.ndarray | None]
    picture: Callable[[], np.ndarray | None]
    digit: Callable[[], int | None]
    pose: Callable[[], np.ndarray | None]
    lengths: Callable[[], np.ndarray | None]
    serial: Callable[[], int]
    fresh: Callable[[str, object], bool]
    submit: Callable[[str, Callable[[], object], Callable[[object], None]], None]

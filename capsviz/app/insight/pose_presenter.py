"""What follows the explained capsule's pose (sliders included): the Figure-4 grid and the counterfactuals.

Both are recomputed only when the capsule, its pose or the input changes, on
the analysis lane, so moving a slider never waits for them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject

from capsviz.analysis.counterfactual import Counterfactuals, counterfactuals
from capsviz.analysis.figure4 import Figure4, figure4
from capsviz.app.insight.counterfactual_panel import CounterfactualPanel
from capsviz.app.insight.explained import Explained
from capsviz.app.insight.what_panel import WhatPanel
from capsviz.model.capsnet import CapsNet


class PosePresenter(QObject):
    """Feeds the What panel its Figure-4 grid and the Counterfactuals panel its decodings."""

    def __init__(
        self,
        what: WhatPanel,
        counterfactual: CounterfactualPanel,
        explained: Explained,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.what, self.counterfactual, self.explained = what, counterfactual, explained

    def _job(self, key: str, work: Callable[[CapsNet, np.ndarray, int], object], done: Callable) -> None:
        """Run ``work(model, pose, digit)`` for the current pose unless it already ran for it."""
        explained = self.explained
        pose, digit = explained.pose(), explained.digit()
        if pose is not None and explained.fresh(key, (explained.serial(), digit, pose.tobytes())):
            model = explained.model()
            explained.submit(key, lambda: work(model, pose, digit), done)

    def figure4(self) -> None:
        """The Figure-4 grid of the explained capsule."""
        self.what.set_digit(self.explained.digit())
        self._job("figure4", figure4, self._figure4_ready)

    def _figure4_ready(self, grid: Figure4) -> None:
        if grid.digit == self.what.digit:
            self.what.show_pose(grid.pose, grid)

    def counterfactuals(self) -> None:
        self._job("counterfactual", counterfactuals, self._counterfactuals_ready)

    def _counterfactuals_ready(self, result: Counterfactuals) -> None:
        if self.explained.fresh("counterfactual_tile", result.source):
            self.counterfactual.select(result.source)
        self.counterfactual.show_counterfactuals(result, self.explained.lengths())

"""The CNN baseline beside the capsules: its ten class probabilities next to the ten lengths.

The toggle sits in the lengths panel; when it is on, every input on show is
also classified by the CNN (the same 28×28 input the CapsNet sees; about a
millisecond on a CPU, so it runs here rather than in the worker) and the plot
draws both, so a person sees where the two disagree.
"""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox

from capsviz.app.state import AppState
from capsviz.app.views.lengths import LengthPlot
from capsviz.model.baseline import BaselineCNN

TOGGLE_HELP = (
    "Show the CNN baseline's class probabilities (purple) beside the capsule lengths, for the same 28×28 "
    "input. A probability is a softmax output: the ten sum to 1. Capsule lengths are not probabilities: "
    "each says on its own how sure the network is that its digit is present, so two can be long at once."
)


@torch.no_grad()
def cnn_probabilities(model: BaselineCNN, image: np.ndarray) -> np.ndarray:
    """``[10]`` softmax probabilities of the CNN for one ``[28, 28]`` network input."""
    batch = torch.from_numpy(np.ascontiguousarray(image, np.float32))[None, None].to(model.device)
    return model.probabilities(batch)[0].float().cpu().numpy()


class BaselineComparison(QObject):
    """Feeds the lengths plot the CNN's probabilities while ``toggle`` (the lengths panel's) is checked."""

    def __init__(
        self,
        state: AppState,
        plot: LengthPlot,
        toggle: QCheckBox,
        baseline: BaselineCNN | None,
        missing: str = "",
    ) -> None:
        super().__init__(plot)
        self.state, self.plot, self.baseline, self.toggle = state, plot, baseline, toggle
        self.toggle.setEnabled(baseline is not None)
        self.toggle.setToolTip(TOGGLE_HELP if baseline is not None else f"No CNN baseline: {missing}")
        self.toggle.toggled.connect(self._render)
        state.outputsChanged.connect(self._render)

    def _render(self) -> None:
        image = self.state.input_image
        if (
            not self.toggle.isChecked()
            or self.baseline is None
            or image is None
            or self.state.outputs is None
        ):
            self.plot.show_comparison(None)
            return
        probabilities = cnn_probabilities(self.baseline, image)
        capsule, cnn = self.state.prediction, int(np.argmax(probabilities))
        verdict = "agrees" if cnn == capsule else f"says {cnn}"
        self.plot.show_comparison(probabilities, f"CNN {verdict} (p = {probabilities[cnn]:.2f})")

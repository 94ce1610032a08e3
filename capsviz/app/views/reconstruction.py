"""The decoder's picture of the steered capsule, before and after the sliders moved it."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QWidget

from capsviz.app.views.pixels import PixelImage


class ReconstructionView(QWidget):
    """Original reconstruction and the perturbed one side by side, for comparison."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconstructionView")
        self.setToolTip(
            "The decoder redraws the digit from the 16 numbers of one capsule: left as the network "
            "saw it, right with the sliders' offsets added."
        )
        self.original = PixelImage(caption="reconstruction", empty_text="–")
        self.perturbed = PixelImage(caption="perturbed", empty_text="–")
        self.original.setObjectName("originalReconstruction")
        self.perturbed.setObjectName("perturbedReconstruction")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.original)
        layout.addWidget(self.perturbed)

    def show_reconstructions(self, images: tuple[np.ndarray, np.ndarray] | None, digit: int | None) -> None:
        original, perturbed = (None, None) if images is None else images
        self.original.show_array(original)
        self.perturbed.show_array(perturbed)
        self.original.show_caption("reconstruction" if digit is None else f"capsule {digit} as seen")
        self.perturbed.show_caption("perturbed" if digit is None else f"capsule {digit} perturbed")

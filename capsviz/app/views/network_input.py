""" "What the network sees": the preprocessed 28×28 input, enlarged pixel by pixel."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from capsviz.app.views.pixels import PixelImage


class NetworkInputView(PixelImage):
    """The exact 28×28 image the network classifies, after centring and scaling like MNIST."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(caption="28 × 28 network input", grid=True, empty_text="nothing yet", parent=parent)
        self.setObjectName("networkInputView")
        self.setToolTip(
            "What the network sees: your drawing cropped, scaled to 20 px and centred "
            "by mass in 28×28 pixels, like MNIST."
        )

    def show_input(self, image: np.ndarray | None) -> None:
        self.set_array(image)

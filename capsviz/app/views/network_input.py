""" "What the network sees": the preprocessed 28×28 input, enlarged pixel by pixel.

On request it is tinted with where one digit capsule looks: how strongly the
primary capsules over each pixel route to it, at the routing iteration on show.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QWidget

from capsviz.app import theme
from capsviz.app.views.pixels import PixelImage

CAPTION = "28 × 28 network input"
WIDTH_HELP = (
    "MNIST's strokes are about 2.6 px wide when the digit's longest side is 20 px. Checked, every "
    "drawing is re-drawn from its strokes with that width, whatever the brush and the size drawn, "
    "and a picture is thinned or thickened toward it; unchecked, the network sees the strokes as "
    "drawn, so you can see how the prediction changes."
)
WIDTH_NOTES = {
    "strokes": "Now: your strokes are re-drawn with MNIST's width.",
    "thinned": "Now: the picture's strokes were thinned toward MNIST's width.",
    "thickened": "Now: the picture's strokes were thickened toward MNIST's width.",
    "kept": "Now: the strokes are already as wide as MNIST's and are left as they are.",
    "raw": "Now: the strokes reach the network as drawn.",
}
TINT = QColor(theme.STEER)
MAX_ALPHA = 0.8


def tint_qimage(strength: np.ndarray) -> QImage:
    """``[H, W]`` strengths in [0, 1] (NaN: none) as a premultiplied orange tint."""
    alpha = np.nan_to_num(np.clip(strength, 0.0, 1.0), nan=0.0) * MAX_ALPHA
    height, width = alpha.shape
    rgba = np.empty((height, width, 4), np.uint8)
    for channel, level in enumerate((TINT.red(), TINT.green(), TINT.blue(), 255)):
        rgba[..., channel] = np.round(alpha * level).astype(np.uint8)
    data = np.ascontiguousarray(rgba)
    return QImage(data.data, width, height, width * 4, QImage.Format.Format_RGBA8888_Premultiplied).copy()


class NetworkInputView(PixelImage):
    """The exact 28×28 image the network classifies, after centring and scaling like MNIST.

    ``where_toggle`` (placed by the owner) asks for the Where tint; the view
    reports it and draws whatever :meth:`show_overlay` hands it. ``width_toggle``
    asks for MNIST's stroke width (checked) or the strokes as drawn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(caption=CAPTION, grid=True, empty_text="nothing yet", parent=parent)
        self.setObjectName("networkInputView")
        self.setToolTip(
            "What the network sees: your drawing cropped, scaled to 20 px and centred "
            "by mass in 28×28 pixels, like MNIST."
        )
        self._overlay: np.ndarray | None = None
        self._tint: QImage | None = None
        self.where_toggle = QCheckBox("Where the capsule looks")
        self.where_toggle.setObjectName("whereOverlayToggle")
        self.where_toggle.setToolTip(
            "Tint the input and your drawing by how strongly the primary capsules over each "
            "pixel route to the steered digit capsule (coupling c_ij, mean over the 32 types), "
            "at the routing iteration on show; it follows the routing controls."
        )

        self.width_toggle = QCheckBox("MNIST stroke width")
        self.width_toggle.setObjectName("strokeWidthToggle")
        self.width_toggle.setChecked(True)
        self.width_toggle.setToolTip(WIDTH_HELP)

    def show_input(self, image: np.ndarray | None) -> None:
        self.show_array(image)

    def show_width(self, how: str | None) -> None:
        """Say how the stroke width of the input on show was treated (``Preprocessed.width``)."""
        note = WIDTH_NOTES.get(how or "", "")
        self.width_toggle.setToolTip(f"{WIDTH_HELP} {note}".strip())

    def show_overlay(self, strength: np.ndarray | None, digit: int | None = None, note: str = "") -> None:
        """Tint by ``strength`` ([28, 28] in [0, 1], NaN where no capsule looks); None removes it."""
        self._overlay = None if strength is None else np.asarray(strength, np.float32).copy()
        self._tint = None if strength is None else tint_qimage(self._overlay)
        self.show_caption(CAPTION if strength is None else f"c_ij → capsule {digit}{note}")
        self.update()

    def overlay(self) -> np.ndarray | None:
        """The tint on display (a copy), or None."""
        return None if self._overlay is None else self._overlay.copy()

    def show_target(self, digit: int | None) -> None:
        """Name the capsule the toggle is about."""
        who = "the capsule" if digit is None else f"capsule {digit}"
        self.where_toggle.setText(f"Where {who} looks")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._tint is None or self._pixels is None:
            return
        painter = QPainter(self)
        painter.drawImage(self._square(), self._tint)
        painter.end()

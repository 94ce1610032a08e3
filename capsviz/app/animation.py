"""Animations to take away: routing over the iterations, one dimension swept, a morph.

Each frame is drawn by the window's own views (the routing view, the decoder's
pictures, the lengths plot) laid out on a stage of the size asked for and
grabbed offscreen, so a GIF on a slide looks exactly like the app.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from capsviz.analysis.counterfactual import decode_as
from capsviz.analysis.live import Outputs
from capsviz.analysis.morph import Morph
from capsviz.app import theme
from capsviz.app.animation_file import Film
from capsviz.app.insight.common import array_to_qimage_rgb
from capsviz.app.views.lengths import LengthPlot
from capsviz.app.views.pixels import PixelImage
from capsviz.app.views.reconstruction import ReconstructionView
from capsviz.app.views.routing import RoutingView
from capsviz.model.capsnet import DIGIT_DIM, CapsNet

DEFAULT_SIZE = (800, 600)
MIN_SIDE, MAX_SIDE = 240, 2000
ITERATION_MS = 1000  # each routing iteration on screen, long enough to read its title
TWEEN_MS = 60  # frames morphing one iteration into the next
SWEEP_MS = 110
MORPH_MS = 180
HOLD_ENDS = 3  # the first and last frame of a sweep or morph stay this many times longer
SWEEP_STEPS = 21
SLIDER_STEPS = 1000


class Stage(QWidget):
    """One frame's layout: a title, the network's input on the left, the animated view on the right."""

    def __init__(self, view: QWidget, size: tuple[int, int], image: np.ndarray | None, caption: str) -> None:
        super().__init__()
        self.setObjectName("animationStage")
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.title = theme.heading_label()
        self.note = QLabel()
        self.note.setObjectName("caption")
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.setSpacing(12)
        if image is not None:
            side = QVBoxLayout()
            self.input = PixelImage(caption=caption)
            self.input.show_array(image)
            self.input.setFixedWidth(max(120, size[0] // 4))
            side.addWidget(self.input)
            side.addStretch(1)
            row.addLayout(side)
        row.addWidget(view, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(row, 1)
        layout.addWidget(self.note)
        footer = QLabel("capsviz")
        footer.setObjectName("caption")
        footer.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(footer)
        self.resize(*size)
        self.show()

    def frame(self, title: str, note: str = "") -> np.ndarray:
        """Draw the stage with ``title`` and ``note`` and return its pixels."""
        self.title.setText(title)
        self.note.setText(note)
        self.layout().activate()
        return array_to_qimage_rgb(self.grab().toImage())


def routing_film(
    outputs: Outputs,
    image: np.ndarray,
    size: tuple[int, int] = DEFAULT_SIZE,
    tween: int = 0,
    source: str = "",
) -> Film:
    """c_ij and the lengths after every iteration; ``tween`` frames morph each into the next."""
    view = RoutingView()
    view.show_controls(False)
    stage = Stage(view, size, image, "the network's input")
    frames, durations = [], []
    count = outputs.iterations
    for iteration in range(count):
        view.show_routing(outputs, iteration)
        title = f"Routing by agreement · iteration {iteration + 1} of {count}"
        frames.append(stage.frame(title, source))
        durations.append(ITERATION_MS)
        if iteration + 1 < count:
            for step in range(1, tween + 1):
                view.show_routing(outputs, iteration, step / (tween + 1))
                title = f"Routing by agreement · iteration {iteration + 1} → {iteration + 2}"
                frames.append(stage.frame(title, source))
                durations.append(TWEEN_MS)
    stage.deleteLater()
    return Film(frames, durations)


def sweep_values(low: float, high: float, steps: int = SWEEP_STEPS) -> np.ndarray:
    """0 → high → low → 0: a sweep that starts and ends on the capsule as the network saw it."""
    quarter = max(1, steps // 4)
    up = np.linspace(0.0, high, quarter + 1)
    across = np.linspace(high, low, 2 * quarter + 1)[1:]
    back = np.linspace(low, 0.0, quarter + 1)[1:]
    return np.concatenate([up, across, back]).astype(np.float32)


def sweep_film(
    model: CapsNet,
    outputs: Outputs,
    image: np.ndarray,
    capsule: int,
    dimension: int,
    reach: tuple[float, float] = (-0.25, 0.25),
    size: tuple[int, int] = DEFAULT_SIZE,
    name: str = "",
    steps: int = SWEEP_STEPS,
) -> Film:
    """Dimension ``dimension`` of capsule ``capsule`` moved across ``reach`` and back, through the decoder."""
    if not 0 <= dimension < DIGIT_DIM:
        raise ValueError(f"dimension {dimension}: choose 0 to {DIGIT_DIM - 1}")
    low, high = reach
    values = sweep_values(low, high, steps)
    pose = outputs.poses[capsule]
    original = decode_as(model, pose, capsule)
    offsets = np.zeros((len(values), DIGIT_DIM), np.float32)
    offsets[:, dimension] = values
    pictures = [decode_as(model, pose + offset, capsule) for offset in offsets]
    view = QWidget()
    reconstruction = ReconstructionView()
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
    column = QVBoxLayout(view)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(reconstruction, 1)
    column.addWidget(slider)
    stage = Stage(view, size, image, "the network's input")
    called = f" ({name})" if name else ""
    frames = []
    span = max(abs(low), abs(high), 1e-6)
    for value, picture in zip(values, pictures, strict=True):
        reconstruction.show_reconstructions((original, picture), capsule)
        slider.setValue(round(value / span * SLIDER_STEPS))
        title = f"Capsule {capsule}, dimension {dimension}{called}: {value:+.2f}"
        frames.append(stage.frame(title, f"sweeping {low:+.2f} … {high:+.2f} through the decoder"))
    stage.deleteLater()
    return Film(frames, _held_ends(len(frames), SWEEP_MS))


def morph_film(result: Morph, size: tuple[int, int] = DEFAULT_SIZE, title: str = "") -> Film:
    """The morph's decoded frames beside what the network reads in each, fed back."""
    view = QWidget()
    picture = PixelImage(caption="decoded")
    lengths = LengthPlot()
    row = QHBoxLayout(view)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(picture, 2)
    row.addWidget(lengths, 3)
    stage = Stage(view, size, None, "")
    a, b = result.digits
    how = "the pose moves" if result.same_class else f"capsule {a} hands its mass to capsule {b}"
    frames = []
    for t, frame, read in zip(result.t, result.frames, result.lengths, strict=True):
        picture.show_array(frame)
        lengths.show_lengths(read, None)
        note = f"t = {t:.2f}: the network reads {int(np.argmax(read))}"
        frames.append(stage.frame(title or f"Morph {a} → {b}: {how}", note))
    stage.deleteLater()
    return Film(frames, _held_ends(len(frames), MORPH_MS))


def _held_ends(count: int, each_ms: int) -> list[int]:
    durations = [each_ms] * count
    durations[0] = durations[-1] = each_ms * HOLD_ENDS
    return durations


def parse_size(text: str) -> tuple[int, int]:
    """``"800x600"`` → (800, 600); a one-line ValueError for anything else or out of range."""
    try:
        width, height = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise ValueError(f"size {text!r}: write WIDTHxHEIGHT, e.g. 800x600") from None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ValueError(f"size {text!r}: each side from {MIN_SIDE} to {MAX_SIDE} px")
    return width, height

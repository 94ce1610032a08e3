"""What the controller needs from each view: draw methods in, user intents out as signals.

The widgets in :mod:`capsviz.app.views` implement these; tests replace them
with plain objects, so the controller's logic runs without any widget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from capsviz.analysis.live import Outputs, Sample
from capsviz.app.state import ModelInfo


class CanvasView(Protocol):
    """Drawing surface; emits ``imageChanged(array uint8 [H, W], event_time)`` on every edit.

    ``strokeActiveChanged(bool)``: a stroke began or ended.
    """

    imageChanged: object
    strokeActiveChanged: object

    def show_array(self, pixels: np.ndarray) -> None:
        """Replace the drawing with ``pixels`` (uint8, white ink on black), undoably."""

    def strokes(self) -> tuple | None:
        """The strokes the drawing is made of, or None when a picture was put on the canvas."""

    def show_underlay(self, pixels: np.ndarray | None) -> None:
        """Put a picture under the strokes (None: remove it); emits ``imageChanged``."""


class InputView(Protocol):
    def show_input(self, image: np.ndarray | None) -> None:
        """Show the ``[28, 28]`` network input (None: nothing drawn)."""

    def show_width(self, how: str | None) -> None:
        """Say how the stroke width was brought to MNIST's (``Preprocessed.width``)."""


class PredictionView(Protocol):
    def show_prediction(
        self, lengths: np.ndarray | None, note: str = "", caution: Sequence[str] = ()
    ) -> None:
        """The winner of ``lengths`` and its length; without lengths, ``note``; ``caution``: beyond MNIST."""


class LengthsView(Protocol):
    """Bar chart of the ten lengths; emits ``capsuleClicked(int)``."""

    capsuleClicked: object

    def show_lengths(self, lengths: np.ndarray | None, steered: int | None) -> None: ...


class RoutingView(Protocol):
    """Routing animation; emits ``playToggled()``, ``stepRequested(int)``, ``seekRequested(int)``,
    ``speedChanged(float)``, ``loopToggled(bool)`` and ``iterationsRequested(int)``."""

    playToggled: object
    stepRequested: object
    seekRequested: object
    speedChanged: object
    loopToggled: object
    iterationsRequested: object

    def show_routing(self, outputs: Outputs | None, iteration: int, blend: float = 0.0) -> None:
        """Show ``iteration``, morphed by ``blend`` toward the next one while the animation plays."""

    def show_playing(self, playing: bool) -> None: ...

    def show_iterations(self, count: int) -> None: ...


class ReconstructionView(Protocol):
    def show_reconstructions(self, images: tuple[np.ndarray, np.ndarray] | None, digit: int | None) -> None:
        """Show the original and the perturbed decoder image of capsule ``digit``."""


class PoseView(Protocol):
    """Sixteen sliders and a capsule picker; emits ``offsetChanged(int, float)``,
    ``offsetReset(int)``, ``resetAll()`` and ``capsuleSelected(int)`` (-1: follow the winner)."""

    offsetChanged: object
    offsetReset: object
    resetAll: object
    capsuleSelected: object

    def show_offsets(self, offsets: np.ndarray) -> None: ...

    def show_capsule(self, steered: int | None, winner: int | None, follows_winner: bool) -> None: ...


class StatusView(Protocol):
    def show_model(self, info: ModelInfo | None) -> None: ...

    def show_latency(self, milliseconds: float | None) -> None: ...

    def show_sample(self, sample: Sample | None, prediction: int | None) -> None:
        """Name the MNIST test digit on screen and whether the network got it right."""

    def show_message(self, text: str) -> None: ...

    def show_error(self, text: str, dialog: bool = False) -> None: ...

    def show_busy(self, text: str | None) -> None:
        """Show that a long job runs (``text``), or that it ended (None)."""


@dataclass
class Views:
    """The set of views one controller drives."""

    canvas: CanvasView
    network_input: InputView
    prediction: PredictionView
    lengths: LengthsView
    routing: RoutingView
    reconstruction: ReconstructionView
    poses: PoseView
    status: StatusView

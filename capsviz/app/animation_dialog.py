"""File → Export Animation…: what the window shows, as a GIF (or MP4) for a slide.

The routing of the input on show, a sweep of one dimension of the steered
capsule across the sliders' reach, or the morph of Compare & keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from capsviz.analysis.morph import Morph
from capsviz.app.animation import morph_film, routing_film, sweep_film
from capsviz.app.animation_file import AnimationError, Film, check_target, mp4_encoder, write_film
from capsviz.app.controller import Controller
from capsviz.app.state import AppState
from capsviz.app.views.status import StatusPanel
from capsviz.model.capsnet import DIGIT_DIM

SIZES = ((640, 480), (800, 600), (1280, 720), (1920, 1080))
KINDS = {
    "routing": "Routing over the iterations",
    "sweep": "A slider swept",
    "morph": "The morph (Compare & keep)",
}


@dataclass(frozen=True)
class AnimationRequest:
    """What to animate, at what size."""

    what: str = "routing"
    dimension: int = 0
    size: tuple[int, int] = (800, 600)
    tween: int = 0


class AnimationHost(Protocol):
    """What an export reads: the state on show, the model, the morph of Compare & keep, the status bar."""

    state: AppState
    controller: Controller
    status: StatusPanel

    def current_morph(self) -> Morph | None: ...


class ExportAnimationDialog(QDialog):
    """Choose routing, a sweep (which dimension) or the morph, and the frame size."""

    def __init__(self, parent: QWidget | None, names: list[str], has_morph: bool) -> None:
        super().__init__(parent)
        self.setObjectName("exportAnimationDialog")
        self.setWindowTitle("Export animation")
        self.kind = QComboBox()
        self.kind.setObjectName("animationKind")
        for key, text in KINDS.items():
            self.kind.addItem(text, key)
        self.kind.model().item(2).setEnabled(has_morph)
        self.kind.setToolTip(
            "Routing: one frame per iteration. Sweep: one dimension across its reach and back."
        )
        self.dimension = QComboBox()
        self.dimension.setObjectName("animationDimension")
        for dim in range(DIGIT_DIM):
            self.dimension.addItem(f"{dim}" + (f" · {names[dim]}" if dim < len(names) and names[dim] else ""))
        self.size = QComboBox()
        self.size.setObjectName("animationSize")
        for width, height in SIZES:
            self.size.addItem(f"{width} × {height}", (width, height))
        self.size.setCurrentIndex(1)
        self.tween = QSpinBox()
        self.tween.setObjectName("animationTween")
        self.tween.setRange(0, 24)
        self.tween.setToolTip("Frames morphing each routing iteration into the next (0: one frame each)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Animate", self.kind)
        form.addRow("Dimension", self.dimension)
        form.addRow("Frames between iterations", self.tween)
        form.addRow("Size", self.size)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        what = self.kind.currentData()
        self.dimension.setEnabled(what == "sweep")
        self.tween.setEnabled(what == "routing")

    def request(self) -> AnimationRequest:
        return AnimationRequest(
            self.kind.currentData(),
            self.dimension.currentIndex(),
            self.size.currentData(),
            self.tween.value(),
        )


def film_for(host: AnimationHost, request: AnimationRequest) -> Film:
    """Draw the frames ``request`` asks for from what ``host`` shows (raises AnimationError if it cannot)."""
    state, model = host.state, host.controller.model
    outputs, image, capsule = state.outputs, state.input_image, state.steered_capsule
    if request.what == "morph":
        result = host.current_morph()
        if result is None:
            raise AnimationError("no morph to export: keep an input in Compare & keep and pick it there")
        return morph_film(result, request.size)
    if outputs is None or image is None or model is None or capsule is None:
        raise AnimationError("nothing to animate yet: draw or open a digit first")
    source = host.controller.shown_result.request.source if host.controller.shown_result else ""
    if request.what == "routing":
        return routing_film(
            outputs, image, request.size, request.tween, f"{source}: read as {outputs.prediction}"
        )
    low, high = (float(v) for v in state.pose_ranges[request.dimension])
    labels = state.dimension_labels
    name = labels.label(capsule, request.dimension) if labels is not None else ""
    return sweep_film(model, outputs, image, capsule, request.dimension, (low, high), request.size, name)


def export_film(host: AnimationHost, request: AnimationRequest, path: str) -> bool:
    """Render and write the animation; the status bar says what was written, or why not."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    host.status.show_busy(f"Drawing the {request.what} animation…")
    try:
        target = check_target(path)  # before drawing: an .mp4 without ffmpeg is refused at once
        film = film_for(host, request)
        written = write_film(film, target)
    except AnimationError as exc:
        host.status.show_busy(None)
        host.status.show_error(str(exc))
        return False
    finally:
        QGuiApplication.restoreOverrideCursor()
    host.status.show_busy(None)
    seconds = sum(film.durations_ms) / 1000
    host.status.show_message(f"Saved {written} ({len(film.frames)} frames, {seconds:.1f} s)")
    return True


def export_animation_dialog(host: AnimationHost, parent: QWidget) -> None:
    """Ask what to animate and where to write it, then export."""
    labels = host.state.dimension_labels
    capsule = host.state.steered_capsule
    known = labels is not None and capsule is not None
    names = [labels.label(capsule, dim) for dim in range(DIGIT_DIM)] if known else []
    dialog = ExportAnimationDialog(parent, names, host.current_morph() is not None)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    request = dialog.request()
    kinds = "GIF animation (*.gif)" + (";;MP4 video (*.mp4)" if mp4_encoder() else "")
    path, _ = QFileDialog.getSaveFileName(parent, "Export the animation", f"{request.what}.gif", kinds)
    if path:
        export_film(host, request, path)

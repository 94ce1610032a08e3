"""The state drawn into the live views: every draw call of the main window's left side, and nothing else.

Each state signal becomes the draw calls of the views that show it; nothing
here writes state or runs the network, so what the window shows is a function
of :class:`~capsviz.app.state.AppState` alone.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

from capsviz.analysis.familiar import unfamiliar
from capsviz.app.playback import RoutingPlayback
from capsviz.app.protocols import Views
from capsviz.app.state import AppState

ROUTING_FRAME_MS = 100  # live results redraw the routing view at most ten times a second


class Renderer(QObject):
    """Draws ``state`` into ``views``; ``playback`` supplies the blend between routing iterations."""

    def __init__(
        self, state: AppState, views: Views, playback: RoutingPlayback, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.state, self.views, self.playback = state, views, playback
        self._routing_shown_at = 0.0
        self._routing_later = QTimer(self)
        self._routing_later.setSingleShot(True)
        self._routing_later.timeout.connect(self.draw_routing)
        state.inputChanged.connect(self.draw_input)
        state.outputsChanged.connect(self.draw_outputs)
        state.selectedCapsuleChanged.connect(self.draw_steering)
        state.poseOffsetsChanged.connect(self.draw_offsets)
        state.reconstructionsChanged.connect(self.draw_reconstructions)
        state.routingIterationChanged.connect(self.draw_routing)
        playback.frame.connect(self.draw_routing)
        state.iterationsChanged.connect(self.draw_iterations)
        state.playingChanged.connect(self.draw_playing)
        state.latencyChanged.connect(lambda: views.status.show_latency(state.latency_ms))
        state.modelChanged.connect(lambda: views.status.show_model(state.model))
        state.sampleChanged.connect(self.draw_sample)

    def draw_all(self) -> None:
        self.draw_input()
        self.draw_outputs()
        self.draw_offsets()
        self.draw_reconstructions()
        self.draw_iterations()
        self.draw_playing()
        self.views.status.show_model(self.state.model)
        self.views.status.show_latency(self.state.latency_ms)

    def draw_sample(self) -> None:
        self.views.status.show_sample(self.state.sample, self.state.prediction)

    def draw_input(self) -> None:
        stages = self.state.stages
        self.views.network_input.show_input(self.state.input_image)
        self.views.network_input.show_width(None if stages is None else stages.width)

    def draw_outputs(self) -> None:
        outputs, image = self.state.outputs, self.state.input_image
        lengths = None if outputs is None else outputs.lengths
        note = "no model loaded" if self.state.model is None else "draw a digit"
        caution = unfamiliar(image) if lengths is not None and image is not None else []
        self.views.prediction.show_prediction(lengths, note, caution)
        self.draw_sample()
        self.draw_routing_soon()
        self.draw_steering()

    def draw_steering(self) -> None:
        state = self.state
        self.views.lengths.show_lengths(
            None if state.outputs is None else state.outputs.lengths, state.steered_capsule
        )
        self.views.poses.show_capsule(state.steered_capsule, state.prediction, state.selected_capsule is None)

    def draw_offsets(self) -> None:
        self.views.poses.show_offsets(self.state.pose_offsets)

    def draw_reconstructions(self) -> None:
        self.views.reconstruction.show_reconstructions(self.state.reconstructions, self.state.steered_capsule)

    def draw_routing_soon(self) -> None:
        """Redraw the routing view at most every ``ROUTING_FRAME_MS`` for live results.

        A stroke brings a new result every few tens of milliseconds; the heat-map
        need not follow each one, and skipping frames leaves the GUI thread to
        the canvas and the lengths plot.
        """
        wait = ROUTING_FRAME_MS - (time.perf_counter() - self._routing_shown_at) * 1000.0
        if wait <= 0:
            self.draw_routing()
        elif not self._routing_later.isActive():
            self._routing_later.start(round(wait))

    def draw_routing(self) -> None:
        self._routing_later.stop()
        self._routing_shown_at = time.perf_counter()
        state = self.state
        self.views.routing.show_routing(state.outputs, state.routing_iteration, self.playback.blend)

    def draw_iterations(self) -> None:
        self.views.routing.show_iterations(self.state.iterations)

    def draw_playing(self) -> None:
        self.views.routing.show_playing(self.state.playing)

    def stop(self) -> None:
        """No redraw is left waiting (closing)."""
        self._routing_later.stop()

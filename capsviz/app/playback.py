"""Routing playback: a QTimer walks through the precomputed iterations and morphs between them.

Each iteration is held for the first half of its step and then blended into
the next one, so playing shows the couplings flow from uniform to routed
instead of jumping. The routing trace is computed once by the worker; playing
it back costs no network time.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from capsviz.app.state import AppState

FRAME_MS = 33  # about 30 frames per second while playing
STEP_MS = 900  # one routing iteration per this many ms at 1× speed


def smoothstep(x: float) -> float:
    """Ease in and out on [0, 1]."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


class RoutingPlayback(QObject):
    """Play, pause, step and seek through the routing iterations held in ``state``.

    ``frame()`` is emitted when only the blend toward the next iteration
    changed; iteration changes arrive through the state's own signal.
    """

    frame = Signal()

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.loop = False
        self.follow_last = True  # show the last iteration of each new result
        self._phase = 0.0
        self._step_ms = float(STEP_MS)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)
        state.playingChanged.connect(self._playing_changed)

    @property
    def blend(self) -> float:
        """How far the view has morphed toward the next iteration (0 unless playing)."""
        outputs, state = self.state.outputs, self.state
        if not state.playing or outputs is None or state.routing_iteration >= outputs.iterations - 1:
            return 0.0
        return smoothstep((self._phase - 0.5) * 2.0)

    def _last(self) -> int:
        outputs = self.state.outputs
        return (outputs.iterations if outputs is not None else self.state.iterations) - 1

    def play(self) -> None:
        if self.state.outputs is None:
            return
        if self.state.routing_iteration >= self._last():
            self.state.set_routing_iteration(0)
        self.state.set_playing(True)

    def pause(self) -> None:
        self.state.set_playing(False)

    def toggle(self) -> None:
        self.pause() if self.state.playing else self.play()

    def step(self, delta: int) -> None:
        """Show the iteration ``delta`` steps away (pauses playback)."""
        self.pause()
        self.seek(self.state.routing_iteration + delta)

    def seek(self, iteration: int) -> None:
        self._phase = 0.0
        self.state.set_routing_iteration(iteration)
        self.follow_last = self.state.routing_iteration >= self._last()

    def set_speed(self, factor: float) -> None:
        """Playback speed relative to one iteration per 0.9 s."""
        self._step_ms = STEP_MS / max(factor, 0.01)

    def set_loop(self, loop: bool) -> None:
        self.loop = loop

    def new_outputs(self) -> None:
        """A new result arrived: keep the chosen iteration, or follow the last one."""
        outputs = self.state.outputs
        if outputs is None:
            self.pause()
        elif self.follow_last or self.state.routing_iteration >= outputs.iterations:
            self.state.set_routing_iteration(outputs.iterations - 1)

    def _tick(self) -> None:
        if self.state.outputs is None:
            self.pause()
            return
        before = self.blend
        self._phase += FRAME_MS / self._step_ms
        if self._phase < 1.0:
            if self.blend != before:
                self.frame.emit()
            return
        self._phase = 0.0
        current, last = self.state.routing_iteration, self._last()
        if current < last:
            self.state.set_routing_iteration(current + 1)
        elif self.loop:
            self.state.set_routing_iteration(0)
        else:
            self.pause()
        self.follow_last = self.state.routing_iteration >= last

    def _playing_changed(self) -> None:
        self._phase = 0.0
        if self.state.playing:
            self._timer.start()
        else:
            self._timer.stop()

    def stop(self) -> None:
        self._timer.stop()

"""Keep :class:`InsightPanels` in step with the app's observable state."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from capsviz.app.insight.panels import InsightPanels

PANEL_QUIET_MS = 120  # the panels update once inputs pause this long …
PANEL_MAX_WAIT_MS = 500  # … or, during a long stroke, at least this often


class StateBinding(QObject):
    """Listens to an ``AppState`` and forwards what changed to the insight panels.

    The state needs the signals ``inputChanged``, ``outputsChanged``,
    ``routingIterationChanged``, ``selectedCapsuleChanged`` and
    ``poseOffsetsChanged`` and the properties ``input_image``, ``outputs``
    (with ``.iterations`` and, optionally, the ``.trace`` it was routed with,
    which the panels then reuse), ``routing_iteration``, ``selected_capsule``
    and ``pose_offsets``.

    A new input reaches the panels once inputs pause for :data:`PANEL_QUIET_MS`
    (and during a long stroke at least every :data:`PANEL_MAX_WAIT_MS`), always
    the newest one: redrawing a panel can take 40 ms of GUI time, which the live
    view (canvas, lengths, routing) needs while the hand moves, and the analysis
    never shows an input with another's routing. Synchronous panels (tests,
    exports) follow at once.
    """

    def __init__(self, insight: InsightPanels, state: Any) -> None:
        super().__init__(insight)
        self.insight, self.state = insight, state
        self._first_pending = 0.0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self._input_now)
        state.inputChanged.connect(self._input)
        state.outputsChanged.connect(self._input)
        state.routingIterationChanged.connect(self._iteration)
        state.selectedCapsuleChanged.connect(self._selection)
        state.poseOffsetsChanged.connect(self._offsets)
        self._input_now()

    def _input(self) -> None:
        if self.insight.synchronous:
            self._input_now()
            return
        now = time.perf_counter()
        if not self._pending.isActive():
            self._first_pending = now
        waited_ms = (now - self._first_pending) * 1000.0
        self._pending.start(int(min(PANEL_QUIET_MS, max(0.0, PANEL_MAX_WAIT_MS - waited_ms))))

    def flush(self) -> None:
        """Hand a waiting input to the panels now (before exports and screenshots)."""
        if self._pending.isActive():
            self._input_now()

    def _input_now(self) -> None:
        self._pending.stop()
        outputs = self.state.outputs
        self.insight.update(
            trace=None if outputs is None else getattr(outputs, "trace", None),
            image=None if outputs is None else self.state.input_image,
            iterations=None if outputs is None else outputs.iterations,
            iteration=self.state.routing_iteration,
            selected_digit=self.state.selected_capsule,
            pose_offsets=self.state.pose_offsets,
        )

    def _iteration(self) -> None:
        self.insight.set_iteration(self.state.routing_iteration)

    def _selection(self) -> None:
        self.insight.set_digit(self.state.selected_capsule)

    def _offsets(self) -> None:
        self.insight.set_pose_offsets(self.state.pose_offsets)

"""Keep :class:`InsightPanels` in step with the app's observable state."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from capsviz.app.insight.panels import InsightPanels

PANEL_INTERVAL_MS = 150  # while a stroke goes on, the panels follow at up to ~7 updates a second


class StateBinding(QObject):
    """Listens to an ``AppState`` and forwards what changed to the insight panels.

    The state needs the signals ``inputChanged``, ``outputsChanged``,
    ``routingIterationChanged``, ``selectedCapsuleChanged`` and
    ``poseOffsetsChanged`` and the properties ``input_image``, ``outputs``
    (with ``.iterations``), ``routing_iteration``, ``selected_capsule`` and
    ``pose_offsets``.

    A new input reaches the panels on the next turn of the event loop, and
    while inputs keep coming (a stroke) at most every :data:`PANEL_INTERVAL_MS`,
    always with the newest one: the live view (canvas, lengths, routing) keeps
    the GUI thread, and the analysis never shows an input with another's routing.
    Synchronous panels (tests, exports) follow at once.
    """

    def __init__(self, insight: InsightPanels, state: Any) -> None:
        super().__init__(insight)
        self.insight, self.state = insight, state
        self._last_update = float("-inf")
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
        elif not self._pending.isActive():
            since_ms = (time.perf_counter() - self._last_update) * 1000.0
            self._pending.start(int(max(0.0, PANEL_INTERVAL_MS - since_ms)))

    def _input_now(self) -> None:
        self._last_update = time.perf_counter()
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

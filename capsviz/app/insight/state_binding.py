"""Keep :class:`InsightPanels` in step with the app's observable state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from capsviz.app.insight.panels import InsightPanels


class StateBinding(QObject):
    """Listens to an ``AppState`` and forwards what changed to the insight panels.

    The state needs the signals ``inputChanged``, ``outputsChanged``,
    ``routingIterationChanged``, ``selectedCapsuleChanged`` and
    ``poseOffsetsChanged`` and the properties ``input_image``, ``outputs``
    (with ``.iterations``), ``routing_iteration``, ``selected_capsule`` and
    ``pose_offsets``.
    """

    def __init__(self, insight: InsightPanels, state: Any) -> None:
        super().__init__(insight)
        self.insight, self.state = insight, state
        state.inputChanged.connect(self._input)
        state.outputsChanged.connect(self._input)
        state.routingIterationChanged.connect(self._iteration)
        state.selectedCapsuleChanged.connect(self._selection)
        state.poseOffsetsChanged.connect(self._offsets)
        self._input()

    def _input(self) -> None:
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

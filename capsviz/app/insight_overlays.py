"""Feeds the main window's sliders and network input with what the analysis core knows.

The test-set survey (dimension statistics and auto-labels) arrives late and
once; the Where tint changes with the input, the steered capsule and every
routing frame, and is laid over both the 28×28 input and the person's own
drawing (through the inverse of preprocessing). This object listens to both
and hands the views plain arrays, so the views stay drawing-only.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import DimensionStats
from capsviz.analysis.live import Outputs, field_on_canvas
from capsviz.analysis.where import fold, reduce_types, to_input
from capsviz.app.playback import RoutingPlayback
from capsviz.app.state import AppState, paper_ranges
from capsviz.app.views.canvas import DrawingCanvas
from capsviz.app.views.network_input import NetworkInputView
from capsviz.app.views.poses import PoseSliders
from capsviz.model.capsnet import DIGIT_DIM


def where_grids(outputs: Outputs, digit: int) -> np.ndarray:
    """``[T, 6, 6]`` coupling to ``digit`` per iteration, mean over the 32 capsule types."""
    return reduce_types(fold(outputs.coupling[:, :, digit]), "mean")


class InsightOverlays(QObject):
    """Distributions, labels and data ranges of the pose sliders; the Where tint on the input and canvas."""

    def __init__(
        self,
        state: AppState,
        poses: PoseSliders,
        network_input: NetworkInputView,
        playback: RoutingPlayback | None = None,
        canvas: DrawingCanvas | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.state, self.poses, self.network_input, self.playback = state, poses, network_input, playback
        self.canvas = canvas
        self._grids: tuple[Outputs, int, np.ndarray] | None = None  # cache for the outputs and digit shown
        # what the sliders' distributions and labels were last drawn for: redrawn only when it changes
        self._drawn: dict[str, tuple[int | None, object]] = {}
        for signal in (state.outputsChanged, state.selectedCapsuleChanged):
            signal.connect(self.refresh)
        state.routingIterationChanged.connect(self.draw_where)
        if playback is not None:
            playback.frame.connect(self.draw_where)
        network_input.where_toggle.toggled.connect(self.draw_where)
        state.poseRangesChanged.connect(lambda: poses.show_ranges(state.pose_ranges))
        state.dimensionSurveyChanged.connect(self._survey_changed)
        poses.rangeSourceChanged.connect(self.apply_ranges)
        self.refresh()

    @property
    def stats(self) -> DimensionStats | None:
        return self.state.dimension_stats

    @property
    def labels(self) -> DimensionLabels | None:
        return self.state.dimension_labels

    def _survey_changed(self) -> None:
        """The survey's findings came (data ranges become available) or went (another model)."""
        self.poses.enable_data_ranges(self.stats is not None)
        self.draw_sliders()
        self.apply_ranges()

    def refresh(self) -> None:
        self.apply_ranges()
        self.draw_sliders()
        self.draw_where()

    def apply_ranges(self) -> None:
        """Slider reach: ±0.25, or mean ± 2σ of the steered class (relative to its pose) once surveyed."""
        digit, outputs, stats = self.state.steered_capsule, self.state.outputs, self.stats
        ready = stats is not None and digit is not None and outputs is not None
        if ready and self.poses.range_source() == "data":
            pose = outputs.poses[digit]
            ranges = np.array([stats.slider_range(digit, d, float(pose[d])) for d in range(DIGIT_DIM)])
        else:
            ranges = paper_ranges()
        self.state.set_pose_ranges(ranges)

    def draw_sliders(self) -> None:
        """Distribution and label of each dimension for the steered capsule (nothing before the survey)."""
        digit, outputs = self.state.steered_capsule, self.state.outputs
        ready = digit is not None and outputs is not None
        stats, labels = self.stats, self.labels
        if ready and stats is not None:
            if self._changed("distributions", digit, stats):
                densities = [
                    (*stats.density(digit, d), (float(stats.low[digit, d]), float(stats.high[digit, d])))
                    for d in range(DIGIT_DIM)
                ]
                self.poses.show_distributions(densities)
            self.poses.show_pose(outputs.poses[digit])
        elif self._changed("distributions", None, None):
            self.poses.show_distributions(None)
        if ready and labels is not None:
            if self._changed("labels", digit, labels):
                self.poses.show_labels(
                    [(labels.label(digit, d), _why(labels, digit, d)) for d in range(DIGIT_DIM)]
                )
        elif self._changed("labels", None, None):
            self.poses.show_labels(None)

    def _changed(self, what: str, digit: int | None, source: object) -> bool:
        """True (and remembered) when ``what`` was last drawn for another digit or survey result."""
        drawn = self._drawn.get(what)
        if drawn is not None and drawn[0] == digit and drawn[1] is source:
            return False
        self._drawn[what] = (digit, source)
        return True

    def draw_where(self) -> None:
        """Tint the input and the drawing by the coupling to the steered capsule at the frame on show."""
        digit, outputs = self.state.steered_capsule, self.state.outputs
        self.network_input.show_target(digit)
        if not self.network_input.where_toggle.isChecked() or digit is None or outputs is None:
            self.network_input.show_overlay(None)
            if self.canvas is not None:
                self.canvas.show_overlay(None)
            return
        grids = self._where_grids(outputs, digit)
        last = len(grids) - 1
        iteration = min(self.state.routing_iteration, last)
        blend = self.playback.blend if self.playback is not None and iteration < last else 0.0
        grid = (1.0 - blend) * grids[iteration] + blend * grids[min(iteration + 1, last)]
        low, high = float(grids.min()), float(grids.max())
        strength = to_input((grid - low) / max(high - low, 1e-6))
        note = f" · it. {iteration + 1}/{last + 1}"
        self.network_input.show_overlay(strength, digit, note)
        if self.canvas is not None:
            stages = self.state.stages
            self.canvas.show_overlay(strength, None if stages is None else field_on_canvas(stages))

    def _where_grids(self, outputs: Outputs, digit: int) -> np.ndarray:
        if self._grids is None or self._grids[0] is not outputs or self._grids[1] != digit:
            self._grids = (outputs, digit, where_grids(outputs, digit))
        return self._grids[2]


def _why(labels: DimensionLabels, digit: int, dim: int) -> str:
    """A slider label's tooltip: what the dimension does, how sure the name is, and the evidence."""
    evidence = labels.evidence(digit, dim)
    return labels.describe(digit, dim) + (f" — {evidence}" if evidence else "")

"""The one observable model of what the app shows.

Everything a view draws lives here; setters emit a signal only when a value
really changes, so views redraw exactly when needed. The controller writes it
(and :class:`~capsviz.app.insight_overlays.InsightOverlays` the slider
ranges, which come from the test-set survey); views and analysis panels read
it and listen to its signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal

from capsviz.analysis.dimension_labels import DimensionLabels
from capsviz.analysis.dimensions import PAPER_RANGE, DimensionStats
from capsviz.analysis.live import Outputs, Sample
from capsviz.data.preprocess import Preprocessed
from capsviz.model.capsnet import DIGIT_DIM, MAX_ITERATIONS, CapsNet, RoutingTrace
from capsviz.model.device import describe_device


def paper_ranges() -> np.ndarray:
    """``[16, 2]``: every dimension from −0.25 to +0.25, as in Figure 4 of the paper."""
    return np.tile(np.float32([-PAPER_RANGE, PAPER_RANGE]), (DIGIT_DIM, 1))


@dataclass(frozen=True)
class ModelInfo:
    """What the status bar says about the loaded network."""

    name: str
    accuracy: float | None
    device: str
    iterations: int

    @classmethod
    def of(cls, model: CapsNet, source: str | None = None) -> ModelInfo:
        """Status-bar facts about ``model``; ``source`` names the weights file (None: the shipped ones)."""
        try:
            accuracy: float | None = float(model.metadata["test_accuracy"])
        except (KeyError, ValueError):
            accuracy = None
        name = f"CapsNet · {Path(source).name}" if source else "CapsNet · shipped weights"
        where = describe_device(model.device)
        if model.inference_dtype == torch.bfloat16:
            where += " · bf16"
        return cls(name, accuracy, where, model.iterations)


@dataclass(frozen=True, eq=False)
class SettledInput:
    """The input the analysis panels explain: the newest one, once drawing pauses.

    ``trace`` is the live view's routing trace of it (None: the panels route it
    themselves), ``source`` says where it came from ("MNIST test #3 (a 5)",
    "drawing", a file name), for the history and exports; ``picture`` is the
    input before preprocessing (what the two-digit model frames its own way).
    """

    image: np.ndarray
    trace: RoutingTrace | None
    iterations: int
    source: str
    picture: np.ndarray | None = None


class AppState(QObject):
    """Observable state: input, network outputs, capsule steering and routing playback.

    Signals carry no payload; read the matching property.
    """

    inputChanged = Signal()
    outputsChanged = Signal()
    selectedCapsuleChanged = Signal()
    poseOffsetsChanged = Signal()
    poseRangesChanged = Signal()
    reconstructionsChanged = Signal()
    routingIterationChanged = Signal()
    iterationsChanged = Signal()
    playingChanged = Signal()
    latencyChanged = Signal()
    modelChanged = Signal()
    sampleChanged = Signal()
    normaliseWidthChanged = Signal()
    settledChanged = Signal()
    dimensionSurveyChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stages: Preprocessed | None = None
        self._outputs: Outputs | None = None
        self._selected: int | None = None
        self._offsets = np.zeros(DIGIT_DIM, np.float32)
        self._ranges = paper_ranges()
        self._reconstructions: tuple[np.ndarray, np.ndarray] | None = None
        self._routing_iteration = 0
        self._iterations = 3
        self._normalise_width = True
        self._playing = False
        self._latency_ms: float | None = None
        self._model: ModelInfo | None = None
        self._sample: Sample | None = None
        self._settled: SettledInput | None = None
        self._stats: DimensionStats | None = None
        self._labels: DimensionLabels | None = None

    # input and outputs -------------------------------------------------
    @property
    def stages(self) -> Preprocessed | None:
        """Preprocessing of the current input (``.image`` is the 28×28 the network sees)."""
        return self._stages

    @property
    def input_image(self) -> np.ndarray | None:
        """The current ``[28, 28]`` network input, or None before any input."""
        return None if self._stages is None else self._stages.image

    def set_input(self, stages: Preprocessed | None) -> None:
        if stages is not self._stages:
            self._stages = stages
            self.inputChanged.emit()

    @property
    def outputs(self) -> Outputs | None:
        """Network outputs (routing trace included) for the current input; None if nothing drawn."""
        return self._outputs

    def set_outputs(self, outputs: Outputs | None) -> None:
        if outputs is not self._outputs:
            self._outputs = outputs
            self.outputsChanged.emit()

    @property
    def settled(self) -> SettledInput | None:
        """The input the analysis panels follow (lags the live input while drawing); None: nothing."""
        return self._settled

    def set_settled(self, settled: SettledInput | None) -> None:
        if settled is not self._settled:
            self._settled = settled
            self.settledChanged.emit()

    # what the test-set survey found -----------------------------------
    @property
    def dimension_stats(self) -> DimensionStats | None:
        """Per capsule and dimension, where real test digits' poses lie (None until surveyed)."""
        return self._stats

    @property
    def dimension_labels(self) -> DimensionLabels | None:
        """A name for each capsule's dimensions, from the survey (None until surveyed)."""
        return self._labels

    def set_dimension_survey(self, stats: DimensionStats | None, labels: DimensionLabels | None) -> None:
        """The survey's statistics and labels of the model explored (None, None: not surveyed)."""
        if stats is not self._stats or labels is not self._labels:
            self._stats, self._labels = stats, labels
            self.dimensionSurveyChanged.emit()

    @property
    def prediction(self) -> int | None:
        """The winning digit capsule, or None without outputs."""
        return None if self._outputs is None else self._outputs.prediction

    # capsule steering --------------------------------------------------
    @property
    def selected_capsule(self) -> int | None:
        """The digit capsule the user picked to steer; None means "follow the winner"."""
        return self._selected

    def set_selected_capsule(self, digit: int | None) -> None:
        if digit != self._selected:
            self._selected = digit
            self.selectedCapsuleChanged.emit()

    @property
    def steered_capsule(self) -> int | None:
        """The capsule the sliders act on: the pick, else the winner."""
        return self._selected if self._selected is not None else self.prediction

    @property
    def pose_offsets(self) -> np.ndarray:
        """``[16]`` offsets added to the steered capsule's pose (read-only copy)."""
        return self._offsets.copy()

    def set_pose_offsets(self, offsets: np.ndarray) -> None:
        """Offsets, each clipped to its dimension's range."""
        values = np.asarray(offsets, np.float32)
        if values.shape != (DIGIT_DIM,):
            raise ValueError(f"pose offsets must have shape ({DIGIT_DIM},), got {values.shape}")
        values = np.clip(values, self._ranges[:, 0], self._ranges[:, 1])
        if not np.array_equal(values, self._offsets):
            self._offsets = values
            self.poseOffsetsChanged.emit()

    @property
    def pose_ranges(self) -> np.ndarray:
        """``[16, 2]`` lowest and highest offset per dimension (read-only copy); 0 is always inside."""
        return self._ranges.copy()

    def set_pose_ranges(self, ranges: np.ndarray) -> None:
        """New slider reach per dimension: the paper's ±0.25 or where real digits lie; offsets follow."""
        values = np.asarray(ranges, np.float32)
        if values.shape != (DIGIT_DIM, 2) or not np.isfinite(values).all():
            raise ValueError(f"pose ranges must be finite with shape ({DIGIT_DIM}, 2), got {values.shape}")
        values = np.stack([np.minimum(values[:, 0], 0.0), np.maximum(values[:, 1], 0.0)], axis=1)
        if not np.array_equal(values, self._ranges):
            self._ranges = values
            self.poseRangesChanged.emit()
            self.set_pose_offsets(self._offsets)

    @property
    def reconstructions(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(original, perturbed)`` decoder images of the steered capsule."""
        return self._reconstructions

    def set_reconstructions(self, images: tuple[np.ndarray, np.ndarray] | None) -> None:
        if images is not self._reconstructions:
            self._reconstructions = images
            self.reconstructionsChanged.emit()

    # routing playback --------------------------------------------------
    @property
    def iterations(self) -> int:
        """Routing iterations the network runs (1–10)."""
        return self._iterations

    def set_iterations(self, count: int) -> None:
        count = int(np.clip(count, 1, MAX_ITERATIONS))
        if count != self._iterations:
            self._iterations = count
            self.iterationsChanged.emit()

    @property
    def normalise_width(self) -> bool:
        """Whether drawings and pictures reach the network with MNIST's stroke width (else as drawn)."""
        return self._normalise_width

    def set_normalise_width(self, on: bool) -> None:
        if bool(on) != self._normalise_width:
            self._normalise_width = bool(on)
            self.normaliseWidthChanged.emit()

    @property
    def routing_iteration(self) -> int:
        """Routing iteration on display, 0-based, within the current trace."""
        return self._routing_iteration

    def set_routing_iteration(self, index: int) -> None:
        last = self._outputs.iterations - 1 if self._outputs is not None else self._iterations - 1
        index = int(np.clip(index, 0, max(last, 0)))
        if index != self._routing_iteration:
            self._routing_iteration = index
            self.routingIterationChanged.emit()

    @property
    def playing(self) -> bool:
        """Whether the routing animation runs."""
        return self._playing

    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playingChanged.emit()

    # status ------------------------------------------------------------
    @property
    def latency_ms(self) -> float | None:
        """Time the last request spent in preprocessing and the network."""
        return self._latency_ms

    def set_latency_ms(self, value: float | None) -> None:
        if value != self._latency_ms:
            self._latency_ms = value
            self.latencyChanged.emit()

    @property
    def model(self) -> ModelInfo | None:
        """The loaded network, or None when no weights could be loaded."""
        return self._model

    def set_model(self, info: ModelInfo | None) -> None:
        if info != self._model:
            self._model = info
            self.modelChanged.emit()

    @property
    def sample(self) -> Sample | None:
        """The MNIST test digit on the canvas, if one is."""
        return self._sample

    def set_sample(self, sample: Sample | None) -> None:
        if sample != self._sample:
            self._sample = sample
            self.sampleChanged.emit()

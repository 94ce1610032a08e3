"""Invariance playground: rotate, scale, shift and shear the input; watch lengths and pose."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QObject, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from capsviz.analysis.invariance import (
    InvarianceReport,
    InvarianceSweep,
    Transform,
    invariance_report,
    invariance_sweep,
)
from capsviz.app import theme
from capsviz.app.insight.common import (
    DIGIT_COLOURS,
    ORIGINAL,
    BarSeries,
    Responsive,
    add_legend,
    chart,
    digit_ticks,
    headroom,
    image_item,
    image_plot,
    place,
    set_title,
)
from capsviz.app.insight.explained import Explained
from capsviz.app.views.lengths import CNN_COLOUR


@dataclass(frozen=True)
class Control:
    """A slider for one :class:`Transform` field: integer ticks × ``step``."""

    name: str
    title: str
    low: int
    high: int
    step: float
    unit: str
    neutral: int = 0

    def text(self, value: float) -> str:
        if self.name == "scale":
            return f"×{value:.2f}"
        return f"{value:+.{0 if self.step >= 1 else 2 if self.step < 0.1 else 1}f}{self.unit}"


CONTROLS = (
    Control("rotation", "rotate", -45, 45, 1.0, "°"),
    Control("scale", "scale", 30, 70, 0.02, "", neutral=50),
    Control("shift_x", "shift x", -12, 12, 0.5, " px"),
    Control("shift_y", "shift y", -12, 12, 0.5, " px"),
    Control("shear", "shear", -30, 30, 0.02, ""),
)
SWEEP_AXIS = {
    "rotation": "rotation (°)",
    "scale": "scale",
    "shift_x": "shift x (px)",
    "shift_y": "shift y (px)",
    "shear": "shear",
}


class InvariancePanel(Responsive, QWidget):
    """Sliders for an affine move of the input; original vs moved lengths, pose and a sweep.

    Signals
    -------
    transformChanged(object)
        The :class:`Transform` the sliders now describe.
    parameterChanged(str)
        The transform field the user last moved (the sweep follows it).
    robustnessRequested()
        The person asks for the same transforms measured on the whole test set.
    """

    transformChanged = Signal(object)
    parameterChanged = Signal(str)
    robustnessRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip(
            "Move your digit — rotate, scale, shift, shear — and see whether the capsule's length (identity) "
            "holds while its pose changes, as capsules promise."
        )
        self._parameter = "rotation"
        self._sweep: InvarianceSweep | None = None
        self.sliders: dict[str, QSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for row, control in enumerate(CONTROLS):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(control.low, control.high)
            slider.setValue(control.neutral)
            slider.setToolTip(f"{control.title} the input")
            label = QLabel(control.text(control.neutral * control.step))
            label.setMinimumWidth(64)
            slider.valueChanged.connect(self._slider_moved)
            grid.addWidget(QLabel(control.title), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(label, row, 2)
            self.sliders[control.name] = slider
            self.value_labels[control.name] = label
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the untouched input.")
        self.reset_button.clicked.connect(self._reset_clicked)
        self.robustness_button = QPushButton("On the test set…")
        self.robustness_button.setToolTip(
            "The same transforms on the whole MNIST test set: CapsNet and CNN accuracy as each grows."
        )
        self.robustness_button.clicked.connect(self.robustnessRequested)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        side = QVBoxLayout()
        side.addLayout(grid)
        side.addWidget(self.reset_button)
        side.addWidget(self.robustness_button)
        side.addWidget(self.verdict)
        self.side = side

        self.view = pg.GraphicsLayoutWidget()
        layout = self.view.ci
        self.original_plot = image_plot(layout, "original", "x (px)", "y (px)", row=0, col=0)
        self.moved_plot = image_plot(layout, "moved", "x (px)", "", row=0, col=1)
        self.original_item, self.moved_item = image_item(), image_item()
        for plot, item in ((self.original_plot, self.original_item), (self.moved_plot, self.moved_item)):
            plot.addItem(item)
            plot.setRange(QRectF(0, 0, 28, 28), padding=0.02)
        self.lengths_plot = chart(layout, "lengths", "digit capsule j", "length ‖v_j‖", row=0, col=2)
        digit_ticks(self.lengths_plot.getAxis("bottom"))
        self.lengths_plot.setYRange(0, 1.25, padding=0)
        self.lengths_legend = add_legend(self.lengths_plot, offset=(8, 4), columns=2)
        self.length_bars = BarSeries(
            self.lengths_plot,
            self.lengths_legend,
            np.arange(10),
            [ORIGINAL, theme.ACCENT],
            ["original", "moved"],
        )
        self.pose_plot = chart(
            layout, "pose of the winning capsule", "pose dimension d", "v_j[d]", row=1, col=0, colspan=2
        )
        self.pose_plot.getAxis("bottom").setTicks([[(d, str(d)) for d in range(16)]])
        self.pose_legend = add_legend(self.pose_plot, offset=(8, 4), columns=2)
        self.pose_bars = BarSeries(
            self.pose_plot, self.pose_legend, np.arange(16), [ORIGINAL, theme.ACCENT], ["original", "moved"]
        )
        self.sweep_plot = chart(
            layout, "lengths over a control's range", "rotation (°)", "length ‖v_j‖", row=1, col=2
        )
        self.sweep_plot.setYRange(0, 1.0, padding=0.02)
        self.sweep_curves = [
            self.sweep_plot.plot(pen=pg.mkPen(DIGIT_COLOURS[j], width=1.5)) for j in range(10)
        ]
        self.sweep_marker = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(theme.TEXT, width=1, style=Qt.PenStyle.DashLine)
        )
        self.sweep_plot.addItem(self.sweep_marker)
        cnn_pen = pg.mkPen(CNN_COLOUR, width=2.5, style=Qt.PenStyle.DashLine)
        self.cnn_curve = self.sweep_plot.plot(pen=cnn_pen, name="CNN")
        self.sweep_labels = [pg.TextItem(str(j), color=DIGIT_COLOURS[j], anchor=(0, 0.5)) for j in range(10)]
        for label in self.sweep_labels:
            self.sweep_plot.addItem(label)

        self.box = box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addLayout(side)
        box.addWidget(self.view, 1)
        self.follow_width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follow_width()

    def arrange(self, narrow: bool) -> None:
        """Controls beside the plots when wide, above them when narrow."""
        self.box.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )
        self.side.setAlignment(Qt.AlignmentFlag.AlignTop)
        if narrow:  # each chart as wide as the panel: ten digit ticks need about 190 px
            cells = [(self.original_plot, 0, 0), (self.moved_plot, 0, 1), (self.lengths_plot, 1, 0, 1, 2),
                     (self.sweep_plot, 2, 0, 1, 2), (self.pose_plot, 3, 0, 1, 2)]  # fmt: skip
            place(self.view.ci, cells)
        else:
            cells = [(self.original_plot, 0, 0), (self.moved_plot, 0, 1), (self.lengths_plot, 0, 2),
                     (self.pose_plot, 1, 0, 1, 2), (self.sweep_plot, 1, 2)]  # fmt: skip
            place(self.view.ci, cells, {"cols": {0: 2, 1: 2, 2: 3}})

    # public API --------------------------------------------------------
    def transform(self) -> Transform:
        """The transform the sliders describe."""
        return Transform(**{c.name: self.sliders[c.name].value() * c.step for c in CONTROLS})

    @property
    def parameter(self) -> str:
        """The control moved last (the sweep's x axis)."""
        return self._parameter

    def set_transform(self, transform: Transform) -> None:
        """Put the sliders at ``transform`` (does not emit)."""
        for control in CONTROLS:
            slider = self.sliders[control.name]
            with QSignalBlocker(slider):
                slider.setValue(round(getattr(transform, control.name) / control.step))
            self.value_labels[control.name].setText(control.text(slider.value() * control.step))
        self._draw_marker()

    def show_report(self, report: InvarianceReport | None) -> None:
        """Show the original and moved input and what the network says about each."""
        if report is None:
            self.length_bars.set([None, None])
            self.pose_bars.set([None, None])
            self.original_item.clear()
            self.moved_item.clear()
            self.verdict.setText("")
            return
        self.original_item.setImage(report.original, levels=(0.0, 1.0))
        self.moved_item.setImage(report.moved, levels=(0.0, 1.0))
        set_title(self.original_plot, f"original · {report.original_prediction}")
        set_title(self.moved_plot, f"moved · {report.prediction}")
        self.length_bars.set([report.original_lengths, report.lengths])
        j = report.original_prediction
        self.pose_bars.set([report.original_poses[j], report.poses[j]])
        set_title(self.pose_plot, f"pose of capsule {j}: moved by {np.linalg.norm(report.pose_change):.3f}")
        both = np.concatenate([report.original_poses[j], report.poses[j]])
        headroom(self.pose_plot, min(0.0, float(both.min())), max(0.0, float(both.max())), room=0.35)
        kept = report.identity_kept
        colour = theme.POSITIVE if kept else theme.NEGATIVE
        before, after = report.original_lengths[j], report.lengths[j]
        headline = "identity kept" if kept else "identity lost"
        self.verdict.setText(
            f"<span style='color:{colour}; font-weight:600'>{headline}</span>"
            f"<br>{report.original_prediction} → {report.prediction}"
            f"<br>length of {j}: {before:.2f} → {after:.2f}"
        )

    def show_sweep(self, sweep: InvarianceSweep | None) -> None:
        """Lengths of all ten capsules as one control runs over its range."""
        self._sweep = sweep
        if sweep is None:
            for curve in (*self.sweep_curves, self.cnn_curve):
                curve.setData([], [])
            return
        winner = int(np.argmax(sweep.lengths.max(axis=0)))
        self._draw_cnn(sweep, winner)
        for j, curve in enumerate(self.sweep_curves):
            curve.setData(sweep.values, sweep.lengths[:, j])
            curve.setPen(pg.mkPen(DIGIT_COLOURS[j], width=3 if j == winner else 1.2))
            self.sweep_labels[j].setPos(float(sweep.values[-1]), float(sweep.lengths[-1, j]))
            self.sweep_labels[j].setVisible(bool(sweep.lengths[:, j].max() > 0.15))
        self.sweep_plot.setLabel("bottom", SWEEP_AXIS[sweep.parameter])
        beside = " · CNN dashed" if sweep.cnn is not None else ""
        set_title(self.sweep_plot, f"lengths, whole range{beside}")
        span = float(sweep.values[-1] - sweep.values[0])
        self.sweep_plot.setXRange(float(sweep.values[0]), float(sweep.values[-1]) + 0.08 * span, padding=0)
        self._draw_marker()

    def _draw_cnn(self, sweep: InvarianceSweep, digit: int) -> None:
        """The CNN's probability of ``digit`` (the capsule drawn bold) over the same range."""
        if sweep.cnn is None:
            self.cnn_curve.setData([], [])
            return
        self.cnn_curve.setData(sweep.values, sweep.cnn[:, digit])

    # interaction -------------------------------------------------------
    def _slider_moved(self, _value: int) -> None:
        control = next(c for c in CONTROLS if self.sliders[c.name] is self.sender())
        self._moved(control)

    def _moved(self, control: Control) -> None:
        self.value_labels[control.name].setText(
            control.text(self.sliders[control.name].value() * control.step)
        )
        if control.name != self._parameter:
            self._parameter = control.name
            self.parameterChanged.emit(control.name)
        self._draw_marker()
        self.transformChanged.emit(self.transform())

    def _reset_clicked(self) -> None:
        self.set_transform(Transform())
        self.transformChanged.emit(self.transform())

    def _draw_marker(self) -> None:
        if self._sweep is not None:
            self.sweep_marker.setValue(getattr(self.transform(), self._sweep.parameter))


def sweep_values(parameter: str, count: int = 13) -> np.ndarray:
    """Values a sweep of ``parameter`` covers: the slider's whole range."""
    control = next(c for c in CONTROLS if c.name == parameter)
    return np.linspace(control.low * control.step, control.high * control.step, count).astype(np.float32)


class InvariancePresenter(QObject):
    """Measures the explained input under the panel's transform, and sweeps the control being moved."""

    def __init__(
        self,
        panel: InvariancePanel,
        explained: Explained,
        baseline: torch.nn.Module | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.explained, self.baseline = panel, explained, baseline
        panel.transformChanged.connect(self.refresh)
        panel.parameterChanged.connect(self.refresh)

    def refresh(self, *_args: object) -> None:
        """The report for the transform as set; the sweep over the whole range of the control in hand."""
        explained = self.explained
        model, image = explained.model(), explained.image()
        if model is None or image is None:
            return
        transform, parameter, serial = self.panel.transform(), self.panel.parameter, explained.serial()
        if explained.fresh("invariance", (serial, transform)):
            explained.submit(
                "invariance", lambda: invariance_report(model, image, transform), self.panel.show_report
            )
        if explained.fresh("sweep", (serial, parameter, transform.with_value(parameter, 0.0))):
            values, baseline = sweep_values(parameter), self.baseline
            explained.submit(
                "sweep",
                lambda: invariance_sweep(model, image, transform, parameter, values, baseline),
                self.panel.show_sweep,
            )

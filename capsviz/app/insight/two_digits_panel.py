"""Two digits: the MultiMNIST CapsNet reads what is on the canvas as a pair of overlapping digits.

As in the paper's Figure 5, the two longest capsules are each decoded alone and
drawn over the input in red and green; beside them the ten lengths, and how the
3200 primary capsules split their coupling c_ij between the two winners, folded
onto the 10×10 grid, at the routing iteration chosen with the slider.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.dimensions import PAPER_RANGE
from capsviz.analysis.two_digits import TwoDigits, read_two, steer_two
from capsviz.app import theme
from capsviz.app.insight.common import chart, digit_ticks, hint_label, image_item, image_plot, set_title
from capsviz.app.insight.explained import Explained
from capsviz.app.views.poses import STEPS_PER_UNIT
from capsviz.model.capsnet import DIGIT_DIM, CapsNet

FIRST, SECOND = "#e5534b", "#57ab5a"  # red and green, as in the paper's Figure 5
MAX_SHIFT = 8  # MNIST pixels a test digit under the drawing can be slid (MultiMNIST shifts up to 4)
HELP = (
    "The two-digit (MultiMNIST) CapsNet reads the input as two overlapping digits: the picture is framed "
    "36×36 like its training pairs. Red and green: the two longest capsules, each decoded alone. The maps: "
    "how strongly the primary capsules over each 10×10 grid cell route to each winner (c_ij averaged over "
    "the 32 capsule types; both maps share one colour scale, from their lowest to their highest value)."
)


def overlay(result: TwoDigits) -> np.ndarray:
    """``[36, 36, 3]`` uint8: the input in grey, the first winner decoded in red, the second in green."""
    grey = np.clip(result.image, 0, 1) * 0.45
    first, second = np.clip(result.reconstructions, 0, 1)
    rgb = np.stack(
        [np.maximum(grey, first), np.maximum(grey, second), grey * (1 - np.maximum(first, second))], -1
    )
    return np.round(rgb * 255).astype(np.uint8)


class TwoDigitsPanel(QWidget):
    """Figure 5 of the paper for the input on show, with sixteen sliders that steer either winner.

    Signals
    -------
    steerChanged(int, object)
        Winner 0 (the longer) or 1 should be decoded with these ``[16]`` offsets added.
    underlayRequested(object)
        ``(index, (dx, dy))``: put MNIST test digit ``index``, moved by (dx, dy) pixels, under the
        drawing, to draw a second digit over it; None: take it away.
    """

    steerChanged = Signal(int, object)
    underlayRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("twoDigitsPanel")
        self.setToolTip(HELP)
        self._result: TwoDigits | None = None
        self.summary = QLabel("")
        self.summary.setObjectName("twoDigitsSummary")
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.PANEL)
        layout = self.view.ci
        self.pair_plot = image_plot(layout, "each digit alone", "x (px)", "y (px)", row=0, col=0)
        self.pair_item = image_item()
        self.pair_plot.addItem(self.pair_item)
        self.lengths_plot = chart(layout, "lengths", "digit capsule j", "length ‖v_j‖", row=0, col=1)
        digit_ticks(self.lengths_plot.getAxis("bottom"))
        self.lengths_plot.setYRange(0, 1.05, padding=0)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=theme.BAR)
        self.lengths_plot.addItem(self.bars)
        self.coupling_plots, self.coupling_items = [], []
        for k in range(2):
            plot = image_plot(layout, "", "grid column", "grid row" if k == 0 else "", row=1, col=k)
            item = image_item("inferno")
            plot.addItem(item)
            self.coupling_plots.append(plot)
            self.coupling_items.append(item)
        self.iteration = QSlider(Qt.Orientation.Horizontal)
        self.iteration.setObjectName("twoDigitsIteration")
        self.iteration.setToolTip("Routing iteration whose coupling c_ij the maps show")
        self.iteration.valueChanged.connect(self._draw_coupling)
        self.iteration_label = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("iteration"))
        row.addWidget(self.iteration, 1)
        row.addWidget(self.iteration_label)
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(hint_label(HELP))
        box.addWidget(self.summary)
        box.addWidget(self.view, 1)
        box.addLayout(row)
        box.addLayout(self._under_drawing())
        box.addLayout(self._steering())

    def _under_drawing(self) -> QVBoxLayout:
        """A test digit under the drawing, slid with the shift boxes: draw the second digit over it."""
        self.under_index = QSpinBox()
        self.under_index.setObjectName("underIndex")
        self.under_index.setRange(0, 9999)
        self.under_index.setToolTip(
            "Which MNIST test digit to put under your drawing, to draw a second digit over it"
        )
        self.under_shift = []
        for axis in ("x", "y"):
            box = QSpinBox()
            box.setObjectName(f"underShift{axis.upper()}")
            box.setRange(-MAX_SHIFT, MAX_SHIFT)
            box.setPrefix(f"{axis} ")
            box.setToolTip(
                f"Slide the test digit {'right' if axis == 'x' else 'down'} (MNIST pixels; − the other way)"
            )
            box.valueChanged.connect(self._shift_changed)
            self.under_shift.append(box)
        place = QPushButton("Place")
        place.setObjectName("underPlace")
        place.setToolTip(
            "Put the test digit on the canvas under your strokes (Clear or Remove takes it away)"
        )
        place.clicked.connect(self._place)
        remove = QPushButton("Remove")
        remove.setObjectName("underRemove")
        remove.clicked.connect(self._remove)
        self._placed = False
        which, slide = QHBoxLayout(), QHBoxLayout()
        which.addWidget(QLabel("test digit under it"))
        for widget in (self.under_index, place, remove):
            which.addWidget(widget)
        which.addStretch(1)
        slide.addWidget(QLabel("slide it"))
        for box in self.under_shift:
            slide.addWidget(box)
        slide.addStretch(1)
        rows = QVBoxLayout()
        rows.addLayout(which)
        rows.addLayout(slide)
        return rows

    def _place(self) -> None:
        self._placed = True
        shift = tuple(box.value() for box in self.under_shift)
        self.underlayRequested.emit((self.under_index.value(), shift))

    def _shift_changed(self) -> None:
        if self._placed:
            self._place()

    def _remove(self) -> None:
        self._placed = False
        self.underlayRequested.emit(None)

    def _steering(self) -> QVBoxLayout:
        """Pick a winner, then move its 16 numbers: only that digit's red or green picture changes."""
        self.steer_buttons = QButtonGroup(self)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("steer"))
        for which, colour in enumerate((FIRST, SECOND)):
            button = QToolButton()
            button.setObjectName(f"twoDigitsSteer{which}")
            button.setCheckable(True)
            button.setStyleSheet(f"QToolButton {{ color: {colour}; font-weight: 600; }}")
            button.setToolTip("Steer this winner with the sliders below (the other digit holds still)")
            self.steer_buttons.addButton(button, which)
            pick.addWidget(button)
        self.steer_buttons.button(0).setChecked(True)
        self.steer_buttons.idClicked.connect(self._emit_steer)
        reset = QPushButton("Reset")
        reset.setObjectName("twoDigitsReset")
        reset.setToolTip("All sixteen offsets back to 0")
        reset.clicked.connect(self.reset_offsets)
        pick.addStretch(1)
        pick.addWidget(reset)
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(1)
        self.sliders: list[QSlider] = []
        for dim in range(DIGIT_DIM):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"twoDigitsSlider{dim}")
            slider.setRange(-round(PAPER_RANGE * STEPS_PER_UNIT), round(PAPER_RANGE * STEPS_PER_UNIT))
            slider.setToolTip(f"Offset added to dimension {dim} of the steered winner (±{PAPER_RANGE})")
            slider.valueChanged.connect(lambda _v: self._emit_steer())
            column, row = divmod(dim, DIGIT_DIM // 2)
            caption = QLabel(f"d{dim}")
            caption.setObjectName("caption")
            grid.addWidget(caption, row, 2 * column)
            grid.addWidget(slider, row, 2 * column + 1)
            self.sliders.append(slider)
        steering = QVBoxLayout()
        steering.addLayout(pick)
        steering.addLayout(grid)
        return steering

    @property
    def offsets(self) -> np.ndarray:
        """``[16]`` the sliders' offsets."""
        return np.array([slider.value() / STEPS_PER_UNIT for slider in self.sliders], np.float32)

    @property
    def steered(self) -> int:
        """0: the longer winner is steered; 1: the other."""
        return max(0, self.steer_buttons.checkedId())

    def reset_offsets(self) -> None:
        for slider in self.sliders:
            with QSignalBlocker(slider):
                slider.setValue(0)
        self._emit_steer()

    def _emit_steer(self, *_args: object) -> None:
        if self._result is not None:
            self.steerChanged.emit(self.steered, self.offsets)

    def show_steered(self, result: TwoDigits) -> None:
        """Redraw the pair with ``result``'s reconstructions (one winner steered)."""
        self.pair_item.setImage(overlay(result), autoLevels=False, levels=(0, 255))

    @property
    def result(self) -> TwoDigits | None:
        return self._result

    def show_message(self, text: str) -> None:
        """No result to draw (no two-digit model, nothing on the canvas): say why."""
        self.show_result(None)
        self.summary.setText(text)

    def show_result(self, result: TwoDigits | None) -> None:
        self._result = result
        if result is None:
            self.pair_item.clear()
            self.bars.setOpts(height=np.zeros(10))
            for item in self.coupling_items:
                item.clear()
            self.summary.setText("")
            return
        first, second = result.winners
        for slider in self.sliders:  # a new reading starts from the capsules as read
            with QSignalBlocker(slider):
                slider.setValue(0)
        for which, digit in enumerate(result.winners):
            self.steer_buttons.button(which).setText(str(digit))
        self.pair_item.setImage(overlay(result), autoLevels=False, levels=(0, 255))
        brushes = [FIRST if j == first else SECOND if j == second else theme.BAR for j in range(10)]
        self.bars.setOpts(height=result.lengths, brushes=brushes)
        self.summary.setText(
            f"Read as <b style='color:{FIRST}'>{first}</b> (length {result.lengths[first]:.2f}) and "
            f"<b style='color:{SECOND}'>{second}</b> (length {result.lengths[second]:.2f})"
        )
        last = result.coupling.shape[0] - 1
        self.iteration.setRange(0, last)
        if self.iteration.value() == last:
            self._draw_coupling(last)
        self.iteration.setValue(last)

    def _draw_coupling(self, t: int) -> None:
        if self._result is None:
            return
        t = int(np.clip(t, 0, self._result.coupling.shape[0] - 1))
        self.iteration_label.setText(f"{t + 1} of {self._result.coupling.shape[0]}")
        maps = self._result.coupling[t]
        low, high = float(maps.min()), float(maps.max())
        levels = (low, high) if high - low > 1e-4 else (0.0, 0.2)  # one scale for both maps
        for k, (plot, item) in enumerate(zip(self.coupling_plots, self.coupling_items, strict=True)):
            item.setImage(maps[k], autoLevels=False, levels=levels)
            set_title(plot, f"c_ij → capsule {self._result.winners[k]}")


class TwoDigitsSteering(QObject):
    """Decodes the steered winner with the sliders' offsets (one 36×36 decode, on the GUI thread)."""

    def __init__(
        self, panel: TwoDigitsPanel, model: Callable[[], CapsNet | None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.panel, self.model = panel, model
        panel.steerChanged.connect(self.steer)

    def steer(self, which: int, offsets: np.ndarray) -> None:
        model, result = self.model(), self.panel.result
        if model is None or result is None:
            return
        self.panel.show_steered(steer_two(model, result, which, offsets))


class TwoDigitsReader(QObject):
    """Reads the settled picture with the two-digit model, once per input, on the analysis lane."""

    def __init__(
        self,
        panel: TwoDigitsPanel,
        explained: Explained,
        model: CapsNet | None,
        missing: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.explained, self.model = panel, explained, model
        self.missing = missing or "No two-digit (MultiMNIST) model is loaded."

    def refresh(self) -> None:
        if self.model is None:
            self.panel.show_message(self.missing)
            return
        explained, model = self.explained, self.model
        picture, serial = explained.picture(), explained.serial()
        if picture is not None and explained.fresh("two-digits", serial):
            explained.submit("two-digits", lambda: (serial, read_two(model, picture)), self._ready)

    def _ready(self, result: tuple[int, TwoDigits | None]) -> None:
        serial, reading = result
        if serial == self.explained.serial():  # still the input it was read for
            self.panel.show_result(reading)

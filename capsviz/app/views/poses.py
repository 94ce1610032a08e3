"""Sixteen sliders that nudge one digit capsule's pose, as in Figure 4 of the paper."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.app.state import paper_ranges
from capsviz.app.views.distribution import DimensionStrip
from capsviz.model.capsnet import DIGIT_DIM

STEPS_PER_UNIT = 100  # slider resolution 0.01; arrow keys move 0.05, the paper's step
ROWS_PER_COLUMN = 8
COLUMNS_PER_BLOCK = 5  # name (or auto-label), slider, value, reset, gap
LABEL_WIDTH = 66


RANGE_SOURCES = (("paper", "±0.25 paper"), ("data", "±2σ data"))
# Shorter names for the slider rows, so a label fits beside its slider; tooltips keep the full name.
COMPACT = {
    "stroke width": "thick",
    "height/width": "h : w",
    "position x": "x",
    "position y": "y",
    "width": "wide",
    "height": "tall",
    "local: ": "at ",
}


def _format(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


class PoseSliders(QWidget):
    """Capsule picker plus sixteen sliders, each with its value and a reset button.

    The sliders reach ±0.25 as in the paper, or (``range_choice``) as far as real
    digits of the steered class go: the test set's mean ± 2σ of each dimension.

    Once the test set has been surveyed, each slider also shows what the dimension
    does ("≈ slant") and, behind it, how real digits of the steered class spread
    along it, with a marker at the current value (the capsule's pose + the offset).

    ``reset_all_button`` and ``range_choice`` are left for the owner to place (e.g. in a panel header).

    Signals
    -------
    offsetChanged(int, float)
        Dimension and its new offset.
    offsetReset(int)
        Reset one dimension to 0.
    resetAll()
        Reset every dimension.
    capsuleSelected(int)
        The digit capsule to steer, or -1 to follow the winner.
    rangeSourceChanged(str)
        ``"paper"`` or ``"data"``: where the sliders' reach comes from.
    """

    offsetChanged = Signal(int, float)
    offsetReset = Signal(int)
    resetAll = Signal()
    capsuleSelected = Signal(int)
    rangeSourceChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("poseSliders")
        self.setToolTip(
            "Each slider adds an offset to one of the 16 pose dimensions of the steered capsule; "
            "the decoder redraws it at once."
        )
        self.sliders: list[QSlider] = []
        self.values: list[QLabel] = []
        self.strips: list[DimensionStrip] = []
        self.labels: list[QLabel] = []
        self.names: list[QLabel] = []
        self._pose: np.ndarray | None = None
        self._ranges = paper_ranges()
        self.capsule_buttons: list[QToolButton] = []
        self.reset_all_button = QPushButton("Reset all")
        self.reset_all_button.setObjectName("resetAllButton")
        self.reset_all_button.setToolTip("Set all sixteen offsets back to 0 (Ctrl+R)")
        self.reset_all_button.clicked.connect(self.resetAll.emit)
        self.range_choice = self._range_choice()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._picker())
        layout.addLayout(self._slider_grid())

    def _range_choice(self) -> QComboBox:
        choice = QComboBox()
        choice.setObjectName("poseRangeChoice")
        for key, text in RANGE_SOURCES:
            choice.addItem(text, key)
        choice.setToolTip(
            "How far the sliders reach: ±0.25 on every dimension, as in the paper, or the range "
            "real digits of the steered class cover (mean ± 2σ over the test set; available once "
            "the test set has been surveyed)."
        )
        choice.currentIndexChanged.connect(lambda index: self.rangeSourceChanged.emit(choice.itemData(index)))
        self.enable_data_ranges(False, choice)
        return choice

    def range_source(self) -> str:
        """``"paper"`` or ``"data"``, as chosen."""
        return str(self.range_choice.currentData())

    def enable_data_ranges(self, available: bool, choice: QComboBox | None = None) -> None:
        """Offer the data ranges only once the test-set statistics exist (falls back to the paper's)."""
        choice = choice or self.range_choice
        choice.model().item(1).setEnabled(available)
        if not available and choice.currentIndex() == 1:
            choice.setCurrentIndex(0)

    def _picker(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(3)
        row.addWidget(QLabel("Steer"))
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for digit in range(10):
            button = QToolButton()
            button.setObjectName("capsuleButton")
            button.setText(str(digit))
            button.setCheckable(True)
            button.setToolTip(f"Steer digit capsule {digit} (key {digit})")
            self._group.addButton(button, digit)
            self.capsule_buttons.append(button)
            row.addWidget(button)
        self._group.idClicked.connect(self.capsuleSelected.emit)
        self.follow_button = QToolButton()
        self.follow_button.setObjectName("followWinner")
        self.follow_button.setText("Winner")
        self.follow_button.setCheckable(True)
        self.follow_button.setToolTip("Always steer the winning capsule (W)")
        self.follow_button.clicked.connect(lambda: self.capsuleSelected.emit(-1))
        row.addWidget(self.follow_button)
        row.addStretch(1)
        return row

    def _slider_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        limit = round(float(self._ranges[0, 1]) * STEPS_PER_UNIT)
        for dim in range(DIGIT_DIM):
            column, row = divmod(dim, ROWS_PER_COLUMN)
            base = column * COLUMNS_PER_BLOCK
            name = QLabel(f"d{dim}")
            name.setObjectName("caption")
            label = QLabel()
            label.setObjectName(f"poseLabel{dim}")
            label.setProperty("role", "dimensionName")
            label.setFixedWidth(LABEL_WIDTH)
            label.setVisible(False)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"poseSlider{dim}")
            slider.setMinimumWidth(36)
            slider.setRange(-limit, limit)
            slider.setSingleStep(5)
            slider.setPageStep(5)
            slider.setTickInterval(5)
            slider.setToolTip(_reach_tip(dim, *self._ranges[dim]))
            slider.valueChanged.connect(lambda steps, d=dim: self._moved(d, steps))
            strip = DimensionStrip()
            strip.setObjectName(f"poseDistribution{dim}")
            value = QLabel(_format(0.0))
            value.setObjectName(f"poseValue{dim}")
            value.setMinimumWidth(36)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            reset = QToolButton()
            reset.setObjectName("resetButton")
            reset.setText("↺")
            reset.setToolTip(f"Reset dimension {dim} to 0")
            reset.clicked.connect(lambda _=False, d=dim: self.offsetReset.emit(d))
            grid.addWidget(name, row, base)
            grid.addWidget(label, row, base)
            grid.addWidget(_stacked(strip, slider), row, base + 1)
            grid.addWidget(value, row, base + 2)
            grid.addWidget(reset, row, base + 3)
            self.sliders.append(slider)
            self.strips.append(strip)
            self.labels.append(label)
            self.names.append(name)
            self.values.append(value)
        grid.setColumnMinimumWidth(COLUMNS_PER_BLOCK - 1, 14)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(COLUMNS_PER_BLOCK + 1, 1)
        return grid

    def _moved(self, dimension: int, steps: int) -> None:
        value = steps / STEPS_PER_UNIT
        self.values[dimension].setText(_format(value))
        self._show_marker(dimension)
        self.offsetChanged.emit(dimension, value)

    def offsets(self) -> np.ndarray:
        """The sixteen offsets the sliders show."""
        return np.array([s.value() / STEPS_PER_UNIT for s in self.sliders], np.float32)

    def show_offsets(self, offsets: np.ndarray) -> None:
        for slider, label, value in zip(self.sliders, self.values, offsets, strict=True):
            with QSignalBlocker(slider):
                slider.setValue(round(float(value) * STEPS_PER_UNIT))
            label.setText(_format(float(value)))
        for dim in range(DIGIT_DIM):
            self._show_marker(dim)

    def show_ranges(self, ranges: np.ndarray) -> None:
        """``[16, 2]`` lowest and highest offset of each slider."""
        self._ranges = np.asarray(ranges, np.float32).copy()
        for dim, slider in enumerate(self.sliders):
            low, high = (float(v) for v in self._ranges[dim])
            with QSignalBlocker(slider):
                slider.setRange(round(low * STEPS_PER_UNIT), round(high * STEPS_PER_UNIT))
            slider.setToolTip(_reach_tip(dim, low, high))
            self._show_marker(dim)

    def show_capsule(self, steered: int | None, winner: int | None, follows_winner: bool) -> None:
        for digit, button in enumerate(self.capsule_buttons):
            button.setChecked(digit == steered)
            is_winner = digit == winner
            if button.property("winner") != is_winner:
                button.setProperty("winner", is_winner)
                button.style().unpolish(button)
                button.style().polish(button)
        if steered is None:
            checked = self._group.checkedButton()
            if checked is not None:
                self._group.setExclusive(False)
                checked.setChecked(False)
                self._group.setExclusive(True)
        self.follow_button.setChecked(follows_winner)
        for slider in self.sliders:
            slider.setEnabled(steered is not None)

    # test-set distributions and auto-labels ----------------------------
    def show_distributions(
        self, densities: list[tuple[np.ndarray, np.ndarray, tuple[float, float]]] | None
    ) -> None:
        """Per dimension ``(bin centres, density, (mean − 2σ, mean + 2σ))``; None hides."""
        for dim, strip in enumerate(self.strips):
            strip.show_distribution(*(densities[dim] if densities is not None else (None,)))

    def show_pose(self, pose: np.ndarray | None) -> None:
        """The steered capsule's ``[16]`` pose: each strip spans pose ± the slider's reach."""
        self._pose = None if pose is None else np.asarray(pose, np.float64).copy()
        for dim in range(DIGIT_DIM):
            self._show_marker(dim)

    def show_labels(self, labels: list[tuple[str, str]] | None) -> None:
        """Per dimension ``(short label, one-sentence tooltip)``; None hides them."""
        for dim, label in enumerate(self.labels):
            text, tip = labels[dim] if labels is not None else ("", "")
            full = f"d{dim} {text}" if text else f"d{dim}"
            short = full
            for name, compact in COMPACT.items():
                short = short.replace(name, compact)
            label.setText(label.fontMetrics().elidedText(short, Qt.TextElideMode.ElideRight, LABEL_WIDTH))
            label.setToolTip(f"{full}: {tip}" if tip else "")
            label.setVisible(labels is not None)
            self.names[dim].setVisible(labels is None)

    def _show_marker(self, dimension: int) -> None:
        if self._pose is None:
            return
        base = float(self._pose[dimension])
        offset = self.sliders[dimension].value() / STEPS_PER_UNIT
        low, high = (float(v) for v in self._ranges[dimension])
        self.strips[dimension].show_span(base + low, base + high, base + offset)


def _reach_tip(dim: int, low: float, high: float) -> str:
    return f"Offset added to pose dimension {dim} ({_format(low)} … {_format(high)})"


def _stacked(strip: DimensionStrip, slider: QSlider) -> QWidget:
    """``slider`` drawn on top of ``strip``, both filling the same cell."""
    holder = QWidget()
    stack = QStackedLayout(holder)
    stack.setStackingMode(QStackedLayout.StackingMode.StackAll)
    stack.setContentsMargins(0, 0, 0, 0)
    stack.addWidget(strip)
    stack.addWidget(slider)
    stack.setCurrentWidget(slider)
    return holder

"""Transport controls for the routing animation: play, step, scrub, speed, loop, iterations."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from capsviz.model.capsnet import MAX_ITERATIONS

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)


class RoutingControls(QWidget):
    """A media-player row (its iterations spin box is placed by the owner); it only reports requests.

    Signals
    -------
    playToggled(), stepRequested(int), seekRequested(int), speedChanged(float),
    loopToggled(bool), iterationsRequested(int)
    """

    playToggled = Signal()
    stepRequested = Signal(int)
    seekRequested = Signal(int)
    speedChanged = Signal(float)
    loopToggled = Signal(bool)
    iterationsRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        style = self.style()
        icon = QStyle.StandardPixmap
        self.first_button = self._button(
            style.standardIcon(icon.SP_MediaSkipBackward), "First iteration (Home)"
        )
        self.back_button = self._button(style.standardIcon(icon.SP_MediaSeekBackward), "Step back (,)")
        self.play_button = self._button(style.standardIcon(icon.SP_MediaPlay), "Play / pause (Space)")
        self.play_button.setObjectName("routingPlayButton")
        self.play_button.setCheckable(True)
        self.forward_button = self._button(style.standardIcon(icon.SP_MediaSeekForward), "Step forward (.)")
        self.last_button = self._button(style.standardIcon(icon.SP_MediaSkipForward), "Last iteration (End)")
        self.first_button.clicked.connect(lambda: self.seekRequested.emit(0))
        self.back_button.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.play_button.clicked.connect(self.playToggled.emit)
        self.forward_button.clicked.connect(lambda: self.stepRequested.emit(1))
        self.last_button.clicked.connect(lambda: self.seekRequested.emit(self._last))

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("routingSlider")
        self.slider.setToolTip("Scrub through the routing iterations")
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self.seekRequested.emit)

        self.speed = QComboBox()
        self.speed.setObjectName("routingSpeed")
        self.speed.setToolTip("Animation speed")
        for factor in SPEEDS:
            self.speed.addItem(f"{factor:g}×", factor)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(
            lambda i: self.speedChanged.emit(float(self.speed.itemData(i)))
        )

        self.loop = QToolButton()
        self.loop.setText("Loop")
        self.loop.setCheckable(True)
        self.loop.setToolTip("Start again from iteration 1 after the last one")
        self.loop.toggled.connect(self.loopToggled.emit)

        self.iterations = QSpinBox()
        self.iterations.setObjectName("routingIterations")
        self.iterations.setRange(1, MAX_ITERATIONS)
        self.iterations.setToolTip(
            "Routing iterations r (1–10); changing it re-runs routing (the paper uses 3)"
        )
        self.iterations.valueChanged.connect(self.iterationsRequested.emit)

        for widget in (self.first_button, self.back_button, self.play_button, self.forward_button):
            layout.addWidget(widget)
        layout.addWidget(self.last_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.speed)
        layout.addWidget(self.loop)

    def _button(self, icon: object, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon)
        button.setToolTip(tip)
        button.setAutoRaise(False)
        return button

    def show_position(self, iteration: int, count: int) -> None:
        """Slider at ``iteration`` of ``count`` without echoing a seek."""
        self._last = max(count - 1, 0)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, self._last)
            self.slider.setValue(iteration)
        enabled = count > 0
        for widget in (self.first_button, self.back_button, self.play_button, self.forward_button):
            widget.setEnabled(enabled)
        self.last_button.setEnabled(enabled)
        self.slider.setEnabled(count > 1)

    def show_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setChecked(playing)

    def show_iterations(self, count: int) -> None:
        with QSignalBlocker(self.iterations):
            self.iterations.setValue(count)

"""The status bar: which network, where it runs, how fast it answered, what is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QStatusBar, QWidget

from capsviz.app import theme
from capsviz.app.inference import Sample
from capsviz.app.state import ModelInfo

MESSAGE_MS = 6000
ERROR_MS = 12000


class StatusPanel(QStatusBar):
    """Permanent facts on the right, messages and errors on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.setSizeGripEnabled(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.sample = QLabel()
        self.sample.setObjectName("sampleStatus")
        self.model = QLabel()
        self.model.setObjectName("modelStatus")
        self.model.setToolTip("The loaded network and its accuracy on the 10,000 MNIST test digits")
        self.device = QLabel()
        self.device.setObjectName("deviceStatus")
        self.device.setToolTip("Where the network runs (choose with --device)")
        self.latency = QLabel()
        self.latency.setObjectName("latencyStatus")
        self.latency.setToolTip("Time of the last preprocessing + routing + decoding, off the GUI thread")
        self.latency.setMinimumWidth(130)
        self.addPermanentWidget(self.busy)
        for label in (self.sample, self.model, self.device, self.latency):
            self.addPermanentWidget(label)
        self.messageChanged.connect(self._plain_when_cleared)

    def show_model(self, info: ModelInfo | None) -> None:
        if info is None:
            self.model.setText("no model loaded")
            self.device.setText("")
            return
        accuracy = "" if info.accuracy is None else f" · test accuracy {info.accuracy:.2%}"
        self.model.setText(f"{info.name}{accuracy}")
        self.device.setText(info.device)

    def show_latency(self, milliseconds: float | None) -> None:
        self.latency.setText("" if milliseconds is None else f"inference {milliseconds:.1f} ms")

    def show_sample(self, sample: Sample | None, prediction: int | None = None) -> None:
        if sample is None:
            self.sample.setText("")
            return
        verdict = ""
        if prediction is not None:
            verdict = " ✓" if prediction == sample.label else f" ✗ predicted {prediction}"
        self.sample.setText(f"MNIST test #{sample.index} · label {sample.label}{verdict}")
        colour = theme.ERROR if prediction is not None and prediction != sample.label else theme.MUTED
        self.sample.setStyleSheet(f"color: {colour};")

    def show_message(self, text: str) -> None:
        self.setStyleSheet("")
        self.showMessage(text, MESSAGE_MS)

    def show_error(self, text: str, dialog: bool = False) -> None:
        self.setStyleSheet(f"QStatusBar {{ color: {theme.ERROR}; }}")
        self.showMessage(text, ERROR_MS)
        if dialog:
            box = QMessageBox(
                QMessageBox.Icon.Warning, "capsviz", text, QMessageBox.StandardButton.Ok, self.window()
            )
            box.setObjectName("errorDialog")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def show_busy(self, text: str | None) -> None:
        self.busy.setVisible(text is not None)
        if text is not None:
            self.show_message(text)
        else:
            self.clearMessage()

    def _plain_when_cleared(self, text: str) -> None:
        if not text:
            self.setStyleSheet("")

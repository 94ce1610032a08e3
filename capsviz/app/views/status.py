"""The status bar: which network, where it runs, how fast it answered, what is shown."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QStatusBar, QToolButton, QWidget

from capsviz.analysis.live import Sample
from capsviz.app import theme
from capsviz.app.state import ModelInfo

MESSAGE_MS = 6000
ERROR_MS = 12000
WIDEST_LATENCY = "inference 9999.9 ms"


class SteadyLabel(QLabel):
    """A label sized once for its widest text, so a new text never lays the window out again.

    The latency changes on every answer while drawing; a label that followed
    its text asked the status bar and the whole window for a new layout each
    time, and the window repainted half its area with it.
    """

    def __init__(self, widest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widest = widest
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()  # zoomed or restyled: room for the widest text again

    def _fit(self) -> None:
        shown = self.text()
        self.setText(self._widest)
        self.setMinimumSize(0, 0)
        self.setMaximumSize(16777215, 16777215)
        hint = super().sizeHint()
        self.setText(shown)
        self.setFixedSize(hint)


class StatusPanel(QStatusBar):
    """Permanent facts on the right, messages and errors on the left.

    Signals
    -------
    surveyCancelRequested()
        The person stopped the test-set survey with the button beside its progress bar.
    """

    surveyCancelRequested = Signal()

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
        self.latency = SteadyLabel(WIDEST_LATENCY)
        self.latency.setObjectName("latencyStatus")
        self.latency.setToolTip("Time of the last preprocessing + routing + decoding, off the GUI thread")
        self.survey = QProgressBar()
        self.survey.setObjectName("surveyProgress")
        self.survey.setMaximumWidth(260)
        self.survey.setMaximumHeight(16)
        self.survey.setToolTip(
            "The What and Gallery panels survey the 10,000 MNIST test digits once (cached afterwards) "
            "for the pose statistics, the dimension names and the gallery. It runs at low priority "
            "and pauses while you draw."
        )
        self.survey.hide()
        self.survey_stop = QToolButton()
        self.survey_stop.setObjectName("surveyStop")
        self.survey_stop.setText("✕")
        self.survey_stop.setToolTip("Stop the survey (the digits done so far stay cached)")
        self.survey_stop.clicked.connect(self.surveyCancelRequested)
        self.survey_stop.hide()
        self.addPermanentWidget(self.survey)
        self.addPermanentWidget(self.survey_stop)
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

    def show_survey(self, done: int, total: int, paused: bool) -> None:
        """The test-set survey's progress; hidden once it is done (``done >= total``)."""
        running = done < total
        self.survey.setVisible(running)
        self.survey_stop.setVisible(running)
        if running:
            self.survey.setRange(0, total)
            self.survey.setValue(done)
            state = "paused while you draw" if paused else f"{done:,} / {total:,}"
            self.survey.setFormat(f"surveying test digits: {state}")

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

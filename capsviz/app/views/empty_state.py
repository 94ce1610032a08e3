"""A panel, or in its place one sentence saying what to do while it has nothing to show.

Empty plots with axes but no data (a Figure-4 grid spanning 0–400 pixels, a
stray bar) read as results; a person who just opened the app should instead
read what to do next.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

NO_MODEL = (
    "No network is loaded, so there is nothing to analyse. "
    "Load a weights file with File → Load Weights… (Ctrl+Shift+O)."
)
NO_INPUT = "Nothing to show yet: draw a digit on the canvas, or press R to pick a random MNIST test digit."
NO_HISTORY = (
    "Nothing to compare yet: draw a digit on the canvas or press R to pick a test digit, "
    "then press Keep current to collect it here."
)


class Needs(Enum):
    """What a panel needs before it has something to show."""

    MODEL = "a network"
    INPUT = "a network and an input"
    INPUT_OR_HISTORY = "a network and an input or a kept digit"


def empty_message(needs: Needs, has_model: bool, has_input: bool, has_history: bool) -> str | None:
    """The sentence a panel shows in place of its content, or None when it has something to show."""
    if not has_model:
        return NO_MODEL
    if needs is Needs.INPUT and not has_input:
        return NO_INPUT
    if needs is Needs.INPUT_OR_HISTORY and not (has_input or has_history):
        return NO_HISTORY
    return None


class EmptyState(QStackedWidget):
    """Holds ``content`` and shows a centred message instead of it while :meth:`show_message` says so."""

    def __init__(self, content: QWidget, needs: Needs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.content, self.needs = content, needs
        self.message = QLabel()
        self.message.setObjectName("emptyMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMargin(24)
        self.addWidget(self.message)
        self.addWidget(content)
        self.setCurrentWidget(content)

    @property
    def empty(self) -> bool:
        """True while the message stands in for the content."""
        return self.currentWidget() is self.message

    def show_message(self, text: str | None) -> None:
        """Show ``text`` in place of the content, or the content again when ``text`` is None."""
        if text:
            self.message.setText(text)
            self.setCurrentWidget(self.message)
        else:
            self.setCurrentWidget(self.content)

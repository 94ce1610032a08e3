"""What the guided tour draws: a veil that leaves the panel spoken of bright, and the card that speaks.

The veil lets every click through, so the window keeps working during the
tour; the card is keyboard operable (→ or Enter: next, ←: back, Esc: close).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from capsviz.app import theme

CARD_WIDTH = 380
MARGIN = 16


class Veil(QWidget):
    """Dims the window except ``hole`` (window coordinates), outlined in the accent colour."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tourVeil")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.hole: QRect | None = None
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def show_hole(self, hole: QRect | None) -> None:
        self.hole = hole
        self.raise_()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        veil = QPainterPath()
        veil.addRect(self.rect().toRectF())
        if self.hole is not None:
            spot = QPainterPath()
            spot.addRoundedRect(self.hole.adjusted(-4, -4, 4, 4).toRectF(), 8, 8)
            veil = veil.subtracted(spot)
        painter.fillPath(veil, QColor(0, 0, 0, 120))
        if self.hole is not None:
            painter.setPen(QPen(QColor(theme.ACCENT), 2))
            painter.drawRoundedRect(self.hole.adjusted(-4, -4, 4, 4).toRectF(), 8, 8)


class TourCard(QFrame):
    """Title, a few sentences, "step k of n", Back / Next / Close.

    Signals
    -------
    nextRequested(), backRequested(), closeRequested()
    """

    nextRequested = Signal()
    backRequested = Signal()
    closeRequested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFixedWidth(CARD_WIDTH)
        self.title = QLabel()
        self.title.setObjectName("panelTitle")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.position = QLabel()
        self.position.setObjectName("caption")
        self.back_button = QPushButton("← Back")
        self.back_button.setObjectName("tourBack")
        self.next_button = QPushButton("Next →")
        self.next_button.setObjectName("tourNext")
        self.next_button.setDefault(True)
        close = QPushButton("Close")
        close.setObjectName("tourClose")
        close.setToolTip("End the tour (Esc); Help → Tour starts it again")
        self.back_button.clicked.connect(self.backRequested)
        self.next_button.clicked.connect(self.nextRequested)
        close.clicked.connect(self.closeRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.position, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)

    def show_step(self, title: str, text: str, index: int, count: int) -> None:
        self.title.setText(title)
        self.text.setText(text)
        self.position.setText(f"step {index + 1} of {count}")
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Done" if index == count - 1 else "Next →")
        self.adjustSize()

    def place_beside(self, hole: QRect | None) -> None:
        """Put the card where it hides least of ``hole``: to its right, else its left, else a corner."""
        window = self.parentWidget().rect()
        size = self.sizeHint()
        x, y = window.right() - size.width() - MARGIN, window.bottom() - size.height() - 40
        if hole is not None:
            if hole.right() + MARGIN + size.width() < window.right():
                x = hole.right() + MARGIN
            elif hole.left() - MARGIN - size.width() > window.left():
                x = hole.left() - MARGIN - size.width()
            y = min(max(hole.top(), MARGIN), window.bottom() - size.height() - 40)
        self.move(x, y)
        self.raise_()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.nextRequested.emit()
        elif key == Qt.Key.Key_Left:
            self.backRequested.emit()
        elif key == Qt.Key.Key_Escape:
            self.closeRequested.emit()
        else:
            super().keyPressEvent(event)

"""A titled card that frames one view, so the window reads as a set of tidy panels."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget


class Panel(QFrame):
    """Title (and optional hint and header widgets) above a body widget.

    Signals
    -------
    enlargeRequested()
        The title was double-clicked: fill the window with this panel (or restore the layout).
    popOutRequested()
        The pop-out button was pressed: show this panel in a window of its own.
    """

    enlargeRequested = Signal()
    popOutRequested = Signal()

    def __init__(
        self,
        title: str,
        body: QWidget | None = None,
        hint: str = "",
        header: tuple[QWidget, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(4)
        self.title = title
        self.heading = QLabel(title)
        self.heading.setObjectName("panelTitle")
        self.heading.setToolTip("Double-click to fill the window with this panel (again to restore)")
        self.heading.installEventFilter(self)
        top.addWidget(self.heading)
        if hint:
            note = QLabel(hint)
            note.setObjectName("panelHint")
            top.addWidget(note)
        top.addStretch(1)
        for widget in header:
            top.addWidget(widget)
        pop_out = QToolButton()
        pop_out.setObjectName("popOutButton")
        pop_out.setText("↗")
        pop_out.setFixedWidth(20)
        pop_out.setToolTip(f"Open {title} in a window of its own (close it to put it back)")
        pop_out.clicked.connect(self.popOutRequested.emit)
        top.addWidget(pop_out)
        layout.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        layout.addLayout(self.body, 1)
        if body is not None:
            self.body.addWidget(body, 1)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        self.body.addWidget(widget, stretch)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.heading and event.type() == QEvent.Type.MouseButtonDblClick:
            self.enlargeRequested.emit()
            return True
        return super().eventFilter(watched, event)

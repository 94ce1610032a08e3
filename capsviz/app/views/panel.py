"""A titled card that frames one view, so the window reads as a set of tidy panels."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget


class Panel(QFrame):
    """Title (and optional hint and header widgets) above a body widget."""

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
        top.setSpacing(6)
        heading = QLabel(title)
        heading.setObjectName("panelTitle")
        top.addWidget(heading)
        if hint:
            note = QLabel(hint)
            note.setObjectName("panelHint")
            top.addWidget(note)
        top.addStretch(1)
        for widget in header:
            top.addWidget(widget)
        layout.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        layout.addLayout(self.body, 1)
        if body is not None:
            self.body.addWidget(body, 1)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        self.body.addWidget(widget, stretch)

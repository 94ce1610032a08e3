"""Help dialogs: the keyboard shortcuts (generated from the menus) and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capsviz import __version__

ABOUT = f"""<h3>capsviz {__version__}</h3>
<p>Look inside a Capsule Network: draw a digit, watch routing by agreement move the
coupling coefficients, and steer the winning capsule through the decoder.</p>
<p>The network follows Sabour, Frosst &amp; Hinton, <i>Dynamic Routing Between Capsules</i>
(NeurIPS 2017): Conv1 → 1152 primary capsules (8-D) → 10 digit capsules (16-D) → decoder.</p>
<p>Mouse: left button draws, right button erases; click a length bar to steer that capsule.</p>"""


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str, str]]) -> QDialog:
    """A table of (menu, command, keys) ``rows``, opened without blocking ``parent``."""
    dialog = QDialog(parent)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    table = QTableWidget(len(rows), 3)
    table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(520, 620)
    dialog.open()
    return dialog


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About capsviz")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(ABOUT)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

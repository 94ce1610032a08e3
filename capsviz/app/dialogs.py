"""Help dialogs: the keyboard shortcuts (generated from the menus) and About."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
)

from capsviz import __version__
from capsviz.app.menus import shortcut_rows

if TYPE_CHECKING:
    from capsviz.app.window import MainWindow

ABOUT = f"""<h3>capsviz {__version__}</h3>
<p>Look inside a Capsule Network: draw a digit, watch routing by agreement move the
coupling coefficients, and steer the winning capsule through the decoder.</p>
<p>The network follows Sabour, Frosst &amp; Hinton, <i>Dynamic Routing Between Capsules</i>
(NeurIPS 2017): Conv1 → 1152 primary capsules (8-D) → 10 digit capsules (16-D) → decoder.</p>
<p>Mouse: left button draws, right button erases; click a length bar to steer that capsule.</p>"""


def show_shortcuts(window: MainWindow) -> QDialog:
    """A table of every shortcut, opened without blocking the window."""
    dialog = QDialog(window)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    rows = shortcut_rows(window)
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


def show_about(window: MainWindow) -> QMessageBox:
    box = QMessageBox(window)
    box.setWindowTitle("About capsviz")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(ABOUT)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

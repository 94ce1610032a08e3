"""One picture of the window and every insight panel, for "Save PNG…"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from capsviz.app import theme

SHEET_MARGIN = 12
SHEET_TITLE = 26


def save_sheet(path: Path, window: QWidget | None, panels: list[tuple[str, QWidget]]) -> Path:
    """Paint ``window`` on top and the panels two per row below it into one PNG."""
    shots = [(title, widget.grab().toImage()) for title, widget in panels]
    cell_w = max(image.width() for _, image in shots)
    cell_h = max(image.height() for _, image in shots) + SHEET_TITLE
    top = window.grab().toImage() if window is not None and window not in [w for _, w in panels] else None
    width = max(2 * cell_w + 3 * SHEET_MARGIN, (top.width() + 2 * SHEET_MARGIN) if top is not None else 0)
    rows = (len(shots) + 1) // 2
    height = (
        SHEET_MARGIN
        + (top.height() + SHEET_MARGIN if top is not None else 0)
        + rows * (cell_h + SHEET_MARGIN)
    )
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor(theme.WINDOW))
    painter = QPainter(sheet)
    painter.setPen(QColor(theme.TEXT))
    y = SHEET_MARGIN
    if top is not None:
        painter.drawImage(QPoint(SHEET_MARGIN, y), top)
        y += top.height() + SHEET_MARGIN
    for k, (title, image) in enumerate(shots):
        x = SHEET_MARGIN + (k % 2) * (cell_w + SHEET_MARGIN)
        row_y = y + (k // 2) * (cell_h + SHEET_MARGIN)
        painter.drawText(
            x,
            row_y,
            cell_w,
            SHEET_TITLE,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            title.replace("&&", "&"),
        )
        painter.drawImage(QPoint(x, row_y + SHEET_TITLE), image)
    painter.end()
    if not sheet.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    return path

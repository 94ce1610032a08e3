"""Compare & keep: the history strip, restoring a kept input, and saving the state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from capsviz.analysis.export import save_state, snapshot
from capsviz.analysis.history import History, HistoryEntry
from capsviz.app.insight.sheet import save_sheet

if TYPE_CHECKING:
    from capsviz.app.insight.panels import InsightPanels


class Keeper(QObject):
    """Answers the Compare & keep panel for an :class:`InsightPanels`."""

    def __init__(self, insight: InsightPanels) -> None:
        super().__init__(insight)
        self.insight = insight
        self.history = History()
        panel = insight.compare
        panel.restoreRequested.connect(self.restore)
        panel.keepRequested.connect(self._keep_clicked)
        panel.exportJsonRequested.connect(self._export_json_clicked)
        panel.exportPngRequested.connect(self._export_png_clicked)

    def keep_current(self, note: str = "") -> HistoryEntry | None:
        """Add the current input to the history strip."""
        insight = self.insight
        insight.catch_up()
        if insight.image is None or insight.trace is None:
            return None
        entry = self.history.add(insight.image, insight.lengths, note or insight.note)
        insight.compare.set_entries(self.history.entries)
        return entry

    def restore(self, entry: HistoryEntry) -> None:
        """Bring back a kept input; the one on screen is kept first so both can be compared."""
        current = self.keep_current()
        self.insight.compare.compare_with(current if current is not entry else None)
        self.insight.imageRequested.emit(entry.image.copy())
        if not self.insight.bound:
            self.insight.update(image=entry.image, note=entry.note)

    def export_json(self, path: str | Path) -> Path:
        """Save input, lengths, poses and c_ij of every iteration as JSON."""
        insight = self.insight
        insight.refresh_all()
        if insight.trace is None:
            raise ValueError("nothing to export yet: draw or open a digit first")
        return save_state(path, snapshot(insight.image, insight.trace, source=insight.note or "capsviz"))

    def export_png(self, path: str | Path, window: QWidget | None = None) -> Path:
        """Save one picture of ``window`` (if given) and every insight panel, up to date."""
        self.insight.refresh_all()
        return save_sheet(Path(path), window, self.insight.panels)

    def _keep_clicked(self) -> None:
        self.keep_current()

    def _export_json_clicked(self, path: str) -> None:
        self._report(self.export_json, path)

    def _export_png_clicked(self, path: str) -> None:
        self._report(self._export_window_png, path)

    def _export_window_png(self, path: str) -> Path:
        return self.export_png(path, self.insight.compare.window())

    def _report(self, action: Callable[[str], Path], path: str) -> None:
        try:
            written = action(path)
        except (OSError, ValueError) as exc:
            self.insight.compare.set_status(f"could not save: {exc}")
        else:
            self.insight.compare.set_status(f"saved {written.name}")

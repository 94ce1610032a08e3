"""Compare & keep: the history strip, restoring a kept input, and saving the state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from capsviz.analysis.export import save_state, snapshot
from capsviz.analysis.history import History, HistoryEntry
from capsviz.app.insight.history_panel import HistoryPanel
from capsviz.app.insight.sheet import save_sheet
from capsviz.model.capsnet import RoutingTrace


class Explained(Protocol):
    """What Compare & keep reads of the analysis: the input explained now, and the panels to save."""

    imageRequested: SignalInstance
    panels: list[tuple[str, QWidget]]

    @property
    def image(self) -> np.ndarray | None: ...
    @property
    def trace(self) -> RoutingTrace | None: ...
    @property
    def lengths(self) -> np.ndarray | None: ...
    @property
    def source(self) -> str: ...
    def catch_up(self) -> None: ...
    def refresh_all(self) -> None: ...


class Keeper(QObject):
    """Answers the Compare & keep ``panel``: keeps, restores and saves what ``explained`` shows."""

    def __init__(self, panel: HistoryPanel, explained: Explained) -> None:
        super().__init__(panel)
        self.panel = panel
        self.insight = explained
        self.history = History()
        panel.restoreRequested.connect(self.restore)
        panel.keepRequested.connect(self._keep_clicked)
        panel.exportJsonRequested.connect(self._export_json_clicked)
        panel.exportPngRequested.connect(self._export_png_clicked)

    def keep_current(self, source: str = "") -> HistoryEntry | None:
        """Add the current input to the history strip."""
        insight = self.insight
        insight.catch_up()
        if insight.image is None or insight.trace is None:
            return None
        entry = self.history.add(insight.image, insight.lengths, source or insight.source)
        self.panel.show_entries(self.history.entries)
        return entry

    def restore(self, entry: HistoryEntry) -> None:
        """Bring back a kept input; the one on screen is kept first so both can be compared."""
        current = self.keep_current()
        self.panel.compare_with(current if current is not entry else None)
        self.insight.imageRequested.emit(entry.image.copy(), entry.source or "a kept input")

    def export_json(self, path: str | Path) -> Path:
        """Save input, lengths, poses and c_ij of every iteration as JSON."""
        insight = self.insight
        insight.refresh_all()
        if insight.trace is None:
            raise ValueError("nothing to export yet: draw or open a digit first")
        return save_state(path, snapshot(insight.image, insight.trace, source=insight.source or "capsviz"))

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
        return self.export_png(path, self.panel.window())

    def _report(self, action: Callable[[str], Path], path: str) -> None:
        try:
            written = action(path)
        except (OSError, ValueError) as exc:
            self.panel.show_status(f"could not save: {exc}")
        else:
            self.panel.show_status(f"saved {written.name}")

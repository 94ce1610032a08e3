"""Optional log of how long the app takes from a user action to the updated plots.

Set ``CAPSVIZ_LATENCY_LOG=path`` and every update the app shows appends one
tab-separated row, so responsiveness can be measured on any machine:

``origin``            what asked (canvas, file, paste, sample, rerun)
``event_to_plot_ms``  newest user action answered → lengths plot updated
``oldest_to_plot_ms`` oldest action merged into the same request → plot updated
``network_ms``        preprocessing + routing + decoder in the worker
``gui_ms``            time the GUI thread spent applying the result
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

ENV_VAR = "CAPSVIZ_LATENCY_LOG"
COLUMNS = ("origin", "event_to_plot_ms", "oldest_to_plot_ms", "network_ms", "gui_ms")


class LatencyLog:
    """Appends one row per update to a file (if a path is set) and, with ``keep``, to ``rows``."""

    def __init__(self, path: str | os.PathLike | None, keep: bool = False) -> None:
        self._file: TextIO | None = None
        self.rows: list[tuple[str, float, float, float, float]] | None = [] if keep else None
        if path:
            target = Path(path)
            fresh = not target.exists() or target.stat().st_size == 0
            self._file = target.open("a", encoding="utf-8", buffering=1)
            if fresh:
                self._file.write("\t".join(COLUMNS) + "\n")

    @classmethod
    def from_environment(cls) -> LatencyLog:
        """The log named by ``$CAPSVIZ_LATENCY_LOG`` (disabled when unset)."""
        return cls(os.environ.get(ENV_VAR))

    @property
    def enabled(self) -> bool:
        return self._file is not None or self.rows is not None

    def record(
        self, origin: str, event_ms: float, oldest_ms: float, network_ms: float, gui_ms: float
    ) -> None:
        if self.rows is not None:
            self.rows.append((origin, event_ms, oldest_ms, network_ms, gui_ms))
        if self._file is not None:
            self._file.write(f"{origin}\t{event_ms:.2f}\t{oldest_ms:.2f}\t{network_ms:.2f}\t{gui_ms:.2f}\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

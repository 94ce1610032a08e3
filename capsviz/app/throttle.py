"""One way to let a burst of changes settle: act once they pause, and at least every so often.

Drawing changes the input on every mouse move; redrawing an analysis panel
can take 40 ms of GUI time, which the live view needs while the hand moves.
So the analysis follows the newest input once drawing pauses briefly, and
during other long bursts (a slider dragged, a spin box held) at least every
``max_wait_ms``. While the pen is down only a pause counts: a panel redrawn
mid-stroke held the GUI thread for 30–60 ms, and the ink lagged behind the hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls ``action`` after ``quiet_ms`` without a new :meth:`poke`, or ``max_wait_ms`` after the first."""

    def __init__(
        self, action: Callable[[], None], quiet_ms: int, max_wait_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._action = action
        self.quiet_ms, self.max_wait_ms = quiet_ms, max_wait_ms
        self._first = 0.0
        self._pause_only = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def poke(self) -> None:
        """Something changed: act once things are quiet (a zero wait acts at once)."""
        if self.quiet_ms <= 0:
            self._fire()
            return
        now = time.perf_counter()
        if not self._timer.isActive():
            self._first = now
        waited_ms = (now - self._first) * 1000.0
        left_ms = float("inf") if self._pause_only else self.max_wait_ms - waited_ms
        self._timer.start(int(min(self.quiet_ms, max(0.0, left_ms))))

    def wait_for_pause(self, on: bool) -> None:
        """While ``on``, act only once the changes pause, however long they go on (a stroke being drawn)."""
        self._pause_only = on

    def flush(self) -> None:
        """Act now on a change that is still waiting (before an export or a screenshot)."""
        if self._timer.isActive():
            self._fire()

    def stop(self) -> None:
        """Forget a waiting change (shutting down)."""
        self._timer.stop()

    def _fire(self) -> None:
        self._timer.stop()
        self._action()

"""Signals emitted from Python never wear bools out, whatever the PySide6 release."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from capsviz.app.qt_compat import protect_booleans


class Emitter(QObject):
    changed = Signal(int)


def test_many_emits_leave_true_and_false_alive():
    protect_booleans()
    emitter = Emitter()
    seen = []
    emitter.changed.connect(seen.append)
    before = {value: sys.getrefcount(value) for value in (True, False)}
    for k in range(20_000):
        emitter.changed.emit(k)
    assert len(seen) == 20_000
    for value in (True, False):
        lost = before[value] - sys.getrefcount(value)
        assert lost <= 0 or sys.getrefcount(value) > 1_000_000_000, "a leaking release is compensated"
    assert protect_booleans() == protect_booleans(), "checked once per process"

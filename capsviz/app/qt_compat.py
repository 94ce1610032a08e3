"""Guard against a reference-count bug of PySide6 6.12 on Python 3.11.

In that release ``SignalInstance.emit()`` returns ``True`` without taking a
reference to it, so every signal emitted from Python (ours, pyqtgraph's, the
analysis panels') takes one reference away from ``True``. Python 3.12 and
later never free ``True`` and are unaffected; on 3.11 the count reaches zero
after a few thousand emits — about a minute of drawing — and the interpreter
aborts with "deallocating True or False".

:func:`protect_booleans` measures the leak with a private signal and, only if
it is there, gives ``True`` (and ``False``, should it leak too) so many
references that they can never reach zero, which is what Python 3.12 does for
every bool.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

PROBES = 64
RESERVE = 1 << 48  # far more emits than any session can make


class _Probe(QObject):
    ping = Signal()


def leaked_references(probes: int = PROBES) -> dict[bool, int]:
    """References ``True`` and ``False`` each lose over ``probes`` emits."""
    probe = _Probe()
    before = {value: sys.getrefcount(value) for value in (True, False)}
    for _ in range(probes):
        probe.ping.emit()
    return {value: max(0, before[value] - sys.getrefcount(value)) for value in (True, False)}


_checked: list[bool] = []


def protect_booleans() -> bool:
    """Make bools immortal when emits leak their references (once per process); True if they leak."""
    if sys.version_info >= (3, 12):
        return False
    if _checked:
        return _checked[0]
    leaks = leaked_references()
    for value, lost in leaks.items():
        if lost:
            # ob_refcnt is the first field of every CPython object.
            ctypes.c_ssize_t.from_address(id(value)).value += RESERVE + lost
    _checked.append(any(leaks.values()))
    return _checked[0]

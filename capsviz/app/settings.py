"""What the explorer remembers between sessions: window size and place, panel widths, brush, tab.

Only the app started by a person (``capsviz``) reads and writes these; windows
built by tests, screenshots and plug-ins start from the defaults every time.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter

from capsviz.app.views.canvas import MAX_BRUSH, MIN_BRUSH

ORGANIZATION = "capsviz"
COLUMNS = "columnSplitter"  # objectName of the window's three-column splitter


def app_settings() -> QSettings:
    """The per-user settings store (the platform's usual place)."""
    return QSettings(ORGANIZATION, "capsviz")


def restore_settings(window: object, settings: QSettings) -> None:
    """Apply what ``settings`` holds to ``window``; unreadable or missing values are ignored."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    splitter = window.findChild(QSplitter, COLUMNS)
    sizes = settings.value("window/columns")
    if splitter is not None and isinstance(sizes, QByteArray):
        splitter.restoreState(sizes)
    brush = _int(settings.value("canvas/brush"))
    if brush is not None and MIN_BRUSH <= brush <= MAX_BRUSH:
        window.brush_slider.setValue(brush)
    tab = _int(settings.value("window/tab"))
    if tab is not None and 0 <= tab < window.insight_tabs.count():
        window.insight_tabs.setCurrentIndex(tab)


def save_settings(window: object, settings: QSettings) -> None:
    """Remember ``window``'s size, place, column widths, brush and open tab."""
    settings.setValue("window/geometry", window.saveGeometry())
    splitter = window.findChild(QSplitter, COLUMNS)
    if splitter is not None:
        settings.setValue("window/columns", splitter.saveState())
    settings.setValue("canvas/brush", window.canvas.brush_width)
    settings.setValue("window/tab", window.insight_tabs.currentIndex())
    settings.sync()


def remember_between_sessions(window: object, settings: QSettings | None = None) -> None:
    """Restore ``window`` now and save it when it closes."""
    store = settings if settings is not None else app_settings()
    restore_settings(window, store)
    window.closing.connect(lambda: save_settings(window, store))


def offer_tour_once(window: object, settings: QSettings | None = None) -> bool:
    """Start the guided tour on the very first launch (it closes with Esc); True if it was offered now."""
    store = settings if settings is not None else app_settings()
    if store.value("tour/offered", False, type=bool):
        return False
    store.setValue("tour/offered", True)
    store.sync()
    window.start_tour()
    return True


def _int(value: object) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

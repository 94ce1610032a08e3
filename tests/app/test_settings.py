"""The explorer remembers its size, column widths, brush and open tab between sessions."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QSplitter

from capsviz.app.settings import remember_between_sessions, restore_settings


def new_window(qtbot, pretrained):
    from capsviz.app import create_window

    window = create_window(model=pretrained, insight=False)
    qtbot.addWidget(window)
    return window


def test_size_brush_and_columns_come_back_next_time(qtbot, pretrained, tmp_path):
    store = QSettings(str(tmp_path / "capsviz.ini"), QSettings.Format.IniFormat)
    first = new_window(qtbot, pretrained)
    remember_between_sessions(first, store)
    first.show()
    qtbot.waitExposed(first)
    first.brush_slider.setFocus()
    for _ in range(3):
        qtbot.keyClick(first.brush_slider, Qt.Key.Key_Right)
    brush = first.canvas.brush_width
    columns = first.findChild(QSplitter, "columnSplitter")
    widths = columns.sizes()
    first.close()

    # Qt fits a restored geometry to the screen (a small virtual one here, narrower than the window's
    # minimum), so only its presence is checked, and the second window opens at the first one's size.
    assert not store.value("window/geometry").isEmpty()
    store.remove("window/geometry")
    second = new_window(qtbot, pretrained)
    remember_between_sessions(second, store)
    second.show()
    qtbot.waitExposed(second)
    assert second.canvas.brush_width == brush != 34 and second.brush_slider.value() == brush
    restored = second.findChild(QSplitter, "columnSplitter").sizes()
    assert not store.value("window/columns").isEmpty()
    assert all(abs(a - b) <= 8 for a, b in zip(restored, widths, strict=True)), (restored, widths)
    second.close()


def test_damaged_settings_are_ignored(qtbot, pretrained, tmp_path):
    path = tmp_path / "capsviz.ini"
    path.write_text("[canvas]\nbrush=enormous\n[window]\ngeometry=garbage\ntab=99\ncolumns=1\n")
    window = new_window(qtbot, pretrained)
    restore_settings(window, QSettings(str(path), QSettings.Format.IniFormat))
    assert window.canvas.brush_width == 34 and window.insight_tabs.currentIndex() == 0

"""The history strip and the gallery list thumbnails and answer clicks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from capsviz.analysis.gallery import Gallery, GalleryEntry
from capsviz.analysis.history import History
from capsviz.app.insight.gallery_panel import GalleryPanel
from capsviz.app.insight.history_panel import HistoryPanel


def click_item(qtbot, view, row: int) -> None:
    rect = view.visualItemRect(view.item(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_history_strip_restores_on_click(shown, qtbot):
    history = History()
    for k in range(3):
        lengths = np.zeros(10, np.float32)
        lengths[k] = 0.8
        history.add(np.full((28, 28), k / 4, np.float32), lengths, source=f"#{k}")
    panel = shown(HistoryPanel())
    panel.show_entries(history.entries)
    panel.show_current(np.eye(10, dtype=np.float32)[5])
    assert panel.strip.count() == 3 and panel.strip.item(0).text() == "2  0.80"
    with qtbot.waitSignal(panel.restoreRequested) as blocker:
        click_item(qtbot, panel.strip, 1)
    assert blocker.args[0] is history[1]
    panel.compare_with(history[1])
    np.testing.assert_allclose(panel.bars.heights(0), history[1].lengths)
    np.testing.assert_allclose(panel.bars.heights(1), np.eye(10)[5])
    panel.compare_with(None)
    assert panel.bars.heights(0) is None
    with qtbot.waitSignal(panel.keepRequested):
        panel.keep_button.click()


def test_history_export_buttons_ask_for_files(shown, qtbot, monkeypatch, tmp_path):
    from capsviz.app.insight import history_panel

    panel = shown(HistoryPanel())
    monkeypatch.setattr(
        history_panel.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "s"), "")
    )
    with qtbot.waitSignal(panel.exportJsonRequested) as blocker:
        panel.json_button.click()
    assert blocker.args == [str(tmp_path / "s")]
    with qtbot.waitSignal(panel.exportPngRequested):
        panel.png_button.click()


def test_gallery_lists_surprises_and_opens_them(shown, qtbot, mnist_test):
    gallery = Gallery(
        mistakes=[GalleryEntry(12, 4, 9, 0.3, 4), GalleryEntry(40, 3, 5, 0.1, 3)],
        unsure=[GalleryEntry(7, 1, 1, 0.02, 7)],
        surveyed=100,
    )
    panel = shown(GalleryPanel())
    panel.show_progress(30, 100)
    assert panel.progress.isVisible() and not panel.compute_button.isEnabled()
    panel.show_progress(100, 100)
    panel.show_gallery(gallery, mnist_test[0])
    assert [panel.list.item(k).text() for k in range(panel.list.count())] == ["4→9", "3→5"]
    assert "2 mistakes (98.00% right)" in panel.summary.text()
    assert "true 4, predicted 9" in panel.list.item(0).toolTip()
    with qtbot.waitSignal(panel.digitRequested) as blocker:
        click_item(qtbot, panel.list, 1)
    assert blocker.args == [40]
    panel.kind_box.setCurrentIndex(1)
    assert panel.list.count() == 1 and panel.list.item(0).text() == "1 (7?)"
    with qtbot.waitSignal(panel.computeRequested):
        panel.show_gallery(None, None)
        panel.compute_button.click()

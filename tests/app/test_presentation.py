"""Presenting: every tab in sight on a 1366×768 laptop, panels enlarged or popped out, fonts zoomed."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QSlider, QSplitter, QToolButton

from capsviz.app.panel_ids import PANEL_IDS, PANEL_TITLES
from capsviz.app.presentation import PopOutWindow
from tests.app.app_helpers import SEVEN, WAIT_MS


def double_click(widget) -> None:
    QTest.mouseDClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))


def press(window, keys: str | QKeySequence) -> None:
    sequence = QKeySequence(keys)
    combo = sequence[0]
    QTest.keyClick(window, combo.key(), combo.keyboardModifiers())


def test_a_1366_by_768_laptop_screen_shows_every_tab_without_scrolling(full_window, qtbot):
    full_window.resize(1366, 768)
    qtbot.wait(50)
    assert (full_window.width(), full_window.height()) == (1366, 768), "no column forces the window wider"
    tabs = full_window.insight_tabs
    bar = tabs.tabBar()
    assert tabs.count() == len(PANEL_IDS)
    assert not any(button.isVisible() for button in bar.findChildren(QToolButton)), "no scroll arrows"
    for index in range(tabs.count()):
        assert bar.rect().contains(bar.tabRect(index)), tabs.tabText(index)
        assert bar.fontMetrics().horizontalAdvance(tabs.tabText(index)) < bar.tabRect(index).width()
    assert [tabs.tabText(i).replace("&&", "&") for i in range(tabs.count())] == list(PANEL_TITLES.values())
    assert full_window.findChild(QSplitter, "columnSplitter").sizes()[0] >= 300, "the canvas stays usable"


def test_double_clicking_a_title_fills_the_window_with_its_panel_and_again_restores(window, qtbot):
    capsule_column = window.findChild(QSplitter, "columnSplitter").widget(1)
    double_click(window.draw_panel.heading)
    assert window.draw_panel.isVisible() and not capsule_column.isVisible()
    assert not window.insight_tabs.isVisible()
    assert window.presentation.restore_bar.isVisible()
    assert "Draw fills the window" in window.presentation.restore_note.text()
    double_click(window.draw_panel.heading)
    assert capsule_column.isVisible() and window.insight_tabs.isVisible()
    assert not window.presentation.restore_bar.isVisible()


def test_a_tab_is_enlarged_by_double_click_and_restored_with_f11_or_the_button(window, qtbot):
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.routing_view.isVisible(), timeout=WAIT_MS)
    tabs = window.insight_tabs
    bar = tabs.tabBar()
    QTest.mouseDClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(0).center())
    assert not window.draw_panel.isVisible() and window.routing_view.isVisible()
    press(window, "F11")
    assert window.draw_panel.isVisible()
    press(window, "F11")
    assert not window.draw_panel.isVisible()
    QTest.mouseClick(window.findChild(QPushButton, "restoreLayoutButton"), Qt.MouseButton.LeftButton)
    assert window.draw_panel.isVisible() and bar.isVisible()


def test_a_popped_out_panel_keeps_working_and_goes_back_when_its_window_closes(window, qtbot):
    column = window.findChild(QSplitter, "columnSplitter").widget(1)
    steer = next(p for p in column.findChildren(type(window.draw_panel)) if p.title == "Steer the capsule")
    index = column.layout().indexOf(steer)
    QTest.mouseClick(steer.findChild(QToolButton, "popOutButton"), Qt.MouseButton.LeftButton)
    popped = steer.window()
    assert isinstance(popped, PopOutWindow) and popped.isVisible()
    assert popped.windowTitle() == "capsviz — Steer the capsule"
    assert column.layout().indexOf(steer) == -1
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.state.outputs is not None, timeout=WAIT_MS)
    steer.findChild(QSlider, "poseSlider3").setValue(10)
    assert window.state.pose_offsets[3] == pytest.approx(0.10), "the sliders still steer, from their window"
    popped.close()
    assert steer.window() is window and column.layout().indexOf(steer) == index
    assert steer.isVisible()


def test_the_current_tab_pops_out_from_the_view_menu_and_back(window, qtbot):
    tabs = window.insight_tabs
    page = tabs.widget(0)
    window.actions_by_name["pop-out"].trigger()
    assert tabs.indexOf(page) == -1 and isinstance(page.window(), PopOutWindow)
    assert page.window().windowTitle() == "capsviz — Routing"
    page.window().close()
    assert tabs.indexOf(page) == 0 and tabs.tabText(0) == "Routing"


def test_zoom_scales_every_font_and_actual_size_brings_it_back(window, qtbot):
    title, heading = window.routing_view.title, window.draw_panel.heading
    before = (title.font().pointSizeF(), heading.font().pointSizeF(), window.prediction.font().pointSizeF())
    items = [item for view in window.findChildren(pg.GraphicsView) for item in view.items()]
    axis = next(item for item in items if isinstance(item, pg.AxisItem))
    press(window, "Ctrl+=")
    press(window, "Ctrl+=")
    zoom = window.presentation.zoom
    assert zoom == pytest.approx(1.3)
    assert title.font().pointSizeF() == pytest.approx(before[0] * zoom, rel=0.02)
    assert heading.font().pointSizeF() == pytest.approx(before[1] * zoom, rel=0.02)
    assert axis.style["tickFont"].pointSizeF() > 10
    press(window, "Ctrl+-")
    assert window.presentation.zoom == pytest.approx(1.15)
    press(window, "Ctrl+0")
    assert window.presentation.zoom == 1.0
    after = (title.font().pointSizeF(), heading.font().pointSizeF(), window.prediction.font().pointSizeF())
    assert after == pytest.approx(before)


def test_a_screenshot_can_show_one_panel_filling_the_window(window, tmp_path):
    from capsviz.app.launch import render_screenshot
    from capsviz.app.scene import ScreenshotScene

    assert render_screenshot(window, str(tmp_path / "big.png"), ScreenshotScene(enlarge=True)) == 0
    assert window.presentation.enlarged is window.panel_pages["routing"]
    assert (tmp_path / "big.png").exists()


def test_the_command_line_zooms_and_refuses_a_zoom_out_of_range(
    tmp_path, capsys, in_process_app, monkeypatch
):
    from capsviz.app import launch
    from capsviz.cli import main

    seen = []
    render = launch.render_screenshot

    def record(window, *args):
        seen.append((window.presentation.zoom, window.routing_view.title.font().pointSizeF()))
        return render(window, *args)

    monkeypatch.setattr(launch, "render_screenshot", record)
    assert main(["--screenshot", str(tmp_path / "plain.png")]) == 0
    assert main(["--zoom", "1.5", "--screenshot", str(tmp_path / "zoomed.png")]) == 0
    (plain_zoom, plain_title), (zoom, title) = seen
    assert (plain_zoom, zoom) == (1.0, 1.5) and title == pytest.approx(plain_title * 1.5)
    with pytest.raises(SystemExit):
        main(["--zoom", "5"])
    assert "expected a zoom from 0.8 to 2.0" in capsys.readouterr().err

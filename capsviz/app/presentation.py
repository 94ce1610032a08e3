"""Presenting with capsviz: a panel enlarged to fill the window or popped out, and fonts zoomed.

On a projector a class sees one panel at a time, large: double-click a panel's
title (or a tab) to fill the window with it, press its ↗ button (or View → Pop
Out) to give it a window of its own, and Ctrl + / Ctrl − to scale every font.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from capsviz.app import theme
from capsviz.app.views.panel import Panel
from capsviz.app.zoom import ZOOMS

WIDGET_BASE_FONT = "capsvizDesignedFont"  # a widget's own font size at zoom 1 (negative: pixels)


class PopOutWindow(QWidget):
    """A panel in a window of its own; closing it puts the panel back where it was."""

    def __init__(
        self, owner: QWidget, panel: QWidget, title: str, put_back: Callable[[QWidget], None]
    ) -> None:
        super().__init__(owner, Qt.WindowType.Window)
        self.setObjectName("popOutWindow")
        self.setWindowTitle(f"capsviz — {title}")
        self.panel, self._put_back = panel, put_back
        size = panel.size()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(panel)
        panel.show()
        self.resize(max(size.width(), 480), max(size.height(), 360))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._put_back(self.panel)
        super().closeEvent(event)


def _tab_widget_of(page: QWidget) -> QTabWidget | None:
    stack = page.parentWidget()
    tabs = stack.parentWidget() if isinstance(stack, QStackedWidget) else None
    return tabs if isinstance(tabs, QTabWidget) else None


def _take_out(widget: QWidget) -> Callable[[QWidget], None]:
    """Remove ``widget`` from its tab widget, splitter or layout; returns how to put it back there."""
    tabs = _tab_widget_of(widget)
    if tabs is not None:
        index = tabs.indexOf(widget)
        text, tip = tabs.tabText(index), tabs.tabToolTip(index)
        tabs.removeTab(index)

        def back_to_tabs(page: QWidget) -> None:
            at = tabs.insertTab(min(index, tabs.count()), page, text)
            tabs.setTabToolTip(at, tip)
            tabs.setCurrentIndex(at)

        return back_to_tabs
    parent = widget.parentWidget()
    if isinstance(parent, QSplitter):
        index, sizes = parent.indexOf(widget), parent.sizes()

        def back_to_splitter(panel: QWidget) -> None:
            parent.insertWidget(index, panel)
            parent.setSizes(sizes)

        return back_to_splitter
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QBoxLayout):
        index = layout.indexOf(widget)
        stretch = layout.stretch(index)
        layout.removeWidget(widget)

        def back_to_layout(panel: QWidget) -> None:
            layout.insertWidget(index, panel, stretch)

        return back_to_layout
    raise ValueError("this panel cannot be popped out")


class Presentation(QObject):
    """Enlarge, pop out and zoom for one main window (``window.presentation``)."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget) -> None:
        super().__init__(window)
        self.window, self.tabs = window, tabs
        self.zoom = 1.0
        self.enlarged: QWidget | None = None
        self._hidden: list[QWidget] = []
        self.popped: list[PopOutWindow] = []
        self.restore_bar = self._restore_bar()
        for panel in window.findChildren(Panel):
            panel.enlargeRequested.connect(lambda p=panel: self.toggle_enlarged(p))
            panel.popOutRequested.connect(lambda p=panel: self.pop_out(p))
        tabs.tabBarDoubleClicked.connect(lambda index: self.toggle_enlarged(tabs.widget(index)))

    def _restore_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("restoreBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.restore_note = QLabel()
        self.restore_note.setObjectName("caption")
        button = QPushButton("Restore the layout")
        button.setObjectName("restoreLayoutButton")
        button.clicked.connect(self.restore)
        row.addWidget(self.restore_note, 1)
        row.addWidget(button)
        bar.hide()
        self.window.centralWidget().layout().insertWidget(0, bar)
        return bar

    # enlarge -------------------------------------------------------------
    def title_of(self, widget: QWidget) -> str:
        if isinstance(widget, Panel):
            return widget.title
        index = self.tabs.indexOf(widget)
        return self.tabs.tabText(index).replace("&&", "&") if index >= 0 else "panel"

    def toggle_enlarged(self, widget: QWidget | None = None) -> None:
        """Fill the window with ``widget`` (default: the tab on show), or restore if it already does."""
        target = widget or self.tabs.currentWidget()
        if self.enlarged is not None:
            same = self.enlarged is target
            self.restore()
            if same:
                return
        if target is None:
            return
        central = self.window.centralWidget()
        node = target
        while node is not central and node.parentWidget() is not None:
            parent = node.parentWidget()
            for sibling in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
                if (
                    sibling in (node, self.restore_bar)
                    or sibling.isWindow()
                    or not sibling.isVisibleTo(parent)
                ):
                    continue
                sibling.hide()
                self._hidden.append(sibling)
            node = parent
        self.enlarged = target
        self.restore_note.setText(
            f"{self.title_of(target)} fills the window: double-click its title again or press F11 to restore."
        )
        self.restore_bar.show()

    def restore(self) -> None:
        """Show every panel again as it was laid out."""
        for widget in reversed(self._hidden):
            widget.show()
        self._hidden.clear()
        self.enlarged = None
        self.restore_bar.hide()

    # pop out -------------------------------------------------------------
    def pop_out(self, widget: QWidget | None = None) -> PopOutWindow:
        """Show ``widget`` (default: the tab on show) in a window of its own until that window closes."""
        self.restore()
        target = widget or self.tabs.currentWidget()
        home = target.window()
        if isinstance(home, PopOutWindow):  # its button again: back into the main window
            home.close()
            return home
        title = self.title_of(target)
        put_back = _take_out(target)

        def returned(panel: QWidget) -> None:
            put_back(panel)
            panel.show()
            self.popped = [w for w in self.popped if w.panel is not panel]

        window = PopOutWindow(self.window, target, title, returned)
        self.popped.append(window)
        window.show()
        return window

    # zoom ----------------------------------------------------------------
    def zoom_by(self, steps: int) -> None:
        """One step bigger (+1) or smaller (−1) along :data:`~capsviz.app.zoom.ZOOMS`; 0 resets."""
        if steps == 0:
            self.set_zoom(1.0)
            return
        levels = ZOOMS
        nearest = min(range(len(levels)), key=lambda i: abs(levels[i] - self.zoom))
        self.set_zoom(levels[max(0, min(len(levels) - 1, nearest + steps))])

    def set_zoom(self, zoom: float) -> None:
        """Scale every font of the window (pop-outs, dialogs and plot axes included) by ``zoom``.

        The window gets the zoomed font and stylesheet, so only its own widgets are
        restyled, not every widget of the application.
        """
        app = QApplication.instance()
        base = float(app.property(theme.BASE_FONT_PROPERTY) or theme.BASE_POINTS)
        self.zoom = zoom
        font = QFont(app.font())
        font.setPointSizeF(base * zoom)
        self.window.setFont(font)
        self.window.setStyleSheet("" if zoom == 1.0 else theme.stylesheet(zoom))
        tick = QFont(font)
        tick.setPointSizeF(base * zoom * 0.9)
        for widget in self.window.findChildren(QWidget):
            if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont) and not widget.isWindow():
                _scale_font(widget, zoom)
        for view in self.window.findChildren(pg.GraphicsView):
            for item in view.items():
                if isinstance(item, pg.AxisItem):
                    item.setTickFont(tick)
                    item.label.setFont(font)
                    item.picture = None
                    item.update()


def _scale_font(widget: QWidget, zoom: float) -> None:
    """A widget with a font of its own (a title, the big digit) takes ``zoom`` times its designed size.

    The designed size is kept on the widget: re-applying the stylesheet puts back
    the font the widget had first, so sizes are set absolutely, never multiplied.
    """
    font = widget.font()
    base = widget.property(WIDGET_BASE_FONT)
    if base is None:
        base = font.pointSizeF() if font.pointSizeF() > 0 else -float(font.pixelSize())
        widget.setProperty(WIDGET_BASE_FONT, base)
    if base > 0:
        font.setPointSizeF(base * zoom)
    else:
        font.setPixelSize(max(1, round(-base * zoom)))
    widget.setFont(font)

"""Tabs down the side with their names written across: all of them fit, even on a 1366×768 laptop.

Ten tab names across the top of a 500 px column need scroll arrows and hide
some tabs; stacked down its left edge they take one line each.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QStyle, QStyleOptionTab, QStylePainter, QTabBar, QTabWidget, QWidget


class SideTabBar(QTabBar):
    """A tab bar for the west side whose labels read left to right."""

    def tabSizeHint(self, index: int) -> QSize:
        """Wide enough for the label written across, one line high."""
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self.tabText(index)) + 20, metrics.height() + 12)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionTab()
        for index in range(self.count()):
            self.initStyleOption(option, index)
            painter.drawControl(QStyle.ControlElement.CE_TabBarTabShape, option)
            option.shape = QTabBar.Shape.RoundedNorth
            painter.drawControl(QStyle.ControlElement.CE_TabBarTabLabel, option)


def side_tabs(parent: QWidget | None = None) -> QTabWidget:
    """A tab widget whose tabs run down its left side, labels horizontal."""
    tabs = QTabWidget(parent)
    bar = SideTabBar()
    font = bar.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)  # a little smaller than the panels' text: a narrower column
    bar.setFont(font)
    tabs.setTabBar(bar)
    tabs.setTabPosition(QTabWidget.TabPosition.West)
    tabs.setUsesScrollButtons(False)
    return tabs

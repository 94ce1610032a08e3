"""One dark theme for Qt widgets and pyqtgraph plots, so every panel looks alike."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem, QLabel

WINDOW = "#15171a"
PANEL = "#1d2024"
PANEL_BORDER = "#2c3138"
PLOT = "#1d2024"
TEXT = "#e4e7eb"
MUTED = "#9aa3ad"
ACCENT = "#38bdf8"  # the winning capsule
STEER = "#f5a524"  # the capsule the sliders steer
BAR = "#4a5361"
POSITIVE = "#34d399"  # the 0.9 margin: a present digit should reach it
NEGATIVE = "#f87171"  # the 0.1 margin: absent digits should stay below it
ERROR = "#f87171"

STYLESHEET = """
QMainWindow, QDialog {{ background: {WINDOW}; }}
QWidget {{ color: {TEXT}; }}
QFrame#panel {{ background: {PANEL}; border: 1px solid {PANEL_BORDER}; border-radius: 8px; }}
QLabel#panelTitle {{ color: {TEXT}; font-weight: 600; font-size: {title_pt}pt; }}
QLabel#panelHint, QLabel#caption {{ color: {MUTED}; }}
QLabel#emptyMessage {{ color: {MUTED}; font-size: {message_pt}pt; }}
QLabel[role="dimensionName"] {{ color: {MUTED}; font-size: {small_pt}pt; }}
QLabel#banner {{ background: #4a3512; color: #ffe2a8; border: 1px solid #8a6420;
                 border-radius: 6px; padding: 8px 12px; }}
QToolBar {{ background: {WINDOW}; border: none; spacing: 6px; padding: 4px 6px; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; border-top: 1px solid {PANEL_BORDER}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QTabWidget::pane {{ border: 1px solid {PANEL_BORDER}; border-radius: 8px;
                     background: {PANEL}; top: -1px; }}
QTabBar::tab {{ background: {WINDOW}; color: {MUTED}; padding: 5px 10px;
                border: 1px solid {PANEL_BORDER}; border-bottom: none; margin-right: 2px;
                border-top-left-radius: 6px; border-top-right-radius: 6px; }}
QTabBar::tab:selected {{ background: {PANEL}; color: {TEXT}; }}
QTabBar::tab:left {{ padding: 5px 8px; border: 1px solid {PANEL_BORDER}; border-right: none;
                     margin: 0 0 2px 0; border-top-left-radius: 6px; border-bottom-left-radius: 6px;
                     border-top-right-radius: 0; }}
QPushButton, QToolButton {{ background: #2a2f36; border: 1px solid #394049; border-radius: 5px;
                            padding: 4px 10px; color: {TEXT}; }}
QPushButton:hover, QToolButton:hover {{ background: #343a43; }}
QPushButton:pressed, QToolButton:pressed {{ background: #1f242a; }}
QPushButton:checked, QToolButton:checked {{ background: #0e4a66; border-color: {ACCENT}; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5b636d; }}
QToolButton#capsuleButton {{ min-width: 14px; padding: 3px 4px; font-weight: 600; }}
QToolButton#capsuleButton[winner="true"] {{ color: {ACCENT}; }}
QToolButton#capsuleButton:checked {{ background: #5a3d08; border-color: {STEER}; color: #ffe2a8; }}
QToolButton#resetButton {{ padding: 0 4px; min-width: 18px; }}
QToolButton#popOutButton {{ padding: 2px 3px; border-color: transparent; background: transparent;
                            color: {MUTED}; }}
QToolButton#eraserButton, QToolButton#undoButton, QToolButton#redoButton, QToolButton#clearButton {{
    padding: 4px 5px; }}
QSpinBox, QComboBox {{ background: #2a2f36; border: 1px solid #394049; border-radius: 5px;
                       padding: 2px 6px; }}
QComboBox QAbstractItemView {{ background: #2a2f36; selection-background-color: #0e4a66; }}
QSlider::groove:horizontal {{ height: 4px; background: #3a414b; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: #3a414b; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {TEXT}; width: 12px; height: 12px;
                              margin: -5px 0; border-radius: 6px; }}
QSlider::handle:horizontal:hover {{ background: {ACCENT}; }}
QSlider#poseSlider::handle:horizontal {{ background: {STEER}; }}
QMenuBar {{ background: {WINDOW}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: #0e4a66; }}
QMenu {{ background: {PANEL}; border: 1px solid {PANEL_BORDER}; }}
QToolTip {{ background: #0f1114; color: {TEXT}; border: 1px solid {PANEL_BORDER}; padding: 4px; }}
QSplitter::handle {{ background: {WINDOW}; }}
QTableWidget {{ background: {PANEL}; gridline-color: {PANEL_BORDER}; }}
QHeaderView::section {{ background: {WINDOW}; color: {MUTED}; border: none; padding: 4px; }}
"""


BASE_POINTS = 10.0  # the app's font at zoom 1 (or the system's, if larger)
BASE_FONT_PROPERTY = "capsvizBasePoints"  # where the app keeps its zoom-1 font size


def stylesheet(zoom: float = 1.0) -> str:
    """The app's stylesheet with its font sizes multiplied by ``zoom``."""
    return STYLESHEET.format(
        TEXT=TEXT,
        MUTED=MUTED,
        PANEL=PANEL,
        PANEL_BORDER=PANEL_BORDER,
        WINDOW=WINDOW,
        ACCENT=ACCENT,
        STEER=STEER,
        title_pt=f"{11 * zoom:.1f}",
        message_pt=f"{12 * zoom:.1f}",
        small_pt=f"{8 * zoom:.1f}",
    )


def heading_label(object_name: str = "routingTitle") -> QLabel:
    """A large demi-bold heading (a view's title): 1.25× the app's font."""
    label = QLabel()
    label.setObjectName(object_name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setWeight(font.Weight.DemiBold)
    label.setFont(font)
    return label


def cache_axes(plot: pg.PlotItem) -> None:
    """Keep each axis as a cached picture: live data then repaints only the plot area."""
    for name in ("left", "bottom", "top", "right"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def configure_pyqtgraph() -> None:
    """Plots share the panel colours and draw anti-aliased."""
    pg.setConfigOptions(antialias=True, background=PLOT, foreground=MUTED)


def apply_theme(app: QApplication) -> None:
    """Fusion style, a dark palette and the stylesheet above, once per application.

    Styling an application restyles every widget it has, so a second window (a
    script, a test) does not restyle the first one again.
    """
    if app.property(BASE_FONT_PROPERTY) is not None:
        return
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, WINDOW),
        (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.Base, "#111316"),
        (QPalette.ColorRole.AlternateBase, PANEL),
        (QPalette.ColorRole.Text, TEXT),
        (QPalette.ColorRole.Button, "#2a2f36"),
        (QPalette.ColorRole.ButtonText, TEXT),
        (QPalette.ColorRole.Highlight, "#0e4a66"),
        (QPalette.ColorRole.HighlightedText, TEXT),
        (QPalette.ColorRole.ToolTipBase, "#0f1114"),
        (QPalette.ColorRole.ToolTipText, TEXT),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), BASE_POINTS))
    app.setFont(font)
    app.setProperty(BASE_FONT_PROPERTY, font.pointSizeF())
    app.setStyleSheet(stylesheet())
    configure_pyqtgraph()

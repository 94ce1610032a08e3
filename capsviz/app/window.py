"""The main window: panels laid out, menus attached, files and clipboard accepted.

``create_window`` builds everything without starting the event loop, so tests,
scripted demos and ``--screenshot`` use exactly the window people see.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSlider,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capsviz.analysis.morph import Morph
from capsviz.app.animation_dialog import export_animation_dialog
from capsviz.app.controller import Controller
from capsviz.app.dialogs import show_about, show_shortcuts
from capsviz.app.menus import shortcut_rows
from capsviz.app.panel_ids import PANEL_TITLES, ROUTING_PANEL
from capsviz.app.presentation import Presentation
from capsviz.app.protocols import Views
from capsviz.app.session import SESSION_FILTER, open_session, save_session
from capsviz.app.session_file import SUFFIX
from capsviz.app.state import AppState
from capsviz.app.tour import Tour
from capsviz.app.views.canvas import MAX_BRUSH, MIN_BRUSH, DrawingCanvas
from capsviz.app.views.empty_state import EmptyState, Needs, empty_message
from capsviz.app.views.lengths import LengthPlot
from capsviz.app.views.network_input import NetworkInputView
from capsviz.app.views.panel import Panel
from capsviz.app.views.pixels import qimage_to_array
from capsviz.app.views.poses import PoseSliders
from capsviz.app.views.prediction import PredictionLabel
from capsviz.app.views.reconstruction import ReconstructionView
from capsviz.app.views.routing import RoutingView
from capsviz.app.views.side_tabs import side_tabs
from capsviz.app.views.status import StatusPanel
from capsviz.data.images import ImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
IMAGE_FILTER = f"Images ({' '.join('*' + suffix for suffix in IMAGE_SUFFIXES)});;All files (*)"
MAX_PATH_CHARS = 4096
WINDOW_SIZE = (1400, 900)


class MainWindow(QMainWindow):
    """capsviz's window: it lays the views out and offers :meth:`show_panel`; ``state`` and
    ``controller`` are public so panels can plug in.

    Signals
    -------
    closing()
        The window is closing: plug-ins stop their background work.
    """

    closing = Signal()

    def __init__(self, state: AppState, problem: str = "") -> None:
        """Lay out the views for ``state``; :func:`~capsviz.app.assembly.create_window` then attaches
        the controller, the menus and the rest (``problem``: why there is no network, for the banner)."""
        super().__init__()
        self.setObjectName("capsvizWindow")
        self.setWindowTitle("capsviz — inside a Capsule Network")
        self.setAcceptDrops(True)
        self.state = state
        self.controller: Controller | None = None  # attached by the assembly
        self._build_views()
        self.setCentralWidget(self._build_layout(problem))
        self.presentation = Presentation(self, self.insight_tabs)
        self.tour: Tour | None = None
        self.setStatusBar(self.status)
        self.resize(*WINDOW_SIZE)

    # construction ------------------------------------------------------
    def _build_views(self) -> None:
        self.canvas = DrawingCanvas()
        self.canvas.setToolTip(
            "Draw a digit with the mouse or a pen: left button draws, right button erases."
        )
        self.network_input = NetworkInputView()
        self.prediction = PredictionLabel()
        self.length_plot = LengthPlot()
        self.routing_view = RoutingView()
        self.reconstruction_view = ReconstructionView()
        self.pose_sliders = PoseSliders()
        self.status = StatusPanel()
        self.cnn_toggle = QCheckBox("vs CNN")
        self.cnn_toggle.setObjectName("cnnToggle")
        self.views = Views(
            canvas=self.canvas,
            network_input=self.network_input,
            prediction=self.prediction,
            lengths=self.length_plot,
            routing=self.routing_view,
            reconstruction=self.reconstruction_view,
            poses=self.pose_sliders,
            status=self.status,
        )

    def _build_layout(self, problem: str) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("columnSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(8)
        splitter.addWidget(self._draw_panel())
        splitter.addWidget(self._capsule_column())
        self.insight_tabs = side_tabs()
        self.insight_tabs.setObjectName("insightTabs")
        self.insight_tabs.setDocumentMode(False)
        self.empty_pages = [EmptyState(self.routing_view, Needs.INPUT)]
        self.insight_tabs.addTab(self.empty_pages[0], PANEL_TITLES[ROUTING_PANEL])
        self.insight_tabs.setTabToolTip(0, self.routing_view.toolTip())
        self.panel_pages: dict[str, QWidget] = {ROUTING_PANEL: self.empty_pages[0]}
        splitter.addWidget(self.insight_tabs)
        splitter.setSizes([370, 440, 558])
        for index, stretch in enumerate((4, 4, 5)):
            splitter.setStretchFactor(index, stretch)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(6)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setVisible(bool(problem))
        self.banner.setText(problem)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        return central

    def _draw_panel(self) -> Panel:
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setObjectName("brushSlider")
        self.brush_slider.setRange(MIN_BRUSH, MAX_BRUSH)
        self.brush_slider.setValue(self.canvas.brush_width)
        self.brush_slider.setFixedWidth(60)
        self.brush_slider.setToolTip("Brush width: thinner [ and thicker ]")
        self.brush_slider.valueChanged.connect(self.canvas.set_brush_width)
        eraser = QToolButton()
        eraser.setObjectName("eraserButton")
        eraser.setText("Eraser")
        eraser.setCheckable(True)
        eraser.setToolTip("Left button erases (E); the right button always erases")
        eraser.toggled.connect(self.canvas.set_eraser)
        self.canvas.eraserChanged.connect(eraser.setChecked)
        undo, redo = QToolButton(), QToolButton()
        undo.setText("↶")
        undo.setObjectName("undoButton")
        undo.setToolTip("Undo (Ctrl+Z)")
        redo.setText("↷")
        redo.setObjectName("redoButton")
        redo.setToolTip("Redo (Ctrl+Shift+Z)")
        undo.clicked.connect(self.canvas.undo)
        redo.clicked.connect(self.canvas.redo)
        undo.setEnabled(False)
        redo.setEnabled(False)
        self.canvas.historyChanged.connect(lambda u, r: (undo.setEnabled(u), redo.setEnabled(r)))
        clear = QToolButton()
        clear.setObjectName("clearButton")
        clear.setText("Clear")
        clear.setToolTip("Erase the canvas (Esc)")
        clear.clicked.connect(self.canvas.clear)
        panel = Panel("Draw", header=(self.brush_slider, eraser, undo, redo, clear))
        self.draw_panel = panel
        panel.add(self.canvas)
        row = QHBoxLayout()
        row.setSpacing(12)
        seen = QVBoxLayout()
        seen.setSpacing(2)
        seen.addWidget(self.network_input, 1)
        seen.addWidget(self.network_input.where_toggle)
        seen.addWidget(self.network_input.width_toggle)
        row.addLayout(seen, 1)
        row.addWidget(self.prediction, 1)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 4, 0, 0)
        holder.setMinimumHeight(190)
        panel.add(holder, 1)
        return panel

    def _capsule_column(self) -> QWidget:
        lengths = Panel(
            "Digit capsule lengths",
            self.length_plot,
            hint="longest wins",
            header=(self.cnn_toggle,),
        )
        steer = Panel(
            "Steer the capsule",
            header=(self.pose_sliders.range_choice, self.pose_sliders.reset_all_button),
        )
        steer.setToolTip(self.pose_sliders.toolTip())
        steer.add(self.reconstruction_view, 1)
        steer.add(self.pose_sliders)
        self.reconstruction_view.setMinimumHeight(150)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(lengths, 4)
        layout.addWidget(steer, 6)
        return column

    @staticmethod
    def make_caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("caption")
        return label

    # plug-in point for analysis panels ---------------------------------
    def add_insight_panel(self, panel_id: str, widget: QWidget, needs: Needs = Needs.INPUT) -> int:
        """Add the analysis panel ``panel_id`` (of :mod:`capsviz.app.panel_ids`) as a tab; returns its index.

        The panel sits in a scroll area, so a panel that needs more room than the
        window gives scrolls instead of stretching the window. Until it has what
        it ``needs``, a sentence saying what to do stands in its place.
        """
        scroller = QScrollArea()
        scroller.setObjectName(f"insightPage{self.insight_tabs.count()}")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setWidget(widget)
        page = EmptyState(scroller, needs)
        self.empty_pages.append(page)
        index = self.insight_tabs.addTab(page, PANEL_TITLES[panel_id].replace("&", "&&"))
        self.panel_pages[panel_id] = page
        if widget.toolTip():
            self.insight_tabs.setTabToolTip(index, widget.toolTip())
        self.update_empty_states()
        return index

    def show_panel(self, panel_id: str) -> bool:
        """Bring the tab of ``panel_id`` to the front; False if this window has no such panel."""
        page = self.panel_pages.get(panel_id)
        if page is None:
            return False
        self.insight_tabs.setCurrentWidget(page)
        return True

    def update_empty_states(self) -> None:
        """Each tab shows its content, or what to do first (load a network, draw, keep a digit).

        The routing view follows the live answer; the analysis panels follow the
        settled input they explain, so clearing the canvas and starting a new
        stroke does not swap a whole panel out and back mid-stroke.
        """
        insight = getattr(self, "insight", None)
        has_model = self.controller is not None and self.controller.model is not None
        has_history = insight is not None and bool(insight.history.entries)
        for page in self.empty_pages:
            live = page is self.panel_pages[ROUTING_PANEL]
            has_input = (self.state.outputs if live else self.state.settled) is not None
            page.show_message(empty_message(page.needs, has_model, has_input, has_history))

    def show_insight_image(self, image: np.ndarray, source: str = "") -> None:
        """Show and classify an image a panel asks for (a kept input, a counterfactual digit)."""
        self.controller.show_array(np.asarray(image), origin="insight", source=source)

    # commands ----------------------------------------------------------
    def change_brush(self, delta: int) -> None:
        self.brush_slider.setValue(self.brush_slider.value() + delta)

    def open_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image of a digit", "", IMAGE_FILTER)
        if path:
            self.controller.open_image(path)

    def load_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load CapsNet weights", "", "Weights (*.safetensors)")
        if path:
            self.controller.load_weights(path)

    def save_session_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the session", f"capsviz{SUFFIX}", SESSION_FILTER)
        if path:
            save_session(self, path)

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a session", "", SESSION_FILTER)
        if path:
            open_session(self, path)

    def export_animation_dialog(self) -> None:
        export_animation_dialog(self, self)

    def current_morph(self) -> Morph | None:
        """The morph Compare & keep shows, if the analysis panels are installed and one is on show."""
        insight = getattr(self, "insight", None)
        return None if insight is None else insight.compare.morph.morph

    def save_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save a screenshot", "capsviz.png", "PNG image (*.png)")
        if path:
            self.save_screenshot(path)

    def save_screenshot(self, path: str) -> bool:
        saved = self.grab().save(path, "PNG")
        if saved:
            self.status.show_message(f"Saved {path}")
        else:
            self.status.show_error(f"could not write {path}")
        return saved

    def paste(self) -> None:
        """Classify the clipboard's image, image file or file path."""
        if not self._accept_mime(QGuiApplication.clipboard().mimeData(), "paste"):
            self.status.show_error("the clipboard holds no image (copy an image or an image file)")

    def start_tour(self) -> None:
        """Help → Tour: ten steps through the network, each on the panel it speaks of."""
        if self.tour is None:
            self.tour = Tour(self)
        self.tour.start()

    def show_shortcuts(self) -> None:
        show_shortcuts(self, shortcut_rows(self.menuBar()))

    def show_about(self) -> None:
        show_about(self)

    def _accept_mime(self, mime: QMimeData | None, origin: str) -> bool:
        """Classify the image or image file in ``mime``; False if it holds neither.

        A picture that is refused (too large) is reported here and the drawing stays.
        """
        if mime is None:
            return False
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                name = "dropped image" if origin == "drop" else "pasted image"
                try:
                    array = qimage_to_array(image, name)
                except ImageError as exc:
                    self.status.show_error(str(exc))
                else:
                    self.controller.show_array(array, origin)
                return True
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
        if not files and mime.hasText():
            files = [path] if (path := path_in_text(mime.text())) else []
        if files and Path(files[0]).suffix.lower() == SUFFIX:
            open_session(self, files[0])
            return True
        if files:
            self.controller.open_image(files[0], origin)
            return True
        return False

    # Qt events ---------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or mime.hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self._accept_mime(event.mimeData(), "drop"):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        if self.controller is not None:
            self.controller.shutdown()
        super().closeEvent(event)


def path_in_text(text: str) -> str | None:
    """The image file a copied text names (a path or a ``file:`` URL on its first line), else None.

    Text that is no file and has no image suffix (a sentence, a long paragraph)
    is not taken for a path, so pasting it says the clipboard holds no image.
    """
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("file:"):
        first = QUrl(first).toLocalFile()
    if not first or len(first) > MAX_PATH_CHARS or "\0" in first:
        return None
    if os.path.isfile(first) or Path(first).suffix.lower() in IMAGE_SUFFIXES:
        return first
    return None

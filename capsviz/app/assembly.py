"""Building the app: the window, its model and CNN baseline, and the analysis panels wired to it.

Everything that connects one part of the app to another happens here or in
the controller, so :class:`~capsviz.app.window.MainWindow` only lays out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from capsviz.analysis.live import load_one_digit_model
from capsviz.app import theme
from capsviz.app.comparison import BaselineComparison
from capsviz.app.controller import Controller
from capsviz.app.insight.overview_panel import OverviewPanel, OverviewPresenter
from capsviz.app.insight_overlays import InsightOverlays
from capsviz.app.menus import build_menus
from capsviz.app.panel_ids import OVERVIEW_PANEL
from capsviz.app.state import AppState
from capsviz.app.views.empty_state import Needs
from capsviz.app.window import MainWindow
from capsviz.model.baseline import BaselineCNN, load_baseline
from capsviz.model.capsnet import CapsNet
from capsviz.model.pretrained import TRAIN_HINT, load_pretrained
from capsviz.model.weights import WeightsError


def no_model_banner(reason: str) -> str:
    """What the window says when it has no network: why, and how to get one."""
    hint = "" if "train" in reason else f"; {TRAIN_HINT}"
    return (
        f"<b>No trained network loaded.</b> {reason}{hint}. You can still draw and see the preprocessing; "
        "load a weights file with File → Load Weights… (Ctrl+Shift+O)."
    )


def attach_controller(
    window: MainWindow,
    model: CapsNet | None,
    device: str,
    weights: str | None,
    baseline: BaselineCNN | None,
    missing: str,
) -> Controller:
    """The live view's controller, the survey's overlays, the CNN beside the lengths and the menus, wired
    to ``window``'s views and state."""
    state = window.state
    state.setParent(window)
    controller = Controller(state, window.views, model, device=device, weights=weights, parent=window)
    window.controller = controller
    window.insight_overlays = InsightOverlays(
        state, window.pose_sliders, window.network_input, controller.playback, window.canvas, window
    )
    window.comparison = BaselineComparison(state, window.length_plot, window.cnn_toggle, baseline, missing)
    window.actions_by_name = build_menus(window, window)
    controller.modelReplaced.connect(lambda _model: window.banner.hide())
    window.network_input.width_toggle.toggled.connect(controller.set_normalise_width)
    state.outputsChanged.connect(window.update_empty_states)
    # queued: the panels take the settled input first, then their pages come back into view
    state.settledChanged.connect(window.update_empty_states, Qt.ConnectionType.QueuedConnection)
    state.modelChanged.connect(window.update_empty_states)
    window.update_empty_states()
    return controller


def install_overview(window: MainWindow) -> OverviewPresenter:
    """Add the network overview tab: every stage of the forward pass for the input on show."""
    panel = OverviewPanel()
    window.add_insight_panel(OVERVIEW_PANEL, panel, Needs.INPUT)
    presenter = OverviewPresenter(panel, window.state, window.controller.model, window.show_panel, window)
    window.controller.modelReplaced.connect(presenter.set_model)
    return presenter


def install_insight_panels(window: MainWindow) -> bool:
    """Add the analysis panels of :mod:`capsviz.app.insight` as tabs, if that package is installed."""
    try:
        from capsviz.app.insight.panels import InsightPanels
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("capsviz.app.insight"):
            return False
        raise
    controller = window.controller
    try:
        two_digit_model, missing = load_pretrained(kind="multimnist"), ""
    except WeightsError as exc:
        two_digit_model, missing = None, f"No two-digit (MultiMNIST) model: {exc}"
    insight = InsightPanels(
        controller.model,
        window.state,
        settle_now=controller.settle_now,
        baseline=window.comparison.baseline,
        two_digit_model=two_digit_model,
        two_digit_missing=missing,
        jobs=controller.jobs,
        parent=window,
    )
    for panel_id, widget in insight.panels:
        window.add_insight_panel(panel_id, widget, insight.needs_of(widget))
    insight.imageRequested.connect(window.show_insight_image)
    insight.sampleRequested.connect(window.controller.show_sample)
    insight.digitRequested.connect(window.controller.select_capsule)
    insight.iterationRequested.connect(window.controller.seek_routing)
    insight.two_digits.underlayRequested.connect(
        lambda under: (
            controller.place_under_drawing(*under) if under else controller.place_under_drawing(None)
        )
    )
    window.controller.modelReplaced.connect(insight.set_model)
    window.closing.connect(insight.shutdown)
    window.canvas.strokeActiveChanged.connect(insight.hold_for_drawing)
    insight.surveyor.progress.connect(window.status.show_survey)
    window.status.surveyCancelRequested.connect(lambda: insight.surveyor.cancel(0))
    window.insight = insight
    return True


def create_window(
    model: CapsNet | None = None, device: str = "auto", weights: str | None = None, insight: bool = True
) -> MainWindow:
    """Build the themed main window (not shown, no event loop).

    Parameters
    ----------
    model : CapsNet, optional
        The network to explore; by default the one in ``weights`` or the shipped one.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``mps`` for a model loaded here and later from the File menu.
    weights : str, optional
        A weights file written by ``train_model.py``.
    insight : bool
        Add the analysis panels (Where, Why, What, …) beside the routing view.

    An explicit ``device`` that this machine lacks raises :class:`~capsviz.model.device.DeviceError`
    (the command line reports it in one line before any window appears).
    If no weights can be loaded the window still opens, explains how to train
    a network and lets the user load a weights file.
    """
    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)
    banner = ""
    if model is None:
        try:
            model = load_one_digit_model(device, weights)
        except WeightsError as exc:
            banner = no_model_banner(str(exc))
    try:
        baseline, missing = load_baseline(), ""
    except WeightsError as exc:
        baseline, missing = None, str(exc)
    window = MainWindow(AppState(), banner)
    attach_controller(window, model, device, weights, baseline, missing)
    if insight:
        window.overview = install_overview(window)
        install_insight_panels(window)
    return window

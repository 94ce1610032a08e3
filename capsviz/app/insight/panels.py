"""The insight panels: one object computes the analyses and feeds the seven views.

They read the app's one :class:`~capsviz.app.state.AppState`: the settled
input (the newest once drawing pauses, with the live view's routing trace),
the routing iteration on show, the steered capsule and the slider offsets.
What they keep are caches keyed by what they derive from. A pick in a panel
(a capsule, an iteration, an image) is a request to the app, which changes the
state, which the panels then follow — never a change made in a panel alone.
Only the panels on screen are recomputed; the others catch up when shown.
Network calls are jobs on the analysis lane (:mod:`capsviz.app.jobs`): newest request wins.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from capsviz.analysis.history import History, HistoryEntry
from capsviz.analysis.inference import infer
from capsviz.analysis.where import where_analysis
from capsviz.analysis.why import why_analysis
from capsviz.app.insight.counterfactual_panel import CounterfactualPanel
from capsviz.app.insight.explained import Explained
from capsviz.app.insight.gallery_panel import GalleryPanel
from capsviz.app.insight.history_panel import HistoryPanel
from capsviz.app.insight.invariance_panel import InvariancePanel, InvariancePresenter
from capsviz.app.insight.keeper import Keeper
from capsviz.app.insight.morph_panel import MorphPresenter
from capsviz.app.insight.pose_presenter import PosePresenter
from capsviz.app.insight.robustness_panel import ROBUSTNESS, RobustnessPanel, RobustnessPresenter
from capsviz.app.insight.survey_task import SurveyBinding, SurveyResult, show_survey
from capsviz.app.insight.two_digits_panel import TwoDigitsPanel, TwoDigitsReader, TwoDigitsSteering
from capsviz.app.insight.what_panel import WhatPanel
from capsviz.app.insight.where_panel import WherePanel
from capsviz.app.insight.why_panel import WhyPanel
from capsviz.app.jobs import Jobs
from capsviz.app.panel_ids import INSIGHT_PANEL_IDS
from capsviz.app.state import AppState
from capsviz.app.views.empty_state import Needs
from capsviz.model.capsnet import CapsNet, RoutingTrace

# What each panel needs before it shows anything; the rest need an input on show.
NEEDS = {"compare": Needs.INPUT_OR_HISTORY, "gallery": Needs.MODEL}


class InsightPanels(QObject):
    """Owns the seven insight panels and keeps them in step with the current input.

    Parameters
    ----------
    model : CapsNet or None
        The network to analyse (None: panels stay empty until :meth:`set_model`).
    state : AppState
        The app's state, read for the settled input, iteration, capsule and offsets.
    settle_now : callable, optional
        Hands a still-waiting input to the state at once (before exports and screenshots).
    baseline : torch.nn.Module, optional
        The CNN baseline, drawn beside the capsules in the Invariance panel's sweep.
    two_digit_model : CapsNet, optional
        The 36×36 MultiMNIST model the Two digits panel reads the input with
        (``two_digit_missing`` says why there is none).
    test_set : (images, labels), optional
        Digits for the statistics and the gallery; the shipped test set by default.
    survey_limit : int, optional
        Survey only the first digits of the test set (faster on a slow machine).
    cache_folder : Path, optional
        Where cached surveys go (default: :func:`capsviz.analysis.cache.cache_dir`).
    jobs : Jobs, optional
        The app's background jobs, shared with the live view (default: the panels' own).
    synchronous : bool
        Compute everything at once in the calling thread (tests, screenshots).

    Signals
    -------
    imageRequested(object, str)
        A panel asks the app to show this ``[28, 28]`` image, saying where it came from
        (history restore, counterfactual).
    sampleRequested(int)
        The gallery asks the app to open test digit ``index``.
    digitRequested(int)
        A panel picked a digit capsule to steer.
    iterationRequested(int)
        The Where panel picked a routing iteration (0-based).
    """

    imageRequested = Signal(object, str)
    sampleRequested = Signal(int)
    digitRequested = Signal(int)
    iterationRequested = Signal(int)

    def __init__(
        self,
        model: CapsNet | None,
        state: AppState,
        *,
        settle_now: Callable[[], None] | None = None,
        baseline: torch.nn.Module | None = None,
        two_digit_model: CapsNet | None = None,
        two_digit_missing: str = "",
        test_set: tuple[np.ndarray, np.ndarray] | None = None,
        survey_limit: int | None = None,
        cache_folder: Path | None = None,
        jobs: Jobs | None = None,
        synchronous: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.state = state
        self._settle_now = settle_now
        self.synchronous = synchronous
        self.jobs = jobs if jobs is not None else Jobs(synchronous, self)
        self._trace: RoutingTrace | None = None  # of the settled input: the live view's, or routed here
        self._serial = 0  # counts settled inputs, so cached drawings know when they are stale
        self._done: dict[str, object] = {}

        self.where, self.why, self.what = WherePanel(), WhyPanel(), WhatPanel()
        self.counterfactuals, self.invariance = CounterfactualPanel(), InvariancePanel()
        self.compare, self.gallery = HistoryPanel(), GalleryPanel()
        self.two_digits = TwoDigitsPanel()
        explained = Explained(
            model=lambda: self.model,
            image=lambda: self.image,
            picture=self._picture,
            digit=lambda: self.digit,
            pose=self.pose,
            lengths=lambda: self.lengths,
            serial=lambda: self._serial,
            fresh=self._fresh,
            submit=self._submit,
        )
        self.two_digit_reader = TwoDigitsReader(
            self.two_digits, explained, two_digit_model, two_digit_missing
        )
        self.two_digit_steering = TwoDigitsSteering(self.two_digits, lambda: two_digit_model, self)
        self.invariance_presenter = InvariancePresenter(self.invariance, explained, baseline, self)
        self.pose_presenter = PosePresenter(self.what, self.counterfactuals, explained, self)
        self.widgets: dict[str, QWidget] = {
            "where": self.where,
            "why": self.why,
            "what": self.what,
            "counterfactuals": self.counterfactuals,
            "invariance": self.invariance,
            "compare": self.compare,
            "gallery": self.gallery,
            "two-digits": self.two_digits,
        }
        self.panels: list[tuple[str, QWidget]] = [(name, self.widgets[name]) for name in INSIGHT_PANEL_IDS]
        for widget in self.widgets.values():
            widget.installEventFilter(self)
        self.keeper = Keeper(self.compare, self)
        self.morpher = MorphPresenter(
            self.compare.morph,
            self.jobs,
            lambda: self.model,
            lambda: self.image,
            lambda: self.history.entries,
            synchronous,
            self,
        )
        self.surveyor = SurveyBinding(
            lambda: self.model, test_set, survey_limit, cache_folder, self.jobs, synchronous, parent=self
        )
        self.robustness = RobustnessPanel()
        self.robustness_presenter = RobustnessPresenter(
            self.robustness, self.jobs, lambda: self.model, baseline, self.surveyor.digits, synchronous, self
        )
        self._connect()

    def _connect(self) -> None:
        for panel in (self.where, self.why, self.what):
            panel.digitChanged.connect(self.digitRequested)  # a pick is a request to the controller
        self.where.iterationChanged.connect(self.iterationRequested)
        self.counterfactuals.imageRequested.connect(self._image_requested)
        self.invariance.robustnessRequested.connect(self.robustness_presenter.open)
        self.gallery.digitRequested.connect(self.sampleRequested)
        self.gallery.computeRequested.connect(self.start_survey)
        show_survey(self.surveyor, self.what, self.gallery, self.state)
        state = self.state
        state.settledChanged.connect(self._settled_changed)
        state.dimensionSurveyChanged.connect(self._dimension_survey_changed)
        state.routingIterationChanged.connect(self._iteration_changed)
        state.selectedCapsuleChanged.connect(self._refresh)
        state.poseOffsetsChanged.connect(lambda: self._refresh(pose_only=True))

    def catch_up(self) -> None:
        """Take an input that is still waiting for a pause in drawing, now."""
        if self._settle_now is not None:
            self._settle_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self._refresh(only=next(n for n, w in self.widgets.items() if w is watched))
        return False

    def needs_of(self, widget: QWidget) -> Needs:
        """What the panel ``widget`` needs before it has something to show."""
        name = next(n for n, w in self.widgets.items() if w is widget)
        return NEEDS.get(name, Needs.INPUT)

    # inputs ------------------------------------------------------------
    def set_model(self, model: CapsNet | None) -> None:
        """Analyse another network (e.g. after loading weights); the survey restarts when needed."""
        self.model = model
        self.surveyor.reset()
        self._set_trace(None)
        self._refresh()

    def _settled_changed(self) -> None:
        settled = self.state.settled
        self._set_trace(None if settled is None else settled.trace)
        self._refresh()

    def _iteration_changed(self) -> None:
        if self._trace is not None:
            self.where.set_iteration(self._shown_iteration())

    # derived values ----------------------------------------------------
    @property
    def history(self) -> History:
        """The kept inputs, newest first."""
        return self.keeper.history

    @property
    def trace(self) -> RoutingTrace | None:
        return self._trace

    @property
    def image(self) -> np.ndarray | None:
        """The settled ``[28, 28]`` input the panels explain."""
        settled = self.state.settled
        return None if settled is None else settled.image

    def _picture(self) -> np.ndarray | None:
        """The settled input before preprocessing (what the two-digit model frames its own way)."""
        settled = self.state.settled
        return None if settled is None else settled.picture

    @property
    def source(self) -> str:
        """Where the explained input came from ("MNIST test #3 (a 5)", "drawing", a file name)."""
        settled = self.state.settled
        return "" if settled is None else settled.source

    @property
    def lengths(self) -> np.ndarray | None:
        return None if self._trace is None else self._trace.lengths[0, -1].float().cpu().numpy()

    @property
    def digit(self) -> int | None:
        """The capsule the panels explain: the selection, else the winner."""
        if self.state.selected_capsule is not None:
            return int(self.state.selected_capsule)
        lengths = self.lengths
        return None if lengths is None else int(np.argmax(lengths))

    def pose(self) -> np.ndarray | None:
        """``[16]`` the explained capsule's pose plus the slider offsets."""
        if self._trace is None or self.digit is None:
            return None
        return self._trace.poses[0, -1, self.digit].float().cpu().numpy() + self.state.pose_offsets

    def _shown_iteration(self) -> int:
        return int(np.clip(self.state.routing_iteration, 0, self._trace.iterations - 1))

    def _set_trace(self, trace: RoutingTrace | None) -> None:
        self._trace = trace
        self._serial += 1
        self._done.clear()

    # refreshing --------------------------------------------------------
    def refresh_all(self) -> None:
        """Recompute every panel now, visible or not (before exporting or taking screenshots)."""
        self.jobs.drain()  # what is already on its way arrives first, then everything is brought up to date
        mode, self.synchronous = self.synchronous, True
        try:
            self.catch_up()
            self._refresh()
        finally:
            self.synchronous = mode

    def _submit(self, key: str, work: Callable[[], object], done: Callable[[object], None]) -> None:
        """Run ``work()`` as a job on the analysis lane (here and now while synchronous)."""
        self.jobs.submit(key, lambda _job: work(), done, inline=True if self.synchronous else None)

    def _wanted(self, name: str, only: str | None) -> bool:
        return (only is None or only == name) and (self.synchronous or self.widgets[name].isVisible())

    def _fresh(self, key: str, signature: object) -> bool:
        """True (and remembered) when ``key`` has not yet been computed for ``signature``."""
        if self._done.get(key) == signature:
            return False
        self._done[key] = signature
        return True

    def _refresh(self, only: str | None = None, pose_only: bool = False) -> None:
        settled = self.state.settled
        if self.model is None or settled is None:
            self._clear()
            return
        if self._wanted("two-digits", only):
            self.two_digit_reader.refresh()
        if self._trace is None:
            if not any(self._wanted(name, only) for name in INSIGHT_PANEL_IDS):
                return  # no panel on show: leave the CPU to the live view until one is opened
            if self._fresh("trace", self._serial):
                model, serial, image, iterations = self.model, self._serial, settled.image, settled.iterations
                self._submit("trace", lambda: (serial, infer(model, image, iterations)[0]), self._trace_ready)
            return
        if not pose_only:
            if self._wanted("where", only):
                self._draw_where()
            if self._wanted("why", only):
                self._draw_why()
            if self._wanted("compare", only):
                self.compare.show_current(self.lengths)
                self.morpher.refresh()
            if self._wanted("invariance", only):
                self.invariance_presenter.refresh()
            if not self.surveyor.started and (self._wanted("gallery", only) or self._wanted("what", only)):
                self.start_survey()
        if self._wanted("what", only):
            self.pose_presenter.figure4()
        if self._wanted("counterfactuals", only):
            self.pose_presenter.counterfactuals()

    def _clear(self) -> None:
        self._set_trace(None)
        self.where.show_analysis(None, None)
        self.why.show_analysis(None)
        self.what.show_pose(None, None)
        self.counterfactuals.show_counterfactuals(None)
        self.invariance.show_report(None)
        self.invariance.show_sweep(None)
        self.compare.show_current(None)

    def _trace_ready(self, result: tuple[int, RoutingTrace]) -> None:
        serial, trace = result
        if serial == self._serial:  # still the settled input it was routed for
            self._trace = trace
            self._refresh()

    def _draw_where(self) -> None:
        if self._fresh("where", self._serial):
            self.where.show_analysis(where_analysis(self._trace), self.image)
        self.where.set_digit(self.digit)
        self.where.set_iteration(self._shown_iteration())

    def _draw_why(self) -> None:
        if self._fresh("why", self._serial):
            self.why.show_analysis(why_analysis(self._trace))
        self.why.set_digit(self.digit)

    # survey ------------------------------------------------------------
    @property
    def survey(self) -> SurveyResult | None:
        """Statistics, labels and gallery of the test set, once surveyed."""
        return self.surveyor.result

    def hold_for_drawing(self, drawing: bool) -> None:
        """While a stroke is drawn the long jobs (survey, robustness) wait: the live view has both cores."""
        self.surveyor.set_paused(drawing)
        self.jobs.pause(ROBUSTNESS, drawing)

    def start_survey(self) -> None:
        """Survey the test set (cached after the first time) for statistics, labels and the gallery."""
        self.surveyor.start()

    def _dimension_survey_changed(self) -> None:
        self.what.show_stats(self.state.dimension_stats)
        self.what.show_labels(self.state.dimension_labels)
        self._done.pop("figure4", None)  # the dimension labels on the Figure-4 grid
        if self._trace is not None and self._wanted("what", None):
            self.pose_presenter.figure4()

    # history and export ------------------------------------------------
    def keep_current(self, source: str = "") -> HistoryEntry | None:
        """Add the current input to the history strip (``source``: say where it came from)."""
        return self.keeper.keep_current(source)

    def restore(self, entry: HistoryEntry) -> None:
        """Bring back a kept input; the one on screen is kept first so both can be compared."""
        self.keeper.restore(entry)

    def export_json(self, path: str | Path) -> Path:
        """Save input, lengths, poses and c_ij of every iteration as JSON."""
        return self.keeper.export_json(path)

    def export_png(self, path: str | Path, window: QWidget | None = None) -> Path:
        """Save one picture of ``window`` (if given) and every insight panel, up to date."""
        return self.keeper.export_png(path, window)

    def _image_requested(self, image: np.ndarray) -> None:
        self.imageRequested.emit(image, f"decoded as {self.counterfactuals.selected}")

    def shutdown(self) -> None:
        """Stop background work (call when the window closes)."""
        self.surveyor.cancel()
        self.robustness.close()
        self.jobs.shutdown(5.0)

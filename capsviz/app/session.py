"""Saving what the window shows as a ``.capsviz`` session, and putting a saved one back.

A teacher saves the view of a lecture's figure once and reopens it (or renders
it with ``capsviz --session FILE --screenshot out.png``) on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtWidgets import QTabWidget, QWidget

from capsviz.app.comparison import BaselineComparison
from capsviz.app.controller import INFER, Controller
from capsviz.app.panel_ids import PANEL_TITLES
from capsviz.app.presentation import Presentation
from capsviz.app.session_file import (
    SUFFIX,
    Session,
    SessionError,
    SessionInput,
    WeightsRef,
    file_sha256,
    read_session,
    storable_picture,
    write_session,
)
from capsviz.app.state import AppState
from capsviz.app.views.canvas import DrawingCanvas
from capsviz.app.views.network_input import NetworkInputView
from capsviz.app.views.poses import PoseSliders
from capsviz.app.views.status import StatusPanel
from capsviz.model.weights import shipped_weights_path

SESSION_FILTER = f"capsviz sessions (*{SUFFIX});;All files (*)"
_hashes: dict[tuple[str, int, float], str] = {}  # (path, size, mtime) → SHA-256: a 27 MB file is read once


class SessionHost(Protocol):
    """What a session is read from and put back into: the main window is one."""

    state: AppState
    controller: Controller
    canvas: DrawingCanvas
    network_input: NetworkInputView
    pose_sliders: PoseSliders
    comparison: BaselineComparison
    status: StatusPanel
    insight_tabs: QTabWidget
    panel_pages: dict[str, QWidget]
    presentation: Presentation

    def show_panel(self, panel_id: str) -> bool: ...


def weights_ref(path: str | Path) -> WeightsRef | None:
    """The name and hash of a weights file (None if it cannot be read)."""
    try:
        stat = Path(path).stat()
        key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime)
        if key not in _hashes:
            _hashes[key] = file_sha256(path)
    except OSError:
        return None
    return WeightsRef(Path(path).name, _hashes[key])


def _loaded_weights(window: SessionHost) -> Path:
    return Path(window.controller.weights_path or shipped_weights_path("mnist"))


def _input(window: SessionHost) -> SessionInput:
    result, state = window.controller.shown_result, window.state
    if result is None or state.outputs is None:
        return SessionInput()
    request = result.request
    if request.sample is not None:
        return SessionInput("sample", index=request.sample.index, source=request.source)
    strokes = window.canvas.strokes()
    if request.strokes is not None and strokes:
        return SessionInput("strokes", strokes=strokes, source=request.source)
    return SessionInput("picture", picture=storable_picture(result.array), source=request.source)


def current_panel(window: SessionHost) -> str:
    """The id of the tab on show in the right-hand column."""
    page = window.insight_tabs.currentWidget()
    return next((panel for panel, shown in window.panel_pages.items() if shown is page), "routing")


def capture_session(window: SessionHost) -> Session:
    """What ``window`` shows now, as a session."""
    state = window.state
    has_model = window.controller.model is not None
    return Session(
        input=_input(window),
        capsule=state.selected_capsule,
        offsets=tuple(float(v) for v in state.pose_offsets),
        iterations=state.iterations,
        routing_iteration=state.routing_iteration,
        panel=current_panel(window),
        normalise_width=state.normalise_width,
        where=window.network_input.where_toggle.isChecked(),
        cnn=window.comparison.toggle.isChecked(),
        data_ranges=window.pose_sliders.range_source() == "data",
        weights=weights_ref(_loaded_weights(window)) if has_model else None,
        zoom=window.presentation.zoom,
        enlarged=window.presentation.enlarged is not None,
    )


def _find_weights(wanted: WeightsRef, folder: Path | None) -> Path | None:
    """A file named like ``wanted`` with its hash, beside the session, here, or among the shipped ones."""
    places = [folder, Path.cwd(), shipped_weights_path("mnist").parent]
    for place in places:
        if place is None:
            continue
        candidate = place / wanted.name
        found = weights_ref(candidate)
        if found is not None and found.sha256 == wanted.sha256:
            return candidate
    return None


def _match_weights(window: SessionHost, wanted: WeightsRef | None, folder: Path | None) -> str:
    """Load the session's weights if they are not the loaded ones; what to tell the person, or ""."""
    if wanted is None:
        return ""
    loaded = weights_ref(_loaded_weights(window)) if window.controller.model is not None else None
    if loaded is not None and loaded.sha256 == wanted.sha256:
        return ""
    found = _find_weights(wanted, folder)
    if found is not None:
        window.controller.load_weights(found)
        return ""
    shown = loaded.name if loaded is not None else "no network"
    return (
        f"saved with the weights {wanted.name} (SHA-256 {wanted.sha256[:12]}…), which are not here; "
        f"showing it with {shown}"
    )


def _when_answered(window: SessionHost, then: Callable[[], None]) -> None:
    """Call ``then`` once the newest live request's answer is on screen (at once if it already is)."""
    controller, state = window.controller, window.state
    target = controller.jobs.generation(INFER)
    if controller.shown_generation >= target:
        then()
        return

    def check() -> None:
        if controller.shown_generation < target:
            return
        state.outputsChanged.disconnect(check)
        if controller.shown_generation == target:
            then()

    state.outputsChanged.connect(check)


def _show_input(window: SessionHost, shown: SessionInput) -> None:
    if shown.kind == "sample" and shown.index is not None:
        window.controller.show_sample(shown.index)
    elif shown.kind == "strokes":
        window.canvas.show_strokes(shown.strokes)
    elif shown.kind == "picture" and shown.picture is not None:
        window.controller.show_array(shown.picture, origin="session", source=shown.source or "session")
    else:
        window.canvas.clear()


def _use_data_ranges(window: SessionHost) -> None:
    """Let the sliders reach where real digits lie, surveying the test set first if it must."""
    choice = window.pose_sliders.range_choice
    index = choice.findData("data")
    if choice.model().item(index).isEnabled():
        choice.setCurrentIndex(index)
        return
    insight = getattr(window, "insight", None)
    if insight is None:
        return

    def surveyed() -> None:
        if choice.model().item(index).isEnabled():
            window.state.dimensionSurveyChanged.disconnect(surveyed)
            choice.setCurrentIndex(index)

    window.state.dimensionSurveyChanged.connect(surveyed)
    insight.start_survey()


def apply_session(window: SessionHost, session: Session, folder: Path | None = None) -> str:
    """Put ``window`` in the state ``session`` describes; returns a note for the person ("" if none).

    The input is classified in the background; the routing iteration on show
    is set once its answer arrives.
    """
    note = _match_weights(window, session.weights, folder)
    controller = window.controller
    controller.set_iterations(session.iterations)
    window.network_input.width_toggle.setChecked(session.normalise_width)
    choice = window.pose_sliders.range_choice
    if session.data_ranges:
        _use_data_ranges(window)
    else:
        choice.setCurrentIndex(choice.findData("paper"))
    controller.select_capsule(session.capsule)
    controller.set_pose_offsets(np.asarray(session.offsets, np.float32))
    window.network_input.where_toggle.setChecked(session.where)
    if window.comparison.toggle.isEnabled():
        window.comparison.toggle.setChecked(session.cnn)
    window.show_panel(session.panel)
    presentation = window.presentation
    presentation.restore()
    if session.zoom != presentation.zoom:
        presentation.set_zoom(session.zoom)
    if session.enlarged and session.panel in window.panel_pages:
        presentation.toggle_enlarged(window.panel_pages[session.panel])
    _show_input(window, session.input)
    _when_answered(window, lambda: controller.seek_routing(session.routing_iteration))
    return note


def open_session(window: SessionHost, path: str | Path) -> bool:
    """Read ``path`` and show it; a damaged file is reported in one line and nothing changes."""
    try:
        session = read_session(path)
    except SessionError as exc:
        window.status.show_error(str(exc))
        return False
    note = apply_session(window, session, Path(path).parent)
    shown = PANEL_TITLES[session.panel]
    window.status.show_message(f"Opened session {Path(path).name} ({shown})" + (f"; {note}" if note else ""))
    return True


def save_session(window: SessionHost, path: str | Path) -> Path | None:
    """Write what ``window`` shows to ``path``; None (and a message) if it cannot be written."""
    try:
        written = write_session(capture_session(window), path)
    except OSError as exc:
        window.status.show_error(f"could not write {Path(path).name}: {exc.strerror or exc}")
        return None
    window.status.show_message(f"Saved session {written}")
    return written

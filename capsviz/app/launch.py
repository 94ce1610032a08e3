"""Starting the app: the event loop for people, a headless render for ``--screenshot``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QEvent, QEventLoop, QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from capsviz.app.drawing_bench import place_strokes, replay
from capsviz.app.scene import ScreenshotScene, needs_survey
from capsviz.app.session import apply_session, open_session
from capsviz.app.session_file import SessionError, read_session
from capsviz.app.views.canvas import DEFAULT_BRUSH
from capsviz.commands.common import create_parent_folder
from capsviz.data.multimnist import test_pairs
from capsviz.data.skeleton import digit_strokes
from capsviz.qt_platform import needs_offscreen

SCREENSHOT_TIMEOUT_S = 60.0
SURVEY_TIMEOUT_S = 1800.0  # the first survey of the 10,000 test digits (then cached)


# Messages Qt's offscreen and minimal platforms print for features they simply lack; they read like
# errors to a person rendering a screenshot, but say nothing about capsviz or the picture.
HARMLESS_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",
    "This plugin does not support setParent!",
)


def qt_message_handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Print Qt's warnings as Qt would, except the known-harmless ones of headless platforms."""
    if any(message.startswith(harmless) for harmless in HARMLESS_QT_MESSAGES):
        return
    print(message, file=sys.stderr)


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        qInstallMessageHandler(qt_message_handler)
        app = QApplication(sys.argv[:1])
    app.setApplicationName("capsviz")
    app.setApplicationDisplayName("capsviz")
    return app


def share_cpu_with_the_gui() -> None:
    """Keep the GUI thread responsive while the worker computes.

    Inference leaves one core to the GUI (unless the user chose a thread count
    with ``OMP_NUM_THREADS``), and Python hands the interpreter lock between
    threads every millisecond instead of every five, so a stroke never waits
    long for the worker's Python code.
    """
    if "OMP_NUM_THREADS" not in os.environ:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    sys.setswitchinterval(0.001)


def run_app(
    weights: str | None = None,
    device: str = "auto",
    screenshot: str | None = None,
    scene: ScreenshotScene | None = None,
    session: str | None = None,
    zoom: float = 1.0,
) -> int:
    """Open the explorer (or render ``scene`` to ``screenshot``), on ``session`` if given; the exit status."""
    if screenshot and needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    share_cpu_with_the_gui()
    app = _application()
    from capsviz.app.assembly import create_window

    window = create_window(device=device, weights=weights)
    if zoom != 1.0:
        window.presentation.set_zoom(zoom)
    if screenshot:
        return render_screenshot(window, screenshot, scene or ScreenshotScene(), session)
    from capsviz.app.settings import offer_tour_once, remember_between_sessions

    remember_between_sessions(window)
    window.show()
    if session:
        open_session(window, session)
    else:
        offer_tour_once(window)
    return app.exec()


def wait_until(condition: object, timeout_s: float) -> bool:
    """Process events until ``condition()`` holds or the time is up."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    return True


def _finish_survey(window: object, needed: bool) -> None:
    """Run the test-set survey to the end where the picture ``needed`` it, or where it is cached.

    A cached survey is finished on any picture: it takes seconds, and the picture
    then shows the dimension names a person sees a moment after the window opens.
    """
    insight = getattr(window, "insight", None)
    if insight is None:
        return
    surveyor = insight.surveyor
    cached = surveyor.cached()
    if not (needed or cached):
        return
    if not cached:
        print("capsviz: surveying the test set for the statistics (cached for next time)…", file=sys.stderr)
    insight.start_survey()
    if not wait_until(lambda: surveyor.result is not None and not surveyor.running, SURVEY_TIMEOUT_S):
        print("capsviz: warning: the test-set survey did not finish in time", file=sys.stderr)


def _show_sample(window: object, index: int) -> bool:
    """Open test digit ``index`` and wait for the network's answer."""
    state = window.state
    window.controller.show_sample(index)
    return wait_until(lambda: state.sample is not None and state.sample.index == index, SCREENSHOT_TIMEOUT_S)


def _wait_for_answer(window: object) -> bool:
    """Wait until the window shows the answer to its newest request."""
    controller = window.controller
    return wait_until(lambda: controller.answered, SCREENSHOT_TIMEOUT_S)


def _draw_sample(window: object, index: int, height: float) -> bool:
    """Draw test digit ``index`` on the canvas as a person would (its skeleton, the default brush)."""
    images, _labels = window.controller.samples()
    strokes = place_strokes(digit_strokes(images[index]), height, np.random.default_rng(0), DEFAULT_BRUSH)
    replay(window.canvas, strokes, DEFAULT_BRUSH)
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))  # the pen leaves: no brush outline
    return _wait_for_answer(window)


def _show_pair(window: object, index: int) -> bool:
    """Put held-out MultiMNIST pair ``index`` on the canvas (made from the shipped test digits)."""
    images, labels = window.controller.samples()
    pairs = test_pairs(torch.from_numpy(np.array(images)), torch.as_tensor(labels).long())  # all 10,000
    index %= len(pairs.labels)
    picture = (pairs.images[index, 0].numpy() * 255).astype(np.uint8)
    first, second = (int(v) for v in pairs.labels[index])
    window.controller.show_array(picture, source=f"MultiMNIST test pair #{index} ({first} and {second})")
    return _wait_for_answer(window)


def _show_session(window: object, path: str) -> bool:
    """Put the saved session at ``path`` on show and wait for its answer (and its weights, if others)."""
    session = read_session(path)
    note = apply_session(window, session, Path(path).parent)
    if note:
        print(f"capsviz: warning: {note}", file=sys.stderr)
    _finish_survey(window, needs_survey(session.panel, session.data_ranges))
    jobs = window.controller.jobs
    return wait_until(lambda: not jobs.busy("load") and window.controller.answered, SCREENSHOT_TIMEOUT_S)


def render_screenshot(
    window: object, path: str, scene: ScreenshotScene | None = None, session: str | None = None
) -> int:
    """Show ``scene`` (by default test digit 0, routing at its last iteration), or the saved ``session``
    in its place, and save the window (or the part ``scene`` names) as PNG."""
    scene = scene or ScreenshotScene()
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.show()
    if session is not None:
        try:
            ready = _show_session(window, session)
        except SessionError as exc:
            print(f"capsviz: error: {exc}", file=sys.stderr)
            window.close()
            return 1
    else:
        ready = _show_scene(window, scene)
        if ready is None:
            window.close()
            return 1
    insight = getattr(window, "insight", None)
    if insight is not None:
        insight.refresh_all()
    wait_until(lambda: False, 0.3)
    return _save_picture(window, path, scene, ready)


def _show_scene(window: object, scene: ScreenshotScene) -> bool | None:
    """Put ``scene`` on show; whether the network answered in time (None: the scene cannot be shown)."""
    state, insight = window.state, getattr(window, "insight", None)
    if not window.show_panel(scene.panel):
        print(f"capsviz: error: this window has no {scene.panel} panel", file=sys.stderr)
        return None
    _finish_survey(window, scene.needs_survey)
    for index in scene.kept:
        if insight is not None and _show_sample(window, index):
            insight.keep_current()
    window.network_input.width_toggle.setChecked(not scene.as_drawn)
    window.comparison.toggle.setChecked(scene.cnn)
    ready = _show_sample(window, scene.sample)
    if scene.pair is not None:
        ready = _show_pair(window, scene.pair)
    if scene.drawn is not None:
        ready = _draw_sample(window, scene.sample, scene.drawn)
    if state.outputs is not None:
        window.controller.seek_routing(state.outputs.iterations - 1)
    window.network_input.where_toggle.setChecked(scene.where)
    if scene.data_ranges:
        choice = window.pose_sliders.range_choice
        choice.setCurrentIndex(choice.findData("data"))
    if scene.enlarge:
        window.presentation.toggle_enlarged(window.panel_pages[scene.panel])
    return ready


def _save_picture(window: object, path: str, scene: ScreenshotScene, ready: bool) -> int:
    target = Path(path)
    try:
        create_parent_folder(target)
    except OSError as exc:
        print(f"capsviz: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        window.close()
        return 1
    shown = window.insight_tabs.currentWidget() if scene.panel_only else window
    if scene.draw_only:
        shown = window.draw_panel
    saved = shown.grab().save(str(target), "PNG")
    window.close()
    if not saved:
        print(f"capsviz: error: could not write {target}", file=sys.stderr)
        return 1
    if not ready:
        print(
            "capsviz: warning: the network did not answer in time; the screenshot shows no result",
            file=sys.stderr,
        )
    print(f"wrote {target}")
    return 0

"""Menus, the toolbar and every keyboard shortcut, defined in one place.

The Help menu's shortcut list is generated from the actions made here, so it
can never disagree with what the keys really do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMenuBar, QStyle, QToolBar

from capsviz.app.controller import Controller
from capsviz.app.presentation import Presentation
from capsviz.app.views.canvas import DrawingCanvas

Shortcut = str | QKeySequence.StandardKey


class MenuHost(Protocol):
    """What the menus command: the window's own dialogs, its controller and its canvas.

    The main window is one; the menus need no more of it than this and a QMainWindow to hang on.
    """

    controller: Controller
    canvas: DrawingCanvas
    presentation: Presentation

    def open_image_dialog(self) -> None: ...
    def paste(self) -> None: ...
    def load_weights_dialog(self) -> None: ...
    def save_screenshot_dialog(self) -> None: ...
    def open_session_dialog(self) -> None: ...
    def save_session_dialog(self) -> None: ...
    def export_animation_dialog(self) -> None: ...
    def change_brush(self, delta: int) -> None: ...
    def show_shortcuts(self) -> None: ...
    def start_tour(self) -> None: ...
    def show_about(self) -> None: ...
    def make_caption(self, text: str) -> QLabel: ...


def _action(
    window: QMainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcuts: tuple[Shortcut, ...] = (),
    tip: str = "",
    checkable: bool = False,
) -> QAction:
    action = QAction(text, window)
    keys: list[QKeySequence] = []
    for shortcut in shortcuts:
        if isinstance(shortcut, QKeySequence.StandardKey):
            keys.extend(QKeySequence.keyBindings(shortcut))
        else:
            keys.append(QKeySequence(shortcut))
    action.setShortcuts(keys)
    action.setCheckable(checkable)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if checkable:
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    window.addAction(action)
    return action


def build_menus(window: QMainWindow, host: MenuHost) -> dict[str, QAction]:
    """Create the menu bar and toolbar of ``window`` for ``host``'s commands; return the actions by name."""
    c, canvas, bar = host.controller, host.canvas, window.menuBar()
    actions: dict[str, QAction] = {}

    file = bar.addMenu("&File")
    actions["open"] = _action(
        window,
        file,
        "&Open Image…",
        host.open_image_dialog,
        ("Ctrl+O",),
        "Classify an image file (PNG, JPEG, …)",
    )
    actions["paste"] = _action(
        window, file, "&Paste Image", host.paste, ("Ctrl+V",), "Classify the image on the clipboard"
    )
    file.addSeparator()
    actions["weights"] = _action(
        window,
        file,
        "Load &Weights…",
        host.load_weights_dialog,
        ("Ctrl+Shift+O",),
        "Use another trained weights file (.safetensors)",
    )
    actions["open-session"] = _action(
        window,
        file,
        "Open Sessio&n…",
        host.open_session_dialog,
        tip="Reopen a saved view (.capsviz): the input, capsule, sliders, routing step and tab",
    )
    actions["save-session"] = _action(
        window,
        file,
        "Save Session…",
        host.save_session_dialog,
        ("Ctrl+Shift+S",),
        "Save this view as a small .capsviz file that reopens the same on any machine",
    )
    file.addSeparator()
    actions["animation"] = _action(
        window,
        file,
        "Export &Animation…",
        host.export_animation_dialog,
        ("Ctrl+E",),
        "Save the routing, a slider sweep or the morph as an animated GIF (or MP4)",
    )
    actions["screenshot"] = _action(
        window,
        file,
        "&Save Screenshot…",
        host.save_screenshot_dialog,
        ("Ctrl+S",),
        "Save a picture of the window",
    )
    file.addSeparator()
    actions["quit"] = _action(window, file, "&Quit", window.close, ("Ctrl+Q",))

    edit = bar.addMenu("&Edit")
    actions["undo"] = _action(window, edit, "&Undo", canvas.undo, ("Ctrl+Z",), "Undo the last stroke")
    actions["redo"] = _action(window, edit, "&Redo", canvas.redo, ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo")
    actions["clear"] = _action(window, edit, "&Clear Canvas", canvas.clear, ("Esc",), "Erase everything")
    edit.addSeparator()
    actions["eraser"] = _action(
        window,
        edit,
        "&Eraser",
        canvas.set_eraser,
        ("E",),
        "Left button erases (the right button always does)",
        checkable=True,
    )
    actions["thinner"] = _action(window, edit, "Thinner Brush", lambda: host.change_brush(-4), ("[",))
    actions["thicker"] = _action(window, edit, "Thicker Brush", lambda: host.change_brush(4), ("]",))

    digits = bar.addMenu("&Digits")
    actions["previous"] = _action(
        window,
        digits,
        "&Previous MNIST Digit",
        c.previous_sample,
        ("P",),
        "Previous digit of the MNIST test set",
    )
    actions["next"] = _action(
        window, digits, "&Next MNIST Digit", c.next_sample, ("N",), "Next digit of the MNIST test set"
    )
    actions["random"] = _action(
        window, digits, "&Random MNIST Digit", c.random_sample, ("R",), "A random digit of the MNIST test set"
    )

    routing = bar.addMenu("&Routing")
    actions["play"] = _action(window, routing, "&Play / Pause", c.toggle_playing, ("Space",))
    actions["back"] = _action(window, routing, "Step &Back", lambda: c.step_routing(-1), (",",))
    actions["forward"] = _action(window, routing, "Step &Forward", lambda: c.step_routing(1), (".",))
    actions["first"] = _action(window, routing, "F&irst Iteration", lambda: c.seek_routing(0), ("Home",))
    actions["last"] = _action(window, routing, "&Last Iteration", lambda: c.seek_routing(99), ("End",))

    capsule = bar.addMenu("&Capsule")
    actions["winner"] = _action(window, capsule, "Steer the &Winner", lambda: c.select_capsule(None), ("W",))
    steer = capsule.addMenu("&Steer Capsule")
    for digit in range(10):
        actions[f"steer{digit}"] = _action(
            window, steer, f"Capsule {digit}", lambda d=digit: c.select_capsule(d), (str(digit),)
        )
    actions["reset"] = _action(window, capsule, "&Reset Sliders", c.reset_pose, ("Ctrl+R",))

    view = bar.addMenu("&View")
    zoom = lambda steps: lambda: host.presentation.zoom_by(steps)  # noqa: E731
    actions["zoom-in"] = _action(
        window, view, "Zoom &In", zoom(1), (QKeySequence.StandardKey.ZoomIn, "Ctrl+="), "Larger fonts"
    )
    actions["zoom-out"] = _action(
        window, view, "Zoom &Out", zoom(-1), (QKeySequence.StandardKey.ZoomOut,), "Smaller fonts"
    )
    actions["zoom-reset"] = _action(window, view, "&Actual Size", zoom(0), ("Ctrl+0",), "Fonts as designed")
    view.addSeparator()
    actions["enlarge"] = _action(
        window,
        view,
        "&Enlarge Panel",
        lambda: host.presentation.toggle_enlarged(),
        ("F11",),
        "Fill the window with the tab on show (again: restore); double-click any panel's title for it",
    )
    actions["pop-out"] = _action(
        window,
        view,
        "&Pop Out Panel",
        lambda: host.presentation.pop_out(),
        ("Ctrl+Shift+P",),
        "Show the tab on show in a window of its own; close that window to put it back",
    )

    help_menu = bar.addMenu("&Help")
    actions["tour"] = _action(
        window, help_menu, "Guided &Tour", host.start_tour, ("Shift+F1",), "Ten steps through the network"
    )
    actions["shortcuts"] = _action(window, help_menu, "&Keyboard Shortcuts", host.show_shortcuts, ("F1",))
    actions["about"] = _action(window, help_menu, "&About capsviz", host.show_about)

    canvas.eraserChanged.connect(actions["eraser"].setChecked)
    canvas.historyChanged.connect(
        lambda can_undo, can_redo: (
            actions["undo"].setEnabled(can_undo),
            actions["redo"].setEnabled(can_redo),
        )
    )
    actions["undo"].setEnabled(False)
    actions["redo"].setEnabled(False)
    _build_toolbar(window, host, actions)
    return actions


def _build_toolbar(window: QMainWindow, host: MenuHost, actions: dict[str, QAction]) -> None:
    toolbar = QToolBar("Main")
    toolbar.setObjectName("mainToolBar")
    toolbar.setMovable(False)
    style = window.style()
    icons = {
        "open": QStyle.StandardPixmap.SP_DialogOpenButton,
        "previous": QStyle.StandardPixmap.SP_ArrowLeft,
        "next": QStyle.StandardPixmap.SP_ArrowRight,
        "random": QStyle.StandardPixmap.SP_BrowserReload,
        "weights": QStyle.StandardPixmap.SP_DriveHDIcon,
    }
    short = {
        "open": "Open…",
        "paste": "Paste",
        "previous": "Previous",
        "next": "Next",
        "random": "Random",
        "weights": "Load weights…",
    }
    for name, pixmap in icons.items():
        actions[name].setIcon(style.standardIcon(pixmap))
    for name, text in short.items():
        actions[name].setIconText(text)
    toolbar.setToolButtonStyle(toolbar.toolButtonStyle().ToolButtonTextBesideIcon)
    toolbar.addAction(actions["open"])
    toolbar.addAction(actions["paste"])
    toolbar.addSeparator()
    toolbar.addWidget(host.make_caption("MNIST test digits"))
    for name in ("previous", "random", "next"):
        toolbar.addAction(actions[name])
    toolbar.addSeparator()
    toolbar.addAction(actions["weights"])
    window.addToolBar(toolbar)


def shortcut_rows(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every menu entry of ``bar`` that has a shortcut."""
    rows = []
    for menu_action in bar.actions():
        rows.extend(_rows(menu_action.menu(), menu_action.text().replace("&", "")))
    return rows


def _keys(action: QAction) -> str:
    return " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def _rows(menu: QMenu, title: str) -> list[tuple[str, str, str]]:
    rows = []
    for action in menu.actions():
        submenu = action.menu()
        if submenu is not None:
            keyed = [a for a in submenu.actions() if a.shortcuts()]
            if keyed:  # a family of commands (capsules 0–9): one row
                name = submenu.title().replace("&", "")
                rows.append((title, f"{name} …", f"{_keys(keyed[0])} … {_keys(keyed[-1])}"))
        elif action.shortcuts():
            rows.append((title, action.text().replace("&", ""), _keys(action)))
    return rows

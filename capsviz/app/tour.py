"""Help → Tour: ten short steps through the network, each showing the panel it speaks of in the state it
describes.

Each step sets everything it talks about (the digit, the tab, the iterations,
a slider), so Back and Next land on the same view whatever the person did in
between. The tour never blocks: the window keeps working under the veil, and
closing it leaves no trace but the state of its last step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, QRect
from PySide6.QtWidgets import QMainWindow, QWidget

from capsviz.app.views.panel import Panel
from capsviz.app.views.tour_card import TourCard, Veil

SEVEN = 0  # a clearly written 7 of the shipped MNIST test set
STEERED_DIMENSION = 5
STEER_BY = 0.2


@dataclass(frozen=True)
class TourStep:
    """A step: what it says, what it puts on show (``apply``) and which widget it lights (``target``)."""

    title: str
    text: str
    apply: Callable[[QMainWindow], None]
    target: Callable[[QMainWindow], QWidget | None]


def _panel(title: str) -> Callable[[QMainWindow], QWidget | None]:
    return lambda window: next((p for p in window.findChildren(Panel) if p.title == title), None)


def _plain(window: QMainWindow, iterations: int = 3) -> None:
    """The network as the paper runs it: ``iterations`` of routing, every slider at 0."""
    window.controller.set_iterations(iterations)
    window.controller.reset_pose()


def _tab(panel_id: str) -> Callable[[QMainWindow], None]:
    def show(window: QMainWindow) -> None:
        _plain(window)
        window.show_panel(panel_id)

    return show


def _seven(window: QMainWindow) -> None:
    if window.state.sample is None or window.state.sample.index != SEVEN:
        window.controller.show_sample(SEVEN)
    _plain(window)
    window.controller.select_capsule(None)


def _routing(window: QMainWindow, iterations: int) -> None:
    _plain(window, iterations)
    window.show_panel("routing")
    window.controller.seek_routing(0)
    if not window.state.playing:
        window.controller.toggle_playing()


def _steer(window: QMainWindow) -> None:
    _plain(window)
    window.controller.select_capsule(None)
    window.controller.set_pose_offset(STEERED_DIMENSION, STEER_BY)


STEPS = (
    TourStep(
        "Welcome to capsviz",
        "A Capsule Network reads digits with <i>capsules</i>: groups of numbers whose length says "
        "<i>is it there?</i> and whose direction says <i>how does it look?</i> This tour shows each part "
        "in a minute. <b>→</b> or Enter: next, <b>←</b>: back, <b>Esc</b>: leave (Help → Tour brings it "
        "back).",
        _seven,
        lambda window: None,
    ),
    TourStep(
        "Draw, or pick a test digit",
        "Draw a digit here with the mouse (right button erases), or press <b>R</b> for a random MNIST "
        "test digit. The network answers while you draw. On show now: a 7 from the test set.",
        _seven,
        lambda window: window.draw_panel,
    ),
    TourStep(
        "What the network is given",
        "Your drawing is cropped, scaled to 20 pixels, centred by its mass and its strokes brought to "
        "MNIST's width: the 28 × 28 picture below the canvas is exactly what the network sees.",
        _seven,
        lambda window: window.network_input,
    ),
    TourStep(
        "The whole network at a glance",
        "Left to right: Conv1's 256 feature maps, 1152 primary capsules, their votes, routing, ten digit "
        "capsules and the decoder. Hover a stage for what it computes; click it for its own panel.",
        _tab("overview"),
        lambda window: window.insight_tabs,
    ),
    TourStep(
        "Ten capsules, ten lengths",
        "One capsule per digit. Its length (0 to 1) says how sure the network is that the digit is "
        "there: the longest wins. A present digit should pass 0.9, the others stay under 0.1.",
        _seven,
        _panel("Digit capsule lengths"),
    ),
    TourStep(
        "Routing by agreement",
        "Every primary capsule sends a vote to every digit capsule; votes that agree with the result get "
        "more weight (c<sub>ij</sub>) at the next iteration. Watch the 7's column light up (Space plays "
        "and pauses).",
        lambda window: _routing(window, 3),
        lambda window: window.insight_tabs,
    ),
    TourStep(
        "Switch routing off",
        "With one iteration there is no agreement: every c<sub>ij</sub> stays 1/10 and every vote counts "
        "the same. The 7 still wins, but by less: routing is what makes the winner sure.",
        lambda window: _routing(window, 1),
        lambda window: window.insight_tabs,
    ),
    TourStep(
        "Steer the winning capsule",
        f"The decoder redraws the digit from the winner's 16 numbers alone. Dimension {STEERED_DIMENSION} "
        f"is moved by {STEER_BY:+.2f} here: compare the two pictures, then try the other sliders.",
        _steer,
        _panel("Steer the capsule"),
    ),
    TourStep(
        "What each dimension means",
        "Names for the 16 dimensions, from evidence: how closely a measured property (thickness, slant, "
        "width…) follows each slider over many test digits. A “?” marks a name the evidence backs weakly.",
        _tab("what"),
        lambda window: window.insight_tabs,
    ),
    TourStep(
        "Take it with you",
        "File → Save Session keeps this view in a small file; File → Export Animation writes routing, a "
        "sweep or a morph as a GIF. Double-click a panel's title to fill the window with it, "
        "Ctrl + and Ctrl − zoom. Enjoy!",
        _tab("routing"),
        lambda window: None,
    ),
)


class Tour(QObject):
    """Walks ``window`` through :data:`STEPS`; ``index`` is the step on show (None: not running)."""

    def __init__(self, window: QMainWindow, steps: tuple[TourStep, ...] = STEPS) -> None:
        super().__init__(window)
        self.window, self.steps = window, steps
        self.index: int | None = None
        self.veil: Veil | None = None
        self.card: TourCard | None = None
        self._escape_keys: list = []

    @property
    def running(self) -> bool:
        return self.index is not None

    def start(self) -> None:
        """Begin at the first step (or go back to it)."""
        if self.card is None:
            self.veil = Veil(self.window)
            self.card = TourCard(self.window)
            self.card.nextRequested.connect(self.next)
            self.card.backRequested.connect(self.back)
            self.card.closeRequested.connect(self.close)
            clear = self.window.actions_by_name.get("clear")
            if clear is not None:  # Esc closes the tour while it runs, instead of clearing the canvas
                self._escape_keys = clear.shortcuts()
                clear.setShortcuts([])
            self.veil.show()
            self.card.show()
        self.go(0)

    def go(self, index: int) -> None:
        """Show step ``index``: put the window in its state, light its panel, say its words."""
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        step.apply(self.window)
        target = step.target(self.window)
        hole = None
        if target is not None and target.isVisible():
            hole = QRect(target.mapTo(self.window, QPoint(0, 0)), target.size())
        self.veil.show_hole(hole)
        self.card.show_step(step.title, step.text, self.index, len(self.steps))
        self.card.place_beside(hole)
        self.card.setFocus()

    def next(self) -> None:
        if self.index is not None and self.index + 1 < len(self.steps):
            self.go(self.index + 1)
        else:
            self.close()

    def back(self) -> None:
        if self.index:
            self.go(self.index - 1)

    def close(self) -> None:
        """End the tour: the veil and the card go, Esc clears the canvas again."""
        if self.card is None:
            return
        clear = self.window.actions_by_name.get("clear")
        if clear is not None:
            clear.setShortcuts(self._escape_keys)
        for widget in (self.card, self.veil):
            widget.hide()
            widget.deleteLater()
        self.card = self.veil = None
        self.index = None
